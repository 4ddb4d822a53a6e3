import ArgumentParser
import Foundation
import SoilMap

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fit a model of plots on predictor rasters: linear calibration, random forest or k-means.",
        discussion: """
        Writes a versioned model file (JSON) with the predictors' roles, the fit and the training data's SHA-256.
        Examples:
          soilmap train ec_points.gpkg --field EC --predictors ndvi.tif swir1=L7.tif:5 --kind linear --unit dS/m -o ec.json
          soilmap train plots.shp --field label --predictors b1.tif b2.tif b3.tif --kind random-forest --trees 100 --seed 7 -o rf.json
          soilmap train --predictors b1.tif b2.tif b3.tif --kind kmeans --classes 6 --seed 1 -o km.json
        """
    )

    @Argument(help: "Training plots: points or polygons, any OGR source and CRS (not for k-means).")
    var plots: String?

    @Option(help: "The plots' layer (default: the first).")
    var layer: String?

    @Option(help: "The measured property (linear) or the class (random-forest).")
    var field: String?

    @Option(parsing: .upToNextOption, help: "Predictor rasters, RASTER[:BAND] or ROLE=RASTER[:BAND], in order.")
    var predictors: [String] = []

    @Option(help: "linear, random-forest or kmeans.")
    var kind: String

    @Option(help: "Seed of every random choice (folds, bootstrap, splits, k-means++).")
    var seed: Int = 0

    @Flag(name: .customLong("log-target"), help: "linear: fit the natural logarithm of the field.")
    var logTarget = false

    @Option(help: "linear: the field's unit (recorded in the model and the map).")
    var unit: String?

    @Option(help: "linear: k of the k-fold cross-validation (default 5; 0: none).")
    var folds: Int?

    @Option(help: "random-forest: number of trees (default 100).") var trees: Int?
    @Option(name: .customLong("max-depth"), help: "random-forest: deepest level of a tree (default: unlimited).") var maxDepth: Int?
    @Option(name: .customLong("min-samples-split"), help: "random-forest: smallest node that is split (default 2).") var minSamplesSplit: Int?
    @Option(name: .customLong("min-samples-leaf"), help: "random-forest: smallest leaf (default 1).") var minSamplesLeaf: Int?
    @Option(name: .customLong("max-features"), help: "random-forest: predictors tried per split (default floor(sqrt(p))).") var maxFeatures: Int?
    @Option(name: .customLong("class-weight"), help: "random-forest: none or balanced.") var classWeight: String?
    @Option(help: "random-forest: share of the cells held out for validation, whole plots (or blocks) at a time, stratified by class.") var validation: Double?
    @Option(name: .customLong("block-size"), help: "random-forest: hold out square blocks of this side (CRS units) instead of plots.") var blockSize: Double?
    @Option(name: .customLong("cells-per-polygon"), help: "At most this many cells of each polygon, drawn with the seed (default: all).") var cellsPerPolygon: Int?
    @Option(help: "random-forest: variable importance measured: permutation (default; also impurity), impurity, or none.") var importance: String?
    @Option(name: .customLong("importance-samples"), help: "random-forest: most assessed samples the permutation importance uses, a seeded draw (default 20000).") var importanceSamples: Int?
    @Option(help: "kmeans: number of clusters.") var classes: Int?
    @Option(help: "kmeans: most cells sampled (a regular lattice; default 100000).") var samples: Int?
    @Option(name: .customLong("max-iterations"), help: "kmeans: most Lloyd iterations (default 300).") var maxIterations: Int?

    @Option(name: [.customShort("o"), .customLong("output")], help: "The model file (.json).")
    var output: String

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            var parameters = TrainParameters(plots: plots, layer: layer, field: field, predictors: predictors, kind: kind, output: output, seed: seed)
            parameters.logTarget = logTarget ? true : nil
            parameters.unit = unit
            parameters.folds = folds
            parameters.trees = trees
            parameters.maxDepth = maxDepth
            parameters.minSamplesSplit = minSamplesSplit
            parameters.minSamplesLeaf = minSamplesLeaf
            parameters.maxFeatures = maxFeatures
            parameters.classWeight = classWeight
            parameters.validation = validation
            parameters.blockSize = blockSize
            parameters.cellsPerPolygon = cellsPerPolygon
            parameters.importance = importance
            parameters.importanceSamples = importanceSamples
            parameters.classes = classes
            parameters.samples = samples
            parameters.maxIterations = maxIterations
            let summary = try TrainStep(parameters).run(in: writing.context).result
            if !writing.quiet { print(TrainCommand.describe(summary.model)) }
        }
    }

    /// A few lines about the fit, for the terminal.
    static func describe(_ model: ModelFile) -> String {
        func format(_ value: Double) -> String { String(format: "%.6g", value) }
        var lines = ["\(model.kind.rawValue) model on \(model.training.samples) samples, predictors: \(model.predictors.map(\.role).joined(separator: ", "))"]
        if let linear = model.linear {
            for (index, term) in linear.terms.enumerated() {
                lines.append("  \(term): \(format(linear.coefficients[index])) (se \(format(linear.standardErrors[index])), p \(format(linear.pValues[index])))")
            }
            lines.append("  R2 \(format(linear.statistics.rSquared)), adjusted R2 \(format(linear.statistics.adjustedRSquared)), RMSE \(format(linear.statistics.rmse))")
            if let cv = linear.crossValidation { lines.append("  \(cv.folds)-fold cross-validation: RMSE \(format(cv.rmse)), R2 \(format(cv.rSquared))") }
        }
        if let forest = model.forest {
            lines.append("  accuracy on \(forest.assessedOn) samples: \(format(forest.accuracy))")
            if !forest.impurityImportance.isEmpty {
                lines.append("  importance (impurity): " + zip(model.predictors, forest.impurityImportance).map { "\($0.role) \(format($1))" }.joined(separator: ", "))
            }
            if !forest.permutationImportance.isEmpty {
                let on = forest.permutationSamples.map { " on \($0) \(forest.assessedOn) samples" } ?? ""
                lines.append("  importance (permutation\(on)): " + zip(model.predictors, forest.permutationImportance).map { "\($0.role) \(format($1))" }.joined(separator: ", "))
            }
            if forest.importance == ForestImportance.none { lines.append("  importance: none measured (--importance none)") }
        }
        if let kmeans = model.kmeans {
            lines.append("  \(kmeans.k) clusters, \(kmeans.iterations) iterations, \(kmeans.converged ? "converged" : "not converged"), inertia \(format(kmeans.inertia))")
        }
        return lines.joined(separator: "\n")
    }
}
