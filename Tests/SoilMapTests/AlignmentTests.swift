import Foundation
import Testing
import GDAL

/// `soilmap index` with a band on another grid or in another CRS: aligned onto the reference band's grid as GDAL's
/// own gdalwarp does it (`Tests/reference/aligned_ndvi_reference.py`).
@Suite struct AlignmentTests {
    static let reference = Repository.path("Tests/reference/aligned_ndvi_reference.py")

    /// Runs a GDAL command-line tool, failing the test if it fails.
    static func gdal(_ tool: String, _ arguments: [String]) throws {
        let result = try run("/usr/bin/\(tool)", arguments)
        try #require(result.status == 0, "\(tool): \(result.stderr)")
    }

    /// soilmap's NDVI of the sample's red band and `nir` against the reference's, pixel by pixel.
    static func expectNDVIMatchesGDAL(nir: String, resampling: String, uncoveredCells: Bool, in directory: TemporaryDirectory) throws {
        let output = directory.path("ndvi-\(resampling).tif"), expected = directory.path("expected-\(resampling).tif")
        let result = try runSoilmap(["index", "NDVI", "-i", Repository.landsat, "--band", "red=3", "--band", "nir=\(nir):1",
                                     "--resampling", resampling, "-o", output, "-q"])
        try #require(result.status == 0, "\(result.stderr)")
        let python = try run("/usr/bin/python3", [reference, Repository.landsat, nir, resampling, expected])
        try #require(python.status == 0, "\(python.stderr)")
        let actual = try readBand(output), wanted = try readBand(expected)
        try #require(actual.count == 349 * 352 && wanted.count == actual.count)
        var nodataOnlyInSoilmap = 0, nodataOnlyInGDAL = 0, worst = 0.0
        for (mine, theirs) in zip(actual, wanted) {
            let mineMissing: Bool = mine == -9999, theirsMissing: Bool = theirs == -9999
            if mineMissing && !theirsMissing { nodataOnlyInSoilmap += 1 }
            if theirsMissing && !mineMissing { nodataOnlyInGDAL += 1 }
            if !mineMissing && !theirsMissing { worst = max(worst, abs(Double(mine) - Double(theirs))) }
        }
        #expect(worst <= 1e-6, "\(resampling): largest difference \(worst)")
        #expect(nodataOnlyInSoilmap == 0)
        // Cells the band does not cover (for the coarse grid, the red grid's last column, past its edge) must be
        // nodata. The warped VRT keeps the band's type (Byte) and fills them with 0, which is read as nir = 0.
        let gdalNodata = wanted.count { $0 == -9999 }
        #expect((gdalNodata > 0) == uncoveredCells, "\(resampling): \(gdalNodata) nodata pixels in GDAL's result")
        // Cells the warped band does not cover are nodata, as gdalwarp's alpha band says.
        #expect(nodataOnlyInGDAL == 0, "\(resampling): \(nodataOnlyInGDAL) pixels nodata in GDAL's result only")
    }

    @Test(arguments: ["bilinear", "cubic"])
    func coarserNirBandResampled(resampling: String) throws {
        let directory = TemporaryDirectory()
        let nir = directory.path("nir-57m.tif")
        try Self.gdal("gdal_translate", ["-q", "-b", "4", "-tr", "57", "57", "-r", "average", Repository.landsat, nir])
        try Self.expectNDVIMatchesGDAL(nir: nir, resampling: resampling, uncoveredCells: true, in: directory)
    }

    /// nir reprojected to WGS 84 lon/lat: soilmap warps it back onto red's UTM grid with GDAL's exact transformer,
    /// as `gdalwarp -et 0` does (gdalwarp's default approximation picks another neighbour on ~700 boundary pixels).
    @Test func bandInAnotherCRS() throws {
        let directory = TemporaryDirectory()
        let nirUTM = directory.path("nir-utm.tif"), nirLonLat = directory.path("nir-4326.tif")
        try Self.gdal("gdal_translate", ["-q", "-b", "4", Repository.landsat, nirUTM])
        try Self.gdal("gdalwarp", ["-q", "-t_srs", "EPSG:4326", nirUTM, nirLonLat])
        try #require(try Dataset.open(nirLonLat).spatialReference?.epsgCode == 4326)
        try Self.expectNDVIMatchesGDAL(nir: nirLonLat, resampling: "near", uncoveredCells: false, in: directory)
    }

    @Test func bandOnAnotherGridWithoutCRSIsRefused() throws {
        let directory = TemporaryDirectory()
        let nir = directory.path("nir-no-crs.tif"), output = directory.path("ndvi.tif")
        try Self.gdal("gdal_translate", ["-q", "-b", "4", "-tr", "57", "57", "-r", "average", Repository.landsat, nir])
        try Self.gdal("gdal_edit.py", ["-a_srs", "", nir])
        try #require(try Dataset.open(nir).spatialReference == nil)
        let result = try runSoilmap(["index", "NDVI", "-i", Repository.landsat, "--band", "red=3", "--band", "nir=\(nir):1", "-o", output])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "soilmap: \(nir): is on another grid than the reference and has no CRS (or the reference has none), so it cannot be aligned\n")
        #expect(directory.files == ["nir-no-crs.tif"])
    }
}
