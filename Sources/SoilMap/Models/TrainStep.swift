import Foundation
import GDAL

/// `soilmap train` and the pipeline's `train` step: a model of a field of plots (or, for k-means, of the rasters
/// alone) on predictor rasters, written as a model file.
public struct TrainParameters: StepParameters {
    /// Points or polygons (any OGR source, any CRS); nil for k-means.
    public var plots: String?
    public var layer: String?
    /// The measured property (linear) or the class (random forest).
    public var field: String?
    /// RASTER[:BAND] or ROLE=RASTER[:BAND], in the order the model will take them.
    public var predictors: [String]
    /// linear, random-forest or kmeans.
    public var kind: String
    public var output: String
    public var seed: Int?
    // linear
    public var logTarget: Bool?
    public var unit: String?
    public var folds: Int?
    // random forest
    public var trees: Int?
    public var maxDepth: Int?
    public var minSamplesSplit: Int?
    public var minSamplesLeaf: Int?
    public var maxFeatures: Int?
    public var classWeight: String?
    public var validation: Double?
    public var blockSize: Double?
    public var cellsPerPolygon: Int?
    /// permutation (and impurity), impurity, or none.
    public var importance: String?
    /// Most assessed samples the permutation importance is measured on (a seeded draw when there are more).
    public var importanceSamples: Int?
    // k-means
    public var classes: Int?
    public var samples: Int?
    public var maxIterations: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        // `kind` is the pipeline's step kind ("train"), so the model's kind is `model_kind` there.
        case plots, layer, field, predictors, kind = "model_kind", output, seed, logTarget = "log_target", unit, folds, trees
        case maxDepth = "max_depth", minSamplesSplit = "min_samples_split", minSamplesLeaf = "min_samples_leaf"
        case maxFeatures = "max_features", classWeight = "class_weight", validation, blockSize = "block_size"
        case cellsPerPolygon = "cells_per_polygon", importance, importanceSamples = "importance_samples", classes, samples, maxIterations = "max_iterations"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    public static let defaultFolds = 5
    public static let defaultTrees = 100
    public static let defaultKMeansSamples = 100_000
    public static let defaultMaxIterations = 300
    public static let defaultImportanceSamples = 20_000

    public init(plots: String?, layer: String? = nil, field: String?, predictors: [String], kind: String, output: String, seed: Int? = nil) {
        self.plots = plots
        self.layer = layer
        self.field = field
        self.predictors = predictors
        self.kind = kind
        self.output = output
        self.seed = seed
    }

    public var inputPaths: [String] {
        var paths: [String] = []
        if let plots { paths.append(plots) }
        for text in predictors {
            var rest = text
            if let equals = text.firstIndex(of: "=") { rest = String(text[text.index(after: equals)...]) }
            if let colon = rest.lastIndex(of: ":"), Int(rest[rest.index(after: colon)...]) != nil { rest = String(rest[..<colon]) }
            if !paths.contains(rest) { paths.append(rest) }
        }
        return paths
    }

    public var outputPaths: [String] { [output] }

    public func mappingPaths(_ transform: (String) -> String) -> TrainParameters {
        var copy = self
        copy.plots = plots.map(transform)
        copy.predictors = predictors.map { Self.mapPredictor($0, transform) }
        copy.output = transform(output)
        return copy
    }

    static func mapPredictor(_ text: String, _ transform: (String) -> String) -> String {
        var prefix = "", rest = text, suffix = ""
        if let equals = text.firstIndex(of: "="), equals != text.startIndex { prefix = String(text[...equals]); rest = String(text[text.index(after: equals)...]) }
        if let colon = rest.lastIndex(of: ":"), colon != rest.startIndex, Int(rest[rest.index(after: colon)...]) != nil {
            suffix = String(rest[colon...])
            rest = String(rest[..<colon])
        }
        return prefix + transform(rest) + suffix
    }

    public func modelKind() throws -> ModelKind {
        guard let parsed = ModelKind(rawValue: kind) else {
            throw SoilMapError.invalidArgument("--kind \(kind): use \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return parsed
    }

    public func resolved() throws -> TrainParameters {
        var copy = self
        let kind = try modelKind()
        guard !predictors.isEmpty else { throw SoilMapError.invalidArgument("give at least one predictor raster (--predictors RASTER[:BAND]...)") }
        copy.seed = seed ?? 0
        func refuse(_ option: String, _ given: Bool) throws {
            if given { throw SoilMapError.invalidArgument("\(option) does not apply to --kind \(kind.rawValue)") }
        }
        try refuse("--log-target/--unit/--folds", kind != .linear && (logTarget != nil || unit != nil || folds != nil))
        try refuse("--trees/--max-depth/--min-samples-split/--min-samples-leaf/--max-features/--class-weight/--validation/--block-size/--importance/--importance-samples",
                   kind != .randomForest && (trees != nil || maxDepth != nil || minSamplesSplit != nil || minSamplesLeaf != nil
                                             || maxFeatures != nil || classWeight != nil || validation != nil || blockSize != nil
                                             || importance != nil || importanceSamples != nil))
        try refuse("--classes/--samples/--max-iterations", kind != .kmeans && (classes != nil || samples != nil || maxIterations != nil))
        switch kind {
        case .linear, .randomForest:
            guard plots != nil, let field, !field.isEmpty else {
                throw SoilMapError.invalidArgument("--kind \(kind.rawValue) needs plots (POINTS or POLYGONS) and --field")
            }
            if let cellsPerPolygon, cellsPerPolygon < 1 { throw SoilMapError.invalidArgument("--cells-per-polygon \(cellsPerPolygon): use 1 or more") }
        case .kmeans:
            try refuse("plots and --field", plots != nil || field != nil || cellsPerPolygon != nil)
        }
        switch kind {
        case .linear:
            copy.logTarget = logTarget ?? false
            copy.unit = unit ?? ""
            copy.folds = folds ?? Self.defaultFolds
            if copy.folds! == 1 || copy.folds! < 0 { throw SoilMapError.invalidArgument("--folds \(copy.folds!): use 2 or more, or 0 for no cross-validation") }
        case .randomForest:
            copy.trees = trees ?? Self.defaultTrees
            copy.minSamplesSplit = minSamplesSplit ?? 2
            copy.minSamplesLeaf = minSamplesLeaf ?? 1
            copy.maxFeatures = maxFeatures ?? max(1, Int(Double(predictors.count).squareRoot()))
            copy.classWeight = classWeight ?? "none"
            copy.validation = validation ?? 0
            copy.importance = importance ?? ForestImportance.permutation.rawValue
            guard ForestImportance(rawValue: copy.importance!) != nil else {
                throw SoilMapError.invalidArgument("--importance \(copy.importance!): use \(ForestImportance.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            copy.importanceSamples = importanceSamples ?? Self.defaultImportanceSamples
            guard copy.importanceSamples! >= 1 else { throw SoilMapError.invalidArgument("--importance-samples \(copy.importanceSamples!): use 1 or more") }
            try copy.forestHyperParameters().validate(featureCount: predictors.count)
        case .kmeans:
            guard let classes else { throw SoilMapError.invalidArgument("--kind kmeans needs --classes K (the number of clusters)") }
            guard (2...250).contains(classes) else { throw SoilMapError.invalidArgument("--classes \(classes): use 2 to 250 clusters") }
            copy.samples = samples ?? Self.defaultKMeansSamples
            copy.maxIterations = maxIterations ?? Self.defaultMaxIterations
            guard copy.samples! >= classes else { throw SoilMapError.invalidArgument("--samples \(copy.samples!): use at least --classes (\(classes))") }
            guard copy.maxIterations! >= 1 else { throw SoilMapError.invalidArgument("--max-iterations \(copy.maxIterations!): use 1 or more") }
        }
        return copy
    }

    func forestHyperParameters() -> ForestHyperParameters {
        ForestHyperParameters(trees: trees ?? Self.defaultTrees, maxDepth: maxDepth, minSamplesSplit: minSamplesSplit ?? 2,
                              minSamplesLeaf: minSamplesLeaf ?? 1, maxFeatures: maxFeatures ?? max(1, Int(Double(predictors.count).squareRoot())),
                              bootstrap: true, classWeight: classWeight ?? "none", seed: seed ?? 0)
    }
}

extension TrainParameters {
    public var commandArguments: [String] {
        var words = plots.map { [$0] } ?? []
        if let layer { words += ["--layer", layer] }
        if let field { words += ["--field", field] }
        words += ["--predictors"] + predictors + ["--kind", kind]
        if let seed { words += ["--seed", String(seed)] }
        if logTarget == true { words.append("--log-target") }
        if let unit { words += ["--unit", unit] }
        if let folds { words += ["--folds", String(folds)] }
        if let trees { words += ["--trees", String(trees)] }
        if let maxDepth { words += ["--max-depth", String(maxDepth)] }
        if let minSamplesSplit { words += ["--min-samples-split", String(minSamplesSplit)] }
        if let minSamplesLeaf { words += ["--min-samples-leaf", String(minSamplesLeaf)] }
        if let maxFeatures { words += ["--max-features", String(maxFeatures)] }
        if let classWeight { words += ["--class-weight", classWeight] }
        if let validation { words += ["--validation", numberText(validation)] }
        if let blockSize { words += ["--block-size", numberText(blockSize)] }
        if let cellsPerPolygon { words += ["--cells-per-polygon", String(cellsPerPolygon)] }
        if let importance { words += ["--importance", importance] }
        if let importanceSamples { words += ["--importance-samples", String(importanceSamples)] }
        if let classes { words += ["--classes", String(classes)] }
        if let samples { words += ["--samples", String(samples)] }
        if let maxIterations { words += ["--max-iterations", String(maxIterations)] }
        return words
    }
}

/// What a training run wrote and found.
public struct TrainSummary: Sendable {
    public var path: String
    public var model: ModelFile
}

public struct TrainStep: Step {
    public static let kind = "train"
    public var parameters: TrainParameters

    public init(_ parameters: TrainParameters) { self.parameters = parameters }

    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> TrainSummary {
        let resolved = try parameters.resolved()
        try transaction.check(parameters.output)
        let kind = try resolved.modelKind()
        let sources = try PredictorList.sources(resolved.predictors)
        let plan = try InputPlan.make(sources: sources, mask: nil, scale: nil, offset: nil)
        let seed = resolved.seed ?? 0
        var model: ModelFile
        switch kind {
        case .linear: model = try trainLinear(resolved, sources: sources, plan: plan, context: context)
        case .randomForest: model = try trainForest(resolved, sources: sources, plan: plan, context: context)
        case .kmeans: model = try trainKMeans(resolved, sources: sources, plan: plan, context: context)
        }
        model.seed = seed
        try model.write(to: parameters.output, transaction: transaction)
        return TrainSummary(path: parameters.output, model: model)
    }

    private func warnEmptyPlots(_ samples: TrainingSamples, _ resolved: TrainParameters, _ context: RunContext) {
        guard !samples.emptyPlots.isEmpty else { return }
        let shown = samples.emptyPlots.prefix(10).map(String.init).joined(separator: ", ") + (samples.emptyPlots.count > 10 ? ", ..." : "")
        context.diagnostics.warn("\(resolved.plots!): \(samples.emptyPlots.count) plot(s) lie outside the rasters or have no cell where every predictor has a value; they are left out (FID \(shown))")
    }

    private func record(_ samples: TrainingSamples, _ resolved: TrainParameters) -> TrainingRecord {
        TrainingRecord(source: resolved.plots.map { ($0 as NSString).lastPathComponent }, layer: resolved.layer, field: resolved.field,
                       sampling: samples.sampling, plots: samples.plotIDs.count, samples: samples.count, droppedCells: samples.droppedCells,
                       sha256: samples.sha256)
    }

    private func trainLinear(_ resolved: TrainParameters, sources: [BandSource], plan: InputPlan, context: RunContext) throws -> ModelFile {
        let samples = try TrainingSamples.extract(plots: resolved.plots!, layer: resolved.layer, field: resolved.field!, target: .numeric,
                                                 plan: plan, predictors: sources, cellsPerPolygon: resolved.cellsPerPolygon,
                                                 seed: UInt64(bitPattern: Int64(resolved.seed ?? 0)))
        warnEmptyPlots(samples, resolved, context)
        var targets = samples.targets
        if resolved.logTarget == true {
            if let index = targets.firstIndex(where: { $0 <= 0 }) {
                throw SoilMapError.invalidInput(path: resolved.plots!, "feature FID \(samples.plotIDs[samples.plots[index]]): '\(resolved.field!)' is \(numberText(targets[index])); --log-target needs values above 0")
            }
            targets = targets.map { log($0) }
        }
        let names = sources.map(\.role)
        let fit = try LinearRegression.fit(features: samples.features, targets: targets, predictorCount: sources.count, names: names)
        let folds = resolved.folds ?? TrainParameters.defaultFolds
        let validation = folds == 0 ? nil : try LinearRegression.crossValidate(features: samples.features, targets: targets, predictorCount: sources.count,
                                                                                 names: names, folds: folds, seed: resolved.seed ?? 0)
        var model = ModelFile(kind: .linear, predictors: PredictorList.record(sources), training: record(samples, resolved), seed: resolved.seed)
        model.linear = LinearModel(terms: ["intercept"] + names, coefficients: fit.coefficients, standardErrors: fit.standardErrors,
                                   tValues: fit.tValues, pValues: fit.pValues, target: resolved.field!, unit: resolved.unit ?? "",
                                   logTarget: resolved.logTarget ?? false, statistics: fit.statistics, crossValidation: validation)
        return model
    }

    private func trainForest(_ resolved: TrainParameters, sources: [BandSource], plan: InputPlan, context: RunContext) throws -> ModelFile {
        let all = try TrainingSamples.extract(plots: resolved.plots!, layer: resolved.layer, field: resolved.field!, target: .category,
                                             plan: plan, predictors: sources, cellsPerPolygon: resolved.cellsPerPolygon,
                                             seed: UInt64(bitPattern: Int64(resolved.seed ?? 0)))
        warnEmptyPlots(all, resolved, context)
        let classCount = all.labels.count
        guard classCount >= 2 else {
            throw SoilMapError.invalidInput(path: resolved.plots!, "field '\(resolved.field!)' has a single class ('\(all.labels.first ?? "")'): a classifier needs two or more")
        }
        guard classCount <= 254 else { throw SoilMapError.invalidInput(path: resolved.plots!, "field '\(resolved.field!)' has \(classCount) classes; a class map holds at most 254") }
        var perClass = [Int](repeating: 0, count: classCount)
        for target in all.targets { perClass[Int(target)] += 1 }
        if let lonely = perClass.firstIndex(where: { $0 < 2 }) {
            let sample = all.targets.firstIndex { Int($0) == lonely }!
            throw SoilMapError.invalidInput(path: resolved.plots!, "class '\(all.labels[lonely])' of field '\(resolved.field!)' has a single sample (feature FID \(all.plotIDs[all.plots[sample]])): every class needs at least 2; add plots or merge the class")
        }
        let parameters = resolved.forestHyperParameters()
        let split = try ValidationSplit.make(all, classCount: classCount, share: resolved.validation ?? 0, blockSize: resolved.blockSize,
                                             seed: resolved.seed ?? 0)
        let training = all.subset(split.training)
        let (trees, importance) = try RandomForestTrainer.train(training, classCount: classCount, parameters: parameters,
                                                                threads: context.threads, progress: context.progress)
        let method = ForestImportance(rawValue: resolved.importance ?? "") ?? .permutation
        var forest = RandomForestModel(hyperParameters: parameters, trees: trees, impurityImportance: method == .none ? [] : importance,
                                       permutationImportance: [], assessedOn: split.validation.isEmpty ? "training" : "validation",
                                       accuracy: .nan, importance: method)
        let assessed = split.validation.isEmpty ? training : all.subset(split.validation)
        let flat = FlatForest(forest, classCount: classCount, featureCount: sources.count)
        forest.accuracy = RandomForestTrainer.accuracy(forest: flat, samples: assessed)
        if method == .permutation {
            let cap = resolved.importanceSamples ?? TrainParameters.defaultImportanceSamples
            let drawn = RandomForestTrainer.importanceSample(count: assessed.count, cap: cap, seed: resolved.seed ?? 0)
            let measured = try RandomForestTrainer.permutationImportance(forest: flat, samples: drawn.map(assessed.subset) ?? assessed,
                                                                         seed: resolved.seed ?? 0, threads: context.threads)
            forest.permutationImportance = measured.importance
            forest.permutationSamples = drawn?.count ?? assessed.count
            forest.permutationMaxSamples = cap
        }
        var record = record(training, resolved)
        record.plots = all.plotIDs.count
        record.droppedCells = all.droppedCells
        if !split.validation.isEmpty {
            record.validationSamples = split.validation.count
            if resolved.blockSize == nil { record.validationPlots = split.validationPlots } else { record.validationBlocks = split.validationBlocks }
        }
        var model = ModelFile(kind: .randomForest, predictors: PredictorList.record(sources), training: record, seed: resolved.seed)
        model.classes = ModelPalette.classes(labels: all.labels, counts: (0..<classCount).map { k in training.targets.filter { Int($0) == k }.count })
        model.forest = forest
        return model
    }

    private func trainKMeans(_ resolved: TrainParameters, sources: [BandSource], plan: InputPlan, context: RunContext) throws -> ModelFile {
        let k = resolved.classes!
        let lattice = try LatticeSample.read(plan: plan, maxSamples: resolved.samples ?? TrainParameters.defaultKMeansSamples)
        guard lattice.count >= k else {
            throw SoilMapError.invalidInput(path: sources[0].path, "has \(lattice.count) valid cells in the sample (every \(lattice.step) cells), fewer than --classes \(k)")
        }
        let p = sources.count
        let result = try KMeansTrainer.train(rows: lattice.rows, featureCount: p, k: k, seed: resolved.seed ?? 0,
                                             maxIterations: resolved.maxIterations ?? TrainParameters.defaultMaxIterations, progress: context.progress)
        if !result.converged {
            context.diagnostics.warn("k-means stopped at --max-iterations \(result.iterations) before converging; the clusters may still move")
        }
        let digest = TrainingSamples(featureCount: p, features: lattice.rows, targets: [], labels: [], plots: [], plotIDs: [], x: [], y: [],
                                     droppedCells: lattice.dropped, sampling: "")
        let record = TrainingRecord(source: nil, layer: nil, field: nil,
                                    sampling: "valid cells at rows and columns 0, \(lattice.step), \(2 * lattice.step), ... of the grid",
                                    plots: 0, samples: lattice.count, droppedCells: lattice.dropped, sha256: digest.sha256)
        var model = ModelFile(kind: .kmeans, predictors: PredictorList.record(sources), training: record, seed: resolved.seed)
        func split(_ flat: [Double]) -> [[Double]] { (0..<k).map { Array(flat[($0 * p)..<(($0 + 1) * p)]) } }
        var counts = [Int](repeating: 0, count: k)
        for label in result.labels { counts[label] += 1 }
        model.classes = ModelPalette.classes(labels: (1...k).map { "cluster \($0)" }, counts: counts, useNumericLabels: false)
        model.kmeans = KMeansModel(k: k, initialCentres: split(result.initial), centres: split(result.centres), iterations: result.iterations,
                                   converged: result.converged, maxIterations: resolved.maxIterations ?? TrainParameters.defaultMaxIterations,
                                   inertia: result.inertia, sampleStep: lattice.step, samples: lattice.count)
        return model
    }
}
