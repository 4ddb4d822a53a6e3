import Foundation
import GDAL

/// How classified maps are combined into one.
public enum CombineMethod: Sendable {
    /// SDG 15.3.1 "one out, all out" over sdg-15.3.1 maps: degraded when any input is degraded, improved when
    /// none is degraded and at least one improved, stable otherwise.
    case oneOutAllOut
    /// The worst class: the lowest value over maps whose scheme puts its worst class lowest (sdg-15.3.1,
    /// sdg-productivity, soil-organic-matter), else the highest.
    case worstOf
    /// How many inputs equal `degradedValue` (0...n; nodata 255).
    case count(degradedValue: Int)
    /// Viet Nam's degradation degrees from a weighted score (`WeightedDegradation`).
    case weighted(WeightedDegradation)
    case table(RuleTable)
}

/// What a combine run did.
public struct CombineSummary: Sendable {
    public var path: String
    /// The legend of the output, when the method or the inputs give one.
    public var scheme: ClassScheme?
    /// The inputs read as Trends.Earth codes (-1, 0, 1 read as sdg-15.3.1 classes 1, 2, 3).
    public var trendsEarthInputs: [String]
    /// What the run did but doubts: values outside an input's classes, worst-of without a known order, creation
    /// options GDAL ignores.
    public var warnings: [String]
}

public enum CombineJob {
    /// Combines classified maps pixel by pixel (on the first map's grid; others aligned by nearest neighbour).
    /// A pixel that is nodata in any input is nodata in the output, and so is a pixel where an input holds a value
    /// outside its classes (each such input is reported in the warnings).
    ///
    /// Inputs must be integer class maps. When they carry the scheme `classify` wrote (CLASS_SCHEME), it must be
    /// the one the method combines: sdg-15.3.1 for one-out-all-out and the sdg-productivity table. Trends.Earth's
    /// own layers (-1 degraded, 0 stable, 1 improved) are read as sdg-15.3.1 classes (`inputCodes`). worst-of
    /// takes the lowest value over schemes whose worst class is the lowest (sdg-15.3.1: degraded), else the highest.
    /// The map's QGIS style (`MAP.qml`) is written beside it when it has a legend.
    @discardableResult
    public static func run(inputs paths: [String], method: CombineMethod, inputCodes: CombineInputCodes = .automatic, to path: String,
                           output: RasterOutputOptions = RasterOutputOptions(), engine: EngineOptions = EngineOptions(),
                           transaction: OutputTransaction? = nil) throws -> CombineSummary {
        try OutputTransaction.within(transaction, overwrite: output.overwrite, inputs: paths) { transaction in
            try write(inputs: paths, method: method, inputCodes: inputCodes, to: path, output: output, engine: engine, transaction: transaction)
        }
    }

    private static func write(inputs paths: [String], method: CombineMethod, inputCodes: CombineInputCodes, to path: String,
                              output: RasterOutputOptions, engine: EngineOptions, transaction: OutputTransaction) throws -> CombineSummary {
        try transaction.check(path)
        try transaction.check(QGISStyle.stylePath(for: path))
        guard paths.count >= 2 else { throw SoilMapError.invalidArgument("combine needs at least two classified maps") }
        if case .table(let table) = method, table.inputs.count != paths.count {
            throw SoilMapError.invalidArgument("rule table \(table.id) takes \(table.inputs.count) maps (\(table.inputs.joined(separator: ", "))), not \(paths.count)")
        }
        let inputs = try paths.map { try ClassMapInput.open($0, codes: inputCodes) }
        var warnings: [String] = []
        // What each input may hold, and which end worst-of takes.
        var domains: [ClassValueSet?] = inputs.map { _ in nil }
        var worst = ClassScheme.WorstEnd.high
        switch method {
        case .oneOutAllOut:
            domains = try requireScheme(BuiltInSchemes.sdg1531, of: inputs, for: "one-out-all-out")
        case .table(let table):
            if let inputScheme = table.inputScheme {
                domains = try requireScheme(inputScheme, of: inputs, for: "rule table \(table.id)")
            } else {
                domains = inputs.map { input in input.classValues.map { domain($0, of: input) } }
            }
        case .weighted(let rule):
            guard rule.weights.count == paths.count else {
                throw SoilMapError.invalidArgument("--weights gives \(rule.weights.count) weights for \(paths.count) maps: give one weight per map, in order")
            }
            fallthrough
        case .count:
            let degraded = method.degradedValue!
            for input in inputs {
                guard let values = input.classValues, !values.contains(degraded) else { continue }
                throw SoilMapError.invalidArgument("--degraded-value \(degraded): \(input.described) has no class \(degraded) (its classes: \(values.map(String.init).joined(separator: ", ")))")
            }
        case .worstOf:
            (worst, warnings) = try worstEnd(of: inputs)
            domains = inputs.map { input in
                input.classValues.map { domain($0, of: input) } ?? ClassValueSet(Array(0...255), description: "0...255 (the output is a Byte map)")
            }
        }
        let sources = paths.enumerated().map { BandSource(role: "map\($0.offset + 1)", path: $0.element) }
        var plan = try InputPlan.make(sources: sources, mask: nil, scale: 1, offset: 0, resampling: "near")
        for (index, input) in inputs.enumerated() where input.isTrendsEarth { plan.inputs[index].offset = 2 }
        // The legend: the method's own scheme; for worst-of, the inputs' common built-in scheme and the first
        // input's colours and names.
        let scheme: ClassScheme?
        var colours: ColorTable?, names: [String] = [], inheritedMetadata: [String: String] = [:]
        switch method {
        case .oneOutAllOut: scheme = BuiltInSchemes.sdg1531
        case .table(let table): scheme = table.scheme
        case .weighted(let rule): scheme = rule.scheme
        case .count(let degraded):
            scheme = ClassScheme(id: "degraded-count", title: "Number of degraded inputs", unit: "maps",
                                 source: "count of inputs equal to \(degraded)",
                                 classes: (0...paths.count).map { count in
                                     ClassDefinition(value: count, label: "\(count) of \(paths.count) degraded", color: Palette.sequential(count: paths.count + 1)[count],
                                                     min: Double(count) - 0.5, max: Double(count) + 0.5)
                                 }, noData: 255, worst: .high)
        case .worstOf:
            let common = inputs.allSatisfy { $0.schemeID == inputs[0].schemeID } ? inputs[0].schemeID : nil
            scheme = BuiltInSchemes.all.first { $0.id == common }
            if scheme == nil, common != nil {
                inheritedMetadata = inputs[0].classMetadata.filter { !$0.key.hasPrefix("CLASS_SOURCE_") }
            }
            let first = try Dataset.open(paths[0]).band(1)
            colours = first.colorTable
            names = first.categoryNames
        }
        let firstNoData = inputs[0].noData
        let noData = scheme?.noData ?? firstNoData.map { (0...255).contains($0) && $0.rounded() == $0 ? Int($0) : 255 } ?? 0
        var metadata = scheme?.metadata ?? inheritedMetadata
        metadata["COMBINE_METHOD"] = describe(method, worst: worst)
        // File names, not paths: a map must not depend on the folder it was computed in.
        metadata["COMBINE_INPUTS"] = paths.map { ($0 as NSString).lastPathComponent }.joined(separator: ";")
        let trendsEarthInputs = inputs.filter(\.isTrendsEarth).map(\.path)
        if !trendsEarthInputs.isEmpty {
            metadata["COMBINE_TRENDS_EARTH_INPUTS"] = trendsEarthInputs.map { ($0 as NSString).lastPathComponent }.joined(separator: ";")
        }
        metadata["SOILMAP_VERSION"] = SoilMapVersion.string
        let legendColours = colours ?? scheme?.colorTable
        let legendNames = names.isEmpty ? scheme?.categoryNames() ?? [] : names
        let strays = StrayValueCounter(inputCount: inputs.count)
        let kernelDomains = domains, kernelWorst = worst
        warnings += try RasterResultWriter.write(
            path: path, plan: plan, bandDescriptions: [scheme?.title ?? "worst of \(paths.count) maps"], noData: Double(noData),
            metadata: metadata, output: output, engine: engine, transaction: transaction, dataType: .byte,
            bandSetup: { band, _ in
                if let legendColours { try band.setColorTable(legendColours) }
                if !legendNames.isEmpty { try band.setCategoryNames(legendNames) }
            }) {
            CombineKernel(method: method, worst: kernelWorst, domains: kernelDomains, noData: noData, strays: strays)
        }
        for (index, count) in strays.counts.enumerated() where count > 0 {
            let pixels = count == 1 ? "1 pixel holds a value" : "\(count) pixels hold values"
            warnings.append("\(inputs[index].path): \(pixels) outside \(domains[index]?.description ?? "its classes"); \(count == 1 ? "it" : "they") became nodata")
        }
        if let style = QGISStyle.palettedRaster(colorTable: legendColours, categoryNames: legendNames, noData: noData) {
            try QGISStyle.write(style, besides: path, transaction: transaction)
        }
        return CombineSummary(path: path, scheme: scheme, trendsEarthInputs: trendsEarthInputs, warnings: warnings)
    }

    /// Refuses inputs classified in another scheme than `scheme`; inputs without one (other tools' maps) are
    /// taken at their word, their values checked pixel by pixel. Returns each input's allowed values.
    private static func requireScheme(_ scheme: ClassScheme, of inputs: [ClassMapInput], for method: String) throws -> [ClassValueSet?] {
        for input in inputs where input.schemeID != nil && input.schemeID != scheme.id {
            let legend = scheme.classes.map { "\($0.value) \($0.label.lowercased())" }.joined(separator: ", ")
            let trendsEarth = scheme.id == BuiltInSchemes.sdg1531.id ? "; or Trends.Earth's -1/0/1 layers" : ""
            throw SoilMapError.invalidInput(path: input.path, "holds \(input.schemeID!) classes, but \(method) combines \(scheme.id) maps (\(legend)\(trendsEarth))")
        }
        return inputs.map { domain(scheme.classes.map(\.value), of: $0, schemeID: scheme.id) }
    }

    /// The values an input may hold, described as the user knows the file.
    private static func domain(_ values: [Int], of input: ClassMapInput, schemeID: String? = nil) -> ClassValueSet {
        if input.isTrendsEarth { return ClassValueSet(values, description: "Trends.Earth's codes (-1, 0, 1)") }
        let list = values.map(String.init).joined(separator: ", ")
        return ClassValueSet(values, description: "the \(input.schemeID ?? schemeID ?? "scheme's") classes (\(list))")
    }

    /// Which end worst-of takes: the one the inputs' schemes declare (the lowest for sdg-15.3.1, whose lowest class
    /// is degraded); the highest, as documented, when none declares one. Schemes that disagree are refused.
    private static func worstEnd(of inputs: [ClassMapInput]) throws -> (ClassScheme.WorstEnd, [String]) {
        let declared = inputs.filter { $0.worst != nil }
        if let low = declared.first(where: { $0.worst == .low }), let high = declared.first(where: { $0.worst == .high }) {
            throw SoilMapError.invalidArgument("worst-of cannot compare \(low.described), whose worst class is its lowest value, with \(high.described), whose worst is its highest")
        }
        let undeclared = inputs.filter { $0.worst == nil }.map(\.path)
        guard let reference = declared.first, let worst = reference.worst else {
            return (.high, ["worst-of: no input's scheme says which end of its classes is worst (\(undeclared.joined(separator: ", "))); the highest value is taken as worst"])
        }
        guard !undeclared.isEmpty else { return (worst, []) }
        return (worst, ["worst-of: \(undeclared.joined(separator: ", ")) \(undeclared.count == 1 ? "does" : "do") not say which end of \(undeclared.count == 1 ? "its" : "their") classes is worst; read like \(reference.described), whose worst class is its \(worst == .low ? "lowest" : "highest") value"])
    }

    static func describe(_ method: CombineMethod, worst: ClassScheme.WorstEnd = .high) -> String {
        switch method {
        case .oneOutAllOut: return "one-out-all-out"
        case .worstOf: return "worst-of (the \(worst == .low ? "lowest" : "highest") value is worst)"
        case .count(let value): return "count of value \(value)"
        case .weighted(let rule): return rule.description
        case .table(let table): return "rule table \(table.id) (\(table.source))"
        }
    }
}

/// Pixels per input whose value lies outside the input's classes, summed over the tiles of a run.
final class StrayValueCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Int]

    init(inputCount: Int) { storage = [Int](repeating: 0, count: inputCount) }

    func add(_ counts: [Int]) {
        lock.lock()
        for index in counts.indices { storage[index] += counts[index] }
        lock.unlock()
    }

    var counts: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}

final class CombineKernel: TileKernel {
    private let method: CombineMethod
    private let worst: ClassScheme.WorstEnd
    private let inputCount: Int
    /// Per input, three numbers: the lowest allowed value, where its table starts in `allowed`, its length (0: any
    /// value). Flat arrays, so the pixel loop reads them through buffer pointers.
    private let allowedRanges: [Int]
    private let allowed: [Bool]
    private let noData: Float
    private let strays: StrayValueCounter

    init(method: CombineMethod, worst: ClassScheme.WorstEnd, domains: [ClassValueSet?], noData: Int, strays: StrayValueCounter) {
        self.method = method
        self.worst = worst
        inputCount = domains.count
        var ranges: [Int] = [], allowed: [Bool] = []
        for domain in domains {
            ranges += [domain?.lowest ?? 0, allowed.count, domain?.members.count ?? 0]
            allowed += domain?.members ?? []
        }
        allowedRanges = ranges
        self.allowed = allowed
        self.noData = Float(noData)
        self.strays = strays
    }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        allowedRanges.withUnsafeBufferPointer { ranges in
            allowed.withUnsafeBufferPointer { allowed in
                compute(window: window, inputs: inputs, outputs: outputs, planeStride: planeStride, ranges: ranges, allowed: allowed)
            }
        }
    }

    private func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int,
                         ranges: UnsafeBufferPointer<Int>, allowed: UnsafeBufferPointer<Bool>) {
        var values = [Int](repeating: 0, count: inputCount)
        var strayCounts = [Int](repeating: 0, count: inputCount)
        pixels: for pixel in 0..<window.pixelCount {
            for index in 0..<inputCount {
                let value = inputs[index * planeStride + pixel]
                if value.isNaN { outputs[pixel] = noData; continue pixels }
                values[index] = Int(value)
            }
            var stray = false
            for index in 0..<inputCount where ranges[3 * index + 2] > 0 {
                let offset = values[index] - ranges[3 * index]
                if offset < 0 || offset >= ranges[3 * index + 2] || !allowed[ranges[3 * index + 1] + offset] {
                    strayCounts[index] += 1
                    stray = true
                }
            }
            if stray { outputs[pixel] = noData; continue }
            switch method {
            case .oneOutAllOut:
                outputs[pixel] = values.contains(1) ? 1 : values.contains(3) ? 3 : 2
            case .worstOf:
                outputs[pixel] = Float(worst == .low ? values.min()! : values.max()!)
            case .count(let degraded):
                outputs[pixel] = Float(values.filter { $0 == degraded }.count)
            case .weighted(let rule):
                outputs[pixel] = Float(rule.degree(values))
            case .table(let table):
                outputs[pixel] = table.lookup(values).map(Float.init) ?? noData
            }
        }
        if strayCounts.contains(where: { $0 > 0 }) { strays.add(strayCounts) }
    }
}
