import Digest
import Foundation
import GDAL

/// The STAC catalog of a run directory (STAC 1.0.0): `catalog.json`, and one Item per map or table, so STAC
/// browsers, QGIS's STAC source and pystac can list a run's results with their footprint, date and lineage.
///
/// - One Item per GeoTIFF map and per table (a CSV and a GeoPackage of the same name are one table). A map's
///   quicklook PNG (same name, or the step's only map), QGIS style and `.aux.xml` sidecar are further assets of
///   its Item. Any other file gets an Item of its own.
/// - Item id: the file's stem; where two stems clash, the path and extension ("sub-classes-tif").
///   The Item is written beside its main file as `ID.stac.json`, so every href is relative and short.
/// - Geometry and bbox in WGS 84: a map's footprint (its four corners reprojected; the bbox densified along
///   the edges); a GeoPackage or GeoJSON table's extent; a CSV's zones (a vector input of the step) or, failing
///   that, the raster it was computed from; else no geometry, as STAC allows.
/// - datetime: the `date` variable of the pipeline (a day, a month or a year as a range) or when the run finished.
/// - Extensions: `file` (size, SHA-256 multihash), `processing` (software versions, lineage: the step, its
///   inputs and parameters), and `projection` (EPSG code or WKT2, shape, transform, native bbox) for maps.
///   A map's media type says `profile=cloud-optimized` when GDAL's COG driver wrote it (its layout says so).
/// - No `self` links: a run directory has no public URL, and STAC's self links must be absolute, so the catalog
///   is "self-contained" in STAC's terms and can be moved or copied whole.
public enum StacCatalog {
    public static let stacVersion = "1.0.0"
    public static let catalogPath = "catalog.json"
    static let fileExtension = "https://stac-extensions.github.io/file/v2.1.0/schema.json"
    static let processingExtension = "https://stac-extensions.github.io/processing/v1.1.0/schema.json"
    static let projectionExtension = "https://stac-extensions.github.io/projection/v1.1.0/schema.json"

    /// The catalog's JSON documents, by path relative to the run directory: `catalog.json` and every Item.
    /// Reads the run's outputs (and the inputs of steps that wrote tables without geometry) for their extents;
    /// sizes and checksums come from the manifest. Throws when an output of the manifest is missing.
    public static func documents(for manifest: RunManifest, runDirectory: String) throws -> [String: Data] {
        let groups = try itemGroups(manifest, runDirectory: runDirectory)
        let ids = uniqueIDs(groups.map(\.primary.path))
        var documents: [String: Data] = [:]
        var itemLinks: [JSONValue] = []
        for (group, id) in zip(groups, ids) {
            let folder = OutputTransaction.folder(of: group.primary.path)
            let itemPath = folder.isEmpty ? "\(id).stac.json" : "\(folder)/\(id).stac.json"
            let item = try self.item(id: id, group: group, folder: folder, manifest: manifest, runDirectory: runDirectory)
            documents[itemPath] = try encode(item)
            itemLinks.append(link("item", "./" + itemPath, type: "application/geo+json", title: group.primary.path))
        }
        let pipelineName = (manifest.pipeline as NSString).lastPathComponent
        let software = manifest.software
        let catalog: JSONValue = .object([
            "type": .string("Catalog"),
            "stac_version": .string(stacVersion),
            "id": .string("soilmap-run-" + (pipelineName as NSString).deletingPathExtension),
            "title": .string("soilmap run of \(pipelineName)"),
            "description": .string("Maps and tables written by soilmap run \(manifest.pipeline) (\(manifest.status)), finished "
                                   + "\(manifest.finishedAt), with soilmap \(software.soilmap), GDAL \(software.gdal) and PROJ "
                                   + "\(software.proj). manifest.json lists every input with its SHA-256 and every step's parameters."),
            "links": .array([link("root", "./" + catalogPath, type: "application/json", title: "soilmap run of \(pipelineName)")] + itemLinks),
        ])
        documents[catalogPath] = try encode(catalog)
        return documents
    }

    // MARK: - Items

    /// The files of one Item: its main file (a map, a table) and the files that go with it.
    struct ItemGroup {
        var step: StepRecord
        var primary: FileRecord
        var files: [FileRecord]
    }

    static func itemGroups(_ manifest: RunManifest, runDirectory: String) throws -> [ItemGroup] {
        var groups: [ItemGroup] = []
        for step in manifest.steps {
            for output in step.outputs {
                guard FileManager.default.fileExists(atPath: RunManifest.location(of: output.path, in: runDirectory)) else {
                    throw SoilMapError.invalidInput(path: RunManifest.location(of: output.path, in: runDirectory),
                                                    "is an output of step '\(step.name)' in the manifest but is missing from the run directory")
                }
            }
            var stepGroups: [ItemGroup] = []
            func base(_ path: String) -> String { (path as NSString).deletingPathExtension }
            // Maps and tables first; tables of one name (CSV and GeoPackage) are one Item.
            for output in step.outputs {
                switch RunOutputKind(path: output.path) {
                case .table:
                    if let index = stepGroups.firstIndex(where: { RunOutputKind(path: $0.primary.path) == .table && base($0.primary.path) == base(output.path) }) {
                        stepGroups[index].files.append(output)
                    } else {
                        stepGroups.append(ItemGroup(step: step, primary: output, files: [output]))
                    }
                case .raster, .other:
                    stepGroups.append(ItemGroup(step: step, primary: output, files: [output]))
                case .quicklook, .style, .sidecar:
                    break
                }
            }
            let maps = stepGroups.indices.filter { RunOutputKind(path: stepGroups[$0].primary.path) == .raster }
            for output in step.outputs {
                let kind = RunOutputKind(path: output.path)
                guard [.quicklook, .style, .sidecar].contains(kind) else { continue }
                let owner = kind == .sidecar ? String(output.path.dropLast(".aux.xml".count)) : base(output.path)
                if let index = maps.first(where: { (kind == .sidecar ? stepGroups[$0].primary.path : base(stepGroups[$0].primary.path)) == owner })
                    ?? (kind == .quicklook && maps.count == 1 ? maps[0] : nil) {
                    stepGroups[index].files.append(output)
                } else {
                    stepGroups.append(ItemGroup(step: step, primary: output, files: [output]))
                }
            }
            // GDAL's sidecar of a map, when the manifest does not list it (the transaction moves it with the map).
            for index in maps {
                let sidecar = stepGroups[index].primary.path + ".aux.xml"
                let location = RunManifest.location(of: sidecar, in: runDirectory)
                guard !stepGroups[index].files.contains(where: { $0.path == sidecar }), FileManager.default.fileExists(atPath: location) else { continue }
                do {
                    let digest = try SHA256.file(atPath: location)
                    stepGroups[index].files.append(FileRecord(path: sidecar, size: digest.size, sha256: digest.sha256))
                } catch {
                    throw SoilMapError.invalidInput(path: location, "cannot be read (\(error))")
                }
            }
            groups += stepGroups
        }
        return groups
    }

    /// Stems as ids; where stems clash, the path with its extension, "/" and "." as "-"; a counter as last resort.
    static func uniqueIDs(_ paths: [String]) -> [String] {
        let stems = paths.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }
        let counts = Dictionary(stems.map { ($0, 1) }, uniquingKeysWith: +)
        var ids = zip(paths, stems).map { path, stem in
            counts[stem]! > 1 ? path.replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: ".", with: "-") : stem
        }
        var seen: [String: Int] = [:]
        for index in ids.indices {
            seen[ids[index], default: 0] += 1
            if seen[ids[index]]! > 1 { ids[index] += "-\(seen[ids[index]]!)" }
        }
        return ids
    }

    static func item(id: String, group: ItemGroup, folder: String, manifest: RunManifest, runDirectory: String) throws -> JSONValue {
        let primaryKind = RunOutputKind(path: group.primary.path)
        var properties: [String: JSONValue] = [
            "title": .string(group.primary.path),
            "created": .string(manifest.finishedAt),
            "processing:lineage": .string(group.step.lineage),
            "processing:software": .object(software(manifest.software)),
        ]
        for (key, value) in datetime(manifest.dataDate, fallback: manifest.finishedAt) { properties[key] = value }
        var extensions = [fileExtension, processingExtension]
        var footprint: Footprint?
        var isCOG = false
        let location = RunManifest.location(of: group.primary.path, in: runDirectory)
        switch primaryKind {
        case .raster:
            let raster = try Dataset.open(location, kind: .raster)
            isCOG = raster.metadataItem("LAYOUT", domain: "IMAGE_STRUCTURE") == "COG"
            footprint = rasterFootprint(raster)
            for (key, value) in projection(raster) { properties[key] = value }
            extensions.append(projectionExtension)
        case .table:
            footprint = group.files.lazy.compactMap { vectorFootprint(RunManifest.location(of: $0.path, in: runDirectory)) }.first
                ?? inputFootprint(group.step, manifest: manifest, runDirectory: runDirectory)
        default:
            break
        }

        let levels = folder.isEmpty ? 0 : folder.split(separator: "/").count
        let toRoot = (levels == 0 ? "./" : String(repeating: "../", count: levels)) + catalogPath
        var assets: [String: JSONValue] = [:]
        for file in group.files {
            var key = assetKey(file.path, primary: file == group.primary)
            if assets[key] != nil { key = (file.path as NSString).lastPathComponent }
            assets[key] = asset(file, folder: folder, isCOG: isCOG && file == group.primary)
        }
        var item: [String: JSONValue] = [
            "type": .string("Feature"),
            "stac_version": .string(stacVersion),
            "stac_extensions": .array(extensions.map(JSONValue.string)),
            "id": .string(id),
            "geometry": footprint?.geometry ?? .null,
            "properties": .object(properties),
            "links": .array([link("root", toRoot, type: "application/json", title: nil), link("parent", toRoot, type: "application/json", title: nil)]),
            "assets": .object(assets),
        ]
        if let footprint { item["bbox"] = .array(footprint.bbox.map(JSONValue.number)) }
        return .object(item)
    }

    static func asset(_ file: FileRecord, folder: String, isCOG: Bool) -> JSONValue {
        let name = (file.path as NSString).lastPathComponent
        let relative = folder.isEmpty ? file.path : String(file.path.dropFirst(folder.count + 1))
        let kind = RunOutputKind(path: file.path)
        var type = RunOutputKind.mediaType(of: file.path)
        if isCOG { type += "; profile=cloud-optimized" }
        let (title, roles): (String, [String]) = switch kind {
        case .raster: ("Map (GeoTIFF)", ["data"])
        case .table: ("Statistics table (\((name as NSString).pathExtension.uppercased()))", ["data"])
        case .quicklook: ("Quicklook: the map with its legend (PNG)", ["visual"])
        case .style: ("QGIS layer style", ["metadata"])
        case .sidecar: ("GDAL metadata sidecar (category names)", ["metadata"])
        case .other: (name, ["data"])
        }
        return .object([
            "href": .string(relative.hasPrefix("/") ? relative : "./" + relative),
            "type": .string(type),
            "title": .string(title),
            "roles": .array(roles.map(JSONValue.string)),
            "file:size": .number(Double(file.size)),
            "file:checksum": .string("1220" + file.sha256.lowercased()),
        ])
    }

    static func assetKey(_ path: String, primary: Bool) -> String {
        let kind = RunOutputKind(path: path)
        switch kind {
        case .raster where primary: return "data"
        case .table: return (path as NSString).pathExtension.lowercased()
        case .quicklook: return "quicklook"
        case .style: return "qgis-style"
        case .sidecar: return "aux-xml"
        default: return primary ? "data" : (path as NSString).lastPathComponent
        }
    }

    static func software(_ provenance: Provenance) -> [String: JSONValue] {
        ["soilmap": .string(provenance.soilmap + (provenance.commit.map { " (\($0))" } ?? "")),
         "GDAL": .string(provenance.gdal), "PROJ": .string(provenance.proj)]
    }

    static func link(_ relation: String, _ href: String, type: String, title: String?) -> JSONValue {
        var link: [String: JSONValue] = ["rel": .string(relation), "href": .string(href), "type": .string(type)]
        if let title { link["title"] = .string(title) }
        return .object(link)
    }

    // MARK: - Dates

    /// STAC's datetime for a date as a pipeline gives it: an instant as it is (RFC 3339), a day at midnight UTC,
    /// a month or a year as a range (datetime null, start and end); anything else: the fallback instant.
    static func datetime(_ text: String, fallback: String) -> [String: JSONValue] {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let numbers = parts.map { Int($0) }
        if text.contains("T"), instant(text) != nil { return ["datetime": .string(text)] }
        if parts.count == 3, let year = numbers[0], let month = numbers[1], let day = numbers[2], parts[0].count == 4,
           parts[1].count == 2, parts[2].count == 2, (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) {
            return ["datetime": .string(text + "T00:00:00Z")]
        }
        if parts.count == 2, let year = numbers[0], let month = numbers[1], parts[0].count == 4, parts[1].count == 2, (1...12).contains(month) {
            return range(from: String(format: "%04d-%02d-01", year, month), to: String(format: "%04d-%02d-%02d", year, month, daysIn(month: month, year: year)))
        }
        if parts.count == 1, text.count == 4, let year = numbers[0] {
            return range(from: String(format: "%04d-01-01", year), to: String(format: "%04d-12-31", year))
        }
        return ["datetime": .string(fallback)]
    }

    private static func range(from start: String, to end: String) -> [String: JSONValue] {
        ["datetime": .null, "start_datetime": .string(start + "T00:00:00Z"), "end_datetime": .string(end + "T23:59:59Z")]
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func instant(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions.insert(.withFractionalSeconds)
        return formatter.date(from: text)
    }

    // MARK: - Footprints

    struct Footprint {
        var bbox: [Double]
        var geometry: JSONValue
    }

    /// A raster's four corners in WGS 84 (counter-clockwise, as GeoJSON wants), and the bbox of its edges.
    static func rasterFootprint(_ raster: Dataset) -> Footprint? {
        guard let transform = raster.geoTransform, let crs = raster.spatialReference else { return nil }
        let width = Double(raster.width), height = Double(raster.height)
        let corners = [(0.0, 0.0), (0, height), (width, height), (width, 0)].map { transform.world(column: $0.0, row: $0.1) }
        return footprint(corners: corners, envelope: transform.bounds(width: raster.width, height: raster.height), crs: crs)
    }

    /// The union of a vector data set's layer extents in WGS 84, as a rectangle.
    static func vectorFootprint(_ path: String) -> Footprint? {
        guard let dataset = try? Dataset.open(path, kind: .vector) else { return nil }
        let wgs84 = SpatialReference.wgs84()
        var union: Envelope?
        for layer in dataset.layers {
            guard let extent = layer.extent, let crs = layer.spatialReference,
                  let transformation = try? CoordinateTransformation(from: crs, to: wgs84),
                  let envelope = try? transformation.transform(extent) else { continue }
            union = union.map { $0.union(envelope) } ?? envelope
        }
        guard let union else { return nil }
        let corners = [(union.minX, union.minY), (union.maxX, union.minY), (union.maxX, union.maxY), (union.minX, union.maxY)]
        return footprint(corners: corners.map { (x: $0.0, y: $0.1) }, envelope: union, crs: wgs84)
    }

    /// A table without geometry: the extent of the zones it was computed over (a vector input of its step),
    /// else of the raster.
    static func inputFootprint(_ step: StepRecord, manifest: RunManifest, runDirectory: String) -> Footprint? {
        let locations = step.inputs.map { manifest.location(ofInput: $0, in: runDirectory) }
        let rasters = locations.filter { RunOutputKind(path: $0) == .raster }
        if let vector = locations.lazy.filter({ RunOutputKind(path: $0) != .raster }).compactMap(vectorFootprint).first { return vector }
        return rasters.lazy.compactMap { (try? Dataset.open($0, kind: .raster)).flatMap(rasterFootprint) }.first
    }

    static func footprint(corners: [(x: Double, y: Double)], envelope: Envelope, crs: SpatialReference) -> Footprint? {
        let wgs84 = SpatialReference.wgs84()
        guard let transformation = try? CoordinateTransformation(from: crs, to: wgs84) else { return nil }
        var xs = corners.map(\.x), ys = corners.map(\.y)
        guard (try? transformation.transform(x: &xs, y: &ys)) != nil, let bounds = try? transformation.transform(envelope),
              (xs + ys + [bounds.minX, bounds.minY, bounds.maxX, bounds.maxY]).allSatisfy(\.isFinite) else { return nil }
        var ring = Array(zip(xs, ys))
        // GeoJSON's right-hand rule: the exterior ring counter-clockwise (positive shoelace area).
        let area = zip(ring, ring.dropFirst() + [ring[0]]).reduce(0.0) { $0 + $1.0.0 * $1.1.1 - $1.1.0 * $1.0.1 }
        if area < 0 { ring.reverse() }
        ring.append(ring[0])
        let bbox = [min(bounds.minX, xs.min()!), min(bounds.minY, ys.min()!), max(bounds.maxX, xs.max()!), max(bounds.maxY, ys.max()!)]
        let coordinates = JSONValue.array([.array(ring.map { .array([.number($0.0), .number($0.1)]) })])
        return Footprint(bbox: bbox, geometry: .object(["type": .string("Polygon"), "coordinates": coordinates]))
    }

    /// The projection extension's fields of a raster: EPSG code (or WKT2 when there is none), shape (rows,
    /// columns), affine transform (in rasterio's order, not GDAL's) and bbox in the raster's CRS.
    static func projection(_ raster: Dataset) -> [String: JSONValue] {
        var fields: [String: JSONValue] = ["proj:shape": .array([.number(Double(raster.height)), .number(Double(raster.width))])]
        if let crs = raster.spatialReference {
            if let code = crs.epsgCode {
                fields["proj:epsg"] = .number(Double(code))
            } else {
                fields["proj:epsg"] = .null
                fields["proj:wkt2"] = .string(crs.wkt())
            }
        } else {
            fields["proj:epsg"] = .null
        }
        if let t = raster.geoTransform {
            fields["proj:transform"] = .array([t.pixelWidth, t.rowRotation, t.originX, t.columnRotation, t.pixelHeight, t.originY].map(JSONValue.number))
            let bounds = t.bounds(width: raster.width, height: raster.height)
            fields["proj:bbox"] = .array([bounds.minX, bounds.minY, bounds.maxX, bounds.maxY].map(JSONValue.number))
        }
        return fields
    }

    static func encode(_ value: JSONValue) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value) + Data("\n".utf8)
    }
}
