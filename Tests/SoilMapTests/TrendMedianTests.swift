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

    /// The AVX2 Mann-Kendall counts against the definitions, computed here pair by pair and group by group: S is
    /// the sum of sign(x_j - x_i) over the valid pairs i < j; a group of t equal values adds t (t - 1) (2t + 5) to
    /// the variance term and t (t - 1) to twice the tied pairs. 4 to 50 years, eight series at a time, with ties,
    /// constant series and missing years (NaN).
    @Test(.enabled(if: TrendKernel.vectorTheilSen, "this CPU has no AVX2"))
    func vectorMannKendallCountsSignsAndTies() throws {
        var generator = MedianSeriesGenerator(seed: 20_261_204)
        for years in 4...50 {
            for kind in 0..<4 { for _ in 0..<6 {
                let series: [[Double]] = (0..<TrendKernel.laneCount).map { _ in
                    (0..<years).map { _ in
                        if kind == 3, Int.random(in: 0..<5, using: &generator) == 0 { return .nan }
                        switch kind {
                        case 0: return Double.random(in: -1...1, using: &generator)
                        case 1, 3: return Double(Int.random(in: 0...3, using: &generator)) / 10
                        default: return 0.25
                        }
                    }
                }
                let kernel = try #require(TrendKernel.vectorMannKendall(series: series))
                for (lane, values) in series.enumerated() {
                    let valid = values.filter { !$0.isNaN }
                    var s: Int64 = 0
                    for i in 0..<valid.count { for j in (i + 1)..<valid.count where valid[j] != valid[i] { s += valid[j] > valid[i] ? 1 : -1 } }
                    var term: Int64 = 0, pairsTwice: Int64 = 0
                    for t in Dictionary(grouping: valid, by: { $0 }).values.map({ Int64($0.count) }) {
                        term += t * (t - 1) * (2 * t + 5)
                        pairsTwice += t * (t - 1)
                    }
                    #expect(kernel[lane].s == s && kernel[lane].tieVarianceTerm == term && kernel[lane].tiedPairsTwice == pairsTwice,
                            "years \(years), kind \(kind), lane \(lane): \(kernel[lane]) against (\(s), \(term), \(pairsTwice))")
                }
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
