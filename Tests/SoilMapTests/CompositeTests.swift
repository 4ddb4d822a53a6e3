import Foundation
import Testing
import GDAL
@testable import SoilMap

/// `soilmap composite` against numpy (Tests/reference/composite_reference.py) on the real MODIS series of
/// samples/: 16-day NDVI of Somalia (one 275-band file) and EVI of Slovenia (one file per date) reduced to annual
/// means, then `soilmap trend` on those means against scipy (Tests/reference/trend_reference.py) on every pixel.
@Suite(.serialized) struct CompositeTests {
    static var python: String { (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python" }
    static let script = Repository.path("Tests/reference/composite_reference.py")
    static let trendScript = Repository.path("Tests/reference/trend_reference.py")
    static let somalia = Repository.path("samples/modis-somalia/modisraster.tif")
    static let sloveniaDates = Repository.path("samples/modis-slovenia/Slovenia_dates.csv")
    static var sloveniaFiles: [String] {
        let folder = Repository.path("samples/modis-slovenia")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".tif") }.sorted()
            .map { folder + "/" + $0 }
    }

    static func requireVenv() throws {
        try #require(FileManager.default.isExecutableFile(atPath: python), "no venv at \(python): run `make venv`")
    }

    static func annualBands(_ path: String, count: Int) -> [String] { (1...count).map { "\(path):\($0)" } }

    @Test func yearsFromDescriptionsAndFileNames() {
        #expect(CompositeParameters.year(in: "X2000.02.18") == 2000)
        #expect(CompositeParameters.year(in: "slovenia.EVI.MOD13Q1.A2007113.tif") == 2007)
        #expect(CompositeParameters.year(in: "LC08_L2SP_125052_20200101_20200113_02_T1_SR_B4.TIF") == 2020)
        #expect(CompositeParameters.year(in: "ndvi_2015.tif") == 2015 && CompositeParameters.year(in: "2015-06-01") == 2015)
        #expect(CompositeParameters.year(in: "NDVI") == nil && CompositeParameters.year(in: "band_123456.tif") == nil)
        #expect(CompositeParameters.year(in: "tile_1850.tif") == nil)
    }

    /// Somalia: the 275 composites by year, 2000-2011 (2000 from its 20 composites; 2012's two left out), mean and
    /// median against numpy (min, max and count: on the Olinda stack below); then the trend of the 12 annual means against scipy, both significance rules.
    @Test func somaliaAnnualMeansThenTrendMatchNumpyAndScipy() throws {
        try Self.requireVenv()
        let directory = TemporaryDirectory()
        for statistic in [CompositeStatistic.mean, .median] {
            let annual = directory.path("annual-\(statistic.rawValue).tif")
            let result = try runSoilmap(["composite", Self.somalia, "--by-year", "--years", "2000-2011", "--statistic", statistic.rawValue, "-o", annual])
            #expect(result.status == 0, "\(result.stderr)")
            let reference = try run(Self.python, [Self.script, annual, Self.somalia, "--by-year", "--years", "2000-2011", "--statistic", statistic.rawValue])
            #expect(reference.status == 0, "\(statistic): \(reference.stdout)\(reference.stderr)")
            #expect(reference.stdout.hasPrefix("compared=300 nodata=0 bands=12 per_band=20,23,23,23,23,23,23,23,23,23,23,23 "), "\(reference.stdout)")
        }
        let annual = directory.path("annual-mean.tif")
        let dataset = try Dataset.open(annual)
        #expect(dataset.metadataItem("COMPOSITE_YEARS") == "2000,2001,2002,2003,2004,2005,2006,2007,2008,2009,2010,2011")
        #expect(try dataset.band(1).bandDescription == "2000" && dataset.band(12).bandDescription == "2011")
        let years = (2000...2011).map(String.init).joined(separator: ",")
        for significance in [["--significance", "p-value"], ["--significance", "trends-earth", "--small-slope", "10"]] {
            let trend = directory.path("trend\(significance[1]).tif")
            let inputs = Self.annualBands(annual, count: 12)
            let result = try runSoilmap(["trend"] + inputs + ["--years", years] + significance + ["-o", trend])
            #expect(result.status == 0, "\(result.stderr)")
            let reference = try run(Self.python, [Self.trendScript, trend, "--years", years] + significance + inputs)
            #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
            #expect(reference.stdout.hasPrefix("compared=25 nodata=0 "), "\(reference.stdout)")
        }
    }

    /// Slovenia: 365 files, one per date, years from the file names (MOD13Q1.A2000049); the reference takes each
    /// file's date from npphen's date table instead. 22 % of values are nodata (-1.7e308).
    @Test func sloveniaAnnualMeansThenTrendMatchNumpyAndScipy() throws {
        try Self.requireVenv()
        let files = Self.sloveniaFiles
        try #require(files.count == 365)
        let directory = TemporaryDirectory()
        let annual = directory.path("annual.tif")
        let result = try runSoilmap(["composite"] + files + ["--by-year", "--min-valid", "5", "-o", annual])
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try run(Self.python, [Self.script, annual] + files + ["--by-year", "--dates", Self.sloveniaDates, "--min-valid", "5"])
        #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
        #expect(reference.stdout.hasPrefix("compared=1024 "), "\(reference.stdout)")
        #expect(reference.stdout.contains(" bands=16 per_band=20,23,"), "\(reference.stdout)")
        let years = (2000...2015).map(String.init).joined(separator: ",")
        let trend = directory.path("trend.tif")
        let inputs = Self.annualBands(annual, count: 16)
        let trendRun = try runSoilmap(["trend"] + inputs + ["--years", years, "--min-years", "10", "-o", trend])
        #expect(trendRun.status == 0, "\(trendRun.stderr)")
        let trendReference = try run(Self.python, [Self.trendScript, trend, "--years", years, "--min-years", "10"] + inputs)
        #expect(trendReference.status == 0, "\(trendReference.stdout)\(trendReference.stderr)")
        #expect(trendReference.stdout.hasPrefix("compared="), "\(trendReference.stdout)")
    }

    /// The six Olinda bands as a stack (349 x 352): every statistic against numpy; mean and median give the same
    /// bytes with 1 or 2 threads and tiles of 16 or 64.
    @Test func identicalWhateverTheThreadsAndTileSize() throws {
        let directory = TemporaryDirectory()
        for statistic in CompositeStatistic.allCases.map(\.rawValue) {
            var outputs: [Data] = []
            for (threads, tile) in statistic == "mean" || statistic == "median" ? [(1, "16"), (2, "64"), (2, "16")] : [(1, "16")] {
                let output = directory.path("\(statistic)-\(threads)-\(tile).tif")
                let result = try runSoilmap(["composite", Repository.landsat, "--statistic", statistic, "--threads", String(threads), "--tile-size", tile, "-o", output])
                #expect(result.status == 0, "\(result.stderr)")
                outputs.append(try Data(contentsOf: URL(fileURLWithPath: output)))
            }
            #expect(outputs.allSatisfy { $0 == outputs[0] }, "\(statistic)")
            if FileManager.default.isExecutableFile(atPath: Self.python) {
                let reference = try run(Self.python, [Self.script, directory.path("\(statistic)-1-16.tif"), Repository.landsat, "--statistic", statistic])
                #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
            }
        }
        let dataset = try Dataset.open(directory.path("mean-1-16.tif"))
        #expect(try dataset.band(1).bandDescription == "mean")
        #expect(dataset.metadataItem("SOILMAP_COMMAND")?.hasPrefix("soilmap composite L7_ETMs.tif --statistic mean --min-valid 1") == true)
    }

    @Test func badArgumentsAreOneLineErrors() throws {
        let directory = TemporaryDirectory()
        let output = directory.path("out.tif")
        let noYear = directory.path("ndvi.tif")
        try writeRaster(noYear, width: 4, height: 4, values: [Float](repeating: 1, count: 16))
        let cases: [([String], String)] = [
            ([Self.somalia, "--statistic", "mode"], "soilmap: --statistic mode: use mean, median, min, max, count"),
            ([Self.somalia, "--min-valid", "0"], "soilmap: --min-valid 0: use 1 or more (valid values a pixel needs)"),
            ([Self.somalia, "--years", "2001-2003"], "soilmap: --years chooses years of --by-year: give --by-year too"),
            ([Self.somalia, "--by-year", "--years", "2003-2001"], "soilmap: --years 2003-2001: '2003-2001' is not a year or a range FIRST-LAST (e.g. 2001-2011)"),
            ([Self.somalia, "--by-year", "--years", "1999-2001"], "soilmap: --years 1999-2001: no input band is of 1999 (bands found for 2000-2012)"),
            (["\(Self.somalia):276"], "soilmap: \(Self.somalia): has 275 bands, not band 276"),
            ([noYear, "--by-year"], "soilmap: \(noYear): band 1: no year in its description ('') or the file's name"),
            ([directory.path("missing.tif")], "soilmap: \(directory.path("missing.tif")): "),
        ]
        for (arguments, message) in cases {
            let result = try runSoilmap(["composite"] + arguments + ["-o", output])
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
        // An existing output is kept without --overwrite.
        try Data("keep".utf8).write(to: URL(fileURLWithPath: output))
        let refused = try runSoilmap(["composite", Self.somalia, "-o", output])
        let kept = try String(contentsOfFile: output, encoding: .utf8)
        #expect(refused.status == 1 && kept == "keep")
    }

    /// A pipeline step of kind composite runs the command's code.
    @Test func isAPipelineStepKind() throws {
        #expect(AnyStep.kinds[CompositeStep.kind] != nil)
        #expect(AnyStep.kinds[CompositeStep.kind]?.keys.contains("by_year") == true)
    }
}
