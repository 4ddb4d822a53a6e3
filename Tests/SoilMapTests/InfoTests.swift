import Foundation
import Testing
import SoilMap

@Suite struct InfoTests {
    @Test func describesTheLandsatRaster() throws {
        let info = try DatasetInfo.describe(path: Repository.path("samples/olinda/L7_ETMs.tif"))
        let raster = try #require(info.raster)
        #expect(info.driver == "GTiff")
        #expect(raster.width == 349 && raster.height == 352 && raster.bandCount == 6)
        #expect(raster.crs?.epsg == 31985)
        #expect(raster.bands.map(\.dataType) == Array(repeating: "Byte", count: 6))
        #expect(raster.bands[0].noData == nil)
        // The lon/lat box of gdalinfo's wgs84Extent (printed to 7 decimals).
        let lonLat = try #require(raster.boundsLonLat)
        let extent = try Self.gdalinfo(Repository.path("samples/olinda/L7_ETMs.tif"))["wgs84Extent"] as? [String: Any]
        let ring = try #require((extent?["coordinates"] as? [[[Double]]])?.first)
        let longitudes = ring.map { $0[0] }, latitudes = ring.map { $0[1] }
        for (ours, gdal) in [(lonLat.minX, longitudes.min()!), (lonLat.maxX, longitudes.max()!),
                             (lonLat.minY, latitudes.min()!), (lonLat.maxY, latitudes.max()!)] {
            #expect(abs(ours - gdal) <= 1e-7, "\(ours) vs gdalinfo \(gdal)")
        }
        #expect(info.layers == nil)
    }

    @Test func describesTheTractsLayer() throws {
        let info = try DatasetInfo.describe(path: Repository.path("samples/olinda/olinda1.shp"))
        #expect(info.raster == nil)
        let layer = try #require(info.layers?.first)
        #expect(layer.featureCount == 470)
        #expect(layer.crs?.isGeographic == true)
        #expect(layer.crs?.epsg == nil)
        #expect(layer.fields.first { $0.name == "NM_BAIR" }?.type == "String")
        #expect(info.files.count == 4)
    }

    @Test func jsonDecodesAndAgreesWithGdalinfo() throws {
        let info = try DatasetInfo.describe(path: Repository.path("samples/luxembourg/elev.tif"))
        let json = try info.json()
        let decoded = try JSONDecoder().decode(DatasetInfo.self, from: Data(json.utf8))
        #expect(decoded == info)
        // Against gdalinfo -json of the same file: size, type, nodata and corners.
        let gdal = try Self.gdalinfo(Repository.path("samples/luxembourg/elev.tif"))
        let size = gdal["size"] as? [Int], band = (gdal["bands"] as? [[String: Any]])?.first
        #expect(size == [decoded.raster?.width ?? 0, decoded.raster?.height ?? 0])
        #expect(band?["type"] as? String == decoded.raster?.bands.first?.dataType)
        #expect(decoded.raster?.bands.first?.noData == -32768 && band?["noDataValue"] as? Double == -32768)
        let corners = gdal["cornerCoordinates"] as? [String: [Double]]
        let bounds = try #require(decoded.raster?.bounds)
        #expect(abs(bounds.minX - (corners?["lowerLeft"]?[0] ?? .nan)) <= 1e-7 && abs(bounds.maxY - (corners?["upperLeft"]?[1] ?? .nan)) <= 1e-7)
        #expect(abs(bounds.maxX - (corners?["lowerRight"]?[0] ?? .nan)) <= 1e-7 && abs(bounds.minY - (corners?["lowerRight"]?[1] ?? .nan)) <= 1e-7)
        #expect(json.contains("\"epsg\" : 4326"))
    }

    /// `gdalinfo -json PATH` parsed.
    static func gdalinfo(_ path: String) throws -> [String: Any] {
        let result = try run("/usr/bin/gdalinfo", ["-json", path])
        try #require(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }
}

/// The command line as a user runs it: exit status, one-line errors, nothing else on stderr.
@Suite struct CommandLineTests {
    @Test func infoPrintsTextAndJSON() throws {
        let text = try runSoilmap(["info", Repository.path("samples/olinda/L7_ETMs.tif")])
        #expect(text.status == 0)
        #expect(text.stdout.contains("349 x 352 pixels, 6 bands"))
        #expect(text.stdout.contains("EPSG:31985"))
        #expect(text.stderr.isEmpty)
        let json = try runSoilmap(["info", "--json", Repository.path("samples/olinda/olinda1.shp")])
        #expect(json.status == 0)
        let decoded = try JSONDecoder().decode(DatasetInfo.self, from: Data(json.stdout.utf8))
        #expect(decoded.layers?.first?.featureCount == 470)
    }

    @Test(arguments: [
        ("/no/such/file.tif", "no such file or directory"),
        ("Package.swift", "not a format GDAL can read"),
    ])
    func badInputGivesOneLineAndNonZeroExit(path: String, reason: String) throws {
        let resolved = path.hasPrefix("/") ? path : Repository.root.appendingPathComponent(path).path
        let result = try runSoilmap(["info", resolved])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        // Exactly one line, naming the file and the problem: GDAL itself printed nothing.
        #expect(result.stderr == "soilmap: \(resolved): \(reason)\n")
    }
}


/// Runs the soilmap executable built beside the test bundle.
func runSoilmap(_ arguments: [String]) throws -> ProcessResult {
    try run(try soilmapExecutable(), arguments)
}
