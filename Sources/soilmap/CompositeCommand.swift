import ArgumentParser
import Foundation
import SoilMap

struct CompositeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "composite",
        abstract: "Per-pixel mean, median, min, max or count of many rasters or bands; with --by-year, one band per year.",
        discussion: """
        Nodata and NaN are skipped pixel by pixel. FILE means every band of FILE; FILE:N band N.
        Examples:
          soilmap composite ndvi_*.tif --statistic median -o median.tif
          soilmap composite modis_ndvi_stack.tif --by-year --years 2001-2011 -o annual.tif     (years from band descriptions)
          soilmap composite slovenia.EVI.MOD13Q1.A*.tif --by-year --min-valid 12 -o annual.tif  (years from file names)
        """
    )

    @Argument(help: "Rasters: FILE (all its bands) or FILE:N (band N).")
    var inputs: [String]

    @Option(help: "mean, median, min, max or count (of valid values).")
    var statistic: String = CompositeStatistic.mean.rawValue

    @Option(name: .customLong("min-valid"), help: "Pixels with fewer valid values (per year with --by-year) are nodata.")
    var minValid: Int = 1

    @Flag(name: .customLong("by-year"),
          help: "One output band per year, the year read from each band's description (X2001.02.18, 2001-02-18), else from its file's name (A2001049, 20010218, _2001_).")
    var byYear = false

    @Option(help: "With --by-year: only these years, e.g. 2001-2011 or 2001,2003.")
    var years: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "The composite (.tif).")
    var output: String

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            let parameters = CompositeParameters(inputs: inputs, statistic: statistic, minValid: minValid, byYear: byYear, years: years,
                                                 output: output, format: writing.format, creationOptions: writing.creationOptions)
            try CompositeStep(parameters).run(in: writing.context)
        }
    }
}
