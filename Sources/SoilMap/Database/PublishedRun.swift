import Digest
import Foundation
import GDAL

/// What a run directory gives the database: its manifest (checked against the files), its period, and the
/// tables of its zonal steps read back as units, indicators and values.
struct PublishedRun {
    /// SHA-256 of manifest.json: the run's identity in the database.
    var key: String
    var manifest: RunManifest
    var manifestText: String
    var period: Int
    var tables: [ZonalTable]
    /// Targets given for continuous indicators (indicator id -> rule), part of the run's content.
    var valueTargets: [String: ValueTarget] = [:]

    /// What the database would hold from this run, as a hash: the period, the level names, each published
    /// table (step, path, SHA-256) and the value targets. Timings and reuse do not enter it: a re-run that
    /// changed nothing has the content of the run before it.
    func contentKey(levels: [String]) -> String {
        var lines = ["period \(period)", "levels \(levels.joined(separator: ","))"]
        lines += tables.map { table in "table \(table.step.name) \(table.step.outputs.first?.path ?? "") \(table.step.outputs.first?.sha256 ?? "")" }.sorted()
        lines += valueTargets.map { "target \($0.key) \($0.value.text)" }.sorted()
        return SHA256.hex(Array(lines.joined(separator: "\n").utf8))
    }

    /// One zonal output: its rows by level, its statistics, its classes and target.
    struct ZonalTable {
        var step: StepRecord
        var path: String
        var statistics: [String]
        /// Class codes of a class map (columns class_N_ha), in column order; empty for a continuous raster.
        var classCodes: [Int64]
        var classLabels: [Int64: (label: String, colour: String)]
        var target: String?
        var rows: [Row]
    }

    struct Row {
        /// 0 zone, 1 group, 2 total.
        var rank: Int
        var code: String
        var name: String
        var parentCode: String
        /// WKB in EPSG:4326, zones of a table with geometry only.
        var geometry: [UInt8]?
        var values: [String: Double]
    }

    static func load(runDirectory: String, period given: Int?, levels: [String]) throws -> PublishedRun {
        let (manifest, manifestPath, data) = try RunManifest.load(runDirectory: runDirectory)
        guard manifest.status == "succeeded" else {
            throw SoilMapError.invalidInput(path: manifestPath, "records a run that did not finish (\(manifest.status)); only finished runs are published")
        }
        let periodText = given.map(String.init) ?? manifest.variables["period"] ?? manifest.variables["year"]
        guard let periodText else {
            throw SoilMapError.invalidInput(path: manifestPath, "says nothing of the period: set a 'period' (or 'year') variable in the pipeline, or give --period YEAR")
        }
        guard let period = Int(periodText), (1900...2200).contains(period) else {
            throw SoilMapError.invalidInput(path: manifestPath, "period '\(periodText)' is not a year")
        }
        let zonalSteps = manifest.steps.filter { $0.kind == ZonalStep.kind }
        guard !zonalSteps.isEmpty else {
            throw SoilMapError.invalidInput(path: manifestPath, "the run has no zonal step: nothing per unit to publish")
        }
        var tables: [ZonalTable] = []
        for step in zonalSteps {
            guard let output = step.outputs.first else { continue }
            let path = RunManifest.location(of: output.path, in: runDirectory)
            // The file must be the one the manifest describes: a changed table is not this run's result.
            let current: (sha256: String, size: Int64)
            do { current = try SHA256.file(atPath: path) } catch {
                throw SoilMapError.invalidInput(path: path, "output of step '\(step.name)' is missing or unreadable (\(error))")
            }
            guard current.sha256 == output.sha256 else {
                throw SoilMapError.invalidInput(path: path, "does not match the run's manifest (SHA-256 \(current.sha256.prefix(12))…, recorded \(output.sha256.prefix(12))…): not publishing a changed run")
            }
            tables.append(try readTable(step: step, path: path, levels: levels))
        }
        return PublishedRun(key: SHA256.hex(Array(data)), manifest: manifest, manifestText: String(decoding: data, as: UTF8.self),
                            period: period, tables: tables)
    }

    /// Reads a zonal table (CSV, GeoPackage or GeoJSON, as `ZonalWriter` writes them) back.
    static func readTable(step: StepRecord, path: String, levels: [String]) throws -> ZonalTable {
        let dataset: Dataset
        do { dataset = try Dataset.open(path, kind: .vector) } catch {
            throw SoilMapError.invalidInput(path: path, "cannot be read (\(SoilHealthDatabase.reason(error)))")
        }
        let statistics = step.parameters["stats"].flatMap { value -> [String]? in
            if case .array(let items) = value { return items.compactMap(\.stringValue) }
            return nil
        } ?? []
        let target = step.parameters["target"]?.stringValue
        let tableLayers = dataset.layers.filter { ["zones", "groups", "total"].contains($0.name) }
        let layers = tableLayers.isEmpty ? dataset.layers : tableLayers
        guard let first = layers.first else { throw SoilMapError.invalidInput(path: path, "has no table") }
        let columns = first.fields.map(\.name)
        for required in ["level", "zone_id", "zone_name", "group_id", "group_name", "area_ha"] where !columns.contains(required) {
            throw SoilMapError.invalidInput(path: path, "is not a soilmap zonal table (no column '\(required)')")
        }
        let classCodes = columns.compactMap { name -> Int64? in
            guard name.hasPrefix("class_"), name.hasSuffix("_ha") else { return nil }
            return Int64(name.dropFirst(6).dropLast(3))
        }
        var classLabels: [Int64: (String, String)] = [:]
        if let classes = try? dataset.layer(named: "classes") {
            try classes.forEachFeature { feature in
                if case .integer(let code) = try feature.value(named: "code") {
                    classLabels[code] = (try feature.value(named: "label").stringValue ?? "", try feature.value(named: "colour").stringValue ?? "")
                }
            }
        }
        let toWGS84: CoordinateTransformation? = try first.spatialReference.map {
            try CoordinateTransformation(from: $0, to: SpatialReference(epsg: SoilHealthSchema.epsg))
        }
        let numericColumns = statistics + ["area_ha", "cells", "target_pct"] + classCodes.flatMap { ["class_\($0)_ha", "class_\($0)_pct"] }
        let rootCode = levels[2]
        var rows: [Row] = []
        for layer in layers {
            let names = layer.fields.map(\.name)
            try layer.forEachFeature { feature in
                func text(_ name: String) -> String { names.contains(name) ? ((try? feature.value(named: name))?.stringValue ?? "") : "" }
                let level = text("level")
                var values: [String: Double] = [:]
                for column in numericColumns where names.contains(column) {
                    if let number = (try? feature.value(named: column))?.doubleValue, number.isFinite { values[column] = number }
                }
                let hasGroups = !text("group_id").isEmpty
                var row: Row
                switch level {
                case "zone":
                    row = Row(rank: 0, code: text("zone_id"), name: text("zone_name"), parentCode: hasGroups ? text("group_id") : rootCode,
                              geometry: nil, values: values)
                    if let geometry = feature.geometry, let toWGS84 {
                        let copy = geometry.multiPolygon2D()
                        try copy.transform(toWGS84)
                        row.geometry = copy.wkb
                    }
                case "group":
                    row = Row(rank: 1, code: text("group_id"), name: text("group_name"), parentCode: rootCode, geometry: nil, values: values)
                case "total":
                    row = Row(rank: 2, code: rootCode, name: rootCode, parentCode: "", geometry: nil, values: values)
                default:
                    throw SoilMapError.invalidInput(path: path, "row level '\(level)' is not zone, group or total")
                }
                guard !row.code.isEmpty else { throw SoilMapError.invalidInput(path: path, "a \(level) row has no id") }
                rows.append(row)
            }
        }
        return ZonalTable(step: step, path: path, statistics: statistics, classCodes: classCodes, classLabels: classLabels,
                          target: target, rows: rows)
    }
}
