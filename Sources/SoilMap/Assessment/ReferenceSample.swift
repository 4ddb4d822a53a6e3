import Foundation
import GDAL

/// The reference units placed on the map's grid: a cell and the reference label of each. Points are one unit each
/// (the cell they fall in); polygons give every cell whose centre they contain.
struct ReferenceSample {
    enum Kind: String { case points, polygons }

    var kind: Kind
    var cells: [(column: Int, row: Int)] = []
    /// The field's text at each unit, trimmed (a whole Real without its ".0").
    var labels: [String] = []
    /// Features read, and how many lay outside the map, had no geometry or no label.
    var features = 0
    var outside = 0
    var withoutGeometry = 0
    var unlabelled = 0

    /// Reads `path` (any OGR source; `layer` by name, else the first), its features transformed to the map's CRS.
    static func read(_ path: String, layer layerName: String?, field: String, grid: RasterGrid, map: String) throws -> ReferenceSample {
        let source = ZoneSource(path: path, layer: layerName, idField: field)
        let layer = try source.openLayer()
        guard layer.hasGeometry else {
            throw SoilMapError.invalidInput(path: path, "layer '\(layer.name)' has no geometry: the reference must be points or polygons")
        }
        if let dimension = layer.geometryDimension, dimension == 2 {
            return try polygons(source, grid: grid, map: map)
        }
        if let dimension = layer.geometryDimension, dimension == 1 {
            throw SoilMapError.invalidInput(path: path, "layer '\(layer.name)' has \(layer.geometryTypeName) geometries: the reference must be points or polygons")
        }
        let fieldIndex = try layer.fieldIndex(field)
        let mapCRS = grid.crsWKT.isEmpty ? nil : try SpatialReference(wkt: grid.crsWKT)
        var transformation: CoordinateTransformation?
        switch (layer.spatialReference, mapCRS) {
        case (nil, let mapCRS?):
            throw SoilMapError.invalidInput(path: path, "layer '\(layer.name)' has no CRS (a shapefile without its .prj?), so it cannot be placed on the map (\(mapCRS.name)); assign it with ogr2ogr -a_srs")
        case (let layerCRS?, nil):
            throw SoilMapError.invalidInput(path: map, "has no CRS, so the reference (\(layerCRS.name)) cannot be placed on it; assign it with gdal_edit.py -a_srs")
        case (let layerCRS?, let mapCRS?) where !layerCRS.isSame(as: mapCRS):
            transformation = try CoordinateTransformation(from: layerCRS, to: mapCRS)
        default:
            break
        }
        var sample = ReferenceSample(kind: .points)
        try layer.forEachFeature { feature in
            sample.features += 1
            guard let geometry = feature.geometry, !geometry.isEmpty else { sample.withoutGeometry += 1; return }
            guard geometry.dimension == 0, geometry.typeName.uppercased() == "POINT" else {
                throw SoilMapError.invalidInput(path: path, "feature FID \(feature.id) is a \(geometry.typeName): the reference must be single points or polygons")
            }
            let label = Self.text(feature, fieldIndex)
            guard !label.isEmpty else { sample.unlabelled += 1; return }
            var point = (x: geometry.envelope.minX, y: geometry.envelope.minY)
            if let transformation {
                do { point = try transformation.transform(x: point.x, y: point.y) } catch { sample.outside += 1; return }
            }
            guard let pixel = grid.geoTransform.pixel(x: point.x, y: point.y) else { sample.outside += 1; return }
            let column = Int((pixel.column).rounded(.down)), row = Int((pixel.row).rounded(.down))
            guard (0..<grid.width).contains(column), (0..<grid.height).contains(row) else { sample.outside += 1; return }
            sample.cells.append((column, row))
            sample.labels.append(label)
        }
        return sample
    }

    /// Every cell whose centre a polygon contains is a unit with the polygon's label.
    static func polygons(_ source: ZoneSource, grid: RasterGrid, map: String) throws -> ReferenceSample {
        let (zones, _, _) = try source.load(onto: grid, raster: map)
        var sample = ReferenceSample(kind: .polygons)
        for zone in zones {
            sample.features += 1
            guard !zone.rasterWKB.isEmpty else { sample.withoutGeometry += 1; continue }
            guard !zone.id.isEmpty else { sample.unlabelled += 1; continue }
            guard let window = zone.window else { sample.outside += 1; continue }
            let geometry = try Geometry(wkb: zone.rasterWKB)
            let origin = grid.geoTransform.world(column: Double(window.column), row: Double(window.row))
            var transform = grid.geoTransform
            transform.originX = origin.x
            transform.originY = origin.y
            let mask = try geometry.rasterMask(width: window.width, height: window.height, geoTransform: transform, allTouched: false)
            var cells = 0
            for r in 0..<window.height {
                for c in 0..<window.width where mask[r * window.width + c] != 0 {
                    sample.cells.append((window.column + c, window.row + r))
                    sample.labels.append(zone.id.trimmingCharacters(in: .whitespaces))
                    cells += 1
                }
            }
            if cells == 0 { sample.outside += 1 }
        }
        return sample
    }

    /// Text of a field, trimmed; a whole number stored as Real (shapefiles) without its ".0".
    static func text(_ feature: Feature, _ index: Int) -> String {
        if case .real(let value) = feature.value(at: index), value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return feature.string(at: index).trimmingCharacters(in: .whitespaces)
    }
}
