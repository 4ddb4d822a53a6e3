import ArgumentParser
import Foundation
import SoilMap

struct PerformanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "performance",
        abstract: "SDG 15.3.1 productivity performance (Trends.Earth's rule): period mean over its land unit's 90th percentile.",
        discussion: """
        Two passes: the 90th percentile of the period means of every land unit over the whole raster (exact, numpy's
        linear definition; means of exactly 0 left out), then the map: ratio <= 0.5 degraded, else stable. Writes an
        sdg-15.3.1 class map (1 degraded, 2 stable) with a QGIS style.
        Example:
          soilmap performance annual.tif:1 ... annual.tif:12 --years 2000,...,2011 --period 2004-2011 --units landunits.tif -o performance.tif
        """
    )

    @Argument(help: "One raster per year, FILE or FILE:N (band N), in the order of --years.")
    var inputs: [String]

    @Option(help: "The year of each raster, comma-separated, strictly increasing (as many as rasters).")
    var years: String

    @Option(help: "The years averaged, FIRST-LAST (default: all).")
    var period: String?

    @Option(help: "Land-unit ids (e.g. soil class x 100 + land cover), FILE or FILE:N; aligned to the grid by nearest neighbour; nodata: no unit.")
    var units: String

    @Option(help: "The percentile of a unit's means taken as its potential (default 90).")
    var percentile: Double?

    @Option(name: .customLong("degraded-ratio"), help: "Ratios at or below this are degraded (default 0.5).")
    var degradedRatio: Double?

    @Option(help: "Also write a Float32 file with mean, unit_percentile, ratio.")
    var details: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "The performance class map (.tif).")
    var output: String

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            let parameters = PerformanceParameters(inputs: inputs, years: try parseYearList(years), period: period, units: units,
                                                   percentile: percentile, degradedRatio: degradedRatio, output: output, details: details,
                                                   format: writing.format, creationOptions: writing.creationOptions)
            try PerformanceStep(parameters).run(in: writing.context)
        }
    }
}
