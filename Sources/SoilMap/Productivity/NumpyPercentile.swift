import Foundation

/// Percentiles as numpy's default (`method='linear'`, Hyndman & Fan type 7) computes them, step for step, so that a
/// value equal to a percentile falls on the same side as in numpy: virtual index (n - 1) x q, then numpy's
/// two-sided interpolation (from below when the fraction is under 0.5, from above otherwise).
enum NumpyPercentile {
    /// The `percent` (0...100) percentile of `sorted[0..<count]` (ascending, no NaN, count >= 1).
    static func linear(sorted: UnsafePointer<Double>, count n: Int, percent: Double) -> Double {
        let q = percent / 100
        let virtualIndex = Double(n - 1) * q
        guard virtualIndex < Double(n - 1) else { return sorted[n - 1] }
        let below = Int(virtualIndex.rounded(.down))
        let fraction = virtualIndex - Double(below)
        let a = sorted[below], b = sorted[below + 1]
        let difference = b - a
        return fraction >= 0.5 ? b - difference * (1 - fraction) : a + difference * fraction
    }

    static func linear(sorted: [Double], percent: Double) -> Double {
        sorted.withUnsafeBufferPointer { linear(sorted: $0.baseAddress!, count: $0.count, percent: percent) }
    }
}

/// A span of years given as FIRST-LAST (or one year).
struct YearSpan: Equatable {
    var first: Int
    var last: Int

    static func parse(_ text: String, option: String) throws -> YearSpan {
        let ends = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        if ends.count == 1, let year = ends[0] { return YearSpan(first: year, last: year) }
        guard ends.count == 2, let first = ends[0], let last = ends[1], first <= last else {
            throw SoilMapError.invalidArgument("\(option) \(text): give the years as FIRST-LAST, e.g. 2001-2012")
        }
        return YearSpan(first: first, last: last)
    }

    var text: String { first == last ? String(first) : "\(first)-\(last)" }

    func contains(_ year: Int) -> Bool { (first...last).contains(year) }
}

/// Reads a series given as rasters and their years (`trend`'s FILE[:N] and --years).
enum AnnualSeries {
    static func check(inputs: [String], years: [Int], command: String) throws -> [BandSource] {
        guard inputs.count >= 2 else { throw SoilMapError.invalidArgument("\(command) takes at least 2 rasters (one per year), not \(inputs.count)") }
        guard years.count == inputs.count else {
            throw SoilMapError.invalidArgument("--years gives \(years.count) years for \(inputs.count) rasters: give one year per raster, in order")
        }
        for (earlier, later) in zip(years, years.dropFirst()) where later <= earlier {
            throw SoilMapError.invalidArgument("--years must be strictly increasing: \(later) follows \(earlier)")
        }
        return try inputs.enumerated().map { try TrendParameters.source($0.element, index: $0.offset) }
    }
}
