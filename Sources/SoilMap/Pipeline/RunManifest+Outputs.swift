import Foundation

/// What a file written by a run is, told by its name: what the STAC catalog and the report make of it.
enum RunOutputKind: Equatable {
    /// A GeoTIFF map.
    case raster
    /// A statistics table: CSV, GeoPackage or GeoJSON.
    case table
    /// A PNG picture of a map (`--quicklook`).
    case quicklook
    /// A QGIS layer style (`.qml`).
    case style
    /// GDAL's `.aux.xml` sidecar of a raster (category names, statistics).
    case sidecar
    case other

    init(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".aux.xml") { self = .sidecar; return }
        switch (lower as NSString).pathExtension {
        case "tif", "tiff": self = .raster
        case "csv", "gpkg", "geojson": self = .table
        case "png": self = .quicklook
        case "qml": self = .style
        default: self = .other
        }
    }

    /// The media type STAC and browsers know the file by (a GeoTIFF's COG profile is told by its layout).
    static func mediaType(of path: String) -> String {
        let lower = path.lowercased()
        if lower.hasSuffix(".aux.xml") { return "application/xml" }
        switch (lower as NSString).pathExtension {
        case "tif", "tiff": return "image/tiff; application=geotiff"
        case "csv": return "text/csv"
        case "gpkg": return "application/geopackage+sqlite3"
        case "geojson": return "application/geo+json"
        case "json": return "application/json"
        case "png": return "image/png"
        case "qml", "xml": return "application/xml"
        case "html": return "text/html"
        case "txt", "log": return "text/plain"
        default: return "application/octet-stream"
        }
    }
}

extension RunManifest {
    /// Where an output (a path relative to the run directory) is on disk.
    static func location(of output: String, in runDirectory: String) -> String {
        output.hasPrefix("/") ? output : (runDirectory as NSString).appendingPathComponent(output)
    }

    /// Where a step's input is on disk: an output of a step of this run (relative to the run directory), or else
    /// the path as the pipeline gave it (relative paths from the current directory, where the run started).
    func location(ofInput input: String, in runDirectory: String) -> String {
        let produced = steps.contains { $0.outputs.contains { $0.path == input } }
        return produced ? Self.location(of: input, in: runDirectory) : input
    }

    /// The date the results describe: the `date` variable when the pipeline set one, else when the run finished
    /// (also when `date` is the day the run finished, as `${date}` is by default: the instant says more).
    var dataDate: String {
        guard let date = variables["date"], !date.isEmpty, !finishedAt.hasPrefix(date + "T") else { return finishedAt }
        return date
    }
}

extension StepRecord {
    /// The step's parameters as "key = value" phrases, keys sorted, nested objects flattened with dots
    /// ("target.classes = 3,4"): for a sentence of lineage or a table cell.
    var parameterPhrases: [String] {
        func flatten(_ value: JSONValue, prefix: String) -> [String] {
            switch value {
            case .object(let object):
                return object.keys.sorted().flatMap { key in flatten(object[key]!, prefix: prefix.isEmpty ? key : "\(prefix).\(key)") }
            default:
                return ["\(prefix.isEmpty ? "value" : prefix) = \(Self.text(of: value))"]
            }
        }
        return flatten(parameters, prefix: "")
    }

    static func text(of value: JSONValue) -> String {
        switch value {
        case .null: return "none"
        case .bool(let flag): return flag ? "yes" : "no"
        case .number(let number): return formatNumber(number)
        case .string(let string): return string
        case .array(let items): return items.map { text(of: $0) }.joined(separator: ", ")
        case .object(let object): return "{" + object.keys.sorted().map { "\($0): \(text(of: object[$0]!))" }.joined(separator: ", ") + "}"
        }
    }

    /// One sentence on how the step made its outputs.
    var lineage: String {
        var sentence = "soilmap step '\(name)' (\(kind))"
        sentence += inputs.isEmpty ? "" : " from \(inputs.joined(separator: ", "))"
        let phrases = parameterPhrases
        sentence += phrases.isEmpty ? "" : " with \(phrases.joined(separator: "; "))"
        if status == "reused" { sentence += ", reused from an earlier run with the same inputs and parameters" }
        return sentence + "."
    }
}
