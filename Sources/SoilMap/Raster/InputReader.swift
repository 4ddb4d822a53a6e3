import GDAL

/// One thread's view of the inputs: its own dataset handles (GDAL 3.6 datasets are not thread-safe), warped
/// onto the reference grid where needed, reading tiles as Float64 (every stored integer and Float32 exactly) with
/// NaN wherever a pixel has no value.
final class InputReader {
    private let plan: InputPlan
    private let bands: [RasterBand]

    init(plan: InputPlan) throws {
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
    }

    /// Reads every value input of `window` into `planes` (one plane of `planeStride` values per value input, in
    /// plan order) as reflectance, NaN where the pixel is nodata, NaN in the file, or masked.
    func read(window: PixelWindow, into planes: UnsafeMutablePointer<Double>, planeStride: Int, maskScratch: UnsafeMutablePointer<Double>) throws {
        let count = window.pixelCount
        var plane = 0
        for (index, input) in plan.inputs.enumerated() where input.maskRule == nil {
            let target = planes + plane * planeStride
            try bands[index].read(window: window, into: UnsafeMutableBufferPointer(start: target, count: count))
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
