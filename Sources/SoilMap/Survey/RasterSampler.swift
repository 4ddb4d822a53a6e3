import Dispatch
import Foundation
import GDAL

/// How a raster is read at a point.
public enum SampleMethod: String, Codable, Sendable, CaseIterable {
    /// The cell the point falls in (what gdallocationinfo and rasterio's `sample` give).
    case nearest
    /// Bilinear between the four cell centres around the point; neighbours that are nodata or outside the raster
    /// are left out and the other weights renormalised.
    case bilinear
}

/// Reads every band of one raster at many points. Points are grouped by the raster block they fall in and each
/// block is read once (with a one-cell margin for bilinear), so thousands of points cost a few block reads, not a
/// read each. Workers each open their own dataset (GDAL 3.6 handles are not thread-safe) and write disjoint
/// slots of the result: the values do not depend on the thread count.
enum RasterSampler {
    /// Values of every band at every point, point-major: `values[point * bandCount + band]`; NaN is nodata,
    /// outside the raster, or no valid neighbour.
    static func sample(path: String, x: [Double], y: [Double], method: SampleMethod, threads: Int,
                       progress: (@Sendable (Int) -> Void)? = nil) throws -> (bandCount: Int, values: [Double]) {
        let dataset = try Dataset.open(path, kind: .raster)
        let width = dataset.width, height = dataset.height, bandCount = dataset.bandCount
        guard bandCount > 0 else { throw SoilMapError.invalidInput(path: path, "has no raster bands") }
        guard let transform = dataset.geoTransform else { throw SoilMapError.invalidInput(path: path, "has no geotransform") }
        let noData = try (1...bandCount).map { try dataset.band($0).noDataValue }
        let block = try dataset.band(1).blockSize
        let blockWidth = max(1, min(block.width, width)), blockHeight = max(1, min(block.height, height))
        let blocksAcross = (width + blockWidth - 1) / blockWidth

        // Each point's fractional pixel position, and the block its first neighbour falls in.
        var column = [Double](repeating: .nan, count: x.count), row = column
        var pointsOfBlock: [Int: [Int]] = [:]
        for index in x.indices {
            guard let pixel = transform.pixel(x: x[index], y: y[index]),
                  pixel.column >= 0, pixel.row >= 0, pixel.column < Double(width), pixel.row < Double(height) else { continue }
            column[index] = pixel.column
            row[index] = pixel.row
            let anchorColumn = method == .nearest ? Int(pixel.column) : max(0, Int((pixel.column - 0.5).rounded(.down)))
            let anchorRow = method == .nearest ? Int(pixel.row) : max(0, Int((pixel.row - 0.5).rounded(.down)))
            pointsOfBlock[(anchorRow / blockHeight) * blocksAcross + anchorColumn / blockWidth, default: []].append(index)
        }
        let blocks = pointsOfBlock.keys.sorted()
        let groups = pointsOfBlock, columns = column, rows = row
        let results = SampleSlots(count: x.count * bandCount)
        let failure = FirstError()
        let workerCount = max(1, min(threads, blocks.count))
        let bandNumbers = Array(1...bandCount)
        let counter = ProgressCounter()
        DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
            do {
                let own = try Dataset.open(path, kind: .raster)
                var buffer: [Double] = []
                for blockPosition in stride(from: worker, to: blocks.count, by: workerCount) {
                    if failure.isSet { return }
                    let key = blocks[blockPosition]
                    let blockColumn = key % blocksAcross, blockRow = key / blocksAcross
                    let margin = method == .bilinear ? 1 : 0
                    let window = PixelWindow(column: blockColumn * blockWidth, row: blockRow * blockHeight,
                                             width: min(blockWidth + margin, width - blockColumn * blockWidth),
                                             height: min(blockHeight + margin, height - blockRow * blockHeight))
                    let plane = window.width * window.height
                    if buffer.count < plane * bandCount { buffer = [Double](repeating: 0, count: plane * bandCount) }
                    try buffer.withUnsafeMutableBufferPointer { try own.read(bands: bandNumbers, window: window, into: $0) }
                    for index in groups[key]! {
                        for band in 0..<bandCount {
                            let value = buffer.withUnsafeBufferPointer { values in
                                interpolate(values: UnsafeBufferPointer(rebasing: values[(band * plane)...]), window: window,
                                            rasterWidth: width, rasterHeight: height, column: columns[index], row: rows[index],
                                            noData: noData[band], method: method)
                            }
                            results.set(index * bandCount + band, value)
                        }
                    }
                    if let progress { progress(counter.add(groups[key]!.count)) }
                }
            } catch { failure.record(error) }
        }
        if let error = failure.error { throw error }
        return (bandCount, results.values)
    }

    /// The value at (column, row) in pixel units from one band's window of values.
    @inline(__always)
    static func interpolate(values: UnsafeBufferPointer<Double>, window: PixelWindow, rasterWidth: Int, rasterHeight: Int,
                            column: Double, row: Double, noData: Double?, method: SampleMethod) -> Double {
        func valid(_ value: Double) -> Bool { !value.isNaN && value != noData }
        switch method {
        case .nearest:
            let value = values[(Int(row) - window.row) * window.width + Int(column) - window.column]
            return valid(value) ? value : .nan
        case .bilinear:
            let u = column - 0.5, v = row - 0.5
            let left = Int(u.rounded(.down)), top = Int(v.rounded(.down))
            let fx = u - Double(left), fy = v - Double(top)
            var sum = 0.0, weightSum = 0.0
            for (dx, dy, weight) in [(0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)] {
                let c = left + dx, r = top + dy
                guard weight > 0, c >= 0, r >= 0, c < rasterWidth, r < rasterHeight else { continue }
                let value = values[(r - window.row) * window.width + c - window.column]
                guard valid(value) else { continue }
                sum += weight * value
                weightSum += weight
            }
            return weightSum > 0 ? sum / weightSum : .nan
        }
    }
}

/// Result slots written by several workers, each slot by one worker only.
final class SampleSlots: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Double>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: .nan)
    }

    deinit { storage.deallocate() }

    func set(_ index: Int, _ value: Double) { storage[index] = value }

    var values: [Double] { Array(storage) }
}

/// The first error of several workers.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?

    func record(_ error: Error) {
        lock.lock()
        if stored == nil { stored = error }
        lock.unlock()
    }

    var error: Error? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    var isSet: Bool { error != nil }
}

/// A running total shared by workers (progress).
final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0

    func add(_ amount: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        total += amount
        return total
    }
}
