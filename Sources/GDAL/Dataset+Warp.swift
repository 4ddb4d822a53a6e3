import CGDAL

/// A raster grid: size, geotransform and CRS (as WKT, so that it can cross threads).
public struct RasterGrid: Sendable, Hashable, Codable {
    public var width: Int
    public var height: Int
    public var geoTransform: GeoTransform
    public var crsWKT: String

    public init(width: Int, height: Int, geoTransform: GeoTransform, crsWKT: String) {
        self.width = width
        self.height = height
        self.geoTransform = geoTransform
        self.crsWKT = crsWKT
    }

    public var bounds: Envelope { geoTransform.bounds(width: width, height: height) }
}

extension Dataset {
    /// The dataset's grid, or an error when it has no geotransform.
    public func grid() throws -> RasterGrid {
        guard let transform = geoTransform else {
            throw GDALError(function: "GDALGetGeoTransform", path: path, message: "the raster has no geotransform",
                            errorNumber: Int32(CPLE_AppDefined))
        }
        return RasterGrid(width: width, height: height, geoTransform: transform, crsWKT: spatialReference?.wkt() ?? "")
    }

    /// A virtual (in-memory VRT) copy of this raster resampled onto `grid` through GDAL's warper, reading lazily.
    /// The result has exactly `grid`'s size and geotransform. `resampling` is a GDAL name: near, bilinear, cubic,
    /// cubicspline, lanczos, average, mode, min, max, med, q1, q3, sum, rms.
    /// Cells the source does not cover get the source band's nodata, or `outsideValue` for a band without nodata
    /// (which then becomes the warped band's nodata).
    /// When a band has neither nodata nor `outsideValue` and the source does not cover the whole grid, the warped
    /// dataset gets one more band, an alpha band (`bandCount + 1`), 0 where the source covers nothing.
    public func warped(to grid: RasterGrid, resampling: String = "near", outsideValue: Double? = nil) throws -> Dataset {
        guard let algorithm = Dataset.resamplingAlgorithms[resampling.lowercased()] else {
            throw GDALError(function: "GDALCreateWarpedVRT", path: path,
                            message: "unknown resampling '\(resampling)' (use one of \(Dataset.resamplingAlgorithms.keys.sorted().joined(separator: ", ")))",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        guard spatialReference != nil || grid.crsWKT.isEmpty else {
            throw GDALError(function: "GDALCreateWarpedVRT", path: path,
                            message: "the raster has no CRS, so it cannot be aligned to another grid", errorNumber: Int32(CPLE_AppDefined))
        }
        guard geoTransform != nil else {
            throw GDALError(function: "GDALCreateWarpedVRT", path: path,
                            message: "the raster has no geotransform, so it cannot be aligned to another grid", errorNumber: Int32(CPLE_AppDefined))
        }
        // Everything that can throw is read before the transformer exists: once created, it is either handed to
        // the VRT or destroyed, on every path.
        let count = bandCount
        let sourceNoDataValues = try (0..<count).map { try band($0 + 1).noDataValue }
        let transformer = try withCStringList(grid.crsWKT.isEmpty ? [] : ["DST_SRS=\(grid.crsWKT)"]) { list in
            try checkHandle("GDALCreateGenImgProjTransformer2", path: path) { GDALCreateGenImgProjTransformer2(handle, nil, list) }
        }
        var coefficients = grid.geoTransform.coefficients
        GDALSetGenImgProjTransformerDstGeoTransform(transformer, &coefficients)

        let options = GDALCreateWarpOptions()!
        defer { GDALDestroyWarpOptions(options) }
        options.pointee.hSrcDS = handle
        options.pointee.nBandCount = Int32(count)
        options.pointee.panSrcBands = VSIMalloc(MemoryLayout<Int32>.stride * count)!.assumingMemoryBound(to: Int32.self)
        options.pointee.panDstBands = VSIMalloc(MemoryLayout<Int32>.stride * count)!.assumingMemoryBound(to: Int32.self)
        options.pointee.padfSrcNoDataReal = VSIMalloc(MemoryLayout<Double>.stride * count)!.assumingMemoryBound(to: Double.self)
        options.pointee.padfDstNoDataReal = VSIMalloc(MemoryLayout<Double>.stride * count)!.assumingMemoryBound(to: Double.self)
        var destinationNoData: [Double?] = []
        var anySourceNoData = false
        for index in 0..<count {
            options.pointee.panSrcBands[index] = Int32(index + 1)
            options.pointee.panDstBands[index] = Int32(index + 1)
            let sourceNoData = sourceNoDataValues[index]
            anySourceNoData = anySourceNoData || sourceNoData != nil
            // A band without nodata gets a source nodata no real value can equal, so nothing of it is dropped.
            options.pointee.padfSrcNoDataReal[index] = sourceNoData ?? -1.0e300
            let outside = sourceNoData ?? outsideValue ?? 0
            options.pointee.padfDstNoDataReal[index] = outside
            destinationNoData.append(sourceNoData ?? outsideValue)
        }
        if !anySourceNoData {
            VSIFree(options.pointee.padfSrcNoDataReal)
            options.pointee.padfSrcNoDataReal = nil
        }
        // A band without nodata (and no outside value) has no value left to mark the cells the source does not
        // cover: a destination alpha band (0 there, as gdalwarp -dstalpha writes it) marks them instead.
        // Not needed when the source, in the grid's own CRS, covers the whole grid: no cell is outside it.
        let needsAlpha = destinationNoData.contains { $0 == nil } && !covers(grid)
        if needsAlpha { options.pointee.nDstAlphaBand = Int32(count + 1) }
        options.pointee.eResampleAlg = algorithm
        options.pointee.pfnTransformer = GDALGenImgProjTransform
        options.pointee.pTransformerArg = transformer
        options.pointee.papszWarpOptions = CSLSetNameValue(options.pointee.papszWarpOptions, "INIT_DEST", "NO_DATA")
        CPLErrorReset()
        guard let result = GDALCreateWarpedVRT(handle, Int32(grid.width), Int32(grid.height), &coefficients, options) else {
            GDALDestroyGenImgProjTransformer(transformer)
            throw GDALError.fromLastError(function: "GDALCreateWarpedVRT", path: path, fallback: "cannot warp onto the target grid")
        }
        // The VRT now owns the transformer.
        let warped = Dataset(handle: result, path: path, keepingAlive: [self])
        for (index, value) in destinationNoData.enumerated() {
            if let value { try warped.band(index + 1).setNoDataValue(value) }
        }
        return warped
    }

    /// The raster is in `grid`'s CRS (or both have none) and its extent contains the grid's.
    func covers(_ grid: RasterGrid) -> Bool {
        guard let bounds else { return false }
        switch (spatialReference, grid.crsWKT.isEmpty ? nil : try? SpatialReference(wkt: grid.crsWKT)) {
        case (nil, nil): break
        case (let mine?, let theirs?) where mine.isSame(as: theirs): break
        default: return false
        }
        let target = grid.bounds
        return bounds.minX <= target.minX && bounds.minY <= target.minY && bounds.maxX >= target.maxX && bounds.maxY >= target.maxY
    }

    static let resamplingAlgorithms: [String: GDALResampleAlg] = [
        "near": GRA_NearestNeighbour, "nearest": GRA_NearestNeighbour, "bilinear": GRA_Bilinear, "cubic": GRA_Cubic,
        "cubicspline": GRA_CubicSpline, "lanczos": GRA_Lanczos, "average": GRA_Average, "mode": GRA_Mode,
        "max": GRA_Max, "min": GRA_Min, "med": GRA_Med, "q1": GRA_Q1, "q3": GRA_Q3, "sum": GRA_Sum, "rms": GRA_RMS,
    ]
}
