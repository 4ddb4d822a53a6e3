import Foundation
import GDAL

/// Breaks computed from the data: how many classes, and how.
public enum BreakMethod: String, Sendable, CaseIterable {
    case quantile
    case equalInterval = "equal-interval"
    case naturalBreaks = "natural-breaks"
    case meanStandardDeviation = "mean-std"
}

/// Computes class breaks from a raster's values (after scale/offset, without nodata and NaN).
///
/// - equal-interval and mean-std use exact statistics of every pixel (GDAL reads the whole band);
/// - quantile uses the sample: every pixel when the raster has at most `sampleSize` pixels, otherwise a regular
///   grid of about `sampleSize` pixels read by GDAL's nearest-neighbour decimation; quantiles interpolate
///   linearly, as numpy.quantile does by default;
/// - natural-breaks is Jenks' exact optimisation (Fisher 1958, Jenks 1977) on at most `jenksSize` values: the
///   sample itself when small enough, otherwise that many evenly spaced values of the sorted sample.
/// Every step is deterministic: the same raster always gives the same breaks.
public struct DataBreaks: Sendable {
    public var method: BreakMethod
    public var classes: Int
    public var sampleSize = 1_000_000
    public var jenksSize = 3000

    public init(method: BreakMethod, classes: Int) {
        self.method = method
        self.classes = classes
    }

    public struct Result: Sendable {
        public var breaks: [Double]
        /// True when the classes are (.., b1], (b1, b2], ... (Jenks breaks are the largest value of each class).
        public var rightClosed: Bool
        public var description: String
    }

    public func compute(path: String, band number: Int = 1) throws -> Result {
        guard classes >= 2, classes <= 254 else { throw SoilMapError.invalidArgument("--classes must be between 2 and 254") }
        // GDAL would save the statistics it computes in an .aux.xml beside the user's raster: not ours to write.
        return try ConfigOptions.with(["GDAL_PAM_ENABLED": "NO"]) { try computeWithoutSidecar(path: path, band: number) }
    }

    private func computeWithoutSidecar(path: String, band number: Int) throws -> Result {
        try GeoTIFFIntegrity.requireIntact(path)
        let dataset = try Dataset.open(path, kind: .raster)
        let band = try dataset.band(number)
        let scale = band.scale ?? 1, offset = band.offset ?? 0
        switch method {
        case .equalInterval, .meanStandardDeviation:
            guard let stats = try band.exactStatistics() else { throw SoilMapError.invalidInput(path: path, "has no valid pixel to compute breaks from") }
            let low = Swift.min(stats.minimum * scale, stats.maximum * scale) + offset
            let high = Swift.max(stats.minimum * scale, stats.maximum * scale) + offset
            if method == .equalInterval {
                let step = (high - low) / Double(classes)
                return Result(breaks: (1..<classes).map { low + step * Double($0) }, rightClosed: false,
                              description: "equal intervals between the minimum \(formatNumber(low)) and maximum \(formatNumber(high)) of all pixels")
            }
            let mean = stats.mean * scale + offset, deviation = stats.standardDeviation * abs(scale)
            let centre = Double(classes) / 2
            return Result(breaks: (1..<classes).map { mean + deviation * (Double($0) - centre) }, rightClosed: false,
                          description: "mean \(formatNumber(mean)) ± multiples of the standard deviation \(formatNumber(deviation)) of all pixels")
        case .quantile, .naturalBreaks:
            let (values, sampled) = try sample(band: band, scale: scale, offset: offset, path: path)
            guard values.count >= classes else {
                throw SoilMapError.invalidInput(path: path, "has \(values.count) valid values, fewer than the \(classes) classes asked for")
            }
            if method == .quantile {
                let breaks = (1..<classes).map { quantile(values, Double($0) / Double(classes)) }
                try checkIncreasing(breaks, path: path)
                return Result(breaks: breaks, rightClosed: false,
                              description: "quantiles of \(sampled ? "a regular sample of \(values.count)" : "all \(values.count)") valid pixels")
            }
            let subset = values.count <= jenksSize ? values : (0..<jenksSize).map { values[Int((Double($0) * Double(values.count - 1) / Double(jenksSize - 1)).rounded())] }
            let breaks = Jenks.breaks(sorted: subset, classes: classes)
            try checkIncreasing(breaks, path: path)
            return Result(breaks: breaks, rightClosed: true,
                          description: "Jenks natural breaks of \(subset.count == values.count ? "" : "\(subset.count) evenly spaced values of ")\(sampled ? "a regular sample of \(values.count)" : "all \(values.count)") valid pixels")
        }
    }

    private func checkIncreasing(_ breaks: [Double], path: String) throws {
        guard zip(breaks, breaks.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SoilMapError.invalidInput(path: path, "has too few distinct values for \(classes) \(method.rawValue) classes (breaks \(breaks.map(formatNumber).joined(separator: ",")))")
        }
    }

    /// Valid values, sorted; the flag says whether they are a decimated sample.
    private func sample(band: RasterBand, scale: Double, offset: Double, path: String) throws -> ([Double], Bool) {
        let pixels = band.width * band.height
        let factor = pixels <= sampleSize ? 1 : (Double(pixels) / Double(sampleSize)).squareRoot()
        let width = Swift.max(1, Int((Double(band.width) / factor).rounded())), height = Swift.max(1, Int((Double(band.height) / factor).rounded()))
        let raw: [Double] = try band.read(window: PixelWindow(width: band.width, height: band.height), bufferWidth: width, bufferHeight: height)
        let noData = band.noDataValue
        let values = raw.filter { !$0.isNaN && $0 != noData }.map { $0 * scale + offset }.sorted()
        return (values, factor > 1)
    }

    /// numpy.quantile's default (linear interpolation between closest ranks).
    func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = Swift.min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }
}

/// Jenks natural breaks: the exact partition of sorted values into k classes that minimises the sum of squared
/// deviations from the class means, by dynamic programming over prefix sums (O(k n²)).
public enum Jenks {
    /// The largest value of each class but the last (k - 1 breaks).
    public static func breaks(sorted values: [Double], classes k: Int) -> [Double] {
        let n = values.count
        guard k > 1, n > k else { return Array(values.prefix(Swift.max(0, k - 1))) }
        var sum = [Double](repeating: 0, count: n + 1), squares = [Double](repeating: 0, count: n + 1)
        for (index, value) in values.enumerated() {
            sum[index + 1] = sum[index] + value
            squares[index + 1] = squares[index] + value * value
        }
        /// Sum of squared deviations of values[i..<j].
        @inline(__always) func cost(_ i: Int, _ j: Int) -> Double {
            let count = Double(j - i), s = sum[j] - sum[i]
            return Swift.max(0, (squares[j] - squares[i]) - s * s / count)
        }
        // best[c][j]: least cost of splitting values[0..<j] into c + 1 classes; start[c][j]: where the last class starts.
        var best = [[Double]](repeating: [Double](repeating: .infinity, count: n + 1), count: k)
        var start = [[Int]](repeating: [Int](repeating: 0, count: n + 1), count: k)
        for j in 1...n { best[0][j] = cost(0, j) }
        for c in 1..<k {
            for j in (c + 1)...n {
                var bestCost = Double.infinity, bestStart = c
                for i in c..<j {
                    let candidate = best[c - 1][i] + cost(i, j)
                    if candidate < bestCost { bestCost = candidate; bestStart = i }
                }
                best[c][j] = bestCost
                start[c][j] = bestStart
            }
        }
        var result: [Double] = []
        var end = n
        for c in stride(from: k - 1, to: 0, by: -1) {
            let first = start[c][end]
            result.append(values[first - 1])
            end = first
        }
        return result.reversed()
    }
}
