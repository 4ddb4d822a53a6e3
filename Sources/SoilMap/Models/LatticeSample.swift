import Foundation
import GDAL

/// A regular sample of a stack's cells for k-means: the cells at rows and columns 0, step, 2 step, ... where every
/// predictor has a value, with the step chosen so there are at most `maxSamples` lattice cells. Only the lattice's
/// rows are read.
struct LatticeSample {
    var rows: [Double]
    var count: Int
    var step: Int
    var dropped: Int

    static func read(plan: InputPlan, maxSamples: Int) throws -> LatticeSample {
        let width = plan.grid.width, height = plan.grid.height
        var step = max(1, Int((Double(width) * Double(height) / Double(maxSamples)).squareRoot().rounded(.up)))
        while ((width + step - 1) / step) * ((height + step - 1) / step) > maxSamples { step += 1 }
        let p = plan.inputs.count
        let reader = try InputReader(plan: plan)
        let stride = (width + 15) / 16 * 16
        var planes = [Double](repeating: 0, count: p * stride), scratch = [Double](repeating: 0, count: stride)
        var sample = LatticeSample(rows: [], count: 0, step: step, dropped: 0)
        for row in Swift.stride(from: 0, to: height, by: step) {
            try planes.withUnsafeMutableBufferPointer { planeBuffer in
                try scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                    try reader.read(window: PixelWindow(column: 0, row: row, width: width, height: 1), into: planeBuffer.baseAddress!,
                                    planeStride: stride, maskScratch: scratchBuffer.baseAddress!)
                }
            }
            for column in Swift.stride(from: 0, to: width, by: step) {
                let values = (0..<p).map { planes[$0 * stride + column] }
                if values.contains(where: { $0.isNaN }) { sample.dropped += 1; continue }
                sample.rows += values
                sample.count += 1
            }
        }
        return sample
    }
}
