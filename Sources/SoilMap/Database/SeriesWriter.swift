import Foundation
import GDAL

/// Writes a query's series: CSV (UTF-8, one row per unit and period), or a GeoPackage layer `series` with each
/// unit's boundary and a `date` field (1 January of the period), which QGIS animates as a time-enabled layer
/// (Layer Properties > Temporal > single field with date).
public enum SeriesWriter {
    static func table(_ result: SeriesQuery.Result) -> (columns: [(name: String, type: FieldType)], rows: [[FieldValue]]) {
        var columns: [(String, FieldType)] = [("unit_code", .string), ("unit_name", .string), ("level", .string), ("parent_code", .string),
                                              ("period", .integer), ("date", .date), ("indicator", .string), ("value", .real),
                                              ("weight", .real), ("area_ha", .real)]
        for code in result.classCodes { columns += [("class_\(code)_ha", .real), ("class_\(code)_pct", .real)] }
        columns += [("target", .string), ("target_met", .string), ("units", .integer), ("runs", .string)]
        func number(_ value: Double?) -> FieldValue { value.map { $0.isFinite ? .real($0) : .null } ?? .null }
        let rows = result.rows.map { row -> [FieldValue] in
            var values: [FieldValue] = [.string(row.unitCode), .string(row.unitName), .string(row.level), .string(row.parentCode),
                                        .integer(Int64(row.period)), .string(String(format: "%04d-01-01", row.period)), .string(result.indicator),
                                        number(row.value), number(row.weight), number(row.hectares)]
            for code in result.classCodes {
                values += [number(row.classes[code]?.hectares ?? (row.classes.isEmpty ? nil : 0)), number(row.classes[code]?.share)]
            }
            values += [row.target.map { .string($0) } ?? .null, row.targetMet.map { .string($0 ? "yes" : "no") } ?? .null,
                       .integer(Int64(row.units)), .string(row.runs.joined(separator: " "))]
            return values
        }
        return (columns, rows)
    }

    /// CSV text, as `write` puts in a .csv file.
    public static func csv(_ result: SeriesQuery.Result) -> String {
        let (columns, rows) = table(result)
        let text = CSVText.text(header: columns.map(\.name), rows: rows)
        return text
    }

    /// To `.csv` or `.gpkg`, atomically; an existing file needs `overwrite`.
    public static func write(_ result: SeriesQuery.Result, to path: String, overwrite: Bool) throws {
        let lower = path.lowercased()
        guard lower.hasSuffix(".csv") || lower.hasSuffix(".gpkg") else {
            throw SoilMapError.invalidArgument("-o \(path): use .csv or .gpkg")
        }
        let transaction = OutputTransaction(overwrite: overwrite)
        try transaction.write(path) { temporary in
            if lower.hasSuffix(".csv") {
                do { try csv(result).write(toFile: temporary, atomically: false, encoding: .utf8) } catch {
                    throw SoilMapError.invalidInput(path: path, "cannot be written (\(error.localizedDescription))")
                }
            } else {
                try writeGeoPackage(result, to: temporary)
            }
        }
        try transaction.commit()
    }

    static func writeGeoPackage(_ result: SeriesQuery.Result, to path: String) throws {
        let (columns, rows) = table(result)
        let dataset = try Driver("GPKG").createVector(path: path)
        let layer = try dataset.createLayer(name: "series", spatialReference: try SpatialReference(epsg: SoilHealthSchema.epsg),
                                            geometryType: .multiPolygon, options: ["FID=fid", "GEOMETRY_NAME=geom"])
        for column in columns { try layer.createField(FieldDefinition(name: column.name, type: column.type)) }
        try dataset.withTransaction {
            for (row, values) in zip(result.rows, rows) {
                try layer.addFeature(values: values, geometry: try row.geometry.map { try Geometry(wkb: $0) })
            }
        }
        try dataset.close()
        let check = try Dataset.open(path, kind: .vector)
        guard try check.layer(named: "series").featureCount == rows.count else {
            throw SoilMapError.invalidInput(path: path, "was written incompletely")
        }
    }
}
