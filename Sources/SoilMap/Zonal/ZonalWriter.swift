import Foundation
import GDAL

/// Writes zonal results: CSV (UTF-8, one row per zone, then groups, then the total), GeoPackage (layer "zones"
/// with the zone geometry, ready for a choropleth; layers "groups", "total" and "classes" without geometry), or
/// GeoJSON (zones with geometry; groups and total as features without geometry). Columns are the same in every format.
public enum ZonalWriter {
    /// Column names and values, in order; the same in every format. Each level has its own id column (a group
    /// row's code is in `group_id`, never in `zone_id`), and class columns are named by class code, not by label,
    /// so that they do not change with the legend's language.
    static func table(_ result: ZonalResult) -> (columns: [(name: String, type: FieldType)], rows: [[FieldValue]]) {
        var columns: [(String, FieldType)] = [("level", .string), ("zone_id", .string), ("zone_name", .string), ("group_id", .string),
                                              ("group_name", .string), ("source_fid", .integer64), ("repaired", .integer), ("zones", .integer),
                                              ("cells", .integer64)]
        for statistic in result.statistics { columns.append((statistic, .real)) }
        columns.append(("area_ha", .real))
        if result.categorical {
            for item in result.classes {
                columns += [("class_\(item.code)_cells", .real), ("class_\(item.code)_ha", .real), ("class_\(item.code)_pct", .real)]
            }
            // No data and the zone's whole area; shares of the whole area, nodata included (as Trends.Earth's tables).
            columns += [("nodata_cells", .real), ("nodata_ha", .real), ("nodata_pct", .real), ("zone_area_ha", .real)]
            for item in result.classes { columns.append(("class_\(item.code)_pct_of_area", .real)) }
        }
        if result.target != nil { columns += [("target_pct", .real), ("target_met", .string)] }

        let rows = result.rows.map { row -> [FieldValue] in
            let a = row.accumulator
            // A zone row carries its group's id; a group row only its own; the total neither.
            let zoneID = row.level == .zone ? row.zoneID : "", zoneName = row.level == .zone ? row.zoneName : ""
            let groupID = row.level == .total ? "" : row.groupID, groupName = row.level == .total ? "" : row.groupName
            var values: [FieldValue] = [.string(row.level.rawValue), .string(zoneID), .string(zoneName), .string(groupID),
                                        .string(groupName), row.featureID.map { .integer($0) } ?? .null, .integer(row.repaired ? 1 : 0),
                                        .integer(Int64(row.zoneCount)), .integer(Int64(a.cells))]
            for statistic in result.statistics {
                values.append(number(value(of: statistic, in: a)))
            }
            values.append(.real(a.hectares))
            if result.categorical {
                let histogram = a.histogram ?? [:]
                for item in result.classes {
                    let entry = histogram[item.code] ?? (0, 0)
                    values += [.real(entry.weight), .real(entry.hectares), number(a.hectares > 0 ? 100 * entry.hectares / a.hectares : .nan)]
                }
                let whole = a.zoneHectares
                values += [.real(a.noDataWeight), .real(a.noDataHectares), number(whole > 0 ? 100 * a.noDataHectares / whole : .nan), .real(whole)]
                for item in result.classes {
                    let entry = histogram[item.code] ?? (0, 0)
                    values.append(number(whole > 0 ? 100 * entry.hectares / whole : .nan))
                }
            }
            if let target = result.target {
                let share = a.hectares > 0
                    ? 100 * (a.histogram ?? [:]).filter { target.includes($0.key) }.reduce(0) { $0 + $1.value.hectares } / a.hectares : Double.nan
                values += [number(share), .string(share.isNaN ? "" : target.isMet(byShare: share) ? "yes" : "no")]
            }
            return values
        }
        return (columns, rows)
    }

    static func value(of statistic: String, in a: ZoneAccumulator) -> Double {
        let empty = a.weight <= 0
        switch statistic {
        case "count": return a.weight
        case "sum": return a.sum
        case "mean": return empty ? .nan : a.mean
        case "min": return empty ? .nan : a.minimum
        case "max": return empty ? .nan : a.maximum
        case "std": return empty ? .nan : a.standardDeviation
        case "variance": return empty ? .nan : a.variance
        case "median": return empty ? .nan : a.quantile(0.5)
        case "majority": return a.majority ?? .nan
        case "minority": return a.minority ?? .nan
        case "variety": return Double(a.variety ?? 0)
        default: return empty ? .nan : a.quantile(ZonalJob.percentile(statistic) ?? .nan)
        }
    }

    private static func number(_ value: Double) -> FieldValue { value.isNaN ? .null : .real(value) }

    /// Writes to `.csv`, `.gpkg` or `.geojson`/`.json`, atomically; an existing file needs `overwrite`, and the
    /// table never replaces one of `inputs` (the raster, the zones).
    public static func write(_ result: ZonalResult, to path: String, overwrite: Bool, inputs: [String] = [],
                             transaction: OutputTransaction? = nil) throws {
        try checkFormat(path)
        let lower = path.lowercased()
        try OutputTransaction.within(transaction, overwrite: overwrite, inputs: inputs) { transaction in
            try transaction.write(path) { temporary in
                if lower.hasSuffix(".csv") { try writeCSV(result, to: temporary) } else { try writeOGR(result, to: temporary, geoPackage: lower.hasSuffix(".gpkg")) }
            }
        }
    }

    /// The table formats, by extension.
    public static func checkFormat(_ path: String) throws {
        guard [".csv", ".gpkg", ".geojson", ".json"].contains(where: path.lowercased().hasSuffix) else {
            throw SoilMapError.invalidArgument("-o \(path): use .csv, .gpkg or .geojson")
        }
    }

    static func writeCSV(_ result: ZonalResult, to path: String) throws {
        let (columns, rows) = table(result)
        let text = CSVText.text(header: columns.map(\.name), rows: rows)
        do { try text.write(toFile: path, atomically: false, encoding: .utf8) } catch {
            throw SoilMapError.invalidInput(path: path, "cannot be written (\(error.localizedDescription))")
        }
    }

    /// GeoPackage: a `zones` layer (MultiPolygon in the zones' CRS, its fid the source FID), `groups` and `total`
    /// tables, and for a categorical raster a `classes` table (code, label, colour). GeoJSON: one collection of
    /// every row, with the classes as a `classes` member of the collection.
    static func writeOGR(_ result: ZonalResult, to path: String, geoPackage: Bool) throws {
        // A GeoPackage records when it was written (gpkg_contents.last_change): a fixed date keeps the same table
        // byte-identical between runs, which `soilmap verify` relies on. The run's date is in its manifest.
        try ConfigOptions.with(["OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"]) {
            try writeOGRTables(result, to: path, geoPackage: geoPackage)
        }
    }

    private static func writeOGRTables(_ result: ZonalResult, to path: String, geoPackage: Bool) throws {
        let (columns, rows) = table(result)
        let dataset = try Driver(geoPackage ? "GPKG" : "GeoJSON").createVector(path: path)
        let crs = result.zoneCRSWKT.isEmpty ? nil : try SpatialReference(wkt: result.zoneCRSWKT)
        func makeLayer(_ name: String, geometry: Bool, options: [String] = []) throws -> Layer {
            let layer = try dataset.createLayer(name: name, spatialReference: geometry ? crs : nil, geometryType: geometry ? .multiPolygon : .none,
                                                options: options)
            for column in columns { try layer.createField(FieldDefinition(name: column.name, type: column.type)) }
            return layer
        }
        var geoJSONOptions: [String] = []
        if !geoPackage, result.categorical {
            geoJSONOptions = ["NATIVE_MEDIA_TYPE=application/vnd.geo+json", "NATIVE_DATA=" + (try classesJSON(result.classes))]
        }
        let zonesLayer = try makeLayer("zones", geometry: true, options: geoJSONOptions)
        let groupsLayer = geoPackage && result.rows.contains { $0.level == .group } ? try makeLayer("groups", geometry: false) : zonesLayer
        let totalLayer = geoPackage ? try makeLayer("total", geometry: false) : zonesLayer
        try dataset.withTransaction {
            for (row, values) in zip(result.rows, rows) {
                let layer = row.level == .zone ? zonesLayer : row.level == .group ? groupsLayer : totalLayer
                let geometry = row.geometryWKB.isEmpty ? nil : try Geometry(wkb: row.geometryWKB).multiPolygon2D()
                try layer.addFeature(values: values, geometry: geometry, fid: geoPackage && row.level == .zone ? row.featureID : nil)
            }
            if geoPackage, result.categorical {
                let classes = try dataset.createLayer(name: "classes", spatialReference: nil, geometryType: .none)
                for field in [FieldDefinition(name: "code", type: .integer64), FieldDefinition(name: "label", type: .string),
                              FieldDefinition(name: "colour", type: .string)] {
                    try classes.createField(field)
                }
                for item in result.classes {
                    try classes.addFeature(values: [.integer(item.code), .string(item.label), .string(item.colour)])
                }
            }
        }
        try dataset.close()
        // GDAL 3.6 does not report every failed write (the GeoJSON writer ignores a full disk): read the table
        // back and count its rows before it may replace anything.
        let check = try Dataset.open(path, kind: .vector)
        let written = check.layers.filter { ["zones", "groups", "total"].contains($0.name) }.reduce(0) { $0 + $1.featureCount }
        guard written == rows.count else {
            throw SoilMapError.invalidInput(path: path, "was written incompletely (\(written) of \(rows.count) rows read back)")
        }
    }

    /// `{"classes":[{"code":1,"colour":"#…","label":"…"},…]}`, for the GeoJSON collection.
    static func classesJSON(_ classes: [ZonalClass]) throws -> String {
        struct Entry: Encodable { var code: Int64, label: String, colour: String }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(["classes": classes.map { Entry(code: $0.code, label: $0.label, colour: $0.colour) }])
        return String(decoding: data, as: UTF8.self)
    }
}
