import Foundation
import Testing
import SoilMap

/// The damage the matrix found that GDAL passes over in silence, each with its own message.
@Suite struct SilentDamageTests {
    /// A copy of the 12 tracts over the tiled window, made with ogr2ogr, with `part` replaced by `bytes`.
    static func zones(with part: String, _ bytes: (Data) -> Data?, in directory: TemporaryDirectory) throws -> String {
        let made = try run("/usr/bin/ogr2ogr", ["-f", "ESRI Shapefile", directory.path("zones.shp"), Repository.path("samples/olinda/olinda1.shp"),
                                                "-spat", "293051", "9114662", "294875", "9116486", "-spat_srs", "EPSG:31985", "-limit", "12"])
        try #require(made.status == 0, "\(made.stderr)")
        let url = URL(fileURLWithPath: directory.path("zones.\(part)"))
        if let damaged = bytes(try Data(contentsOf: url)) { try damaged.write(to: url) } else { try FileManager.default.removeItem(at: url) }
        return directory.path("zones.shp")
    }

    /// GDAL opens a shapefile whose .dbf it cannot read as a layer without fields, and says nothing.
    @Test(arguments: [0, 8, 120])
    func aShapefileWhoseDBFCannotBeReadIsRefused(keeping bytes: Int) throws {
        let directory = TemporaryDirectory()
        let zones = try Self.zones(with: "dbf", { $0.prefix(bytes) }, in: directory)
        let message = "soilmap: \(directory.path("zones.dbf")): cannot be read (truncated or damaged), so the shapefile's attributes are missing\n"
        let info = try runSoilmap(["info", zones])
        #expect(info.status == 1 && info.stderr == message, "\(info.stderr)")
        let zonal = try runSoilmap(["zonal", Repository.landsat, "--zones", zones, "--id-field", "CD_GEOCODI", "-o", directory.path("stats.csv"), "-q"])
        #expect(zonal.status == 1 && zonal.stderr == message, "\(zonal.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("stats.csv")))
    }

    /// Without a .dbf at all, the layer has no attributes, as GDAL says: nothing is damaged.
    @Test func aShapefileWithoutDBFIsDescribed() throws {
        let directory = TemporaryDirectory()
        let zones = try Self.zones(with: "dbf", { _ in nil }, in: directory)
        let info = try runSoilmap(["info", "--json", zones])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(try JSONDecoder().decode(DatasetInfo.self, from: Data(info.stdout.utf8)).layers?.first?.fields.isEmpty == true)
    }

    /// A .shp cut in its last record: GDAL raises an error and returns the 12th feature without geometry, which
    /// zonal would otherwise write as a zone with no cells.
    @Test func zonesCutShortStopZonal() throws {
        let directory = TemporaryDirectory()
        let zones = try Self.zones(with: "shp", { $0.dropLast(1) }, in: directory)
        let zonal = try runSoilmap(["zonal", Repository.landsat, "--zones", zones, "--id-field", "CD_GEOCODI", "-o", directory.path("stats.csv"), "-q"])
        #expect(zonal.status == 1)
        #expect(zonal.stderr.hasPrefix("soilmap: \(zones): feature 12 of layer 'zones' cannot be read: Error in fread() reading object"), "\(zonal.stderr)")
        #expect(zonal.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: directory.path("stats.csv")))
    }

    @Test func aSchemeThatIsNotUTF8IsNamed() throws {
        let directory = TemporaryDirectory()
        var scheme = try Data(contentsOf: URL(fileURLWithPath: Repository.path("samples/schemes/ndvi-cover.yaml")))
        scheme[scheme.startIndex + 40] ^= 0xFF
        try scheme.write(to: URL(fileURLWithPath: directory.path("scheme.yaml")))
        let result = try runSoilmap(["classify", Repository.landsat, "--scheme", directory.path("scheme.yaml"), "-o", directory.path("classes.tif")])
        #expect(result.status == 1 && result.stderr == "soilmap: \(directory.path("scheme.yaml")): is not UTF-8 text\n", "\(result.stderr)")
        #expect(directory.files == ["scheme.yaml"])
    }
}
