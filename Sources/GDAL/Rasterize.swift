import CGDAL

/// What a rasterized feature writes into the cells it covers.
public enum BurnValue: Sendable {
    /// The same value for every feature.
    case constant(Double)
    /// The value of a numeric attribute of each feature.
    case attribute(String)
}

extension Dataset {
    /// Burns a layer into band `bandNumber` through GDAL's own rasterizer (what gdal_rasterize does).
    /// The layer may be in another CRS: GDAL transforms it onto this raster's grid.
    /// A cell is burnt when its centre is inside a polygon, or, with `allTouched`, when the polygon touches it.
    public func rasterize(_ layer: Layer, bandNumber: Int = 1, burn: BurnValue, allTouched: Bool = false) throws {
        _ = try band(bandNumber)
        var options: [String] = []
        var burnValue: Double = 0
        switch burn {
        case .constant(let value): burnValue = value
        case .attribute(let field):
            _ = try layer.fieldIndex(field)
            options.append("ATTRIBUTE=\(field)")
        }
        if allTouched { options.append("ALL_TOUCHED=TRUE") }
        var bands: [Int32] = [Int32(bandNumber)]
        var layers: [OGRLayerH?] = [layer.handle]
        try withCStringList(options) { list in
            try check("GDALRasterizeLayers", path: path) {
                GDALRasterizeLayers(handle, 1, &bands, 1, &layers, nil, nil, &burnValue, list, nil, nil)
            }
        }
    }
}

extension Geometry {
    /// Burns this geometry (in the grid's CRS) into a `width` x `height` Byte mask whose pixel (0, 0) has its
    /// corner at `geoTransform`'s origin, with GDAL's own rasterizer: 1 where a cell's centre is inside (or, with
    /// `allTouched`, where the geometry touches the cell), 0 elsewhere. What gdal_rasterize and rasterio do.
    public func rasterMask(width: Int, height: Int, geoTransform: GeoTransform, allTouched: Bool) throws -> [UInt8] {
        guard width > 0, height > 0 else { return [] }
        let memory = try Driver("MEM").createRaster(path: "", width: width, height: height, bandCount: 1, dataType: .byte)
        try memory.setGeoTransform(geoTransform)
        var bands: [Int32] = [1]
        var geometries: [OGRGeometryH?] = [handle]
        var burn: [Double] = [1]
        try withCStringList(allTouched ? ["ALL_TOUCHED=TRUE"] : []) { options in
            try check("GDALRasterizeGeometries", path: nil) {
                GDALRasterizeGeometries(memory.handle, 1, &bands, 1, &geometries, nil, nil, &burn, options, nil, nil)
            }
        }
        return try memory.band(1).readAll(as: UInt8.self)
    }
}
