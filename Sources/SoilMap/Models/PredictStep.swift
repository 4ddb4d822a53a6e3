import Digest
import Foundation
import GDAL

/// `soilmap predict` and the pipeline's `predict` step: a model applied over rasters of any size with the tiled
/// engine. A linear model writes the property (Float32, nodata -9999); a classifier writes a class map (Byte,
/// nodata 0, colour table, category names, a .qml beside it) and, with `confidence`, a second band: the share of
/// trees voting for the winning class, in percent.
public struct PredictParameters: RasterStepParameters {
    public var model: String
    public var predictors: [String]
    public var output: String
    public var confidence: Bool?
    public var format: String?
    public var creationOptions: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, predictors, output, confidence, format, creationOptions = "creation_options"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let noData = -9999.0

    public init(model: String, predictors: [String], output: String, confidence: Bool? = nil, format: String? = nil, creationOptions: [String]? = nil) {
        self.model = model
        self.predictors = predictors
        self.output = output
        self.confidence = confidence
        self.format = format
        self.creationOptions = creationOptions
    }

    public var inputPaths: [String] {
        [model] + TrainParameters(plots: nil, field: nil, predictors: predictors, kind: "linear", output: "").inputPaths
    }

    public var outputPaths: [String] { [output] }

    public func mappingPaths(_ transform: (String) -> String) -> PredictParameters {
        var copy = self
        copy.model = transform(model)
        copy.predictors = predictors.map { TrainParameters.mapPredictor($0, transform) }
        copy.output = transform(output)
        return copy
    }

    public func resolved() throws -> PredictParameters {
        var copy = self
        guard !predictors.isEmpty else { throw SoilMapError.invalidArgument("give the model's predictor rasters (--predictors RASTER[:BAND]...)") }
        copy.confidence = confidence ?? false
        copy.format = try outputOptions(overwrite: false).format.rawValue
        copy.creationOptions = creationOptions ?? []
        return copy
    }

    public func validate() throws {
        _ = try resolved()
        let file = try ModelFile.read(model)
        try PredictorList.check(try PredictorList.sources(predictors), against: file, modelPath: model)
    }
}

extension PredictParameters {
    public var commandArguments: [String] {
        var words = [model, "--predictors"] + predictors
        if confidence == true { words.append("--confidence") }
        if let format { words += ["--format", format] }
        for option in creationOptions ?? [] { words += ["--co", option] }
        return words
    }
}

public struct PredictSummary: Sendable {
    public var path: String
    public var kind: ModelKind
    public var warnings: [String]
}

public struct PredictStep: Step {
    public static let kind = "predict"
    public var parameters: PredictParameters

    public init(_ parameters: PredictParameters) { self.parameters = parameters }

    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> PredictSummary {
        let resolved = try parameters.resolved()
        try transaction.check(parameters.output)
        let model = try ModelFile.read(parameters.model)
        if model.kind == .linear, resolved.confidence == true {
            throw SoilMapError.invalidArgument("--confidence is for class maps (random-forest models); \(parameters.model) is a linear model")
        }
        let sources = try PredictorList.sources(resolved.predictors)
        try PredictorList.check(sources, against: model, modelPath: parameters.model)
        let plan = try InputPlan.make(sources: sources, mask: nil, scale: nil, offset: nil)
        let output = try parameters.outputOptions(overwrite: context.overwrite, provenanceOf: Self.kind)
        let modelDigest = try SHA256.file(atPath: parameters.model).sha256
        var metadata = [
            "MODEL_FILE": (parameters.model as NSString).lastPathComponent,
            "MODEL_SHA256": modelDigest,
            "MODEL_KIND": model.kind.rawValue,
            "MODEL_PREDICTORS": model.predictors.map(\.role).joined(separator: ","),
            "SOILMAP_VERSION": SoilMapVersion.string,
        ]
        var warnings: [String]
        switch model.kind {
        case .linear:
            let linear = model.linear!
            let unit = linear.unit.isEmpty ? "" : " (\(linear.unit))"
            metadata["MODEL_TARGET"] = linear.target + unit
            warnings = try RasterResultWriter.write(
                path: parameters.output, plan: plan, bandDescriptions: [linear.target], noData: PredictParameters.noData,
                metadata: metadata, output: output, engine: context.engine, transaction: transaction) {
                LinearPredictionKernel(model: linear, noData: Float(PredictParameters.noData))
            }
        case .randomForest, .kmeans:
            try transaction.check(QGISStyle.stylePath(for: parameters.output))
            let classes = model.classes!
            let scheme = ClassScheme(id: "model", title: model.kind == .kmeans ? "cluster" : (model.training.field ?? "class"),
                                     source: "soilmap predict with \((parameters.model as NSString).lastPathComponent)",
                                     classes: classes.map { ClassDefinition(value: $0.value, label: $0.label, color: $0.color) }, noData: 0)
            let withConfidence = resolved.confidence == true
            if withConfidence, model.kind == .kmeans {
                throw SoilMapError.invalidArgument("--confidence needs a random-forest model (it is the share of trees voting for the class); \(parameters.model) is k-means")
            }
            let descriptions = withConfidence ? [scheme.title, "confidence"] : [scheme.title]
            let values = classes.map { Float($0.value) }
            let forest = model.forest.map { FlatForest($0, classCount: classes.count, featureCount: model.predictors.count) }
            let centres = model.kmeans.map { $0.centres.flatMap { $0 } }
            let featureCount = model.predictors.count
            warnings = try RasterResultWriter.write(
                path: parameters.output, plan: plan, bandDescriptions: descriptions, noData: 0, metadata: metadata,
                output: output, engine: context.engine, transaction: transaction, dataType: .byte,
                bandSetup: { band, index in
                    if index == 0 {
                        try band.setColorTable(scheme.colorTable)
                        try band.setCategoryNames(scheme.categoryNames())
                    } else {
                        try band.setMetadataItem("UNIT", "percent of trees voting for the class")
                    }
                }) {
                ClassPredictionKernel(forest: forest, centres: centres, featureCount: featureCount, classValues: values, withConfidence: withConfidence)
            }
            try QGISStyle.write(QGISStyle.palettedRaster(scheme: scheme), besides: parameters.output, transaction: transaction)
        }
        warnings.forEach(context.diagnostics.warn)
        return PredictSummary(path: parameters.output, kind: model.kind, warnings: warnings)
    }
}

/// The linear model at every pixel; nodata where any predictor has none.
final class LinearPredictionKernel: TileKernel {
    private let model: LinearModel
    private let noData: Float

    init(model: LinearModel, noData: Float) {
        self.model = model
        self.noData = noData
    }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        let p = model.coefficients.count - 1
        for pixel in 0..<window.pixelCount {
            var valid = true
            for j in 0..<p where inputs[j * planeStride + pixel].isNaN { valid = false }
            guard valid else { outputs[pixel] = noData; continue }
            let value = model.predict(inputs + pixel, stride: planeStride)
            outputs[pixel] = value.isFinite ? Float(value) : noData
        }
    }
}

/// Forest votes or nearest k-means centre at every pixel; 0 (nodata) where any predictor has none.
final class ClassPredictionKernel: TileKernel {
    private let forest: FlatForest?
    private let centres: [Double]?
    private let featureCount: Int
    private let classValues: [Float]
    private let withConfidence: Bool
    private var votes: [UInt16] = []
    private var compact: [Double] = []
    private var valid: [Int] = []

    init(forest: FlatForest?, centres: [Double]?, featureCount: Int, classValues: [Float], withConfidence: Bool) {
        self.forest = forest
        self.centres = centres
        self.featureCount = featureCount
        self.classValues = classValues
        self.withConfidence = withConfidence
    }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        let count = window.pixelCount, p = featureCount
        valid.removeAll(keepingCapacity: true)
        for pixel in 0..<count {
            var ok = true
            for j in 0..<p where inputs[j * planeStride + pixel].isNaN { ok = false }
            outputs[pixel] = 0
            if withConfidence { outputs[planeStride + pixel] = 0 }
            if ok { valid.append(pixel) }
        }
        guard !valid.isEmpty else { return }
        // Valid pixels packed together, predictor by predictor.
        let n = valid.count
        if compact.count < n * p { compact = [Double](repeating: 0, count: n * p) }
        for j in 0..<p { for (i, pixel) in valid.enumerated() { compact[j * n + i] = inputs[j * planeStride + pixel] } }
        if let forest {
            if votes.count < n * forest.classCount { votes = [UInt16](repeating: 0, count: n * forest.classCount) }
            let trees = Float(forest.roots.count)
            compact.withUnsafeBufferPointer { values in
                votes.withUnsafeMutableBufferPointer { votes in
                    forest.vote(values: values.baseAddress!, stride: n, count: n, votes: votes.baseAddress!)
                    for (i, pixel) in valid.enumerated() {
                        let winner = forest.winner(votes.baseAddress!, sample: i)
                        outputs[pixel] = classValues[winner.classIndex]
                        if withConfidence { outputs[planeStride + pixel] = max(1, (Float(winner.votes) * 100 / trees).rounded()) }
                    }
                }
            }
        } else if let centres {
            let k = classValues.count
            for (i, pixel) in valid.enumerated() {
                let best = KMeansModel.nearest({ self.compact[$0 * n + i] }, centres: centres, k: k, p: p)
                outputs[pixel] = classValues[best.index]
            }
        }
    }
}
