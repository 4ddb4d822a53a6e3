import Foundation
import Testing
import GDAL
@testable import SoilMap

/// `combine --method weighted`: Viet Nam's degradation degrees from a weighted score of degraded components.
@Suite struct WeightedDegradationTests {
    /// Three sdg-15.3.1 maps (1 degraded) with every combination of degraded or not, and a nodata pixel.
    static func maps(in directory: TemporaryDirectory) throws -> [String] {
        var planes: [[UInt8]] = [[], [], []]
        for a in [1, 2, 3] as [UInt8] { for b in [1, 2, 3] as [UInt8] { for c in [1, 2, 3] as [UInt8] {
            planes[0].append(a); planes[1].append(b); planes[2].append(c)
        } } }
        planes[0].append(0); planes[1].append(1); planes[2].append(1)
        return try planes.enumerated().map { index, values in
            let path = directory.path("m\(index).tif")
            try writeRaster(path, width: values.count, height: 1, values: values, noData: 0)
            return path
        }
    }

    /// Weights 2, 1, 1 and breaks 1, 2, 3, worked by hand from the degraded flags (d1, d2, d3): score 2 d1 + d2 + d3;
    /// below 1 not degraded (1), [1, 2) slight (2), [2, 3) moderate (3), 3 or more heavy (4).
    @Test func weightsAndBreaksWorkedByHand() throws {
        let directory = TemporaryDirectory()
        let inputs = try Self.maps(in: directory)
        let output = directory.path("degree.tif")
        let result = try runSoilmap(["combine"] + inputs + ["--method", "weighted", "--weights", "2,1,1", "--breaks", "1,2,3", "-o", output, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        var expected: [Float] = []
        for a in 1...3 { for b in 1...3 { for c in 1...3 {
            let score = 2 * (a == 1 ? 1 : 0) + (b == 1 ? 1 : 0) + (c == 1 ? 1 : 0)
            expected.append(score >= 3 ? 4 : score >= 2 ? 3 : score >= 1 ? 2 : 1)
        } } }
        expected.append(0)
        #expect(try readBand(output) == expected)
        let dataset = try Dataset.open(output)
        #expect(dataset.metadataItem("CLASS_SCHEME") == "vn-degradation")
        #expect(dataset.metadataItem("CLASS_INTERVALS") == "1:(-inf, 1);2:[1, 2);3:[2, 3);4:[3, inf)")
        #expect(try dataset.band(1).categoryNames[4] == "Heavily degraded")
    }

    /// The defaults (weights 1, breaks 0.5, 1.5, 2.5) are the count rule: `combine --method count` classified with
    /// `vn-degradation` gives the same degrees on all 27 combinations.
    @Test func theDefaultsAreTheCountRule() throws {
        let directory = TemporaryDirectory()
        let inputs = try Self.maps(in: directory)
        let weighted = directory.path("w.tif"), count = directory.path("c.tif"), classified = directory.path("cc.tif")
        #expect(try runSoilmap(["combine"] + inputs + ["--method", "weighted", "-o", weighted, "-q"]).status == 0)
        #expect(try runSoilmap(["combine"] + inputs + ["--method", "count", "-o", count, "-q"]).status == 0)
        #expect(try runSoilmap(["classify", count, "--scheme", "vn-degradation", "-o", classified, "-q"]).status == 0)
        #expect(try readBand(weighted) == readBand(classified))
    }

    @Test func badRulesAreOneLineErrors() throws {
        let directory = TemporaryDirectory()
        let inputs = try Self.maps(in: directory)
        let output = directory.path("out.tif")
        let cases: [([String], String)] = [
            (["--method", "weighted", "--weights", "1,2"], "soilmap: --weights gives 2 weights for 3 maps"),
            (["--method", "weighted", "--breaks", "1,2"], "soilmap: --breaks 1,2: give three increasing numbers"),
            (["--method", "weighted", "--breaks", "1,3,2"], "soilmap: --breaks 1,3,2: give three increasing numbers"),
            (["--method", "weighted", "--weights", "1,x,1"], "soilmap: --weights 1,x,1: 'x' is not a number"),
            (["--method", "count", "--weights", "1,1,1"], "soilmap: --weights and --breaks go with --method weighted"),
        ]
        for (arguments, message) in cases {
            let result = try runSoilmap(["combine"] + inputs + arguments + ["-o", output])
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }
}
