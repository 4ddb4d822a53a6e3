import Foundation
import GDAL

/// Per-pixel trend statistics of an annual series: least squares, Theil-Sen, Mann-Kendall (tie-corrected) and
/// Kendall's tau-b, and the SDG 15.3.1 trajectory code. All in Float64; the kernel writes them as Float32.
struct TrendStatistics: Equatable {
    var olsSlope: Double
    var olsIntercept: Double
    var senSlope: Double
    var mannKendallS: Double
    var mannKendallVariance: Double
    var mannKendallZ: Double
    var mannKendallP: Double
    var tau: Double
    var validYears: Int
    var trajectory: Int

    /// The output bands, in order.
    static let bandDescriptions = ["ols_slope", "ols_intercept", "sen_slope", "mk_s", "mk_var", "mk_z", "mk_p", "tau", "n", "trajectory"]

    /// Statistics of `values[0..<count]` against `years[0..<count]` (years strictly increasing, no NaN).
    /// `pairScratch` holds at least count x (count - 1) / 2 values, `sortScratch` at least `count`.
    static func compute(years: UnsafePointer<Double>, values: UnsafePointer<Double>, count n: Int,
                        pairScratch: UnsafeMutablePointer<Double>, sortScratch: UnsafeMutablePointer<Double>) -> TrendStatistics {
        // Least squares on centred sums (what scipy.stats.linregress does), so years near 2000 lose no precision.
        var meanYear = 0.0, meanValue = 0.0
        for index in 0..<n { meanYear += years[index]; meanValue += values[index] }
        meanYear /= Double(n)
        meanValue /= Double(n)
        var sxx = 0.0, sxy = 0.0
        for index in 0..<n {
            let dx = years[index] - meanYear
            sxx += dx * dx
            sxy += dx * (values[index] - meanValue)
        }
        let olsSlope = sxy / sxx
        let olsIntercept = meanValue - olsSlope * meanYear

        // Theil-Sen: the median of all pairwise slopes; Mann-Kendall S: the sum of the signs of later minus earlier.
        var pairs = 0
        var s = 0
        for i in 0..<n {
            for j in (i + 1)..<n {
                let difference = values[j] - values[i]
                pairScratch[pairs] = difference / (years[j] - years[i])
                pairs += 1
                s += difference > 0 ? 1 : (difference < 0 ? -1 : 0)
            }
        }
        let senSlope = median(pairScratch, count: pairs)

        // Ties among the values: t x (t - 1) x (2t + 5) for the variance, t x (t - 1) / 2 for tau-b.
        for index in 0..<n { sortScratch[index] = values[index] }
        var sortedValues = UnsafeMutableBufferPointer(start: sortScratch, count: n)
        sortedValues.sort()
        var tieVarianceTerm = 0.0, tiedPairs = 0.0
        var runStart = 0
        for index in 1...n where index == n || sortScratch[index] != sortScratch[runStart] {
            let t = Double(index - runStart)
            tieVarianceTerm += t * (t - 1) * (2 * t + 5)
            tiedPairs += t * (t - 1) / 2
            runStart = index
        }
        let count = Double(n)
        let variance = (count * (count - 1) * (2 * count + 5) - tieVarianceTerm) / 18
        let sValue = Double(s)
        // Normal approximation with a continuity correction of 1 towards zero; no variance (every value tied): no trend.
        let z = variance > 0 && s != 0 ? (sValue - (s > 0 ? 1 : -1)) / variance.squareRoot() : 0
        let p = erfc(abs(z) / 2.0.squareRoot())
        let allPairs = count * (count - 1) / 2
        let tauDenominator = (allPairs * (allPairs - tiedPairs)).squareRoot()
        let tau = tauDenominator > 0 ? sValue / tauDenominator : 0
        return TrendStatistics(olsSlope: olsSlope, olsIntercept: olsIntercept, senSlope: senSlope, mannKendallS: sValue,
                               mannKendallVariance: variance, mannKendallZ: z, mannKendallP: p, tau: tau, validYears: n,
                               trajectory: trajectoryCode(slope: olsSlope, p: p))
    }

    /// SDG 15.3.1 trajectory: the OLS slope's sign (as Trends.Earth takes the direction), times 3, 2 or 1 when the
    /// two-sided p is below 0.01, 0.05 or 0.10; otherwise 0.
    static func trajectoryCode(slope: Double, p: Double) -> Int {
        let direction = slope > 0 ? 1 : (slope < 0 ? -1 : 0)
        if p < 0.01 { return 3 * direction }
        if p < 0.05 { return 2 * direction }
        if p < 0.10 { return direction }
        return 0
    }

    /// Trends.Earth's trajectory (../shared/INDICES.md, from trends.earth-algorithms): Mann-Kendall S against its
    /// table of critical |S| (Hollander & Wolfe) at the nominal number of years (every year of the series, gaps
    /// or not), the direction from the OLS slope, then |S| <= the 90 % value gives 0, then |slope| <=
    /// `smallSlope` gives 0. The rules apply in that order, so at n = 4 and 5, where the 90 and 95 % rows are
    /// equal, |S| at that value gives 0, as in Trends.Earth.
    static func trendsEarthTrajectoryCode(slope: Double, s: Double, nominalYears: Int, smallSlope: Double) -> Int {
        let row = nominalYears - TrendsEarthTable.firstYearCount
        let magnitude = abs(s)
        let direction = slope > 0 ? 1 : (slope < 0 ? -1 : 0)
        var code = 0
        if magnitude >= Double(TrendsEarthTable.critical99[row]) { code = 3 * direction }
        else if magnitude >= Double(TrendsEarthTable.critical95[row]) { code = 2 * direction }
        else if magnitude >= Double(TrendsEarthTable.critical90[row]) { code = direction }
        if magnitude <= Double(TrendsEarthTable.critical90[row]) { code = 0 }
        if abs(slope) <= smallSlope { code = 0 }
        return code
    }

    /// The median as numpy takes it: the middle value, or the mean of the two middle values. Reorders `values`.
    /// Selection (quickselect), not a full sort: the same values come out, at a fraction of the cost for the
    /// n(n-1)/2 pairwise slopes of a long series.
    static func median(_ values: UnsafeMutablePointer<Double>, count: Int) -> Double {
        let middle = count / 2
        select(values, count: count, k: middle)
        guard count % 2 == 0 else { return values[middle] }
        // The lower middle: the largest value left of the upper one, all of which are not above it.
        var lower = values[0]
        for index in 1..<middle where values[index] > lower { lower = values[index] }
        return (lower + values[middle]) / 2
    }

    /// Puts the k-th smallest of `values[0..<count]` at index k, smaller-or-equal values before it and
    /// greater-or-equal after (Hoare's selection with a median-of-three pivot). No NaN in `values`.
    static func select(_ values: UnsafeMutablePointer<Double>, count: Int, k: Int) {
        var low = 0, high = count - 1
        while high - low > 16 {
            let mid = low + (high - low) / 2
            // Median of three as the pivot, ordered in place so that both ends act as sentinels.
            if values[mid] < values[low] { swap(values, mid, low) }
            if values[high] < values[low] { swap(values, high, low) }
            if values[high] < values[mid] { swap(values, high, mid) }
            let pivot = values[mid]
            var i = low, j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    swap(values, i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { high = j } else if k >= i { low = i } else { return }
        }
        // Insertion sort of the last small range.
        if high > low {
            for index in (low + 1)...high {
                let value = values[index]
                var position = index - 1
                while position >= low && values[position] > value {
                    values[position + 1] = values[position]
                    position -= 1
                }
                values[position + 1] = value
            }
        }
    }

    @inline(__always)
    private static func swap(_ values: UnsafeMutablePointer<Double>, _ a: Int, _ b: Int) {
        let held = values[a]
        values[a] = values[b]
        values[b] = held
    }
}

/// The trend of every pixel of a tile: the valid years of its series gathered, then `TrendStatistics`.
final class TrendKernel: TileKernel {
    private let years: [Double]
    private let minimumYears: Int
    private let noData: Float
    private let validYears: UnsafeMutablePointer<Double>
    private let validValues: UnsafeMutablePointer<Double>
    private let pairScratch: UnsafeMutablePointer<Double>
    private let sortScratch: UnsafeMutablePointer<Double>

    /// nil: soilmap's p-value rule; else Trends.Earth's table, with its small-slope threshold.
    private let trendsEarthSmallSlope: Double?

    init(years: [Int], minimumYears: Int, noData: Double, trendsEarthSmallSlope: Double? = nil) {
        self.years = years.map(Double.init)
        self.trendsEarthSmallSlope = trendsEarthSmallSlope
        self.minimumYears = minimumYears
        self.noData = Float(noData)
        let count = years.count
        validYears = .allocate(capacity: count)
        validValues = .allocate(capacity: count)
        pairScratch = .allocate(capacity: max(1, count * (count - 1) / 2))
        sortScratch = .allocate(capacity: count)
    }

    deinit {
        validYears.deallocate()
        validValues.deallocate()
        pairScratch.deallocate()
        sortScratch.deallocate()
    }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        let bandCount = TrendStatistics.bandDescriptions.count
        for pixel in 0..<window.pixelCount {
            var n = 0
            for (index, year) in years.enumerated() {
                let value = inputs[index * planeStride + pixel]
                guard !value.isNaN else { continue }
                validYears[n] = year
                validValues[n] = value
                n += 1
            }
            guard n >= minimumYears else {
                for band in 0..<bandCount { outputs[band * planeStride + pixel] = noData }
                continue
            }
            var statistics = TrendStatistics.compute(years: validYears, values: validValues, count: n,
                                                     pairScratch: pairScratch, sortScratch: sortScratch)
            if let trendsEarthSmallSlope {
                statistics.trajectory = TrendStatistics.trendsEarthTrajectoryCode(slope: statistics.olsSlope, s: statistics.mannKendallS,
                                                                                  nominalYears: years.count, smallSlope: trendsEarthSmallSlope)
            }
            let values = (statistics.olsSlope, statistics.olsIntercept, statistics.senSlope, statistics.mannKendallS,
                          statistics.mannKendallVariance, statistics.mannKendallZ, statistics.mannKendallP, statistics.tau,
                          Double(statistics.validYears), Double(statistics.trajectory))
            // The order of `bandDescriptions`.
            outputs[pixel] = Float(values.0)
            outputs[planeStride + pixel] = Float(values.1)
            outputs[2 * planeStride + pixel] = Float(values.2)
            outputs[3 * planeStride + pixel] = Float(values.3)
            outputs[4 * planeStride + pixel] = Float(values.4)
            outputs[5 * planeStride + pixel] = Float(values.5)
            outputs[6 * planeStride + pixel] = Float(values.6)
            outputs[7 * planeStride + pixel] = Float(values.7)
            outputs[8 * planeStride + pixel] = Float(values.8)
            outputs[9 * planeStride + pixel] = Float(values.9)
        }
    }
}

/// Trends.Earth's critical values of Mann-Kendall |S| for n = 4...50 years, as ../shared/INDICES.md gives them
/// (read from trends.earth-algorithms). Kept as published, faults included: the rows are what its results used.
enum TrendsEarthTable {
    static let firstYearCount = 4
    static let critical90 = [4, 6, 7, 9, 10, 12, 15, 17, 18, 22, 23, 27, 28, 32, 35, 37, 40, 42, 45, 49, 52, 56, 59, 61, 66, 68, 73, 75,
                             80, 84, 87, 91, 94, 98, 103, 107, 110, 114, 119, 123, 128, 132, 135, 141, 144, 150, 153]
    static let critical95 = [4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 31, 33, 36, 40, 43, 47, 50, 54, 59, 63, 66, 70, 75, 79, 84, 88, 93, 97,
                             102, 106, 111, 115, 120, 126, 131, 137, 142, 146, 151, 157, 162, 168, 173, 179, 186, 190, 197]
    static let critical99 = [6, 8, 11, 18, 22, 25, 29, 34, 38, 41, 47, 50, 56, 61, 65, 70, 76, 81, 87, 92, 98, 105, 111, 116, 124, 129,
                             135, 142, 150, 155, 163, 170, 176, 183, 191, 198, 206, 213, 221, 228, 236, 245, 253, 260, 268, 277, 285]
}

/// How the trajectory band decides significance.
public enum TrendSignificance: String, Sendable, CaseIterable {
    /// soilmap's: the two-sided p of the tie-corrected normal approximation (`mk_p`) below 0.10, 0.05, 0.01.
    case pValue = "p-value"
    /// Trends.Earth's critical-value table and small-slope rule, to reproduce its published classes.
    case trendsEarth = "trends-earth"
}
