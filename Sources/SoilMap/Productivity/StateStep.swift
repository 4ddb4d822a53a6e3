import Foundation
import GDAL

/// `soilmap state` and the pipeline's `state` step: SDG 15.3.1 productivity state, as Trends.Earth defines it
/// (../shared/INDICES.md): the baseline and comparison means of an annual series placed in the deciles of the
/// pixel's own baseline years, widened by 5 % of their range at both ends.
public struct StateParameters: RasterStepParameters {
    /// One raster per year, FILE or FILE:N, in the order of `years`.
    public var inputs: [String]
    public var years: [Int]
    /// FIRST-LAST (default: the first year to the last year - 3).
    public var baseline: String?
    /// FIRST-LAST (default: the last 3 years).
    public var comparison: String?
    /// Means this close or closer give no change, in the series' units (default 0.01: Trends.Earth's 100 for NDVI
    /// x 10000, for a series in NDVI).
    public var smallChange: Double?
    /// The class map (sdg-15.3.1).
    public var output: String
    /// Optional Float32 file: baseline_mean, comparison_mean, baseline_decile, comparison_decile, decile_change.
    public var details: String?
    public var format: String?
    public var creationOptions: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inputs, years, baseline, comparison, smallChange = "small_change", output, details, format
        case creationOptions = "creation_options"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let defaultSmallChange = 0.01
    public static let detailBands = ["baseline_mean", "comparison_mean", "baseline_decile", "comparison_decile", "decile_change"]
    /// A decile change this large or larger (in absolute value) is degradation or improvement.
    public static let significantChange = 2

    public init(inputs: [String], years: [Int], baseline: String? = nil, comparison: String? = nil, smallChange: Double? = nil,
                output: String, details: String? = nil, format: String? = nil, creationOptions: [String]? = nil) {
        self.inputs = inputs
        self.years = years
        self.baseline = baseline
        self.comparison = comparison
        self.smallChange = smallChange
        self.output = output
        self.details = details
        self.format = format
        self.creationOptions = creationOptions
    }

    public var inputPaths: [String] {
        var paths: [String] = []
        for source in inputs.compactMap({ try? TrendParameters.source($0, index: 0) }) where !paths.contains(source.path) { paths.append(source.path) }
        return paths
    }

    public var outputPaths: [String] { [output] + (details.map { [$0] } ?? []) }

    public func mappingPaths(_ transform: (String) -> String) -> StateParameters {
        var copy = self
        copy.inputs = inputs.map { text in
            guard let source = try? TrendParameters.source(text, index: 0) else { return text }
            return text == source.path ? transform(source.path) : "\(transform(source.path)):\(source.band)"
        }
        copy.output = transform(output)
        copy.details = details.map(transform)
        return copy
    }

    public func resolved() throws -> StateParameters {
        var copy = self
        _ = try AnnualSeries.check(inputs: inputs, years: years, command: "state")
        let (baselineSpan, comparisonSpan) = try periods()
        copy.baseline = baselineSpan.text
        copy.comparison = comparisonSpan.text
        let threshold = smallChange ?? Self.defaultSmallChange
        guard threshold.isFinite, threshold >= 0 else {
            throw SoilMapError.invalidArgument("--small-change \(numberText(threshold)): use 0 or more (the series' units)")
        }
        copy.smallChange = threshold
        if let details, details == output { throw SoilMapError.invalidArgument("--details \(details): the class map's own path; give another") }
        copy.format = try outputOptions(overwrite: false).format.rawValue
        copy.creationOptions = creationOptions ?? []
        return copy
    }

    public func validate() throws {
        _ = try resolved()
        _ = try InputPlan.make(sources: try AnnualSeries.check(inputs: inputs, years: years, command: "state"), mask: nil, scale: nil, offset: nil)
    }

    /// The two periods, each holding at least one year of the series, the baseline before the comparison.
    func periods() throws -> (baseline: YearSpan, comparison: YearSpan) {
        guard let first = years.first, let last = years.last else { throw SoilMapError.invalidArgument("state needs --years") }
        let baselineSpan = try baseline.map { try YearSpan.parse($0, option: "--baseline") } ?? YearSpan(first: first, last: last - 3)
        let comparisonSpan = try comparison.map { try YearSpan.parse($0, option: "--comparison") } ?? YearSpan(first: last - 2, last: last)
        for (span, option) in [(baselineSpan, "--baseline"), (comparisonSpan, "--comparison")] where !years.contains(where: span.contains) {
            throw SoilMapError.invalidArgument("\(option) \(span.text): no year of the series (\(CompositeParameters.describe(years))) falls in it")
        }
        guard baselineSpan.last < comparisonSpan.first else {
            throw SoilMapError.invalidArgument("--baseline \(baselineSpan.text) must end before --comparison \(comparisonSpan.text) begins")
        }
        return (baselineSpan, comparisonSpan)
    }
}

extension StateParameters {
    public var commandArguments: [String] {
        var words = inputs
        words += ["--years", years.map(String.init).joined(separator: ",")]
        if let baseline { words += ["--baseline", baseline] }
        if let comparison { words += ["--comparison", comparison] }
        if let smallChange { words += ["--small-change", numberText(smallChange)] }
        if let format { words += ["--format", format] }
        for option in creationOptions ?? [] { words += ["--co", option] }
        return words
    }
}

/// What a state run wrote.
public struct SDGSubIndicatorSummary: Sendable {
    public var path: String
    public var details: String?
    public var warnings: [String]
}

public struct StateStep: Step {
    public static let kind = "state"
    public var parameters: StateParameters

    public init(_ parameters: StateParameters) { self.parameters = parameters }

    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> SDGSubIndicatorSummary {
        let resolved = try parameters.resolved()
        let output = try parameters.outputOptions(overwrite: context.overwrite, provenanceOf: Self.kind)
        let plan = try InputPlan.make(sources: try AnnualSeries.check(inputs: resolved.inputs, years: resolved.years, command: "state"),
                                      mask: nil, scale: nil, offset: nil)
        if let details = parameters.details { try transaction.check(details) }
        let (baseline, comparison) = try resolved.periods()
        let years = resolved.years, smallChange = resolved.smallChange ?? StateParameters.defaultSmallChange
        let baselineIndices = years.indices.filter { baseline.contains(years[$0]) }
        let comparisonIndices = years.indices.filter { comparison.contains(years[$0]) }
        let metadata = [
            "STATE_YEARS": years.map(String.init).joined(separator: ","),
            "STATE_BASELINE": baseline.text,
            "STATE_COMPARISON": comparison.text,
            "STATE_SMALL_CHANGE": numberText(smallChange),
            "STATE_RULE": "deciles (numpy linear percentiles 10..90) of the baseline years plus min - 5 % and max + 5 % of their range; decile change <= -2 degraded, >= +2 improved; |comparison mean - baseline mean| <= small change: no change",
        ]
        let makeKernel: @Sendable () -> StateKernel = {
            StateKernel(baseline: baselineIndices, comparison: comparisonIndices, smallChange: smallChange)
        }
        var warnings = try SDGClassMap.write(path: parameters.output, plan: plan, metadata: metadata, output: output, engine: context.engine,
                                             transaction: transaction) { StateClassKernel(makeKernel()) }
        if let details = parameters.details {
            warnings += try RasterResultWriter.write(
                path: details, plan: plan, bandDescriptions: StateParameters.detailBands, noData: SDGClassMap.detailNoData,
                metadata: metadata.merging(["SOILMAP_VERSION": SoilMapVersion.string]) { own, _ in own }, output: output,
                engine: context.engine, transaction: transaction) { makeKernel() }
        }
        warnings.forEach(context.diagnostics.warn)
        return SDGSubIndicatorSummary(path: parameters.output, details: parameters.details, warnings: warnings)
    }
}

/// Per pixel: the two period means, the baseline's widened deciles, both means' decile classes, and the change.
/// Writes the five detail bands; `StateClassKernel` turns them into the class.
final class StateKernel: TileKernel {
    private let baseline: [Int]
    private let comparison: [Int]
    private let smallChange: Double
    private let sample: UnsafeMutablePointer<Double>
    private var deciles = [Double](repeating: 0, count: 9)

    init(baseline: [Int], comparison: [Int], smallChange: Double) {
        self.baseline = baseline
        self.comparison = comparison
        self.smallChange = smallChange
        sample = .allocate(capacity: baseline.count + 2)
    }

    deinit { sample.deallocate() }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        let noData = Float(SDGClassMap.detailNoData)
        for pixel in 0..<window.pixelCount {
            guard let result = state(inputs: inputs, pixel: pixel, planeStride: planeStride) else {
                for band in 0..<StateParameters.detailBands.count { outputs[band * planeStride + pixel] = noData }
                continue
            }
            outputs[pixel] = Float(result.baselineMean)
            outputs[planeStride + pixel] = Float(result.comparisonMean)
            outputs[2 * planeStride + pixel] = Float(result.baselineDecile)
            outputs[3 * planeStride + pixel] = Float(result.comparisonDecile)
            outputs[4 * planeStride + pixel] = Float(result.change)
        }
    }

    struct PixelState { var baselineMean: Double; var comparisonMean: Double; var baselineDecile: Int; var comparisonDecile: Int; var change: Int }

    /// nil when either period has no valid year at the pixel.
    func state(inputs: UnsafePointer<Double>, pixel: Int, planeStride: Int) -> PixelState? {
        var n = 0, baselineSum = 0.0
        for index in baseline {
            let value = inputs[index * planeStride + pixel]
            guard !value.isNaN else { continue }
            sample[n] = value
            baselineSum += value
            n += 1
        }
        var m = 0, comparisonSum = 0.0
        for index in comparison {
            let value = inputs[index * planeStride + pixel]
            guard !value.isNaN else { continue }
            comparisonSum += value
            m += 1
        }
        guard n > 0, m > 0 else { return nil }
        let baselineMean = baselineSum / Double(n), comparisonMean = comparisonSum / Double(m)
        var least = sample[0], most = sample[0]
        for index in 1..<n { least = min(least, sample[index]); most = max(most, sample[index]) }
        let range = most - least
        sample[n] = least - 0.05 * range
        sample[n + 1] = most + 0.05 * range
        var sorted = UnsafeMutableBufferPointer(start: sample, count: n + 2)
        sorted.sort()
        for k in 1...9 { deciles[k - 1] = NumpyPercentile.linear(sorted: sample, count: n + 2, percent: Double(10 * k)) }
        let baselineDecile = decile(of: baselineMean), comparisonDecile = decile(of: comparisonMean)
        let change = abs(comparisonMean - baselineMean) <= smallChange ? 0 : comparisonDecile - baselineDecile
        return PixelState(baselineMean: baselineMean, comparisonMean: comparisonMean, baselineDecile: baselineDecile,
                          comparisonDecile: comparisonDecile, change: change)
    }

    /// 1 at or below the 10th percentile, k in (p(10k - 10), p(10k)], 10 above the 90th.
    private func decile(of value: Double) -> Int {
        var above = 0
        for threshold in deciles where value > threshold { above += 1 }
        return 1 + above
    }
}

/// The state class of each pixel as an sdg-15.3.1 value: 1 degraded, 2 stable, 3 improved.
final class StateClassKernel: TileKernel {
    private let inner: StateKernel

    init(_ inner: StateKernel) { self.inner = inner }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        for pixel in 0..<window.pixelCount {
            guard let result = inner.state(inputs: inputs, pixel: pixel, planeStride: planeStride) else {
                outputs[pixel] = Float(BuiltInSchemes.sdg1531.noData)
                continue
            }
            let code = result.change <= -StateParameters.significantChange ? -1 : (result.change >= StateParameters.significantChange ? 1 : 0)
            outputs[pixel] = Float(SDGClassMap.value(ofCode: code))
        }
    }
}
