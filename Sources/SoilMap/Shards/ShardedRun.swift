import Digest
import Foundation

/// `soilmap run --shard I/N` and `soilmap merge`: a pipeline run split into shards that can run anywhere that
/// sees the run directory (the nodes of a cluster), then merged into exactly the files one machine writes.
///
/// A shard runs every step in `RUN/.shards/I-of-N/`: steps on the tiled engine compute only the shard's rows of
/// tiles and store them (`ShardedTiles`), zonal statistics only the strips inside those rows (`ShardedZonal`);
/// a step that needs a whole map is left to the merge, and so are the steps after it. The merge runs the
/// pipeline in the run directory as a single run does, with the engine taking tiles and strips from the shards:
/// the global work (breaks from the data, quicklooks, COG overviews, writing and hashing, the manifest, report
/// and catalog) is done once there, on the assembled maps.
public enum ShardedRun {
    public static let folderName = ".shards"

    public static func shardsFolder(of runDirectory: String) -> String {
        (runDirectory as NSString).appendingPathComponent(folderName)
    }

    public static func folder(of spec: ShardSpec, runDirectory: String) -> String {
        (shardsFolder(of: runDirectory) as NSString).appendingPathComponent(spec.directoryName)
    }

    /// Runs shard `spec` of `pipeline`; returns its manifest (also written to its folder).
    @discardableResult
    public static func runShard(_ pipeline: Pipeline, spec: ShardSpec, threads: Int,
                                events: @escaping @Sendable (RunEvent) -> Void = { _ in }) throws -> ShardManifest {
        let started = Date()
        let runDirectory = pipeline.runDirectory
        let folder = folder(of: spec, runDirectory: runDirectory)
        let fileManager = FileManager.default
        try RunLock.makeDirectory(shardsFolder(of: runDirectory))
        // A shard run again starts clean; shards of another split of this run directory are superseded.
        for name in (try? fileManager.contentsOfDirectory(atPath: shardsFolder(of: runDirectory))) ?? [] {
            guard let other = parseFolderName(name), other.count != spec.count || other.index == spec.index else { continue }
            try fileManager.removeItem(atPath: (shardsFolder(of: runDirectory) as NSString).appendingPathComponent(name))
        }
        try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)

        // The shard's scratch maps and tables go under its folder; inputs stay where they are.
        let outputs = Set(pipeline.steps.flatMap(\.step.outputPaths).map(ShardSession.standard))
        let scratch = (folder as NSString).appendingPathComponent("scratch")
        let prefix = runDirectory.hasSuffix("/") ? runDirectory : runDirectory + "/"
        let place: @Sendable (String) -> String = { path in
            guard outputs.contains(ShardSession.standard(path)) else { return path }
            let relative = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : "absolute" + path
            return (scratch as NSString).appendingPathComponent(relative)
        }
        var shardPipeline = pipeline
        shardPipeline.runDirectory = folder
        shardPipeline.report = false
        shardPipeline.steps = pipeline.steps.map { entry in
            var entry = entry
            entry.step = entry.step.mappingPaths(place)
            return entry
        }
        for path in outputs.map(place) {
            try fileManager.createDirectory(atPath: OutputTransaction.folder(of: path), withIntermediateDirectories: true)
        }
        let sharedHashes = hashCachePath(of: runDirectory)
        hashInputsOnce(pipeline, cache: sharedHashes, lock: (shardsFolder(of: runDirectory) as NSString).appendingPathComponent("inputs.lock"))
        // Which bands of each scratch map the later steps read: a zonal step on one band of a ten-band trend map
        // needs that band only, and writing the others was the largest cost a shard had that a single run has not.
        var bandsRead: [String: Set<Int>?] = [:]
        for (position, entry) in shardPipeline.orderedSteps.enumerated() {
            for output in entry.step.outputPaths {
                var union: Set<Int>? = []
                for later in shardPipeline.orderedSteps.dropFirst(position + 1) {
                    guard let current = union else { break }
                    union = later.step.bandsRead(from: output).map { current.union($0) }
                }
                bandsRead.updateValue(union, forKey: output)
            }
        }
        let session = ShardSession(computing: spec, directory: folder, scratchBandsRead: bandsRead)
        let runner = PipelineRunner(pipeline: shardPipeline, threads: threads, force: true, events: events)
        runner.shards = session
        runner.hashCachePath = sharedHashes
        let scratchManifest = try runner.run()
        try? fileManager.removeItem(atPath: scratch)

        let formatter = ISO8601DateFormatter()
        let usage = ProcessUsage.current()
        let deferred = pipeline.orderedSteps.map(\.name).filter { name in !scratchManifest.steps.contains { $0.name == name } }
        let manifest = ShardManifest(
            soilmap: SoilMapVersion.string, shard: spec, pipeline: ShardSession.standard(absolute(pipeline.file)),
            pipelineSHA256: (try? SHA256.file(atPath: pipeline.file).sha256) ?? "", variables: pipeline.variables,
            runDirectory: runDirectory, workingDirectory: fileManager.currentDirectoryPath, fingerprint: try fingerprint(of: pipeline),
            inputs: scratchManifest.inputs.sorted { $0.path < $1.path }, parts: session.parts, deferred: deferred,
            startedAt: formatter.string(from: started), finishedAt: formatter.string(from: Date()),
            seconds: (Date().timeIntervalSince(started) * 1000).rounded() / 1000, cpuSeconds: usage.cpuSeconds, maxResidentMB: usage.maxResidentMB)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(manifest)
        let transaction = OutputTransaction(overwrite: true)
        try transaction.write((folder as NSString).appendingPathComponent(ShardManifest.fileName)) { temporary in
            try data.write(to: URL(fileURLWithPath: temporary))
        }
        try transaction.commit()
        return manifest
    }

    /// The run directory's hash cache, which a single run, every shard and the merge use.
    static func hashCachePath(of runDirectory: String) -> String {
        (runDirectory as NSString).appendingPathComponent(".soilmap/hashes.json")
    }

    /// Hashes the pipeline's inputs into the shared cache `cache` once for all the shards of a split: the first
    /// shard to take `lock` hashes them, the shards after it find them remembered (by device, inode, size and time
    /// stamp, as a nightly single run does) and read only the cache. Every shard still records the inputs' hashes
    /// in its manifest, and the merge checks that they agree and still match the files. Without a lock (a file
    /// system that refuses `flock`) each shard hashes for itself: slower, as safe. Errors are left to the run,
    /// which names the file.
    static func hashInputsOnce(_ pipeline: Pipeline, cache: String, lock: String) {
        let outputs = Set(pipeline.steps.flatMap(\.step.outputPaths))
        let inputs = Array(Set(pipeline.steps.flatMap(\.step.inputPaths)).subtracting(outputs)).sorted()
        guard !inputs.isEmpty, (try? RunLock.makeDirectory(OutputTransaction.folder(of: cache))) != nil else { return }
        let descriptor = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        let locked = descriptor >= 0 && flock(descriptor, LOCK_EX) == 0
        defer { if descriptor >= 0 { close(descriptor) } }
        guard locked else { return }
        let hashes = HashCache(path: cache)
        DispatchQueue.concurrentPerform(iterations: inputs.count) { index in _ = try? hashes.digest(of: inputs[index]) }
        hashes.save()
    }

    /// The state of each shard of an `count`-way split of `runDirectory`: nil when it finished and its parts match
    /// its manifest, else why not ("missing", "unfinished", "part X does not match").
    public static func problems(runDirectory: String, count: Int) -> [Int: String] {
        var problems: [Int: String] = [:]
        let results = ResultSlots<String?>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            results.set(index, .success(problem(ofShard: index, count: count, runDirectory: runDirectory)))
        }
        for (index, problem) in ((try? results.values()) ?? []).enumerated() { if let problem { problems[index] = problem } }
        return problems
    }

    static func problem(ofShard index: Int, count: Int, runDirectory: String) -> String? {
        guard let spec = try? ShardSpec(index: index, count: count) else { return "not a shard" }
        let folder = folder(of: spec, runDirectory: runDirectory)
        guard FileManager.default.fileExists(atPath: folder) else { return "missing (\(folder) does not exist)" }
        let path = (folder as NSString).appendingPathComponent(ShardManifest.fileName)
        guard let data = FileManager.default.contents(atPath: path) else { return "unfinished (no \(ShardManifest.fileName): it failed or is still running)" }
        guard let manifest = try? JSONDecoder().decode(ShardManifest.self, from: data) else { return "\(path): not a shard manifest" }
        guard manifest.shard == spec else { return "\(path): says it is shard \(manifest.shard)" }
        guard manifest.formatVersion == ShardManifest.currentFormatVersion else {
            return "\(path): written by soilmap \(manifest.soilmap) in shard format \(manifest.formatVersion); this soilmap reads format \(ShardManifest.currentFormatVersion)"
        }
        for part in manifest.parts {
            let partPath = (folder as NSString).appendingPathComponent(part.file)
            let digest: (xxh128: String, size: Int64)
            do { digest = try XXH128.file(atPath: partPath) } catch {
                return FileManager.default.fileExists(atPath: partPath) ? error.description : "\(partPath): missing"
            }
            guard digest.size == part.size, digest.xxh128 == part.xxh128 else { return "\(partPath): does not match its manifest (size or XXH3-128 checksum)" }
        }
        return nil
    }

    /// The shard counts present under `RUN/.shards`.
    static func splits(of runDirectory: String) -> Set<Int> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: shardsFolder(of: runDirectory))) ?? []
        return Set(names.compactMap { parseFolderName($0)?.count })
    }

    static func parseFolderName(_ name: String) -> ShardSpec? {
        let parts = name.components(separatedBy: "-of-")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { return nil }
        return try? ShardSpec(index: index, count: count)
    }

    /// Merges the shards of `runDirectory` into its outputs, manifest, report and catalog; refuses, naming each,
    /// when a shard is missing, unfinished, damaged, or of another pipeline or other inputs.
    @discardableResult
    public static func merge(runDirectory given: String, threads: Int,
                             events: @escaping @Sendable (RunEvent) -> Void = { _ in }) throws -> RunManifest {
        let runDirectory = ShardSession.standard(absolute(given))
        let counts = splits(of: runDirectory)
        guard let count = counts.first else {
            throw SoilMapError.invalidInput(path: runDirectory, "no shards to merge (no \(folderName)/I-of-N folder: run soilmap run PIPELINE --shard I/N first)")
        }
        guard counts.count == 1 else {
            throw SoilMapError.invalidInput(path: shardsFolder(of: runDirectory), "holds shards of \(counts.sorted().map(String.init).joined(separator: " and ")) -way splits; keep one")
        }
        let problems = problems(runDirectory: runDirectory, count: count)
        guard problems.isEmpty else {
            let list = problems.keys.sorted().map { "shard \($0)/\(count): \(problems[$0]!)" }.joined(separator: "; ")
            throw SoilMapError.invalidInput(path: runDirectory, "cannot merge, \(problems.count) of \(count) shards are not complete: \(list). Run those again (soilmap run PIPELINE --shard I/\(count)), then merge")
        }
        var manifests: [ShardManifest] = []
        var folders: [String] = []
        for index in 0..<count {
            let folder = folder(of: try ShardSpec(index: index, count: count), runDirectory: runDirectory)
            let data = try Data(contentsOf: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(ShardManifest.fileName)))
            manifests.append(try JSONDecoder().decode(ShardManifest.self, from: data))
            folders.append(folder)
        }
        let first = manifests[0]
        for manifest in manifests.dropFirst() {
            guard manifest.fingerprint == first.fingerprint, manifest.pipeline == first.pipeline, manifest.soilmap == first.soilmap else {
                throw SoilMapError.invalidInput(path: runDirectory, "shard \(manifest.shard) ran another pipeline, other parameters or another soilmap than shard \(first.shard): run all shards again")
            }
            guard manifest.inputs == first.inputs else {
                let changed = Set(manifest.inputs).symmetricDifference(first.inputs).map(\.path).sorted()
                throw SoilMapError.invalidInput(path: runDirectory, "shard \(manifest.shard) read other inputs than shard \(first.shard) (\(changed.joined(separator: ", "))): run all shards again")
            }
        }
        // The pipeline as the shards loaded it: the same file, variables and working directory.
        let fileManager = FileManager.default
        let previousDirectory = fileManager.currentDirectoryPath
        guard fileManager.changeCurrentDirectoryPath(first.workingDirectory) else {
            throw SoilMapError.invalidInput(path: first.workingDirectory, "the shards' working directory is not reachable from here")
        }
        defer { _ = fileManager.changeCurrentDirectoryPath(previousDirectory) }
        let pipeline = try Pipeline.load(file: first.pipeline, overrides: first.variables, runDirectory: runDirectory)
        guard try fingerprint(of: pipeline) == first.fingerprint else {
            throw SoilMapError.invalidInput(path: first.pipeline, "changed since the shards ran (steps or parameters differ): run the shards again")
        }
        let hashes = HashCache(path: hashCachePath(of: runDirectory))
        for input in first.inputs {
            guard let now = try? hashes.digest(of: input.path), now.sha256 == input.sha256, now.size == input.size else {
                throw SoilMapError.invalidInput(path: input.path, "changed since the shards read it: run the shards again")
            }
        }
        hashes.save()

        let session = ShardSession(assembling: manifests, folders: folders, directory: shardsFolder(of: runDirectory))
        let runner = PipelineRunner(pipeline: pipeline, threads: threads, force: true, events: events)
        runner.shards = session
        let manifest = try runner.run()
        let unused = session.unusedParts
        guard unused.isEmpty else {
            throw SoilMapError.invalidInput(path: runDirectory, "the merge did not use the shards' parts \(unused.joined(separator: ", ")): the pipeline and the shards disagree")
        }
        return manifest
    }

    /// SHA-256 over every step's name, kind and resolved parameters (paths relative to the run directory).
    static func fingerprint(of pipeline: Pipeline) throws -> String {
        let prefix = pipeline.runDirectory.hasSuffix("/") ? pipeline.runDirectory : pipeline.runDirectory + "/"
        struct Entry: Encodable {
            var name: String
            var kind: String
            var parameters: JSONValue
        }
        let entries = try pipeline.orderedSteps.map { entry in
            Entry(name: entry.name, kind: entry.step.kind, parameters: try entry.step.resolvedParameters { path in
                path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
            })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return SHA256.hex(Array(try encoder.encode(entries)))
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }
}
