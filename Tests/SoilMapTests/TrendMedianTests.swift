import Foundation
import Testing
@testable import SoilMap

/// The Theil-Sen median by selection against the median of a full sort, on random series with and without ties,
/// of every length from 1 to 300 (a 25-year series has 300 pairwise slopes).
@Suite struct TrendMedianTests {
    @Test func selectionGivesTheSortedMedian() {
        var generator = MedianSeriesGenerator(seed: 20_251_202)
        for count in 1...300 {
            for ties in [false, true] {
                let values = (0..<count).map { _ in ties ? Double(Int.random(in: -5...5, using: &generator)) / 4 : Double.random(in: -1...1, using: &generator) }
                let sorted = values.sorted()
                let expected = count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
                var scratch = values
                let median = scratch.withUnsafeMutableBufferPointer { TrendStatistics.median($0.baseAddress!, count: count) }
                #expect(median == expected, "count \(count), ties \(ties): \(values)")
                // Still the same values, reordered.
                #expect(scratch.sorted() == sorted)
            }
        }
    }
}

/// A small seeded generator (SplitMix64, private to this file), so that the series are the same on every run.
private struct MedianSeriesGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
