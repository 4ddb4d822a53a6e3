import Foundation
import GDAL

/// `soilmap soc-change` and the pipeline's `soc-change` step: the soil organic carbon sub-indicator of SDG 15.3.1,
/// from a reference stock and land-cover maps, by the stock-change factors and 20-year linear approach Trends.Earth
/// applies.
public struct SOCChangeParameters: RasterStepParameters {
    /// The reference SOC stock (t C/ha, 0-30 cm), taken as the stock in the first land-cover map's year.
    public var soc: String
    /// Land-cover maps in the order of `years` (at least two: the baseline and the target).
    public var landCover: [String]
    /// The year of each land-cover map, strictly increasing.
    public var years: [Int]
    /// How the maps' values become UNCCD classes: esa-cci (default), unccd, or a .csv/.yaml table.
    public var recode: String?
    /// The climate factor f of cropland conversions: a zone name, a number, or a raster of factors.
    public var climate: String?
    /// When a change seen between two maps happens: end (the later map's year, default) or start (the year after
    /// the earlier map).
    public var changeTiming: String?
    /// The sdg-15.3.1 map.
    public var output: String
    /// Optional: the stock's change in % of the reference (Float32).
    public var percentChange: String?
    public var format: String?
    public var creationOptions: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case soc, landCover = "land_cover", years, recode, climate, changeTiming = "change_timing", output
        case percentChange = "percent_change", format, creationOptions = "creation_options"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// IPCC climate factors for land converted to or from cropland (Trends.Earth's defaults).
    public static let climateFactors: [(name: String, factor: Double)] = [
        ("temperate-dry", 0.80), ("temperate-moist", 0.69), ("tropical-dry", 0.58), ("tropical-moist", 0.48), ("tropical-montane", 0.64),
    ]
    public static let defaultClimate = "tropical-moist"
    /// Years over which a change of land cover moves the stock to its new level.
    public static let conversionYears = 20
    /// A change of at least this many percent of the reference stock is degradation (loss) or improvement (gain).
    public static let thresholdPercent = 10.0
    public static let percentNoData = -9999.0

    public init(soc: String, landCover: [String], years: [Int], recode: String? = nil, climate: String? = nil, changeTiming: String? = nil,
                output: String, percentChange: String? = nil, format: String? = nil, creationOptions: [String]? = nil) {
        self.soc = soc
        self.landCover = landCover
        self.years = years
        self.recode = recode
        self.climate = climate
        self.changeTiming = changeTiming
        self.output = output
        self.percentChange = percentChange
        self.format = format
        self.creationOptions = creationOptions
    }

    enum Climate: Equatable { case factor(Double), raster(String) }

    /// A zone name, a number in (0, 1], or a raster path.
    func climateSource() throws -> Climate {
        let text = climate ?? Self.defaultClimate
        if let zone = Self.climateFactors.first(where: { $0.name == text.lowercased() }) { return .factor(zone.factor) }
        if let number = Double(text) {
            guard number.isFinite, number > 0, number <= 1 else {
                throw SoilMapError.invalidArgument("--climate \(text): a climate factor is in (0, 1] (tropical moist 0.48)")
            }
            return .factor(number)
        }
        guard text.contains(".") || text.contains("/") else {
            throw SoilMapError.invalidArgument("--climate \(text): use \(Self.climateFactors.map(\.name).joined(separator: ", ")), a factor, or a raster of factors")
        }
        return .raster(text)
    }

    var timingIsStart: Bool { changeTiming == "start" }

    private var recodeIsFile: Bool { !LandCoverRecode.isBuiltIn(recode ?? LandCoverChangeParameters.defaultRecode) }
    private var climateRaster: String? { if case .raster(let path)? = try? climateSource() { return path } else { return nil } }

    public var inputPaths: [String] { [soc] + landCover + (recodeIsFile ? [recode!] : []) + (climateRaster.map { [$0] } ?? []) }
    public var outputPaths: [String] { [output] + (percentChange.map { [$0] } ?? []) }

    public func mappingPaths(_ transform: (String) -> String) -> SOCChangeParameters {
        var copy = self
        copy.soc = transform(soc)
        copy.landCover = landCover.map(transform)
        if recodeIsFile { copy.recode = recode.map(transform) }
        if let climateRaster { copy.climate = transform(climateRaster) }
        copy.output = transform(output)
        copy.percentChange = percentChange.map(transform)
        return copy
    }

    public func resolved() throws -> SOCChangeParameters {
        var copy = self
        guard landCover.count >= 2 else {
            throw SoilMapError.invalidArgument("soc-change needs at least two land-cover maps (the baseline and the target), not \(landCover.count)")
        }
        guard years.count == landCover.count else {
            throw SoilMapError.invalidArgument("--years gives \(years.count) years for \(landCover.count) land-cover maps: give one year per map, in order")
        }
        for (earlier, later) in zip(years, years.dropFirst()) where later <= earlier {
            throw SoilMapError.invalidArgument("--years must be strictly increasing: \(later) follows \(earlier)")
        }
        guard years.last! - years.first! <= 200 else {
            throw SoilMapError.invalidArgument("--years spans \(years.last! - years.first!) years: at most 200")
        }
        guard ["end", "start"].contains(changeTiming ?? "end") else {
            throw SoilMapError.invalidArgument("--change-timing \(changeTiming!): use end (the later map's year) or start (the year after the earlier map)")
        }
        if let percentChange, percentChange == output {
            throw SoilMapError.invalidArgument("\(output) is named for two outputs: give each output its own file")
        }
        _ = try climateSource()
        copy.recode = recode ?? LandCoverChangeParameters.defaultRecode
        copy.climate = climate ?? Self.defaultClimate
        copy.changeTiming = changeTiming ?? "end"
        copy.format = try outputOptions(overwrite: false).format.rawValue
        copy.creationOptions = creationOptions ?? []
        return copy
    }

    public func validate() throws {
        _ = try resolved()
        _ = try LandCoverRecode.named(recode ?? LandCoverChangeParameters.defaultRecode)
        _ = try InputPlan.make(sources: sources, mask: nil, scale: nil, offset: nil, resampling: "near")
    }

    /// soc, land cover 1...n, then the climate raster when there is one.
    var sources: [BandSource] {
        [BandSource(role: "soc", path: soc)] + landCover.enumerated().map { BandSource(role: "landcover\($0.offset + 1)", path: $0.element) }
            + (climateRaster.map { [BandSource(role: "climate", path: $0)] } ?? [])
    }
}

extension SOCChangeParameters {
    public var commandArguments: [String] {
        var words = [soc] + landCover + ["--years", years.map(String.init).joined(separator: ",")]
        if let recode { words += ["--recode", recode] }
        if let climate { words += ["--climate", climate] }
        if let changeTiming { words += ["--change-timing", changeTiming] }
        if let format { words += ["--format", format] }
        for option in creationOptions ?? [] { words += ["--co", option] }
        return words
    }

    static let secondaryOutputKeys = [CodingKeys.percentChange.rawValue]
}

public struct SOCChangeSummary: Sendable {
    public var path: String
    public var warnings: [String]
}

public struct SOCChangeStep: Step {
    public static let kind = "soc-change"
    public var parameters: SOCChangeParameters

    public init(_ parameters: SOCChangeParameters) { self.parameters = parameters }

    /// Per pixel, year by year from the first map's year to the last: when the land cover changes, the stock moves
    /// towards stock x Fl by a fixed yearly step, (stock - stock x Fl) / 20 from the stock at the change, for 20
    /// years or until the next change. The change is `(final - reference) / reference x 100` %; <= -10 % degraded,
    /// >= +10 % improved. Nodata where the stock, any map or the climate factor is nodata, where a map holds a value
    /// the recode table does not name, where the reference stock is not above 0, and where the first map is water.
    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> SOCChangeSummary {
        let resolved = try parameters.resolved()
        let recode = try LandCoverRecode.named(resolved.recode!)
        let climate = try resolved.climateSource()
        let output = try parameters.outputOptions(overwrite: context.overwrite, provenanceOf: Self.kind)
        for path in resolved.outputPaths { try transaction.check(path) }
        try transaction.check(QGISStyle.stylePath(for: resolved.output))
        let plan = try InputPlan.make(sources: resolved.sources, mask: nil, scale: nil, offset: nil, resampling: "near")
        let fixedFactor: Double? = if case .factor(let f) = climate { f } else { nil }
        let rule = SOCChangeRule(years: resolved.years, timingIsStart: resolved.timingIsStart)
        var metadata = [
            "SOC_YEARS": resolved.years.map(String.init).joined(separator: ","),
            "SOC_CLIMATE": resolved.climate!,
            "SOC_CHANGE_TIMING": resolved.changeTiming!,
            "SOC_METHOD": "stock change factors Fl by UNCCD class transition (f = climate factor; 1/0.71, 0.71, 0.1, 2), linear over \(SOCChangeParameters.conversionYears) years; change <= -10 % degraded, >= +10 % improved; water in the first map nodata",
            "LANDCOVER_RECODE": "\(recode.id) (\(recode.source))",
            "SOILMAP_VERSION": SoilMapVersion.string,
        ]
        var warnings: [String] = []
        let sdg = BuiltInSchemes.sdg1531
        metadata.merge(sdg.metadata) { own, _ in own }
        warnings += try RasterResultWriter.write(
            path: parameters.output, plan: plan, bandDescriptions: ["SDG 15.3.1 soil organic carbon (1 degraded, 2 stable, 3 improved)"],
            noData: Double(sdg.noData), metadata: metadata, output: output, engine: context.engine, transaction: transaction, dataType: .byte,
            bandSetup: { band, _ in
                try band.setColorTable(sdg.colorTable)
                try band.setCategoryNames(sdg.categoryNames())
            }) {
            SOCChangeKernel(rule: rule, recode: recode, fixedFactor: fixedFactor, percent: false)
        }
        try QGISStyle.write(QGISStyle.palettedRaster(scheme: sdg), besides: parameters.output, transaction: transaction)
        if let path = parameters.percentChange {
            warnings += try RasterResultWriter.write(
                path: path, plan: plan, bandDescriptions: ["soil organic carbon change, % of the reference stock"],
                noData: SOCChangeParameters.percentNoData, metadata: metadata.filter { !$0.key.hasPrefix("CLASS_") }, output: output,
                engine: context.engine, transaction: transaction) {
                SOCChangeKernel(rule: rule, recode: recode, fixedFactor: fixedFactor, percent: true)
            }
        }
        warnings.forEach(context.diagnostics.warn)
        return SOCChangeSummary(path: parameters.output, warnings: warnings)
    }
}

/// The stock-change arithmetic of one pixel.
struct SOCChangeRule: Sendable {
    /// For each year after the first, the index of the map whose class holds in that year.
    let mapOfYear: [Int]

    init(years: [Int], timingIsStart: Bool) {
        var map: [Int] = []
        for year in (years[0] + 1)...years.last! {
            // end: the latest map at or before the year; start: the first map at or after it.
            map.append(timingIsStart ? years.firstIndex { $0 >= year }! : years.lastIndex { $0 <= year }!)
        }
        mapOfYear = map
    }

    /// Fl for a change of UNCCD class `from` -> `to` with climate factor f.
    @inline(__always)
    static func factor(from: Int, to: Int, climate f: Double) -> Double {
        if from == to { return 1 }
        let natural = from <= 4, toNatural = to <= 4
        switch (from, to) {
        case (1, 3), (2, 3): return f
        case (3, 1), (3, 2): return 1 / f
        case (3, 4): return 1 / 0.71
        case (4, 3): return 0.71
        default:
            if from == 7 || to == 7 { return 1 }
            if natural && (to == 5 || to == 6) { return 0.1 }
            if (from == 5 || from == 6) && toNatural { return 2 }
            return 1
        }
    }

    /// The final stock from the reference stock and each map's class.
    @inline(__always)
    func finalStock(reference: Double, classes: UnsafeBufferPointer<Int>, climate f: Double) -> Double {
        var stock = reference, step = 0.0, yearsSinceChange = 0
        var previous = classes[0]
        for map in mapOfYear {
            let current = classes[map]
            if current != previous {
                step = (stock - stock * Self.factor(from: previous, to: current, climate: f)) / Double(SOCChangeParameters.conversionYears)
                yearsSinceChange = 1
            } else if yearsSinceChange > 0 {
                yearsSinceChange += 1
            }
            if yearsSinceChange > SOCChangeParameters.conversionYears { step = 0 }
            stock -= step
            previous = current
        }
        return stock
    }
}

final class SOCChangeKernel: TileKernel {
    private let rule: SOCChangeRule
    private let lowest: Int
    private let classOf: [UInt8]
    private let fixedFactor: Double?
    private let percent: Bool
    private var classes: [Int]

    init(rule: SOCChangeRule, recode: LandCoverRecode, fixedFactor: Double?, percent: Bool) {
        self.rule = rule
        lowest = recode.lowest
        classOf = recode.classOf
        self.fixedFactor = fixedFactor
        self.percent = percent
        classes = [Int](repeating: 0, count: (rule.mapOfYear.max() ?? 0) + 1)
    }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        let mapCount = classes.count
        let noData = Float(percent ? SOCChangeParameters.percentNoData : 0)
        classes.withUnsafeMutableBufferPointer { classes in
            pixels: for pixel in 0..<window.pixelCount {
                let reference = inputs[pixel]
                let f = fixedFactor ?? inputs[(1 + mapCount) * planeStride + pixel]
                guard reference.isFinite, reference > 0, f.isFinite, f > 0 else { outputs[pixel] = noData; continue }
                for map in 0..<mapCount {
                    let value = inputs[(1 + map) * planeStride + pixel]
                    guard value.isFinite, value == value.rounded(), abs(value) < 1e9 else { outputs[pixel] = noData; continue pixels }
                    let offset = Int(value) - lowest
                    guard offset >= 0, offset < classOf.count, classOf[offset] > 0 else { outputs[pixel] = noData; continue pixels }
                    classes[map] = Int(classOf[offset])
                }
                if classes[0] == 7 { outputs[pixel] = noData; continue }
                let change = (rule.finalStock(reference: reference, classes: UnsafeBufferPointer(classes), climate: f) - reference) / reference * 100
                if percent {
                    outputs[pixel] = Float(change)
                } else {
                    outputs[pixel] = change <= -SOCChangeParameters.thresholdPercent ? 1 : change >= SOCChangeParameters.thresholdPercent ? 3 : 2
                }
            }
        }
    }
}

