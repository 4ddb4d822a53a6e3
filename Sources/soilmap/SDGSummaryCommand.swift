import ArgumentParser
import Foundation
import SoilMap

struct SDGSummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdg-summary",
        abstract: "SDG 15.3.1 area tables as Trends.Earth's summary workbook lays them out, as a set of CSV files.",
        discussion: """
        The summary (-o) has the improved, stable, degraded and no-data areas (km²) and shares of each sdg-15.3.1 map
        given. With both land-cover maps it also writes, beside it and named after it: _landcover_transitions,
        _landcover_by_year, and with --productivity-classes _productivity_by_transition, with both stocks
        _soc_by_transition and _soc_by_year. Inputs on other grids are aligned to the first one (nearest).
        Example:
          soilmap sdg-summary --sdg sdg.tif --productivity prod3.tif --landcover lc.tif --soc soc.tif \\
            --productivity-classes prod5.tif --landcover-baseline lc2015.tif --landcover-target lc2023.tif \\
            --soc-baseline soc2015.tif --soc-target soc2023.tif --years 2015,2023 -o summary.csv
        """
    )

    @Option(help: "The combined SDG 15.3.1 map (sdg-15.3.1 classes: 1 degraded, 2 stable, 3 improved).")
    var sdg: String?

    @Option(help: "The productivity sub-indicator (sdg-15.3.1 classes).")
    var productivity: String?

    @Option(help: "The land-cover sub-indicator (sdg-15.3.1 classes).")
    var landcover: String?

    @Option(help: "The soil organic carbon sub-indicator (sdg-15.3.1 classes).")
    var soc: String?

    @Option(name: .customLong("productivity-classes"), help: "The 5-class productivity map (1 declining ... 5 increasing), tabulated by land-cover transition.")
    var productivityClasses: String?

    @Option(name: .customLong("landcover-baseline"), help: "The baseline land cover in UNCCD classes 1-7 (landcover-change --baseline-classes).")
    var landCoverBaseline: String?

    @Option(name: .customLong("landcover-target"), help: "The target land cover in UNCCD classes 1-7 (landcover-change --target-classes).")
    var landCoverTarget: String?

    @Option(name: .customLong("soc-baseline"), help: "The baseline soil organic carbon stock (t/ha).")
    var socBaseline: String?

    @Option(name: .customLong("soc-target"), help: "The target soil organic carbon stock (t/ha).")
    var socTarget: String?

    @Option(help: "The area of interest: cells where this raster is nodata or 0 are left out.")
    var aoi: String?

    @Option(help: "The baseline and target years, for column names (e.g. 2015,2023).")
    var years: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "The summary table (.csv); the others are written beside it.")
    var output: String

    @Option(help: "Worker threads (default: the machine's cores).")
    var threads: Int?

    @Flag(help: "Replace the outputs if they exist.")
    var overwrite = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "No progress bar, warnings or summary.")
    var quiet = false

    func run() throws {
        try runReportingErrors {
            let yearList = try years.map { text in
                try text.split(separator: ",").map { part in
                    guard let year = Int(part.trimmingCharacters(in: .whitespaces)) else {
                        throw SoilMapError.invalidArgument("--years \(text): give two years, e.g. 2015,2023")
                    }
                    return year
                }
            }
            let parameters = SDGSummaryParameters(sdg: sdg, productivity: productivity, landCover: landcover, soc: soc,
                                                  productivityClasses: productivityClasses, landCoverBaseline: landCoverBaseline,
                                                  landCoverTarget: landCoverTarget, socBaseline: socBaseline, socTarget: socTarget,
                                                  aoi: aoi, years: yearList, output: output)
            let context = RunContext(threads: threads ?? EngineOptions.defaultThreads, overwrite: overwrite,
                                     progress: quiet ? nil : ProgressBar.makeIfTerminal(), diagnostics: Console.diagnostics(quiet: quiet))
            let (result, _) = try SDGSummaryStep(parameters).run(in: context)
            if !quiet {
                for status in result.status {
                    let share = { (area: Double) in result.totalArea > 0 ? String(format: "%.2f %%", 100 * area / result.totalArea) : "-" }
                    Console.error("\(status.indicator): degraded \(share(status.degraded)), stable \(share(status.stable)), improved \(share(status.improved)), no data \(share(status.noData)) of \(String(format: "%.2f", result.totalArea)) km²")
                }
                Console.error("wrote \(result.tables.joined(separator: ", "))")
            }
        }
    }
}
