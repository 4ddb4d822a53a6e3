import CGDAL

extension Layer {
    /// Sets some fields of an existing feature (by FID), leaving its other fields and geometry as they are.
    public func updateFeature(id: Int64, _ values: [String: FieldValue]) throws {
        let feature = try checkHandle("OGR_L_GetFeature", path: path) { OGR_L_GetFeature(handle, GIntBig(id)) }
        defer { OGR_F_Destroy(feature) }
        for (name, value) in values {
            Feature.set(value, at: Int32(try fieldIndex(name)), on: feature)
        }
        try checkOGR("OGR_L_SetFeature", path: path) { OGR_L_SetFeature(handle, feature) }
    }
}
