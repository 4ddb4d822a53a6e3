import CGDAL

extension Geometry {
    /// A 2D point geometry.
    public convenience init(pointX x: Double, y: Double, spatialReference: SpatialReference? = nil) {
        let handle = OGR_G_CreateGeometry(wkbPoint)!
        OGR_G_SetPoint_2D(handle, 0, x, y)
        if let spatialReference { OGR_G_AssignSpatialReference(handle, spatialReference.handle) }
        self.init(owning: handle)
    }

    /// The coordinates of a point geometry; nil for an empty geometry or any other type (a multipoint of one
    /// point gives that point).
    public var pointCoordinates: (x: Double, y: Double)? {
        guard !isEmpty else { return nil }
        let type = OGR_GT_Flatten(OGR_G_GetGeometryType(handle))
        if type == wkbPoint { return (OGR_G_GetX(handle, 0), OGR_G_GetY(handle, 0)) }
        if type == wkbMultiPoint, OGR_G_GetGeometryCount(handle) == 1, let part = OGR_G_GetGeometryRef(handle, 0) {
            return (OGR_G_GetX(part, 0), OGR_G_GetY(part, 0))
        }
        return nil
    }
}
