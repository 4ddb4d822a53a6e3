import ArgumentParser
import Foundation
import SoilMap

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a run's per-unit results, or survey samples, into the soil-health database (GeoPackage or PostGIS).",
        discussion: """
        One transaction per run: all of it or nothing. Publishing the same run again (or a re-run that changed \
        nothing) changes nothing; a new run of a period supersedes that period's observations (the older run stays \
        in the history). PostgreSQL passwords come from PGPASSWORD, ~/.pgpass or a service file, never from the address.
          soilmap publish out/demo --to soilhealth.gpkg
          soilmap publish runs/som --to soilhealth.gpkg --target 'som_by_commune.mean:>=3'
          soilmap publish --samples samples/meuse/meuse.txt --points-crs EPSG:28992 --fields om:%,zinc:mg/kg \
            --depth 0-20 --date 1990 --source 'Meuse survey' --to soilhealth.gpkg
        """
    )

    @Argument(help: "A run directory (with manifest.json); not with --samples.")
    var runDirectory: String?

    @Option(name: .customLong("to"), help: "The database: DB.gpkg (created if missing), postgresql://[user@]host[:port]/dbname, or PG:service=NAME.")
    var database: String

    @Option(help: "The year the run describes (default: the run's 'period' or 'year' variable).")
    var period: Int?

    @Option(help: "Names of the zonal table's three levels, finest first; the total's code is its name.")
    var levels: String = RunPublisher.defaultLevels.joined(separator: ",")

    @Option(name: .customLong("target"), help: "INDICATOR:RULE, a target on a continuous indicator's value per unit (>=N, <=N, LOW..HIGH), e.g. 'som_by_commune.mean:>=3'; repeatable.")
    var targets: [String] = []

    @Option(help: "Survey points to publish into the samples table (any OGR point source, or a CSV with x/y columns).")
    var samples: String?

    @OptionGroup var source: PointSourceOptions

    @Option(help: "With --samples: the measured fields and their units, FIELD:UNIT,... (e.g. om:%,zinc:mg/kg).")
    var fields: String?

    @Option(name: .customLong("source"), help: "With --samples: where the samples come from (survey, laboratory, year).")
    var sampleSource: String?

    @Option(name: .customLong("id-field"), help: "With --samples: the field naming each sample (default: its row number).")
    var idField: String?

    @Option(help: "With --samples: the depth of every sample, TOP-BOTTOM in cm (e.g. 0-20).")
    var depth: String?

    @Option(name: .customLong("depth-fields"), help: "With --samples: the fields of each sample's top and bottom depth (cm), TOP,BOTTOM.")
    var depthFields: String?

    @Option(help: "With --samples: the date of every sample (YYYY, YYYY-MM or YYYY-MM-DD).")
    var date: String?

    @Option(name: .customLong("date-field"), help: "With --samples: the field of each sample's date.")
    var dateField: String?

    @Flag(name: .shortAndLong, help: "Print nothing on success.")
    var quiet = false

    func validate() throws {
        if samples == nil {
            guard runDirectory != nil else { throw ValidationError("give a run directory, or --samples POINTS") }
            if fields != nil || sampleSource != nil || idField != nil || depth != nil || depthFields != nil || date != nil || dateField != nil {
                throw ValidationError("--fields, --source, --id-field, --depth, --depth-fields, --date and --date-field go with --samples")
            }
        } else {
            guard runDirectory == nil else { throw ValidationError("give a run directory or --samples, not both") }
            guard fields != nil else { throw ValidationError("--samples needs --fields FIELD:UNIT,...") }
            guard sampleSource != nil else { throw ValidationError("--samples needs --source (where the samples come from)") }
            if depth != nil, depthFields != nil { throw ValidationError("give --depth or --depth-fields, not both") }
            if date != nil, dateField != nil { throw ValidationError("give --date or --date-field, not both") }
            if period != nil || !targets.isEmpty { throw ValidationError("--period and --target go with a run directory") }
        }
    }

    func run() throws {
        try runReportingErrors {
            if let samples {
                try publishSamples(samples)
                return
            }
            let runDirectory = runDirectory!
            var rules: [String: String] = [:]
            for target in targets {
                guard let colon = target.lastIndex(of: ":"), colon != target.startIndex else {
                    throw SoilMapError.invalidArgument("--target \(target): expected INDICATOR:RULE, e.g. 'som_by_commune.mean:>=3'")
                }
                rules[String(target[..<colon])] = String(target[target.index(after: colon)...])
            }
            let summary = try RunPublisher.publish(runDirectory: runDirectory, to: database, period: period,
                                                   levels: levels.split(separator: ",").map { String($0) }, targets: rules)
            guard !quiet else { return }
            Console.error("\(runDirectory): \(summary.line)")
        }
    }

    func publishSamples(_ path: String) throws {
        func pair(_ text: String, _ separator: Character, _ option: String, _ example: String) throws -> (String, String) {
            let parts = text.split(separator: separator, maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw SoilMapError.invalidArgument("\(option) \(text): expected \(example)")
            }
            return (parts[0], parts[1])
        }
        var fixedDepth: (top: Double, bottom: Double)?
        if let depth {
            let (top, bottom) = try pair(depth, "-", "--depth", "TOP-BOTTOM in cm, e.g. 0-20")
            guard let top = Double(top), let bottom = Double(bottom) else {
                throw SoilMapError.invalidArgument("--depth \(depth): expected TOP-BOTTOM in cm, e.g. 0-20")
            }
            fixedDepth = (top, bottom)
        }
        let options = SamplePublisher.Options(
            points: PointSource(path: path, layer: source.layer, xField: source.xField, yField: source.yField, crs: source.pointsCRS),
            properties: try SamplePublisher.parseFields(fields!), source: sampleSource!, idField: idField, depth: fixedDepth,
            depthFields: try depthFields.map { try pair($0, ",", "--depth-fields", "TOP,BOTTOM (two field names)") }.map { (top: $0.0, bottom: $0.1) },
            date: date, dateField: dateField)
        let summary = try SamplePublisher.publish(options, to: database)
        guard !quiet else { return }
        Console.error("\(path): \(summary.line)")
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
