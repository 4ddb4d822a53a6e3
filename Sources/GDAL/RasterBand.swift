import CGDAL

/// One band of a raster dataset. Keeps its dataset alive, so it can never outlive it.
public struct RasterBand {
    public let dataset: Dataset
    let handle: GDALRasterBandH
    /// The band's number in its dataset, from 1.
    public let number: Int

    init(dataset: Dataset, handle: GDALRasterBandH, number: Int) {
        self.dataset = dataset
        self.handle = handle
        self.number = number
    }

    var path: String { dataset.path }

    public var width: Int { Int(GDALGetRasterBandXSize(handle)) }
    public var height: Int { Int(GDALGetRasterBandYSize(handle)) }

    public var dataType: DataType {
        DataType(gdal: GDALGetRasterDataType(handle)) ?? .float64
    }

    /// The natural block (tile or strip) size, in pixels.
    public var blockSize: (width: Int, height: Int) {
        var blockWidth: Int32 = 0, blockHeight: Int32 = 0
        GDALGetBlockSize(handle, &blockWidth, &blockHeight)
        return (Int(blockWidth), Int(blockHeight))
    }

    // MARK: Value interpretation

    /// The nodata value, or nil when the band has none (never a sentinel).
    public var noDataValue: Double? {
        var isSet: Int32 = 0
        let value = GDALGetRasterNoDataValue(handle, &isSet)
        return isSet != 0 ? value : nil
    }

    public func setNoDataValue(_ value: Double?) throws {
        if let value {
            try check("GDALSetRasterNoDataValue", path: path) { GDALSetRasterNoDataValue(handle, value) }
        } else {
            try check("GDALDeleteRasterNoDataValue", path: path) { GDALDeleteRasterNoDataValue(handle) }
        }
    }

    /// The scale applied to stored values (value = stored * scale + offset), or nil when none is set.
    public var scale: Double? {
        var isSet: Int32 = 0
        let value = GDALGetRasterScale(handle, &isSet)
        return isSet != 0 ? value : nil
    }

    /// The offset applied to stored values, or nil when none is set.
    public var offset: Double? {
        var isSet: Int32 = 0
        let value = GDALGetRasterOffset(handle, &isSet)
        return isSet != 0 ? value : nil
    }

    public func setScale(_ scale: Double, offset: Double) throws {
        try check("GDALSetRasterScale", path: path) { GDALSetRasterScale(handle, scale) }
        try check("GDALSetRasterOffset", path: path) { GDALSetRasterOffset(handle, offset) }
    }

    public var unitType: String {
        GDALGetRasterUnitType(handle).map { String(cString: $0) } ?? ""
    }

    /// The band's description (GDAL's name for a band name, e.g. an index id).
    public var bandDescription: String {
        GDALGetDescription(handle).map { String(cString: $0) } ?? ""
    }

    public func setBandDescription(_ text: String) {
        GDALSetDescription(handle, text)
    }

    /// Colour interpretation as GDAL names it ("Gray", "Red", "Palette", "Undefined", ...).
    public var colorInterpretation: String {
        String(cString: GDALGetColorInterpretationName(GDALGetRasterColorInterpretation(handle)))
    }

    public func setColorInterpretation(_ name: String) throws {
        let value = GDALGetColorInterpretationByName(name)
        try check("GDALSetRasterColorInterpretation", path: path) { GDALSetRasterColorInterpretation(handle, value) }
    }

    public func metadata(domain: String? = nil) -> [String: String] {
        keyValueDictionary(stringArray(GDALGetMetadata(handle, domain)))
    }

    public func setMetadataItem(_ key: String, _ value: String, domain: String? = nil) throws {
        try check("GDALSetMetadataItem", path: path) { GDALSetMetadataItem(handle, key, value, domain) }
    }

    // MARK: Overviews

    public var overviewCount: Int { Int(GDALGetOverviewCount(handle)) }

    /// Overview `index` (0 is the largest).
    public func overview(_ index: Int) throws -> RasterBand {
        guard index >= 0, index < overviewCount else {
            throw GDALError(function: "GDALGetOverview", path: path,
                            message: "band \(number) has no overview \(index) (it has \(overviewCount))",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        let overview = try checkHandle("GDALGetOverview", path: path) { GDALGetOverview(handle, Int32(index)) }
        return RasterBand(dataset: dataset, handle: overview, number: number)
    }

    // MARK: Reading and writing

    /// Reads a window into `buffer`, converting from the band's type to `T` as GDAL does
    /// (reading a Byte band into Float32 is how the engine works). The buffer holds at least width x height values.
    public func read<T: RasterScalar>(window: PixelWindow, into buffer: UnsafeMutableBufferPointer<T>) throws {
        try rasterIO(GF_Read, window: window, buffer: UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count, type: T.self)
    }

    /// Reads a window into a new array of `T`.
    public func read<T: RasterScalar>(window: PixelWindow, as type: T.Type = T.self) throws -> [T] {
        try validate(window: window)
        return try [T](unsafeUninitializedCapacity: window.pixelCount) { buffer, initialized in
            try read(window: window, into: buffer)
            initialized = window.pixelCount
        }
    }

    /// Reads the whole band.
    public func readAll<T: RasterScalar>(as type: T.Type = T.self) throws -> [T] {
        try read(window: PixelWindow(width: width, height: height), as: type)
    }

    /// Writes a window from `buffer` (width x height values), GDAL converting `T` to the band's type.
    public func write<T: RasterScalar>(window: PixelWindow, from buffer: UnsafeBufferPointer<T>) throws {
        try rasterIO(GF_Write, window: window, buffer: UnsafeMutableRawPointer(mutating: buffer.baseAddress),
                     count: buffer.count, type: T.self)
    }

    public func write<T: RasterScalar>(window: PixelWindow, from values: [T]) throws {
        try values.withUnsafeBufferPointer { try write(window: window, from: $0) }
    }

    /// Reads one natural block. Unlike a window read there is no conversion: `T` must be the band's type.
    /// Edge blocks are returned whole (GDAL pads them); the buffer holds blockWidth x blockHeight values.
    public func readBlock<T: RasterScalar>(column: Int, row: Int, into buffer: UnsafeMutableBufferPointer<T>) throws {
        try validateBlock(column: column, row: row, count: buffer.count, type: T.self)
        try check("GDALReadBlock", path: path) { GDALReadBlock(handle, Int32(column), Int32(row), buffer.baseAddress) }
    }

    /// Writes one natural block; `T` must be the band's type.
    public func writeBlock<T: RasterScalar>(column: Int, row: Int, from buffer: UnsafeBufferPointer<T>) throws {
        try validateBlock(column: column, row: row, count: buffer.count, type: T.self)
        try check("GDALWriteBlock", path: path) {
            GDALWriteBlock(handle, Int32(column), Int32(row), UnsafeMutableRawPointer(mutating: buffer.baseAddress))
        }
    }

    /// Fills the whole band with one value.
    public func fill(_ value: Double) throws {
        try check("GDALFillRaster", path: path) { GDALFillRaster(handle, value, 0) }
    }

    private func rasterIO<T: RasterScalar>(_ direction: GDALRWFlag, window: PixelWindow, buffer: UnsafeMutableRawPointer?,
                                          count: Int, type: T.Type) throws {
        try validate(window: window)
        guard count >= window.pixelCount, buffer != nil else {
            throw GDALError(function: direction == GF_Read ? "GDALRasterIO(read)" : "GDALRasterIO(write)", path: path,
                            message: "buffer of \(count) values is too small for \(window) (\(window.pixelCount) values)",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        try check(direction == GF_Read ? "GDALRasterIO(read)" : "GDALRasterIO(write)", path: path) {
            GDALRasterIO(handle, direction, Int32(window.column), Int32(window.row), Int32(window.width), Int32(window.height),
                         buffer, Int32(window.width), Int32(window.height), T.dataType.gdal, 0, 0)
        }
    }

    private func validate(window: PixelWindow) throws {
        guard window.isInside(width: width, height: height) else {
            throw GDALError(function: "GDALRasterIO", path: path,
                            message: "window \(window) is outside band \(number) (\(width)x\(height))",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
    }

    private func validateBlock<T: RasterScalar>(column: Int, row: Int, count: Int, type: T.Type) throws {
        guard T.dataType == dataType else {
            throw GDALError(function: "GDALReadBlock", path: path,
                            message: "band \(number) is \(dataType.name), not \(T.dataType.name): a block is read without conversion",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        let block = blockSize
        let columns = (width + block.width - 1) / block.width, rows = (height + block.height - 1) / block.height
        guard column >= 0, row >= 0, column < columns, row < rows else {
            throw GDALError(function: "GDALReadBlock", path: path,
                            message: "block (\(column), \(row)) is outside band \(number) (\(columns)x\(rows) blocks)",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        guard count >= block.width * block.height else {
            throw GDALError(function: "GDALReadBlock", path: path,
                            message: "buffer of \(count) values is too small for a \(block.width)x\(block.height) block",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
    }
}

extension RasterBand {
    /// Reads a window resampled into a `bufferWidth` x `bufferHeight` buffer by GDAL (nearest neighbour):
    /// a regular, deterministic sample of a large raster.
    public func read<T: RasterScalar>(window: PixelWindow, bufferWidth: Int, bufferHeight: Int, as type: T.Type = T.self) throws -> [T] {
        guard window.isInside(width: width, height: height) else {
            throw GDALError(function: "GDALRasterIO", path: path, message: "window \(window) is outside band \(number) (\(width)x\(height))",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        return try [T](unsafeUninitializedCapacity: bufferWidth * bufferHeight) { buffer, initialized in
            try check("GDALRasterIO(read)", path: path) {
                GDALRasterIO(handle, GF_Read, Int32(window.column), Int32(window.row), Int32(window.width), Int32(window.height),
                             buffer.baseAddress, Int32(bufferWidth), Int32(bufferHeight), T.dataType.gdal, 0, 0)
            }
            initialized = bufferWidth * bufferHeight
        }
    }

    /// The smallest and largest valid stored values; nil when no pixel is valid. `approximate`: GDAL may read an
    /// overview or a sample of blocks instead of every pixel, so a rare value can be missed. Unlike statistics,
    /// nothing is stored beside the file.
    public func minimumMaximum(approximate: Bool) throws -> (minimum: Double, maximum: Double)? {
        var range = [0.0, 0.0]
        CPLErrorReset()
        let result = GDALComputeRasterMinMax(handle, approximate ? 1 : 0, &range)
        if result != CE_None {
            let message = CPLGetLastErrorMsg().map { String(cString: $0) } ?? ""
            CPLErrorReset()
            if message.contains("no valid pixels") { return nil }
            throw GDALError(function: "GDALComputeRasterMinMax", path: path, message: message.isEmpty ? "minimum and maximum failed" : message)
        }
        return (range[0], range[1])
    }

    /// Exact statistics of the stored values over every valid pixel (GDAL reads the whole band):
    /// minimum, maximum, mean and population standard deviation; nil when no pixel is valid.
    public func exactStatistics() throws -> (minimum: Double, maximum: Double, mean: Double, standardDeviation: Double)? {
        var minimum = 0.0, maximum = 0.0, mean = 0.0, deviation = 0.0
        CPLErrorReset()
        let result = GDALComputeRasterStatistics(handle, 0, &minimum, &maximum, &mean, &deviation, nil, nil)
        if result != CE_None {
            let message = CPLGetLastErrorMsg().map { String(cString: $0) } ?? ""
            CPLErrorReset()
            if message.contains("no valid pixels") { return nil }
            throw GDALError(function: "GDALComputeRasterStatistics", path: path, message: message.isEmpty ? "statistics failed" : message)
        }
        return (minimum, maximum, mean, deviation)
    }
}
