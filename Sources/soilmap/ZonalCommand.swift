import ArgumentParser
import Foundation
import GDAL
import SoilMap

struct ZonalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zonal",
        abstract: "Statistics of a raster per zone (commune), rolled up to groups (provinces) and a total.",
        discussion: """
        Examples:
          soilmap zonal ndvi.tif --zones communes.gpkg --id-field commune_code --name-field commune_name \\
              --group-field province_code --group-name-field province_name --mode coverage -o ndvi_by_commune.csv
          soilmap zonal degradation.tif --zones communes.gpkg --id-field commune_code --categorical \\
              --mask landuse.tif --mask-values 1,2 --target '>=2:10%' -o degraded_share.gpkg
        """
    )

    @Argument(help: "The raster (continuous values, or a classified map).")
    var raster: String

    @Option(help: "Band of the raster, from 1.")
    var band: Int = 1

    @Option(help: "Zones: any OGR source (shapefile, GeoPackage, GeoJSON), in any CRS.")
    var zones: String

    @Option(help: "Layer of the zones source (default: the first).")
    var layer: String?

    @Option(name: .customLong("id-field"), help: "Field that identifies a zone.")
    var idField: String

    @Option(name: .customLong("name-field"), help: "Field with the zone's name.")
    var nameField: String?

    @Option(name: .customLong("group-field"), help: "Field grouping zones (commune -> province): adds a row per group.")
    var groupField: String?

    @Option(name: .customLong("group-name-field"), help: "Field with the group's name.")
    var groupNameField: String?

    @Option(help: "center (cell centre inside), all-touched, or coverage (exact covered fraction).")
    var mode: String = "center"

    @Option(help: "Statistics, comma-separated: count,sum,mean,min,max,std,variance,median,pNN,majority,minority,variety (default: count,sum,mean,min,max,std; for a class map only count, with the class columns).")
    var stats: String?

    @Flag(help: "Class cells, hectares and percent per zone (automatic for a raster with a colour table or category names).")
    var categorical = false

    @Option(help: "A raster FILE[:N] restricting the statistics to the cells whose value is in --mask-values (e.g. agricultural land).")
    var mask: String?

    @Option(name: .customLong("mask-values"), help: "Mask values to keep, comma-separated.")
    var maskValues: String?

    @Option(help: "A target on class shares: CLASSES:PERCENT%, e.g. '>=2:10%' (at most 10 % of the area in classes 2 and above).")
    var target: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "Statistics table: .csv, .gpkg (with geometry) or .geojson.")
    var output: String

    @Flag(help: "Replace the output if it exists.")
    var overwrite = false

    @Option(help: "Worker threads, 1...\(EngineOptions.maxThreads) (default: the number of cores).")
    var threads: Int = EngineOptions.defaultThreads

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "No progress bar or warnings summary.")
    var quiet = false

    func run() throws {
        try runReportingErrors {
            let parameters = ZonalParameters(raster: raster, band: band, zones: zones, layer: layer, idField: idField, nameField: nameField,
                                             groupField: groupField, groupNameField: groupNameField, mode: mode,
                                             stats: stats.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } },
                                             categorical: categorical ? true : nil, mask: mask,
                                             maskValues: try maskValues.map { try parseNumbers($0, option: "--mask-values") },
                                             target: target, output: output)
            let context = RunContext(threads: threads, overwrite: overwrite, progress: quiet ? nil : ProgressBar.makeIfTerminal(),
                                     diagnostics: Diagnostics())
            let (result, _) = try ZonalStep(parameters).run(in: context)
            if !quiet {
                for warning in result.warnings { Console.warning(warning) }
                let zoneRows = result.rows.filter { $0.level == .zone }.count, groupRows = result.rows.filter { $0.level == .group }.count
                Console.error("\(output): \(zoneRows) zones\(groupRows > 0 ? ", \(groupRows) groups" : ""), 1 total (\(result.mode.rawValue))")
            }
        }
    }
}
