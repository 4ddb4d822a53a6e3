import Foundation
import Testing
import GDAL
@testable import SoilMap

/// `soilmap sdg-summary`: Trends.Earth's summary tables from the real New Guinea land-cover pair (recoded by
/// `landcover-change`) with a synthetic SOC stock and synthetic productivity and SDG maps (no real ones exist
/// offline on that grid), against numpy (Tests/reference/sdg_summary_reference.py, written from the table
/// layout in the README), on the projected grid and on the same cells placed on a WGS 84 grid.
@Suite(.serialized) struct SDGSummaryTests {
    static let script = Repository.path("Tests/reference/sdg_summary_reference.py")

    /// A Byte or Float32 map on the New Guinea grid, its values by position.
    static func synthetic(_ name: String, in directory: TemporaryDirectory, type: DataType = .byte, noData: Double,
                          value: (_ column: Int, _ row: Int) -> Float) throws -> String {
        let grid = try Dataset.open(SOCChangeTests.baseline)
        let width = grid.width, height = grid.height
        var values = [Float](repeating: 0, count: width * height)
        for row in 0..<height { for column in 0..<width { values[row * width + column] = value(column, row) } }
        let path = directory.path(name)
        let dataset = try Driver("GTiff").createRaster(path: path, width: width, height: height, bandCount: 1, dataType: type)
        try dataset.setGeoTransform(grid.geoTransform!)
        try dataset.setSpatialReference(grid.spatialReference!)
        try dataset.band(1).write(window: PixelWindow(width: width, height: height), from: values)
        try dataset.band(1).setNoDataValue(noData)
        try dataset.close()
        return path
    }

    /// Every input of the command, by its reference role.
    static func inputs(in directory: TemporaryDirectory) throws -> [(role: String, option: String, path: String)] {
        let lc = directory.path("lc.tif"), baseline = directory.path("lc2001.tif"), target = directory.path("lc2015.tif")
        let made = try runSoilmap(["landcover-change", SOCChangeTests.baseline, SOCChangeTests.target, "--recode", SOCChangeTests.recode,
                                   "-o", lc, "--baseline-classes", baseline, "--target-classes", target, "-q"])
        try #require(made.status == 0, "\(made.stderr)")
        let stock0 = try SOCChangeTests.syntheticStock(in: directory)
        let stock1 = try synthetic("soc2015.tif", in: directory, type: .float32, noData: -1) { column, row in
            (200..<204).contains(row) ? -1 : 38 + 55 * Float((column * 11 + row * 3) % 97) / 96
        }
        let soc = directory.path("socdeg.tif")
        let socMade = try runSoilmap(["soc-change", stock0, SOCChangeTests.baseline, SOCChangeTests.target, "--years", "2001,2015",
                                      "--recode", SOCChangeTests.recode, "-o", soc, "-q"])
        try #require(socMade.status == 0, "\(socMade.stderr)")
        let productivity5 = try synthetic("prod5.tif", in: directory, noData: 0) { column, row in Float((column * 3 + row * 5) % 6) }
        let productivity3 = try synthetic("prod3.tif", in: directory, noData: 0) { column, row in Float((column + 2 * row) % 4) }
        let sdg = try synthetic("sdg.tif", in: directory, noData: 0) { column, row in Float((column * 2 + row) % 4) }
        return [("sdg", "--sdg", sdg), ("productivity", "--productivity", productivity3), ("landcover", "--landcover", lc),
                ("soc", "--soc", soc), ("productivity_classes", "--productivity-classes", productivity5),
                ("landcover_baseline", "--landcover-baseline", baseline), ("landcover_target", "--landcover-target", target),
                ("soc_baseline", "--soc-baseline", stock0), ("soc_target", "--soc-target", stock1)]
    }

    static let tables = ["", "_landcover_transitions", "_landcover_by_year", "_productivity_by_transition", "_soc_by_transition", "_soc_by_year"]

    /// The same text outside numbers, and every number within `tolerance` of the reference, relative to `scale`.
    static func compare(_ ours: String, _ theirs: String, scale: Double, tolerance: Double = 1e-9) -> [String] {
        let a = ours.split(separator: "\n", omittingEmptySubsequences: false), b = theirs.split(separator: "\n", omittingEmptySubsequences: false)
        guard a.count == b.count else { return ["\(a.count) lines, the reference has \(b.count)"] }
        var problems: [String] = []
        for (lineA, lineB) in zip(a, b) {
            let cellsA = lineA.split(separator: ",", omittingEmptySubsequences: false), cellsB = lineB.split(separator: ",", omittingEmptySubsequences: false)
            guard cellsA.count == cellsB.count else { problems.append("\(lineA) | \(lineB)"); continue }
            for (x, y) in zip(cellsA, cellsB) where x != y {
                guard let u = Double(x), let v = Double(y), abs(u - v) <= tolerance * max(scale, abs(v)) else {
                    problems.append("\(x) vs \(y) in \(lineA)")
                    continue
                }
            }
        }
        return problems
    }

    @Test(arguments: ["projected", "geographic"])
    func tablesMatchNumpy(grid: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: SOCChangeTests.python), "no venv: run `make venv`")
        let directory = TemporaryDirectory()
        var inputs = try Self.inputs(in: directory)
        if grid == "geographic" {
            // The same cells on a 0.0027° WGS 84 grid over the Mekong Delta: areas now vary by row on the ellipsoid.
            let size = 668.0 * 0.0027
            inputs = try inputs.map { input in
                let moved = directory.path("geo_" + (input.path as NSString).lastPathComponent)
                let result = try run("/usr/bin/gdal_translate", ["-q", "-a_srs", "EPSG:4326", "-a_ullr", "105", "11", "\(105 + size)", "\(11 - size)", input.path, moved])
                try #require(result.status == 0, "\(result.stderr)")
                return (input.role, input.option, moved)
            }
            // And an area of interest: a disc (1 inside, 0 outside) with a nodata band across it.
            let aoi = try Self.synthetic("aoi.tif", in: directory, noData: 255) { column, row in
                (300..<310).contains(row) ? 255 : ((column - 330) * (column - 330) + (row - 340) * (row - 340) < 250 * 250 ? 1 : 0)
            }
            let geoAOI = directory.path("geo_aoi.tif")
            let moved = try run("/usr/bin/gdal_translate", ["-q", "-a_srs", "EPSG:4326", "-a_ullr", "105", "11", "\(105 + size)", "\(11 - size)", aoi, geoAOI])
            try #require(moved.status == 0, "\(moved.stderr)")
            inputs.append(("aoi", "--aoi", geoAOI))
        }
        let output = directory.path("summary.csv")
        let result = try runSoilmap(["sdg-summary"] + inputs.flatMap { [$0.option, $0.path] } + ["--years", "2001,2015", "-o", output, "-q"])
        try #require(result.status == 0, "\(result.stderr)")
        let reference = try run(SOCChangeTests.python, [Self.script, directory.path("reference"), "2001,2015"] + inputs.map { "\($0.role)=\($0.path)" })
        try #require(reference.status == 0, "\(reference.stderr)")
        for table in Self.tables {
            let ours = try String(contentsOfFile: directory.path("summary\(table).csv"), encoding: .utf8)
            let theirs = try String(contentsOfFile: directory.path("reference\(table).csv"), encoding: .utf8)
            // Stocks are compared relative to the largest stock; areas relative to the whole area.
            let scale = table.hasPrefix("_soc") ? 1e7 : 400_000 * 0.09
            let problems = Self.compare(ours, theirs, scale: scale)
            #expect(problems.isEmpty, "summary\(table).csv: \(problems.prefix(5))")
        }
        // The tables add up: each map's classes to the whole area, the transitions matrix to it too.
        let summary = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        for indicator in ["SDG 15.3.1", "Productivity", "Land cover", "Soil organic carbon"] {
            let rows = summary.filter { $0[0] == indicator }
            let parts = rows.filter { $0[1] != "Total" }.map { Double($0[2])! }, whole = Double(rows.first { $0[1] == "Total" }![2])!
            #expect(parts.count == 4 && abs(parts.reduce(0, +) - whole) <= 1e-9 * whole, "\(indicator)")
        }
    }

    @Test func identicalWhateverTheThreads() throws {
        let directory = TemporaryDirectory()
        let inputs = try Self.inputs(in: directory)
        var texts: [[String]] = []
        for threads in ["1", "2"] {
            let output = directory.path("t\(threads).csv")
            let result = try runSoilmap(["sdg-summary"] + inputs.flatMap { [$0.option, $0.path] } + ["--threads", threads, "-o", output, "-q"])
            try #require(result.status == 0, "\(result.stderr)")
            texts.append(try Self.tables.map { try String(contentsOfFile: directory.path("t\(threads)\($0).csv"), encoding: .utf8) })
        }
        #expect(texts[0] == texts[1])
        // Without --years the columns say baseline and target.
        #expect(texts[0][2].hasPrefix("code,class,area_km2_baseline,area_km2_target,change_km2,change_pct\n"))
    }

    @Test func badInputsAreOneLineErrorsAndLeaveNothing() throws {
        let directory = TemporaryDirectory()
        let inputs = try Self.inputs(in: directory)
        let path = { (role: String) in inputs.first { $0.role == role }!.path }
        let output = directory.path("out.csv")
        let before = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
        let cases: [([String], String)] = [
            // A land-cover map (classes up to 7) given as an sdg-15.3.1 map.
            (["--sdg", path("landcover_baseline")], "soilmap: \(path("landcover_baseline")): holds the value 7.0, so it is not an sdg-15.3.1 class map (1 degraded, 2 stable, 3 improved)"),
            (["--landcover-baseline", path("landcover_baseline")], "soilmap: --landcover-baseline and --landcover-target go together"),
            (["--sdg", path("sdg"), "--soc-baseline", path("soc_baseline"), "--soc-target", path("soc_target")], "soilmap: --soc-baseline/--soc-target are tabulated by land-cover transition"),
            ([], "soilmap: nothing to tabulate"),
            (["--sdg", path("sdg"), "--years", "2015,2001"], "soilmap: --years takes the baseline and target years"),
            (["--sdg", directory.path("missing.tif")], "soilmap: \(directory.path("missing.tif")): "),
        ]
        for (arguments, message) in cases {
            let result = try runSoilmap(["sdg-summary"] + arguments + ["-o", output])
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == before)
        // An existing table is kept without --overwrite, and nothing else is written.
        try "mine\n".write(toFile: directory.path("out_landcover_by_year.csv"), atomically: true, encoding: .utf8)
        let kept = try runSoilmap(["sdg-summary", "--sdg", path("sdg"), "--landcover-baseline", path("landcover_baseline"),
                                   "--landcover-target", path("landcover_target"), "-o", output])
        #expect(kept.status != 0 && kept.stderr.contains("out_landcover_by_year.csv"), "\(kept.stderr)")
        #expect(try String(contentsOfFile: directory.path("out_landcover_by_year.csv"), encoding: .utf8) == "mine\n")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func thePipelineStepIsTheCommand() throws {
        let directory = TemporaryDirectory()
        let inputs = try Self.inputs(in: directory)
        var yaml = "soilmap: 1\nrun_dir: \(directory.path("run"))\nsteps:\n  tables:\n    kind: sdg-summary\n"
        for input in inputs { yaml += "    \(input.role): \(input.path)\n" }
        yaml += "    years: [2001, 2015]\n    output: summary.csv\n"
        let file = directory.path("p.yaml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let piped = try runSoilmap(["run", file, "-q"])
        try #require(piped.status == 0, "\(piped.stderr)")
        let direct = try runSoilmap(["sdg-summary"] + inputs.flatMap { [$0.option, $0.path] } + ["--years", "2001,2015", "-o", directory.path("direct.csv"), "-q"])
        try #require(direct.status == 0, "\(direct.stderr)")
        for table in Self.tables {
            #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path("run/summary\(table).csv")))
                    == Data(contentsOf: URL(fileURLWithPath: directory.path("direct\(table).csv"))), "\(table)")
        }
    }
}
