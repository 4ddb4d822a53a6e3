import Foundation
import GDAL
import TIFF

/// One thread's view of the inputs: its own dataset handles (GDAL 3.6 datasets are not thread-safe), warped
/// onto the reference grid where needed, reading tiles as Float64 (every stored integer and Float32 exactly) with
/// NaN wherever a pixel has no value.
///
/// Inputs whose blocks line up with the tiles are read block by block (GDALReadBlock, or `TIFFTileReader` for a
/// plain tiled GeoTIFF), past GDAL's block cache; blocks that hold several tiles are decoded once into the run's
/// `SharedBlockCache`. The rest go through GDALRasterIO. Every way gives the same values.
final class InputReader {
    private let plan: InputPlan
    private let bands: [RasterBand]
    /// Per input: the warped dataset's alpha band, 0 where the input's file covers no cell (nil: not warped, or with nodata).
    private let alphaBands: [RasterBand?]
    private let access: [BlockAccess]
    /// Per input read by blocks: a direct decoder when the file is a plain tiled GeoTIFF.
    private let tileDecoders: [TIFFTileReader?]
    private let sharedBlocks: SharedBlockCache?
    /// One block of the largest input read by whole blocks.
    private let blockBuffer: UnsafeMutableRawPointer

    /// `tileSize`: the engine's square tiles, aligned at the origin; nil when the caller reads other windows.
    /// `sharedBlocks` is needed when an input's blocks hold several tiles (`InputPlan.sharedBlockBudget`).
    init(plan: InputPlan, tileSize: Int? = nil, sharedBlocks: SharedBlockCache? = nil) throws {
        self.plan = plan
        var datasets: [String: Dataset] = [:]
        var bands: [RasterBand] = []
        var alphaBands: [RasterBand?] = []
        for input in plan.inputs {
            let key = "\(input.path)|\(input.needsWarp)|\(input.resampling)"
            let dataset: Dataset
            if let cached = datasets[key] {
                dataset = cached
            } else {
                let source = try Dataset.open(input.path, kind: .raster)
                dataset = input.needsWarp ? try source.warped(to: plan.grid, resampling: input.resampling) : source
                datasets[key] = dataset
            }
            bands.append(try dataset.band(input.band))
            // A warped band without nodata comes with an alpha band marking the cells its file does not cover.
            let sourceBands = input.needsWarp ? try Dataset.open(input.path, kind: .raster).bandCount : dataset.bandCount
            alphaBands.append(input.needsWarp && dataset.bandCount > sourceBands ? try dataset.band(dataset.bandCount) : nil)
        }
        self.bands = bands
        self.alphaBands = alphaBands
        let access = plan.inputs.map { input in
            let mode = input.access(tileSize: tileSize)
            return mode == .sharedBlocks && sharedBlocks == nil ? .window : mode
        }
        self.access = access
        self.sharedBlocks = sharedBlocks
        tileDecoders = zip(plan.inputs, zip(bands, access)).map { input, entry in
            let (band, mode) = entry
            guard mode != .window, band.dataset.driverShortName == "GTiff", FileManager.default.fileExists(atPath: input.path) else { return nil }
            guard let decoder = TIFFTileReader.open(path: input.path, band: input.band, width: band.width, height: band.height,
                                                    type: band.dataType),
                  decoder.tileWidth == input.blockWidth, decoder.tileHeight == input.blockHeight else { return nil }
            return decoder
        }
        let largestBlock = zip(plan.inputs, access).filter { $0.1 == .wholeBlocks }.map(\.0.blockBytes).max() ?? 0
        blockBuffer = .allocate(byteCount: max(largestBlock, 1), alignment: 64)
    }

    deinit { blockBuffer.deallocate() }

    /// Reads every value input of `window` into `planes` (one plane of `planeStride` values per value input, in
    /// plan order) as reflectance, NaN where the pixel is nodata, NaN in the file, or masked.
    func read(window: PixelWindow, into planes: UnsafeMutablePointer<Double>, planeStride: Int, maskScratch: UnsafeMutablePointer<Double>) throws {
        let count = window.pixelCount
        var plane = 0
        for (index, input) in plan.inputs.enumerated() where input.maskRule == nil {
            let target = planes + plane * planeStride
            switch access[index] {
            case .window:
                try bands[index].read(window: window, into: UnsafeMutableBufferPointer(start: target, count: count))
            case .wholeBlocks:
                try readWholeBlocks(index, window: window, into: target)
            case .sharedBlocks:
                try readFromSharedBlock(index, window: window, into: target)
            }
            InputReader.toReflectance(target, count: count, storedOffset: input.storedOffset, scale: input.scale, offset: input.offset,
                                      noData: input.noData)
            if let alpha = alphaBands[index] {
                try alpha.read(window: window, into: UnsafeMutableBufferPointer(start: maskScratch, count: count))
                for pixel in 0..<count where maskScratch[pixel] == 0 { target[pixel] = .nan }
            }
            plane += 1
        }
        if let maskIndex = plan.maskIndex, let rule = plan.inputs[maskIndex].maskRule {
            try bands[maskIndex].read(window: window, into: UnsafeMutableBufferPointer(start: maskScratch, count: count))
            let maskNoData = plan.inputs[maskIndex].noData
            let valuePlanes = plane
            for pixel in 0..<count where InputReader.isMasked(maskScratch[pixel], rule: rule, noData: maskNoData) {
                for index in 0..<valuePlanes { planes[index * planeStride + pixel] = .nan }
            }
        }
    }

    /// The window is whole blocks (but at the raster's edges): each is fetched and widened into its place.
    private func readWholeBlocks(_ index: Int, window: PixelWindow, into target: UnsafeMutablePointer<Double>) throws {
        let input = plan.inputs[index]
        var blockRow = window.row / input.blockHeight
        while blockRow * input.blockHeight < window.endRow {
            var blockColumn = window.column / input.blockWidth
            while blockColumn * input.blockWidth < window.endColumn {
                let column0 = blockColumn * input.blockWidth, row0 = blockRow * input.blockHeight
                try fetchBlock(index, column: blockColumn, row: blockRow, into: blockBuffer)
                InputReader.widen(blockBuffer, type: input.dataType, blockWidth: input.blockWidth,
                                  part: PixelWindow(column: 0, row: 0, width: min(input.blockWidth, window.endColumn - column0),
                                                    height: min(input.blockHeight, window.endRow - row0)),
                                  into: target + (row0 - window.row) * window.width + (column0 - window.column), lineStride: window.width)
                blockColumn += 1
            }
            blockRow += 1
        }
    }

    /// The window lies in one block holding several tiles: the block comes from the shared cache.
    private func readFromSharedBlock(_ index: Int, window: PixelWindow, into target: UnsafeMutablePointer<Double>) throws {
        let input = plan.inputs[index]
        let column = window.column / input.blockWidth, row = window.row / input.blockHeight
        let key = SharedBlockCache.Key(input: index, column: column, row: row)
        try sharedBlocks!.withBlock(key, byteCount: input.blockBytes, decode: { buffer in
            try fetchBlock(index, column: column, row: row, into: buffer)
        }, use: { block in
            let part = PixelWindow(column: window.column - column * input.blockWidth, row: window.row - row * input.blockHeight,
                                   width: window.width, height: window.height)
            InputReader.widen(block, type: input.dataType, blockWidth: input.blockWidth, part: part, into: target, lineStride: window.width)
        })
    }

    /// One block's stored values (the band's type, padded at the edges as GDAL pads them), from the direct
    /// decoder when it can, else from GDAL.
    private func fetchBlock(_ index: Int, column: Int, row: Int, into buffer: UnsafeMutableRawPointer) throws {
        if let decoder = tileDecoders[index], decoder.decode(column: column, row: row, into: buffer) { return }
        let band = bands[index], values = plan.inputs[index].blockWidth * plan.inputs[index].blockHeight
        func read<T: RasterScalar>(_: T.Type) throws {
            try band.readBlock(column: column, row: row,
                               into: UnsafeMutableBufferPointer(start: buffer.bindMemory(to: T.self, capacity: values), count: values))
        }
        switch band.dataType {
        case .byte: try read(UInt8.self)
        case .uint16: try read(UInt16.self)
        case .int16: try read(Int16.self)
        case .uint32: try read(UInt32.self)
        case .int32: try read(Int32.self)
        case .float32: try read(Float.self)
        case .float64: try read(Double.self)
        default: preconditionFailure("\(band.dataType.name) is read by windows")
        }
    }

    /// Widens `part` of a block of stored values (`blockWidth` per line) to Float64, `lineStride` values per line.
    static func widen(_ block: UnsafeRawPointer, type: DataType, blockWidth: Int, part: PixelWindow,
                              into target: UnsafeMutablePointer<Double>, lineStride: Int) {
        func copy<T>(_: T.Type, _ toDouble: (T) -> Double) {
            let values = block.assumingMemoryBound(to: T.self)
            for line in 0..<part.height {
                let source = values + (part.row + line) * blockWidth + part.column, destination = target + line * lineStride
                for pixel in 0..<part.width { destination[pixel] = toDouble(source[pixel]) }
            }
        }
        switch type {
        case .byte: copy(UInt8.self) { Double($0) }
        case .uint16: copy(UInt16.self) { Double($0) }
        case .int16: copy(Int16.self) { Double($0) }
        case .uint32: copy(UInt32.self) { Double($0) }
        case .int32: copy(Int32.self) { Double($0) }
        case .float32: copy(Float.self) { Double($0) }
        case .float64: copy(Double.self) { $0 }
        default: preconditionFailure("\(type.name) is read by windows")
        }
    }

    /// stored -> (stored + storedOffset) x scale + offset, nodata and NaN -> NaN, eight pixels at a time.
    static func toReflectance(_ values: UnsafeMutablePointer<Double>, count: Int, storedOffset: Double = 0, scale: Double, offset: Double,
                              noData: Double?) {
        typealias Vector = SIMD8<Double>
        let scaleVector = Vector(repeating: scale), offsetVector = Vector(repeating: offset)
        let storedOffsetVector = Vector(repeating: storedOffset)
        let nan = Vector(repeating: .nan)
        let noDataVector = Vector(repeating: noData ?? .nan)
        let hasNoData = noData.map { !$0.isNaN } ?? false
        let raw = UnsafeMutableRawPointer(values)
        let vectors = count / Vector.scalarCount
        for index in 0..<vectors {
            let offsetBytes = index * MemoryLayout<Vector>.stride
            let stored = raw.loadUnaligned(fromByteOffset: offsetBytes, as: Vector.self)
            var result = (stored + storedOffsetVector) * scaleVector + offsetVector
            if hasNoData { result.replace(with: nan, where: stored .== noDataVector) }
            raw.storeBytes(of: result, toByteOffset: offsetBytes, as: Vector.self)
        }
        for pixel in (vectors * Vector.scalarCount)..<count {
            let stored = values[pixel]
            values[pixel] = hasNoData && stored == noData! ? .nan : (stored + storedOffset) * scale + offset
        }
    }

    @inline(__always)
    static func isMasked(_ value: Double, rule: MaskSource.Rule, noData: Double?) -> Bool {
        if value.isNaN { return true }
        if let noData, value == noData { return true }
        switch rule {
        case .values(let values): return values.contains(value)
        case .keepValues(let values): return !values.contains(value)
        case .bits(let bits):
            let integer = Int(value)
            return bits.contains { integer & (1 << $0) != 0 }
        }
    }
}
