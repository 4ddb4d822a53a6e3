import Foundation
import GDAL

/// Where survey points come from: any OGR point source (its own CRS), or a CSV with coordinate columns and a CRS
/// given by the user.
public struct PointSource: Codable, Hashable, Sendable {
    public var path: String
    /// The layer to read (default: the first).
    public var layer: String?
    /// CSV coordinate columns (default: x/X/lon/long/longitude/easting and y/Y/lat/latitude/northing).
    public var xField: String?
    public var yField: String?
    /// The points' CRS (EPSG:N, WKT, PROJ): required when the source declares none, replaces a declared one.
    public var crs: String?

    public init(path: String, layer: String? = nil, xField: String? = nil, yField: String? = nil, crs: String? = nil) {
        self.path = path
        self.layer = layer
        self.xField = xField
        self.yField = yField
        self.crs = crs
    }

    static let defaultXNames = ["x", "X", "lon", "long", "longitude", "easting"]
    static let defaultYNames = ["y", "Y", "lat", "latitude", "northing"]

    var isCSV: Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".csv") || lower.hasSuffix(".txt") || lower.hasPrefix("csv:")
    }

    /// GDAL's CSV driver opens a .txt only when told (CSV:PATH); a missing file is still named plainly.
    var openPath: String {
        guard isCSV, !path.lowercased().hasPrefix("csv:"), path.lowercased().hasSuffix(".txt") else { return path }
        return "CSV:" + path
    }

    /// GDAL's CSV driver reads points from the coordinate columns and keeps them as attributes too.
    var openOptions: [String] {
        guard isCSV else { return [] }
        return ["X_POSSIBLE_NAMES=" + (xField.map { [$0] } ?? Self.defaultXNames).joined(separator: ","),
                "Y_POSSIBLE_NAMES=" + (yField.map { [$0] } ?? Self.defaultYNames).joined(separator: ","),
                "KEEP_GEOM_COLUMNS=YES", "AUTODETECT_TYPE=YES"]
    }
}

/// Survey points read into memory: coordinates in their own CRS, and every attribute of every point.
public struct SurveyPoints: Sendable {
    public var path: String
    public var fields: [FieldDefinition]
    /// One row per point, in the source's order, values in `fields` order.
    public var attributes: [[FieldValue]]
    public var x: [Double]
    public var y: [Double]
    /// The points' CRS as WKT ("" when neither the source nor the user gives one).
    public var crsWKT: String

    public var count: Int { x.count }

    /// Reads every point of the source. A feature without a point geometry is an error naming its row: a
    /// survey silently losing samples would bias every map made from it.
    public static func read(_ source: PointSource) throws -> SurveyPoints {
        guard source.path.lowercased().hasPrefix("csv:") || source.path.hasPrefix("/vsi") || FileManager.default.fileExists(atPath: source.path) else {
            throw SoilMapError.invalidInput(path: source.path, "no such file")
        }
        let dataset = try Dataset.open(source.openPath, kind: .vector, openOptions: source.openOptions)
        let layer = try source.layer.map { try dataset.layer(named: $0) } ?? dataset.layer(0)
        var crsWKT = layer.spatialReference?.wkt() ?? ""
        if let crs = source.crs {
            do { crsWKT = try SpatialReference(definition: crs).wkt() } catch {
                throw SoilMapError.invalidArgument("--points-crs \(crs): not a CRS GDAL understands")
            }
        }
        guard layer.hasGeometry || source.isCSV else {
            throw SoilMapError.invalidInput(path: source.path, "layer '\(layer.name)' has no geometry (points are needed)")
        }
        var points = SurveyPoints(path: source.path, fields: layer.fields, attributes: [], x: [], y: [], crsWKT: crsWKT)
        var row = 0
        try layer.forEachFeature { feature in
            row += 1
            guard let point = feature.geometry?.pointCoordinates, point.x.isFinite, point.y.isFinite else {
                let what = source.isCSV ? "row \(row) has no numeric coordinates in its x/y columns (give --x-field/--y-field)"
                                        : "feature \(feature.id) is not a point"
                throw SoilMapError.invalidInput(path: source.path, what)
            }
            points.x.append(point.x)
            points.y.append(point.y)
            points.attributes.append((0..<points.fields.count).map { feature.value(at: $0) })
        }
        guard points.count > 0 else { throw SoilMapError.invalidInput(path: source.path, "has no points") }
        return points
    }

    /// The points' coordinates in another CRS (WKT); the same ones when either CRS is unknown or they are the same.
    public func coordinates(inCRS targetWKT: String) throws -> (x: [Double], y: [Double]) {
        guard !crsWKT.isEmpty, !targetWKT.isEmpty else { return (x, y) }
        let source = try SpatialReference(wkt: crsWKT), target = try SpatialReference(wkt: targetWKT)
        if source.isSame(as: target) { return (x, y) }
        var xs = x, ys = y
        do { try CoordinateTransformation(from: source, to: target).transform(x: &xs, y: &ys) } catch {
            throw SoilMapError.invalidInput(path: path, "points cannot be transformed to the grid's CRS (\(error))")
        }
        return (xs, ys)
    }

    /// The numeric values of `field`, one per point, nil where the value is empty. A missing field or a value
    /// that is not a number is an error naming the field and the row.
    public func numericValues(of field: String) throws -> [Double?] {
        guard let index = fields.firstIndex(where: { $0.name == field }) ?? fields.firstIndex(where: { $0.name.lowercased() == field.lowercased() }) else {
            throw SoilMapError.invalidInput(path: path, "has no field '\(field)' (fields: \(fields.map(\.name).joined(separator: ", ")))")
        }
        return try attributes.enumerated().map { row, values in
            switch values[index] {
            case .null: return nil
            case .integer(let number): return Double(number)
            case .real(let number): return number.isFinite ? number : nil
            case .string(let text):
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.uppercased() == "NA" { return nil }
                guard let number = Double(trimmed), number.isFinite else {
                    throw SoilMapError.invalidInput(path: path, "field '\(field)', point \(row + 1): '\(text)' is not a number")
                }
                return number
            }
        }
    }
}
