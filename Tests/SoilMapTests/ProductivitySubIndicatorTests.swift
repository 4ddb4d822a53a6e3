import Foundation
import Testing
import GDAL
@testable import SoilMap

/// `soilmap state`, `soilmap performance` and the productivity tables of `combine` against numpy
/// (Tests/reference/sdg_productivity_reference.py, written from Trends.Earth's rules in ../shared/INDICES.md), on
/// annual means of the real MODIS series of samples/ and on the six-year Olinda series of `TrendTests`.
@Suite(.serialized) struct ProductivitySubIndicatorTests {
    static var python: String { CompositeTests.python }
    static let script = Repository.path("Tests/reference/sdg_productivity_reference.py")

    static func requireVenv() throws {
        try #require(FileManager.default.isExecutableFile(atPath: python), "no venv at \(python): run `make venv`")
    }

    static func soilmap(_ arguments: [String]) throws {
        let result = try runSoilmap(arguments)
        #expect(result.status == 0, "\(arguments.prefix(3)): \(result.stderr)")
    }

    /// Annual means of a MODIS sample (x 10000 units), as `composite --by-year` makes them.
    static func somaliaAnnual(in directory: TemporaryDirectory) throws -> (inputs: [String], years: String) {
        let annual = directory.path("somalia-annual.tif")
        try soilmap(["composite", CompositeTests.somalia, "--by-year", "--years", "2000-2011", "-o", annual])
        return (CompositeTests.annualBands(annual, count: 12), (2000...2011).map(String.init).joined(separator: ","))
    }

    static func sloveniaAnnual(in directory: TemporaryDirectory) throws -> (inputs: [String], years: String) {
        let annual = directory.path("slovenia-annual.tif")
        try soilmap(["composite"] + CompositeTests.sloveniaFiles + ["--by-year", "--min-valid", "5", "-o", annual])
        return (CompositeTests.annualBands(annual, count: 16), (2000...2015).map(String.init).joined(separator: ","))
    }

    static func counts(_ output: String) -> [String: Int] {
        Dictionary(output.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { field -> (String, Int)? in
            let parts = field.split(separator: "=")
            guard parts.count == 2, let value = Int(parts[1]) else { return nil }
            return (String(parts[0]), value)
        }, uniquingKeysWith: { first, _ in first })
    }

    /// State on the two MODIS samples' annual means (NDVI and EVI x 10000: --small-change 100, Trends.Earth's own
    /// value in those units), default periods and explicit ones.
    @Test func stateOnTheModisSamplesFollowsTheRules() throws {
        try Self.requireVenv()
        let directory = TemporaryDirectory()
        let slovenia = try Self.sloveniaAnnual(in: directory)
        let cases: [(series: (inputs: [String], years: String), baseline: String, comparison: String, explicit: Bool)] = [
            (try Self.somaliaAnnual(in: directory), "2000-2008", "2009-2011", false),
            (slovenia, "2000-2012", "2013-2015", false),
            (slovenia, "2001-2010", "2011-2015", true),
        ]
        for (index, item) in cases.enumerated() {
            let map = directory.path("state\(index).tif"), details = directory.path("state\(index)-details.tif")
            let periods = item.explicit ? ["--baseline", item.baseline, "--comparison", item.comparison] : []
            try Self.soilmap(["state"] + item.series.inputs + ["--years", item.series.years, "--small-change", "100"] + periods
                             + ["--details", details, "-o", map, "--overwrite"])
            let reference = try run(Self.python, [Self.script, "state", map, details] + item.series.inputs
                                    + ["--years", item.series.years, "--baseline", item.baseline, "--comparison", item.comparison, "--small-change", "100"])
            #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
            #expect(reference.stdout.hasPrefix("compared="), "\(reference.stdout)")
            let dataset = try Dataset.open(map)
            #expect(dataset.metadataItem("STATE_BASELINE") == item.baseline && dataset.metadataItem("CLASS_SCHEME") == "sdg-15.3.1")
            #expect(FileManager.default.fileExists(atPath: QGISStyle.stylePath(for: map)))
        }
    }

    /// The Olinda series (rising, falling, constant, gappy regions): degraded and improved pixels both occur, the
    /// small-change rule bites, and the bytes do not depend on threads or tiles.
    @Test func stateOnASeriesWithEveryCase() throws {
        try Self.requireVenv()
        let directory = TemporaryDirectory()
        let inputs = try TrendTests.makeSeries(in: directory)
        let options = ["--years", TrendTests.yearsText, "--baseline", "2001-2005", "--comparison", "2007-2010", "--small-change", "5"]
        var maps: [Data] = [], detailFiles: [Data] = []
        for (threads, tile) in [(1, "16"), (2, "64"), (2, "16")] {
            let map = directory.path("state-\(threads)-\(tile).tif"), details = directory.path("details-\(threads)-\(tile).tif")
            try Self.soilmap(["state"] + inputs + options + ["--details", details, "--threads", String(threads), "--tile-size", tile, "-o", map])
            maps.append(try Data(contentsOf: URL(fileURLWithPath: map)))
            detailFiles.append(try Data(contentsOf: URL(fileURLWithPath: details)))
        }
        #expect(maps[0] == maps[1] && maps[0] == maps[2])
        #expect(detailFiles[0] == detailFiles[1] && detailFiles[0] == detailFiles[2])
        let reference = try run(Self.python, [Self.script, "state", directory.path("state-1-16.tif"), directory.path("details-1-16.tif")] + inputs
                                + ["--years", TrendTests.yearsText, "--baseline", "2001-2005", "--comparison", "2007-2010", "--small-change", "5"])
        #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
        let counts = Self.counts(reference.stdout)
        #expect((counts["degraded"] ?? 0) > 100 && (counts["improved"] ?? 0) > 100 && (counts["small_change"] ?? 0) > 100, "\(reference.stdout)")
    }

    /// Land units from the real Olinda SWIR2 band (6 classes of 40 DN), a strip of them nodata.
    static func olindaUnits(in directory: TemporaryDirectory) throws -> String {
        let band = try Dataset.open(Repository.landsat).band(6).read(window: PixelWindow(column: 100, row: 100, width: TrendTests.width, height: TrendTests.height), as: Double.self)
        let units = band.enumerated().map { index, value -> Int16 in index % TrendTests.width >= 110 ? -1 : Int16(min(5, Int(value / 40))) }
        let path = directory.path("units.tif")
        try writeRaster(path, width: TrendTests.width, height: TrendTests.height, values: units, noData: -1)
        return path
    }

    @Test func performanceFollowsTheRulesWhateverTheThreadsAndTiles() throws {
        try Self.requireVenv()
        let directory = TemporaryDirectory()
        let inputs = try TrendTests.makeSeries(in: directory)
        let units = try Self.olindaUnits(in: directory)
        var maps: [Data] = [], detailFiles: [Data] = []
        for (threads, tile) in [(1, "16"), (2, "64"), (2, "16")] {
            let map = directory.path("perf-\(threads)-\(tile).tif"), details = directory.path("perf-details-\(threads)-\(tile).tif")
            try Self.soilmap(["performance"] + inputs + ["--years", TrendTests.yearsText, "--period", "2002-2010", "--units", units,
                                                         "--details", details, "--threads", String(threads), "--tile-size", tile, "-o", map])
            maps.append(try Data(contentsOf: URL(fileURLWithPath: map)))
            detailFiles.append(try Data(contentsOf: URL(fileURLWithPath: details)))
        }
        #expect(maps[0] == maps[1] && maps[0] == maps[2])
        #expect(detailFiles[0] == detailFiles[1] && detailFiles[0] == detailFiles[2])
        let reference = try run(Self.python, [Self.script, "performance", directory.path("perf-1-16.tif"), directory.path("perf-details-1-16.tif")]
                                + inputs + ["--years", TrendTests.yearsText, "--period", "2002-2010", "--units", units])
        #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
        let counts = Self.counts(reference.stdout)
        #expect((counts["degraded"] ?? 0) > 50 && (counts["stable"] ?? 0) > 1000 && (counts["units"] ?? 0) >= 4, "\(reference.stdout)")
        #expect((counts["nodata"] ?? 0) >= 10 * TrendTests.height, "\(reference.stdout)")
    }

    /// Performance on Slovenia's annual EVI, two land units (the west and east halves of the 8 x 8 window).
    @Test func performanceOnSloveniaFollowsTheRules() throws {
        try Self.requireVenv()
        let directory = TemporaryDirectory()
        let series = try Self.sloveniaAnnual(in: directory)
        let units = directory.path("halves.tif")
        try writeRaster(units, width: 8, height: 8, values: (0..<64).map { Int16($0 % 8 < 4 ? 1 : 2) }, pixelSize: 250,
                        originX: 473_250, originY: 5_098_000, epsg: 32633)
        let map = directory.path("performance.tif"), details = directory.path("performance-details.tif")
        try Self.soilmap(["performance"] + series.inputs + ["--years", series.years, "--period", "2008-2015", "--units", units, "--details", details, "-o", map])
        let reference = try run(Self.python, [Self.script, "performance", map, details] + series.inputs
                                + ["--years", series.years, "--period", "2008-2015", "--units", units])
        #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
        #expect(Self.counts(reference.stdout)["units"] == 2, "\(reference.stdout)")
    }

    /// Every combination of trajectory, state and performance codes (-1, 0, 1, nodata: 64 pixels) through
    /// `combine --table sdg-productivity` and `--table sdg-productivity-3`, against the rules.
    @Test func productivityTablesMatchTheRulesOnTheFullTruthTable() throws {
        try Self.requireVenv()
        let directory = TemporaryDirectory()
        let codes: [Int16] = [-1, 0, 1, -32768]
        var t: [Int16] = [], s: [Int16] = [], p: [Int16] = []
        for a in codes { for b in codes { for c in codes { t.append(a); s.append(b); p.append(c) } } }
        let paths = ["t", "s", "p"].map { directory.path("\($0).tif") }
        for (path, values) in zip(paths, [t, s, p]) { try writeRaster(path, width: 8, height: 8, values: values, noData: -32768) }
        let five = directory.path("lpd5.tif"), three = directory.path("lpd3.tif")
        try Self.soilmap(["combine"] + paths + ["--table", "sdg-productivity", "--input-codes", "trends-earth", "-o", five])
        try Self.soilmap(["combine"] + paths + ["--table", "sdg-productivity-3", "--input-codes", "trends-earth", "-o", three])
        let reference = try run(Self.python, [Self.script, "prod5"] + paths + [five, three])
        #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
        #expect(reference.stdout.hasPrefix("compared=62 uncovered=2 nodata=37 failures=0"), "\(reference.stdout)")
        #expect(try Dataset.open(three).metadataItem("CLASS_SCHEME") == "sdg-15.3.1")
    }

    /// The README's chain on the Somalia sample: the trajectory band classified with
    /// samples/schemes/sdg-trajectory-95.yaml is taken by combine; its classes are Trends.Earth's 95 % rule.
    @Test func trajectoryBandClassifiedAt95PercentFeedsTheTable() throws {
        let directory = TemporaryDirectory()
        let series = try Self.somaliaAnnual(in: directory)
        let trend = directory.path("trend.tif"), trajectory = directory.path("trajectory.tif")
        let state = directory.path("state.tif"), five = directory.path("lpd.tif")
        try Self.soilmap(["trend"] + series.inputs + ["--years", series.years, "--significance", "trends-earth", "--small-slope", "10", "-o", trend])
        try Self.soilmap(["classify", trend, "--band", "10", "--scheme", Repository.path("samples/schemes/sdg-trajectory-95.yaml"), "-o", trajectory])
        try Self.soilmap(["state"] + series.inputs + ["--years", series.years, "--small-change", "100", "-o", state])
        try Self.soilmap(["combine", trajectory, state, state, "--table", "sdg-productivity", "-o", five])
        let codes = try Dataset.open(trend).band(10).read(window: PixelWindow(width: 5, height: 5), as: Double.self)
        let classes = try Dataset.open(trajectory).band(1).read(window: PixelWindow(width: 5, height: 5), as: Double.self)
        #expect(Set(codes).count > 1, "\(codes)")
        #expect(zip(codes, classes).allSatisfy { code, value in value == (code <= -2 ? 1 : (code >= 2 ? 3 : 2)) }, "\(codes) \(classes)")
    }

    @Test func badArgumentsAreOneLineErrors() throws {
        let directory = TemporaryDirectory()
        let inputs = try TrendTests.makeSeries(in: directory)
        let units = try Self.olindaUnits(in: directory)
        let output = directory.path("out.tif"), details = directory.path("details.tif")
        let years = ["--years", TrendTests.yearsText]
        let cases: [([String], String)] = [
            (["state"] + inputs + ["--years", "2001,2002"], "soilmap: --years gives 2 years for 6 rasters: give one year per raster, in order"),
            (["state"] + inputs + years + ["--baseline", "2005-2001"], "soilmap: --baseline 2005-2001: give the years as FIRST-LAST, e.g. 2001-2012"),
            (["state"] + inputs + years + ["--baseline", "2001-2009"], "soilmap: --baseline 2001-2009 must end before --comparison 2008-2010 begins"),
            (["state"] + inputs + years + ["--comparison", "2011-2013"], "soilmap: --comparison 2011-2013: no year of the series"),
            (["state"] + inputs + years + ["--small-change=-1"], "soilmap: --small-change -1: use 0 or more (the series' units)"),
            (["state"] + inputs + years + ["--details", output], "soilmap: --details \(output): the class map's own path; give another"),
            (["performance"] + inputs + years + ["--units", units, "--percentile", "0"], "soilmap: --percentile 0: use a percentile above 0 and up to 100"),
            (["performance"] + inputs + years + ["--units", units, "--period", "1990-1995"], "soilmap: --period 1990-1995: no year of the series"),
            (["performance"] + inputs + years + ["--units", directory.path("nounits.tif")], "soilmap: \(directory.path("nounits.tif")): "),
            (["performance"] + inputs + years + ["--units", "\(units):2"], "soilmap: \(units): "),
        ]
        for (arguments, message) in cases {
            let result = try runSoilmap(arguments + ["--details", details, "-o", output].suffix(arguments.contains("--details") ? 2 : 4))
            #expect(result.status == 1, "\(arguments.suffix(4)): \(result.stderr)")
            #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output) && !FileManager.default.fileExists(atPath: details))
            #expect(!FileManager.default.fileExists(atPath: QGISStyle.stylePath(for: output)))
        }
    }

    /// Pipeline steps of kinds composite, state and performance write the same maps as the commands.
    @Test func pipelineStepsAreTheCommands() throws {
        let directory = TemporaryDirectory()
        let inputs = try TrendTests.makeSeries(in: directory)
        let units = try Self.olindaUnits(in: directory)
        let file = directory.path("p.yaml")
        try """
        soilmap: 1
        run_dir: \(directory.path("run"))
        steps:
          annual:
            kind: composite
            inputs: [\(CompositeTests.somalia)]
            by_year: true
            years: "2000-2011"
            output: annual.tif
          state:
            kind: state
            inputs: [\(inputs.joined(separator: ", "))]
            years: [\(TrendTests.yearsText)]
            baseline: "2001-2005"
            small_change: 5
            output: state.tif
          performance:
            kind: performance
            inputs: [\(inputs.joined(separator: ", "))]
            years: [\(TrendTests.yearsText)]
            units: \(units)
            output: performance.tif
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let validated = try runSoilmap(["validate", file])
        #expect(validated.status == 0, "\(validated.stderr)")
        let ran = try runSoilmap(["run", file, "-q"])
        #expect(ran.status == 0, "\(ran.stderr)")
        try Self.soilmap(["composite", CompositeTests.somalia, "--by-year", "--years", "2000-2011", "-o", directory.path("annual.tif")])
        try Self.soilmap(["state"] + inputs + ["--years", TrendTests.yearsText, "--baseline", "2001-2005", "--small-change", "5", "-o", directory.path("state.tif")])
        try Self.soilmap(["performance"] + inputs + ["--years", TrendTests.yearsText, "--units", units, "-o", directory.path("performance.tif")])
        for name in ["annual.tif", "state.tif", "performance.tif"] {
            let fromPipeline = try Dataset.open(directory.path("run/\(name)")), fromCommand = try Dataset.open(directory.path(name))
            #expect(fromPipeline.bandCount == fromCommand.bandCount, "\(name)")
            for band in 1...fromCommand.bandCount {
                #expect(try fromPipeline.band(band).readAll(as: Float.self) == fromCommand.band(band).readAll(as: Float.self), "\(name) band \(band)")
            }
        }
    }
}
