import Foundation

/// `soilmap combine` and the pipeline's `combine` step.
public struct CombineParameters: RasterStepParameters {
    /// Classified maps, in the order the method or table expects.
    public var inputs: [String]
    /// one-out-all-out, worst-of, count or weighted.
    public var method: String?
    /// A rule table: built in (sdg-productivity) or a YAML file.
    public var table: String?
    public var degradedValue: Int?
    /// With method weighted: one weight per input, and the three breaks of the score.
    public var weights: [Double]?
    public var breaks: [Double]?
    /// How input values are read: auto, classes or trends-earth (`CombineInputCodes`).
    public var inputCodes: String?
    public var output: String
    public var format: String?
    public var creationOptions: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inputs, method, table, degradedValue = "degraded_value", weights, breaks, inputCodes = "input_codes", output, format
        case creationOptions = "creation_options"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(inputs: [String], method: String? = nil, table: String? = nil, degradedValue: Int? = nil, weights: [Double]? = nil,
                breaks: [Double]? = nil, inputCodes: String? = nil, output: String, format: String? = nil, creationOptions: [String]? = nil) {
        self.inputs = inputs
        self.weights = weights
        self.breaks = breaks
        self.method = method
        self.table = table
        self.degradedValue = degradedValue
        self.inputCodes = inputCodes
        self.output = output
        self.format = format
        self.creationOptions = creationOptions
    }

    var tableIsFile: Bool { table.map { name in !RuleTable.builtIn.contains { $0.id == name } } ?? false }

    public var inputPaths: [String] { inputs + (tableIsFile ? [table!] : []) }
    public var outputPaths: [String] { [output] }

    public func mappingPaths(_ transform: (String) -> String) -> CombineParameters {
        var copy = self
        copy.inputs = inputs.map(transform)
        if tableIsFile { copy.table = table.map(transform) }
        copy.output = transform(output)
        return copy
    }

    public func resolved() throws -> CombineParameters {
        var copy = self
        switch try combineMethod() {
        case .count: copy.degradedValue = degradedValue ?? 1
        case .weighted(let rule):
            copy.degradedValue = rule.degradedValue
            copy.weights = rule.weights
            copy.breaks = rule.breaks
        default: break
        }
        copy.inputCodes = try combineInputCodes().rawValue
        copy.format = try outputOptions(overwrite: false).format.rawValue
        copy.creationOptions = creationOptions ?? []
        return copy
    }

    /// The method, and maps that can be aligned with each other.
    public func validate() throws {
        _ = try resolved()
        _ = try InputPlan.make(sources: inputs.enumerated().map { BandSource(role: "map\($0.offset + 1)", path: $0.element) },
                               mask: nil, scale: 1, offset: 0)
    }

    /// Exactly one of a method or a rule table (built in by name, else a YAML file).
    public func combineMethod() throws -> CombineMethod {
        if method != "weighted", weights != nil || breaks != nil {
            throw SoilMapError.invalidArgument("--weights and --breaks go with --method weighted")
        }
        switch (method, table) {
        case (nil, let table?):
            if let builtIn = RuleTable.builtIn.first(where: { $0.id == table }) { return .table(builtIn) }
            return .table(try RuleTable.load(yamlFile: table))
        case ("one-out-all-out"?, nil): return .oneOutAllOut
        case ("worst-of"?, nil): return .worstOf
        case ("count"?, nil): return .count(degradedValue: degradedValue ?? 1)
        case ("weighted"?, nil):
            return .weighted(try WeightedDegradation(degradedValue: degradedValue ?? 1, weights: weights ?? inputs.map { _ in 1 },
                                                     breaks: breaks ?? WeightedDegradation.defaultBreaks))
        case (let other?, nil): throw SoilMapError.invalidArgument("--method \(other): use one-out-all-out, worst-of, count or weighted")
        default: throw SoilMapError.invalidArgument("give exactly one of --method or --table")
        }
    }

    public func combineInputCodes() throws -> CombineInputCodes {
        guard let codes = CombineInputCodes(rawValue: inputCodes ?? CombineInputCodes.automatic.rawValue) else {
            throw SoilMapError.invalidArgument("--input-codes \(inputCodes!): use \(CombineInputCodes.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return codes
    }

}

public struct CombineStep: Step {
    public static let kind = "combine"
    public var parameters: CombineParameters

    public init(_ parameters: CombineParameters) { self.parameters = parameters }

    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> CombineSummary {
        let summary = try CombineJob.run(inputs: parameters.inputs, method: try parameters.combineMethod(),
                                         inputCodes: try parameters.combineInputCodes(), to: parameters.output,
                                         output: try parameters.outputOptions(overwrite: context.overwrite, provenanceOf: Self.kind), engine: context.engine,
                                         transaction: transaction)
        summary.warnings.forEach(context.diagnostics.warn)
        return summary
    }
}
