import Foundation
import Testing
import GDAL
@testable import SoilMap

/// Every limit of every built-in scheme against the published values, written here from the source documents (not
/// from BuiltInSchemes.swift): each limit is probed at the value itself and at the next representable number above
/// it, through the scheme's own `classify` and through the tile classifier a class map is written with.
@Suite struct PublishedSchemeLimitTests {
    /// Classes expected for each probe value, through both classifiers.
    static func expectClasses(_ id: String, _ cases: [(Double, UInt8)], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let scheme = try BuiltInSchemes.named(id)
        let bounds = ClassBounds(scheme)
        for (value, expected) in cases {
            #expect(scheme.classify(value) == expected, "\(id) at \(value)", sourceLocation: sourceLocation)
            #expect(bounds.classify(value) == expected, "\(id) at \(value), tile classifier", sourceLocation: sourceLocation)
        }
    }

    /// QCVN 03:2023/BTNMT, Table 1 (Circular 01/2023/TT-BTNMT), heavy metals in mg/kg, Class 1 / 2 / 3 land:
    /// Cd 4 / 10 / 60, Cu 150 / 500 / 2000, As 25 / 50 / 200, Pb 200 / 400 / 700, Zn 300 / 600 / 2000.
    /// A limit is a maximum: a value equal to it complies (class n), anything above it does not (class n + 1).
    @Test(arguments: [("qcvn03-cd", [4.0, 10, 60]), ("qcvn03-cu", [150, 500, 2000]), ("qcvn03-as", [25, 50, 200]),
                      ("qcvn03-pb", [200, 400, 700]), ("qcvn03-zn", [300, 600, 2000])])
    func qcvn03HeavyMetalLimits(id: String, limits: [Double]) throws {
        #expect(try BuiltInSchemes.named(id).classes.map(\.value) == [1, 2, 3, 4])
        try Self.expectClasses(id, [(0, 1), (limits[0], 1), (limits[0].nextUp, 2), (limits[1], 2), (limits[1].nextUp, 3),
                                    (limits[2], 3), (limits[2].nextUp, 4), (limits[2] * 10, 4)])
    }

    /// Soil organic matter against the Soil Health Strategy's targets of 3 % and 5 %: exactly 3 meets the 3 % target,
    /// exactly 5 the 5 % one.
    @Test func organicMatterTargets() throws {
        #expect(try BuiltInSchemes.named("soil-organic-matter").classes.map(\.value) == [1, 2, 3])
        try Self.expectClasses("soil-organic-matter", [(0, 1), (3.0.nextDown, 1), (3, 2), (5.0.nextDown, 2), (5, 3), (12, 3)])
    }

    /// ECe classes of USDA Handbook 60 / FAO Soils Bulletin 39, dS/m: 0-2 non-saline, 2-4 slightly, 4-8 moderately,
    /// 8-16 strongly, above 16 extremely saline; each class begins at its lower limit.
    @Test func salinityClasses() throws {
        try Self.expectClasses("salinity-ec", [(0, 1), (2.0.nextDown, 1), (2, 2), (4.0.nextDown, 2), (4, 3), (8.0.nextDown, 3),
                                               (8, 4), (16.0.nextDown, 4), (16, 5), (60, 5)])
    }

    /// Trends.Earth codes: SDG 15.3.1 status -1 degraded, 0 stable, 1 improved (pixel values 1, 2, 3); the five
    /// productivity classes 1 declining ... 5 increasing, anything else no data.
    @Test func sdgCodes() throws {
        try Self.expectClasses("sdg-15.3.1", [(-1, 1), (0, 2), (1, 3)])
        try Self.expectClasses("sdg-productivity", [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 0)])
    }

    /// Vietnam's degrees from the count of degraded sub-indicators (README: 0 not degraded, 1 slight, 2 moderate,
    /// 3 or more heavy).
    @Test func vietnamDegradationDegrees() throws {
        try Self.expectClasses("vn-degradation", [(0, 1), (1, 2), (2, 3), (3, 4), (4, 4), (6, 4)])
    }
}

/// `soilmap index --param`: constants overridden for one index (SAVI.L=0.5) or for every index that has them (L=0.5),
/// against SAVI and EVI computed here from their publications (Huete 1988; Huete et al. 2002).
@Suite struct IndexParameterTests {
    static let blue: [UInt16] = [400, 600, 900, 1200], red: [UInt16] = [500, 800, 1500, 2500], nir: [UInt16] = [4000, 3500, 2600, 2700]

    static func savi(_ r: Double, _ n: Double, l: Double) -> Float { Float((1 + l) * (n - r) / (n + r + l)) }
    static func evi(_ b: Double, _ r: Double, _ n: Double, l: Double) -> Float { Float(2.5 * (n - r) / (n + 6 * r - 7.5 * b + l)) }

    @Test func overridesForOneIndexOrForAll() throws {
        let directory = TemporaryDirectory()
        for (name, values) in [("blue", Self.blue), ("red", Self.red), ("nir", Self.nir)] {
            try writeRaster(directory.path("\(name).tif"), width: 4, height: 1, values: values)
        }
        let bands = ["--band", "blue=" + directory.path("blue.tif"), "--band", "red=" + directory.path("red.tif"),
                     "--band", "nir=" + directory.path("nir.tif"), "--scale", "0.0001", "-q"]
        // SAVI's L is 1 by default (as in Awesome Spectral Indices); EVI's L is 1.
        for (parameters, saviL, eviL) in [([String](), 1.0, 1.0), (["--param", "SAVI.L=0.5"], 0.5, 1.0), (["--param", "L=0.5"], 0.5, 0.5)] {
            let output = directory.path("out-\(saviL)-\(eviL).tif")
            let result = try runSoilmap(["index", "SAVI,EVI"] + bands + parameters + ["-o", output])
            try #require(result.status == 0, "\(result.stderr)")
            let reflectance = { (values: [UInt16]) in values.map { Double($0) * 0.0001 } }
            let b = reflectance(Self.blue), r = reflectance(Self.red), n = reflectance(Self.nir)
            let dataset = try Dataset.open(output)
            let savi: [Float] = try dataset.band(1).readAll(), evi: [Float] = try dataset.band(2).readAll()
            for pixel in 0..<4 {
                #expect(abs(savi[pixel] - Self.savi(r[pixel], n[pixel], l: saviL)) <= 1e-6, "SAVI \(parameters) pixel \(pixel)")
                #expect(abs(evi[pixel] - Self.evi(b[pixel], r[pixel], n[pixel], l: eviL)) <= 1e-6, "EVI \(parameters) pixel \(pixel)")
            }
        }
        let unknown = try runSoilmap(["index", "SAVI"] + bands + ["--param", "SAVI.K=2", "-o", directory.path("x.tif")])
        #expect(unknown.status != 0)
    }
}

/// Group rows (tract -> neighbourhood) against numpy over the pooled pixels of each group's real zones
/// (Tests/reference/zonal_reference.py --group-field): in coverage mode each pixel weighted by its coverage fraction
/// in its zone as exactextract gives it (partly covered cells); in centre mode rasterstats' pixels of each zone, with
/// median and percentiles from numpy.percentile. Groups of 1 to 55 tracts.
@Suite(.serialized) struct GroupStatisticsTests {
    @Test(arguments: [("coverage", "count,sum,mean,min,max,std"), ("center", "count,sum,mean,std,median,p10,p90")])
    func groupRowsEqualNumpyOverThePooledPixels(mode: String, stats: String) throws {
        let directory = TemporaryDirectory()
        let ndvi = directory.path("ndvi.tif"), table = directory.path("stats.csv"), reference = directory.path("groups.csv")
        try IndexJob.run(IndexRequest(outputs: [try IndexOutput.catalogue("NDVI")], sources: Repository.landsatSources(["red", "nir"])), to: ndvi)
        let tracts = Repository.path("samples/olinda/olinda1.shp")
        let result = try runSoilmap(["zonal", ndvi, "--zones", tracts, "--id-field", "CD_GEOCODI", "--group-field", "CD_GEOCODB",
                                     "--mode", mode, "--stats", stats, "-o", table, "-q"])
        try #require(result.status == 0, "\(result.stderr)")
        let python = try run(ZonalReferenceTests.python, [ZonalReferenceTests.script, ndvi, tracts, "CD_GEOCODI", mode, reference,
                                                           "--group-field", "CD_GEOCODB", "--stats", stats])
        try #require(python.status == 0, "\(python.stderr)")
        let ours = try ZonalReferenceTests.readCSV(table).filter { $0["level"] == "group" }
        let theirs = try ZonalReferenceTests.readCSV(reference)
        // 32 neighbourhoods; the tracts with an empty neighbourhood code belong to no group row.
        #expect(ours.count == 31 && theirs.count == 31)
        let byGroup = Dictionary(uniqueKeysWithValues: theirs.map { ($0["id"]!, $0) })
        for row in ours {
            let group = row["group_id"]!
            let expected = try #require(byGroup[group], "group \(group)")
            for statistic in stats.split(separator: ",").map(String.init) {
                let mine = Double(row[statistic]!)!, numpy = Double(expected[statistic]!)!
                // Sums of coverage fractions in another order: agreement to 1e-7 relative (sum and mean are near 0
                // in some groups, hence the absolute floor).
                #expect(abs(mine - numpy) <= 1e-7 * max(abs(numpy), 1), "\(mode) group \(group) \(statistic): \(mine) vs \(numpy)")
            }
        }
    }
}

/// What a user sees of the schemes and the data-driven methods from the command line.
@Suite struct SchemeAndMethodCommandTests {
    /// `soilmap schemes --json` lists QCVN 03:2023/BTNMT's published limits (Table 1) as closed maxima.
    @Test func schemesListingShowsThePublishedLimits() throws {
        let result = try runSoilmap(["schemes", "--json"])
        try #require(result.status == 0, "\(result.stderr)")
        let schemes = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let published: [String: [Double]] = ["qcvn03-as": [25, 50, 200], "qcvn03-cd": [4, 10, 60], "qcvn03-cu": [150, 500, 2000],
                                             "qcvn03-pb": [200, 400, 700], "qcvn03-zn": [300, 600, 2000]]
        for (id, limits) in published {
            let scheme = try #require(schemes.first { $0["id"] as? String == id }, "\(id) listed")
            let classes = try #require(scheme["classes"] as? [[String: Any]])
            #expect(classes.compactMap { $0["max"] as? Double } == limits, "\(id)")
            #expect(classes.prefix(3).allSatisfy { $0["max_closed"] as? Bool == true }, "\(id): a value at the limit complies")
        }
    }

    /// `soilmap classify --method quantile --classes 4` on real NDVI: the breaks numpy.quantile gives, and each
    /// class holds about a quarter of the valid pixels (the rest of `numpy.digitize`'s answer).
    @Test func quantileMethodFromTheCommandLine() throws {
        let directory = TemporaryDirectory()
        let ndvi = directory.path("ndvi.tif"), classes = directory.path("q.tif"), reference = directory.path("numpy.tif")
        try IndexJob.run(IndexRequest(outputs: [try IndexOutput.catalogue("NDVI")], sources: Repository.landsatSources(["red", "nir"])), to: ndvi)
        let result = try runSoilmap(["classify", ndvi, "--method", "quantile", "--classes", "4", "-o", classes, "-q"])
        try #require(result.status == 0, "\(result.stderr)")
        let numpy = try run("/usr/bin/python3", [ClassificationTests.script, "quantile", ndvi, "--classes", "4"])
        let breaks = numpy.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let digitize = try run("/usr/bin/python3", [ClassificationTests.script, "digitize", ndvi, reference, "--breaks=" + breaks])
        try #require(digitize.status == 0, "\(digitize.stderr)")
        let mine = try Dataset.open(classes).band(1).readAll(as: UInt8.self)
        #expect(mine == (try Dataset.open(reference).band(1).readAll(as: UInt8.self)))
        #expect(Set(mine.filter { $0 != 0 }) == [1, 2, 3, 4])
    }

    /// `--nodata -5`: the pixel without a value (0 / 0) gets -5, declared as the band's nodata; the others are
    /// NDVI by hand.
    @Test func outputNodataFromTheCommandLine() throws {
        let directory = TemporaryDirectory()
        try writeRaster(directory.path("red.tif"), width: 4, height: 1, values: [UInt8]([0, 10, 20, 30]))
        try writeRaster(directory.path("nir.tif"), width: 4, height: 1, values: [UInt8]([0, 30, 20, 0]))
        let output = directory.path("ndvi.tif")
        let result = try runSoilmap(["index", "NDVI", "--band", "red=" + directory.path("red.tif"), "--band", "nir=" + directory.path("nir.tif"),
                                     "--nodata", "-5", "-o", output, "-q"])
        try #require(result.status == 0, "\(result.stderr)")
        #expect(try Dataset.open(output).band(1).noDataValue == -5)
        #expect(try readBand(output) == [-5, Float(20.0 / 40.0), 0, -1])
    }
}
