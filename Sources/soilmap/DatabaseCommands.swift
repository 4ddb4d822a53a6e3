import ArgumentParser
import Foundation
import SoilMap

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a run's per-unit results into the soil-health database (GeoPackage or PostGIS).",
        discussion: """
        One transaction per run: all of it or nothing. Publishing the same run again changes nothing; a new run of \
        a period supersedes that period's observations (the older run stays in the history). PostgreSQL passwords \
        come from PGPASSWORD, ~/.pgpass or a service file, never from the address.
        """
    )

    @Argument(help: "A run directory (with manifest.json).")
    var runDirectory: String

    @Option(name: .customLong("to"), help: "The database: DB.gpkg (created if missing), postgresql://[user@]host[:port]/dbname, or PG:service=NAME.")
    var database: String

    @Option(help: "The year the run describes (default: the run's 'period' or 'year' variable).")
    var period: Int?

    @Option(help: "Names of the zonal table's three levels, finest first; the total's code is its name.")
    var levels: String = RunPublisher.defaultLevels.joined(separator: ",")

    @Flag(name: .shortAndLong, help: "Print nothing on success.")
    var quiet = false

    func run() throws {
        try runReportingErrors {
            let summary = try RunPublisher.publish(runDirectory: runDirectory, to: database, period: period,
                                                   levels: levels.split(separator: ",").map { String($0) })
            guard !quiet else { return }
            if summary.alreadyPublished {
                Console.error("\(runDirectory): run \(summary.runKey.prefix(12)) (period \(summary.period)) is already published; nothing changed")
            } else {
                Console.error("\(runDirectory): run \(summary.runKey.prefix(12)) published as period \(summary.period): \(summary.observations) observations, " +
                              "\(summary.targets) target checks, \(summary.unitsAdded) new units, \(summary.unitVersionsAdded) new unit versions, " +
                              "\(summary.superseded) earlier observations superseded; indicators \(summary.indicators.joined(separator: ", "))")
            }
        }
    }
}

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "An indicator's time series per unit from the soil-health database, with target checks.",
        discussion: "Coarser units (province, nation) are recomputed from their communes' observations. Without -o, CSV on stdout."
    )

    @Argument(help: "The database: DB.gpkg, postgresql://[user@]host[:port]/dbname, or PG:service=NAME.")
    var database: String

    @Option(help: "The indicator's id (e.g. classes_by_tract or ndvi_by_tract.mean).")
    var indicator: String

    @Option(help: "One unit (by code): its series.")
    var unit: String?

    @Option(help: "Every unit of a level (commune, province, nation).")
    var level: String?

    @Option(help: "YEAR or FROM..TO.")
    var period: String?

    @Option(name: .shortAndLong, help: "OUT.csv, or OUT.gpkg (a layer with geometry and a date, time-enabled in QGIS).")
    var output: String?

    @Flag(help: "Replace an existing output.")
    var overwrite = false

    func validate() throws {
        if unit != nil, level != nil { throw ValidationError("give --unit or --level, not both") }
    }

    func run() throws {
        try runReportingErrors {
            let request = SeriesQuery.Request(indicator: indicator, unit: unit, level: level, periods: try period.map(SeriesQuery.parsePeriods))
            let geometry = output?.lowercased().hasSuffix(".gpkg") ?? false
            let result = try SeriesQuery.run(request, database: database, withGeometry: geometry)
            if let output {
                try SeriesWriter.write(result, to: output, overwrite: overwrite)
            } else {
                FileHandle.standardOutput.write(Data(SeriesWriter.csv(result).utf8))
            }
        }
    }
}
