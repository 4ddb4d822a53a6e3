import CGDAL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A GDAL dataset: a raster, a vector data source, or both. Owns its handle and closes it in `deinit`.
///
/// Not `Sendable` on purpose: GDAL 3.6 datasets are not thread-safe, so each thread opens its own.
public final class Dataset {
    public enum Access: Sendable { case readOnly, update }
    public enum Kind: Sendable { case raster, vector, any }

    private var storedHandle: GDALDatasetH?
    /// The name the dataset was opened or created under.
    public let path: String

    /// Datasets this one reads from (a warped VRT's source): released only after this one is closed.
    private let keptAlive: [Dataset]

    init(handle: GDALDatasetH, path: String, keepingAlive keptAlive: [Dataset] = []) {
        self.storedHandle = handle
        self.path = path
        self.keptAlive = keptAlive
    }

    deinit {
        if let storedHandle { GDALClose(storedHandle) }
    }

    var handle: GDALDatasetH {
        guard let storedHandle else { preconditionFailure("\(path): dataset used after close()") }
        return storedHandle
    }

    public var isClosed: Bool { storedHandle == nil }

    /// Opens a dataset. A missing file, or one no driver recognises as the asked-for kind, throws an error
    /// naming the file.
    public static func open(_ path: String, access: Access = .readOnly, kind: Kind = .any,
                            openOptions: [String] = [], allowedDrivers: [String] = []) throws -> Dataset {
        GDALRuntime.ensureInitialized()
        var flags = UInt32(GDAL_OF_VERBOSE_ERROR)
        switch kind {
        case .raster: flags |= UInt32(GDAL_OF_RASTER)
        case .vector: flags |= UInt32(GDAL_OF_VECTOR)
        case .any: flags |= UInt32(GDAL_OF_RASTER) | UInt32(GDAL_OF_VECTOR)
        }
        if access == .update { flags |= UInt32(GDAL_OF_UPDATE) }
        // Driver-prefixed names ("CSV:points.txt", "GPKG:file.gpkg:table") and /vsi paths are not plain files.
        let isVirtual = path.hasPrefix("/vsi") || path.contains(":")
        if !isVirtual, !fileExists(path) {
            throw GDALError(function: "GDALOpenEx", path: path, message: "no such file or directory",
                            errorNumber: Int32(CPLE_OpenFailed))
        }
        CPLErrorReset()
        let handle = withCStringList(openOptions) { options in
            withCStringList(allowedDrivers) { drivers in
                GDALOpenEx(path, flags, allowedDrivers.isEmpty ? nil : constList(drivers), constList(options), nil)
            }
        }
        guard let handle else {
            let what: String
            switch kind {
            case .raster: what = "not a raster GDAL can read"
            case .vector: what = "not a vector data set GDAL can read"
            case .any: what = "not a format GDAL can read"
            }
            var reason = CPLGetLastErrorMsg().map { String(cString: $0) } ?? ""
            CPLErrorReset()
            // GDAL's generic "not recognized as a supported file format" adds nothing to ours.
            if reason.contains("not recognized as") || reason.contains("not recognised as") { reason = "" }
            throw GDALError(function: "GDALOpenEx", path: path, message: reason.isEmpty ? what : "\(what): \(reason)",
                            errorNumber: Int32(CPLE_OpenFailed))
        }
        return Dataset(handle: handle, path: path)
    }

    /// Closes now, flushing pending writes, and reports a failure to write (a full disk, say) as an error.
    public func close() throws {
        guard let handle = storedHandle else { return }
        storedHandle = nil
        CPLErrorReset()
        GDALClose(handle)
        if CPLGetLastErrorType().rawValue >= CE_Failure.rawValue {
            throw GDALError.fromLastError(function: "GDALClose", path: path, fallback: "could not be written completely")
        }
    }

    /// Writes cached blocks to disk.
    public func flush() throws {
        CPLErrorReset()
        GDALFlushCache(handle)
        if CPLGetLastErrorType().rawValue >= CE_Failure.rawValue {
            throw GDALError.fromLastError(function: "GDALFlushCache", path: path, fallback: "flushing failed")
        }
    }

    public var driverShortName: String {
        GDALGetDatasetDriver(handle).flatMap { GDALGetDriverShortName($0) }.map { String(cString: $0) } ?? ""
    }

    public var driverLongName: String {
        GDALGetDatasetDriver(handle).flatMap { GDALGetDriverLongName($0) }.map { String(cString: $0) } ?? ""
    }

    /// Every file the dataset is made of (a shapefile's .shp, .shx, .dbf, .prj, ...).
    public var fileList: [String] {
        let list = GDALGetFileList(handle)
        defer { CSLDestroy(list) }
        return stringArray(list)
    }

    // MARK: Metadata

    public func metadata(domain: String? = nil) -> [String: String] {
        keyValueDictionary(stringArray(GDALGetMetadata(handle, domain)))
    }

    public func metadataItem(_ key: String, domain: String? = nil) -> String? {
        GDALGetMetadataItem(handle, key, domain).map { String(cString: $0) }
    }

    public func setMetadataItem(_ key: String, _ value: String, domain: String? = nil) throws {
        try check("GDALSetMetadataItem", path: path) { GDALSetMetadataItem(handle, key, value, domain) }
    }

    /// The metadata domains the dataset has ("", "IMAGE_STRUCTURE", ...).
    public var metadataDomains: [String] {
        let list = GDALGetMetadataDomainList(handle)
        defer { CSLDestroy(list) }
        return stringArray(list)
    }
}

func fileExists(_ path: String) -> Bool {
    access(path, F_OK) == 0
}
