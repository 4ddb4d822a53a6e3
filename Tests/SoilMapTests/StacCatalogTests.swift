import Foundation
import GDAL
import Testing
@testable import SoilMap

/// The STAC catalog of a real run directory, checked offline by pystac's validator against the STAC 1.0.0
/// schemas it ships, and field by field against GDAL, OSR and hashlib (Tests/reference/stac_check.py).
@Suite(.serialized) struct StacCatalogTests {
    static let script = Repository.path("Tests/reference/stac_check.py")
    static var python: String { (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python" }

    struct Summary: Decodable {
        struct Item: Decodable {
            struct Asset: Decodable { var href: String; var type: String; var roles: [String] }
            var href: String
            var assets: [String: Asset]
            var bbox: [Double]?
            var geometry: String?
            var datetime: String?
            var start_datetime: String?
            var end_datetime: String?
            var lineage: String
            enum CodingKeys: String, CodingKey { case href, assets, bbox, geometry, datetime, start_datetime, end_datetime, lineage }
        }
        var catalog: String
        var items: [String: Item]
        var software: [String: String]
        var validated: [String]
    }

    static func check(_ folder: String) throws -> Summary {
        try #require(FileManager.default.isExecutableFile(atPath: python), "no venv at \(python): run `make venv`")
        let result = try run(python, [script, folder])
        try #require(result.status == 0, "stac_check.py: \(result.stderr)")
        return try JSONDecoder().decode(Summary.self, from: Data(result.stdout.utf8))
    }

    /// The WGS 84 envelope of the Olinda tracts, every vertex reprojected by OGR (not by soilmap).
    static func zonesEnvelope() throws -> [Double] {
        let script = """
        from osgeo import ogr, osr
        ds = ogr.Open('\(RunFixture.zones)'); layer = ds.GetLayer()
        wgs84 = osr.SpatialReference(); wgs84.ImportFromEPSG(4326); wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        transform = osr.CoordinateTransformation(layer.GetSpatialRef(), wgs84)
        e = [180, 90, -180, -90]
        for feature in layer:
            g = feature.GetGeometryRef().Clone(); g.Transform(transform); x0, x1, y0, y1 = g.GetEnvelope()
            e = [min(e[0], x0), min(e[1], y0), max(e[2], x1), max(e[3], y1)]
        print(' '.join(repr(v) for v in e))
        """
        let result = try run("/usr/bin/python3", ["-c", script])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: " ").map { Double($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
    }

    @Test func aRunDirectoryCatalogValidatesOffline() throws {
        let fixture = try RunFixture()
        let documents = try StacCatalog.documents(for: fixture.manifest, runDirectory: fixture.path)
        #expect(Set(documents.keys) == ["catalog.json", "ndvi.stac.json", "classes.stac.json", "by_tract.stac.json", "ndvi_by_tract.stac.json"])
        // The same run gives the same bytes.
        #expect(try StacCatalog.documents(for: fixture.manifest, runDirectory: fixture.path) == documents)
        try fixture.write(documents)

        let summary = try Self.check(fixture.path)
        #expect(summary.validated == ["https://schemas.stacspec.org/v1.0.0/catalog-spec/json-schema/catalog.json",
                                      "https://schemas.stacspec.org/v1.0.0/item-spec/json-schema/item.json"])
        #expect(summary.catalog == "soilmap-run-olinda-cover")
        #expect(Set(summary.items.keys) == ["ndvi", "classes", "by_tract", "ndvi_by_tract"])
        #expect(summary.software["soilmap"] == SoilMapVersion.string && summary.software["PROJ"] == GDALRuntime.projVersion)

        // The COG index map and the class map (a plain tiled GeoTIFF) with its quicklook, style and sidecar.
        let ndvi = try #require(summary.items["ndvi"]), classes = try #require(summary.items["classes"])
        #expect(ndvi.assets["data"]?.type == "image/tiff; application=geotiff; profile=cloud-optimized")
        #expect(classes.assets["data"]?.type == "image/tiff; application=geotiff")
        #expect(Set(classes.assets.keys) == ["data", "quicklook", "qgis-style", "aux-xml"])
        #expect(classes.assets["quicklook"]?.roles == ["visual"] && classes.assets["quicklook"]?.href == "./classes.png")
        #expect(classes.assets["qgis-style"]?.roles == ["metadata"] && classes.assets["aux-xml"]?.href == "./classes.tif.aux.xml")
        #expect(classes.datetime == "2026-12-01T08:00:03Z")
        #expect(classes.lineage.hasPrefix("soilmap step 'classes' (classify) from ndvi.tif with band = 1; labels = vi; scheme = "))

        // Tables: the CSV's footprint is the zones' extent; the GeoPackage's is its own (the same zones).
        let csv = try #require(summary.items["by_tract"]), gpkg = try #require(summary.items["ndvi_by_tract"])
        #expect(csv.assets["csv"]?.type == "text/csv" && gpkg.assets["gpkg"]?.type == "application/geopackage+sqlite3")
        #expect(csv.lineage.contains("reused from an earlier run"))
        let envelope = try Self.zonesEnvelope()
        for item in [csv, gpkg] {
            let bbox = try #require(item.bbox)
            #expect(item.geometry == "Polygon")
            // Contains every reprojected vertex (to rounding), and no more than a hair larger (bounds densified
            // along the edges).
            let slack = 1e-9
            #expect(bbox[0] <= envelope[0] + slack && bbox[1] <= envelope[1] + slack && bbox[2] >= envelope[2] - slack
                    && bbox[3] >= envelope[3] - slack, "\(bbox) \(envelope)")
            #expect(zip(bbox, envelope).allSatisfy { abs($0 - $1) < 1e-4 }, "\(bbox) \(envelope)")
        }
    }

    @Test func aTableWithoutAKnownExtentHasNoGeometry() throws {
        let fixture = try RunFixture()
        var manifest = fixture.manifest!
        // Only the CSV step, whose inputs are gone: null geometry and no bbox, as STAC allows; a year as a range.
        manifest.steps = [manifest.steps[2]]
        manifest.steps[0].inputs = ["gone/classes.tif", "gone/zones.shp"]
        manifest.variables["date"] = "2024"
        try fixture.write(try StacCatalog.documents(for: manifest, runDirectory: fixture.path))
        let summary = try Self.check(fixture.path)
        let item = try #require(summary.items["by_tract"])
        #expect(item.geometry == nil && item.bbox == nil)
        #expect(item.datetime == nil && item.start_datetime == "2024-01-01T00:00:00Z" && item.end_datetime == "2024-12-31T23:59:59Z")
    }

    @Test func itemsInSubfoldersLinkBackToTheRoot() throws {
        let fixture = try RunFixture()
        var manifest = fixture.manifest!
        // The class map and its companions in maps/2024/, with a table of the same stem beside the catalog.
        try FileManager.default.createDirectory(atPath: fixture.path + "/maps/2024", withIntermediateDirectories: true)
        for name in ["classes.tif", "classes.tif.aux.xml", "classes.qml", "classes.png"] {
            try FileManager.default.moveItem(atPath: "\(fixture.path)/\(name)", toPath: "\(fixture.path)/maps/2024/\(name)")
        }
        try FileManager.default.moveItem(atPath: fixture.path + "/by_tract.csv", toPath: fixture.path + "/classes.csv")
        for index in manifest.steps[1].outputs.indices { manifest.steps[1].outputs[index].path = "maps/2024/" + manifest.steps[1].outputs[index].path }
        manifest.steps[2].outputs[0].path = "classes.csv"
        manifest.steps[2].inputs[0] = "maps/2024/classes.tif"
        let documents = try StacCatalog.documents(for: manifest, runDirectory: fixture.path)
        #expect(Set(documents.keys) == ["catalog.json", "ndvi.stac.json", "maps/2024/maps-2024-classes-tif.stac.json", "classes-csv.stac.json",
                                        "ndvi_by_tract.stac.json"])
        try fixture.write(documents)
        let summary = try Self.check(fixture.path)
        let classes = try #require(summary.items["maps-2024-classes-tif"])
        #expect(classes.assets["data"]?.href == "./classes.tif" && classes.assets["aux-xml"]?.href == "./classes.tif.aux.xml")
        #expect(summary.items["classes-csv"]?.geometry == "Polygon")
    }

    @Test func datesFromThePipelineVariable() {
        func date(_ text: String) -> [String: JSONValue] { StacCatalog.datetime(text, fallback: "2026-12-01T08:00:03Z") }
        #expect(date("2024-06-15") == ["datetime": .string("2024-06-15T00:00:00Z")])
        #expect(date("2024-02") == ["datetime": .null, "start_datetime": .string("2024-02-01T00:00:00Z"), "end_datetime": .string("2024-02-29T23:59:59Z")])
        #expect(date("2023-02")["end_datetime"] == .string("2023-02-28T23:59:59Z"))
        #expect(date("1900-02")["end_datetime"] == .string("1900-02-28T23:59:59Z"))
        #expect(date("2025-07-01T03:30:00+07:00") == ["datetime": .string("2025-07-01T03:30:00+07:00")])
        for unusable in ["dry season", "2024-13", "2024-02-30", "2023-02-29", "2024-6", "24"] {
            #expect(date(unusable) == ["datetime": .string("2026-12-01T08:00:03Z")], "\(unusable)")
        }
    }

    @Test func theRunsDayIsTheFinishingInstant() throws {
        var manifest = RunManifest(pipeline: "p.yaml", pipelineSHA256: "", variables: ["date": "2026-12-01"], startedAt: "2026-12-01T08:00:00Z",
                                   finishedAt: "2026-12-01T08:00:03Z", software: .current, threads: 1, inputs: [], steps: [], status: "succeeded")
        #expect(manifest.dataDate == "2026-12-01T08:00:03Z")
        manifest.variables["date"] = "2026-11-30"
        #expect(manifest.dataDate == "2026-11-30")
        manifest.variables = [:]
        #expect(manifest.dataDate == "2026-12-01T08:00:03Z")
    }

    @Test func clashingStemsGetDistinctIDs() {
        #expect(StacCatalog.uniqueIDs(["a/classes.tif", "b/classes.tif", "classes.csv", "ndvi.tif"])
                == ["a-classes-tif", "b-classes-tif", "classes-csv", "ndvi"])
        #expect(StacCatalog.uniqueIDs(["x-tif", "x.tif", "x.csv"]) == ["x-tif", "x-tif-2", "x-csv"])
    }

    @Test func aMissingOutputIsNamed() throws {
        let fixture = try RunFixture()
        try FileManager.default.removeItem(atPath: fixture.path + "/by_tract.csv")
        #expect(throws: SoilMapError.invalidInput(path: fixture.path + "/by_tract.csv",
                                                  "is an output of step 'cover_by_tract' in the manifest but is missing from the run directory")) {
            try StacCatalog.documents(for: fixture.manifest, runDirectory: fixture.path)
        }
    }
}
