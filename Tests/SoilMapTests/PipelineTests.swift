import Digest
import Foundation
import GDAL
import SoilMap
import Testing

/// `soilmap validate`, `run` and `verify` as a user runs them, on the samples.
@Suite(.serialized) struct PipelineTests {
    /// The demo pipeline with its sample paths made absolute, so it runs from any directory.
    static func demoPipeline(in directory: TemporaryDirectory, runDirectory: String? = nil) throws -> String {
        var text = try String(contentsOfFile: Repository.path("pipelines/demo.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "  samples: samples", with: "  samples: \(Repository.path("samples"))")
        text = text.replacingOccurrences(of: "  out: out/demo", with: "  out: \(runDirectory ?? directory.path("run"))")
        let path = directory.path("demo.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Relative path -> SHA-256 of the maps and tables in a run directory (not the manifest, log or hidden files).
    static func outputs(_ runDirectory: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: runDirectory) where !name.hasPrefix(".") {
            guard !["manifest.json", "run.log", "report.html", "catalog.json"].contains(name), !name.hasSuffix(".json") else { continue }
            result[name] = try SHA256.file(atPath: (runDirectory as NSString).appendingPathComponent(name)).sha256
        }
        return result
    }

    static func manifest(_ runDirectory: String) throws -> RunManifest {
        try JSONDecoder().decode(RunManifest.self, from: Data(contentsOf: URL(fileURLWithPath: runDirectory + "/manifest.json")))
    }

    // MARK: - Validation

    /// A pipeline with one fault, each placed at its line and column.
    @Test(arguments: [
        ("steps:\n  a:\n    kind: index\n    indices: [NDVI]\n    stack: L\n    bands: {red: 3, nir: 4}\n    outptu: x.tif\n",
         "7:5: step 'a' (index): unknown key 'outptu' (did you mean 'output'?)"),
        ("steps:\n  a:\n    kind: indx\n", "3:11: step 'a': unknown kind 'indx' (did you mean 'index'?)"),
        ("steps:\n  a:\n    kind: classify\n    input: L\n    band: one\n    scheme: ndvi-cover\n    output: c.tif\n",
         "5:11: step 'a': band: expected a whole number"),
        ("steps:\n  a:\n    kind: index\n    indices: [NDVX]\n    stack: L\n    bands: {red: 3, nir: 4}\n    output: x.tif\n",
         "2:3: step 'a': unknown index 'NDVX'"),
        ("steps:\n  a:\n    kind: classify\n    input: L\n    scheme: ndvi-covr\n    output: c.tif\n", "2:3: step 'a': unknown scheme 'ndvi-covr'"),
        ("steps:\n  a:\n    kind: classify\n    input: /nowhere/x.tif\n    scheme: ndvi-cover\n    output: c.tif\n",
         "2:3: step 'a': /nowhere/x.tif: no such file"),
        ("steps:\n  a:\n    kind: zonal\n    raster: L\n    zones: Z\n    id_field: CODE\n    output: s.csv\n", "2:3: step 'a': Z: layer 'olinda1' has no field 'CODE' (fields: ID, CD_GEOCODI, TIPO, CD_GEOCODB, NM_BAIR, V014)"),
        ("steps:\n  a:\n    kind: classify\n    input: $b\n    scheme: ndvi-cover\n    output: a.tif\n  b:\n    kind: classify\n    input: $a\n    scheme: ndvi-cover\n    output: b.tif\n",
         "2:3: steps form a cycle: a -> b -> a"),
        ("steps:\n  a:\n    kind: classify\n    input: L\n    scheme: ndvi-cover\n    output: c.tif\n  b:\n    kind: classify\n    input: L\n    breaks: [1]\n    output: c.tif\n",
         "7:3: steps 'a' and 'b' both write"),
        ("steps:\n  a:\n    kind: classify\n    input: $nothing\n    scheme: ndvi-cover\n    output: c.tif\n", "4:12: $nothing: no input or step named 'nothing'"),
        ("variables: {x: 1}\nsteps:\n  a:\n    kind: classify\n    input: ${y}\n    scheme: ndvi-cover\n    output: c.tif\n",
         "5:12: ${y}: no such variable"),
        ("steps:\n  a:\n    kind: classify\n    input: L\n    scheme: ndvi-cover\n   output: c.tif\n", "6:4: not valid YAML: did not find expected key"),
        ("steps:\n  a:\n    kind: zonal\n    raster: L\n    zones: FAR\n    id_field: ID\n    output: s.csv\n", "2:3: step 'a': FAR: does not overlap the raster \(Repository.landsat): no zone can get a value"),
        ("steps:\n  a:\n    kind: index\n    indices: [NDVI]\n    stack: L\n    bands: {red: 3, nir: 9}\n    output: x.tif\n",
         "2:3: step 'a': L: band 9 does not exist (the raster has 6 bands)"),
    ])
    func eachProblemIsPlaced(yaml: String, expected: String) throws {
        let directory = TemporaryDirectory()
        // Zones moved 10 degrees east: the same layer, nowhere near the raster.
        let far = directory.path("far.gpkg")
        #expect(try run("/usr/bin/ogr2ogr", ["-f", "GPKG", far, Repository.path("samples/olinda/olinda1.shp"), "-dialect", "SQLite", "-sql",
                                              "SELECT ID, ShiftCoords(geometry, 10, 0) AS geometry FROM olinda1"]).status == 0)
        let text = "soilmap: 1\nrun_dir: \(directory.path("run"))\n" + yaml
            .replacingOccurrences(of: ": L\n", with: ": \(Repository.landsat)\n")
            .replacingOccurrences(of: ": Z\n", with: ": \(Repository.path("samples/olinda/olinda1.shp"))\n")
            .replacingOccurrences(of: ": FAR\n", with: ": \(far)\n")
        let file = directory.path("p.yaml")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runSoilmap(["validate", file])
        #expect(result.status == 3, "\(result.stderr)")
        // Two header lines were added above the fault's YAML.
        let parts = expected.split(separator: ":", maxSplits: 1)
        let shifted = "\(Int(parts[0])! + 2):" + parts[1].replacingOccurrences(of: "FAR", with: far)
            .replacingOccurrences(of: " Z: ", with: " \(Repository.path("samples/olinda/olinda1.shp")): ")
            .replacingOccurrences(of: " L: ", with: " \(Repository.landsat): ")
        #expect(result.stderr.contains("soilmap: \(file):\(shifted)"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("soilmap: \(file)") })
        #expect(!FileManager.default.fileExists(atPath: directory.path("run")))
        // run refuses the same way, before writing anything.
        let refused = try runSoilmap(["run", file, "-q"])
        #expect(refused.status == 3 && refused.stderr == result.stderr)
        #expect(!FileManager.default.fileExists(atPath: directory.path("run")))
    }

    @Test func aTruncatedOrCorruptInputIsFoundByValidate() throws {
        let directory = TemporaryDirectory()
        let truncated = directory.path("truncated.tif"), corrupt = directory.path("corrupt.tif")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Repository.landsat))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        var damaged = bytes
        damaged.replaceSubrange(0..<8, with: [UInt8](repeating: 0x41, count: 8))
        try damaged.write(to: URL(fileURLWithPath: corrupt))
        for input in [corrupt] where input != truncated {
            let file = directory.path("p.yaml")
            try "soilmap: 1\nrun_dir: \(directory.path("run"))\nsteps:\n  a:\n    kind: index\n    indices: [NDVI]\n    stack: \(input)\n    bands: {red: 3, nir: 4}\n    output: x.tif\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            let result = try runSoilmap(["validate", file])
            #expect(result.status == 3, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("soilmap: \(file):4:3: step 'a': \(input): "), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func aSetForAnUnknownVariableIsAProblem() throws {
        let directory = TemporaryDirectory()
        let file = try Self.demoPipeline(in: directory)
        let result = try runSoilmap(["validate", file, "--set", "lables=en"])
        #expect(result.status == 3)
        #expect(result.stderr.hasPrefix("soilmap: \(file): --set lables: the pipeline has no variable 'lables' (did you mean 'labels'?)"))
    }

    // MARK: - Runs

    /// The demo twice: the second run recomputes nothing; verify passes; one changed input byte makes verify fail
    /// naming the input, and the next run recomputes exactly the steps downstream of it.
    @Test func incrementalRunsAndVerify() throws {
        let directory = TemporaryDirectory()
        let scheme = directory.path("ndvi-cover.yaml")
        try FileManager.default.copyItem(atPath: Repository.path("samples/schemes/ndvi-cover.yaml"), toPath: scheme)
        var text = try String(contentsOfFile: try Self.demoPipeline(in: directory), encoding: .utf8)
        text = text.replacingOccurrences(of: "ndvi_scheme: ${samples}/schemes/ndvi-cover.yaml", with: "ndvi_scheme: \(scheme)")
        let file = directory.path("demo.yaml")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let runDirectory = directory.path("run")

        let first = try runSoilmap(["run", file, "--log-format", "json"])
        #expect(first.status == 0, "\(first.stderr)")
        let firstEvents = first.stdout.split(separator: "\n").map { String($0) }
        #expect(firstEvents.filter { $0.contains("\"event\":\"step_finished\"") && $0.contains("\"status\":\"computed\"") }.count == 4)
        let outputs = try Self.outputs(runDirectory)
        #expect(Set(outputs.keys) == ["olinda_indices.tif", "olinda_ndvi_classes.tif", "olinda_ndvi_classes.tif.aux.xml", "olinda_ndvi_classes.png",
                                      "olinda_ndvi_classes.qml", "olinda_ndvi_by_tract.csv", "olinda_classes_by_tract.gpkg"])
        // The manifest agrees with the files on disk, and with an independent hash of the inputs.
        let manifest = try Self.manifest(runDirectory)
        #expect(manifest.status == "succeeded" && manifest.steps.map(\.name) == ["indices", "ndvi_classes", "ndvi_by_tract", "classes_by_tract"])
        for step in manifest.steps { for output in step.outputs { #expect(outputs[output.path] == output.sha256, "\(output.path)") } }
        let sha256sum = try run("/usr/bin/sha256sum", [Repository.landsat]).stdout.prefix(64)
        #expect(manifest.inputs.first { $0.path == Repository.landsat }?.sha256 == String(sha256sum))
        #expect(manifest.steps[0].parameters["scale"] == .number(0.01))
        #expect(manifest.steps[1].parameters["input"] == .string("olinda_indices.tif"))

        let reportPath = runDirectory + "/report.html"
        let reportDate = try FileManager.default.attributesOfItem(atPath: reportPath)[.modificationDate] as? Date
        #expect(reportDate != nil && FileManager.default.fileExists(atPath: runDirectory + "/catalog.json"))
        let second = try runSoilmap(["run", file, "--log-format", "json"])
        // Nothing was computed: the report and catalog, which describe the same outputs, are left as they were.
        #expect(try FileManager.default.attributesOfItem(atPath: reportPath)[.modificationDate] as? Date == reportDate)
        #expect(second.status == 0)
        #expect(second.stdout.split(separator: "\n").filter { $0.contains("\"status\":\"reused\"") }.count == 4)
        #expect(second.stdout.contains("\"computed\":0"))
        #expect(try Self.outputs(runDirectory) == outputs)

        let verified = try runSoilmap(["verify", runDirectory])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.split(separator: "\n").count == 7 && verified.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("identical") })

        // One byte of the scheme changes (a class colour, #1A9641 -> #1A9640): verify names the input; run recomputes
        // the classes and the table made from them (its class lookup has the colour), and reuses the indices and
        // the NDVI table.
        var schemeBytes = try Data(contentsOf: URL(fileURLWithPath: scheme))
        let offset = schemeBytes.range(of: Data("#1A9641".utf8))!.upperBound - 1
        schemeBytes[offset] = UInt8(ascii: "0")
        try schemeBytes.write(to: URL(fileURLWithPath: scheme))
        let changed = try runSoilmap(["verify", runDirectory])
        #expect(changed.status == 1)
        #expect(changed.stderr.hasPrefix("soilmap: \(scheme): input changed since the run"), "\(changed.stderr)")
        let third = try runSoilmap(["run", file, "--log-format", "json"])
        #expect(third.status == 0)
        let statuses = Dictionary(uniqueKeysWithValues: try Self.manifest(runDirectory).steps.map { ($0.name, $0.status) })
        #expect(statuses == ["indices": "reused", "ndvi_classes": "computed", "ndvi_by_tract": "reused", "classes_by_tract": "computed"])
        #expect(try runSoilmap(["verify", runDirectory]).status == 0)
    }

    /// Outputs byte-identical between --threads 1 and 2, and between `soilmap run` and the same commands run one by one.
    @Test func runEqualsCommandsAndThreadCounts() throws {
        let directory = TemporaryDirectory()
        let one = directory.path("one"), two = directory.path("two"), manual = directory.path("manual")
        let file = try Self.demoPipeline(in: directory)
        #expect(try runSoilmap(["run", file, "--threads", "1", "--run-dir", one, "-q"]).status == 0)
        #expect(try runSoilmap(["run", file, "--threads", "2", "--run-dir", two, "-q"]).status == 0)
        let reference = try Self.outputs(one)
        #expect(try Self.outputs(two) == reference)
        // The same steps as commands, with the same paths the pipeline gives them.
        try FileManager.default.createDirectory(atPath: manual, withIntermediateDirectories: true)
        let samples = Repository.path("samples")
        let tracts = ["--zones", "\(samples)/olinda/olinda1.shp", "--id-field", "CD_GEOCODI", "--name-field", "NM_BAIR",
                      "--group-field", "CD_GEOCODB", "--group-name-field", "NM_BAIR", "-q"]
        // The run's paths appear inside the class map (its source raster): use the same directory name.
        try FileManager.default.moveItem(atPath: one, toPath: directory.path("kept"))
        let commands: [[String]] = [
            ["index", "NDVI,NDMI,BSI,NDSI,SI3", "-i", "\(samples)/olinda/L7_ETMs.tif", "--band", "blue=1", "--band", "green=2", "--band", "red=3",
             "--band", "nir=4", "--band", "swir1=5", "--scale", "0.01", "-o", "\(one)/olinda_indices.tif", "-q"],
            ["classify", "\(one)/olinda_indices.tif", "--band", "1", "--scheme", "\(samples)/schemes/ndvi-cover.yaml", "--labels", "vi",
             "-o", "\(one)/olinda_ndvi_classes.tif", "--quicklook", "\(one)/olinda_ndvi_classes.png", "--title", "Olinda — NDVI (Landsat 7)", "-q"],
            ["zonal", "\(one)/olinda_indices.tif", "--band", "1"] + tracts + ["--mode", "coverage", "--stats", "count,mean,min,max,std",
             "-o", "\(one)/olinda_ndvi_by_tract.csv"],
            ["zonal", "\(one)/olinda_ndvi_classes.tif"] + tracts + ["--target", ">=3:50%", "-o", "\(one)/olinda_classes_by_tract.gpkg"],
        ]
        try FileManager.default.createDirectory(atPath: one, withIntermediateDirectories: true)
        for command in commands {
            let result = try runSoilmap(command)
            #expect(result.status == 0, "\(command[0]): \(result.stderr)")
        }
        #expect(try Self.outputs(one) == reference)
    }

    /// The demo killed with SIGKILL at 20 moments: after each, every visible output is whole (its bytes are those
    /// of an uninterrupted run), and a re-run completes with byte-identical outputs.
    @Test func killedRunsLeaveWholeFilesAndComplete() throws {
        let directory = TemporaryDirectory()
        let referenceDirectory = directory.path("reference"), runDirectory = directory.path("run")
        let file = try Self.demoPipeline(in: directory, runDirectory: runDirectory)
        #expect(try runSoilmap(["run", file, "--run-dir", referenceDirectory, "-q"]).status == 0)
        // Outputs depend on the run directory's path only through the class map's source: compare by content
        // after renaming the reference run into place.
        try FileManager.default.moveItem(atPath: referenceDirectory, toPath: runDirectory)
        let reference = try Self.outputs(runDirectory)
        try FileManager.default.removeItem(atPath: runDirectory)
        let binary = try soilmapExecutable()
        for moment in 0..<20 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["run", file, "--force", "-q"]
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: 0.02 + Double(moment) * 0.03)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if FileManager.default.fileExists(atPath: runDirectory) {
                for (name, digest) in try Self.outputs(runDirectory) {
                    #expect(reference[name] == digest, "moment \(moment): \(name) is not whole")
                }
            }
            let rerun = try runSoilmap(["run", file, "-q"])
            #expect(rerun.status == 0, "moment \(moment): \(rerun.stderr)")
            #expect(try Self.outputs(runDirectory) == reference, "moment \(moment)")
            let hidden = try FileManager.default.contentsOfDirectory(atPath: runDirectory).filter { $0.hasPrefix(".soilmap-") }
            #expect(hidden.isEmpty, "moment \(moment): \(hidden)")
            if moment % 2 == 0 { try FileManager.default.removeItem(atPath: runDirectory) }
        }
    }

    /// The nightly pipeline as cron runs it: the date and folders set on the command line, a run directory per
    /// date, and a second run of the same night reusing everything.
    @Test func theNightlyPipelineRunsPerDate() throws {
        let directory = TemporaryDirectory()
        let scenes = directory.path("scenes"), runs = directory.path("runs")
        try FileManager.default.createDirectory(atPath: scenes, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Repository.landsat, toPath: scenes + "/2026-12-01.tif")
        var text = try String(contentsOfFile: Repository.path("pipelines/nightly.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "samples/", with: Repository.path("samples") + "/")
        let file = directory.path("nightly.yaml")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let arguments = ["run", file, "--set", "date=2026-12-01", "--set", "scenes=\(scenes)", "--set", "runs=\(runs)", "--log-format", "json"]
        let first = try runSoilmap(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let night = runs + "/2026-12-01"
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: night)).isSuperset(of: [
            "indices_2026-12-01.tif", "ndvi_classes_2026-12-01.tif", "ndvi_classes_2026-12-01.png", "ndvi_by_commune_2026-12-01.csv",
            "cover_by_commune_2026-12-01.gpkg", "manifest.json", "run.log"]))
        #expect(try Self.manifest(night).variables["date"] == "2026-12-01")
        let again = try runSoilmap(arguments)
        #expect(again.stdout.contains("\"computed\":0,") && again.stdout.contains("\"reused\":4"), "\(again.stdout)")
        // Another night without its scene: one line naming the missing file, at the input's line.
        let missing = try runSoilmap(["run", file, "--set", "date=2026-12-02", "--set", "scenes=\(scenes)", "--set", "runs=\(runs)"])
        #expect(missing.status == 3)
        #expect(missing.stderr.hasSuffix("input 'scene': \(scenes)/2026-12-02.tif: no such file\n") && missing.stderr.split(separator: "\n").count == 1,
                "\(missing.stderr)")
    }

    /// A run directory on a read-only file system is a validation problem; on a full one, the step that hits it
    /// fails with "no space left on device", naming the output, and no partial file is left.
    @Test func unwritableAndFullRunDirectories() throws {
        guard getuid() == 0 else { return }
        let directory = TemporaryDirectory()
        let readOnly = directory.path("ro"), full = directory.path("full")
        for folder in [readOnly, full] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false) }
        guard try run("/bin/mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", readOnly]).status == 0,
              try run("/bin/mount", ["-t", "tmpfs", "-o", "size=600k", "tmpfs", full]).status == 0 else { return }
        defer { _ = try? run("/bin/umount", [readOnly]); _ = try? run("/bin/umount", [full]) }
        let file = try Self.demoPipeline(in: directory)
        let refused = try runSoilmap(["run", file, "--set", "out=\(readOnly)/run"])
        #expect(refused.status == 3)
        #expect(refused.stderr == "soilmap: \(file):9:10: run directory \(readOnly)/run: \(readOnly) is not writable (Read-only file system)\n")
        let command = try runSoilmap(["index", "NDVI", "-i", Repository.landsat, "--band", "red=3", "--band", "nir=4", "-o", readOnly + "/x.tif"])
        #expect(command.status == 1 && command.stderr == "soilmap: \(readOnly)/x.tif: the folder \(readOnly) is not writable (Read-only file system)\n")
        let failed = try runSoilmap(["run", file, "--set", "out=\(full)/run", "-q"])
        #expect(failed.status == 1)
        #expect(failed.stderr.hasSuffix("\(full)/run/olinda_indices.tif: no space left on device\n"), "\(failed.stderr)")
        // The failed run's manifest, log and report (which says it failed); no map, no partial file.
        let kept = try FileManager.default.contentsOfDirectory(atPath: full + "/run").filter { !$0.hasPrefix(".") }
        #expect(kept.allSatisfy { ["manifest.json", "run.log", "report.html", "catalog.json"].contains($0) } && kept.contains("manifest.json"), "\(kept)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: full + "/run").filter { $0.hasPrefix(".soilmap-") }.isEmpty)
    }

    @Test func aSecondRunInTheSameDirectoryIsRefusedWhileTheFirstHoldsIt() throws {
        let directory = TemporaryDirectory()
        let runDirectory = directory.path("run")
        let file = try Self.demoPipeline(in: directory, runDirectory: runDirectory)
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        let holder = try RunLock(directory: runDirectory)
        let refused = try runSoilmap(["run", file, "-q"])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("soilmap: \(runDirectory): is in use by another soilmap run (pid \(getpid()) on "), "\(refused.stderr)")
        holder.release()
        // A lock file left by a process that died holds nothing: the next run proceeds.
        try "pid 999999 on elsewhere, started 2020-01-01T00:00:00Z\n".write(toFile: holder.path, atomically: true, encoding: .utf8)
        let takenOver = try runSoilmap(["run", file, "-q"])
        #expect(takenOver.status == 0)
        #expect(takenOver.stderr.contains("a run that is gone held this directory (pid 999999 on elsewhere, started 2020-01-01T00:00:00Z); taken over"))
        // A run that ended normally leaves no holder behind.
        #expect(!(try runSoilmap(["run", file, "-q"]).stderr.contains("taken over")))
    }

    /// SIGTERM and SIGINT in the middle of a run: exit 128 + signal, one line, no temporary file; the next run
    /// completes, reusing what the stopped one finished.
    @Test func aStoppedRunSaysSoAndTheNextCompletes() throws {
        let directory = TemporaryDirectory()
        let runDirectory = directory.path("run")
        let big = directory.path("big.tif")
        #expect(try run("/usr/bin/gdal_translate", ["-q", "-outsize", "500%", "500%", "-co", "TILED=YES", Repository.landsat, big]).status == 0)
        let file = directory.path("p.yaml")
        try """
        soilmap: 1
        run_dir: \(runDirectory)
        steps:
          small: {kind: index, indices: [NDVI], stack: \(Repository.landsat), bands: {red: 3, nir: 4}, output: small.tif}
          large: {kind: index, indices: [NDVI, SAVI, EVI], stack: \(big), bands: {blue: 1, red: 3, nir: 4}, scale: 0.01, output: large.tif}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let binary = try soilmapExecutable()
        for signal in [SIGTERM, SIGINT] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["run", file, "--threads", "1", "--force", "--log-format", "text"]
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            // Wait until the large step has started.
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, !((try? String(contentsOfFile: runDirectory + "/run.log", encoding: .utf8)) ?? "").contains("large: started") {
                Thread.sleep(forTimeInterval: 0.02)
            }
            Thread.sleep(forTimeInterval: 0.2)
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 128 + signal, "\(text)")
            // How many temporary files there were depends on how far the step got; none is left either way.
            #expect(text.contains("soilmap: stopped by \(signal == SIGTERM ? "SIGTERM" : "SIGINT"); "), "\(text)")
            let left = try FileManager.default.contentsOfDirectory(atPath: runDirectory)
            #expect(!left.contains("large.tif") && left.filter { $0.hasPrefix(".soilmap-") }.isEmpty, "\(left)")
            #expect(try Self.manifest(runDirectory).steps.map(\.name) == ["small"])
        }
        let next = try runSoilmap(["run", file, "--log-format", "text"])
        #expect(next.status == 0 && next.stderr.contains("small: reused") && next.stderr.contains("large: computed"), "\(next.stderr)")
    }

    /// A step that fails only when it runs (quantile breaks of a map with no valid pixel): exit 1, one line naming the
    /// step, the steps before it kept and recorded, nothing of the failed step left; the next run reuses them.
    @Test func aFailedStepStopsTheRunAndKeepsWhatCompleted() throws {
        let directory = TemporaryDirectory()
        let runDirectory = directory.path("run")
        let file = directory.path("p.yaml")
        try """
        soilmap: 1
        run_dir: \(runDirectory)
        steps:
          indices: {kind: index, expressions: ["NONE=(nir-nir)/(red-red)"], stack: \(Repository.landsat), bands: {red: 3, nir: 4}, scale: 0.01, output: ndvi.tif}
          bad: {kind: classify, input: $indices, method: quantile, classes: 4, output: bad.tif}
          by_tract: {kind: zonal, raster: $indices, zones: \(Repository.path("samples/olinda/olinda1.shp")), id_field: ID, output: t.csv}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try runSoilmap(["validate", file]).status == 0)
        let result = try runSoilmap(["run", file, "--threads", "1", "-q"])
        #expect(result.status == 1)
        #expect(result.stderr == "soilmap: step 'bad': \(runDirectory)/ndvi.tif: has 0 valid values, fewer than the 4 classes asked for\n", "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        let manifest = try Self.manifest(runDirectory)
        #expect(manifest.status == "failed" && manifest.error?.hasPrefix("step 'bad'") == true)
        #expect(manifest.steps.map(\.name) == ["indices"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: runDirectory)) ==
                [".soilmap", "manifest.json", "run.log", "ndvi.tif", "ndvi.stac.json", "catalog.json", "report.html"])
        let report = try String(contentsOfFile: runDirectory + "/report.html", encoding: .utf8)
        #expect(report.contains("FAILED") || report.contains("failed"))
        let again = try runSoilmap(["run", file, "--threads", "1", "--log-format", "text"])
        #expect(again.status == 1 && again.stderr.contains("indices: reused"))
    }
}
