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

    /// The AVX2 kernel `soilmap trend` uses on CPUs that have it: the median of the sorted pairwise slopes, bit
    /// for bit, for 2 to 50 years (25 series of each kind), with ties (many slopes equal), constant series and gaps between the years.
    @Test(.enabled(if: TrendKernel.vectorTheilSen, "this CPU has no AVX2"))
    func vectorTheilSenGivesTheSortedMedianOfTheSlopes() throws {
        var generator = MedianSeriesGenerator(seed: 20_261_203)
        for n in 2...50 {
            for kind in 0..<4 { for _ in 0..<25 {
                var year = 2000.0
                let years = (0..<n).map { _ in
                    year += kind == 3 ? Double(Int.random(in: 1...3, using: &generator)) : 1
                    return year
                }
                let values: [Double] = (0..<n).map { _ in
                    switch kind {
                    case 0: return Double.random(in: -1...1, using: &generator)
                    case 1: return Double(Int.random(in: 0...3, using: &generator)) / 10
                    case 2: return 0.25
                    default: return Double(Int.random(in: -2000...9000, using: &generator)) / 10000
                    }
                }
                var slopes: [Double] = []
                for i in 0..<n { for j in (i + 1)..<n { slopes.append((values[j] - values[i]) / (years[j] - years[i])) } }
                slopes.sort()
                let middle = slopes.count / 2
                let expected = slopes.count % 2 == 1 ? slopes[middle] : (slopes[middle - 1] + slopes[middle]) / 2
                let kernel = try #require(TrendKernel.vectorTheilSenSlope(years: years, values: values))
                #expect(kernel.bitPattern == expected.bitPattern, "n \(n), kind \(kind): \(kernel) against \(expected)")
            } }
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
