import ArgumentParser
import Foundation
import SoilMap

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Apply a model file over rasters of any size: a property map (linear) or a class map (random forest, k-means).",
        discussion: """
        The predictors must have the model's roles, in the model's order (see the model file's "predictors").
        Examples:
          soilmap predict ec.json --predictors ndvi.tif swir1=L7.tif:5 -o ec.tif
          soilmap predict rf.json --predictors b1.tif b2.tif b3.tif --confidence -o classes.tif
        """
    )

    @Argument(help: "The model file written by soilmap train.")
    var model: String

    @Option(parsing: .upToNextOption, help: "Predictor rasters, RASTER[:BAND] or ROLE=RASTER[:BAND], in the model's order.")
    var predictors: [String] = []

    @Flag(help: "Random forest: add a band with the share of trees voting for the winning class (percent).")
    var confidence = false

    @Option(name: [.customShort("o"), .customLong("output")], help: "The map (.tif).")
    var output: String

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            let parameters = PredictParameters(model: model, predictors: predictors, output: output, confidence: confidence ? true : nil,
                                               format: writing.format, creationOptions: writing.creationOptions)
            try PredictStep(parameters).run(in: writing.context)
        }
    }
}
