import Foundation
import GDAL

/// One output band of an index run: a catalogue index, or a user expression (`--expr NAME=...`).
public struct IndexOutput: Sendable, Equatable {
    public var id: String
    public var formula: String
    public var constants: [String: Double]
    public var source: String

    /// Looks up catalogue ids ("NDVI", "SAVI", ...), case-insensitively.
    public static func catalogue(_ id: String) throws -> IndexOutput {
        guard let index = IndexCatalogue.index(id) else {
            throw SoilMapError.invalidArgument("unknown index '\(id)' (see `soilmap indices`; for other band math use --expr 'NAME=formula')")
        }
        return IndexOutput(id: index.id, formula: index.formula, constants: index.constants, source: index.source)
    }

    /// Parses `NAME=formula`.
    public static func expression(_ text: String) throws -> IndexOutput {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex,
              !text[text.index(after: equals)...].hasPrefix("=") else {
            throw SoilMapError.invalidArgument("--expr \(text): expected NAME=formula, e.g. 'NDVI=(nir-red)/(nir+red)'")
        }
        let name = text[..<equals].trimmingCharacters(in: .whitespaces)
        let formula = String(text[text.index(after: equals)...])
        _ = try Expression(parsing: formula)
        return IndexOutput(id: name, formula: formula, constants: [:], source: "user expression")
    }
}

/// Everything an index run needs besides the output: which indices, from which bands, how to read them.
public struct IndexRequest: Sendable {
    public var outputs: [IndexOutput]
    public var sources: [BandSource]
    public var mask: MaskSource?
    /// Reflectance = stored x scale + offset; nil: the band's own metadata, else 1 and 0.
    public var scale: Double?
    public var offset: Double?
    /// Nodata of the inputs when a band declares none (a sensor's fill value).
    public var inputNoData: Double?
    /// Overrides of constants: "L" for every index that has L, "SAVI.L" for one index.
    public var parameters: [String: Double]
    public var noData: Double
    public var resampling: String
    /// Written into the output's metadata besides soilmap's own (a product's date, id and tile).
    public var metadata: [String: String] = [:]

    public init(outputs: [IndexOutput], sources: [BandSource], mask: MaskSource? = nil, scale: Double? = nil, offset: Double? = nil,
                inputNoData: Double? = nil, parameters: [String: Double] = [:], noData: Double = -9999, resampling: String = "near") {
        self.outputs = outputs
        self.sources = sources
        self.mask = mask
        self.scale = scale
        self.offset = offset
        self.inputNoData = inputNoData
        self.parameters = parameters
        self.noData = noData
        self.resampling = resampling
    }

    /// Fills in what a sensor preset knows: stack band numbers for roles not given (when `stack` is set), the
    /// reflectance scale and offset and the fill value when not given, and the mask rule.
    public mutating func apply(sensor: SensorPreset, stack: String?) {
        if let stack {
            let needed = Set(outputs.flatMap { (try? Expression(parsing: $0.formula).variables) ?? [] })
            for role in BandRole.all where needed.contains(role) && !sources.contains(where: { $0.role == role }) {
                if let number = sensor.stackBands[role] { sources.append(BandSource(role: role, path: stack, band: number)) }
            }
        }
        scale = scale ?? sensor.scale
        offset = offset ?? sensor.offset
        inputNoData = inputNoData ?? sensor.noData
    }

    /// Fills in what a product's metadata knows: the bands the outputs need and the explicit bands do not give,
    /// each with its own reflectance conversion, the fill value, the mask (its rule replaced by `maskValues` or
    /// `maskBits`; none when `maskGiven`, the caller's mask replacing it) and the date, product and tile.
    public mutating func apply(product: SatelliteProduct, maskValues: [Double]?, maskBits: [Int]?, maskGiven: Bool) throws {
        let needed = Set(outputs.flatMap { (try? Expression(parsing: $0.formula).variables) ?? [] })
        let roles = BandRole.all + needed.subtracting(BandRole.all).filter { product.bands[$0] != nil }.sorted()
        for role in roles where needed.contains(role) && !sources.contains(where: { $0.role == role }) {
            let band = try product.band(for: role)
            sources.append(BandSource(role: role, path: band.path, conversion: band.conversion))
        }
        inputNoData = inputNoData ?? product.noData
        if !maskGiven, let productMask = product.mask {
            guard VirtualFiles.exists(productMask.path) else {
                throw SoilMapError.invalidInput(path: product.path, "\(product.kind.rawValue) product \(product.productID): its mask file is listed in its metadata but missing (\(productMask.path))")
            }
            var rule = productMask.rule
            if let maskValues { rule = .values(maskValues) } else if let maskBits { rule = .bits(maskBits) }
            mask = MaskSource(path: productMask.path, band: productMask.band, rule: rule)
        }
        metadata.merge(product.outputMetadata) { _, new in new }
    }

    /// Every file the run reads: an output must never be one of them.
    public var inputPaths: [String] { sources.map(\.path) + (mask.map { [$0.path] } ?? []) }

    /// The constants of one output after the overrides.
    func constants(of output: IndexOutput) -> [String: Double] {
        var values = output.constants
        for key in values.keys {
            if let value = parameters["\(output.id).\(key)"] ?? parameters[key] { values[key] = value }
        }
        return values
    }
}

extension IndexRequest {
    /// Every formula compiled and every argument checked, before any file is opened: the outputs with their
    /// expressions and constants, and the band roles they read, in order. `soilmap validate` reaches the same checks.
    public func compiled() throws -> (expressions: [(IndexOutput, Expression, [String: Double])], roles: [String]) {
        guard !outputs.isEmpty else { throw SoilMapError.invalidArgument("no index or expression asked for") }
        let duplicates = Dictionary(grouping: outputs.map(\.id), by: { $0.lowercased() }).filter { $0.value.count > 1 }.keys
        guard duplicates.isEmpty else {
            throw SoilMapError.invalidArgument("output '\(duplicates.sorted().joined(separator: ", "))' asked for twice")
        }
        let roleGroups = Dictionary(grouping: sources, by: \.role).filter { $0.value.count > 1 }.keys
        guard roleGroups.isEmpty else {
            throw SoilMapError.invalidArgument("band role '\(roleGroups.sorted().joined(separator: ", "))' given twice")
        }
        let unknownParameters = parameters.keys.filter { key in
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                return !outputs.contains { $0.id.caseInsensitiveCompare(parts[0]) == .orderedSame && $0.constants[parts[1]] != nil }
            }
            return !outputs.contains { $0.constants[key] != nil }
        }
        guard unknownParameters.isEmpty else {
            throw SoilMapError.invalidArgument("--param \(unknownParameters.sorted().joined(separator: ", ")): no requested index has such a constant")
        }
        // A NaN or infinite constant makes every pixel nodata.
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) where !value.isFinite {
            throw SoilMapError.invalidArgument("--param \(key)=\(value): constants must be finite numbers")
        }
        guard Float(noData).isFinite else {
            throw SoilMapError.invalidArgument("--nodata \(noData): not representable in Float32, the output's type (finite, at most ±\(Float.greatestFiniteMagnitude))")
        }
        // Compile every formula; read only the bands they need.
        var expressions: [(IndexOutput, Expression, [String: Double])] = []
        var needed: [String] = []
        for output in outputs {
            let expression = try Expression(parsing: output.formula)
            let constants = self.constants(of: output)
            for role in expression.substituting(constants).variables where !needed.contains(role) { needed.append(role) }
            expressions.append((output, expression, constants))
        }
        // A role that no formula reads and that is no band role soilmap knows is a typo: say so before the missing band.
        for source in sources where !needed.contains(source.role) && !BandRole.all.contains(source.role) {
            let suggestion = IndexJob.closestName(to: source.role, among: needed + BandRole.all).map { "did you mean '\($0)'? " } ?? ""
            let ids = outputs.map(\.id)
            throw SoilMapError.invalidArgument("--band \(source.role): no requested index reads a band '\(source.role)' (\(suggestion)"
                                               + "\(ids.joined(separator: ", ")) \(ids.count == 1 ? "needs" : "need") \(needed.joined(separator: ", ")))")
        }
        for (output, expression, constants) in expressions {
            for role in expression.substituting(constants).variables where !sources.contains(where: { $0.role == role }) {
                throw SoilMapError.invalidArgument("\(output.id) needs the band '\(role)' (give --band \(role)=N or --band \(role)=FILE)")
            }
        }
        return (expressions, needed)
    }
}

/// What an index run did.
public struct IndexRunSummary: Sendable {
    public var path: String
    public var bandDescriptions: [String]
    public var width: Int
    public var height: Int
    public var inputs: [BandSource]
    public var warpedInputs: [String]
    /// What the run did but doubts: reflectance bands far outside their physical range, creation options GDAL
    /// ignores.
    public var warnings: [String]
}

public enum IndexJob {
    /// Computes the requested indices in one pass over the inputs and writes a multi-band Float32 raster,
    /// band descriptions = index ids, nodata = `request.noData`.
    @discardableResult
    public static func run(_ request: IndexRequest, to path: String, output: RasterOutputOptions = RasterOutputOptions(),
                           engine: EngineOptions = EngineOptions(), transaction: OutputTransaction? = nil) throws -> IndexRunSummary {
        try OutputTransaction.within(transaction, overwrite: output.overwrite, inputs: request.inputPaths) { transaction in
            try write(request, to: path, output: output, engine: engine, transaction: transaction)
        }
    }

    private static func write(_ request: IndexRequest, to path: String, output: RasterOutputOptions, engine: EngineOptions,
                              transaction: OutputTransaction) throws -> IndexRunSummary {
        try transaction.check(path)
        let (expressions, needed) = try request.compiled()
        let sources = request.sources.filter { needed.contains($0.role) }
        let plan = try InputPlan.make(sources: sources, mask: request.mask, scale: request.scale, offset: request.offset,
                                      noData: request.inputNoData, resampling: request.resampling)
        let roles = sources.map(\.role)
        let programs = try expressions.map { try BandMathProgram(expression: $0.1, inputs: roles, constants: $0.2) }
        let noData = Float(request.noData)
        var metadata = request.metadata
        metadata["SOILMAP_VERSION"] = SoilMapVersion.string
        for (output, _, constants) in expressions {
            metadata["\(output.id)_FORMULA"] = output.formula
            if !constants.isEmpty {
                metadata["\(output.id)_CONSTANTS"] = constants.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            }
        }
        let rangeCheck = ReflectanceRangeCheck(planes: roles.indices.filter { BandRole.all.contains(roles[$0]) })
        var warnings = try RasterResultWriter.write(path: path, plan: plan, bandDescriptions: request.outputs.map(\.id),
                                                    noData: request.noData, metadata: metadata, output: output, engine: engine,
                                                    transaction: transaction) {
            IndexKernel(programs: programs, noData: noData, rangeCheck: rangeCheck)
        }
        if let shard = engine.shard { try rangeCheck.share(through: shard) }
        warnings += rangeCheck.warnings(inputs: plan.inputs.filter { $0.maskRule == nil }, roles: roles)
        return IndexRunSummary(path: path, bandDescriptions: request.outputs.map(\.id), width: plan.grid.width,
                               height: plan.grid.height, inputs: sources,
                               warpedInputs: plan.inputs.filter(\.needsWarp).map(\.path), warnings: warnings)
    }

    /// The candidate closest to a misspelt `name`: at most two edits away (a swap of neighbours counts as one),
    /// and fewer edits than the name has letters.
    static func closestName(to name: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2, best.1 < name.count else { return nil }
        return best.0
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of adjacent letters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1) }
            }
        }
        return table[a.count][b.count]
    }
}

/// Evaluates every compiled formula of a run over a tile.
final class IndexKernel: TileKernel {
    private let programs: [BandMathProgram]
    private let scratches: [BandMathProgram.Scratch]
    private let noData: Float
    private let rangeCheck: ReflectanceRangeCheck?

    init(programs: [BandMathProgram], noData: Float, rangeCheck: ReflectanceRangeCheck? = nil) {
        self.programs = programs
        scratches = programs.map { $0.makeScratch() }
        self.noData = noData
        self.rangeCheck = rangeCheck
    }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        rangeCheck?.add(window: window, inputs: inputs, planeStride: planeStride)
        let count = window.pixelCount
        for (index, program) in programs.enumerated() {
            let planes = (0..<program.inputNames.count).map { inputs + $0 * planeStride }
            program.evaluate(inputs: planes, count: count, output: outputs + index * planeStride, noData: noData, scratch: scratches[index])
        }
    }
}
