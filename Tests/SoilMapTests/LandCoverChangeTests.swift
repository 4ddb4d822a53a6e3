import Foundation
import Testing
import GDAL
@testable import SoilMap

/// `soilmap landcover-change`: the UNCCD matrix on every transition worked by hand, user tables and matrices, and
/// the real New Guinea pair (samples/landcover-newguinea, 2001 and 2015) against numpy
/// (Tests/reference/landcover_reference.py, written from the rules in ../shared/INDICES.md).
@Suite(.serialized) struct LandCoverChangeTests {
    static var python: String { (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python" }
    static let script = Repository.path("Tests/reference/landcover_reference.py")
    static let baseline = Repository.path("samples/landcover-newguinea/landcover2001s.tif")
    static let target = Repository.path("samples/landcover-newguinea/landcover2015s.tif")
    static let recode = Repository.path("samples/landcover-newguinea/unccd-recode.csv")

    /// The UNCCD default as ../shared/INDICES.md prints it (rows from, columns to; tree, grass, crop, wet,
    /// artificial, other, water), typed again here, not read from soilmap.
    static let unccd: [[Int]] = [
        [0, -1, -1, -1, -1, -1, 0],
        [1, 0, 1, -1, -1, -1, 0],
        [1, -1, 0, -1, -1, -1, 0],
        [-1, -1, -1, 0, -1, -1, 0],
        [1, 1, 1, 1, 0, 1, 0],
        [1, 1, 1, 1, -1, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
    ]

    /// An 8 x 7 pair in UNCCD classes: pixel (row r, column c) goes from class r + 1 to class c + 1 for r < 7; the
    /// last row is nodata (255) in the baseline, and column 6 of row 0 is nodata in the target.
    static func everyTransition(in directory: TemporaryDirectory) throws -> (String, String) {
        var from: [UInt8] = [], to: [UInt8] = []
        for row in 0..<8 {
            for column in 0..<7 {
                from.append(row < 7 ? UInt8(row + 1) : 255)
                to.append(row == 0 && column == 6 ? 255 : UInt8(column + 1))
            }
        }
        let a = directory.path("from.tif"), b = directory.path("to.tif")
        try writeRaster(a, width: 7, height: 8, values: from, noData: 255, pixelSize: 30)
        try writeRaster(b, width: 7, height: 8, values: to, noData: 255, pixelSize: 30)
        return (a, b)
    }

    @Test func everyTransitionOfTheUNCCDMatrix() throws {
        let directory = TemporaryDirectory()
        let (a, b) = try Self.everyTransition(in: directory)
        let output = directory.path("lc.tif"), transitions = directory.path("tr.tif"), table = directory.path("tr.csv")
        let (summary, _) = try LandCoverChangeStep(LandCoverChangeParameters(baseline: a, target: b, recode: "unccd", output: output,
                                                                            transitions: transitions, table: table)).run(in: RunContext(threads: 1))
        let status = try readBand(output), codes = try readBand(transitions)
        for row in 0..<8 {
            for column in 0..<7 {
                let pixel = row * 7 + column
                let nodata = row == 7 || (row == 0 && column == 6)
                #expect(status[pixel] == (nodata ? 0 : Float(Self.unccd[row][column] + 2)), "from \(row + 1) to \(column + 1)")
                #expect(codes[pixel] == (nodata ? 0 : Float((row + 1) * 10 + column + 1)))
            }
        }
        // A few read straight from the rules: deforestation to cropland degrades, cropland back to trees improves,
        // anything to or from water is stable, other land to artificial degrades, artificial to other land improves.
        #expect(status[0 * 7 + 2] == 1 && status[2 * 7 + 0] == 3 && status[3 * 7 + 6] == 2 && status[6 * 7 + 0] == 2)
        #expect(status[5 * 7 + 4] == 1 && status[4 * 7 + 5] == 3)
        // 30 m cells: 0.09 ha each; 48 transitions counted, 8 nodata.
        #expect(summary.transitionHectares.filter { $0 == 0.09 }.count == 48 && summary.transitionHectares[6] == 0)
        #expect(abs(summary.noDataHectares - 8 * 0.09) < 1e-12)
        let lines = try String(contentsOfFile: table, encoding: .utf8).split(separator: "\n")
        #expect(lines[0] == "from_code,from_class,tree_covered_ha,grassland_ha,cropland_ha,wetland_ha,artificial_ha,other_land_ha,water_ha,total_ha")
        // Hectares as the shortest text that reads back as the same Double: the row total is the sum of six 0.09.
        #expect(lines[1] == "1,Tree-covered,0.09,0.09,0.09,0.09,0.09,0.09,0,\([Double](repeating: 0.09, count: 6).reduce(0, +))")
        #expect(lines[9] == ",No data,,,,,,,,0.72")
        #expect(FileManager.default.fileExists(atPath: directory.path("lc.qml")) && FileManager.default.fileExists(atPath: directory.path("tr.qml")))
        let band = try Dataset.open(transitions).band(1)
        #expect(band.categoryNames[13] == "Tree-covered → Cropland" && band.categoryNames[11] == "Tree-covered (no change)")
        #expect(try Dataset.open(output).metadataItem("CLASS_SCHEME") == "sdg-15.3.1")
    }

    /// A matrix of one's own, with class names on its rows and columns (and D/S/I words): afforestation of
    /// grassland counted as a degradation here, everything else stable.
    @Test func aMatrixOfOnesOwn() throws {
        let directory = TemporaryDirectory()
        let (a, b) = try Self.everyTransition(in: directory)
        let matrix = directory.path("matrix.csv")
        var text = "from,tree-covered,grassland,cropland,wetland,artificial,other-land,water\n"
        for from in UNCCDLandCover.classes {
            text += from.id + "," + (1...7).map { to in from.value == 2 && to == 1 ? "D" : "0" }.joined(separator: ",") + "\n"
        }
        try text.write(toFile: matrix, atomically: true, encoding: .utf8)
        let output = directory.path("lc.tif")
        try LandCoverChangeStep(LandCoverChangeParameters(baseline: a, target: b, recode: "unccd", matrix: matrix, output: output)).run(in: RunContext())
        let status = try readBand(output)
        #expect(status[7 + 0] == 1)
        #expect(status.enumerated().filter { $0.offset != 7 && $0.element != 0 }.allSatisfy { $0.element == 2 })
        // Transposed names are refused, not applied.
        let shuffled = directory.path("shuffled.csv")
        try text.replacingOccurrences(of: "from,tree-covered,grassland", with: "from,grassland,tree-covered").write(toFile: shuffled, atomically: true, encoding: .utf8)
        #expect(throws: SoilMapError.self) { try TransitionMatrix.named(shuffled) }
    }

    /// The ESA CCI default table, from the nesting in INDICES.md: 10-40 cropland, 50-100 tree-covered, 110-153
    /// grassland, 160/170/180 wetland, 190 artificial, 200-202 and 220 other land, 210 water; 230 and 0 are not in it.
    @Test func theESACCITableAndAYAMLTable() throws {
        let esa = LandCoverRecode.esaCCI
        let expected: [Int: Int] = [10: 3, 11: 3, 40: 3, 50: 1, 62: 1, 100: 1, 110: 2, 120: 2, 153: 2, 160: 4, 170: 4, 180: 4,
                                    190: 5, 200: 6, 202: 6, 220: 6, 210: 7, 230: 0, 0: 0, 9: 0, 203: 0, 154: 0]
        for (value, landClass) in expected { #expect(esa.landClass(value) == landClass, "ESA \(value)") }
        let directory = TemporaryDirectory()
        let yaml = directory.path("legend.yaml")
        try "classes:\n  cropland: [1]\n  tree-covered: [2]\n  grassland: [\"3..3\", 6, 7]\n  artificial: [5]\n  water body: [9]\n"
            .write(toFile: yaml, atomically: true, encoding: .utf8)
        let csv = try LandCoverRecode.named(Self.recode), fromYAML = try LandCoverRecode.named(yaml)
        #expect(csv.classOf == fromYAML.classOf && csv.lowest == fromYAML.lowest)
        // Values of a map that the table does not name are nodata, and said so.
        let values: [Int16] = [10, 50, 230, 210, -1, 190]
        let a = directory.path("a.tif"), b = directory.path("b.tif")
        try writeRaster(a, width: 6, height: 1, values: values, noData: -1)
        try writeRaster(b, width: 6, height: 1, values: [Int16](repeating: 190, count: 6), noData: -1)
        let output = directory.path("lc.tif")
        let (summary, _) = try LandCoverChangeStep(LandCoverChangeParameters(baseline: a, target: b, output: output)).run(in: RunContext())
        #expect(try readBand(output) == [1, 1, 0, 2, 0, 2])
        #expect(summary.unmappedPixels == [1, 0])
        #expect(summary.warnings.contains { $0.hasPrefix("\(a): 1 pixel holds a value that the land-cover table esa-cci does not name") })
    }

    /// The real pair: every output and the hectares against numpy.
    @Test func theNewGuineaPairMatchesNumpy() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no venv at \(Self.python): run `make venv`")
        let directory = TemporaryDirectory()
        let paths = ["lc.tif", "tr.tif", "b.tif", "t.tif", "tr.csv"].map(directory.path)
        let result = try runSoilmap(["landcover-change", Self.baseline, Self.target, "--recode", Self.recode, "-o", paths[0],
                                     "--transition-map", paths[1], "--baseline-classes", paths[2], "--target-classes", paths[3], "--transition-table", paths[4], "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try run(Self.python, [Self.script, Self.baseline, Self.target, Self.recode, paths[0], "--transition-map", paths[1],
                                              "--baseline-classes", paths[2], "--target-classes", paths[3], "--transition-table", paths[4]])
        #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
        // Counts of the real pair (numpy's): degradation, improvement and changes are all present.
        #expect(reference.stdout.hasPrefix("degraded=1113 stable=418136 improved=2229 nodata=24746 changed=3605"), "\(reference.stdout)")
        #expect(try Dataset.open(paths[2]).metadataItem("CLASS_SCHEME") == "unccd-land-cover")
    }

    @Test func identicalWhateverTheThreadsAndTileSize() throws {
        let directory = TemporaryDirectory()
        var maps: [Data] = [], tables: [Data] = []
        for (threads, tile) in [(1, "16"), (2, "64"), (2, "512")] {
            let output = directory.path("lc-\(threads)-\(tile).tif"), table = directory.path("tr-\(threads)-\(tile).csv")
            let result = try runSoilmap(["landcover-change", Self.baseline, Self.target, "--recode", Self.recode, "-o", output, "--transition-table", table,
                                         "--threads", String(threads), "--tile-size", tile, "-q"])
            #expect(result.status == 0, "\(result.stderr)")
            maps.append(try Data(contentsOf: URL(fileURLWithPath: output)))
            tables.append(try Data(contentsOf: URL(fileURLWithPath: table)))
        }
        #expect(maps[0] == maps[1] && maps[0] == maps[2])
        #expect(tables[0] == tables[1] && tables[0] == tables[2])
    }

    @Test func badInputsAreOneLineErrorsAndLeaveNothing() throws {
        let directory = TemporaryDirectory()
        let (a, b) = try Self.everyTransition(in: directory)
        let badRecode = directory.path("bad.csv"), noHeader = directory.path("noheader.csv"), badMatrix = directory.path("m.csv")
        try "value,class\n1,forest\n2,meadow\n".write(toFile: badRecode, atomically: true, encoding: .utf8)
        try "1,2\n".write(toFile: noHeader, atomically: true, encoding: .utf8)
        try "0,0,0\n".write(toFile: badMatrix, atomically: true, encoding: .utf8)
        let missing = directory.path("missing.tif"), output = directory.path("out.tif")
        let cases: [([String], String)] = [
            ([missing, b], "soilmap: \(missing): "),
            ([a, b, "--recode", badRecode], "soilmap: \(badRecode): line 3: 'meadow' is not a UNCCD class (1 tree-covered, 2 grassland"),
            ([a, b, "--recode", noHeader], "soilmap: \(noHeader): needs a header with the columns value and class"),
            ([a, b, "--recode", "modis"], "soilmap: --recode modis: use esa-cci, unccd, or a .csv or .yaml table"),
            ([a, b, "--recode", "unccd", "--matrix", badMatrix], "soilmap: \(badMatrix): has 1 rows of values; a transition matrix has 7"),
            ([a, b, "--recode", "unccd", "--transition-table", directory.path("t.txt")], "soilmap: --transition-table \(directory.path("t.txt")): the transitions table is written as .csv"),
            ([a, b, "--recode", "unccd", "--transition-map", output], "soilmap: \(output) is named for two outputs"),
        ]
        for (arguments, message) in cases {
            let result = try runSoilmap(["landcover-change"] + arguments + ["-o", output])
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        // A failure after the first map was written (the table's folder does not exist) leaves nothing behind.
        let result = try runSoilmap(["landcover-change", a, b, "--recode", "unccd", "-o", output, "--transition-table", directory.path("no/such/dir/t.csv")])
        #expect(result.status == 1 && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
        #expect(left == ["bad.csv", "from.tif", "m.csv", "noheader.csv", "to.tif"], "\(left)")
        // An existing output is not replaced without --overwrite.
        try "keep".write(toFile: output, atomically: true, encoding: .utf8)
        let refused = try runSoilmap(["landcover-change", a, b, "--recode", "unccd", "-o", output])
        #expect(refused.status == 1 && refused.stderr.contains("already exists"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "keep")
    }

    /// The pipeline kind runs the command's code: the same map bytes.
    @Test func thePipelineStepIsTheCommand() throws {
        let directory = TemporaryDirectory()
        let file = directory.path("p.yaml"), runDirectory = directory.path("run")
        try """
        soilmap: 1
        run_dir: \(runDirectory)
        steps:
          lc: {kind: landcover-change, baseline: \(Self.baseline), target: \(Self.target), recode: \(Self.recode), output: lc.tif, transition_table: tr.csv}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let piped = try runSoilmap(["run", file, "-q"])
        #expect(piped.status == 0, "\(piped.stderr)")
        let output = directory.path("lc.tif"), table = directory.path("tr.csv")
        #expect(try runSoilmap(["landcover-change", Self.baseline, Self.target, "--recode", Self.recode, "-o", output, "--transition-table", table, "-q"]).status == 0)
        let producedMap = try FileManager.default.subpathsOfDirectory(atPath: runDirectory).first { $0.hasSuffix("lc.tif") }
        let producedTable = try FileManager.default.subpathsOfDirectory(atPath: runDirectory).first { $0.hasSuffix("tr.csv") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: runDirectory + "/" + (producedMap ?? ""))) == Data(contentsOf: URL(fileURLWithPath: output)))
        #expect(try Data(contentsOf: URL(fileURLWithPath: runDirectory + "/" + (producedTable ?? ""))) == Data(contentsOf: URL(fileURLWithPath: table)))
    }
}
