import Foundation
import Testing
import GDAL
import SoilMap

/// When `soilmap run` may reuse a step: only with the same inputs (by content, even when the hash cache knows the
/// file), the same parameters and intact outputs; `--force` never reuses.
@Suite(.serialized) struct ReuseDecisionTests {
    /// A one-step pipeline: NDVI of a copy of the Olinda stack, made an hour old so the hash cache remembers it.
    static func fixture(_ directory: TemporaryDirectory) throws -> (pipeline: String, stack: String, run: String) {
        let stack = directory.path("stack.tif")
        try FileManager.default.copyItem(atPath: Repository.landsat, toPath: stack)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: stack)
        let pipeline = directory.path("ndvi.yaml"), run = directory.path("run")
        try """
        soilmap: 1
        name: reuse
        run_dir: \(run)
        inputs:
          stack: \(stack)
        steps:
          ndvi:
            kind: index
            indices: [NDVI]
            stack: $stack
            bands: {red: 3, nir: 4}
            output: ndvi.tif
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        return (pipeline, stack, run)
    }

    static func status(_ run: String) throws -> String? {
        try PipelineTests.manifest(run).steps.first?.status
    }

    @Test func aChangedInputIsRecomputedEvenWhenTheCacheKnowsIt() throws {
        let directory = TemporaryDirectory()
        let data = try Self.fixture(directory)
        try #require(try runSoilmap(["run", data.pipeline, "-q"]).status == 0)
        #expect(try Self.status(data.run) == "computed")
        try #require(try runSoilmap(["run", data.pipeline, "-q"]).status == 0)
        #expect(try Self.status(data.run) == "reused")
        let before = try readBand(data.run + "/ndvi.tif")
        // The stack replaced by one with red and nir swapped (gdal_translate): NDVI changes sign.
        let swapped = directory.path("swapped.tif")
        let translate = try run("/usr/bin/gdal_translate", ["-q", "-b", "1", "-b", "2", "-b", "4", "-b", "3", "-b", "5", "-b", "6", Repository.landsat, swapped])
        try #require(translate.status == 0, "\(translate.stderr)")
        try FileManager.default.removeItem(atPath: data.stack)
        try FileManager.default.moveItem(atPath: swapped, toPath: data.stack)
        let third = try runSoilmap(["run", data.pipeline, "-q"])
        try #require(third.status == 0, "\(third.stderr)")
        #expect(try Self.status(data.run) == "computed")
        let after = try readBand(data.run + "/ndvi.tif")
        #expect(after.count == before.count && zip(before, after).allSatisfy { $0 == -9999 ? $1 == -9999 : $1 == -$0 })
    }

    @Test func aDamagedOutputOrForceIsRecomputed() throws {
        let directory = TemporaryDirectory()
        let data = try Self.fixture(directory)
        try #require(try runSoilmap(["run", data.pipeline, "-q"]).status == 0)
        let original = try Data(contentsOf: URL(fileURLWithPath: data.run + "/ndvi.tif"))
        try #require(try runSoilmap(["run", data.pipeline, "--force", "-q"]).status == 0)
        #expect(try Self.status(data.run) == "computed")
        // One byte of the output changed, size kept.
        var damaged = original
        damaged[damaged.count - 1] ^= 0xFF
        try damaged.write(to: URL(fileURLWithPath: data.run + "/ndvi.tif"))
        try #require(try runSoilmap(["run", data.pipeline, "-q"]).status == 0)
        #expect(try Self.status(data.run) == "computed")
        #expect(try Data(contentsOf: URL(fileURLWithPath: data.run + "/ndvi.tif")) == original)
        // A parameter changed: recomputed.
        var text = try String(contentsOfFile: data.pipeline, encoding: .utf8)
        text = text.replacingOccurrences(of: "bands: {red: 3, nir: 4}", with: "bands: {red: 3, nir: 4}\n    scale: 0.01")
        try text.write(toFile: data.pipeline, atomically: true, encoding: .utf8)
        try #require(try runSoilmap(["run", data.pipeline, "-q"]).status == 0)
        #expect(try Self.status(data.run) == "computed")
    }
}
