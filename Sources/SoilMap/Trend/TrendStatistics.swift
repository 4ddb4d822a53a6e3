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
        let sValue = Double(s)
        let (variance, z, p, tau) = mannKendall(count: n, s: s, tieVarianceTerm: tieVarianceTerm, tiedPairs: tiedPairs)
        return TrendStatistics(olsSlope: olsSlope, olsIntercept: olsIntercept, senSlope: senSlope, mannKendallS: sValue,
                               mannKendallVariance: variance, mannKendallZ: z, mannKendallP: p, tau: tau, validYears: n,
                               trajectory: trajectoryCode(slope: olsSlope, p: p))
    }

    /// Mann-Kendall's tie-corrected variance, z and two-sided p, and Kendall's tau-b, from S and the ties among the
    /// `n` values: `tieVarianceTerm` = the sum of t x (t - 1) x (2t + 5) and `tiedPairs` = of t x (t - 1) / 2 over
    /// the groups of t equal values. Shared by the scalar and the per-lane paths so that both give the same bits.
    static func mannKendall(count n: Int, s: Int, tieVarianceTerm: Double, tiedPairs: Double) -> (variance: Double, z: Double, p: Double, tau: Double) {
        let count = Double(n)
        let variance = (count * (count - 1) * (2 * count + 5) - tieVarianceTerm) / 18
        let sValue = Double(s)
        // Normal approximation with a continuity correction of 1 towards zero; no variance (every value tied): no trend.
        let z = variance > 0 && s != 0 ? (sValue - (s > 0 ? 1 : -1)) / variance.squareRoot() : 0
        let p = erfc(abs(z) / 2.0.squareRoot())
        let allPairs = count * (count - 1) / 2
        let tauDenominator = (allPairs * (allPairs - tiedPairs)).squareRoot()
        let tau = tauDenominator > 0 ? sValue / tauDenominator : 0
        return (variance, z, p, tau)
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

    /// The median exactly as `median` gives it (the same values, so the same bits), faster for the hundreds of
    /// pairwise slopes of a Theil-Sen: 15 values spread over the array are sorted, the 5th and 11th bracket the
    /// middle, one branch-free pass counts the values below the bracket and copies those inside it to `scratch`,
    /// and the selection runs on those alone. When the middle is not inside the bracket (about 1 time in 12 for
    /// values in random order), `median` on all of them. `scratch` holds at least count + 16 values.
    static func bracketedMedian(_ values: UnsafeMutablePointer<Double>, count: Int, scratch: UnsafeMutablePointer<Double>) -> Double {
        guard count >= 64 else { return median(values, count: count) }
        let sampleCount = 15
        for index in 0..<sampleCount { scratch[index] = values[(2 * index + 1) * count / (2 * sampleCount)] }
        for index in 1..<sampleCount {
            let value = scratch[index]
            var position = index - 1
            while position >= 0 && scratch[position] > value {
                scratch[position + 1] = scratch[position]
                position -= 1
            }
            scratch[position + 1] = value
        }
        let low = scratch[4], high = scratch[10]
        let inside = scratch + 16
        var below = 0, insideCount = 0
        for index in 0..<count {
            let value = values[index]
            inside[insideCount] = value
            insideCount += value >= low && value <= high ? 1 : 0
            below += value < low ? 1 : 0
        }
        let upper = count / 2, lower = count % 2 == 0 ? upper - 1 : upper
        guard below <= lower && upper < below + insideCount else { return median(values, count: count) }
        let middle = upper - below
        select(inside, count: insideCount, k: middle)
        guard count % 2 == 0 else { return inside[middle] }
        // The lower middle: the largest value left of the upper one (middle >= 1 since below <= upper - 1).
        var lowerValue = inside[0]
        for index in 1..<middle where inside[index] > lowerValue { lowerValue = inside[index] }
        return (lowerValue + inside[middle]) / 2
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
