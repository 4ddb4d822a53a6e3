import Foundation
import GDAL

/// Survey points with their attributes and computed columns, written as UTF-8 CSV or as a GeoPackage of points
/// in the points' CRS. Empty (NaN) values are empty cells / NULL.
struct SurveyTable {
    var points: SurveyPoints
    var extraColumns: [String]
    /// One array per extra column, one value per point.
    var extraValues: [[Double]]

    static func checkFormat(_ path: String) throws {
        guard [".csv", ".gpkg"].contains(where: path.lowercased().hasSuffix) else {
            throw SoilMapError.invalidArgument("-o \(path): use .csv or .gpkg")
        }
    }

    /// `format`: the user's output path, whose extension decides the format (the temporary path may differ).
    func write(to path: String, format: String) throws {
        if format.lowercased().hasSuffix(".gpkg") { try writeGeoPackage(to: path) } else { try writeCSV(to: path) }
    }

    /// Attribute names that would clash with a computed column get a suffix.
    private var attributeNames: [String] { points.fields.map(\.name) }

    static func quote(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func cell(_ value: Double) -> String { value.isNaN ? "" : numberText(value) }

    func writeCSV(to path: String) throws {
        var text = (attributeNames + extraColumns).map(Self.quote).joined(separator: ",") + "\n"
        for point in 0..<points.count {
            var cells = points.attributes[point].map { value -> String in
                switch value {
                case .null: return ""
                case .integer(let number): return String(number)
                case .real(let number): return Self.cell(number)
                case .string(let string): return Self.quote(string)
                }
            }
            cells += extraValues.map { Self.cell($0[point]) }
            text += cells.joined(separator: ",") + "\n"
        }
        do { try text.write(toFile: path, atomically: false, encoding: .utf8) } catch {
            throw SoilMapError.invalidInput(path: path, "cannot be written (\(error.localizedDescription))")
        }
    }

    func writeGeoPackage(to path: String) throws {
        // A fixed date keeps the same table byte-identical between runs (gpkg_contents.last_change).
        try ConfigOptions.with(["OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"]) {
            let dataset = try Driver("GPKG").createVector(path: path)
            let crs = points.crsWKT.isEmpty ? nil : try SpatialReference(wkt: points.crsWKT)
            let layer = try dataset.createLayer(name: "points", spatialReference: crs, geometryType: .point)
            for field in points.fields { try layer.createField(field) }
            for column in extraColumns { try layer.createField(FieldDefinition(name: column, type: .real)) }
            try dataset.withTransaction {
                for point in 0..<points.count {
                    let values = points.attributes[point] + extraValues.map { $0[point].isNaN ? FieldValue.null : .real($0[point]) }
                    try layer.addFeature(values: values, geometry: Geometry(pointX: points.x[point], y: points.y[point], spatialReference: crs),
                                         fid: Int64(point + 1))
                }
            }
            try dataset.close()
        }
    }
}
