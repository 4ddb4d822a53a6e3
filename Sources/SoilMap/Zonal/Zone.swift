import Foundation
import GDAL

/// A zone: its identity, its geometry (as read, for outputs) and its footprint on the raster grid.
public struct Zone: Sendable {
    /// Position in the source layer, from 0: rows are written in this order.
    public var index: Int
    public var featureID: Int64
    public var id: String
    public var name: String
    public var groupID: String
    public var groupName: String
    /// The geometry as read (source CRS), ISO WKB; empty when the feature has none.
    public var sourceWKB: [UInt8]
    /// The geometry in the raster's CRS, ISO WKB.
    var rasterWKB: [UInt8]
    /// Rings in raster pixel coordinates (column, row), exteriors and holes oriented oppositely.
    var rings: [[(x: Double, y: Double)]]
    /// The cells the zone can touch, or nil when it lies outside the raster (its row then has count 0).
    public var window: PixelWindow?
    /// True when the geometry was invalid and was repaired with GEOS MakeValid.
    public var repaired: Bool
}

/// Where zones come from: an OGR layer and the fields that name and group them.
public struct ZoneSource: Sendable {
    public var path: String
    public var layer: String?
    public var idField: String
    public var nameField: String?
    public var groupField: String?
    public var groupNameField: String?

    public init(path: String, layer: String? = nil, idField: String, nameField: String? = nil,
                groupField: String? = nil, groupNameField: String? = nil) {
        self.path = path
        self.layer = layer
        self.idField = idField
        self.nameField = nameField
        self.groupField = groupField
        self.groupNameField = groupNameField
    }

    /// The files a zones source is made of: a shapefile's .dbf, .shx and .prj beside it.
    public static func files(of path: String) -> [String] {
        guard path.lowercased().hasSuffix(".shp") else { return [path] }
        let stem = String(path.dropLast(4))
        return [path] + ["dbf", "shx", "prj", "cpg"].map { stem + "." + $0 }
    }

    /// The layer the zones come from: `layer` by name, or the first. A shapefile whose `.dbf` is missing, or there
    /// but unreadable, is an error naming the `.dbf` (OGR would open it with no fields at all).
    public func openLayer() throws -> Layer {
        if (path as NSString).pathExtension.lowercased() == "shp", FileManager.default.fileExists(atPath: path) {
            let base = (path as NSString).deletingPathExtension
            let candidates = [base + ".dbf", base + ".DBF"]
            if !candidates.contains(where: FileManager.default.fileExists(atPath:)) {
                throw SoilMapError.invalidInput(path: candidates[0], "missing: it holds the attributes of \(path), such as the id field '\(idField)'")
            }
        }
        let dataset = try Dataset.open(path, kind: .vector)
        try ShapefileIntegrity.requireAttributes(of: dataset)
        return try self.layer.map(dataset.layer(named:)) ?? dataset.layer(0)
    }

    /// Reads every feature of the chosen layer and puts it on `grid` (the grid of `raster`, named in errors):
    /// transformed to the raster's CRS, repaired if invalid.
    /// Nothing is dropped: a feature without geometry, or one outside the raster, is a zone with no cells.
    /// Warnings name the feature (FID and id). Errors: zones that are not polygons, and a CRS on one side only
    /// (the zones cannot then be placed on the raster).
    public func load(onto grid: RasterGrid, raster: String) throws -> (zones: [Zone], warnings: [String], crsWKT: String) {
        guard grid.geoTransform.isNorthUp else {
            throw SoilMapError.invalidArgument("zonal statistics need a north-up raster (no rotation in the geotransform)")
        }
        let layer = try openLayer()
        guard layer.hasGeometry else {
            throw SoilMapError.invalidInput(path: path, "layer '\(layer.name)' has no geometry; zones must be polygons")
        }
        if let dimension = layer.geometryDimension, dimension < 2 {
            throw SoilMapError.invalidInput(path: path, "layer '\(layer.name)' has \(layer.geometryTypeName) geometries; zones must be polygons")
        }
        let idIndex = try layer.fieldIndex(idField)
        let nameIndex = try nameField.map(layer.fieldIndex)
        let groupIndex = try groupField.map(layer.fieldIndex)
        let groupNameIndex = try groupNameField.map(layer.fieldIndex)
        let rasterCRS = grid.crsWKT.isEmpty ? nil : try SpatialReference(wkt: grid.crsWKT)
        let layerCRS = layer.spatialReference
        switch (layerCRS, rasterCRS) {
        case (nil, let rasterCRS?):
            throw SoilMapError.invalidInput(path: path, "layer '\(layer.name)' has no CRS (a shapefile without its .prj?), "
                                            + "so it cannot be placed on the raster (\(rasterCRS.name)); assign it with ogr2ogr -a_srs")
        case (let layerCRS?, nil):
            throw SoilMapError.invalidInput(path: raster, "has no CRS, so the zones (\(layerCRS.name)) cannot be placed on it; "
                                            + "assign it with gdal_edit.py -a_srs")
        default:
            break
        }
        var transformation: CoordinateTransformation?
        if let rasterCRS, let layerCRS, !layerCRS.isSame(as: rasterCRS) {
            transformation = try CoordinateTransformation(from: layerCRS, to: rasterCRS)
        }
        var zones: [Zone] = []
        var warnings: [String] = []
        var seen: [String: Int64] = [:]
        /// Text of a field; a whole number stored as Real (shapefile ids) without its ".0".
        func text(_ feature: Feature, _ index: Int) -> String {
            if case .real(let value) = feature.value(at: index), value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return feature.string(at: index)
        }
        try layer.forEachFeature { feature in
            let id = text(feature, idIndex)
            let label = "feature FID \(feature.id) (\(idField) \(id))"
            if let earlier = seen[id] {
                warnings.append("\(path): \(label): the id '\(id)' is also the id of FID \(earlier); both zones are kept, tell them apart by fid")
            } else {
                seen[id] = feature.id
            }
            var zone = Zone(index: zones.count, featureID: feature.id, id: id, name: nameIndex.map { text(feature, $0) } ?? "",
                            groupID: groupIndex.map { text(feature, $0) } ?? "", groupName: groupNameIndex.map { text(feature, $0) } ?? "",
                            sourceWKB: [], rasterWKB: [], rings: [], window: nil, repaired: false)
            guard let geometry = feature.geometry, !geometry.isEmpty else {
                warnings.append("\(path): \(label) has no geometry; its row has count 0")
                zones.append(zone)
                return
            }
            guard geometry.dimension == 2 else {
                throw SoilMapError.invalidInput(path: path, "\(label) is a \(geometry.typeName); zones must be polygons")
            }
            zone.sourceWKB = geometry.wkb
            var working = geometry
            if !working.isValid {
                do {
                    working = try working.madeValid()
                    zone.repaired = true
                    warnings.append("\(path): \(label) had an invalid geometry; repaired with MakeValid")
                } catch {
                    warnings.append("\(path): \(label) has an invalid geometry that could not be repaired (\(error)); its row has count 0")
                    zones.append(zone)
                    return
                }
            }
            if let transformation {
                do { try working.transform(transformation) } catch {
                    warnings.append("\(path): \(label) cannot be transformed to the raster's CRS (\(error)); its row has count 0")
                    zones.append(zone)
                    return
                }
            }
            zone.rasterWKB = working.wkb
            zone.rings = Zone.pixelRings(working, grid: grid)
            zone.window = Zone.window(of: zone.rings, grid: grid)
            zones.append(zone)
        }
        if zones.isEmpty { warnings.append("\(path): layer '\(layer.name)' has no features; the table has only the total row") }
        return (zones, warnings, layerCRS?.wkt() ?? "")
    }
}

extension Zone {
    /// Polygon rings in pixel coordinates; exteriors counter-clockwise and holes clockwise (in pixel space), so the
    /// signed accumulation of coverage adds exteriors and subtracts holes.
    static func pixelRings(_ geometry: Geometry, grid: RasterGrid) -> [[(x: Double, y: Double)]] {
        let transform = grid.geoTransform
        var result: [[(x: Double, y: Double)]] = []
        for polygon in geometry.polygonRings {
            for (index, ring) in polygon.enumerated() where ring.count >= 3 {
                var pixels = ring.map { point -> (x: Double, y: Double) in
                    ((point.x - transform.originX) / transform.pixelWidth, (point.y - transform.originY) / transform.pixelHeight)
                }
                let area = signedArea(pixels)
                if (index == 0) != (area > 0) { pixels.reverse() }
                result.append(pixels)
            }
        }
        return result
    }

    static func signedArea(_ ring: [(x: Double, y: Double)]) -> Double {
        var twice = 0.0
        for index in 0..<ring.count {
            let a = ring[index], b = ring[(index + 1) % ring.count]
            twice += a.x * b.y - b.x * a.y
        }
        return twice / 2
    }

    static func window(of rings: [[(x: Double, y: Double)]], grid: RasterGrid) -> PixelWindow? {
        let points = rings.flatMap { $0 }
        guard let minX = points.map(\.x).min(), let maxX = points.map(\.x).max(),
              let minY = points.map(\.y).min(), let maxY = points.map(\.y).max() else { return nil }
        // One cell of margin: a boundary lying exactly on a cell edge touches the cell beyond it (all-touched).
        let column0 = max(0, Int(floor(minX)) - 1), column1 = min(grid.width, Int(ceil(maxX)) + 1)
        let row0 = max(0, Int(floor(minY)) - 1), row1 = min(grid.height, Int(ceil(maxY)) + 1)
        guard column1 > column0, row1 > row0 else { return nil }
        return PixelWindow(column: column0, row: row0, width: column1 - column0, height: row1 - row0)
    }
}
