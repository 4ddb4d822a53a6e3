import CGDAL

extension Geometry {
    /// The union of two geometries (GEOS).
    public func union(_ other: Geometry) throws -> Geometry {
        let result = try checkHandle("OGR_G_Union", path: nil) { OGR_G_Union(handle, other.handle) }
        return Geometry(owning: result)
    }
}
