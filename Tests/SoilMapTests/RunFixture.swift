import Foundation
import SoilMap

/// A run directory as `soilmap run` leaves it, made with the real commands on the Olinda sample: NDVI (a COG),
/// its classes with Vietnamese labels, a quicklook and a QGIS style, hectares per class and census tract with a
/// target (CSV), NDVI statistics per tract (GeoPackage), and a manifest written by hand the way the runner
/// writes it. Set SOILMAP_KEEP_RUN=DIR to keep a copy for a look.
struct RunFixture {
    let directory = TemporaryDirectory()
    var path: String { directory.url.path }
    var manifest: RunManifest!

    static let zones = Repository.path("samples/olinda/olinda1.shp")
    static let scheme = Repository.path("samples/schemes/ndvi-cover.yaml")

    init() throws {
        func soilmap(_ arguments: [String]) throws {
            let result = try runSoilmap(arguments + ["-q"])
            guard result.status == 0 else { throw SoilMapError.invalidArgument("soilmap \(arguments.joined(separator: " ")): \(result.stderr)") }
        }
        let folder = directory.url.path
        try soilmap(["index", "NDVI", "-i", Repository.landsat, "--band", "red=3", "--band", "nir=4", "--format", "COG", "-o", "\(folder)/ndvi.tif"])
        try soilmap(["classify", "\(folder)/ndvi.tif", "--scheme", Self.scheme, "--labels", "vi", "-o", "\(folder)/classes.tif",
                     "--quicklook", "\(folder)/classes.png", "--title", "Olinda — lớp phủ thực vật (NDVI)"])
        try soilmap(["zonal", "\(folder)/classes.tif", "--zones", Self.zones, "--id-field", "CD_GEOCODI", "--name-field", "NM_BAIR",
                     "--group-field", "CD_GEOCODB", "--group-name-field", "NM_BAIR", "--target", ">=3:50%", "-o", "\(folder)/by_tract.csv"])
        try soilmap(["zonal", "\(folder)/ndvi.tif", "--zones", Self.zones, "--id-field", "CD_GEOCODI", "--name-field", "NM_BAIR",
                     "--group-field", "CD_GEOCODB", "--group-name-field", "NM_BAIR", "--stats", "count,mean,min,max",
                     "-o", "\(folder)/ndvi_by_tract.gpkg"])

        func record(_ path: String, relativeTo base: String?) throws -> FileRecord {
            let location = base.map { "\($0)/\(path)" } ?? path
            let sum = try run("/usr/bin/sha256sum", [location])
            let size = try FileManager.default.attributesOfItem(atPath: location)[.size] as! NSNumber
            return FileRecord(path: path, size: size.int64Value, sha256: String(sum.stdout.prefix(64)))
        }
        func outputs(_ names: [String]) throws -> [FileRecord] { try names.map { try record($0, relativeTo: folder) } }
        let steps = [
            StepRecord(name: "ndvi", kind: "index",
                       parameters: .object(["indices": .array([.string("NDVI")]), "input": .string(Repository.landsat),
                                            "bands": .object(["red": .number(3), "nir": .number(4)]), "format": .string("COG")]),
                       inputs: [Repository.landsat], outputs: try outputs(["ndvi.tif"]), status: "computed",
                       cacheKey: String(repeating: "a", count: 64), seconds: 0.84, warnings: []),
            StepRecord(name: "classes", kind: "classify",
                       parameters: .object(["scheme": .string(Self.scheme), "labels": .string("vi"), "band": .number(1),
                                            "title": .string("Olinda — lớp phủ thực vật (NDVI)")]),
                       inputs: ["ndvi.tif"], outputs: try outputs(["classes.tif", "classes.qml", "classes.png"]), status: "computed",
                       cacheKey: String(repeating: "b", count: 64), seconds: 0.52, warnings: []),
            StepRecord(name: "cover_by_tract", kind: "zonal",
                       parameters: .object(["id_field": .string("CD_GEOCODI"), "name_field": .string("NM_BAIR"),
                                            "group_field": .string("CD_GEOCODB"), "target": .string(">=3:50%"), "mode": .string("center")]),
                       inputs: ["classes.tif", Self.zones], outputs: try outputs(["by_tract.csv"]), status: "reused",
                       cacheKey: String(repeating: "c", count: 64), seconds: 0.02,
                       warnings: ["feature 17 (260960005000018): geometry repaired with MakeValid", "2 zones <outside> the raster & counted 0"]),
            StepRecord(name: "ndvi_by_tract", kind: "zonal",
                       parameters: .object(["id_field": .string("CD_GEOCODI"), "stats": .array(["count", "mean", "min", "max"].map(JSONValue.string))]),
                       inputs: ["ndvi.tif", Self.zones], outputs: try outputs(["ndvi_by_tract.gpkg"]), status: "computed",
                       cacheKey: String(repeating: "d", count: 64), seconds: 1.37, warnings: []),
        ]
        let inputs = try [Repository.landsat, Self.zones, Self.scheme].map { try record($0, relativeTo: nil) }
        manifest = RunManifest(pipeline: "olinda-cover.yaml", pipelineSHA256: String(repeating: "e", count: 64), variables: ["region": "Olinda"],
                               startedAt: "2026-12-01T08:00:00Z", finishedAt: "2026-12-01T08:00:03Z", software: .current, threads: 2,
                               inputs: inputs, steps: steps, status: "succeeded")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: "\(folder)/manifest.json"))
    }

    /// Writes documents (path relative to the run directory -> bytes) into the run directory.
    func write(_ documents: [String: Data]) throws {
        for (name, data) in documents { try data.write(to: URL(fileURLWithPath: "\(path)/\(name)")) }
        if let keep = ProcessInfo.processInfo.environment["SOILMAP_KEEP_RUN"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: path, toPath: keep)
        }
    }
}
