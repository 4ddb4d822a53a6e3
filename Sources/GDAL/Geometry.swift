import CGDAL

/// Geometry types the project writes.
public enum GeometryType: Sendable, Hashable {
    case none, point, lineString, polygon, multiPoint, multiLineString, multiPolygon, unknown

    var ogr: OGRwkbGeometryType {
        switch self {
        case .none: return wkbNone
        case .point: return wkbPoint
        case .lineString: return wkbLineString
        case .polygon: return wkbPolygon
        case .multiPoint: return wkbMultiPoint
        case .multiLineString: return wkbMultiLineString
        case .multiPolygon: return wkbMultiPolygon
        case .unknown: return wkbUnknown
        }
    }
}

/// An OGR geometry, owned. Copies come from features; WKB and WKT go in and out.
public final class Geometry {
    let handle: OGRGeometryH

    init(owning handle: OGRGeometryH) { self.handle = handle }

    deinit { OGR_G_DestroyGeometry(handle) }

    public convenience init(wkb: [UInt8], spatialReference: SpatialReference? = nil) throws {
        GDALRuntime.ensureInitialized()
        var geometry: OGRGeometryH? = nil
        try wkb.withUnsafeBytes { bytes in
            try checkOGR("OGR_G_CreateFromWkbEx", path: nil) {
                OGR_G_CreateFromWkbEx(bytes.baseAddress, spatialReference?.handle, &geometry, bytes.count)
            }
        }
        self.init(owning: geometry!)
    }

    public convenience init(wkt: String, spatialReference: SpatialReference? = nil) throws {
        GDALRuntime.ensureInitialized()
        var geometry: OGRGeometryH? = nil
        var text: UnsafeMutablePointer<CChar>? = strdup(wkt)
        let start = text
        defer { free(start) }
        try checkOGR("OGR_G_CreateFromWkt", path: nil) { OGR_G_CreateFromWkt(&text, spatialReference?.handle, &geometry) }
        self.init(owning: geometry!)
    }

    /// ISO WKB, little-endian.
    public var wkb: [UInt8] {
        let size = Int(OGR_G_WkbSize(handle))
        var bytes = [UInt8](repeating: 0, count: size)
        _ = bytes.withUnsafeMutableBufferPointer { OGR_G_ExportToIsoWkb(handle, wkbNDR, $0.baseAddress) }
        return bytes
    }

    public var wkt: String {
        var text: UnsafeMutablePointer<CChar>? = nil
        _ = OGR_G_ExportToIsoWkt(handle, &text)
        return takeCPLString(text) ?? ""
    }

    /// OGR's name of the type ("POLYGON", "MULTIPOLYGON", ...).
    public var typeName: String { OGR_G_GetGeometryName(handle).map { String(cString: $0) } ?? "" }

    public var envelope: Envelope {
        var envelope = OGREnvelope()
        OGR_G_GetEnvelope(handle, &envelope)
        return Envelope(minX: envelope.MinX, minY: envelope.MinY, maxX: envelope.MaxX, maxY: envelope.MaxY)
    }

    /// Planar area in the CRS's units squared (0 for points and lines).
    public var area: Double { OGR_G_Area(handle) }

    public var isEmpty: Bool { OGR_G_IsEmpty(handle) != 0 }

    /// 0 for points, 1 for lines, 2 for areas; a collection has the highest dimension of its parts.
    public var dimension: Int { Int(OGR_G_GetDimension(handle)) }

    /// A 2D MultiPolygon copy (a Polygon becomes a MultiPolygon of one part; curves are linearized), for
    /// writing to a layer of that type. A geometry that cannot be converted comes back as it is, in 2D.
    public func multiPolygon2D() -> Geometry {
        let copy = OGR_G_Clone(handle)
        OGR_G_FlattenTo2D(copy)
        return Geometry(owning: OGR_G_ForceTo(copy, wkbMultiPolygon, nil))
    }

    /// OGC validity (GEOS): no self-intersection, closed rings, ...
    public var isValid: Bool {
        let valid = OGR_G_IsValid(handle) != 0
        CPLErrorReset()
        return valid
    }

    /// A valid version of the geometry (GEOS MakeValid), keeping every part.
    public func madeValid() throws -> Geometry {
        let fixed = try checkHandle("OGR_G_MakeValid", path: nil) { OGR_G_MakeValid(handle) }
        return Geometry(owning: fixed)
    }

    public var spatialReference: SpatialReference? {
        OGR_G_GetSpatialReference(handle).map { SpatialReference(cloning: $0) }
    }

    /// Transforms the geometry in place.
    public func transform(_ transformation: CoordinateTransformation) throws {
        try checkOGR("OGR_G_Transform", path: nil) { OGR_G_Transform(handle, transformation.handle) }
    }

    public func clone() -> Geometry { Geometry(owning: OGR_G_Clone(handle)) }

    /// The polygons' rings as coordinate arrays: for each polygon, its exterior ring then its holes.
    /// Lines and points give no rings. Used by code that rasterizes or measures polygons itself.
    public var polygonRings: [[[(x: Double, y: Double)]]] {
        var polygons: [[[(x: Double, y: Double)]]] = []
        Geometry.collectPolygons(handle, into: &polygons)
        return polygons
    }

    private static func collectPolygons(_ geometry: OGRGeometryH, into polygons: inout [[[(x: Double, y: Double)]]]) {
        let flat = OGR_GT_Flatten(OGR_G_GetGeometryType(geometry))
        if flat == wkbPolygon {
            var rings: [[(x: Double, y: Double)]] = []
            for index in 0..<OGR_G_GetGeometryCount(geometry) {
                let ring = OGR_G_GetGeometryRef(geometry, index)!
                let count = Int(OGR_G_GetPointCount(ring))
                var xs = [Double](repeating: 0, count: count), ys = [Double](repeating: 0, count: count)
                if count > 0 {
                    _ = OGR_G_GetPoints(ring, &xs, Int32(MemoryLayout<Double>.stride), &ys, Int32(MemoryLayout<Double>.stride), nil, 0)
                }
                rings.append(zip(xs, ys).map { (x: $0, y: $1) })
            }
            polygons.append(rings)
        } else if flat == wkbMultiPolygon || flat == wkbGeometryCollection {
            for index in 0..<OGR_G_GetGeometryCount(geometry) {
                collectPolygons(OGR_G_GetGeometryRef(geometry, index)!, into: &polygons)
            }
        } else if OGR_GT_IsCurve(flat) != 0 || OGR_GT_IsSurface(flat) != 0 || flat == wkbMultiSurface {
            // Curved polygons: linearize first, then read as ordinary polygons.
            if let linear = OGR_G_GetLinearGeometry(geometry, 0, nil) {
                defer { OGR_G_DestroyGeometry(linear) }
                if OGR_GT_Flatten(OGR_G_GetGeometryType(linear)) != flat { collectPolygons(linear, into: &polygons) }
            }
        }
    }
}
