import Foundation
import Testing
import GDAL
@testable import SoilMap

/// The SDG 15.3.1 combination as Trends.Earth applies it (../shared/INDICES.md "Combination"), on its full truth
/// table, and the seven-class status between a baseline and a reporting period.
@Suite struct SDGCombinationTests {
    /// Trends.Earth's rule, written here from INDICES.md (codes -1, 0, 1; nil for nodata): start from productivity;
    /// land cover or SOC degraded -> degraded; still stable and land cover or SOC improved -> improved; any nodata ->
    /// nodata.
    static func trendsEarth(_ productivity: Int?, _ landCover: Int?, _ soc: Int?) -> Int? {
        guard let productivity, let landCover, let soc else { return nil }
        if landCover == -1 || soc == -1 { return -1 }
        if productivity == 0 && (landCover == 1 || soc == 1) { return 1 }
        return productivity
    }

    /// All 4 x 4 x 4 cases (-1, 0, 1, nodata for each input) as Trends.Earth's own Int16 layers (nodata -32768):
    /// `combine --method one-out-all-out` gives Trends.Earth's answer in every one, so no separate method is needed.
    @Test func oneOutAllOutIsTrendsEarthsRuleOnItsTruthTable() throws {
        let directory = TemporaryDirectory()
        let codes: [Int?] = [-1, 0, 1, nil]
        var planes: [[Int16]] = [[], [], []]
        var expected: [Float] = []
        for p in codes { for l in codes { for s in codes {
            for (index, value) in [p, l, s].enumerated() { planes[index].append(value.map(Int16.init) ?? -32768) }
            expected.append(Self.trendsEarth(p, l, s).map { Float($0 + 2) } ?? 0)
        } } }
        let paths = try ["productivity", "landcover", "soc"].enumerated().map { index, name in
            let path = directory.path("\(name).tif")
            try writeRaster(path, width: 8, height: 8, values: planes[index], noData: -32768)
            return path
        }
        let output = directory.path("sdg.tif")
        try CombineStep(CombineParameters(inputs: paths, method: "one-out-all-out", inputCodes: "trends-earth", output: output)).run(in: RunContext())
        let combined = try readBand(output)
        for index in expected.indices {
            #expect(combined[index] == expected[index], "productivity \(String(describing: codes[index / 16])), land cover \(String(describing: codes[index / 4 % 4])), SOC \(String(describing: codes[index % 4]))")
        }
        // The cases that tell the rules apart from "improved wins over stable": improvement counts only where
        // productivity is stable; degraded productivity stays degraded whatever land cover and SOC say.
        #expect(Self.trendsEarth(-1, 1, 1) == -1 && Self.trendsEarth(1, 0, 0) == 1 && Self.trendsEarth(0, 1, 0) == 1 && Self.trendsEarth(1, -1, 1) == -1)
    }

    /// `--table sdg-status` on every baseline x reporting pair of sdg-15.3.1 values, nodata included.
    @Test func statusBetweenBaselineAndReporting() throws {
        let directory = TemporaryDirectory()
        // (baseline, reporting) -> class: 1 persistent degradation, 2 recent degradation, 3 baseline degradation,
        // 4 stability, 5 baseline improvement, 6 recent improvement, 7 persistent improvement.
        let cases: [(UInt8, UInt8, Float)] = [
            (1, 1, 1), (2, 1, 2), (3, 1, 2),
            (1, 2, 3), (2, 2, 4), (3, 2, 5),
            (1, 3, 6), (2, 3, 6), (3, 3, 7),
            (0, 1, 0), (1, 0, 0), (0, 0, 0),
        ]
        let baseline = directory.path("baseline.tif"), reporting = directory.path("reporting.tif"), output = directory.path("status.tif")
        try writeRaster(baseline, width: cases.count, height: 1, values: cases.map(\.0), noData: 0)
        try writeRaster(reporting, width: cases.count, height: 1, values: cases.map(\.1), noData: 0)
        let result = try runSoilmap(["combine", baseline, reporting, "--table", "sdg-status", "-o", output, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try readBand(output) == cases.map(\.2))
        let band = try Dataset.open(output).band(1)
        #expect(band.categoryNames[1] == "Persistent degradation" && band.categoryNames[7] == "Persistent improvement")
        #expect(FileManager.default.fileExists(atPath: directory.path("status.qml")))
    }
}
