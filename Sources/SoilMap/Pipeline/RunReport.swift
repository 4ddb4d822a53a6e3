import Foundation
import GDAL

/// `report.html` of a run directory: one self-contained page (inline CSS and script, pictures as data: URIs, no
/// server, no network) that tells a planner what the run made and whether the targets are met:
/// - the run: pipeline, status (and the error of a failed run), dates, variables, soilmap/GDAL/PROJ versions;
/// - every class map as its quicklook picture (the step's PNG, or one drawn now) with its legend;
/// - every statistics table (CSV, GeoPackage, GeoJSON): zones in a sortable, searchable table, and the
///   roll-ups (rows of level `group` and `total`) apart; columns are found by name (`level`, `zone_id`,
///   `zone_name`, `group_id`, `group_name`, `target_pct`, `target_met`), any others shown as they come;
/// - the target checks: pass or fail per unit, failures first;
/// - the steps (status computed or reused, time, outputs, parameters, warnings) and the inputs (size, SHA-256).
public enum RunReport {
    /// The page for a run, as UTF-8 HTML. Reads the run's maps and tables from `runDirectory`; throws when an
    /// output of the manifest is missing or unreadable.
    public static func html(for manifest: RunManifest, runDirectory: String) throws -> Data {
        var page = Page()
        let pipelineName = (manifest.pipeline as NSString).lastPathComponent
        page.header(manifest, title: pipelineName)
        let maps = try classMaps(manifest, runDirectory: runDirectory)
        let otherMaps = try plainMaps(manifest, runDirectory: runDirectory, classMaps: maps.map(\.path))
        let tables = try statisticsTables(manifest, runDirectory: runDirectory)
        page.summary(manifest, mapCount: maps.count + otherMaps.count, tableCount: tables.count)
        page.maps(maps, others: otherMaps)
        page.tables(tables)
        page.steps(manifest)
        page.inputs(manifest)
        page.footer(manifest)
        return Data(page.document(title: "soilmap run — \(pipelineName)").utf8)
    }

    // MARK: - What the page shows

    struct ClassMap {
        var step: String
        var path: String
        var title: String
        var facts: String
        var picture: Data
        var legend: [QGISStyle.Entry]
    }

    struct PlainMap {
        var step: String
        var path: String
        var facts: String
    }

    struct Table {
        var step: String
        var path: String
        var columns: [String]
        var rows: [[String]]
        /// The classes behind `class_N_...` columns, by code: the table's own lookup, else the class map's legend.
        var classes: [Int: QGISStyle.Entry] = [:]
    }

    /// Every raster output with a colour table: its picture (the step's quicklook PNG, else drawn into a
    /// temporary file) and legend.
    static func classMaps(_ manifest: RunManifest, runDirectory: String) throws -> [ClassMap] {
        var maps: [ClassMap] = []
        for step in manifest.steps {
            let rasters = step.outputs.filter { RunOutputKind(path: $0.path) == .raster }
            let pictures = step.outputs.filter { RunOutputKind(path: $0.path) == .quicklook }
            for raster in rasters {
                let location = RunManifest.location(of: raster.path, in: runDirectory)
                let dataset = try openOutput(location, step: step)
                let band = try dataset.band(1)
                guard let colours = band.colorTable else { continue }
                let stem = (raster.path as NSString).deletingPathExtension
                let picture = pictures.first { ($0.path as NSString).deletingPathExtension == stem } ?? (rasters.count == 1 ? pictures.first : nil)
                let title = band.bandDescription.isEmpty ? (raster.path as NSString).lastPathComponent : band.bandDescription
                let png: Data
                if let picture {
                    png = try read(RunManifest.location(of: picture.path, in: runDirectory), step: step)
                } else {
                    png = try drawQuicklook(location, title: title, subtitle: "step \(step.name)")
                }
                let legend = QGISStyle.entries(colorTable: colours, categoryNames: band.categoryNames, noData: band.noDataValue.map { Int($0) })
                maps.append(ClassMap(step: step.name, path: raster.path, title: title, facts: facts(dataset), picture: png, legend: legend))
            }
        }
        return maps
    }

    /// Rasters without a colour table (indices, continuous maps): listed with their grid.
    static func plainMaps(_ manifest: RunManifest, runDirectory: String, classMaps: [String]) throws -> [PlainMap] {
        manifest.steps.flatMap { step in
            step.outputs.filter { RunOutputKind(path: $0.path) == .raster && !classMaps.contains($0.path) }.compactMap { raster in
                guard let dataset = try? Dataset.open(RunManifest.location(of: raster.path, in: runDirectory), kind: .raster) else { return nil }
                let bands = dataset.bands.map { $0.bandDescription }.filter { !$0.isEmpty }
                let description = bands.isEmpty ? "" : bands.joined(separator: ", ") + " · "
                return PlainMap(step: step.name, path: raster.path, facts: description + facts(dataset))
            }
        }
    }

    static func statisticsTables(_ manifest: RunManifest, runDirectory: String) throws -> [Table] {
        var tables: [Table] = []
        for step in manifest.steps {
            for output in step.outputs where RunOutputKind(path: output.path) == .table {
                let location = RunManifest.location(of: output.path, in: runDirectory)
                var table: Table
                if output.path.lowercased().hasSuffix(".csv") {
                    let (columns, rows) = try CSVTable.parse(read(location, step: step), path: location)
                    table = Table(step: step.name, path: output.path, columns: columns, rows: rows)
                } else {
                    let (columns, rows, classes) = try vectorTable(location, step: step)
                    table = Table(step: step.name, path: output.path, columns: columns, rows: rows, classes: classes)
                }
                if table.classes.isEmpty, table.columns.contains(where: { classColumn($0) != nil }) {
                    table.classes = inputLegend(step, manifest: manifest, runDirectory: runDirectory)
                }
                tables.append(table)
            }
        }
        return tables
    }

    static func openOutput(_ location: String, step: StepRecord) throws -> Dataset {
        guard FileManager.default.fileExists(atPath: location) else {
            throw SoilMapError.invalidInput(path: location, "is an output of step '\(step.name)' in the manifest but is missing from the run directory")
        }
        return try Dataset.open(location, kind: .raster)
    }

    static func read(_ location: String, step: StepRecord) throws -> Data {
        guard FileManager.default.fileExists(atPath: location) else {
            throw SoilMapError.invalidInput(path: location, "is an output of step '\(step.name)' in the manifest but is missing from the run directory")
        }
        guard let data = FileManager.default.contents(atPath: location) else {
            throw SoilMapError.invalidInput(path: location, "is an output of step '\(step.name)' in the manifest but cannot be read from the run directory")
        }
        return data
    }

    /// The attribute rows of every layer (GeoPackage: zones, groups, total) in the first layer's columns, and
    /// the class lookup of the `classes` layer (code, label, colour) when there is one.
    static func vectorTable(_ location: String, step: StepRecord) throws -> (columns: [String], rows: [[String]], classes: [Int: QGISStyle.Entry]) {
        guard FileManager.default.fileExists(atPath: location) else {
            throw SoilMapError.invalidInput(path: location, "is an output of step '\(step.name)' in the manifest but is missing from the run directory")
        }
        let dataset = try Dataset.open(location, kind: .vector)
        let layers = dataset.layers.filter { $0.name != "classes" }
        var classes: [Int: QGISStyle.Entry] = [:]
        if let lookup = try? dataset.layer(named: "classes") {
            let names = lookup.fields.map(\.name)
            if let code = names.firstIndex(of: "code"), let label = names.firstIndex(of: "label") {
                let colour = names.firstIndex(of: "colour") ?? names.firstIndex(of: "color")
                try lookup.forEachFeature { feature in
                    guard let value = feature.value(at: code).doubleValue.map({ Int($0) }) else { return }
                    let hex = colour.map { feature.string(at: $0) } ?? ""
                    classes[value] = QGISStyle.Entry(value: value, color: RGBA(hex: hex) ?? RGBA(red: 128, green: 128, blue: 128), label: feature.string(at: label))
                }
            }
        }
        guard let first = layers.first else { return ([], [], classes) }
        let columns = first.fields.map(\.name)
        var rows: [[String]] = []
        for layer in layers {
            let names = layer.fields.map(\.name)
            let indices = columns.map { names.firstIndex(of: $0) }
            try layer.forEachFeature { feature in
                rows.append(indices.map { index in index.map { feature.value(at: $0).stringValue ?? "" } ?? "" })
            }
        }
        return (columns, rows, classes)
    }

    /// "class_4_pct" -> (4, "pct"): the per-class columns of zonal statistics.
    static func classColumn(_ name: String) -> (code: Int, measure: String)? {
        let parts = name.split(separator: "_")
        guard parts.count == 3, parts[0] == "class", let code = Int(parts[1]), ["cells", "ha", "pct"].contains(parts[2]) else { return nil }
        return (code, String(parts[2]))
    }

    /// The legend of the class map a table was computed from (the step's first raster input with a colour table).
    static func inputLegend(_ step: StepRecord, manifest: RunManifest, runDirectory: String) -> [Int: QGISStyle.Entry] {
        for input in step.inputs where RunOutputKind(path: input) == .raster {
            guard let band = try? Dataset.open(manifest.location(ofInput: input, in: runDirectory), kind: .raster).band(1),
                  band.colorTable != nil || !band.categoryNames.isEmpty else { continue }
            let entries = QGISStyle.entries(colorTable: band.colorTable, categoryNames: band.categoryNames, noData: band.noDataValue.map { Int($0) })
            return Dictionary(entries.map { ($0.value, $0) }, uniquingKeysWith: { first, _ in first })
        }
        return [:]
    }

    static func drawQuicklook(_ raster: String, title: String, subtitle: String) throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("soilmap-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let png = folder.appendingPathComponent("map.png").path
        try Quicklook.render(classified: raster, to: png, options: Quicklook.Options(title: title, subtitle: subtitle))
        guard let data = FileManager.default.contents(atPath: png) else {
            throw SoilMapError.invalidInput(path: raster, "its quicklook could not be drawn")
        }
        return data
    }

    /// "349 × 352 pixels · 28.5 m · SIRGAS 2000 / UTM zone 25S (EPSG:31985)".
    static func facts(_ dataset: Dataset) -> String {
        var parts = ["\(dataset.width) × \(dataset.height) pixels"]
        let crs = dataset.spatialReference
        if let transform = dataset.geoTransform {
            let size = abs(transform.pixelWidth)
            let unit = crs?.isGeographic == true ? "°" : " m"
            parts.append(String(format: size >= 1 ? "%.1f" : "%.6g", size) + unit)
        }
        if let crs { parts.append(crs.name + (crs.epsgCode.map { " (EPSG:\($0))" } ?? "")) }
        return parts.joined(separator: " · ")
    }
}

/// Reads CSV as soilmap writes it (RFC 4180: quoted fields with doubled quotes, CRLF or LF line ends), UTF-8.
enum CSVTable {
    static func parse(_ data: Data, path: String) throws -> (columns: [String], rows: [[String]]) {
        guard let text = String(data: data, encoding: .utf8) else { throw SoilMapError.invalidInput(path: path, "is not UTF-8 text") }
        var records: [[String]] = [], record: [String] = [], field = ""
        var quoted = false, afterQuote = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = scalars.next()
        if pending == "\u{FEFF}" { pending = scalars.next() }
        while let scalar = pending {
            pending = scalars.next()
            if quoted {
                if scalar == "\"" {
                    if pending == "\"" { field.unicodeScalars.append("\""); pending = scalars.next() } else { quoted = false; afterQuote = true }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": record.append(field); field = ""; afterQuote = false
            case "\r" where pending == "\n": break
            case "\n", "\r":
                record.append(field); records.append(record); record = []; field = ""; afterQuote = false
            default: field.unicodeScalars.append(scalar)
            }
        }
        if quoted { throw SoilMapError.invalidInput(path: path, "ends inside a quoted field") }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        guard let header = records.first else { return ([], []) }
        let rows = records.dropFirst().filter { $0 != [""] }.map { row in
            row.count >= header.count ? Array(row.prefix(header.count)) : row + Array(repeating: "", count: header.count - row.count)
        }
        return (header, rows)
    }
}
