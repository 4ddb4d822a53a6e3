import ArgumentParser
import Foundation
import SoilMap

struct TrendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trend",
        abstract: "Per-pixel trend of an annual series: OLS, Theil-Sen, Mann-Kendall, Kendall's tau, SDG trajectory.",
        discussion: """
        Writes 10 Float32 bands: ols_slope, ols_intercept, sen_slope, mk_s, mk_var, mk_z, mk_p, tau, n, trajectory
        (or those chosen by --statistics).
        Examples:
          soilmap trend ndvi2001.tif ndvi2002.tif ndvi2003.tif ndvi2004.tif ndvi2005.tif --years 2001,2002,2003,2004,2005 -o trend.tif
          soilmap trend stack.tif:1 stack.tif:2 stack.tif:3 stack.tif:4 --years 2010,2012,2014,2016 --min-years 3 -o trend.tif
          soilmap trend ndvi20*.tif --years 2001,2002,2003,2004,2005 --statistics ols_slope -o slope.tif
        """
    )

    @Argument(help: "One raster per year, FILE or FILE:N (band N), 4 to 50, in the order of --years.")
    var inputs: [String]

    @Option(help: "The year of each raster, comma-separated, strictly increasing (as many as rasters).")
    var years: String

    @Option(name: .customLong("min-years"), help: "Pixels with fewer valid (not nodata) years are nodata in every band.")
    var minYears: Int = TrendParameters.defaultMinYears

    @Option(help: "How the trajectory band decides significance: p-value (mk_p below 0.10, 0.05, 0.01) or trends-earth (its critical |S| table and small-slope rule).")
    var significance: String = TrendSignificance.pValue.rawValue

    @Option(name: .customLong("small-slope"),
            help: "With --significance trends-earth: |slope| at or below this gives trajectory 0, in the series' units per year (default 0.001, for NDVI; 10 for NDVI x 10000).")
    var smallSlope: Double?

    @Option(help: """
        The bands to compute and write, comma-separated: band names or the groups ols (ols_slope, ols_intercept), \
        sen (sen_slope), mk (mk_s, mk_var, mk_z, mk_p, tau), all (default). Written in the order above; only the work \
        they need is done (trajectory needs the OLS slope and Mann-Kendall, computed but not written unless asked).
        """)
    var statistics: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "The trend map (.tif).")
    var output: String

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            let yearList = try years.split(separator: ",", omittingEmptySubsequences: false).map { word in
                guard let year = Int(word.trimmingCharacters(in: .whitespaces)) else {
                    throw SoilMapError.invalidArgument("--years \(years): '\(word)' is not a whole year (give e.g. 2001,2002,2003,2004)")
                }
                return year
            }
            let parameters = TrendParameters(inputs: inputs, years: yearList, minYears: minYears, significance: significance,
                                             smallSlope: smallSlope, statistics: statistics, output: output,
                                             format: writing.format, creationOptions: writing.creationOptions)
            try TrendStep(parameters).run(in: writing.context)
        }
    }
}
