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

/// A creation option a driver declares (its `DMD_CREATIONOPTIONLIST`).
public struct CreationOptionDeclaration: Sendable, Equatable {
    public let name: String
    /// The other names GDAL accepts for it.
    public let aliases: [String]
    /// GDAL's type: "string-select", "int", "float", "boolean", "string", ...
    public let type: String
    /// For "string-select": the values the driver takes, as it spells them.
    public let values: [String]
}

/// A creation option GDAL's own validation refused, with GDAL's words.
public struct CreationOptionIssue: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Not KEY=VALUE.
        case notKeyValue
        /// The driver declares no such key: GDAL ignores it.
        case unknownKey
        /// The driver knows the key but not the value (`allowed`: the values of a string-select, else empty).
        case invalidValue(allowed: [String])
    }

    public let option: String
    public let key: String
    public let kind: Kind
    /// GDAL's message (a CPL warning, caught by the quiet error handler).
    public let gdalMessage: String
}

extension Driver {
    /// The creation options the driver declares, from its XML option list.
    public var creationOptionDeclarations: [CreationOptionDeclaration] {
        guard let text = GDALGetMetadataItem(handle, GDAL_DMD_CREATIONOPTIONLIST, nil),
              let root = CPLParseXMLString(text) else { return [] }
        defer { CPLDestroyXMLNode(root) }
        func attribute(_ node: UnsafeMutablePointer<CPLXMLNode>, _ name: String) -> String? {
            CPLGetXMLValue(node, name, nil).map { String(cString: $0) }
        }
        func elements(_ first: UnsafeMutablePointer<CPLXMLNode>?, named name: String) -> [UnsafeMutablePointer<CPLXMLNode>] {
            var result: [UnsafeMutablePointer<CPLXMLNode>] = []
            var node = first
            while let current = node {
                if current.pointee.eType == CXT_Element, String(cString: current.pointee.pszValue) == name { result.append(current) }
                node = current.pointee.psNext
            }
            return result
        }
        let list = CPLGetXMLNode(root, "=CreationOptionList") ?? root
        return elements(list.pointee.psChild, named: "Option").compactMap { option in
            guard let name = attribute(option, "name") else { return nil }
            let values = elements(option.pointee.psChild, named: "Value").compactMap { value -> String? in
                var child = value.pointee.psChild
                while let node = child {
                    if node.pointee.eType == CXT_Text { return String(cString: node.pointee.pszValue) }
                    child = node.pointee.psNext
                }
                return nil
            }
            let aliases = ["alias", "deprecated_alias"].compactMap { attribute(option, $0) }
            return CreationOptionDeclaration(name: name, aliases: aliases, type: attribute(option, "type") ?? "string", values: values)
        }
    }

    /// Checks creation options with GDAL's own validation (GDALValidateCreationOptions against the driver's
    /// list), one option at a time so that each problem keeps GDAL's message: GDAL reports them as CPL warnings,
    /// which the quiet error handler keeps from stderr and leaves readable as the thread's last error.
    /// Returns the options GDAL refuses; empty when all are valid.
    public func validateCreationOptions(_ options: [String]) -> [CreationOptionIssue] {
        GDALRuntime.ensureInitialized()
        let declarations = creationOptionDeclarations
        return options.compactMap { option in
            guard let equals = option.firstIndex(of: "="), equals != option.startIndex else {
                return CreationOptionIssue(option: option, key: option, kind: .notKeyValue, gdalMessage: "expected KEY=VALUE")
            }
            let key = String(option[..<equals])
            CPLErrorReset()
            let valid = withCStringList([option]) { list in GDALValidateCreationOptions(handle, list) != 0 }
            let message = CPLGetLastErrorMsg().map { String(cString: $0) } ?? ""
            CPLErrorReset()
            guard !valid else { return nil }
            let declaration = declarations.first { ([$0.name] + $0.aliases).contains { $0.uppercased() == key.uppercased() } }
            guard let declaration else { return CreationOptionIssue(option: option, key: key, kind: .unknownKey, gdalMessage: message) }
            return CreationOptionIssue(option: option, key: declaration.name, kind: .invalidValue(allowed: declaration.values),
                                       gdalMessage: message)
        }
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
