import Foundation

/// `soilmap classify` and the pipeline's `classify` step.
public struct ClassifyParameters: RasterStepParameters {
    public var input: String
    public var band: Int?
    /// A built-in scheme's id, or a YAML scheme file (.yaml/.yml).
    public var scheme: String?
    public var breaks: [Double]?
    public var rightClosed: Bool?
    /// Breaks from the data: quantile, equal-interval, natural-breaks, mean-std.
    public var method: String?
    public var classes: Int?
    /// "en" or "vi".
    public var labels: String?
    public var output: String
    /// A PNG map (classes, legend, title, scale bar), committed with the class map.
    public var quicklook: String?
    public var title: String?
    public var format: String?
    public var creationOptions: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case input, band, scheme, breaks, rightClosed = "right_closed", method, classes, labels, output, quicklook, title, format
        case creationOptions = "creation_options"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(input: String, band: Int? = nil, scheme: String? = nil, breaks: [Double]? = nil, rightClosed: Bool? = nil,
                method: String? = nil, classes: Int? = nil, labels: String? = nil, output: String, quicklook: String? = nil,
                title: String? = nil, format: String? = nil, creationOptions: [String]? = nil) {
        self.input = input
        self.band = band
        self.scheme = scheme
        self.breaks = breaks
        self.rightClosed = rightClosed
        self.method = method
        self.classes = classes
        self.labels = labels
        self.output = output
        self.quicklook = quicklook
        self.title = title
        self.format = format
        self.creationOptions = creationOptions
    }

    var schemeIsFile: Bool { scheme.map { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") } ?? false }

    public var inputPaths: [String] { [input] + (schemeIsFile ? [scheme!] : []) }
    public var outputPaths: [String] { [output] + (quicklook.map { [$0] } ?? []) }

    /// The classified band of the input (and nothing of a scheme file's path, which is not a raster).
    public func bandsRead(from path: String) -> Set<Int>? {
        let standard = (path as NSString).standardizingPath
        return (input as NSString).standardizingPath == standard ? [band ?? 1] : []
    }

    public func mappingPaths(_ transform: (String) -> String) -> ClassifyParameters {
        var copy = self
        copy.input = transform(input)
        if schemeIsFile { copy.scheme = scheme.map(transform) }
        copy.output = transform(output)
        copy.quicklook = quicklook.map(transform)
        return copy
    }

    public func resolved() throws -> ClassifyParameters {
        _ = try rule()
        var copy = self
        copy.band = band ?? 1
        copy.labels = labels ?? "en"
        if breaks != nil { copy.rightClosed = rightClosed ?? false }
        if method != nil { copy.classes = classes ?? 5 }
        copy.format = try outputOptions(overwrite: false).format.rawValue
        copy.creationOptions = creationOptions ?? []
        return copy
    }

    /// The rule, and the band to classify exists.
    public func validate() throws {
        _ = try resolved()
        _ = try InputPlan.make(sources: [BandSource(role: "value", path: input, band: band ?? 1)], mask: nil, scale: nil, offset: nil)
    }

    /// The classification rule: exactly one of a scheme (built-in name or YAML file), breaks, or a method.
    public func rule() throws -> ClassificationRule {
        let given = [scheme != nil, breaks != nil, method != nil].filter { $0 }.count
        guard given == 1 else { throw SoilMapError.invalidArgument("give exactly one of --scheme, --breaks or --method") }
        guard ["en", "vi"].contains(labels ?? "en") else { throw SoilMapError.invalidArgument("--labels \(labels!): use en or vi") }
        if let scheme {
            return .scheme(schemeIsFile ? try ClassScheme.load(yamlFile: scheme) : try BuiltInSchemes.named(scheme))
        }
        if let breaks { return .breaks(breaks, rightClosed: rightClosed ?? false) }
        guard let parsed = BreakMethod(rawValue: method!) else {
            throw SoilMapError.invalidArgument("--method \(method!): use one of \(BreakMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (2...254).contains(classes ?? 5) else { throw SoilMapError.invalidArgument("--classes must be between 2 and 254") }
        return .data(DataBreaks(method: parsed, classes: classes ?? 5))
    }

}

public struct ClassifyStep: Step {
    public static let kind = "classify"
    public var parameters: ClassifyParameters

    public init(_ parameters: ClassifyParameters) { self.parameters = parameters }

    /// The class map, then its quicklook drawn from the class map before either is committed: a failed quicklook
    /// leaves neither.
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> ClassifySummary {
        let parameters = self.parameters
        if let quicklook = parameters.quicklook { try transaction.check(quicklook) }
        let request = ClassifyRequest(input: parameters.input, band: parameters.band ?? 1, rule: try parameters.rule(),
                                      vietnameseLabels: parameters.labels == "vi")
        let summary = try ClassifyJob.run(request, to: parameters.output, output: try parameters.outputOptions(overwrite: context.overwrite, provenanceOf: Self.kind),
                                          engine: context.engine, transaction: transaction)
        summary.warnings.forEach(context.diagnostics.warn)
        if let quicklook = parameters.quicklook {
            let options = Quicklook.Options(title: parameters.title ?? summary.scheme.title,
                                            subtitle: "\((parameters.input as NSString).lastPathComponent) · \(summary.scheme.source.prefix(90))")
            try Quicklook.render(classified: transaction.temporaryPath(of: parameters.output) ?? parameters.output, to: quicklook,
                                 options: options, transaction: transaction)
        }
        return summary
    }
}
