import Foundation

/// `soilmap trend` and the pipeline's `trend` step: per-pixel trend statistics of an annual series.
public struct TrendParameters: RasterStepParameters {
    /// One raster per year, FILE or FILE:N (band N), in the order of `years`.
    public var inputs: [String]
    /// The year of each input, strictly increasing.
    public var years: [Int]
    /// Fewer valid years at a pixel than this: nodata in every band (default 4).
    public var minYears: Int?
    /// How the trajectory band decides significance: p-value (default) or trends-earth (`TrendSignificance`).
    public var significance: String?
    /// With trends-earth: |OLS slope| at or below this gives trajectory 0, in the series' units per year
    /// (default 0.001, Trends.Earth's 10 for NDVI x 10000, for a series in NDVI).
    public var smallSlope: Double?
    /// The bands to compute and write: band names and groups (ols, sen, mk, all), comma-separated (default all;
    /// `TrendBandSelection`). Written in the canonical band order.
    public var statistics: String?
    public var output: String
    public var format: String?
    public var creationOptions: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inputs, years, minYears = "min_years", significance, smallSlope = "small_slope", statistics, output, format
        case creationOptions = "creation_options"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// How many annual rasters a trend takes: four is the least Mann-Kendall can say anything with; fifty bounds
    /// the per-pixel pair work (1,225 pairs) and is the longest series Trends.Earth's table covers.
    public static let inputCountRange = 4...50
    public static let defaultMinYears = 4
    /// The nodata value of every output band.
    public static let noData = -9999.0
    /// Trends.Earth's small-slope threshold, 10 in its NDVI x 10000 units, for a series in NDVI.
    public static let defaultSmallSlope = 0.001

    public init(inputs: [String], years: [Int], minYears: Int? = nil, significance: String? = nil, smallSlope: Double? = nil,
                statistics: String? = nil, output: String, format: String? = nil, creationOptions: [String]? = nil) {
        self.inputs = inputs
        self.years = years
        self.minYears = minYears
        self.significance = significance
        self.smallSlope = smallSlope
        self.statistics = statistics
        self.output = output
        self.format = format
        self.creationOptions = creationOptions
    }

    public var inputPaths: [String] {
        var paths: [String] = []
        for source in inputs.compactMap({ try? Self.source($0, index: 0) }) where !paths.contains(source.path) { paths.append(source.path) }
        return paths
    }

    public var outputPaths: [String] { [output] }

    public func mappingPaths(_ transform: (String) -> String) -> TrendParameters {
        var copy = self
        copy.inputs = inputs.map { text in
            guard let source = try? Self.source(text, index: 0) else { return text }
            return text == source.path ? transform(source.path) : "\(transform(source.path)):\(source.band)"
        }
        copy.output = transform(output)
        return copy
    }

    public func resolved() throws -> TrendParameters {
        var copy = self
        guard Self.inputCountRange.contains(inputs.count) else {
            throw SoilMapError.invalidArgument("trend takes \(Self.inputCountRange.lowerBound) to \(Self.inputCountRange.upperBound) rasters (one per year), not \(inputs.count)")
        }
        guard years.count == inputs.count else {
            throw SoilMapError.invalidArgument("--years gives \(years.count) years for \(inputs.count) rasters: give one year per raster, in order")
        }
        for (earlier, later) in zip(years, years.dropFirst()) where later <= earlier {
            throw SoilMapError.invalidArgument("--years must be strictly increasing: \(later) follows \(earlier)")
        }
        let minimum = minYears ?? Self.defaultMinYears
        guard (3...inputs.count).contains(minimum) else {
            throw SoilMapError.invalidArgument("--min-years \(minimum): use 3...\(inputs.count) (the number of rasters)")
        }
        _ = try sources()
        copy.minYears = minimum
        switch try trendSignificance() {
        case .pValue:
            guard smallSlope == nil else {
                throw SoilMapError.invalidArgument("--small-slope is Trends.Earth's rule: it needs --significance trends-earth")
            }
        case .trendsEarth:
            let threshold = smallSlope ?? Self.defaultSmallSlope
            guard threshold.isFinite, threshold >= 0 else {
                throw SoilMapError.invalidArgument("--small-slope \(numberText(threshold)): use a slope of 0 or more (the series' units per year)")
            }
            copy.smallSlope = threshold
        }
        copy.significance = try trendSignificance().rawValue
        // Not given: all bands, and the command line recorded stays what it was before the option existed.
        copy.statistics = statistics == nil ? nil : try bandSelection().text
        copy.format = try outputOptions(overwrite: false).format.rawValue
        copy.creationOptions = creationOptions ?? []
        return copy
    }

    /// The parameters, and rasters that exist, have the band asked for and can be aligned with each other.
    public func validate() throws {
        _ = try resolved()
        _ = try InputPlan.make(sources: try sources(), mask: nil, scale: nil, offset: nil)
    }

    public func trendSignificance() throws -> TrendSignificance {
        guard let parsed = TrendSignificance(rawValue: significance ?? TrendSignificance.pValue.rawValue) else {
            throw SoilMapError.invalidArgument("--significance \(significance!): use \(TrendSignificance.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        return parsed
    }

    /// The bands chosen by `statistics` (all when not given).
    public func bandSelection() throws -> TrendBandSelection {
        guard let statistics else { return .all }
        return try TrendBandSelection.parse(statistics)
    }

    /// Each input as a band source named after its year's position.
    func sources() throws -> [BandSource] {
        try inputs.enumerated().map { try Self.source($0.element, index: $0.offset) }
    }

    static func source(_ text: String, index: Int) throws -> BandSource {
        guard !text.isEmpty else { throw SoilMapError.invalidArgument("raster \(index + 1) of the series: empty path") }
        // FILE:N, where N is digits after the last colon; otherwise band 1 of FILE.
        if let colon = text.lastIndex(of: ":"), colon != text.startIndex, let band = Int(text[text.index(after: colon)...]) {
            return BandSource(role: "year\(index + 1)", path: String(text[..<colon]), band: band)
        }
        return BandSource(role: "year\(index + 1)", path: text, band: 1)
    }
}

extension TrendParameters {
    public var commandArguments: [String] {
        var words = inputs
        words += ["--years", years.map(String.init).joined(separator: ",")]
        if let minYears { words += ["--min-years", String(minYears)] }
        if let significance { words += ["--significance", significance] }
        if let smallSlope { words += ["--small-slope", numberText(smallSlope)] }
        if let statistics { words += ["--statistics", statistics] }
        if let format { words += ["--format", format] }
        for option in creationOptions ?? [] { words += ["--co", option] }
        return words
    }
}

/// What a trend run wrote.
public struct TrendSummary: Sendable {
    public var path: String
    public var bandDescriptions: [String]
    public var warnings: [String]
}

public struct TrendStep: Step {
    public static let kind = "trend"
    public var parameters: TrendParameters

    public init(_ parameters: TrendParameters) { self.parameters = parameters }

    /// One pass over the series, tile by tile: each worker holds one Float64 plane per year for its tile, so
    /// memory grows with threads x tile x years, not with the rasters' size. Inputs on other grids are aligned to
    /// the finest one by nearest neighbour; a band's own scale and offset are applied; its nodata (and NaN) is a
    /// missing year.
    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> TrendSummary {
        let resolved = try parameters.resolved()
        let output = try parameters.outputOptions(overwrite: context.overwrite, provenanceOf: Self.kind)
        try transaction.check(parameters.output)
        let plan = try InputPlan.make(sources: try resolved.sources(), mask: nil, scale: nil, offset: nil)
        let years = resolved.years, minimumYears = resolved.minYears ?? TrendParameters.defaultMinYears
        let trendsEarthSmallSlope = try resolved.trendSignificance() == .trendsEarth ? resolved.smallSlope : nil
        let selection = try resolved.bandSelection()
        var metadata = [
            "TREND_YEARS": years.map(String.init).joined(separator: ","),
            "TREND_MIN_YEARS": String(minimumYears),
            "TREND_P_VALUE": "two-sided, normal approximation of Mann-Kendall S with tie-corrected variance and continuity correction",
            "TREND_TAU": "Kendall tau-b",
            "TREND_SIGNIFICANCE": "p < 0.10, 0.05, 0.01 (mk_p), direction from ols_slope",
            "SOILMAP_VERSION": SoilMapVersion.string,
        ]
        if let trendsEarthSmallSlope {
            metadata["TREND_SIGNIFICANCE"] = "Trends.Earth's critical |S| table at n = \(years.count), direction from ols_slope, |ols_slope| <= \(numberText(trendsEarthSmallSlope)) gives 0"
        }
        let warnings = try RasterResultWriter.write(
            path: parameters.output, plan: plan, bandDescriptions: selection.bands, noData: TrendParameters.noData,
            metadata: metadata, output: output, engine: context.engine, transaction: transaction) {
            TrendKernel(years: years, minimumYears: minimumYears, noData: TrendParameters.noData, selection: selection,
                        trendsEarthSmallSlope: trendsEarthSmallSlope)
        }
        warnings.forEach(context.diagnostics.warn)
        return TrendSummary(path: parameters.output, bandDescriptions: selection.bands, warnings: warnings)
    }
}
