import Foundation
import GDAL

/// `soilmap composite` and the pipeline's `composite` step: a per-pixel reduction (mean, median, min, max,
/// count) of many rasters or bands, optionally one band per year (16-day composites to annual means).
public struct CompositeParameters: RasterStepParameters {
    /// FILE (every band of it) or FILE:N (band N), in any order.
    public var inputs: [String]
    /// mean (default), median, min, max or count (`CompositeStatistic`).
    public var statistic: String?
    /// Fewer valid values at a pixel (in its year, with `byYear`) than this: nodata (default 1).
    public var minValid: Int?
    /// One output band per year, the year read from each band's description, else from its file's name.
    public var byYear: Bool?
    /// With `byYear`: only these years, e.g. "2001-2011" or "2001,2003" (default: every year found).
    public var years: String?
    public var output: String
    public var format: String?
    public var creationOptions: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inputs, statistic, minValid = "min_valid", byYear = "by_year", years, output, format
        case creationOptions = "creation_options"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// Bounds the per-tile work and memory of the engine (one Float64 plane per input band).
    public static let maxInputBands = 2000
    public static let noData = -9999.0

    public init(inputs: [String], statistic: String? = nil, minValid: Int? = nil, byYear: Bool? = nil, years: String? = nil,
                output: String, format: String? = nil, creationOptions: [String]? = nil) {
        self.inputs = inputs
        self.statistic = statistic
        self.minValid = minValid
        self.byYear = byYear
        self.years = years
        self.output = output
        self.format = format
        self.creationOptions = creationOptions
    }

    public var inputPaths: [String] {
        var paths: [String] = []
        for spec in inputs.compactMap({ try? Self.spec($0) }) where !paths.contains(spec.path) { paths.append(spec.path) }
        return paths
    }

    public var outputPaths: [String] { [output] }

    public func mappingPaths(_ transform: (String) -> String) -> CompositeParameters {
        var copy = self
        copy.inputs = inputs.map { text in
            guard let spec = try? Self.spec(text) else { return text }
            return spec.band.map { "\(transform(spec.path)):\($0)" } ?? transform(spec.path)
        }
        copy.output = transform(output)
        return copy
    }

    public func resolved() throws -> CompositeParameters {
        var copy = self
        guard !inputs.isEmpty else { throw SoilMapError.invalidArgument("composite needs at least one raster") }
        _ = try inputs.map(Self.spec)
        copy.statistic = try compositeStatistic().rawValue
        let minimum = minValid ?? 1
        guard minimum >= 1 else { throw SoilMapError.invalidArgument("--min-valid \(minimum): use 1 or more (valid values a pixel needs)") }
        copy.minValid = minimum
        copy.byYear = byYear ?? false
        if years != nil {
            guard copy.byYear == true else { throw SoilMapError.invalidArgument("--years chooses years of --by-year: give --by-year too") }
            _ = try selectedYears()
        }
        copy.format = try outputOptions(overwrite: false).format.rawValue
        copy.creationOptions = creationOptions ?? []
        return copy
    }

    /// The parameters, and inputs that exist, with the bands asked for, years found, aligned with each other.
    public func validate() throws {
        let resolved = try resolved()
        let groups = try resolved.groups()
        _ = try InputPlan.make(sources: groups.sources, mask: nil, scale: nil, offset: nil)
    }

    public func compositeStatistic() throws -> CompositeStatistic {
        guard let parsed = CompositeStatistic(rawValue: statistic ?? CompositeStatistic.mean.rawValue) else {
            throw SoilMapError.invalidArgument("--statistic \(statistic!): use \(CompositeStatistic.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return parsed
    }

    /// `years` as a set: "2001-2011", "2001,2003" or both ("2001-2005,2008").
    func selectedYears() throws -> [Int]? {
        guard let years else { return nil }
        var list: [Int] = []
        for word in years.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let ends = word.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            if ends.count == 1, let year = ends[0] { list.append(year); continue }
            guard ends.count == 2, let first = ends[0], let last = ends[1], first <= last else {
                throw SoilMapError.invalidArgument("--years \(years): '\(word)' is not a year or a range FIRST-LAST (e.g. 2001-2011)")
            }
            list += Array(first...last)
        }
        return Array(Set(list)).sorted()
    }

    /// One input as written: a path, and a band when FILE:N.
    static func spec(_ text: String) throws -> (path: String, band: Int?) {
        guard !text.isEmpty else { throw SoilMapError.invalidArgument("composite: an input path is empty") }
        if let colon = text.lastIndex(of: ":"), colon != text.startIndex, let band = Int(text[text.index(after: colon)...]) {
            return (String(text[..<colon]), band)
        }
        return (text, nil)
    }

    /// The bands to reduce, each with the output band it goes to: every input expanded into its bands (opening
    /// the files), grouped by year when `byYear`.
    func groups() throws -> CompositeGroups {
        var sources: [BandSource] = []
        var years: [Int] = []
        for text in inputs {
            let spec = try Self.spec(text)
            let dataset = try Dataset.open(spec.path, kind: .raster)
            let bands = spec.band.map { [$0] } ?? Array(1...max(1, dataset.bandCount))
            for band in bands {
                guard band >= 1 && band <= dataset.bandCount else {
                    throw SoilMapError.invalidInput(path: spec.path, "has \(dataset.bandCount) band\(dataset.bandCount == 1 ? "" : "s"), not band \(band)")
                }
                sources.append(BandSource(role: "band\(sources.count + 1)", path: spec.path, band: band))
                if byYear == true {
                    let description = try dataset.band(band).bandDescription
                    guard let year = Self.year(in: description) ?? Self.year(in: (spec.path as NSString).lastPathComponent) else {
                        throw SoilMapError.invalidInput(path: spec.path, "band \(band): no year in its description ('\(description)') or the file's name (give dates like 2001-02-18, X2001.02.18, A2001049 or 20010218)")
                    }
                    years.append(year)
                }
            }
        }
        guard sources.count <= Self.maxInputBands else {
            throw SoilMapError.invalidArgument("composite takes at most \(Self.maxInputBands) bands, not \(sources.count): reduce in several calls")
        }
        guard byYear == true else { return CompositeGroups(sources: sources, members: [Array(sources.indices)], years: []) }
        var outputYears = Array(Set(years)).sorted()
        if let selected = try selectedYears() {
            for year in selected where !outputYears.contains(year) {
                throw SoilMapError.invalidArgument("--years \(self.years!): no input band is of \(year) (bands found for \(Self.describe(outputYears)))")
            }
            outputYears = selected
        }
        let members = outputYears.map { year in years.indices.filter { years[$0] == year } }
        // Only the bands of chosen years are read.
        let used = members.flatMap { $0 }.sorted()
        let renumber = Dictionary(uniqueKeysWithValues: used.enumerated().map { ($0.element, $0.offset) })
        return CompositeGroups(sources: used.map { sources[$0] }, members: members.map { $0.map { renumber[$0]! } }, years: outputYears)
    }

    /// The year of a date in a band description or a file name: the first 4 digits of the first run of 4
    /// (2001), 7 (2001049, MODIS's year and day) or 8 (20010218) digits that start with a year 1900...2100.
    static func year(in text: String) -> Int? {
        var run = ""
        for character in text + " " {
            if character.isASCII && character.isNumber { run.append(character); continue }
            if [4, 7, 8].contains(run.count), let year = Int(run.prefix(4)), (1900...2100).contains(year) { return year }
            run = ""
        }
        return nil
    }

    static func describe(_ years: [Int]) -> String {
        guard let first = years.first, let last = years.last else { return "none" }
        return years == Array(first...last) && years.count > 2 ? "\(first)-\(last)" : years.map(String.init).joined(separator: ",")
    }
}

extension CompositeParameters {
    public var commandArguments: [String] {
        var words = inputs
        if let statistic { words += ["--statistic", statistic] }
        if let minValid { words += ["--min-valid", String(minValid)] }
        if byYear == true { words.append("--by-year") }
        if let years { words += ["--years", years] }
        if let format { words += ["--format", format] }
        for option in creationOptions ?? [] { words += ["--co", option] }
        return words
    }
}

/// The bands a composite reads, and which of them each output band reduces.
struct CompositeGroups {
    var sources: [BandSource]
    /// Per output band, indices into `sources`.
    var members: [[Int]]
    /// Per output band, its year (empty without --by-year).
    var years: [Int]
}

/// The per-pixel reductions `composite` offers.
public enum CompositeStatistic: String, Sendable, CaseIterable {
    case mean, median, min, max, count
}

/// What a composite run wrote.
public struct CompositeSummary: Sendable {
    public var path: String
    public var bandDescriptions: [String]
    public var bandCounts: [Int]
    public var warnings: [String]
}

public struct CompositeStep: Step {
    public static let kind = "composite"
    public var parameters: CompositeParameters

    public init(_ parameters: CompositeParameters) { self.parameters = parameters }

    /// One pass, tile by tile: each worker holds one Float64 plane per input band for its tile (the engine
    /// shrinks the tile when there are many bands). Bands on other grids are aligned to the finest one by nearest
    /// neighbour, as `trend` aligns them; a band's nodata (and NaN) is skipped at that pixel.
    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> CompositeSummary {
        let resolved = try parameters.resolved()
        let output = try parameters.outputOptions(overwrite: context.overwrite, provenanceOf: Self.kind)
        try transaction.check(parameters.output)
        let groups = try resolved.groups()
        let plan = try InputPlan.make(sources: groups.sources, mask: nil, scale: nil, offset: nil)
        let statistic = try resolved.compositeStatistic(), minimum = resolved.minValid ?? 1
        let descriptions = groups.years.isEmpty ? [statistic.rawValue] : groups.years.map(String.init)
        var metadata = [
            "COMPOSITE_STATISTIC": statistic.rawValue,
            "COMPOSITE_MIN_VALID": String(minimum),
            "COMPOSITE_BANDS_PER_OUTPUT": groups.members.map { String($0.count) }.joined(separator: ","),
            "SOILMAP_VERSION": SoilMapVersion.string,
        ]
        if !groups.years.isEmpty { metadata["COMPOSITE_YEARS"] = groups.years.map(String.init).joined(separator: ",") }
        let members = groups.members
        let warnings = try RasterResultWriter.write(
            path: parameters.output, plan: plan, bandDescriptions: descriptions, noData: CompositeParameters.noData,
            metadata: metadata, output: output, engine: context.engine, transaction: transaction) {
            CompositeKernel(members: members, statistic: statistic, minimumValid: minimum, noData: CompositeParameters.noData)
        }
        warnings.forEach(context.diagnostics.warn)
        return CompositeSummary(path: parameters.output, bandDescriptions: descriptions, bandCounts: members.map(\.count), warnings: warnings)
    }
}

/// Each output band's statistic over the valid (not NaN) values of its input bands, pixel by pixel. Sums run in
/// Float64 in the order of the inputs, so the result does not depend on tiles or threads.
final class CompositeKernel: TileKernel {
    private let members: [[Int]]
    private let statistic: CompositeStatistic
    private let minimumValid: Int
    private let noData: Float
    private let scratch: UnsafeMutablePointer<Double>

    init(members: [[Int]], statistic: CompositeStatistic, minimumValid: Int, noData: Double) {
        self.members = members
        self.statistic = statistic
        self.minimumValid = minimumValid
        self.noData = Float(noData)
        scratch = .allocate(capacity: max(1, members.map(\.count).max() ?? 1))
    }

    deinit { scratch.deallocate() }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        for (band, group) in members.enumerated() {
            let out = outputs + band * planeStride
            for pixel in 0..<window.pixelCount {
                var n = 0
                for index in group {
                    let value = inputs[index * planeStride + pixel]
                    guard !value.isNaN else { continue }
                    scratch[n] = value
                    n += 1
                }
                guard n >= minimumValid else {
                    out[pixel] = noData
                    continue
                }
                out[pixel] = Float(reduce(count: n))
            }
        }
    }

    private func reduce(count n: Int) -> Double {
        switch statistic {
        case .mean:
            var sum = 0.0
            for index in 0..<n { sum += scratch[index] }
            return sum / Double(n)
        case .median: return TrendStatistics.median(scratch, count: n)
        case .min:
            var least = scratch[0]
            for index in 1..<n where scratch[index] < least { least = scratch[index] }
            return least
        case .max:
            var most = scratch[0]
            for index in 1..<n where scratch[index] > most { most = scratch[index] }
            return most
        case .count: return Double(n)
        }
    }
}
