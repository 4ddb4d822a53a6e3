import CGDAL

extension Dataset {
    public var width: Int { Int(GDALGetRasterXSize(handle)) }
    public var height: Int { Int(GDALGetRasterYSize(handle)) }
    public var bandCount: Int { Int(GDALGetRasterCount(handle)) }

    /// True for a dataset with at least one raster band.
    public var isRaster: Bool { bandCount > 0 }

    /// The band numbered from 1, as GDAL and gdalinfo number them.
    public func band(_ number: Int) throws -> RasterBand {
        guard number >= 1, number <= bandCount else {
            throw GDALError(function: "GDALGetRasterBand", path: path,
                            message: "band \(number) does not exist (the raster has \(bandCount) band\(bandCount == 1 ? "" : "s"))",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        let handle = try checkHandle("GDALGetRasterBand", path: path) { GDALGetRasterBand(self.handle, Int32(number)) }
        return RasterBand(dataset: self, handle: handle, number: number)
    }

    public var bands: [RasterBand] {
        (0..<bandCount).compactMap { try? band($0 + 1) }
    }

    /// The affine geotransform, or nil when the raster has none (GDAL then assumes the identity).
    public var geoTransform: GeoTransform? {
        var coefficients = [Double](repeating: 0, count: 6)
        guard GDALGetGeoTransform(handle, &coefficients) == CE_None else {
            CPLErrorReset()
            return nil
        }
        return GeoTransform(coefficients)
    }

    public func setGeoTransform(_ transform: GeoTransform) throws {
        var coefficients = transform.coefficients
        try check("GDALSetGeoTransform", path: path) { GDALSetGeoTransform(handle, &coefficients) }
    }

    /// The raster's CRS, or nil when it has none.
    public var spatialReference: SpatialReference? {
        guard let reference = GDALGetSpatialRef(handle) else { return nil }
        return SpatialReference(cloning: reference)
    }

    public func setSpatialReference(_ reference: SpatialReference?) throws {
        try check("GDALSetSpatialRef", path: path) { GDALSetSpatialRef(handle, reference?.handle) }
    }

    /// The world envelope of the raster in its own CRS; nil without a geotransform.
    public var bounds: Envelope? {
        geoTransform?.bounds(width: width, height: height)
    }

    /// Reads several bands of a window at once, band after band (band-sequential) into one buffer.
    /// GDAL converts from the bands' type to `T`. A pixel-interleaved file is read once for all bands this way.
    public func read<T: RasterScalar>(bands numbers: [Int], window: PixelWindow, into buffer: UnsafeMutableBufferPointer<T>) throws {
        for number in numbers where number < 1 || number > bandCount {
            _ = try band(number)
        }
        try validate(window: window)
        let needed = window.pixelCount * numbers.count
        guard buffer.count >= needed else {
            throw GDALError(function: "GDALDatasetRasterIO", path: path,
                            message: "buffer of \(buffer.count) values is too small for \(numbers.count) band(s) of \(window) (\(needed) values)",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        var bandList = numbers.map { Int32($0) }
        try check("GDALDatasetRasterIO", path: path) {
            GDALDatasetRasterIO(handle, GF_Read, Int32(window.column), Int32(window.row), Int32(window.width), Int32(window.height),
                                buffer.baseAddress, Int32(window.width), Int32(window.height), T.dataType.gdal,
                                Int32(numbers.count), &bandList, 0, 0, 0)
        }
    }

    func validate(window: PixelWindow) throws {
        guard window.isInside(width: width, height: height) else {
            throw GDALError(function: "RasterIO", path: path,
                            message: "window \(window) is outside the raster (\(width)x\(height))",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
    }

    /// Builds overviews (pyramids) by the given factors, e.g. [2, 4, 8, 16], with a GDAL resampling name.
    public func buildOverviews(factors: [Int], resampling: String = "NEAREST") throws {
        var levels = factors.map { Int32($0) }
        try check("GDALBuildOverviews", path: path) {
            GDALBuildOverviews(handle, resampling, Int32(levels.count), &levels, 0, nil, nil, nil)
        }
    }
}

extension Dataset {
    /// Writes a window of several bands from a strided Float32 buffer: value (band b, row r, column c) is at
    /// `buffer[b * bandStride + r * lineStride + c]`. Lets a caller write part of a larger buffer without copying.
    public func write(bands numbers: [Int], window: PixelWindow, from buffer: UnsafePointer<Float>,
                      lineStride: Int, bandStride: Int) throws {
        for number in numbers where number < 1 || number > bandCount { _ = try band(number) }
        try validate(window: window)
        var bandList = numbers.map { Int32($0) }
        let size = MemoryLayout<Float>.stride
        try check("GDALDatasetRasterIO(write)", path: path) {
            GDALDatasetRasterIOEx(handle, GF_Write, Int32(window.column), Int32(window.row), Int32(window.width), Int32(window.height),
                                  UnsafeMutableRawPointer(mutating: buffer), Int32(window.width), Int32(window.height), GDT_Float32,
                                  Int32(numbers.count), &bandList, GSpacing(size), GSpacing(lineStride * size),
                                  GSpacing(bandStride * size), nil)
        }
    }
}

extension GDALRuntime {
    /// The size of GDAL's block cache, shared by every dataset of the process.
    public static var cacheMaxBytes: Int {
        get { ensureInitialized(); return Int(GDALGetCacheMax64()) }
        set { ensureInitialized(); GDALSetCacheMax64(GIntBig(newValue)) }
    }
}
