import ArgumentParser
import Foundation
import SoilMap

struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "SDG 15.3.1 productivity state of an annual series (Trends.Earth's rule): degraded, stable or improved.",
        discussion: """
        Per pixel, the baseline and comparison means are placed in the deciles of the pixel's baseline years (plus
        min - 5 % and max + 5 % of their range); a change of 2 deciles or more is degraded or improved. Writes an
        sdg-15.3.1 class map (1 degraded, 2 stable, 3 improved; codes -1/0/1) with a QGIS style.
        Examples:
          soilmap state annual.tif:1 annual.tif:2 ... annual.tif:12 --years 2000,2001,...,2011 -o state.tif
          soilmap state ndvi_2001.tif ... ndvi_2015.tif --years 2001,...,2015 --baseline 2001-2012 --comparison 2013-2015 --details state-details.tif -o state.tif
        """
    )

    @Argument(help: "One raster per year, FILE or FILE:N (band N), in the order of --years.")
    var inputs: [String]

    @Option(help: "The year of each raster, comma-separated, strictly increasing (as many as rasters).")
    var years: String

    @Option(help: "Baseline years FIRST-LAST (default: the first year to the last year - 3).")
    var baseline: String?

    @Option(help: "Comparison years FIRST-LAST (default: the last 3 years).")
    var comparison: String?

    @Option(name: .customLong("small-change"),
            help: "Means this close or closer are no change, in the series' units (default 0.01 for NDVI; 100 for NDVI x 10000).")
    var smallChange: Double?

    @Option(help: "Also write a Float32 file with baseline_mean, comparison_mean, baseline_decile, comparison_decile, decile_change.")
    var details: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "The state class map (.tif).")
    var output: String

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            let parameters = StateParameters(inputs: inputs, years: try parseYearList(years), baseline: baseline, comparison: comparison,
                                             smallChange: smallChange, output: output, details: details,
                                             format: writing.format, creationOptions: writing.creationOptions)
            try StateStep(parameters).run(in: writing.context)
        }
    }
}

/// "2001,2002,2003" as years; the message `trend` gives for a word that is not one.
func parseYearList(_ text: String) throws -> [Int] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { word in
        guard let year = Int(word.trimmingCharacters(in: .whitespaces)) else {
            throw SoilMapError.invalidArgument("--years \(text): '\(word)' is not a whole year (give e.g. 2001,2002,2003,2004)")
        }
        return year
    }
}
