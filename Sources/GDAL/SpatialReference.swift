import CGDAL

/// A coordinate reference system. Always in the traditional GIS axis order (x = easting or longitude,
/// y = northing or latitude), whatever the authority says, so coordinates never swap silently.
public final class SpatialReference {
    let handle: OGRSpatialReferenceH

    private init(owning handle: OGRSpatialReferenceH) {
        self.handle = handle
        OSRSetAxisMappingStrategy(handle, OAMS_TRADITIONAL_GIS_ORDER)
    }

    /// Clones a reference GDAL owns (a dataset's, a layer's).
    init(cloning reference: OGRSpatialReferenceH) {
        self.handle = OSRClone(reference)!
        OSRSetAxisMappingStrategy(handle, OAMS_TRADITIONAL_GIS_ORDER)
    }

    deinit { OSRRelease(handle) }

    public convenience init(epsg code: Int) throws {
        GDALRuntime.ensureInitialized()
        let handle = OSRNewSpatialReference(nil)!
        CPLErrorReset()
        guard OSRImportFromEPSG(handle, Int32(code)) == OGRERR_NONE else {
            OSRRelease(handle)
            throw GDALError.fromLastError(function: "OSRImportFromEPSG", path: nil, fallback: "EPSG:\(code) is not a known CRS")
        }
        self.init(owning: handle)
    }

    public convenience init(wkt: String) throws {
        GDALRuntime.ensureInitialized()
        let handle = OSRNewSpatialReference(nil)!
        CPLErrorReset()
        var text: UnsafeMutablePointer<CChar>? = strdup(wkt)
        let start = text
        defer { free(start) }
        guard OSRImportFromWkt(handle, &text) == OGRERR_NONE else {
            OSRRelease(handle)
            throw GDALError.fromLastError(function: "OSRImportFromWkt", path: nil, fallback: "not a valid WKT CRS definition")
        }
        self.init(owning: handle)
    }

    /// Anything a user may type: "EPSG:4326", a PROJ string, WKT, a file holding one of them.
    public convenience init(definition: String) throws {
        GDALRuntime.ensureInitialized()
        let handle = OSRNewSpatialReference(nil)!
        CPLErrorReset()
        guard OSRSetFromUserInput(handle, definition) == OGRERR_NONE else {
            OSRRelease(handle)
            throw GDALError.fromLastError(function: "OSRSetFromUserInput", path: nil,
                                          fallback: "'\(definition)' is not a CRS definition GDAL understands")
        }
        self.init(owning: handle)
    }

    /// WGS 84 longitude/latitude (EPSG:4326) in x = longitude order.
    public static func wgs84() -> SpatialReference {
        // EPSG:4326 is in every PROJ database; failing here means PROJ is not installed at all.
        try! SpatialReference(epsg: 4326)
    }

    /// The CRS's name, e.g. "SIRGAS 2000 / UTM zone 25S".
    public var name: String {
        OSRGetName(handle).map { String(cString: $0) } ?? ""
    }

    /// The EPSG code, when the CRS is (or is identified as) an EPSG CRS.
    public var epsgCode: Int? {
        if let code = authorityCode { return code }
        guard let clone = OSRClone(handle) else { return nil }
        defer { OSRRelease(clone) }
        CPLErrorReset()
        guard OSRAutoIdentifyEPSG(clone) == OGRERR_NONE else {
            CPLErrorReset()
            return nil
        }
        return SpatialReference.code(of: clone)
    }

    private var authorityCode: Int? { SpatialReference.code(of: handle) }

    private static func code(of handle: OGRSpatialReferenceH) -> Int? {
        let target: String? = OSRIsProjected(handle) != 0 ? "PROJCS" : (OSRIsGeographic(handle) != 0 ? "GEOGCS" : nil)
        guard let authority = OSRGetAuthorityName(handle, target).map({ String(cString: $0) }), authority.uppercased() == "EPSG",
              let code = OSRGetAuthorityCode(handle, target).map({ String(cString: $0) }) else { return nil }
        return Int(code)
    }

    public var isGeographic: Bool { OSRIsGeographic(handle) != 0 }
    public var isProjected: Bool { OSRIsProjected(handle) != 0 }

    /// The linear unit's size in metres (1 for metres); for a geographic CRS, not meaningful.
    public var linearUnitsInMetres: Double {
        OSRGetLinearUnits(handle, nil)
    }

    /// The ellipsoid's semi-major axis (metres) and inverse flattening.
    public var ellipsoid: (semiMajorAxis: Double, inverseFlattening: Double) {
        var error: OGRErr = OGRERR_NONE
        let semiMajor = OSRGetSemiMajor(handle, &error)
        let inverseFlattening = OSRGetInvFlattening(handle, &error)
        return (semiMajor, inverseFlattening)
    }

    /// True when both describe the same CRS (axis order aside: both are always in GIS order here).
    public func isSame(as other: SpatialReference) -> Bool {
        let options = ["IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES"]
        return withCStringList(options) { list in OSRIsSameEx(handle, other.handle, constList(list)) != 0 }
    }

    /// WKT; WKT2 (2019) by default, `version: "WKT1"` for older software.
    public func wkt(version: String = "WKT2_2019", multiline: Bool = false) -> String {
        var text: UnsafeMutablePointer<CChar>? = nil
        let options = ["FORMAT=\(version)", "MULTILINE=\(multiline ? "YES" : "NO")"]
        _ = withCStringList(options) { list in OSRExportToWktEx(handle, &text, constList(list)) }
        return takeCPLString(text) ?? ""
    }

    /// A PROJ string, when the CRS can be written as one.
    public var projString: String? {
        var text: UnsafeMutablePointer<CChar>? = nil
        CPLErrorReset()
        guard OSRExportToProj4(handle, &text) == OGRERR_NONE else {
            VSIFree(text)
            CPLErrorReset()
            return nil
        }
        return takeCPLString(text)
    }

    public func clone() -> SpatialReference { SpatialReference(cloning: handle) }
}
