import GDAL

/// soilmap's own version, written into manifests and `soilmap --version`.
public enum SoilMapVersion {
    public static let string = "0.2.0-dev"
    /// The git commit of the build, when the build was told (`make build` passes it); nil otherwise.
    public static let commit: String? = nil

    /// `soilmap --version`: soilmap's version and the GDAL and PROJ it runs with.
    public static var description: String {
        "soilmap \(string)\(commit.map { " (\($0))" } ?? "") with GDAL \(GDALRuntime.gdalVersion) and PROJ \(GDALRuntime.projVersion)"
    }
}
