import Foundation
import Testing
import GDAL
import SoilMap

/// `classify --method quantile` on a raster over 1,000,000 pixels: the breaks are numpy.quantile of the documented
/// sample (GDAL's nearest-neighbour decimation to about 1,000,000 pixels), and lie close to the quantiles of every
/// pixel (`Tests/reference/sampled_quantile_reference.py`).
@Suite struct LargeRasterQuantileTests {
    struct Reference: Decodable {
        var pixels: Int, samplePixels: Int
        var all: [Double], sample: [Double], shareBelow: [Double], shareAtOrBelow: [Double]
    }

    @Test func quantileBreaksOfAMillionPixelRaster() throws {
        let directory = TemporaryDirectory()
        let ndvi = directory.path("ndvi.tif"), large = directory.path("ndvi-x3.tif"), classes = directory.path("classes.tif")
        let index = try runSoilmap(["index", "NDVI", "-i", Repository.landsat, "--band", "red=3", "--band", "nir=4", "-o", ndvi, "-q"])
        try #require(index.status == 0, "\(index.stderr)")
        let translate = try run("/usr/bin/gdal_translate", ["-q", "-outsize", "300%", "300%", ndvi, large])
        try #require(translate.status == 0, "\(translate.stderr)")
        try #require(try Dataset.open(large).width == 1047 && Dataset.open(large).height == 1056)

        // 1047 x 1056 = 1,105,632 pixels; the decimation factor is √(1,105,632 / 1,000,000) = 1.0515, so GDAL reads
        // round(1047 / 1.0515) x round(1056 / 1.0515) = 996 x 1004 = 999,984 pixels.
        let python = try run("/usr/bin/python3", [Repository.path("Tests/reference/sampled_quantile_reference.py"), large, "5", "996", "1004"])
        try #require(python.status == 0, "\(python.stderr)")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(python.stdout.utf8))
        #expect(reference.pixels == 1_105_632 && reference.samplePixels == 999_984)

        let breaks = try DataBreaks(method: .quantile, classes: 5).compute(path: large)
        #expect(breaks.breaks == reference.sample)
        #expect(breaks.description.contains("999984"))

        let result = try runSoilmap(["classify", large, "--method", "quantile", "--classes", "5", "-o", classes])
        try #require(result.status == 0, "\(result.stderr)")
        #expect((result.stdout + result.stderr).contains("breaks from quantiles of a regular sample of 999984 valid pixels"))
        let metadata = try Dataset.open(classes).metadata()
        let written = (metadata["CLASS_BREAKS"] ?? "").split(separator: ",").compactMap { Double($0) }
        // Written with 10 significant digits.
        #expect(written.count == 4 && zip(written, reference.sample).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) },
                "\(written) vs \(reference.sample)")
        #expect(metadata["CLASS_BREAKS_METHOD"] == "quantiles of a regular sample of 999984 valid pixels")

        // Against every pixel: each sample break sits where all the pixels' quantile level is, within 0.1 % of the
        // pixels (measured here: at most 0.04 %); three of the four breaks are the all-pixel quantiles exactly.
        for (position, level) in [0.2, 0.4, 0.6, 0.8].enumerated() {
            #expect(reference.shareBelow[position] - 0.001 <= level && level <= reference.shareAtOrBelow[position] + 0.001,
                    "break \(position + 1): \(reference.shareBelow[position])...\(reference.shareAtOrBelow[position]) of the pixels")
        }
        #expect(zip(reference.sample, reference.all).filter { $0 == $1 }.count == 3)
    }
}
