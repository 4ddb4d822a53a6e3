import Foundation
import Testing
import GDAL
@testable import SoilMap

/// `soilmap soc-change`: stock-change factors and the 20-year linear approach worked by hand, and the real New
/// Guinea land-cover pair with a synthetic SOC stock (no real SOC map exists offline) against numpy
/// (Tests/reference/socchange_reference.py, written from the rules in ../shared/INDICES.md).
@Suite(.serialized) struct SOCChangeTests {
    static var python: String { (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python" }
    static let script = Repository.path("Tests/reference/socchange_reference.py")
    static let baseline = Repository.path("samples/landcover-newguinea/landcover2001s.tif")
    static let target = Repository.path("samples/landcover-newguinea/landcover2015s.tif")
    static let recode = Repository.path("samples/landcover-newguinea/unccd-recode.csv")

    /// Fl as ../shared/INDICES.md gives it (f = 0.48), typed here: rows from, columns to.
    @Test func conversionFactorsAsPublished() {
        let f = 0.48
        let table: [[Double]] = [
            [1, 1, f, 1, 0.1, 0.1, 1],
            [1, 1, f, 1, 0.1, 0.1, 1],
            [1 / f, 1 / f, 1, 1 / 0.71, 0.1, 0.1, 1],
            [1, 1, 0.71, 1, 0.1, 0.1, 1],
            [2, 2, 2, 2, 1, 1, 1],
            [2, 2, 2, 2, 1, 1, 1],
            [1, 1, 1, 1, 1, 1, 1],
        ]
        for from in 1...7 { for to in 1...7 { #expect(SOCChangeRule.factor(from: from, to: to, climate: f) == table[from - 1][to - 1], "\(from) -> \(to)") } }
    }

    /// One row of pixels, stock 100 (pixel 4: 0, pixel 5: nodata), maps of 2000, 2001, 2006, 2010:
    /// 0 tree, crop, tree, tree: 5 years at -2.6 (87), then 5 at +87 x (1/0.48 - 1) / 20: 87 x 1.2708333 = 110.5625;
    /// 1 tree, crop, crop, crop: 10 x -2.6 % = -26 %; 2 crop then tree: 10 x (1/0.48 - 1) / 20 = +54.1667 %;
    /// 3 water first: nodata; 6 grass to artificial in 2001 (Fl 0.1): 10 x 4.5 = -45 %; 7 artificial to other land:
    /// Fl 1, 0 %; 8 value 9, not in the table: nodata.
    static func series(in directory: TemporaryDirectory) throws -> (soc: String, maps: [String]) {
        let soc = directory.path("soc.tif")
        try writeRaster(soc, width: 9, height: 1, values: [Float](arrayLiteral: 100, 100, 100, 100, 0, -1, 100, 100, 100), noData: -1)
        let classes: [[UInt8]] = [
            [1, 1, 3, 7, 1, 1, 2, 5, 9],
            [3, 3, 1, 7, 3, 3, 5, 6, 1],
            [1, 3, 1, 7, 1, 1, 5, 6, 1],
            [1, 3, 1, 7, 1, 1, 5, 6, 1],
        ]
        let maps = try classes.enumerated().map { index, values in
            let path = directory.path("lc\(index).tif")
            try writeRaster(path, width: 9, height: 1, values: values, noData: 255)
            return path
        }
        return (soc, maps)
    }

    @Test func aSeriesWorkedByHand() throws {
        let directory = TemporaryDirectory()
        let (soc, maps) = try Self.series(in: directory)
        let output = directory.path("soc-status.tif"), percent = directory.path("soc-pct.tif")
        try SOCChangeStep(SOCChangeParameters(soc: soc, landCover: maps, years: [2000, 2001, 2006, 2010], recode: "unccd", output: output,
                                              percentChange: percent)).run(in: RunContext())
        let change = try readBand(percent), status = try readBand(output)
        let expected: [Double] = [10.5625, -26, 100 * 10 * (1 / 0.48 - 1) / 20, -9999, -9999, -9999, -45, 0, -9999]
        for (got, wanted) in zip(change, expected) { #expect(abs(Double(got) - wanted) < 1e-4, "\(change)") }
        #expect(status == [3, 1, 3, 0, 0, 0, 1, 2, 0])
        #expect(try Dataset.open(output).metadataItem("CLASS_SCHEME") == "sdg-15.3.1")
    }

    /// Two maps ten years apart, tree to cropland: with the change in the later map's year, one year of the 20
    /// (-2.6 %, stable); with it the year after the earlier map, ten (-26 %, degraded). Maps 2000, 2001, 2030:
    /// the change stops after 20 years, at stock x 0.48 (-52 %), not 29 years.
    @Test func changeTimingAndTheTwentyYearLimit() throws {
        let directory = TemporaryDirectory()
        let soc = directory.path("soc.tif"), tree = directory.path("tree.tif"), crop = directory.path("crop.tif")
        try writeRaster(soc, width: 1, height: 1, values: [Float(80)])
        try writeRaster(tree, width: 1, height: 1, values: [UInt8(1)])
        try writeRaster(crop, width: 1, height: 1, values: [UInt8(3)])
        func change(_ maps: [String], _ years: [Int], timing: String?, climate: String? = nil) throws -> Double {
            let percent = directory.path("p\(UUID().uuidString).tif")
            try SOCChangeStep(SOCChangeParameters(soc: soc, landCover: maps, years: years, recode: "unccd", climate: climate, changeTiming: timing,
                                                  output: directory.path("s\(UUID().uuidString).tif"), percentChange: percent)).run(in: RunContext())
            return Double(try readBand(percent)[0])
        }
        #expect(abs(try change([tree, crop], [2000, 2010], timing: nil) + 2.6) < 1e-4)
        #expect(abs(try change([tree, crop], [2000, 2010], timing: "start") + 26) < 1e-4)
        #expect(abs(try change([tree, crop, crop], [2000, 2001, 2030], timing: nil) + 52) < 1e-4)
        // Temperate dry, f = 0.80: 20 years to stock x 0.8.
        #expect(abs(try change([tree, crop, crop], [2000, 2001, 2030], timing: nil, climate: "temperate-dry") + 20) < 1e-4)
        #expect(abs(try change([tree, crop, crop], [2000, 2001, 2030], timing: nil, climate: "0.5") + 50) < 1e-4)
        // A loss of exactly 10 % is degraded (Trends.Earth: a loss of 10 % or more): f = 0.9, 200 -> 180 t/ha in 20
        // steps of exactly 1, so the change is -10 % to the last bit.
        let soc200 = directory.path("soc200.tif")
        try writeRaster(soc200, width: 1, height: 1, values: [Float(200)])
        let status = directory.path("boundary.tif"), percent = directory.path("boundary-pct.tif")
        try SOCChangeStep(SOCChangeParameters(soc: soc200, landCover: [tree, crop, crop], years: [2000, 2001, 2030], recode: "unccd", climate: "0.9",
                                              output: status, percentChange: percent)).run(in: RunContext())
        #expect(try readBand(percent) == [-10])
        #expect(try readBand(status) == [1])
    }

    /// A raster of climate factors: each pixel its own f.
    @Test func aClimateRaster() throws {
        let directory = TemporaryDirectory()
        let soc = directory.path("soc.tif"), tree = directory.path("tree.tif"), crop = directory.path("crop.tif"), zones = directory.path("f.tif")
        try writeRaster(soc, width: 3, height: 1, values: [Float](repeating: 50, count: 3))
        try writeRaster(tree, width: 3, height: 1, values: [UInt8](repeating: 1, count: 3))
        try writeRaster(crop, width: 3, height: 1, values: [UInt8](repeating: 3, count: 3))
        try writeRaster(zones, width: 3, height: 1, values: [Float](arrayLiteral: 0.48, 0.8, -1), noData: -1)
        let percent = directory.path("p.tif")
        try SOCChangeStep(SOCChangeParameters(soc: soc, landCover: [tree, crop, crop], years: [2000, 2001, 2021], recode: "unccd", climate: zones,
                                              output: directory.path("s.tif"), percentChange: percent)).run(in: RunContext())
        let change = try readBand(percent)
        #expect(abs(change[0] + 52) < 1e-4 && abs(change[1] + 20) < 1e-4 && change[2] == -9999)
    }

    /// The real pair with a synthetic stock (40-90 t C/ha by position, a band of nodata), both timings, against numpy.
    @Test func theNewGuineaPairMatchesNumpy() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no venv at \(Self.python): run `make venv`")
        let directory = TemporaryDirectory()
        let soc = try Self.syntheticStock(in: directory)
        for (timing, expected) in [("end", "degraded=0 stable=409036 improved=0 nodata=37188"),
                                   ("start", "degraded=1069 stable=406502 improved=1465 nodata=37188")] {
            let output = directory.path("s-\(timing).tif"), percent = directory.path("p-\(timing).tif")
            let result = try runSoilmap(["soc-change", soc, Self.baseline, Self.target, "--years", "2001,2015", "--recode", Self.recode,
                                         "--change-timing", timing, "-o", output, "--percent-change", percent, "-q"])
            #expect(result.status == 0, "\(result.stderr)")
            let reference = try run(Self.python, [Self.script, soc, Self.recode, "2001,2015", "0.48", timing, output, percent, Self.baseline, Self.target])
            #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
            #expect(reference.stdout.hasPrefix(expected), "\(reference.stdout)")
        }
    }

    static func syntheticStock(in directory: TemporaryDirectory) throws -> String {
        let grid = try Dataset.open(Self.baseline)
        let width = grid.width, height = grid.height
        var values = [Float](repeating: 0, count: width * height)
        for row in 0..<height {
            for column in 0..<width { values[row * width + column] = (100..<110).contains(row) ? -1 : 40 + 50 * Float((column * 7 + row * 13) % 101) / 100 }
        }
        let path = directory.path("soc.tif")
        let dataset = try Driver("GTiff").createRaster(path: path, width: width, height: height, bandCount: 1, dataType: .float32)
        try dataset.setGeoTransform(grid.geoTransform!)
        try dataset.setSpatialReference(grid.spatialReference!)
        try dataset.band(1).write(window: PixelWindow(width: width, height: height), from: values)
        try dataset.band(1).setNoDataValue(-1)
        try dataset.close()
        return path
    }

    @Test func identicalWhateverTheThreadsAndTileSize() throws {
        let directory = TemporaryDirectory()
        let soc = try Self.syntheticStock(in: directory)
        var outputs: [Data] = []
        for (threads, tile) in [(1, "16"), (2, "64"), (2, "512")] {
            let output = directory.path("s-\(threads)-\(tile).tif"), percent = directory.path("p-\(threads)-\(tile).tif")
            let result = try runSoilmap(["soc-change", soc, Self.baseline, Self.target, "--years", "2001,2015", "--recode", Self.recode,
                                         "--change-timing", "start", "-o", output, "--percent-change", percent,
                                         "--threads", String(threads), "--tile-size", tile, "-q"])
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: output)) + Data(contentsOf: URL(fileURLWithPath: percent)))
        }
        #expect(outputs[0] == outputs[1] && outputs[0] == outputs[2])
    }

    @Test func badInputsAreOneLineErrorsAndLeaveNothing() throws {
        let directory = TemporaryDirectory()
        let (soc, maps) = try Self.series(in: directory)
        let output = directory.path("out.tif"), missing = directory.path("missing.tif")
        let cases: [([String], String)] = [
            ([soc, maps[0], "--years", "2000"], "soilmap: soc-change needs at least two land-cover maps (the baseline and the target), not 1"),
            ([soc, maps[0], maps[1], "--years", "2000"], "soilmap: --years gives 1 years for 2 land-cover maps"),
            ([soc, maps[0], maps[1], "--years", "2001,2000"], "soilmap: --years must be strictly increasing: 2000 follows 2001"),
            ([soc, maps[0], maps[1], "--years", "2000,2001", "--climate", "arctic"], "soilmap: --climate arctic: use temperate-dry, temperate-moist, tropical-dry, tropical-moist, tropical-montane"),
            ([soc, maps[0], maps[1], "--years", "2000,2001", "--climate", "1.5"], "soilmap: --climate 1.5: a climate factor is in (0, 1]"),
            ([soc, maps[0], maps[1], "--years", "2000,2001", "--change-timing", "middle"], "soilmap: --change-timing middle: use end"),
            ([soc, maps[0], missing, "--years", "2000,2001"], "soilmap: \(missing): "),
            ([soc, maps[0], maps[1], "--years", "2000,2001", "--climate", missing], "soilmap: \(missing): "),
        ]
        for (arguments, message) in cases {
            let result = try runSoilmap(["soc-change"] + arguments + ["--recode", "unccd", "-o", output, "--percent-change", directory.path("p.tif")])
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
        #expect(left == ["lc0.tif", "lc1.tif", "lc2.tif", "lc3.tif", "soc.tif"], "\(left)")
    }

    @Test func thePipelineStepIsTheCommand() throws {
        let directory = TemporaryDirectory()
        let (soc, maps) = try Self.series(in: directory)
        let file = directory.path("p.yaml"), runDirectory = directory.path("run")
        try """
        soilmap: 1
        run_dir: \(runDirectory)
        steps:
          soc: {kind: soc-change, soc: \(soc), land_cover: [\(maps.joined(separator: ", "))], years: [2000, 2001, 2006, 2010], recode: unccd, output: status.tif, percent_change: pct.tif}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let piped = try runSoilmap(["run", file, "-q"])
        #expect(piped.status == 0, "\(piped.stderr)")
        let output = directory.path("status.tif"), percent = directory.path("pct.tif")
        #expect(try runSoilmap(["soc-change", soc] + maps + ["--years", "2000,2001,2006,2010", "--recode", "unccd", "-o", output,
                                                             "--percent-change", percent, "-q"]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: runDirectory + "/status.tif")) == Data(contentsOf: URL(fileURLWithPath: output)))
        #expect(try Data(contentsOf: URL(fileURLWithPath: runDirectory + "/pct.tif")) == Data(contentsOf: URL(fileURLWithPath: percent)))
    }
}
