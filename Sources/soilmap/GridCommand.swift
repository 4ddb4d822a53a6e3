import ArgumentParser
import Foundation
import SoilMap

struct GridCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grid",
        abstract: "Survey points onto a raster grid: gdal_grid's algorithms (in double precision) and ordinary kriging.",
        discussion: """
        --algorithm in gdal_grid's syntax: invdist[:power=2:smoothing=0:radius1=0:radius2=0:angle=0:max_points=0:min_points=0],
        invdistnn[:power=2:smoothing=0:radius=1:max_points=12:min_points=0], average[:radius1=0:radius2=0:angle=0:min_points=0],
        nearest[:radius1=0:radius2=0:angle=0], linear[:radius=-1] (Delaunay triangles; outside them the nearest point within
        radius, any distance when -1, none when 0), each with :nodata=V (default -9999, declared in the output);
        kriging:model=spherical|exponential|gaussian[:sill=S:range=R:nugget=N][:max_points=K][:radius=R][:lags=15:max_lag=D]
        (no sill/range: the variogram is fitted; band 2 is the kriging variance).
        Examples:
          soilmap grid meuse.csv --points-crs EPSG:28992 --field zinc --algorithm invdist:power=2 --te 178600 329700 181600 333700 --tr 40 40 -o zinc_idw.tif
          soilmap grid meuse.csv --points-crs EPSG:28992 --field zinc --algorithm kriging:model=spherical:max_points=16 --like dem.tif --cv loo -o zinc_ok.tif
        """
    )

    @Argument(help: "The survey points: any OGR source, or a CSV with x/y columns (and --points-crs).")
    var points: String

    @OptionGroup var source: PointSourceOptions

    @Option(help: "The numeric attribute to grid.")
    var field: String

    @Option(name: [.customShort("a"), .customLong("algorithm")], help: "The algorithm and its parameters (gdal_grid syntax, or kriging:...).")
    var algorithm: String

    @OptionGroup var target: TargetGridOptions

    @Option(name: .customLong("ot"), help: "Output type: Float32 or Float64.")
    var outputType: String = "Float32"

    @Option(help: "Cross-validation: loo (leave-one-out) or kfold:K (with --seed).")
    var cv: String?

    @Option(help: "Seed of the k-fold split.")
    var seed: UInt64?

    @Option(name: .customLong("cv-output"), help: "The cross-validation table (.csv; default OUTPUT_cv.csv).")
    var cvOutput: String?

    @Option(help: "Held-out points with the same field (same x/y columns and CRS as POINTS): each predicted from POINTS; ME, MAE, RMSE, R^2 printed, every point in a table.")
    var validation: String?

    @Option(name: .customLong("validation-output"), help: "The validation table (.csv; default OUTPUT_validation.csv).")
    var validationOutput: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "The map (.tif).")
    var output: String

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            let parameters = GridParameters(points: points, layer: source.layer, xField: source.xField, yField: source.yField,
                                            pointsCRS: source.pointsCRS, field: field, algorithm: algorithm, like: target.like,
                                            extent: target.givenExtent, resolution: target.givenResolution,
                                            targetCRS: target.targetCRS, outputType: outputType, crossValidation: cv, seed: seed,
                                            cvOutput: cvOutput, validation: validation, validationOutput: validationOutput,
                                            output: output, format: writing.format,
                                            creationOptions: writing.creationOptions)
            let (summary, _) = try GridStep(parameters).run(in: writing.context)
            guard !writing.quiet else { return }
            if let variogram = summary.variogram {
                Console.error("variogram (\(summary.empiricalVariogram == nil ? "given" : "fitted")): \(variogram.description)")
                if let empirical = summary.empiricalVariogram {
                    Console.error("  lag      distance  semivariance  pairs")
                    for (index, distance) in empirical.distances.enumerated() {
                        Console.error(String(format: "  %3d  %12.6g  %12.6g  %5d", index + 1, distance, empirical.semivariances[index], empirical.pairCounts[index]))
                    }
                }
            }
            if let validation = summary.crossValidation {
                Console.error("cross-validation (\(cv!)) \(validation.method): \(validation.statistics.text)")
            }
            if let heldOut = summary.validation {
                Console.error("validation (\(validation!)) \(heldOut.method): \(heldOut.statistics.text)")
            }
        }
    }
}
