import ArgumentParser
import Foundation
import SoilMap

struct LandCoverChangeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "landcover-change",
        abstract: "SDG 15.3.1 land-cover sub-indicator: baseline and target land cover, recoded to the UNCCD classes, through a transition matrix.",
        discussion: """
        Writes an sdg-15.3.1 class map (1 degraded, 2 stable, 3 improved; nodata where either year is nodata).
        Examples:
          soilmap landcover-change esacci2001.tif esacci2015.tif -o lc_degradation.tif --transition-table transitions.csv
          soilmap landcover-change lc2001.tif lc2015.tif --recode legend.csv --matrix matrix.csv -o lc.tif --transition-map lc_tr.tif
        """
    )

    @Argument(help: "The baseline land-cover map (integer classes).")
    var baseline: String

    @Argument(help: "The target-year land-cover map (same legend).")
    var target: String

    @Option(help: "How the maps' values become UNCCD classes: esa-cci (default), unccd (already 1-7), or a .csv (value,class) or .yaml table.")
    var recode: String?

    @Option(help: "The -1/0/+1 effect of each transition: unccd (default) or a .csv of 7 x 7 values (rows from, columns to).")
    var matrix: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "The sdg-15.3.1 map (.tif).")
    var output: String

    @Option(name: .customLong("transition-map"), help: "Also write each pixel's transition, from x 10 + to (11...77) (.tif).")
    var transitions: String?

    @Option(name: .customLong("baseline-classes"), help: "Also write the baseline map in UNCCD classes (.tif).")
    var baselineClasses: String?

    @Option(name: .customLong("target-classes"), help: "Also write the target map in UNCCD classes (.tif).")
    var targetClasses: String?

    @Option(name: .customLong("transition-table"), help: "Also write the transitions' hectares, from-class rows x to-class columns (.csv).")
    var table: String?

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            let parameters = LandCoverChangeParameters(baseline: baseline, target: target, recode: recode, matrix: matrix, output: output,
                                                       transitions: transitions, baselineClasses: baselineClasses, targetClasses: targetClasses,
                                                       table: table, format: writing.format, creationOptions: writing.creationOptions)
            try LandCoverChangeStep(parameters).run(in: writing.context)
        }
    }
}
