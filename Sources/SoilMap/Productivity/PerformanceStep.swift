import Foundation
import GDAL

/// `soilmap performance` and the pipeline's `performance` step: SDG 15.3.1 productivity performance, as
/// Trends.Earth defines it (../shared/INDICES.md): a pixel's mean over the period divided by the 90th percentile of
/// that mean among the pixels of its land unit over the whole area; a ratio of 0.5 or less is degraded.
public struct PerformanceParameters: RasterStepParameters {
    /// One raster per year, FILE or FILE:N, in the order of `years`.
    public var inputs: [String]
    public var years: [Int]
    /// FIRST-LAST: the years averaged (default: every year given).
    public var period: String?
    /// A raster of land-unit ids (whole numbers), FILE or FILE:N, aligned to the series' grid by nearest neighbour.
    public var units: String
    /// The percentile of the unit's means that stands for its potential (default 90).
    public var percentile: Double?
    /// Ratios at or below this are degraded (default 0.5).
    public var degradedRatio: Double?
    /// The class map (sdg-15.3.1).
    public var output: String
    /// Optional Float32 file: mean, unit_percentile, ratio.
    public var details: String?
    public var format: String?
    public var creationOptions: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inputs, years, period, units, percentile, degradedRatio = "degraded_ratio", output, details, format
        case creationOptions = "creation_options"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let defaultPercentile = 90.0
    public static let defaultDegradedRatio = 0.5
    public static let detailBands = ["mean", "unit_percentile", "ratio"]

    public init(inputs: [String], years: [Int], period: String? = nil, units: String, percentile: Double? = nil, degradedRatio: Double? = nil,
                output: String, details: String? = nil, format: String? = nil, creationOptions: [String]? = nil) {
        self.inputs = inputs
        self.years = years
        self.period = period
        self.units = units
        self.percentile = percentile
        self.degradedRatio = degradedRatio
        self.output = output
        self.details = details
        self.format = format
        self.creationOptions = creationOptions
    }

    public var inputPaths: [String] {
        var paths: [String] = []
        let sources = (inputs + [units]).compactMap { try? TrendParameters.source($0, index: 0) }
        for source in sources where !paths.contains(source.path) { paths.append(source.path) }
        return paths
    }

    public var outputPaths: [String] { [output] + (details.map { [$0] } ?? []) }

    public func mappingPaths(_ transform: (String) -> String) -> PerformanceParameters {
        var copy = self
        func map(_ text: String) -> String {
            guard let source = try? TrendParameters.source(text, index: 0) else { return text }
            return text == source.path ? transform(source.path) : "\(transform(source.path)):\(source.band)"
        }
        copy.inputs = inputs.map(map)
        copy.units = map(units)
        copy.output = transform(output)
        copy.details = details.map(transform)
        return copy
    }

    public func resolved() throws -> PerformanceParameters {
        var copy = self
        _ = try AnnualSeries.check(inputs: inputs, years: years, command: "performance")
        copy.period = try span().text
        _ = try TrendParameters.source(units, index: 0)
        let level = percentile ?? Self.defaultPercentile
        guard level.isFinite, level > 0, level <= 100 else {
            throw SoilMapError.invalidArgument("--percentile \(numberText(level)): use a percentile above 0 and up to 100")
        }
        copy.percentile = level
        let ratio = degradedRatio ?? Self.defaultDegradedRatio
        guard ratio.isFinite, ratio >= 0 else { throw SoilMapError.invalidArgument("--degraded-ratio \(numberText(ratio)): use 0 or more") }
        copy.degradedRatio = ratio
        if let details, details == output { throw SoilMapError.invalidArgument("--details \(details): the class map's own path; give another") }
        copy.format = try outputOptions(overwrite: false).format.rawValue
        copy.creationOptions = creationOptions ?? []
        return copy
    }

    public func validate() throws {
        let resolved = try resolved()
        _ = try InputPlan.make(sources: try resolved.sources().sources, mask: nil, scale: nil, offset: nil)
    }

    func span() throws -> YearSpan {
        guard let first = years.first, let last = years.last else { throw SoilMapError.invalidArgument("performance needs --years") }
        let span = try period.map { try YearSpan.parse($0, option: "--period") } ?? YearSpan(first: first, last: last)
        guard years.contains(where: span.contains) else {
            throw SoilMapError.invalidArgument("--period \(span.text): no year of the series (\(CompositeParameters.describe(years))) falls in it")
        }
        return span
    }

    /// The period's years (indices into the plan's inputs) and the units band, last.
    func sources() throws -> (sources: [BandSource], periodIndices: [Int]) {
        let all = try AnnualSeries.check(inputs: inputs, years: years, command: "performance")
        let span = try span()
        let indices = years.indices.filter { span.contains(years[$0]) }
        var unitsSource = try TrendParameters.source(units, index: 0)
        unitsSource.role = "units"
        return (indices.map { all[$0] } + [unitsSource], Array(0..<indices.count))
    }
}

extension PerformanceParameters {
    public var commandArguments: [String] {
        var words = inputs
        words += ["--years", years.map(String.init).joined(separator: ",")]
        if let period { words += ["--period", period] }
        words += ["--units", units]
        if let percentile { words += ["--percentile", numberText(percentile)] }
        if let degradedRatio { words += ["--degraded-ratio", numberText(degradedRatio)] }
        if let format { words += ["--format", format] }
        for option in creationOptions ?? [] { words += ["--co", option] }
        return words
    }
}

public struct PerformanceStep: Step {
    public static let kind = "performance"
    public var parameters: PerformanceParameters

    public init(_ parameters: PerformanceParameters) { self.parameters = parameters }

    /// Two passes over the series. The first gathers every pixel's period mean by land unit (8 bytes a pixel; the
    /// percentile of a unit is taken from its sorted means, so it does not depend on tiles or threads); the second
    /// writes the map.
    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> SDGSubIndicatorSummary {
        let resolved = try parameters.resolved()
        let output = try parameters.outputOptions(overwrite: context.overwrite, provenanceOf: Self.kind)
        try transaction.check(parameters.output)
        try transaction.check(QGISStyle.stylePath(for: parameters.output))
        if let details = parameters.details { try transaction.check(details) }
        let (sources, periodIndices) = try resolved.sources()
        let plan = try InputPlan.make(sources: sources, mask: nil, scale: nil, offset: nil)
        let unitsIndex = sources.count - 1
        let level = resolved.percentile ?? PerformanceParameters.defaultPercentile
        let degradedRatio = resolved.degradedRatio ?? PerformanceParameters.defaultDegradedRatio

        // Pass 1: the means of each unit.
        var engine = try context.engine.settled(for: plan, outputBands: 1)
        let progress = context.progress
        engine.progress = progress.map { report in { @Sendable fraction in report(fraction / 2) } }
        let collector = UnitMeans()
        try engine.withGDALCache(defaultBytes: plan.cacheBytes(tileSize: engine.tileSize)) {
            try TileEngine.run(plan: plan, outputBandCount: 1, options: engine, makeKernel: {
                UnitMeansKernel(period: periodIndices, unitsIndex: unitsIndex, collector: collector)
            }, consume: { _, _, _, _ in })
        }
        let potentials = collector.percentiles(level)

        // Pass 2: the map.
        var mapEngine = context.engine
        mapEngine.progress = progress.map { report in { @Sendable fraction in report(0.5 + fraction / 2) } }
        let span = try resolved.span()
        let periodYears = resolved.years.filter(span.contains)
        let metadata = [
            "PERFORMANCE_YEARS": periodYears.map(String.init).joined(separator: ","),
            "PERFORMANCE_UNITS": (parameters.units as NSString).lastPathComponent,
            "PERFORMANCE_UNIT_COUNT": String(potentials.count),
            "PERFORMANCE_RULE": "period mean / the \(numberText(level))th percentile (numpy linear) of the period means of the pixel's land unit over the whole raster, means of exactly 0 left out; ratio <= \(numberText(degradedRatio)) degraded, else stable",
        ]
        let makeKernel: @Sendable () -> PerformanceKernel = {
            PerformanceKernel(period: periodIndices, unitsIndex: unitsIndex, potentials: potentials, degradedRatio: degradedRatio)
        }
        var warnings = try SDGClassMap.write(path: parameters.output, plan: plan, metadata: metadata, output: output, engine: mapEngine,
                                             transaction: transaction) { PerformanceClassKernel(makeKernel()) }
        if let details = parameters.details {
            warnings += try RasterResultWriter.write(
                path: details, plan: plan, bandDescriptions: PerformanceParameters.detailBands, noData: SDGClassMap.detailNoData,
                metadata: metadata.merging(["SOILMAP_VERSION": SoilMapVersion.string]) { own, _ in own }, output: output,
                engine: context.engine, transaction: transaction) { makeKernel() }
        }
        warnings.forEach(context.diagnostics.warn)
        return SDGSubIndicatorSummary(path: parameters.output, details: parameters.details, warnings: warnings)
    }
}

/// The period mean of a pixel: nil when no year is valid, when the unit is nodata, or when the mean is exactly 0
/// (Trends.Earth leaves NDVI 0 out: no vegetation signal).
@inline(__always)
func periodMean(_ inputs: UnsafePointer<Double>, pixel: Int, planeStride: Int, period: [Int]) -> Double? {
    var sum = 0.0, n = 0
    for index in period {
        let value = inputs[index * planeStride + pixel]
        guard !value.isNaN else { continue }
        sum += value
        n += 1
    }
    guard n > 0 else { return nil }
    let mean = sum / Double(n)
    return mean == 0 ? nil : mean
}

/// Every pixel's period mean, by land unit, gathered from the workers.
final class UnitMeans: @unchecked Sendable {
    private let lock = NSLock()
    private var byUnit: [Double: [Double]] = [:]

    func add(_ tile: [Double: [Double]]) {
        lock.lock()
        for (unit, means) in tile { byUnit[unit, default: []].append(contentsOf: means) }
        lock.unlock()
    }

    /// Each unit's percentile of its means; the sort makes it independent of the order the tiles came in.
    func percentiles(_ level: Double) -> [Double: Double] {
        lock.lock()
        defer { lock.unlock() }
        var result: [Double: Double] = [:]
        for (unit, means) in byUnit {
            result[unit] = NumpyPercentile.linear(sorted: means.sorted(), percent: level)
        }
        return result
    }
}

final class UnitMeansKernel: TileKernel {
    private let period: [Int]
    private let unitsIndex: Int
    private let collector: UnitMeans

    init(period: [Int], unitsIndex: Int, collector: UnitMeans) {
        self.period = period
        self.unitsIndex = unitsIndex
        self.collector = collector
    }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        var tile: [Double: [Double]] = [:]
        for pixel in 0..<window.pixelCount {
            let unit = inputs[unitsIndex * planeStride + pixel]
            guard !unit.isNaN, let mean = periodMean(inputs, pixel: pixel, planeStride: planeStride, period: period) else { continue }
            tile[unit, default: []].append(mean)
        }
        collector.add(tile)
        for pixel in 0..<window.pixelCount { outputs[pixel] = 0 }
    }
}

/// Writes mean, the unit's percentile and the ratio; nodata where there is no mean, no unit, or a unit whose
/// percentile is 0 or less (no productivity to compare with).
final class PerformanceKernel: TileKernel {
    private let period: [Int]
    private let unitsIndex: Int
    private let potentials: [Double: Double]
    let degradedRatio: Double

    init(period: [Int], unitsIndex: Int, potentials: [Double: Double], degradedRatio: Double) {
        self.period = period
        self.unitsIndex = unitsIndex
        self.potentials = potentials
        self.degradedRatio = degradedRatio
    }

    func performance(inputs: UnsafePointer<Double>, pixel: Int, planeStride: Int) -> (mean: Double, potential: Double, ratio: Double)? {
        let unit = inputs[unitsIndex * planeStride + pixel]
        guard !unit.isNaN, let mean = periodMean(inputs, pixel: pixel, planeStride: planeStride, period: period),
              let potential = potentials[unit], potential > 0 else { return nil }
        return (mean, potential, mean / potential)
    }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        let noData = Float(SDGClassMap.detailNoData)
        for pixel in 0..<window.pixelCount {
            guard let result = performance(inputs: inputs, pixel: pixel, planeStride: planeStride) else {
                for band in 0..<3 { outputs[band * planeStride + pixel] = noData }
                continue
            }
            outputs[pixel] = Float(result.mean)
            outputs[planeStride + pixel] = Float(result.potential)
            outputs[2 * planeStride + pixel] = Float(result.ratio)
        }
    }
}

/// The performance class as an sdg-15.3.1 value: 1 degraded, 2 stable (never improved).
final class PerformanceClassKernel: TileKernel {
    private let inner: PerformanceKernel

    init(_ inner: PerformanceKernel) { self.inner = inner }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        for pixel in 0..<window.pixelCount {
            guard let result = inner.performance(inputs: inputs, pixel: pixel, planeStride: planeStride) else {
                outputs[pixel] = Float(BuiltInSchemes.sdg1531.noData)
                continue
            }
            outputs[pixel] = Float(SDGClassMap.value(ofCode: result.ratio <= inner.degradedRatio ? -1 : 0))
        }
    }
}
