import Foundation
import Testing
import GDAL
@testable import SoilMap

/// `trend --statistics`: a chosen subset writes exactly those bands of the full run, bit for bit, in the canonical
/// order; and the eight-lane kernel gives bit for bit what the per-pixel `TrendStatistics.compute` gives, on the
/// Olinda-derived series of TrendTests (missing years, too few years, constant and tied series), with tile sizes
/// that leave partial lane groups.
@Suite(.serialized) struct TrendSelectionTests {
    @Test func parsingGroupsNamesAndErrors() throws {
        #expect(try TrendBandSelection.parse("ols_slope").bands == ["ols_slope"])
        #expect(try TrendBandSelection.parse("mk, ols").bands == ["ols_slope", "ols_intercept", "mk_s", "mk_var", "mk_z", "mk_p", "tau"])
        #expect(try TrendBandSelection.parse("trajectory,n,sen").bands == ["sen_slope", "n", "trajectory"])
        #expect(try TrendBandSelection.parse("all") == .all && TrendBandSelection.all.text == "all")
        #expect(throws: SoilMapError.self) { try TrendBandSelection.parse("ols_slope,slope") }
        #expect(throws: SoilMapError.self) { try TrendBandSelection.parse("") }
        // What each choice computes: an OLS-only run forms no pairs.
        let ols = try TrendBandSelection.parse("ols_slope")
        #expect(ols.needsOLS && !ols.needsS && !ols.needsSen && !ols.needsTies(trendsEarth: false))
        let trajectory = try TrendBandSelection.parse("trajectory")
        #expect(trajectory.needsOLS && trajectory.needsS && !trajectory.needsSen)
        #expect(trajectory.needsTies(trendsEarth: false) && !trajectory.needsTies(trendsEarth: true))
    }

    @Test func chosenBandsAreThoseOfTheFullRun() throws {
        let directory = TemporaryDirectory()
        let inputs = try TrendTests.makeSeries(in: directory)
        let full = directory.path("all.tif")
        try TrendStep(TrendParameters(inputs: inputs, years: TrendTests.years, output: full)).run(in: RunContext(threads: 2, tileSize: 32))
        let fullBands = try (1...10).map { try readBand(full, $0) }
        for (choice, threads, tile) in [("ols_slope", 1, 48), ("mk", 2, 16), ("sen,n", 1, 16), ("trajectory,ols_intercept", 2, 48), ("tau,mk_var", 1, 32)] {
            let output = directory.path("\(choice).tif")
            try TrendStep(TrendParameters(inputs: inputs, years: TrendTests.years, statistics: choice, output: output))
                .run(in: RunContext(threads: threads, tileSize: tile))
            let expected = try TrendBandSelection.parse(choice).bands
            let dataset = try Dataset.open(output)
            #expect(dataset.bandCount == expected.count)
            for (index, name) in expected.enumerated() {
                #expect(try dataset.band(index + 1).bandDescription == name)
                let band = try readBand(output, index + 1), reference = fullBands[TrendStatistics.bandDescriptions.firstIndex(of: name)!]
                #expect(band.map(\.bitPattern) == reference.map(\.bitPattern), "\(choice): band \(name) differs from the full run's")
            }
        }
    }

    @Test func kernelIsBitForBitThePerPixelComputation() throws {
        let directory = TemporaryDirectory()
        let inputs = try TrendTests.makeSeries(in: directory)
        let output = directory.path("all.tif")
        try TrendStep(TrendParameters(inputs: inputs, years: TrendTests.years, output: output)).run(in: RunContext(threads: 1, tileSize: 48))
        let series = try inputs.map { text -> [Float] in
            let source = try TrendParameters.source(text, index: 0)
            return try readBand(source.path, source.band)
        }
        let bands = try (1...10).map { try readBand(output, $0) }
        var pairs = [Double](repeating: 0, count: 15), sorted = [Double](repeating: 0, count: 6)
        var checked = 0
        for pixel in 0..<(TrendTests.width * TrendTests.height) {
            var years: [Double] = [], values: [Double] = []
            for (year, plane) in zip(TrendTests.years, series) where !plane[pixel].isNaN && plane[pixel] != -9999 {
                years.append(Double(year))
                values.append(Double(plane[pixel]))
            }
            guard years.count >= TrendParameters.defaultMinYears else {
                #expect(bands.allSatisfy { $0[pixel] == -9999 })
                continue
            }
            let statistics = TrendStatistics.compute(years: years, values: values, count: years.count, pairScratch: &pairs, sortScratch: &sorted)
            let expected = [statistics.olsSlope, statistics.olsIntercept, statistics.senSlope, statistics.mannKendallS,
                            statistics.mannKendallVariance, statistics.mannKendallZ, statistics.mannKendallP, statistics.tau,
                            Double(statistics.validYears), Double(statistics.trajectory)].map { Float($0).bitPattern }
            #expect(bands.map { $0[pixel].bitPattern } == expected, "pixel \(pixel)")
            checked += 1
        }
        #expect(checked == TrendTests.width * TrendTests.height - 200)
    }

    /// The bracketed median of the Theil-Sen path against `median` (itself checked against numpy in
    /// TrendMedianTests): the same bits on random, tied, sorted and reversed arrays of 1 to 400 values, enough of
    /// them that the fallback (middle outside the bracket) runs too.
    @Test func bracketedMedianIsTheMedian() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {  // splitmix64: reproducible arrays
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for trial in 0..<600 {
            let count = 1 + Int(next() % 400)
            var values: [Double] = (0..<count).map { _ in
                trial % 3 == 0 ? Double(next() % 7) : Double(Int64(bitPattern: next() % 2_000_001) - 1_000_000) / 997
            }
            if trial % 10 == 1 { values.sort() }
            if trial % 10 == 2 { values.sort(by: >) }
            var plain = values, bracketed = values
            var scratch = [Double](repeating: 0, count: count + 16)
            let expected = plain.withUnsafeMutableBufferPointer { TrendStatistics.median($0.baseAddress!, count: count) }
            let got = bracketed.withUnsafeMutableBufferPointer { buffer in
                scratch.withUnsafeMutableBufferPointer { TrendStatistics.bracketedMedian(buffer.baseAddress!, count: count, scratch: $0.baseAddress!) }
            }
            #expect(got.bitPattern == expected.bitPattern, "trial \(trial), \(count) values")
        }
    }

    @Test func pipelineKeyAndCommandLine() throws {
        let parameters = TrendParameters(inputs: ["a.tif", "b.tif", "c.tif", "d.tif"], years: [1, 2, 3, 4], statistics: "OLS", output: "t.tif")
        #expect(parameters.commandArguments.contains("--statistics"))
        #expect(TrendParameters.keys.contains("statistics"))
        #expect(throws: SoilMapError.self) {
            try TrendParameters(inputs: ["a.tif", "b.tif", "c.tif", "d.tif"], years: [1, 2, 3, 4], statistics: "olsx", output: "t.tif").bandSelection()
        }
    }
}
