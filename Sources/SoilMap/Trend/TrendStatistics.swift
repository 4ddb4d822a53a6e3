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

    /// The median as numpy takes it: the middle value, or the mean of the two middle values. Sorts in place.
    static func median(_ values: UnsafeMutablePointer<Double>, count: Int) -> Double {
        var buffer = UnsafeMutableBufferPointer(start: values, count: count)
        buffer.sort()
        return count % 2 == 1 ? buffer[count / 2] : (buffer[count / 2 - 1] + buffer[count / 2]) / 2
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

    init(years: [Int], minimumYears: Int, noData: Double) {
        self.years = years.map(Double.init)
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
            let statistics = TrendStatistics.compute(years: validYears, values: validValues, count: n,
                                                     pairScratch: pairScratch, sortScratch: sortScratch)
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
