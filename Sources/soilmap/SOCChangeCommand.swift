import ArgumentParser
import Foundation
import SoilMap

struct SOCChangeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soc-change",
        abstract: "SDG 15.3.1 soil organic carbon sub-indicator: a reference stock changed by land-cover transitions over 20 years.",
        discussion: """
        Writes an sdg-15.3.1 class map (change <= -10 % degraded, >= +10 % improved; water in the first map nodata).
        Examples:
          soilmap soc-change soc2000.tif lc2000.tif lc2015.tif --years 2000,2015 --climate tropical-moist -o soc.tif
          soilmap soc-change soc.tif lc2000.tif lc2005.tif lc2010.tif lc2015.tif --years 2000,2005,2010,2015 --climate zones_f.tif --percent-change soc_pct.tif -o soc.tif
        """
    )

    @Argument(help: "The reference SOC stock (t C/ha, 0-30 cm), taken as the stock in the first map's year.")
    var soc: String

    @Argument(help: "Land-cover maps, in the order of --years (at least two).")
    var landCover: [String]

    @Option(help: "The year of each land-cover map, comma-separated, strictly increasing.")
    var years: String

    @Option(help: "How the maps' values become UNCCD classes: esa-cci (default), unccd, or a .csv (value,class) or .yaml table.")
    var recode: String?

    @Option(help: "The climate factor f of conversions to or from cropland: tropical-moist (default, 0.48), tropical-dry, tropical-montane, temperate-moist, temperate-dry, a number, or a raster of factors.")
    var climate: String?

    @Option(name: .customLong("change-timing"), help: "When a change seen between two maps happens: end (the later map's year, default) or start (the year after the earlier map).")
    var changeTiming: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "The sdg-15.3.1 map (.tif).")
    var output: String

    @Option(name: .customLong("percent-change"), help: "Also write the stock's change in % of the reference (Float32, .tif).")
    var percentChange: String?

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            let yearList = try years.split(separator: ",", omittingEmptySubsequences: false).map { word in
                guard let year = Int(word.trimmingCharacters(in: .whitespaces)) else {
                    throw SoilMapError.invalidArgument("--years \(years): '\(word)' is not a whole year (give e.g. 2000,2015)")
                }
                return year
            }
            let parameters = SOCChangeParameters(soc: soc, landCover: landCover, years: yearList, recode: recode, climate: climate,
                                                 changeTiming: changeTiming, output: output, percentChange: percentChange,
                                                 format: writing.format, creationOptions: writing.creationOptions)
            try SOCChangeStep(parameters).run(in: writing.context)
        }
    }
}
