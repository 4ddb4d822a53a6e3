import CTrendKernel
import Foundation
import GDAL

/// The trend of every pixel of a tile, eight pixels at a time: OLS and Mann-Kendall S and ties run across the
/// eight lanes at once, a lane's missing years (NaN) masked out; Theil-Sen, z, p and tau follow per pixel. Each
/// lane does the same floating-point operations in the same order as `TrendStatistics.compute` on its valid
/// years (a masked-out year adds an exact 0.0), so the bands are bit for bit what the per-pixel path gives.
/// Only the work the chosen bands need is done.
final class TrendKernel: TileKernel {
    typealias Lanes = SIMD8<Double>
    typealias Counts = SIMD8<Int64>
    typealias LaneMask = SIMDMask<Counts>
    static let laneCount = 8

    private let years: [Double]
    private let minimumYears: Int
    private let noData: Float
    /// For each band of `TrendStatistics.bandDescriptions`: its plane in the output, or nil when not written.
    private let planeOfBand: [Int?]
    private let writtenBandCount: Int
    private let needsOLS: Bool, needsSen: Bool, needsS: Bool, needsTies: Bool, needsTrajectory: Bool
    /// nil: soilmap's p-value rule; else Trends.Earth's table, with its small-slope threshold.
    private let trendsEarthSmallSlope: Double?

    // Per-year lanes of the current group, and per-pixel scratch for Theil-Sen.
    private let laneValues: UnsafeMutablePointer<Lanes>
    private let laneValid: UnsafeMutablePointer<LaneMask>
    private let tieCounts: UnsafeMutablePointer<Counts>
    private let validYears: UnsafeMutablePointer<Double>
    private let validValues: UnsafeMutablePointer<Double>
    private let pairScratch: UnsafeMutablePointer<Double>
    private let medianScratch: UnsafeMutablePointer<Double>
    /// The AVX2 Theil-Sen's slopes and partitions (three buffers of the pairs' count + 8), when the CPU has AVX2.
    private let vectorScratch: UnsafeMutablePointer<Double>?
    /// Whether this CPU runs the AVX2 kernels, Theil-Sen and Mann-Kendall (same bits as the portable paths,
    /// faster); SOILMAP_NO_AVX2=1 turns them off, to compare the two paths.
    static let vectorTheilSen = soilmap_theil_sen_has_avx2() == 1 && ProcessInfo.processInfo.environment["SOILMAP_NO_AVX2"] == nil

    init(years: [Int], minimumYears: Int, noData: Double, selection: TrendBandSelection = .all, trendsEarthSmallSlope: Double? = nil) {
        self.years = years.map(Double.init)
        self.trendsEarthSmallSlope = trendsEarthSmallSlope
        self.minimumYears = minimumYears
        self.noData = Float(noData)
        planeOfBand = TrendStatistics.bandDescriptions.map { selection.bands.firstIndex(of: $0) }
        writtenBandCount = selection.bands.count
        needsOLS = selection.needsOLS
        needsSen = selection.needsSen
        needsS = selection.needsS
        needsTies = selection.needsTies(trendsEarth: trendsEarthSmallSlope != nil)
        needsTrajectory = selection.contains("trajectory")
        let count = years.count
        laneValues = .allocate(capacity: count)
        laneValid = .allocate(capacity: count)
        tieCounts = .allocate(capacity: count)
        validYears = .allocate(capacity: count)
        validValues = .allocate(capacity: count)
        pairScratch = .allocate(capacity: max(1, count * (count - 1) / 2))
        medianScratch = .allocate(capacity: count * (count - 1) / 2 + 16)
        vectorScratch = Self.vectorTheilSen ? .allocate(capacity: 3 * (count * (count - 1) / 2 + 8)) : nil
    }

    deinit {
        laneValues.deallocate()
        laneValid.deallocate()
        tieCounts.deallocate()
        validYears.deallocate()
        validValues.deallocate()
        pairScratch.deallocate()
        medianScratch.deallocate()
        vectorScratch?.deallocate()
    }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        var start = 0
        while start < window.pixelCount {
            computeGroup(start: start, lanes: min(Self.laneCount, window.pixelCount - start), inputs: inputs, outputs: outputs, planeStride: planeStride)
            start += Self.laneCount
        }
    }

    private func computeGroup(start: Int, lanes: Int, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        let yearCount = years.count
        let zero = Counts(repeating: 0), one = Counts(repeating: 1)
        var validCount = zero
        for year in 0..<yearCount {
            let row = inputs + year * planeStride + start
            var values = Lanes(repeating: .nan)
            if lanes == Self.laneCount {
                values = Lanes(UnsafeBufferPointer(start: row, count: Self.laneCount))
            } else {
                for lane in 0..<lanes { values[lane] = row[lane] }
            }
            let valid = values .== values
            laneValues[year] = values
            laneValid[year] = valid
            validCount &+= zero.replacing(with: one, where: valid)
        }
        // A group where no pixel has enough years (nodata swaths) costs no more.
        if validCount.max() < Int64(minimumYears) {
            for lane in 0..<lanes { writeNoData(pixel: start + lane, outputs: outputs, planeStride: planeStride) }
            return
        }

        // OLS on centred sums, in the order of the per-pixel path.
        var olsSlope = Lanes(repeating: 0), olsIntercept = Lanes(repeating: 0)
        if needsOLS {
            let zeroLanes = Lanes(repeating: 0)
            var sumYear = zeroLanes, sumValue = zeroLanes
            for year in 0..<yearCount {
                let missing = .!laneValid[year]
                sumYear += Lanes(repeating: years[year]).replacing(with: 0, where: missing)
                sumValue += laneValues[year].replacing(with: 0, where: missing)
            }
            let countLanes = Lanes(validCount)
            let meanYear = sumYear / countLanes, meanValue = sumValue / countLanes
            var sxx = zeroLanes, sxy = zeroLanes
            for year in 0..<yearCount {
                let missing = .!laneValid[year]
                let dx = Lanes(repeating: years[year]) - meanYear
                sxx += (dx * dx).replacing(with: 0, where: missing)
                sxy += (dx * (laneValues[year] - meanValue)).replacing(with: 0, where: missing)
            }
            olsSlope = sxy / sxx
            olsIntercept = meanValue - olsSlope * meanYear
        }

        // Mann-Kendall S and ties over the pairs: a missing year is NaN, so its differences compare false to
        // everything and count neither as a sign nor as a tie. Ties are counted per value (c = the other values
        // equal to it): a group of t equal values gives t values of c = t - 1, so the sum of c x (2c + 7) is the
        // sum of t x (t - 1) x (2t + 5) and the sum of c is twice the tied pairs.
        var s = zero, tieVarianceTerm = zero, tiedPairsTwice = zero
        if (needsS || needsTies) && Self.vectorTheilSen {
            // The same counts from the AVX2 kernel (four lanes per instruction instead of two).
            let values = UnsafeRawPointer(laneValues).assumingMemoryBound(to: Double.self)
            let scratch = UnsafeMutableRawPointer(tieCounts).assumingMemoryBound(to: Int64.self)
            withUnsafeMutableBytes(of: &s) { sBytes in
                withUnsafeMutableBytes(of: &tieVarianceTerm) { termBytes in
                    withUnsafeMutableBytes(of: &tiedPairsTwice) { pairBytes in
                        soilmap_mann_kendall8_avx2(values, yearCount, needsTies ? 1 : 0, sBytes.baseAddress!.assumingMemoryBound(to: Int64.self),
                                                   termBytes.baseAddress!.assumingMemoryBound(to: Int64.self),
                                                   pairBytes.baseAddress!.assumingMemoryBound(to: Int64.self), scratch)
                    }
                }
            }
        } else if needsS || needsTies {
            if needsTies { for year in 0..<yearCount { tieCounts[year] = zero } }
            for i in 0..<yearCount {
                let earlier = laneValues[i]
                var tiesOfEarlier = tieCounts[i]
                for j in (i + 1)..<yearCount {
                    let difference = laneValues[j] - earlier
                    s &+= zero.replacing(with: one, where: difference .> 0)
                    s &-= zero.replacing(with: one, where: difference .< 0)
                    if needsTies {
                        let tie = zero.replacing(with: one, where: difference .== 0)
                        tiesOfEarlier &+= tie
                        tieCounts[j] &+= tie
                    }
                }
                if needsTies {
                    tieVarianceTerm &+= tiesOfEarlier &* (2 &* tiesOfEarlier &+ 7)
                    tiedPairsTwice &+= tiesOfEarlier
                }
            }
        }

        for lane in 0..<lanes {
            let pixel = start + lane
            let n = Int(validCount[lane])
            guard n >= minimumYears else {
                writeNoData(pixel: pixel, outputs: outputs, planeStride: planeStride)
                continue
            }
            var values = (olsSlope[lane], olsIntercept[lane], 0.0, Double(s[lane]), 0.0, 0.0, 0.0, 0.0, Double(n), 0.0)
            if needsSen { values.2 = senSlope(lane: lane) }
            if needsTies {
                let significance = TrendStatistics.mannKendall(count: n, s: Int(s[lane]), tieVarianceTerm: Double(tieVarianceTerm[lane]),
                                                               tiedPairs: Double(tiedPairsTwice[lane] / 2))
                values.4 = significance.variance
                values.5 = significance.z
                values.6 = significance.p
                values.7 = significance.tau
            }
            if needsTrajectory {
                if let trendsEarthSmallSlope {
                    values.9 = Double(TrendStatistics.trendsEarthTrajectoryCode(slope: values.0, s: values.3, nominalYears: yearCount,
                                                                               smallSlope: trendsEarthSmallSlope))
                } else {
                    values.9 = Double(TrendStatistics.trajectoryCode(slope: values.0, p: values.6))
                }
            }
            // The order of `bandDescriptions`; bands not chosen are skipped.
            write(values.0, band: 0, pixel: pixel, outputs: outputs, planeStride: planeStride)
            write(values.1, band: 1, pixel: pixel, outputs: outputs, planeStride: planeStride)
            write(values.2, band: 2, pixel: pixel, outputs: outputs, planeStride: planeStride)
            write(values.3, band: 3, pixel: pixel, outputs: outputs, planeStride: planeStride)
            write(values.4, band: 4, pixel: pixel, outputs: outputs, planeStride: planeStride)
            write(values.5, band: 5, pixel: pixel, outputs: outputs, planeStride: planeStride)
            write(values.6, band: 6, pixel: pixel, outputs: outputs, planeStride: planeStride)
            write(values.7, band: 7, pixel: pixel, outputs: outputs, planeStride: planeStride)
            write(values.8, band: 8, pixel: pixel, outputs: outputs, planeStride: planeStride)
            write(values.9, band: 9, pixel: pixel, outputs: outputs, planeStride: planeStride)
        }
    }

    /// Theil-Sen of one lane: the median of the pairwise slopes of its valid years.
    private func senSlope(lane: Int) -> Double {
        var n = 0
        for year in 0..<years.count {
            let value = laneValues[year][lane]
            guard !value.isNaN else { continue }
            validYears[n] = years[year]
            validValues[n] = value
            n += 1
        }
        if let vectorScratch { return soilmap_theil_sen_avx2(validYears, validValues, n, vectorScratch) }
        var pairs = 0
        for i in 0..<n {
            for j in (i + 1)..<n {
                pairScratch[pairs] = (validValues[j] - validValues[i]) / (validYears[j] - validYears[i])
                pairs += 1
            }
        }
        return TrendStatistics.bracketedMedian(pairScratch, count: pairs, scratch: medianScratch)
    }

    /// The AVX2 Theil-Sen of one series, nil when the CPU has no AVX2 (for the tests that hold it to the sort).
    static func vectorTheilSenSlope(years: [Double], values: [Double]) -> Double? {
        guard soilmap_theil_sen_has_avx2() == 1, years.count == values.count, years.count >= 2 else { return nil }
        let n = years.count
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 3 * (n * (n - 1) / 2 + 8))
        defer { scratch.deallocate() }
        return soilmap_theil_sen_avx2(years, values, n, scratch)
    }

    /// The AVX2 Mann-Kendall of eight series (`series[lane][year]`, NaN = missing): per lane S, the sum of
    /// c (2c + 7) and the sum of c over the values (c: the other values equal to it); nil without AVX2 (for tests).
    static func vectorMannKendall(series: [[Double]]) -> [(s: Int64, tieVarianceTerm: Int64, tiedPairsTwice: Int64)]? {
        guard vectorTheilSen, series.count == laneCount, let years = series.first?.count, series.allSatisfy({ $0.count == years }) else { return nil }
        var values = [Double](repeating: .nan, count: years * laneCount)
        for lane in 0..<laneCount { for year in 0..<years { values[year * laneCount + lane] = series[lane][year] } }
        var s = [Int64](repeating: 0, count: laneCount), term = s, pairs = s
        var scratch = [Int64](repeating: 0, count: 4 * max(years, 1))
        soilmap_mann_kendall8_avx2(values, years, 1, &s, &term, &pairs, &scratch)
        return (0..<laneCount).map { (s[$0], term[$0], pairs[$0]) }
    }

    @inline(__always)
    private func write(_ value: Double, band: Int, pixel: Int, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        if let plane = planeOfBand[band] { outputs[plane * planeStride + pixel] = Float(value) }
    }

    private func writeNoData(pixel: Int, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        for plane in 0..<writtenBandCount { outputs[plane * planeStride + pixel] = noData }
    }
}
