import Foundation
import GDAL

/// One thread's view of the inputs: its own dataset handles (GDAL 3.6 datasets are not thread-safe), warped
/// onto the reference grid where needed, reading tiles as Float64 (every stored integer and Float32 exactly) with
/// NaN wherever a pixel has no value.
final class InputReader {
    private let plan: InputPlan
    private let bands: [RasterBand]
    /// Per input: read natural blocks (GDALReadBlock: no block cache, no copy, no conversion by GDAL) because
    /// every tile is a whole number of the band's blocks. Other inputs go through GDALRasterIO.
    private let readsBlocks: [Bool]
    /// Per input read by blocks: a direct decoder when the file is a plain tiled GeoTIFF (`TIFFTileReader`).
    private let tileDecoders: [TIFFTileReader?]
    /// One block of the widest stored type, for block reads.
    private let blockBuffer: UnsafeMutableRawPointer

    init(plan: InputPlan, tileSize: Int? = nil) throws {
        self.plan = plan
        var datasets: [String: Dataset] = [:]
        var bands: [RasterBand] = []
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
        }
        self.bands = bands
        let blockReads = zip(plan.inputs, bands).map { input, band in
            guard let tileSize, input.maskRule == nil, InputReader.widensDirectly(band.dataType) else { return false }
            return input.tilesAreWholeBlocks(tileSize)
        }
        readsBlocks = blockReads
        tileDecoders = zip(plan.inputs, zip(bands, blockReads)).map { input, entry in
            let (band, readsBlocks) = entry
            guard readsBlocks, band.dataset.driverShortName == "GTiff", FileManager.default.fileExists(atPath: input.path) else { return nil }
            let block = band.blockSize
            guard let decoder = TIFFTileReader.open(path: input.path, band: input.band, width: band.width, height: band.height,
                                                    type: band.dataType),
                  decoder.tileWidth == block.width, decoder.tileHeight == block.height else { return nil }
            return decoder
        }
        let largestBlock = zip(bands, blockReads).filter(\.1).map { $0.0.blockSize.width * $0.0.blockSize.height }.max() ?? 0
        blockBuffer = .allocate(byteCount: max(largestBlock * MemoryLayout<Double>.stride, 1), alignment: 64)
    }

    deinit { blockBuffer.deallocate() }

    private static func widensDirectly(_ type: DataType) -> Bool {
        switch type {
        case .byte, .uint16, .int16, .uint32, .int32, .float32, .float64: return true
        default: return false
        }
    }

    /// Reads every value input of `window` into `planes` (one plane of `planeStride` values per value input, in
    /// plan order) as reflectance, NaN where the pixel is nodata, NaN in the file, or masked.
    func read(window: PixelWindow, into planes: UnsafeMutablePointer<Double>, planeStride: Int, maskScratch: UnsafeMutablePointer<Double>) throws {
        let count = window.pixelCount
        var plane = 0
        for (index, input) in plan.inputs.enumerated() where input.maskRule == nil {
            let target = planes + plane * planeStride
            if readsBlocks[index] {
                try readBlocks(of: bands[index], decoder: tileDecoders[index], window: window, into: target)
            } else {
                try bands[index].read(window: window, into: UnsafeMutableBufferPointer(start: target, count: count))
            }
            InputReader.toReflectance(target, count: count, scale: input.scale, offset: input.offset, noData: input.noData)
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

    /// Reads the blocks that make up `window` (aligned to them, a whole number of them but at the raster's edges)
    /// and widens their stored values to Float64, exact for every type handled; the padding of edge blocks is
    /// dropped. Each block comes from the direct decoder when there is one and it can, else from GDAL.
    private func readBlocks(of band: RasterBand, decoder: TIFFTileReader?, window: PixelWindow, into target: UnsafeMutablePointer<Double>) throws {
        let blockWidth = band.blockSize.width, blockHeight = band.blockSize.height
        var blockRow = window.row / blockHeight
        while blockRow * blockHeight < window.endRow {
            var blockColumn = window.column / blockWidth
            while blockColumn * blockWidth < window.endColumn {
                let column0 = blockColumn * blockWidth, row0 = blockRow * blockHeight
                let width = min(blockWidth, window.endColumn - column0), height = min(blockHeight, window.endRow - row0)
                let destination = target + (row0 - window.row) * window.width + (column0 - window.column)
                let decoded = decoder?.read(column: blockColumn, row: blockRow, width: width, height: height, into: destination,
                                            lineStride: window.width) ?? false
                if !decoded {
                    try readBlock(of: band, column: blockColumn, row: blockRow, width: width, height: height, into: destination,
                                  lineStride: window.width)
                }
                blockColumn += 1
            }
            blockRow += 1
        }
    }

    private func readBlock(of band: RasterBand, column: Int, row: Int, width: Int, height: Int, into target: UnsafeMutablePointer<Double>,
                           lineStride: Int) throws {
        let blockWidth = band.blockSize.width, blockHeight = band.blockSize.height
        func read<T: RasterScalar>(_ type: T.Type, _ widen: (T) -> Double) throws {
            let block = blockBuffer.bindMemory(to: T.self, capacity: blockWidth * blockHeight)
            try band.readBlock(column: column, row: row, into: UnsafeMutableBufferPointer(start: block, count: blockWidth * blockHeight))
            for line in 0..<height {
                let source = block + line * blockWidth, destination = target + line * lineStride
                for pixel in 0..<width { destination[pixel] = widen(source[pixel]) }
            }
        }
        switch band.dataType {
        case .byte: try read(UInt8.self) { Double($0) }
        case .uint16: try read(UInt16.self) { Double($0) }
        case .int16: try read(Int16.self) { Double($0) }
        case .uint32: try read(UInt32.self) { Double($0) }
        case .int32: try read(Int32.self) { Double($0) }
        case .float32: try read(Float.self) { Double($0) }
        case .float64: try read(Double.self) { $0 }
        default: preconditionFailure("readsBlocks is false for \(band.dataType.name)")
        }
    }

    /// stored -> stored x scale + offset, nodata and NaN -> NaN, eight pixels at a time.
    static func toReflectance(_ values: UnsafeMutablePointer<Double>, count: Int, scale: Double, offset: Double, noData: Double?) {
        typealias Vector = SIMD8<Double>
        let scaleVector = Vector(repeating: scale), offsetVector = Vector(repeating: offset)
        let nan = Vector(repeating: .nan)
        let noDataVector = Vector(repeating: noData ?? .nan)
        let hasNoData = noData.map { !$0.isNaN } ?? false
        let raw = UnsafeMutableRawPointer(values)
        let vectors = count / Vector.scalarCount
        for index in 0..<vectors {
            let offsetBytes = index * MemoryLayout<Vector>.stride
            let stored = raw.loadUnaligned(fromByteOffset: offsetBytes, as: Vector.self)
            var result = stored * scaleVector + offsetVector
            if hasNoData { result.replace(with: nan, where: stored .== noDataVector) }
            raw.storeBytes(of: result, toByteOffset: offsetBytes, as: Vector.self)
        }
        for pixel in (vectors * Vector.scalarCount)..<count {
            let stored = values[pixel]
            values[pixel] = hasNoData && stored == noData! ? .nan : stored * scale + offset
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
