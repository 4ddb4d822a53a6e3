import Digest
import Foundation
import GDAL

/// What a run reports as it goes: the command line draws a progress display or writes JSON lines from these.
public enum RunEvent: Sendable {
    case started(pipeline: String, runDirectory: String, steps: Int)
    case stepStarted(step: String, kind: String)
    case stepProgress(step: String, fraction: Double)
    /// status: "computed" or "reused".
    case stepFinished(step: String, status: String, seconds: Double)
    case stepFailed(step: String, message: String)
    case warning(step: String?, message: String)
    /// A dry run: what would happen to each step, and why.
    case planned(step: String, kind: String, action: String, reason: String)
    case finished(status: String, seconds: Double, computed: Int, reused: Int)
    /// The finished run published into the soil-health database (`publish:`), or the reason it was not.
    case published(database: String, message: String, failed: Bool)
}

/// A step failed: the run stopped after the steps running beside it finished; what completed is kept.
public struct StepFailure: Error, CustomStringConvertible {
    public var step: String
    public var underlying: Error
    public var description: String { "step '\(step)': \(underlying)" }
}

/// Runs a pipeline's steps in its run directory: independent steps side by side within the thread budget, each
/// step skipped when its inputs (by content) and parameters are those of the last run that computed it, every
/// output committed atomically, and the manifest rewritten after each step, so a run killed at any moment
/// leaves only whole files and the next run completes the work.
public final class PipelineRunner: @unchecked Sendable {
    public let pipeline: Pipeline
    public let threads: Int
    public let force: Bool
    private let events: @Sendable (RunEvent) -> Void
    private let lock = NSLock()
    /// A shard of a sharded run, or a merge (`ShardedRun`): steps run with their `StepShard`.
    public var shards: ShardSession?
    /// Where input hashes are remembered (default: the run directory's `.soilmap/hashes.json`); the shards of a
    /// split share the run directory's, so each input is hashed once for all of them.
    public var hashCachePath: String?

    public static let manifestName = "manifest.json"

    public init(pipeline: Pipeline, threads: Int, force: Bool = false, events: @escaping @Sendable (RunEvent) -> Void = { _ in }) {
        self.pipeline = pipeline
        self.threads = max(1, threads)
        self.force = force
        self.events = events
    }

    var runDirectory: String { pipeline.runDirectory }

    /// A path as the manifest records it: relative for files in the run directory.
    func recorded(_ path: String) -> String {
        let prefix = runDirectory.hasSuffix("/") ? runDirectory : runDirectory + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    // MARK: - Planning

    struct Plan {
        var entry: Pipeline.Entry
        var cacheKey: String
        var inputs: [FileRecord]
        var reusable: StepRecord?
    }

    /// The cache key and reuse decision of one step, given the hashes of what earlier steps wrote.
    func plan(_ entry: Pipeline.Entry, previous: [String: StepRecord], produced: [String: FileRecord], hashes: HashCache) throws -> Plan {
        // Inputs not yet known are hashed side by side (two bands of a new scene take the time of one).
        let paths = entry.step.inputPaths
        let results = ResultSlots<FileRecord>(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            if let record = produced[paths[index]] { results.set(index, .success(record)); return }
            results.set(index, Result { try hashes.digest(of: paths[index]) })
        }
        let inputs = try results.values()
        let parameters = try entry.step.resolvedParameters { [runDirectory] path in
            let prefix = runDirectory + "/"
            return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
        }
        struct KeyMaterial: Encodable {
            var kind: String
            var soilmap: String
            var parameters: JSONValue
            var inputs: [String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let material = KeyMaterial(kind: entry.step.kind, soilmap: SoilMapVersion.string, parameters: parameters,
                                   inputs: inputs.map { "\(recorded($0.path)) \($0.sha256)" })
        let key = SHA256.hex(Array(try encoder.encode(material)))
        var reusable: StepRecord?
        if !force, let last = previous[entry.name], last.cacheKey == key, !last.outputs.isEmpty {
            let intact = last.outputs.allSatisfy { output in
                let path = output.path.hasPrefix("/") ? output.path : (runDirectory as NSString).appendingPathComponent(output.path)
                return (try? hashes.digest(of: path)).map { $0.sha256 == output.sha256 && $0.size == output.size } ?? false
            }
            if intact { reusable = last }
        }
        return Plan(entry: entry, cacheKey: key, inputs: inputs, reusable: reusable)
    }

    /// What a run would do, without doing it.
    public func dryRun() throws {
        let hashes = HashCache(path: (runDirectory as NSString).appendingPathComponent(".soilmap/hashes.json"))
        let previous = Self.previousSteps(in: runDirectory)
        var produced: [String: FileRecord] = [:]
        for entry in pipeline.orderedSteps {
            let plan = try self.plan(entry, previous: previous, produced: produced, hashes: hashes)
            for output in plan.reusable?.outputs ?? [] {
                let path = output.path.hasPrefix("/") ? output.path : (runDirectory as NSString).appendingPathComponent(output.path)
                produced[path] = FileRecord(path: path, size: output.size, sha256: output.sha256)
            }
            let reason: String
            if let _ = plan.reusable { reason = "inputs and parameters unchanged" }
            else if force { reason = "--force" }
            else if previous[entry.name] == nil { reason = "not run before" }
            else if entry.dependencies.contains(where: { dependency in !produced.keys.contains { path in
                pipeline.steps.first { $0.name == dependency }?.step.outputPaths.contains(path) ?? false } }) {
                reason = "an earlier step will run"
            } else { reason = "inputs or parameters changed" }
            events(.planned(step: entry.name, kind: entry.step.kind, action: plan.reusable == nil ? "run" : "reuse", reason: reason))
        }
    }

    static func previousSteps(in runDirectory: String) -> [String: StepRecord] {
        let path = (runDirectory as NSString).appendingPathComponent(manifestName)
        guard let data = FileManager.default.contents(atPath: path), let manifest = try? JSONDecoder().decode(RunManifest.self, from: data) else {
            return [:]
        }
        return Dictionary(manifest.steps.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: - Running

    /// Runs the pipeline; returns the manifest written to the run directory.
    @discardableResult
    public func run() throws -> RunManifest {
        let started = Date()
        try RunLock.makeDirectory(runDirectory)
        let runLock = try RunLock(directory: runDirectory)
        defer { runLock.release() }
        let hashes = HashCache(path: hashCachePath ?? (runDirectory as NSString).appendingPathComponent(".soilmap/hashes.json"))
        defer { hashes.save() }
        let previous = Self.previousSteps(in: runDirectory)
        let log = RunLog(path: (runDirectory as NSString).appendingPathComponent("run.log"))
        let emit: @Sendable (RunEvent) -> Void = { [events] event in
            log.write(event)
            events(event)
        }
        emit(.started(pipeline: pipeline.file, runDirectory: runDirectory, steps: pipeline.steps.count))
        if let stale = runLock.staleHolder {
            emit(.warning(step: nil, message: "\(runLock.path): a run that is gone held this directory (\(stale)); taken over, its finished steps are reused"))
        }

        let order = pipeline.orderedSteps
        let state = RunState()
        let group = DispatchGroup()
        let pipelineDigest = (try? SHA256.file(atPath: pipeline.file).sha256) ?? ""

        // Called with the state locked.
        @Sendable func manifest(status: String, error: String? = nil) -> RunManifest {
            let formatter = ISO8601DateFormatter()
            return RunManifest(pipeline: pipeline.file, pipelineSHA256: pipelineDigest, variables: pipeline.variables,
                               startedAt: formatter.string(from: started), finishedAt: formatter.string(from: Date()),
                               software: Provenance.current, threads: threads,
                               inputs: order.flatMap { entry in entry.step.inputPaths.compactMap { state.inputRecords[$0] } }.uniqued(),
                               steps: order.compactMap { state.records[$0.name] }, status: status, error: error)
        }

        // Steps running side by side share one GDAL cache, set here for the run (a step running alone sizes its
        // own, as its command does, and puts this one back). The report reads maps through it too.
        let previousCache = GDALRuntime.cacheMaxBytes
        let ownsCache = ProcessInfo.processInfo.environment["GDAL_CACHEMAX"] == nil
        if ownsCache { GDALRuntime.cacheMaxBytes = 64 << 20 }
        defer { if ownsCache { GDALRuntime.cacheMaxBytes = previousCache } }

        // Launch steps whose dependencies are done, in declaration order, while threads are free.
        state.condition.lock()
        while state.done.count < order.count {
            if state.failure != nil && state.running.isEmpty { break }
            let ready = state.failure != nil ? [] : order.filter { entry in
                !state.done.contains(entry.name) && !state.running.contains(entry.name) && entry.dependencies.allSatisfy(state.done.contains)
            }
            guard let entry = ready.first, state.running.count < threads else {
                state.condition.wait()
                continue
            }
            // A shard leaves to the merge the steps after one it left there (they need its whole map).
            if shards?.spec != nil, entry.dependencies.contains(where: state.deferred.contains) {
                state.deferred.insert(entry.name)
                state.done.insert(entry.name)
                emit(.warning(step: entry.name, message: "left to the merge: it reads the output of a step left to the merge"))
                continue
            }
            // Threads for this step: an equal share among the steps that can run now, at least one.
            let share = max(1, threads / min(threads, ready.count + state.running.count))
            let stepPlan: Plan
            do {
                stepPlan = try plan(entry, previous: previous, produced: state.produced, hashes: hashes)
            } catch {
                state.failure = StepFailure(step: entry.name, underlying: error)
                emit(.stepFailed(step: entry.name, message: "\(error)"))
                continue
            }
            for input in stepPlan.inputs where state.produced[input.path] == nil { state.inputRecords[input.path] = input }
            if let reused = stepPlan.reusable {
                var record = reused
                record.status = "reused"
                record.seconds = 0
                state.records[entry.name] = record
                for output in reused.outputs {
                    let path = output.path.hasPrefix("/") ? output.path : (runDirectory as NSString).appendingPathComponent(output.path)
                    state.produced[path] = FileRecord(path: path, size: output.size, sha256: output.sha256)
                }
                state.done.insert(entry.name)
                emit(.stepFinished(step: entry.name, status: "reused", seconds: 0))
                continue
            }
            state.running.insert(entry.name)
            let alone = state.running.count == 1 && ready.count == 1
            emit(.stepStarted(step: entry.name, kind: entry.step.kind))
            group.enter()
            state.condition.unlock()
            let runDirectory = self.runDirectory
            Thread.detachNewThread { [self] in
                let stepStart = Date()
                let diagnostics = Diagnostics(onWarning: { emit(.warning(step: entry.name, message: $0)) })
                let progress: @Sendable (Double) -> Void = { emit(.stepProgress(step: entry.name, fraction: $0)) }
                // A shard's outputs are scratch, deleted when it ends: not hashed, not flushed to disk.
                let hashesOutputs = shards?.spec == nil
                var context = RunContext(threads: share, ownsGDALCache: alone, overwrite: true, hashesOutputs: hashesOutputs,
                                         progress: progress, diagnostics: diagnostics)
                let stepShard = shards?.step(entry.name)
                context.shard = stepShard
                let transaction = OutputTransaction(overwrite: true, inputs: entry.step.inputPaths, hashesOutputs: hashesOutputs)
                transaction.flushesToDisk = hashesOutputs
                var outcome: Result<[WrittenFile], Error>
                do {
                    try entry.step.run(in: context, transaction: transaction)
                    outcome = .success(try transaction.commit())
                } catch {
                    transaction.rollback()
                    outcome = .failure(error)
                }
                let seconds = Date().timeIntervalSince(stepStart)
                let parameters = (try? entry.step.resolvedParameters { [self] in recorded($0) }) ?? entry.step.parameters
                state.condition.lock()
                state.running.remove(entry.name)
                state.done.insert(entry.name)
                if case .failure(let error) = outcome, let deferral = error as? ShardDeferral, stepShard?.isComputing == true {
                    state.deferred.insert(entry.name)
                    emit(.warning(step: entry.name, message: deferral.description))
                    state.condition.broadcast()
                    state.condition.unlock()
                    group.leave()
                    return
                }
                switch outcome {
                case .success(let written):
                    if let stepShard, stepShard.isComputing { shards?.produced(written.map(\.path), rows: stepShard.producedRows) }
                    let outputs = written.map { FileRecord(path: $0.path, size: $0.size, sha256: $0.sha256 ?? "") }
                    for output in outputs {
                        state.produced[output.path] = output
                        if !output.sha256.isEmpty { hashes.remember(output) }
                    }
                    state.records[entry.name] = StepRecord(
                        name: entry.name, kind: entry.step.kind, parameters: parameters, inputs: entry.step.inputPaths.map { recorded($0) },
                        outputs: outputs.map { FileRecord(path: recorded($0.path), size: $0.size, sha256: $0.sha256) }, status: "computed",
                        cacheKey: stepPlan.cacheKey, seconds: (seconds * 1000).rounded() / 1000, warnings: diagnostics.warnings)
                    emit(.stepFinished(step: entry.name, status: "computed", seconds: seconds))
                    // The manifest after every step: a run killed now reuses this step next time.
                    try? Self.writeManifest(manifest(status: "running"), in: runDirectory)
                case .failure(let error):
                    if state.failure == nil { state.failure = StepFailure(step: entry.name, underlying: error) }
                    emit(.stepFailed(step: entry.name, message: "\(error)"))
                }
                state.condition.broadcast()
                state.condition.unlock()
                group.leave()
            }
            state.condition.lock()
        }
        state.condition.unlock()
        group.wait()

        let seconds = Date().timeIntervalSince(started)
        state.condition.lock()
        defer { state.condition.unlock() }
        let computed = state.records.values.filter { $0.status == "computed" }.count
        let reused = state.records.values.filter { $0.status == "reused" }.count
        if let failure = state.failure {
            let final = manifest(status: "failed", error: failure.description)
            try Self.writeManifest(final, in: runDirectory)
            writeProducts(of: final, emit: emit)
            emit(.finished(status: "failed", seconds: seconds, computed: computed, reused: reused))
            throw failure
        }
        let final = manifest(status: "succeeded")
        try Self.writeManifest(final, in: runDirectory)
        // A run that reused every step changes no output: the report and catalog already describe them (a
        // nightly run that finds nothing new stays a fraction of a second).
        let productsExist = ["report.html", StacCatalog.catalogPath].allSatisfy {
            FileManager.default.fileExists(atPath: (runDirectory as NSString).appendingPathComponent($0))
        }
        if computed > 0 || !productsExist { writeProducts(of: final, emit: emit) }
        emit(.finished(status: "succeeded", seconds: Date().timeIntervalSince(started), computed: computed, reused: reused))
        // Publishing reads the final manifest and files, so it comes last; its failure leaves them valid.
        if let publish = pipeline.publish, shards?.spec == nil {
            do {
                let summary = try RunPublisher.publish(runDirectory: runDirectory, to: publish.to, period: publish.period,
                                                       levels: publish.levels, targets: publish.targets)
                emit(.published(database: publish.to, message: summary.line, failed: false))
            } catch {
                let failure = PublishFailure(database: publish.to, underlying: error)
                emit(.published(database: publish.to, message: "\(error)", failed: true))
                throw failure
            }
        }
        return final
    }

    /// report.html and the STAC catalog of the run (one Item per map or table), written together after the
    /// manifest; a failure to write them is a warning: the outputs and the manifest are what the run owes.
    func writeProducts(of manifest: RunManifest, emit: @Sendable (RunEvent) -> Void) {
        guard pipeline.report else { return }
        do {
            var documents = try StacCatalog.documents(for: manifest, runDirectory: runDirectory)
            documents["report.html"] = try RunReport.html(for: manifest, runDirectory: runDirectory)
            let transaction = OutputTransaction(overwrite: true)
            for (path, data) in documents.sorted(by: { $0.key < $1.key }) {
                try transaction.write((runDirectory as NSString).appendingPathComponent(path)) { temporary in
                    try data.write(to: URL(fileURLWithPath: temporary))
                }
            }
            try transaction.commit()
        } catch {
            emit(.warning(step: nil, message: "report and catalog not written: \(error)"))
        }
    }

    static func writeManifest(_ manifest: RunManifest, in runDirectory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(manifest)
        let transaction = OutputTransaction(overwrite: true)
        try transaction.write((runDirectory as NSString).appendingPathComponent(manifestName)) { temporary in
            try data.write(to: URL(fileURLWithPath: temporary))
        }
        try transaction.commit()
    }
}

/// One result per index, filled from several threads.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Value, Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ result: Result<Value, Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }
    /// The values in index order; the first error, in index order, if any.
    func values() throws -> [Value] { try slots.map { try $0!.get() } }
}

/// What the launching loop and the step threads share, guarded by `condition`.
final class RunState: @unchecked Sendable {
    let condition = NSCondition()
    var records: [String: StepRecord] = [:]
    var produced: [String: FileRecord] = [:]
    var inputRecords: [String: FileRecord] = [:]
    var failure: StepFailure?
    var running = Set<String>()
    var done = Set<String>()
    /// Steps a shard left to the merge.
    var deferred = Set<String>()
}

/// The run's log: one line per event, with the time, appended to `run.log` in the run directory.
final class RunLog: @unchecked Sendable {
    private let handle: FileHandle?
    private let lock = NSLock()

    init(path: String) {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        handle = FileHandle(forWritingAtPath: path)
        _ = try? handle?.seekToEnd()
    }

    deinit { try? handle?.close() }

    func write(_ event: RunEvent) {
        guard let line = event.logLine else { return }
        let stamp = ISO8601DateFormatter().string(from: Date())
        lock.lock()
        defer { lock.unlock() }
        // A full disk for the log must not stop the run: write(2) errors are ignored.
        try? handle?.write(contentsOf: Data("\(stamp) \(line)\n".utf8))
    }
}

extension RunEvent {
    /// The event as a line of the run's log (progress ticks are left out).
    public var logLine: String? {
        switch self {
        case .started(let pipeline, let runDirectory, let steps): return "run \(pipeline) in \(runDirectory): \(steps) steps"
        case .stepStarted(let step, let kind): return "\(step): started (\(kind))"
        case .stepProgress: return nil
        case .stepFinished(let step, let status, let seconds): return "\(step): \(status) in \(String(format: "%.2f", seconds)) s"
        case .stepFailed(let step, let message): return "\(step): FAILED: \(message)"
        case .warning(let step, let message): return "\(step ?? "run"): warning: \(message)"
        case .planned(let step, let kind, let action, let reason): return "\(step) (\(kind)): would \(action): \(reason)"
        case .finished(let status, let seconds, let computed, let reused):
            return "run \(status) in \(String(format: "%.2f", seconds)) s: \(computed) computed, \(reused) reused"
        case .published(let database, let message, let failed):
            return "publish to \(database): \(failed ? "FAILED: " : "")\(message)"
        }
    }
}

extension Array where Element == FileRecord {
    func uniqued() -> [FileRecord] {
        var seen = Set<String>()
        return filter { seen.insert($0.path).inserted }
    }
}
