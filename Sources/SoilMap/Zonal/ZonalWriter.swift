import Foundation
import GDAL

/// Writes zonal results: CSV (UTF-8, one row per zone, then groups, then the total), GeoPackage (layer "zones"
/// with the zone geometry, ready for a choropleth; layers "groups" and "total" without geometry), or GeoJSON
/// (zones with geometry; groups and total as features without geometry). Columns are the same in every format.
public enum ZonalWriter {
    /// Column names and values, in order.
    static func table(_ result: ZonalResult) -> (columns: [(name: String, type: FieldType)], rows: [[FieldValue]]) {
        var columns: [(String, FieldType)] = [("level", .string), ("zone_id", .string), ("zone_name", .string), ("group_id", .string),
                                              ("group_name", .string), ("fid", .integer64), ("repaired", .integer), ("zones", .integer),
                                              ("cells", .integer64)]
        for statistic in result.statistics {
            columns.append((statistic, ["majority", "minority", "variety"].contains(statistic) ? .real : .real))
        }
        columns.append(("area_ha", .real))
        if result.categorical {
            for item in result.classes {
                columns += [("\(item.label) [cells]", .real), ("\(item.label) [ha]", .real), ("\(item.label) [%]", .real)]
            }
        }
        if result.target != nil { columns += [("target_pct", .real), ("target_met", .string)] }

        let rows = result.rows.map { row -> [FieldValue] in
            let a = row.accumulator
            var values: [FieldValue] = [.string(row.level.rawValue), .string(row.id), .string(row.name), .string(row.groupID),
                                        .string(row.groupName), row.featureID.map { .integer($0) } ?? .null, .integer(row.repaired ? 1 : 0),
                                        .integer(Int64(row.zoneCount)), .integer(Int64(a.cells))]
            for statistic in result.statistics {
                values.append(number(value(of: statistic, in: a)))
            }
            values.append(.real(a.hectares))
            if result.categorical {
                let histogram = a.histogram ?? [:]
                for item in result.classes {
                    let entry = histogram[item.value] ?? (0, 0)
                    values += [.real(entry.weight), .real(entry.hectares), number(a.hectares > 0 ? 100 * entry.hectares / a.hectares : .nan)]
                }
            }
            if let target = result.target {
                let share = a.hectares > 0
                    ? 100 * (a.histogram ?? [:]).filter { target.includes($0.key) }.reduce(0) { $0 + $1.value.hectares } / a.hectares : Double.nan
                values += [number(share), .string(share.isNaN ? "" : share <= target.maxPercent ? "yes" : "no")]
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
        func quote(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var text = columns.map { quote($0.name) }.joined(separator: ",") + "\n"
        for row in rows {
            text += row.map { value -> String in
                switch value {
                case .null: return ""
                case .integer(let number): return String(number)
                case .real(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
                case .string(let string): return quote(string)
                }
            }.joined(separator: ",") + "\n"
        }
        do { try text.write(toFile: path, atomically: false, encoding: .utf8) } catch {
            throw SoilMapError.invalidInput(path: path, "cannot be written (\(error.localizedDescription))")
        }
    }

    static func writeOGR(_ result: ZonalResult, to path: String, geoPackage: Bool) throws {
        let (columns, rows) = table(result)
        let dataset = try Driver(geoPackage ? "GPKG" : "GeoJSON").createVector(path: path)
        let crs = result.zoneCRSWKT.isEmpty ? nil : try SpatialReference(wkt: result.zoneCRSWKT)
        func makeLayer(_ name: String, geometry: Bool) throws -> Layer {
            let layer = try dataset.createLayer(name: name, spatialReference: geometry ? crs : nil, geometryType: geometry ? .unknown : .none)
            for column in columns { try layer.createField(FieldDefinition(name: column.name, type: column.type)) }
            return layer
        }
        let zonesLayer = try makeLayer("zones", geometry: true)
        let groupsLayer = geoPackage && result.rows.contains { $0.level == .group } ? try makeLayer("groups", geometry: false) : zonesLayer
        let totalLayer = geoPackage ? try makeLayer("total", geometry: false) : zonesLayer
        try dataset.withTransaction {
            for (row, values) in zip(result.rows, rows) {
                let layer = row.level == .zone ? zonesLayer : row.level == .group ? groupsLayer : totalLayer
                let geometry = row.geometryWKB.isEmpty ? nil : try Geometry(wkb: row.geometryWKB)
                try layer.addFeature(values: values, geometry: geometry)
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
}
