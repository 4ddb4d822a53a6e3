import Digest
import Foundation
import Testing
import GDAL
@testable import SoilMap

/// `soilmap run --shard I/N` + `soilmap merge` against a single run of the same pipeline: every map and table
/// byte for byte (SHA-256), on the demo pipeline and on a pipeline with a trend step, breaks from the data (a
/// step left to the merge) and quantiles of a float raster; refusals naming the missing or damaged shard.
@Suite struct ShardTests {
    /// The demo pipeline (absolute sample paths) writing into `runDirectory`.
    static func demo(in directory: TemporaryDirectory, runDirectory: String) throws -> Pipeline {
        try Pipeline.load(file: try PipelineTests.demoPipeline(in: directory), overrides: ["out": runDirectory])
    }

    /// Five bands of the Olinda Landsat 7 scene as five "years" of a trend (a COG), the slope's statistics per
    /// tract (with quantiles: every value kept), the slope in quantile classes (breaks from the data: left to the
    /// merge by the shards) and the class areas per tract (after a step left to the merge: left too).
    static func trendPipeline(in directory: TemporaryDirectory, runDirectory: String) throws -> Pipeline {
        let landsat = Repository.landsat, tracts = Repository.path("samples/olinda/olinda1.shp")
        let file = directory.path("trend.yaml")
        try """
        soilmap: 1
        name: trend-shards
        run_dir: \(runDirectory)
        steps:
          trend:
            kind: trend
            inputs: [\(landsat):1, \(landsat):2, \(landsat):3, \(landsat):4, \(landsat):5]
            years: [2001, 2003, 2004, 2007, 2010]
            format: COG
            output: trend.tif
          slope_by_tract:
            kind: zonal
            raster: $trend
            band: 3
            zones: \(tracts)
            id_field: CD_GEOCODI
            mode: coverage
            stats: [count, mean, std, median, p90]
            output: slope_by_tract.csv
          slope_classes:
            kind: classify
            input: $trend
            band: 1
            method: quantile
            classes: 4
            output: slope_classes.tif
          slope_classes_by_tract:
            kind: zonal
            raster: $slope_classes
            zones: \(tracts)
            id_field: CD_GEOCODI
            output: slope_classes_by_tract.csv
        """.write(toFile: file, atomically: true, encoding: .utf8)
        return try Pipeline.load(file: file)
    }

    /// Runs every shard of `count` (alternating 1 and 2 threads), then the merge.
    static func sharded(_ pipeline: Pipeline, count: Int, skip: Set<Int> = []) throws {
        for index in 0..<count where !skip.contains(index) {
            try ShardedRun.runShard(pipeline, spec: try ShardSpec(index: index, count: count), threads: 1 + index % 2)
        }
    }

    static func shardManifest(_ runDirectory: String, _ index: Int, of count: Int) throws -> ShardManifest {
        let folder = ShardedRun.folder(of: try ShardSpec(index: index, count: count), runDirectory: runDirectory)
        return try JSONDecoder().decode(ShardManifest.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/shard.json")))
    }

    /// One single run of the demo for every test that compares with it.
    /// Read-only once made (a lazy static is initialised once, thread-safely); the directory lives for the process.
    nonisolated(unsafe) static let singleDemo: Result<(directory: TemporaryDirectory, path: String), Error> = Result {
        let directory = TemporaryDirectory()
        try PipelineRunner(pipeline: try demo(in: directory, runDirectory: directory.path("single")), threads: 2).run()
        return (directory, directory.path("single"))
    }

    @Test(arguments: [1, 2, 4, 7])
    func demoMergesToTheSingleRunsBytes(count: Int) throws {
        let directory = TemporaryDirectory()
        let single = try Self.singleDemo.get().path, merged = directory.path("merged")
        let pipeline = try Self.demo(in: directory, runDirectory: merged)
        try Self.sharded(pipeline, count: count)
        let manifest = try ShardedRun.merge(runDirectory: merged, threads: 2)
        let expected = try PipelineTests.outputs(single)
        #expect(expected.count == 7)
        #expect(try PipelineTests.outputs(merged) == expected)
        #expect(manifest.status == "succeeded" && manifest.steps.count == 4)
        // The manifest records the same output hashes as the single run's.
        let singleManifest = try PipelineTests.manifest(single)
        #expect(manifest.steps.map(\.outputs) == singleManifest.steps.map(\.outputs))

        // Every shard computed its own rows of tiles of both maps: together each tile once.
        let shards = try (0..<count).map { try Self.shardManifest(merged, $0, of: count) }
        for step in ["indices", "ndvi_classes"] {
            let parts = shards.map { $0.parts.first { $0.step == step && $0.kind == .tiles }! }
            #expect(parts.first!.first == 0)
            #expect(zip(parts, parts.dropFirst()).allSatisfy { $0.end == $1.first })
            #expect(parts.last!.end == TileGrid(width: 349, height: 352, tileSize: parts[0].tileSize).count)
        }
        // Zonal strips wholly inside a shard's rows were computed there (352 rows: strips 0-255 and 256-351; tiles
        // of 512, 256, 64 and 32 rows for 1, 2, 4 and 7 shards); the merge computed the others.
        let strips = shards.flatMap { $0.parts.filter { $0.step == "ndvi_by_tract" }.flatMap { $0.strips ?? [] } }
        #expect(strips == [1: [0, 1], 2: [0, 1], 4: [1], 7: []][count]!)
        #expect(shards.allSatisfy { $0.deferred.isEmpty })
    }

    /// The reflectance range check of `index` tallies the values its kernels receive. A merge does not run the
    /// kernels on the shards' tiles: the shards store their tallies and the merge adds them, so the merged manifest
    /// carries the single run's warnings. Olinda's DN x 0.02 puts many values above reflectance's 1.5; numpy on the
    /// rows the check samples (every 8th from row 0) gives 27 % of band 3 (red) and 24 % of band 4 (nir):
    /// `a = ds.GetRasterBand(b).ReadAsArray()[::8] * 0.02; round((a > 1.5).mean() * 100)`.
    @Test(arguments: [3, 7])
    func rangeWarningsOfIndexSurviveTheMerge(count: Int) throws {
        let directory = TemporaryDirectory()
        func pipeline(_ runDirectory: String) throws -> Pipeline {
            let file = directory.path("range-\((runDirectory as NSString).lastPathComponent).yaml")
            try """
            soilmap: 1
            name: range-shards
            run_dir: \(runDirectory)
            steps:
              ndvi:
                kind: index
                indices: [NDVI]
                stack: \(Repository.landsat)
                bands: {red: 3, nir: 4}
                scale: 0.02
                output: ndvi.tif
            """.write(toFile: file, atomically: true, encoding: .utf8)
            return try Pipeline.load(file: file)
        }
        let single = directory.path("single"), merged = directory.path("merged")
        try PipelineRunner(pipeline: try pipeline(single), threads: 2).run()
        try Self.sharded(try pipeline(merged), count: count)
        let manifest = try ShardedRun.merge(runDirectory: merged, threads: 2)
        let expected = try PipelineTests.manifest(single).steps.first { $0.name == "ndvi" }?.warnings ?? []
        #expect(expected.count == 2)
        #expect(expected.first?.contains("reflectance band red (") == true && expected.first?.contains("): 27 % of the valid pixels") == true)
        #expect(expected.last?.contains("reflectance band nir (") == true && expected.last?.contains("): 24 % of the valid pixels") == true)
        #expect(manifest.steps.first { $0.name == "ndvi" }?.warnings == expected)
        #expect(try PipelineTests.outputs(merged) == PipelineTests.outputs(single))
        // Each shard stored the tallies of its own rows beside its tiles.
        for index in 0..<count {
            #expect(try Self.shardManifest(merged, index, of: count).parts.map(\.kind) == [.tiles, .tallies])
        }
    }

    @Test(arguments: [2, 7])
    func aTrendPipelineMergesToTheSingleRunsBytes(count: Int) throws {
        let directory = TemporaryDirectory()
        let single = directory.path("single"), merged = directory.path("merged")
        try PipelineRunner(pipeline: try Self.trendPipeline(in: directory, runDirectory: single), threads: 2).run()
        let pipeline = try Self.trendPipeline(in: directory, runDirectory: merged)
        try Self.sharded(pipeline, count: count)
        try ShardedRun.merge(runDirectory: merged, threads: 1)
        let expected = try PipelineTests.outputs(single)
        #expect(Set(expected.keys).isSuperset(of: ["trend.tif", "slope_by_tract.csv", "slope_classes.tif", "slope_classes_by_tract.csv"]))
        #expect(try PipelineTests.outputs(merged) == expected)
        let shards = try (0..<count).map { try Self.shardManifest(merged, $0, of: count) }
        // Breaks from the data need the whole map: the shards left that step, and the one after it, to the merge.
        #expect(shards.allSatisfy { $0.deferred == ["slope_classes", "slope_classes_by_tract"] })
        #expect(shards.allSatisfy { $0.parts.contains { $0.step == "trend" && $0.kind == .tiles } })
    }

    @Test func aMissingOrDamagedShardIsNamedAndNothingIsWritten() throws {
        let directory = TemporaryDirectory()
        let single = try Self.singleDemo.get().path, merged = directory.path("merged")
        let pipeline = try Self.demo(in: directory, runDirectory: merged)

        // Shard 2 killed mid-way: a part half written, no shard manifest (it is written last).
        try Self.sharded(pipeline, count: 4)
        let folder2 = ShardedRun.folder(of: try ShardSpec(index: 2, count: 4), runDirectory: merged)
        try FileManager.default.removeItem(atPath: folder2 + "/shard.json")
        let part = folder2 + "/parts/indices-0.tiles"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: part))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: part))
        #expect {
            try ShardedRun.merge(runDirectory: merged, threads: 2)
        } throws: { error in
            "\(error)".contains("1 of 4 shards") && "\(error)".contains("shard 2/4: unfinished") && "\(error)".contains("--shard I/4")
        }
        #expect(try PipelineTests.outputs(merged).isEmpty)
        #expect(ShardedRun.problems(runDirectory: merged, count: 4).keys.sorted() == [2])

        // Shard 1's tiles changed after it finished: named by file.
        let part1 = ShardedRun.folder(of: try ShardSpec(index: 1, count: 4), runDirectory: merged) + "/parts/ndvi_classes-0.tiles"
        var changed = try Data(contentsOf: URL(fileURLWithPath: part1))
        changed[100] ^= 1
        try changed.write(to: URL(fileURLWithPath: part1))
        #expect {
            try ShardedRun.merge(runDirectory: merged, threads: 2)
        } throws: { error in
            "\(error)".contains("2 of 4 shards") && "\(error)".contains("ndvi_classes-0.tiles: does not match its manifest")
        }
        #expect(ShardedRun.problems(runDirectory: merged, count: 4).keys.sorted() == [1, 2])
        #expect(try PipelineTests.outputs(merged).isEmpty)

        // Only those two run again; then the merge gives the single run's bytes.
        let untouched = try Data(contentsOf: URL(fileURLWithPath: ShardedRun.folder(of: try ShardSpec(index: 0, count: 4), runDirectory: merged) + "/shard.json"))
        for index in [1, 2] { try ShardedRun.runShard(pipeline, spec: try ShardSpec(index: index, count: 4), threads: 2) }
        #expect(ShardedRun.problems(runDirectory: merged, count: 4).isEmpty)
        try ShardedRun.merge(runDirectory: merged, threads: 2)
        #expect(try PipelineTests.outputs(merged) == PipelineTests.outputs(single))
        #expect(try Data(contentsOf: URL(fileURLWithPath: ShardedRun.folder(of: try ShardSpec(index: 0, count: 4), runDirectory: merged) + "/shard.json")) == untouched)

        // A shard written in an older part format (by an older soilmap) is refused by name, not misread.
        let manifest3 = ShardedRun.folder(of: try ShardSpec(index: 3, count: 4), runDirectory: merged) + "/shard.json"
        var old = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifest3))) as! [String: Any]
        old["formatVersion"] = 1
        try JSONSerialization.data(withJSONObject: old).write(to: URL(fileURLWithPath: manifest3))
        #expect(ShardedRun.problems(runDirectory: merged, count: 4)[3]?.contains("shard format 1; this soilmap reads format \(ShardManifest.currentFormatVersion)") == true)
    }

    @Test func aMergeRefusesAnotherPipelineOrNoShards() throws {
        let directory = TemporaryDirectory()
        let merged = directory.path("merged")
        #expect {
            try ShardedRun.merge(runDirectory: merged, threads: 1)
        } throws: { error in "\(error)".contains("no shards to merge") }
        try ShardedRun.runShard(try Self.demo(in: directory, runDirectory: merged), spec: try ShardSpec(index: 0, count: 1), threads: 2)
        // The pipeline file edited after the shard ran: a parameter differs.
        let file = directory.path("demo.yaml")
        let text = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "scale: 0.01", with: "scale: 0.001")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        #expect {
            try ShardedRun.merge(runDirectory: merged, threads: 1)
        } throws: { error in "\(error)".contains("changed since the shards ran") }
    }

    @Test func shardsOwnEveryRowOnceAndCutTilesAsPowersOfTwo() throws {
        for height in [1, 15, 16, 100, 352, 511, 512, 513, 10_980] {
            for count in [1, 2, 3, 4, 7, 8, 50] {
                let tileSize = ShardSpec.tileSize(height: height, count: count)
                #expect([16, 32, 64, 128, 256, 512].contains(tileSize))
                #expect(tileSize == 16 || (height + tileSize - 1) / tileSize >= count)
                var next = 0
                for index in 0..<count {
                    let rows = try ShardSpec(index: index, count: count).ownedPixelRows(height: height, tileSize: tileSize)
                    #expect(rows.lowerBound == next)
                    next = rows.upperBound
                }
                #expect(next == height)
            }
        }
        #expect(ShardSpec.tileSize(height: 352, count: 7) == 32)
        #expect(ShardSpec.ownedTileRows(tileRows: 11, index: 6, count: 7) == 9..<11)
        #expect(try ShardSpec(parsing: "3/7") == ShardSpec(index: 3, count: 7))
        for bad in ["7/7", "-1/4", "2", "a/b", "1/0"] {
            #expect(throws: SoilMapError.self) { try ShardSpec(parsing: bad) }
        }
        #expect(try ShardSpec.fromSlurm(["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "8"]) == ShardSpec(index: 5, count: 8))
        #expect(try ShardSpec.fromSlurm([:]) == nil)
        #expect(throws: SoilMapError.self) { try ShardSpec.fromSlurm(["SLURM_ARRAY_TASK_ID": "5"]) }
    }

    /// What `soilmap slurm` makes of squeue's answer about its last submission (the real squeue is exercised by
    /// Tests/slurm/run.sh): active entries refuse, naming each; ended or forgotten jobs let it submit.
    @Test func anEarlierSubmissionStillQueuedRefusesAnother() throws {
        let submission = SlurmSubmission(arrayJob: "1234", mergeJob: "1235", jobNames: ["soilmap-demo-shards", "soilmap-demo-merge"],
                                         shards: [0, 1, 2, 3], count: 4)
        #expect(SlurmQueue.arguments(for: submission) == ["--noheader", "--format=%i|%T", "--jobs=1234,1235",
                                                          "--name=soilmap-demo-shards,soilmap-demo-merge"])
        let queued = try SlurmQueue.parse(output: "1234_[1-3]|PENDING\n1234_0|RUNNING\n1235|PENDING\n", errors: "", status: 0)
        #expect(queued.active.map(\.id) == ["1234_[1-3]", "1234_0", "1235"])
        let refusal = try #require(queued.refusal(for: submission, runDirectory: "/runs/demo"))
        #expect(refusal.description.contains("/runs/demo"))
        #expect(refusal.description.contains("1234_[1-3] pending, 1234_0 running, 1235 pending"))
        #expect(refusal.description.contains("scancel 1234 1235"))
        // Ended jobs that squeue still shows for a while, an empty answer, and ids the controller has forgotten.
        let ended = try SlurmQueue.parse(output: "1234_0|COMPLETED\n1234_1|FAILED\n1235|CANCELLED\n", errors: "", status: 0)
        #expect(ended.refusal(for: submission, runDirectory: "/runs/demo") == nil)
        #expect(try SlurmQueue.parse(output: "", errors: "", status: 0).refusal(for: submission, runDirectory: "r") == nil)
        let forgotten = try SlurmQueue.parse(output: "", errors: "slurm_load_jobs error: Invalid job id specified\n", status: 1)
        #expect(forgotten.entries.isEmpty)
        // Any other failure of squeue is an error, not "nothing queued".
        #expect(throws: SoilMapError.self) {
            try SlurmQueue.parse(output: "", errors: "slurm_load_jobs error: Unable to contact slurm controller\n", status: 1)
        }
        // The record survives a round trip through its file.
        let folder = TemporaryDirectory()
        try submission.save(in: folder.url.path)
        #expect(SlurmSubmission.load(from: folder.url.path) == submission)
    }

    @Test func accumulatorsComeBackBitForBit() throws {
        var histogram = ZoneAccumulator(keepHistogram: true, keepValues: false)
        var values = ZoneAccumulator(keepHistogram: false, keepValues: true)
        for (index, value) in [3.0, 1, 3, 2, 7, 3].enumerated() {
            histogram.addExtent(weight: 0.1 * Double(index + 1), cellHectares: 0.0812, isNoData: false)
            histogram.add(value, weight: 0.1 * Double(index + 1), cellHectares: 0.0812)
            values.add(value / 3, weight: 1, cellHectares: 0.0812)
        }
        // Cells of the zone without data: in the no-data and extent sums only.
        histogram.addExtent(weight: 0.35, cellHectares: 0.0812, isNoData: true)
        values.addExtent(weight: 1, cellHectares: 0.0811, isNoData: true)
        for accumulator in [histogram, values, ZoneAccumulator(keepHistogram: false, keepValues: false)] {
            var writer = ShardBinaryWriter()
            accumulator.encode(into: &writer)
            var reader = ShardBinaryReader(bytes: writer.bytes, path: "test")
            let back = try ZoneAccumulator.decode(from: &reader)
            #expect(reader.atEnd)
            #expect(back.weight.bitPattern == accumulator.weight.bitPattern && back.mean.bitPattern == accumulator.mean.bitPattern)
            #expect(back.variance.bitPattern == accumulator.variance.bitPattern || (back.variance.isNaN && accumulator.variance.isNaN))
            #expect(back.quantile(0.5).bitPattern == accumulator.quantile(0.5).bitPattern || accumulator.quantile(0.5).isNaN)
            #expect(back.minimum == accumulator.minimum && back.maximum == accumulator.maximum && back.cells == accumulator.cells)
            #expect(back.hectares.bitPattern == accumulator.hectares.bitPattern && back.majority == accumulator.majority)
            #expect(back.noDataCells == accumulator.noDataCells && back.noDataWeight.bitPattern == accumulator.noDataWeight.bitPattern)
            #expect(back.noDataHectares.bitPattern == accumulator.noDataHectares.bitPattern)
            #expect(back.zoneWeight.bitPattern == accumulator.zoneWeight.bitPattern && back.zoneHectares.bitPattern == accumulator.zoneHectares.bitPattern)
        }
    }
}

/// The parts' checksum: XXH3-128 as the xxHash project's own `xxhsum -H2` (Debian's xxhash) prints it, on a real
/// sample raster, on a file that spans several of the 4 MB reads the streaming hasher takes, and on an empty file.
@Suite struct PartChecksumTests {
    @Test func xxh128EqualsXxhsum() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("soilmap-xxh-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sample = Repository.path("samples/modis-somalia/modisraster.tif")
        let original = try Data(contentsOf: URL(fileURLWithPath: sample))
        var long = Data()
        // 23 copies with a byte of difference each: 8.9 MB, so three reads, the last one partial.
        for copy in 0..<23 { long.append(original); long.append(UInt8(copy)) }
        let longPath = (folder as NSString).appendingPathComponent("long.bin"), emptyPath = (folder as NSString).appendingPathComponent("empty.bin")
        try long.write(to: URL(fileURLWithPath: longPath))
        try Data().write(to: URL(fileURLWithPath: emptyPath))
        for path in [sample, longPath, emptyPath] {
            let reference = try run("/usr/bin/xxhsum", ["-H2", path])
            #expect(reference.status == 0, "xxhsum: \(reference.stderr)")
            let expected = String(reference.stdout.split(separator: " ").first ?? "")
            let digest = try XXH128.file(atPath: path)
            #expect(digest.xxh128 == expected, "\(path)")
            #expect(digest.size == Int64((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1))
        }
        // Fed in pieces of odd sizes, the same digest as the whole file.
        let pieces = XXH128()
        var offset = 0, step = 1
        long.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let end = min(bytes.count, offset + step)
                pieces.update(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
                offset = end
                step = step * 3 + 7
            }
        }
        #expect(pieces.finalizeHex() == (try XXH128.file(atPath: longPath)).xxh128)
    }
}

/// The commands: `soilmap run --shard`, `soilmap merge`, `soilmap slurm --dry-run`, and their one-line refusals.
@Suite struct ShardCommandTests {
    @Test func shardsAndMergeFromTheCommandLine() throws {
        let directory = TemporaryDirectory()
        let file = try PipelineTests.demoPipeline(in: directory)
        let run = directory.path("run")
        for arguments in [["--shard", "2/2"], ["--shard", "1"], ["--shard", "0/2", "--dry-run"]] {
            let refused = try runSoilmap(["run", file] + arguments)
            #expect(refused.status == 1 && refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("--shard"), "\(refused.stderr)")
        }
        let first = try runSoilmap(["run", file, "--shard", "0/2", "-q"])
        #expect(first.status == 0, "\(first.stderr)")
        let early = try runSoilmap(["merge", run])
        #expect(early.status == 1 && early.stderr.contains("shard 1/2: missing") && early.stderr.split(separator: "\n").count == 1, "\(early.stderr)")
        #expect(try PipelineTests.outputs(run).isEmpty)
        let second = try runSoilmap(["run", file, "--shard", "1/2", "--log-format", "json"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("\"event\":\"step_finished\""))
        let merged = try runSoilmap(["merge", run, "-q"])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(try PipelineTests.outputs(run) == PipelineTests.outputs(try ShardTests.singleDemo.get().path))

        let dry = try runSoilmap(["slurm", file, "--shards", "2", "--partition", "debug", "--time", "00:10:00", "--mem", "2G",
                                  "--account", "soil", "--cpus-per-task", "2", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        // Both shards are complete: only the merge would be submitted, without a dependency.
        #expect(!dry.stdout.contains("#SBATCH --array") && dry.stdout.contains("merge \(run) --threads"))
        #expect(dry.stdout.contains("# sbatch --parsable \(run)/.shards/slurm/merge.sbatch"))
        try FileManager.default.removeItem(atPath: run + "/.shards/1-of-2/shard.json")
        let again = try runSoilmap(["slurm", file, "--shards", "2", "--partition", "debug", "--time", "00:10:00", "--mem", "2G",
                                    "--account", "soil", "--cpus-per-task", "2", "--dry-run"])
        for line in ["#SBATCH --array=1", "#SBATCH --partition=debug", "#SBATCH --time=00:10:00", "#SBATCH --mem=2G", "#SBATCH --account=soil",
                     "#SBATCH --cpus-per-task=2", "--shard \"${SLURM_ARRAY_TASK_ID}/2\"", "--dependency=afterok:ARRAY_JOB_ID"] {
            #expect(again.stdout.contains(line), "\(line)")
        }
        let fresh = try runSoilmap(["slurm", file, "--shards", "3", "--dry-run"])
        #expect(fresh.stdout.contains("#SBATCH --array=0-2"))
        #expect(FileManager.default.fileExists(atPath: run + "/.shards/1-of-2"))
    }
}
