import Foundation

/// A step of any kind, as the pipeline runner handles it: its declared paths, its parameters as JSON, and a way
/// to run it. Built from a concrete `Step`, so a pipeline step runs exactly the code its command runs.
public struct AnyStep: Sendable {
    public let kind: String
    public let inputPaths: [String]
    public let outputPaths: [String]
    /// The parameters as given (after substitution), and resolved (defaults filled: what the manifest records).
    public let parameters: JSONValue
    private let runBody: @Sendable (RunContext, OutputTransaction) throws -> Void
    private let resolveBody: @Sendable (@escaping @Sendable (String) -> String) throws -> JSONValue
    private let validateBody: @Sendable () throws -> Void
    private let mapBody: @Sendable (@escaping @Sendable (String) -> String) -> AnyStep
    private let bandsBody: @Sendable (String) -> Set<Int>?

    public init<S: Step>(_ step: S) {
        kind = S.kind
        inputPaths = step.parameters.inputPaths
        outputPaths = step.parameters.outputPaths
        parameters = (try? JSONValue(encoding: step.parameters)) ?? .null
        runBody = { context, transaction in _ = try step.run(in: context, transaction: transaction) }
        resolveBody = { transform in try JSONValue(encoding: try step.parameters.resolved().mappingPaths(transform)) }
        validateBody = { try step.parameters.validate() }
        mapBody = { transform in AnyStep(S(step.parameters.mappingPaths(transform))) }
        bandsBody = { path in step.parameters.bandsRead(from: path) }
    }

    /// The bands of `path` the step reads (nil: any; []: none), see `StepParameters.bandsRead(from:)`.
    public func bandsRead(from path: String) -> Set<Int>? { bandsBody(path) }

    public func run(in context: RunContext, transaction: OutputTransaction) throws { try runBody(context, transaction) }

    /// Parameters with defaults filled in; throws what the step would throw for bad parameters.
    public func resolvedParameters() throws -> JSONValue { try resolveBody { $0 } }

    /// Resolved parameters with their paths written another way (relative to the run directory, for manifests).
    public func resolvedParameters(mappingPaths transform: @escaping @Sendable (String) -> String) throws -> JSONValue {
        try resolveBody(transform)
    }

    /// Checks that need the inputs (fields of a zones layer, band numbers), for those inputs that exist.
    public func validate() throws { try validateBody() }

    public func mappingPaths(_ transform: @escaping @Sendable (String) -> String) -> AnyStep { mapBody(transform) }

    /// Every kind a pipeline may use: its YAML keys, and how to build it from decoded JSON.
    public static let kinds: [String: (keys: [String], make: @Sendable (JSONValue) throws -> AnyStep)] = [
        IndexStep.kind: (IndexParameters.keys, { try make(IndexStep.self, $0) }),
        ClassifyStep.kind: (ClassifyParameters.keys, { try make(ClassifyStep.self, $0) }),
        CombineStep.kind: (CombineParameters.keys, { try make(CombineStep.self, $0) }),
        ZonalStep.kind: (ZonalParameters.keys, { try make(ZonalStep.self, $0) }),
        TrendStep.kind: (TrendParameters.keys, { try make(TrendStep.self, $0) }),
        CompositeStep.kind: (CompositeParameters.keys, { try make(CompositeStep.self, $0) }),
        StateStep.kind: (StateParameters.keys, { try make(StateStep.self, $0) }),
        PerformanceStep.kind: (PerformanceParameters.keys, { try make(PerformanceStep.self, $0) }),
        LandCoverChangeStep.kind: (LandCoverChangeParameters.keys, { try make(LandCoverChangeStep.self, $0) }),
        SOCChangeStep.kind: (SOCChangeParameters.keys, { try make(SOCChangeStep.self, $0) }),
        SDGSummaryStep.kind: (SDGSummaryParameters.keys, { try make(SDGSummaryStep.self, $0) }),
        AssessStep.kind: (AssessParameters.keys, { try make(AssessStep.self, $0) }),
        TrainStep.kind: (TrainParameters.keys, { try make(TrainStep.self, $0) }),
        PredictStep.kind: (PredictParameters.keys, { try make(PredictStep.self, $0) }),
        SampleStep.kind: (SampleParameters.keys, { try make(SampleStep.self, $0) }),
        GridStep.kind: (GridParameters.keys, { try make(GridStep.self, $0) }),
        RasterizeStep.kind: (RasterizeParameters.keys, { try make(RasterizeStep.self, $0) }),
    ]

    static func make<S: Step>(_ type: S.Type, _ json: JSONValue) throws -> AnyStep {
        let data = try JSONEncoder().encode(json)
        return AnyStep(S(try JSONDecoder().decode(S.Parameters.self, from: data)))
    }
}

extension StepParameters {
    /// By default, what `resolved()` checks; kinds that can check their inputs cheaply add to it.
    public func validate() throws { _ = try resolved() }

    /// By default any band of an input (kinds that read named bands say which).
    public func bandsRead(from path: String) -> Set<Int>? {
        let standard = (path as NSString).standardizingPath
        return inputPaths.contains { ($0 as NSString).standardizingPath == standard } ? nil : []
    }
}
