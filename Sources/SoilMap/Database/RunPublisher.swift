import Foundation
import GDAL

/// `soilmap publish RUN_DIR --to DB`: a run's per-unit results into the soil-health database, in one
/// transaction. Publishing the same run again changes nothing; a new run of a period supersedes the current
/// observations of that period for the same indicators and units (they stay, marked not current), and units whose
/// name, parent or boundary changed get a new version valid from the period.
public enum RunPublisher {
    public struct Summary: Sendable, Equatable {
        public var runKey: String
        public var period: Int
        /// True when the run was already in the database (nothing written).
        public var alreadyPublished: Bool
        public var unitsAdded: Int
        public var unitVersionsAdded: Int
        public var indicators: [String]
        public var observations: Int
        public var superseded: Int
        public var targets: Int
        /// When nothing was written because an earlier run with the same content is current: its key.
        public var sameContentAs: String?

        /// What happened, on one line.
        public var line: String {
            if alreadyPublished {
                if let sameContentAs {
                    return "run \(runKey.prefix(12)) (period \(period)) has the content of run \(sameContentAs.prefix(12)), already published; nothing changed"
                }
                return "run \(runKey.prefix(12)) (period \(period)) is already published; nothing changed"
            }
            return "run \(runKey.prefix(12)) published as period \(period): \(observations) observations, \(targets) target checks, " +
                "\(unitsAdded) new units, \(unitVersionsAdded) new unit versions, \(superseded) earlier observations superseded; " +
                "indicators \(indicators.joined(separator: ", "))"
        }
    }

    /// The names of the three levels of a zonal table (zone, group, total); the total's code is its level name.
    public static let defaultLevels = ["commune", "province", "nation"]

    /// `targets`: indicator id -> a `ValueTarget` (`>=3`) on a continuous indicator of the run (its value per
    /// unit and period is checked and stored in `targets`; an indicator keeps the target it was first given).
    public static func publish(runDirectory: String, to location: String, period: Int? = nil, levels: [String] = defaultLevels,
                               targets: [String: String] = [:]) throws -> Summary {
        guard levels.count == 3, Set(levels).count == 3, !levels.contains(where: \.isEmpty) else {
            throw SoilMapError.invalidArgument("--levels \(levels.joined(separator: ",")): give three different names, finest first (commune,province,nation)")
        }
        // Everything is read and checked before the database is touched.
        var run = try PublishedRun.load(runDirectory: runDirectory, period: period, levels: levels)
        var valueTargets: [String: ValueTarget] = [:]
        let continuous = Set(run.tables.filter { $0.classCodes.isEmpty }.flatMap { table in table.statistics.map { "\(table.step.name).\($0)" } })
        for (indicator, rule) in targets {
            guard continuous.contains(indicator) else {
                throw SoilMapError.invalidArgument("target for '\(indicator)': the run has no such continuous indicator (it has: \(continuous.sorted().joined(separator: ", ")))")
            }
            valueTargets[indicator] = try ValueTarget(parsing: rule)
        }
        run.valueTargets = valueTargets
        let database = try SoilHealthDatabase(location, update: true, create: true)
        let summary = try ConfigOptions.with(["PG_USE_COPY": "YES"]) {
            try database.inTransaction { try write(run, levels: levels, into: database) }
        }
        try database.close()
        return summary
    }

    static func write(_ run: PublishedRun, levels: [String], into database: SoilHealthDatabase) throws -> Summary {
        var summary = Summary(runKey: run.key, period: run.period, alreadyPublished: false, unitsAdded: 0, unitVersionsAdded: 0,
                              indicators: [], observations: 0, superseded: 0, targets: 0)
        let runs = try database.layer("runs")
        let knownIndicators = try database.dataset.executeSQL("SELECT fid + 0 AS row_fid, indicator, target FROM indicators").rows
        var indicatorFIDs: [String: Int64] = [:]
        var storedTargets: [String: String] = [:]
        for row in knownIndicators {
            if let id = row[1].stringValue, let fid = row[0].doubleValue { indicatorFIDs[id] = Int64(fid); storedTargets[id] = row[2].stringValue }
        }
        // A value target belongs to its indicator: given once (or later to one without), never changed, so the
        // checks already stored keep their meaning. An indicator's stored target applies to every later run.
        var valueTargets: [String: ValueTarget] = [:]
        var targetsToSet: [Int64: String] = [:]
        for table in run.tables where table.classCodes.isEmpty {
            for statistic in table.statistics {
                let identifier = "\(table.step.name).\(statistic)"
                let given = run.valueTargets[identifier]
                if let stored = storedTargets[identifier] {
                    let existing = try ValueTarget(parsing: stored)
                    if let given, given.minimum != existing.minimum || given.maximum != existing.maximum {
                        throw SoilMapError.invalidInput(path: database.location, "indicator '\(identifier)' has the target '\(existing.text)'; a different one ('\(given.text)') would change the meaning of the checks already stored")
                    }
                    valueTargets[identifier] = existing
                } else if let given {
                    valueTargets[identifier] = given
                    if let fid = indicatorFIDs[identifier] { targetsToSet[fid] = given.text }
                }
            }
        }
        let existing = try database.dataset.executeSQL("SELECT fid + 0 AS row_fid, run_key, period FROM runs").rows
        if let row = existing.first(where: { $0[1].stringValue == run.key }) {
            let period = Int(row[2].doubleValue ?? 0)
            guard period == run.period else {
                throw SoilMapError.invalidInput(path: database.location, "already holds this run as period \(period), not \(run.period)")
            }
            summary.alreadyPublished = true
            return summary
        }
        // The same content from another run (a re-run that reused every step): nothing new, as long as that
        // run's observations are all still current (else this run restores them).
        let contentKey = run.contentKey(levels: levels)
        for row in try database.dataset.executeSQL("SELECT fid + 0 AS row_fid, run_key FROM runs WHERE content_key = '\(contentKey)' ORDER BY fid").rows {
            let fid = Int64(row[0].doubleValue ?? -1)
            let counts = try database.dataset.executeSQL("SELECT COUNT(*), SUM(is_current) FROM observations WHERE run_fid = \(fid)").rows.first ?? []
            let total = counts.first?.doubleValue ?? 0, current = counts.dropFirst().first?.doubleValue ?? 0
            if total > 0, current == total {
                summary.alreadyPublished = true
                summary.sameContentAs = row[1].stringValue
                return summary
            }
        }
        let runFID = try database.nextFID("runs")
        let manifest = run.manifest
        func json<T: Encodable>(_ value: T) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        let parameters = Dictionary(manifest.steps.map { ($0.name, $0.parameters) }, uniquingKeysWith: { first, _ in first })
        try runs.addFeature([
            "run_key": .string(run.key), "pipeline": .string(manifest.pipeline), "pipeline_sha256": .string(manifest.pipelineSHA256),
            "period": .integer(Int64(run.period)), "status": .string(manifest.status), "started_at": .string(manifest.startedAt),
            "finished_at": .string(manifest.finishedAt), "published_at": .string(SoilHealthDatabase.now()),
            "soilmap_version": .string(manifest.software.soilmap), "soilmap_commit": manifest.software.commit.map { .string($0) } ?? .null,
            "gdal_version": .string(manifest.software.gdal), "proj_version": .string(manifest.software.proj),
            "variables": .string(try json(manifest.variables)), "inputs": .string(try json(manifest.inputs)),
            "parameters": .string(try json(parameters)), "manifest": .string(run.manifestText), "content_key": .string(contentKey),
        ], geometry: nil, fid: runFID)

        let units = try UnitRegistry(database: database)
        let indicators = try database.layer("indicators")
        for (fid, text) in targetsToSet.sorted(by: { $0.key < $1.key }) { try indicators.updateFeature(id: fid, ["target": .string(text)]) }
        var nextIndicatorFID = try database.nextFID("indicators")

        struct Pending { var unit: Int64, indicator: Int64, values: [FieldValue] }
        var observations: [Pending] = []
        var targetRows: [Pending] = []
        var publishedUnitCodes: Set<String> = []
        var publishedIndicators: [Int64] = []

        // Units first, from every table of the run (a CSV has no boundaries, a GeoPackage has): each in the
        // version valid in the period.
        struct UnitRow { var rank: Int, code: String, name: String, parentCode: String, geometry: [UInt8]? }
        var unitRows: [String: UnitRow] = [:]
        var unitOrder: [String] = []
        for table in run.tables {
            var seen: Set<String> = []
            for row in table.rows {
                let key = "\(row.rank)/\(row.code)"
                guard seen.insert(key).inserted else {
                    throw SoilMapError.invalidInput(path: table.path, "\(levels[row.rank]) '\(row.code)' appears twice")
                }
                if var known = unitRows[key] {
                    guard known.name == row.name, known.parentCode == row.parentCode else {
                        throw SoilMapError.invalidInput(path: table.path, "\(levels[row.rank]) '\(row.code)' is '\(row.name)' under '\(row.parentCode)' here, '\(known.name)' under '\(known.parentCode)' in another table of the run")
                    }
                    if known.geometry == nil { known.geometry = row.geometry }
                    unitRows[key] = known
                } else {
                    unitRows[key] = UnitRow(rank: row.rank, code: row.code, name: row.name, parentCode: row.parentCode, geometry: row.geometry)
                    unitOrder.append(key)
                }
            }
        }
        // Groups get their members' outline (a union), so that every level can be drawn.
        var memberGeometries: [String: [[UInt8]]] = [:]
        for key in unitOrder { if let row = unitRows[key], row.rank == 0, let wkb = row.geometry { memberGeometries["1/\(row.parentCode)", default: []].append(wkb) } }
        var unitFIDs: [String: Int64] = [:]
        for key in unitOrder {
            let row = unitRows[key]!
            var geometry = row.geometry
            if row.rank == 1, let members = memberGeometries[key] { geometry = try union(members) }
            if row.rank == 2 { geometry = nil }
            let outcome = try units.unit(code: row.code, name: row.name, level: levels[row.rank], rank: row.rank,
                                         parentCode: row.parentCode, geometry: geometry, period: run.period)
            unitFIDs[key] = outcome.fid
            if outcome.added { summary.unitsAdded += 1 }
            if outcome.newVersion { summary.unitVersionsAdded += 1 }
            publishedUnitCodes.insert("\(levels[row.rank])/\(row.code)")
        }

        for table in run.tables {
            let unitOfRow = table.rows.map { unitFIDs["\($0.rank)/\($0.code)"]! }
            // Indicators: one per statistic of a continuous raster, one (with its classes) per class map.
            let categorical = !table.classCodes.isEmpty
            let raster = table.step.parameters["raster"]?.stringValue ?? ""
            let band = table.step.parameters["band"].map { StepRecord.text(of: $0) } ?? "1"
            let method = table.step.lineage
            let identifiers = categorical ? [table.step.name] : table.statistics.map { "\(table.step.name).\($0)" }
            var fids: [String: Int64] = [:]
            for (index, identifier) in identifiers.enumerated() {
                if let fid = indicatorFIDs[identifier] { fids[identifier] = fid; continue }
                let statistic = categorical ? "classes" : table.statistics[index]
                var classes: String? = nil
                if categorical {
                    struct Entry: Encodable { var code: Int64, label: String, colour: String }
                    classes = try json(table.classCodes.map { Entry(code: $0, label: table.classLabels[$0]?.label ?? "", colour: table.classLabels[$0]?.colour ?? "") })
                }
                try indicators.addFeature([
                    "indicator": .string(identifier),
                    "name": .string(categorical ? "\(table.step.name): area and share per class" : "\(table.step.name): \(statistic) of band \(band)"),
                    "unit_of_measure": .string(categorical ? "ha; % of the unit's valid area" : (statistic == "count" ? "cells" : "raster value")),
                    "statistic": .string(statistic), "method": .string(method), "source": .string("\(raster) band \(band)"),
                    "target": (categorical ? table.target : valueTargets[identifier]?.text).map { .string($0) } ?? .null,
                    "classes": classes.map { .string($0) } ?? .null,
                ], geometry: nil, fid: nextIndicatorFID)
                indicatorFIDs[identifier] = nextIndicatorFID
                fids[identifier] = nextIndicatorFID
                nextIndicatorFID += 1
            }
            publishedIndicators += identifiers.compactMap { fids[$0] }
            summary.indicators += identifiers

            for (row, unit) in zip(table.rows, unitOfRow) {
                let area = row.values["area_ha"].map { FieldValue.real($0) } ?? .null
                let weight = (row.values["count"] ?? row.values["cells"]).map { FieldValue.real($0) } ?? .null
                if categorical {
                    let indicator = fids[table.step.name]!
                    let targetShare = row.values["target_pct"]
                    // The unit's own row: its valid area, and the share of the target's classes.
                    observations.append(Pending(unit: unit, indicator: indicator, values: [.null, targetShare.map { .real($0) } ?? .null, weight, area,
                                                                                          targetShare.map { .real($0) } ?? .null]))
                    for code in table.classCodes {
                        let hectares = row.values["class_\(code)_ha"] ?? 0
                        let share = row.values["class_\(code)_pct"]
                        observations.append(Pending(unit: unit, indicator: indicator, values: [.integer(code), share.map { .real($0) } ?? .null,
                                                                                              .null, .real(hectares), share.map { .real($0) } ?? .null]))
                    }
                    if let target = table.target, let share = targetShare {
                        let parsed = try ZonalTarget(parsing: target)
                        targetRows.append(Pending(unit: unit, indicator: indicator, values: [.real(parsed.maxPercent), .real(share),
                                                                                            .integer(parsed.isMet(byShare: share) ? 1 : 0), .null, .null, .null]))
                    }
                } else {
                    for statistic in table.statistics {
                        let indicator = fids["\(table.step.name).\(statistic)"]!
                        observations.append(Pending(unit: unit, indicator: indicator, values: [.null, row.values[statistic].map { .real($0) } ?? .null,
                                                                                              weight, area, .null]))
                        if let target = valueTargets["\(table.step.name).\(statistic)"], let value = row.values[statistic] {
                            targetRows.append(Pending(unit: unit, indicator: indicator, values: [.null, .null, .integer(target.isMet(by: value) ? 1 : 0),
                                                                                                target.minimum.map { .real($0) } ?? .null,
                                                                                                target.maximum.map { .real($0) } ?? .null, .real(value)]))
                        }
                    }
                }
            }
        }

        // A re-run of the period: the current observations of these indicators and units become history.
        let versionFIDs = units.fids(ofCodes: publishedUnitCodes)
        if !publishedIndicators.isEmpty, !versionFIDs.isEmpty {
            let indicatorList = Set(publishedIndicators).sorted().map(String.init).joined(separator: ",")
            let unitList = versionFIDs.sorted().map(String.init).joined(separator: ",")
            let condition = "is_current = 1 AND period = \(run.period) AND indicator_fid IN (\(indicatorList)) AND unit_fid IN (\(unitList))"
            let count = try database.dataset.executeSQL("SELECT COUNT(*) FROM observations WHERE \(condition)").rows.first?.first?.doubleValue ?? 0
            summary.superseded = Int(count)
            try database.dataset.executeSQL("UPDATE observations SET is_current = 0 WHERE \(condition)")
            try database.dataset.executeSQL("UPDATE targets SET is_current = 0 WHERE \(condition)")
        }

        let prefix: [FieldValue] = [.integer(runFID)]
        try database.insert(into: "observations", columns: ["run_fid", "unit_fid", "indicator_fid", "period", "class_code", "value", "weight",
                                                            "hectares", "share_pct", "is_current"],
                            rows: observations.map { prefix + [.integer($0.unit), .integer($0.indicator), .integer(Int64(run.period))] + $0.values + [.integer(1)] })
        summary.observations = observations.count
        try database.insert(into: "targets", columns: ["run_fid", "unit_fid", "indicator_fid", "period", "max_pct", "share_pct", "met",
                                                       "min_value", "max_value", "value", "is_current"],
                            rows: targetRows.map { prefix + [.integer($0.unit), .integer($0.indicator), .integer(Int64(run.period))] + $0.values + [.integer(1)] })
        summary.targets = targetRows.count
        return summary
    }

    private static func union(_ members: [[UInt8]]) throws -> [UInt8] {
        var result = try Geometry(wkb: members[0])
        for wkb in members.dropFirst() { result = try result.union(Geometry(wkb: wkb)) }
        return result.multiPolygon2D().wkb
    }
}
