import Foundation
import Testing
import GDAL
import SoilMap

/// `soilmap index` and `soilmap indices` as a user runs them.
@Suite struct IndexCommandTests {
    static let stackBands = ["-i", Repository.landsat, "--band", "blue=1", "--band", "green=2", "--band", "red=3", "--band", "nir=4",
                             "--band", "swir1=5", "--band", "swir2=6"]

    @Test func writesBandDescriptionsNodataAndDefaultEncoding() throws {
        let directory = TemporaryDirectory()
        let output = directory.path("indices.tif")
        let result = try runSoilmap(["index", "NDVI,NDMI,BSI", "--expr", "RATIO=nir/red"] + Self.stackBands + ["-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let dataset = try Dataset.open(output)
        #expect(dataset.bands.map(\.bandDescription) == ["NDVI", "NDMI", "BSI", "RATIO"])
        #expect(dataset.bands.allSatisfy { $0.noDataValue == -9999 && $0.dataType == .float32 })
        #expect(dataset.metadata(domain: "IMAGE_STRUCTURE")["COMPRESSION"] == "ZSTD")
        #expect(try dataset.band(1).blockSize == (512, 512))
        #expect(dataset.metadata()["NDVI_FORMULA"] == "(nir - red) / (nir + red)")
        #expect(dataset.spatialReference?.epsgCode == 31985)
        // Pixel (0, 0): red 46, nir 79 (gdallocationinfo).
        let ratio: [Float] = try dataset.band(4).read(window: PixelWindow(column: 0, row: 0, width: 1, height: 1))
        #expect(ratio[0] == Float(79.0 / 46.0))
    }

    @Test func cloudOptimizedOutput() throws {
        let directory = TemporaryDirectory()
        let output = directory.path("ndvi-cog.tif")
        let result = try runSoilmap(["index", "NDVI"] + Self.stackBands + ["-o", output, "--format", "COG", "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let dataset = try Dataset.open(output)
        #expect(dataset.metadata(domain: "IMAGE_STRUCTURE")["LAYOUT"] == "COG")
        #expect(try dataset.band(1).bandDescription == "NDVI")
        #expect(try dataset.band(1).noDataValue == -9999)
        #expect(directory.files == ["ndvi-cog.tif"])
    }

    @Test func neverOverwritesWithoutBeingTold() throws {
        let directory = TemporaryDirectory()
        let output = directory.path("precious.tif")
        try Data("my own file".utf8).write(to: URL(fileURLWithPath: output))
        let refused = try runSoilmap(["index", "NDVI"] + Self.stackBands + ["-o", output])
        #expect(refused.status == 1)
        #expect(refused.stderr == "soilmap: \(output): already exists (use --overwrite to replace it)\n")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "my own file")
        let replaced = try runSoilmap(["index", "NDVI"] + Self.stackBands + ["-o", output, "--overwrite", "-q"])
        #expect(replaced.status == 0)
        #expect(try Dataset.open(output).bandCount == 1)
    }

    @Test func aFailureMidRunLeavesNothingBehind() throws {
        let directory = TemporaryDirectory()
        let truncated = directory.path("truncated.tif")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Repository.landsat))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        let output = directory.path("ndvi.tif")
        let result = try runSoilmap(["index", "NDVI", "-i", truncated, "--band", "red=3", "--band", "nir=4", "-o", output])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("soilmap: \(truncated): "))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(directory.files == ["truncated.tif"])
    }

    @Test(arguments: [
        (["index", "NDVX", "-i", "S", "--band", "red=3", "-o", "O"], "soilmap: unknown index 'NDVX' (see `soilmap indices`; for other band math use --expr 'NAME=formula')\n"),
        (["index", "NDVI", "-i", "S", "--band", "red=3", "-o", "O"], "soilmap: NDVI needs the band 'nir' (give --band nir=N or --band nir=FILE)\n"),
        (["index", "--expr", "X=(nir-red", "-i", "S", "--band", "red=3", "--band", "nir=4", "-o", "O"],
         "soilmap: in expression '(nir-red' at character 9: expected ')' but found 'end of expression'\n"),
        (["index", "SAVI", "-i", "S", "--band", "red=3", "--band", "nir=4", "--param", "Q=1", "-o", "O"],
         "soilmap: --param Q: no requested index has such a constant\n"),
        (["index", "NDVI", "--band", "red=3", "--band", "nir=4", "-o", "O"], "soilmap: --band red=3: a band number needs the stack given with -i\n"),
    ])
    func badArgumentsGiveOneLine(arguments: [String], message: String) throws {
        let directory = TemporaryDirectory()
        let resolved = arguments.map { $0 == "S" ? Repository.landsat : $0 == "O" ? directory.path("o.tif") : $0 }
        let result = try runSoilmap(resolved)
        #expect(result.status == 1)
        #expect(result.stderr == message)
        #expect(directory.files.isEmpty)
    }

    @Test func catalogueListing() throws {
        let json = try runSoilmap(["indices", "--json"])
        #expect(json.status == 0)
        struct Entry: Decodable { var id: String; var formula: String; var bands: [String]; var source: String; var note: String }
        let entries = try JSONDecoder().decode([Entry].self, from: Data(json.stdout.utf8))
        #expect(entries.count == 39)
        #expect(entries.first { $0.id == "NDSI" }?.note.contains("snow") == true)
        let text = try runSoilmap(["indices"])
        #expect(text.stdout.contains("SAVI      vegetation (1 + L) * (nir - red) / (nir + red + L)   [L=1.0]"))
    }
}
