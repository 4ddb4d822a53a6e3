import ArgumentParser
import Foundation
import SoilMap

/// Options naming a set of survey points (shared by sample and grid).
struct PointSourceOptions: ParsableArguments {
    @Option(help: "The points' layer (default: the first).")
    var layer: String?

    @Option(name: .customLong("x-field"), help: "CSV: the x (easting/longitude) column (default: x, lon, long, longitude, easting).")
    var xField: String?

    @Option(name: .customLong("y-field"), help: "CSV: the y (northing/latitude) column (default: y, lat, latitude, northing).")
    var yField: String?

    @Option(name: .customLong("points-crs"), help: "The points' CRS (EPSG:28992, WKT, PROJ): needed for a CSV, replaces a declared one.")
    var pointsCRS: String?
}

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "The value of every band of every raster at every survey point (nearest cell or bilinear).",
        discussion: """
        Writes the points with all their attributes and one column per raster band, named FILE_bN (FILE: the raster's
        name without extension). Nodata, and points outside a raster, are empty cells. Points in any CRS.
        Examples:
          soilmap sample dem.tif ndvi.tif --points samples.gpkg -o values.csv
          soilmap sample L7_ETMs.tif --points meuse.csv --points-crs EPSG:28992 --method bilinear -o values.gpkg
        """
    )

    @Argument(help: "Rasters to sample (every band of each).")
    var rasters: [String]

    @Option(help: "The survey points: any OGR source, or a CSV with x/y columns (and --points-crs).")
    var points: String

    @OptionGroup var source: PointSourceOptions

    @Option(help: "nearest (the cell the point falls in) or bilinear (the four cell centres around it).")
    var method: String = SampleMethod.nearest.rawValue

    @Option(name: [.customShort("o"), .customLong("output")], help: "The table: .csv or .gpkg.")
    var output: String

    @Flag(help: "Replace the output if it exists.")
    var overwrite = false

    @Option(help: "Worker threads.")
    var threads: Int = EngineOptions.defaultThreads

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "No progress bar or warnings.")
    var quiet = false

    func run() throws {
        try runReportingErrors {
            let parameters = SampleParameters(rasters: rasters, points: points, layer: source.layer, xField: source.xField,
                                              yField: source.yField, pointsCRS: source.pointsCRS, method: method, output: output)
            let context = RunContext(threads: max(1, threads), overwrite: overwrite, progress: quiet ? nil : ProgressBar.makeIfTerminal(),
                                     diagnostics: Console.diagnostics(quiet: quiet))
            try SampleStep(parameters).run(in: context)
        }
    }
}
