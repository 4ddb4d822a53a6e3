/// soilmap's own version, written into manifests and `soilmap --version`.
public enum SoilMapVersion {
    public static let string = "0.1.0"
}
