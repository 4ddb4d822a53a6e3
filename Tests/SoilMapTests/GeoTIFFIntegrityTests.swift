import Foundation
import Testing
import GDAL
import SoilMap

/// The truncated-GeoTIFF check against where GDAL itself says the blocks lie (its "TIFF" metadata domain, read by
/// Tests/reference/tiff_block_ends.py), and against offsets read by hand from the files' headers.
@Suite struct GeoTIFFIntegrityTests {
    static let script = Repository.path("Tests/reference/tiff_block_ends.py")

    /// Per resolution level (0 first): distinct blocks and the furthest block end, as GDAL reports them.
    static func gdalBlockEnds(_ path: String) throws -> [(blocks: Int, furthestEnd: UInt64)] {
        let result = try run("/usr/bin/python3", [script, path])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            return (Int(fields[1])!, UInt64(fields[2])!)
        }
    }

    enum Fixture: String, CaseIterable, CustomTestStringConvertible {
        /// The sample as it is: strips, DEFLATE, pixel-interleaved, four overviews written after the full resolution.
        case landsatStrips
        /// A COG: every directory first, then the overviews' tiles, then the full resolution's.
        case cloudOptimized
        /// A big-endian BigTIFF in tiles, one plane per band.
        case bigEndianBigTIFF

        var testDescription: String { rawValue }

        func make(in directory: TemporaryDirectory) throws -> String {
            let path = directory.path("\(rawValue).tif")
            let window = ["-srcwin", "100", "100", "128", "128"]
            let options: [String]
            switch self {
            case .landsatStrips:
                try FileManager.default.copyItem(atPath: Repository.landsat, toPath: path)
                return path
            case .cloudOptimized:
                options = ["-of", "COG", "-co", "BLOCKSIZE=64", "-co", "COMPRESS=DEFLATE"] + window
            case .bigEndianBigTIFF:
                options = ["-co", "TILED=YES", "-co", "BLOCKXSIZE=32", "-co", "BLOCKYSIZE=32", "-co", "COMPRESS=DEFLATE",
                           "-co", "BIGTIFF=YES", "-co", "ENDIANNESS=BIG", "-co", "INTERLEAVE=BAND"] + window
            }
            let made = try run("/usr/bin/gdal_translate", ["-q"] + options + [Repository.landsat, path])
            try #require(made.status == 0, "\(made.stderr)")
            return path
        }

        /// The levels whose directories survive a cut at three quarters of the full resolution's data: all of them
        /// when the directories come first, only the full resolution's when the overviews' follow their data.
        func levelsKnownAfterCut(_ count: Int) -> Range<Int> { self == .landsatStrips ? 0..<1 : 0..<count }
    }

    static func truncatedCopy(of path: String, keeping bytes: Int, in directory: TemporaryDirectory) throws -> String {
        let copy = directory.path("cut-\(bytes)-" + URL(fileURLWithPath: path).lastPathComponent)
        try Data(contentsOf: URL(fileURLWithPath: path)).prefix(bytes).write(to: URL(fileURLWithPath: copy))
        return copy
    }

    @Test(arguments: Fixture.allCases)
    func intactFilesPassAndEveryBlockIsCounted(fixture: Fixture) throws {
        let directory = TemporaryDirectory()
        let path = try fixture.make(in: directory)
        let levels = try Self.gdalBlockEnds(path)
        let inspection = try #require(GeoTIFFIntegrity.inspect(path: path))
        #expect(inspection.problem == nil)
        #expect(inspection.directories == levels.count)
        #expect(inspection.blocks == levels.map(\.blocks).reduce(0, +))
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! UInt64
        #expect(inspection.fileBytes == size)
        #expect(levels.map(\.furthestEnd).max()! <= size)
    }

    @Test(arguments: Fixture.allCases)
    func aCopyCutInTheBlocksGivesTheFurthestBlockEnd(fixture: Fixture) throws {
        let directory = TemporaryDirectory()
        let path = try fixture.make(in: directory)
        let levels = try Self.gdalBlockEnds(path)
        let cut = Int(levels[0].furthestEnd * 3 / 4)
        let copy = try Self.truncatedCopy(of: path, keeping: cut, in: directory)
        let required = fixture.levelsKnownAfterCut(levels.count).map { levels[$0].furthestEnd }.max()!
        let problem = try #require(GeoTIFFIntegrity.check(path: copy))
        #expect(problem == GeoTIFFIntegrity.Problem(part: .blocks, requiredBytes: required, fileBytes: UInt64(cut)))
        #expect(problem.missingBytes == required - UInt64(cut))
    }

    /// Cuts before the first directory's end, with the sizes read by hand from the header and the directory's
    /// entry count (classic little-endian TIFF: 2 bytes of count, 12 per entry, 4 of next offset).
    @Test func aCopyCutInTheFirstDirectoryNamesTheDirectory() throws {
        let directory = TemporaryDirectory()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Repository.landsat)))
        #expect(bytes[0] == 0x49 && bytes[1] == 0x49 && bytes[2] == 42)
        let first = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
        let entries = Int(bytes[first]) | Int(bytes[first + 1]) << 8
        let tableEnd = first + 2 + 12 * entries + 4
        for (cut, required) in [(8, first + 2), (first + 2 + 12 * 3, tableEnd)] {
            let copy = try Self.truncatedCopy(of: Repository.landsat, keeping: cut, in: directory)
            #expect(GeoTIFFIntegrity.check(path: copy)
                    == GeoTIFFIntegrity.Problem(part: .directory, requiredBytes: UInt64(required), fileBytes: UInt64(cut)))
        }
    }

    @Test func sparseTilesAreNotMissingTiles() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("sparse.tif")
        let dataset = try Driver("GTiff").createRaster(path: path, width: 100, height: 70, bandCount: 1, dataType: .uint16,
                                                       options: ["TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "SPARSE_OK=TRUE"])
        try dataset.close()
        let inspection = try #require(GeoTIFFIntegrity.inspect(path: path))
        #expect(inspection.problem == nil)
        #expect(inspection.blocks == 4 * 3)
    }

    @Test func otherFilesAreNotChecked() throws {
        let directory = TemporaryDirectory()
        try Data().write(to: URL(fileURLWithPath: directory.path("empty.tif")))
        try Data([0x49, 0x49, 42, 0]).write(to: URL(fileURLWithPath: directory.path("short.tif")))
        for path in [Repository.path("samples/olinda/olinda1.shp"), directory.path("empty.tif"), directory.path("short.tif"),
                     directory.path("missing.tif")] {
            #expect(GeoTIFFIntegrity.inspect(path: path) == nil)
        }
    }

    @Test func theProblemReadsAsOneLine() {
        #expect(GeoTIFFIntegrity.Problem(part: .blocks, requiredBytes: 812_345, fileBytes: 500_000).description
                == "truncated: tiles/strips reach byte 812,345 but the file has 500,000 bytes (312,345 bytes missing)")
        #expect(GeoTIFFIntegrity.Problem(part: .directory, requiredBytes: 1_234_567_890, fileBytes: 8).description
                == "truncated or damaged: a TIFF directory reaches byte 1,234,567,890 but the file has 8 bytes")
    }

    /// Every command refuses the truncated sample before reading it, with the same line; info reports it.
    @Test func commandsRefuseATruncatedInputAndInfoReportsIt() throws {
        let inputs = TemporaryDirectory(), outputs = TemporaryDirectory()
        let ends = try Self.gdalBlockEnds(Repository.landsat)
        let copy = try Self.truncatedCopy(of: Repository.landsat, keeping: 400_000, in: inputs)
        let problem = "truncated: tiles/strips reach byte \(grouped(ends[0].furthestEnd)) but the file has 400,000 bytes "
            + "(\(grouped(ends[0].furthestEnd - 400_000)) bytes missing)"
        let zones = Repository.path("samples/olinda/olinda1.shp")
        for arguments in [["index", "NDVI", "-i", copy, "--band", "red=3", "--band", "nir=4", "-o", outputs.path("ndvi.tif")],
                          ["index", "NDVI", "--band", "red=\(Repository.landsat):3", "--band", "nir=\(Repository.landsat):4",
                           "--mask", copy, "--mask-values", "0", "-o", outputs.path("ndvi.tif")],
                          ["classify", copy, "--breaks", "50,100", "-o", outputs.path("classes.tif")],
                          ["classify", copy, "--method", "quantile", "--classes", "4", "-o", outputs.path("classes.tif")],
                          ["combine", Repository.landsat, copy, "--method", "worst-of", "-o", outputs.path("worst.tif")],
                          ["zonal", copy, "--zones", zones, "--id-field", "ID", "-o", outputs.path("stats.csv")]] {
            let result = try runSoilmap(arguments + ["-q"])
            #expect(result.status == 1 && result.stderr == "soilmap: \(copy): \(problem)\n", "\(arguments[0]): \(result.stderr)")
            #expect(outputs.files.isEmpty)
        }
        #expect(inputs.files == [URL(fileURLWithPath: copy).lastPathComponent])

        let text = try runSoilmap(["info", copy])
        #expect(text.status == 0 && text.stdout.contains("\n  integrity: \(problem)\n"), "\(text.stdout)")
        let json = try runSoilmap(["info", "--json", copy])
        #expect(try JSONDecoder().decode(DatasetInfo.self, from: Data(json.stdout.utf8)).integrity == problem)
        let intact = try runSoilmap(["info", Repository.landsat])
        let blocks = ends.map(\.blocks).reduce(0, +)
        #expect(intact.stdout.contains("\n  integrity: ok: \(blocks) tiles/strips in \(ends.count) directories lie within the file's 798,453 bytes\n"))
    }

    private func grouped(_ value: UInt64) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.locale = Locale(identifier: "en_US")
        return formatter.string(from: NSNumber(value: value))!
    }
}
