import Foundation
import Testing
import GDAL
@testable import SoilMap

/// `soilmap trend` against scipy (Tests/reference/trend_reference.py) on a six-"year" series made from the real
/// Olinda Landsat bands, with missing years, too few years, a constant region, tied values and strong trends.
@Suite(.serialized) struct TrendTests {
    static var python: String { (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python" }
    static let script = Repository.path("Tests/reference/trend_reference.py")
    static let years = [2001, 2002, 2004, 2005, 2007, 2010]
    static let width = 120, height = 100

    /// Six years from a 120 x 100 window of L7_ETMs.tif: bands 1-4, (band 3 + band 4) / 2 and band 5, the last two
    /// as bands 1 and 2 of one file (FILE:N). Regions of the window's first 20 columns, by rows:
    /// 0-9 year 2 nodata (5 valid years); 10-19 years 2-4 nodata (3: below the minimum); 20-29 constant 7;
    /// 30-39 year 4 NaN and year 6 nodata (exactly 4); 40-59 band 4 + 40 per year (rising); 60-79 band 4 - 40 per
    /// year (falling); 80-89 coarse steps with ties. Returns the inputs as `soilmap trend` takes them.
    static func makeSeries(in directory: TemporaryDirectory) throws -> [String] {
        let stack = try Dataset.open(Repository.landsat)
        let window = PixelWindow(column: 100, row: 100, width: width, height: height)
        let bands = try (1...5).map { try stack.band($0).read(window: window, as: Double.self) }
        var years: [[Double]] = [bands[0], bands[1], bands[2], bands[3], zip(bands[2], bands[3]).map { ($0 + $1) / 2 }, bands[4]]
        for row in 0..<height {
            for column in 0..<20 {
                let pixel = row * width + column, base = bands[3][pixel]
                for year in 0..<6 {
                    switch row {
                    case 0..<10 where year == 1: years[year][pixel] = -9999
                    case 10..<20 where (1...3).contains(year): years[year][pixel] = -9999
                    case 20..<30: years[year][pixel] = 7
                    case 30..<40 where year == 3: years[year][pixel] = .nan
                    case 30..<40 where year == 5: years[year][pixel] = -9999
                    case 40..<60: years[year][pixel] = base + 40 * Double(year)
                    case 60..<80: years[year][pixel] = base - 40 * Double(year)
                    case 80..<90: years[year][pixel] = (base / 50).rounded(.down) + Double(year / 2)
                    default: break
                    }
                }
            }
        }
        var inputs: [String] = []
        for year in 0..<4 {
            let path = directory.path("year\(year + 1).tif")
            try writeRaster(path, width: width, height: height, values: years[year].map(Float.init), noData: -9999)
            inputs.append(path)
        }
        let pair = directory.path("years5and6.tif")
        let dataset = try Driver("GTiff").createRaster(path: pair, width: width, height: height, bandCount: 2, dataType: .float32)
        try dataset.setGeoTransform(GeoTransform(originX: 500_000, pixelWidth: 10, originY: 1_000_000, pixelHeight: -10))
        try dataset.setSpatialReference(try SpatialReference(epsg: 32648))
        for band in 1...2 {
            try dataset.band(band).write(window: PixelWindow(width: width, height: height), from: years[3 + band].map(Float.init))
            try dataset.band(band).setNoDataValue(-9999)
        }
        try dataset.close()
        return inputs + ["\(pair):1", "\(pair):2"]
    }

    static var yearsText: String { years.map(String.init).joined(separator: ",") }

    @Test func everyBandMatchesScipy() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no venv at \(Self.python): run `make venv`")
        let directory = TemporaryDirectory()
        let inputs = try Self.makeSeries(in: directory)
        let output = directory.path("trend.tif")
        try TrendStep(TrendParameters(inputs: inputs, years: Self.years, output: output)).run(in: RunContext(threads: 2, tileSize: 32))
        let result = try run(Self.python, [Self.script, output, "--years", Self.yearsText] + inputs)
        #expect(result.status == 0, "scipy disagrees:\n\(result.stdout)\(result.stderr)")
        // Every case was met: 200 pixels with 3 valid years, 200 constant, tied series, missing years, significant trends.
        let firstLine = result.stdout.split(separator: "\n").first ?? ""
        let counts = Dictionary(firstLine.split(separator: " ").map { field in
            let parts = field.split(separator: "=")
            return (String(parts.first ?? ""), parts.count == 2 ? Int(parts[1]) ?? -1 : -1)
        }, uniquingKeysWith: { first, _ in first })
        #expect(counts["nodata"] == 200, "\(result.stdout)")
        #expect(counts["compared"] == Self.width * Self.height - 200)
        #expect(counts["constant"] ?? 0 >= 200)
        #expect(counts["missing"] ?? 0 >= 400)
        #expect(counts["ties"] ?? 0 >= 200)
        #expect(counts["significant"] ?? 0 >= 800)
        let dataset = try Dataset.open(output)
        #expect(dataset.metadataItem("TREND_YEARS") == Self.yearsText)
    }

    /// A series worked by hand: 1, 2, 3, 4 over four years. S = 6; var = 4 x 3 x 13 / 18 = 26/3; Z = 5 / sqrt(26/3);
    /// p = erfc(Z / sqrt 2) = 0.08943; tau-b = 1; slopes 1; intercept 1 - 2001 = -2000; 90 % only: trajectory +1.
    /// With ties (1, 1, 2, 2): S = 4, var = (156 - 2 x 2 x 1 x 9) / 18 = 20/3, tau-b = 4 / sqrt(6 x 4); pairwise
    /// slopes 0, 0, 1/3, 1/2, 1/2, 1, so Sen's slope is (1/3 + 1/2) / 2 = 5/12.
    @Test func aSeriesWorkedByHand() {
        func statistics(_ values: [Double]) -> TrendStatistics {
            var pairs = [Double](repeating: 0, count: 6), sorted = [Double](repeating: 0, count: 4)
            return TrendStatistics.compute(years: [2001, 2002, 2003, 2004], values: values, count: 4, pairScratch: &pairs, sortScratch: &sorted)
        }
        let rising = statistics([1, 2, 3, 4])
        #expect(rising.olsSlope == 1 && rising.senSlope == 1 && rising.olsIntercept == -2000)
        #expect(rising.mannKendallS == 6 && abs(rising.mannKendallVariance - 26.0 / 3) < 1e-12)
        #expect(abs(rising.mannKendallZ - 5 / (26.0 / 3).squareRoot()) < 1e-12)
        #expect(abs(rising.mannKendallP - 0.0894294) < 1e-6)
        #expect(rising.tau == 1 && rising.trajectory == 1)
        let tied = statistics([1, 1, 2, 2])
        #expect(tied.mannKendallS == 4 && abs(tied.mannKendallVariance - 20.0 / 3) < 1e-12)
        #expect(abs(tied.tau - 4 / 24.0.squareRoot()) < 1e-12)
        #expect(abs(tied.senSlope - 5.0 / 12) < 1e-15)
        let constant = statistics([5, 5, 5, 5])
        #expect(constant.mannKendallS == 0 && constant.mannKendallVariance == 0 && constant.mannKendallZ == 0)
        #expect(constant.mannKendallP == 1 && constant.tau == 0 && constant.trajectory == 0 && constant.olsSlope == 0)
        #expect(TrendStatistics.trajectoryCode(slope: -0.1, p: 0.009) == -3 && TrendStatistics.trajectoryCode(slope: -0.1, p: 0.01) == -2)
        #expect(TrendStatistics.trajectoryCode(slope: 2, p: 0.0999) == 1 && TrendStatistics.trajectoryCode(slope: 2, p: 0.1) == 0)
    }

    /// Trends.Earth's rule, worked from its table (../shared/INDICES.md). n = 6: 90, 95, 99 % at |S| 7, 9, 11;
    /// n = 4: 4, 4, 6, where |S| = 4 meets the 95 % value but is also <= the 90 % one, so 0.
    @Test func trendsEarthsTableWorkedByHand() {
        func code(_ slope: Double, _ s: Double, _ n: Int, small: Double = 0.001) -> Int {
            TrendStatistics.trendsEarthTrajectoryCode(slope: slope, s: s, nominalYears: n, smallSlope: small)
        }
        #expect(code(1, 7, 6) == 0 && code(1, 8, 6) == 1 && code(1, 9, 6) == 2 && code(1, 10, 6) == 2 && code(1, 11, 6) == 3)
        #expect(code(-1, -11, 6) == -3 && code(-1, 11, 6) == -3, "the direction is the OLS slope's, not S's")
        #expect(code(0.001, 15, 6) == 0 && code(0.0011, 15, 6) == 3 && code(-10, -15, 6, small: 10) == 0)
        #expect(code(1, 4, 4) == 0 && code(1, 5, 4) == 2 && code(1, 6, 4) == 3)
        #expect(code(1, 153, 50) == 0 && code(1, 154, 50) == 1 && code(1, 197, 50) == 2 && code(1, 285, 50) == 3)
    }

    /// `--significance trends-earth` against Trends.Earth's rule written in the reference script from INDICES.md;
    /// a small-slope threshold of 5 DN/year zeroes some significant pixels.
    @Test func trendsEarthSignificanceMatchesItsRule() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no venv at \(Self.python): run `make venv`")
        let directory = TemporaryDirectory()
        let inputs = try Self.makeSeries(in: directory)
        let output = directory.path("trend.tif")
        let options = ["--years", Self.yearsText, "--significance", "trends-earth", "--small-slope", "5"]
        let result = try runSoilmap(["trend"] + inputs + options + ["-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try run(Self.python, [Self.script, output] + options + inputs)
        #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
        let zeroed = reference.stdout.split(separator: " ").first { $0.hasPrefix("small_slope=") }.flatMap { Int($0.split(separator: "=")[1].prefix { $0.isNumber }) }
        #expect((zeroed ?? 0) > 0, "\(reference.stdout)")
        #expect(try Dataset.open(output).metadataItem("TREND_SIGNIFICANCE")?.hasPrefix("Trends.Earth's critical |S| table at n = 6") == true)
    }

    @Test func identicalWhateverTheThreadsAndTileSize() throws {
        let directory = TemporaryDirectory()
        let inputs = try Self.makeSeries(in: directory)
        var outputs: [Data] = []
        for (threads, tile) in [(1, "16"), (2, "64"), (2, "16")] {
            let output = directory.path("trend-\(threads)-\(tile).tif")
            let result = try runSoilmap(["trend"] + inputs + ["--years", Self.yearsText, "--threads", String(threads), "--tile-size", tile, "-o", output])
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: output)))
        }
        #expect(outputs[0] == outputs[1] && outputs[0] == outputs[2])
        let dataset = try Dataset.open(directory.path("trend-1-16.tif"))
        #expect(try (1...10).map { try dataset.band($0).bandDescription } == TrendStatistics.bandDescriptions)
        #expect(dataset.metadataItem("SOILMAP_COMMAND")?.hasPrefix("soilmap trend year1.tif year2.tif year3.tif year4.tif years5and6.tif:1 years5and6.tif:2 --years 2001,2002,2004,2005,2007,2010 --min-years 4") == true)
    }

    /// `--min-years 3` keeps the pixels with three valid years, and they agree with scipy too.
    @Test func aLowerMinimumKeepsThreeYearPixels() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no venv at \(Self.python): run `make venv`")
        let directory = TemporaryDirectory()
        let inputs = try Self.makeSeries(in: directory)
        let output = directory.path("trend.tif")
        let result = try runSoilmap(["trend"] + inputs + ["--years", Self.yearsText, "--min-years", "3", "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try run(Self.python, [Self.script, output, "--years", Self.yearsText, "--min-years", "3"] + inputs)
        #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
        #expect(reference.stdout.hasPrefix("compared=\(Self.width * Self.height) nodata=0 "), "\(reference.stdout)")
    }

    @Test func badArgumentsAreOneLineErrors() throws {
        let directory = TemporaryDirectory()
        let inputs = try Self.makeSeries(in: directory)
        let output = directory.path("trend.tif")
        let cases: [([String], String)] = [
            (inputs + ["--years", "2001,2002,2003"], "soilmap: --years gives 3 years for 6 rasters: give one year per raster, in order"),
            (inputs + ["--years", "2001,2002,2004,2003,2007,2010"], "soilmap: --years must be strictly increasing: 2003 follows 2004"),
            (inputs + ["--years", "2001,2002,2002,2005,2007,2010"], "soilmap: --years must be strictly increasing: 2002 follows 2002"),
            (Array(inputs.prefix(3)) + ["--years", "2001,2002,2003"], "soilmap: trend takes 4 to 50 rasters (one per year), not 3"),
            (inputs + ["--years", "2001,2002,x,2005,2007,2010"], "soilmap: --years 2001,2002,x,2005,2007,2010: 'x' is not a whole year (give e.g. 2001,2002,2003,2004)"),
            (inputs + ["--years", Self.yearsText, "--min-years", "7"], "soilmap: --min-years 7: use 3...6 (the number of rasters)"),
            (inputs + ["--years", Self.yearsText, "--small-slope", "1"], "soilmap: --small-slope is Trends.Earth's rule: it needs --significance trends-earth"),
            (inputs + ["--years", Self.yearsText, "--significance", "exact"], "soilmap: --significance exact: use p-value or trends-earth"),
            (inputs + ["--years", Self.yearsText, "--significance", "trends-earth", "--small-slope=-1"], "soilmap: --small-slope -1: use a slope of 0 or more (the series' units per year)"),
            (Array(inputs.prefix(5)) + [directory.path("year9.tif"), "--years", Self.yearsText], "soilmap: \(directory.path("year9.tif")): "),
        ]
        for (arguments, message) in cases {
            let result = try runSoilmap(["trend"] + arguments + ["-o", output])
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }

    /// A year on a coarser grid (20 m over the same extent) is aligned onto the finest grid by nearest neighbour:
    /// the same bands as with that year resampled beforehand by gdalwarp.
    @Test func aYearOnAnotherGridIsAligned() throws {
        let directory = TemporaryDirectory()
        var inputs = try Self.makeSeries(in: directory)
        let coarse = directory.path("coarse.tif"), refined = directory.path("refined.tif")
        #expect(try run("/usr/bin/gdal_translate", ["-q", "-outsize", "50%", "50%", "-r", "nearest", inputs[0], coarse]).status == 0)
        #expect(try run("/usr/bin/gdalwarp", ["-q", "-tr", "10", "10", "-te", "500000", "999000", "501200", "1000000", "-r", "near",
                                              coarse, refined]).status == 0)
        let aligned = directory.path("aligned.tif"), warped = directory.path("warped.tif")
        inputs[0] = coarse
        #expect(try runSoilmap(["trend"] + inputs + ["--years", Self.yearsText, "-o", aligned]).status == 0)
        inputs[0] = refined
        #expect(try runSoilmap(["trend"] + inputs + ["--years", Self.yearsText, "-o", warped]).status == 0)
        let fromCoarse = try Dataset.open(aligned), fromRefined = try Dataset.open(warped)
        #expect(fromCoarse.width == Self.width && fromCoarse.height == Self.height)
        for band in 1...10 {
            #expect(try fromCoarse.band(band).readAll(as: Float.self) == fromRefined.band(band).readAll(as: Float.self), "band \(band)")
        }
    }

    /// A pipeline's `kind: trend` step writes the same bands as the command.
    @Test func aPipelineStepIsTheCommand() throws {
        let directory = TemporaryDirectory()
        let inputs = try Self.makeSeries(in: directory)
        let file = directory.path("p.yaml")
        try """
        soilmap: 1
        run_dir: \(directory.path("run"))
        steps:
          trend:
            kind: trend
            inputs: [\(inputs.joined(separator: ", "))]
            years: [\(Self.yearsText)]
            min_years: 5
            output: trend.tif
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let validated = try runSoilmap(["validate", file])
        #expect(validated.status == 0, "\(validated.stderr)")
        let ran = try runSoilmap(["run", file])
        #expect(ran.status == 0, "\(ran.stderr)")
        let direct = directory.path("direct.tif")
        #expect(try runSoilmap(["trend"] + inputs + ["--years", Self.yearsText, "--min-years", "5", "-o", direct]).status == 0)
        let fromPipeline = try Dataset.open(directory.path("run/trend.tif")), fromCommand = try Dataset.open(direct)
        for band in 1...10 {
            #expect(try fromPipeline.band(band).readAll(as: Float.self) == fromCommand.band(band).readAll(as: Float.self), "band \(band)")
        }
        // Rows 30-39 have four valid years: below a minimum of 5, nodata.
        #expect(try fromPipeline.band(9).read(window: PixelWindow(column: 0, row: 30, width: 1, height: 1), as: Float.self) == [-9999])
        let wrongKey = directory.path("q.yaml")
        try "soilmap: 1\nrun_dir: \(directory.path("run2"))\nsteps:\n  t:\n    kind: trend\n    inputs: [\(inputs.joined(separator: ", "))]\n    year: [\(Self.yearsText)]\n    output: t.tif\n"
            .write(toFile: wrongKey, atomically: true, encoding: .utf8)
        let refused = try runSoilmap(["validate", wrongKey])
        #expect(refused.status == 3 && refused.stderr.contains("year"), "\(refused.stderr)")
    }
}
