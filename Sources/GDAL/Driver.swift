import CGDAL

/// A GDAL driver ("GTiff", "COG", "GPKG", "MEM", ...): creates datasets.
public struct Driver {
    let handle: GDALDriverH
    public let name: String

    /// The driver with this short name; throws when GDAL was built without it.
    public init(_ name: String) throws {
        GDALRuntime.ensureInitialized()
        guard let handle = GDALGetDriverByName(name) else {
            throw GDALError(function: "GDALGetDriverByName", path: nil, message: "GDAL has no driver named \(name)",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        self.handle = handle
        self.name = name
    }

    /// The driver GDAL would choose for an output file name, by its extension (.tif, .gpkg, .geojson, .csv, ...).
    public static func forOutput(path: String, vector: Bool) throws -> Driver {
        let lower = path.lowercased()
        let table: [(String, String)] = vector
            ? [(".gpkg", "GPKG"), (".geojson", "GeoJSON"), (".json", "GeoJSON"), (".csv", "CSV"), (".shp", "ESRI Shapefile"),
               (".fgb", "FlatGeobuf")]
            : [(".tif", "GTiff"), (".tiff", "GTiff"), (".vrt", "VRT"), (".img", "HFA"), (".png", "PNG")]
        guard let match = table.first(where: { lower.hasSuffix($0.0) }) else {
            throw GDALError(function: "Driver.forOutput", path: path,
                            message: "cannot tell the output format from the extension (use one of \(table.map(\.0).joined(separator: " ")))",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        return try Driver(match.1)
    }

    /// Creates a raster. Creation options are "KEY=VALUE" strings passed through unchanged.
    public func createRaster(path: String, width: Int, height: Int, bandCount: Int, dataType: DataType,
                             options: [String] = []) throws -> Dataset {
        let handle = try withCStringList(options) { list in
            try checkHandle("GDALCreate", path: path) {
                GDALCreate(self.handle, path, Int32(width), Int32(height), Int32(bandCount), dataType.gdal, list)
            }
        }
        return Dataset(handle: handle, path: path)
    }

    /// Creates a vector data source (GeoPackage, GeoJSON, CSV, ...).
    public func createVector(path: String, options: [String] = []) throws -> Dataset {
        let handle = try withCStringList(options) { list in
            try checkHandle("GDALCreate", path: path) { GDALCreate(self.handle, path, 0, 0, 0, GDT_Unknown, list) }
        }
        return Dataset(handle: handle, path: path)
    }

    /// Copies a dataset into this driver's format: the way to write a Cloud-Optimized GeoTIFF (driver "COG").
    public func createCopy(path: String, from source: Dataset, options: [String] = [],
                           progress: ((Double) -> Void)? = nil) throws -> Dataset {
        let handle = try withCStringList(options) { list in
            try withProgress(progress) { function, argument in
                try checkHandle("GDALCreateCopy", path: path) {
                    GDALCreateCopy(self.handle, path, source.handle, 0, list, function, argument)
                }
            }
        }
        return Dataset(handle: handle, path: path)
    }

    /// Deletes a dataset and all its files (used to remove a partial output after a failure).
    public func delete(path: String) throws {
        try check("GDALDeleteDataset", path: path) { GDALDeleteDataset(handle, path) }
    }
}

/// Passes an optional Swift progress closure to a GDAL call as a C callback and its argument.
func withProgress<R>(_ progress: ((Double) -> Void)?, _ body: (GDALProgressFunc?, UnsafeMutableRawPointer?) throws -> R) rethrows -> R {
    guard let progress else { return try body(nil, nil) }
    let box = Unmanaged.passRetained(ProgressBox(progress))
    defer { box.release() }
    let function: GDALProgressFunc = { fraction, _, argument in
        Unmanaged<ProgressBox>.fromOpaque(argument!).takeUnretainedValue().callback(fraction)
        return 1
    }
    return try body(function, box.toOpaque())
}

private final class ProgressBox {
    let callback: (Double) -> Void
    init(_ callback: @escaping (Double) -> Void) { self.callback = callback }
}
