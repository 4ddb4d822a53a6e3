import ArgumentParser
import Foundation
import SoilMap

/// Options shared by the commands that read a pipeline file.
struct PipelineOptions: ParsableArguments {
    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(name: .customLong("set"), help: "Set a variable: KEY=VALUE (repeatable), e.g. --set date=2026-12-01.")
    var assignments: [String] = []

    @Option(name: .customLong("run-dir"), help: "The run directory (default: the pipeline's run_dir, else runs/NAME).")
    var runDirectory: String?

    func load() throws -> Pipeline {
        var overrides: [String: String] = [:]
        for assignment in assignments {
            let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--set \(assignment): expected KEY=VALUE") }
            overrides[parts[0]] = parts[1]
        }
        return try Pipeline.load(file: pipeline, overrides: overrides, runDirectory: runDirectory)
    }
}

/// Prints every problem of an invalid pipeline, one line each, and exits with the pipeline status.
func reportingPipelineProblems<R>(_ body: () throws -> R) throws -> R {
    do {
        return try body()
    } catch let problems as PipelineProblems {
        for problem in problems.problems { Console.error("soilmap: \(problem)") }
        throw ExitCode(SoilMapCommand.Status.invalidPipeline)
    }
}

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline without running it: keys, types, references, cycles, inputs (existence, damage, bands, fields).",
        discussion: "Every problem is printed as FILE:LINE:COLUMN: message; exit status 3 when there is any."
    )

    @OptionGroup var options: PipelineOptions

    func run() throws {
        try runReportingErrors {
            let pipeline = try reportingPipelineProblems { try options.load() }
            print("\(options.pipeline): valid: \(pipeline.steps.count) step\(pipeline.steps.count == 1 ? "" : "s") (\(pipeline.orderedSteps.map(\.name).joined(separator: " -> "))), run directory \(pipeline.runDirectory)")
        }
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline: steps whose inputs and parameters are unchanged are reused, outputs committed atomically.",
        discussion: """
        The run directory gets the outputs, manifest.json (inputs and outputs with SHA-256, resolved parameters, versions,
        timings), run.log, report.html and a STAC catalog. Exit status: 0 done, 1 a step failed, 3 the pipeline is invalid,
        130/143 stopped by SIGINT/SIGTERM.
        Examples:
          soilmap run pipelines/demo.yaml
          soilmap run pipelines/nightly.yaml --set date=2026-12-01 --set scenes=/data/scenes
        """
    )

    @OptionGroup var options: PipelineOptions

    @Flag(name: .customLong("dry-run"), help: "Say which steps would run and why, without running them.")
    var dryRun = false

    @Flag(help: "Recompute every step, even those whose inputs and parameters are unchanged.")
    var force = false

    @Option(help: "Worker threads for the whole run (default: the number of cores).")
    var threads: Int = EngineOptions.defaultThreads

    @Option(name: .customLong("log-format"), help: "text or json (one JSON object per event on stdout). Default: a progress display on a terminal, else text.")
    var logFormat: String?

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Only warnings and errors.")
    var quiet = false

    @Option(help: "Compute shard I of N (0...N-1) of the run into RUN/.shards/I-of-N, for `soilmap merge`; 'slurm': from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT.")
    var shard: String?

    func run() throws {
        try runReportingErrors {
            guard threads >= 1 else { throw SoilMapError.invalidArgument("--threads \(threads): must be at least 1") }
            if let shard {
                guard !dryRun else { throw SoilMapError.invalidArgument("--shard and --dry-run: choose one") }
                guard let spec = shard == "slurm" ? try ShardSpec.fromSlurm() : try ShardSpec(parsing: shard) else {
                    throw SoilMapError.invalidArgument("--shard slurm: SLURM_ARRAY_TASK_ID is not set (not a job array task)")
                }
                try runShard(spec)
                return
            }
            guard logFormat == nil || ["text", "json"].contains(logFormat!) else {
                throw SoilMapError.invalidArgument("--log-format \(logFormat!): use text or json")
            }
            let pipeline = try reportingPipelineProblems { try options.load() }
            let display = RunDisplay(format: logFormat, quiet: quiet, stepNames: pipeline.orderedSteps.map(\.name))
            let runner = PipelineRunner(pipeline: pipeline, threads: threads, force: force) { display.show($0) }
            if dryRun {
                try runner.dryRun()
                return
            }
            do {
                try runner.run()
            } catch let failure as StepFailure {
                Console.error("soilmap: \(failure)")
                throw ExitCode(SoilMapCommand.Status.failure)
            } catch let failure as PublishFailure {
                Console.error("soilmap: \(failure)")
                throw ExitCode(SoilMapCommand.Status.failure)
            }
        }
    }
}

extension RunCommand {
    /// One shard of the run; its steps' events are shown as a run's are.
    func runShard(_ spec: ShardSpec) throws {
        guard logFormat == nil || ["text", "json"].contains(logFormat!) else {
            throw SoilMapError.invalidArgument("--log-format \(logFormat!): use text or json")
        }
        let pipeline = try reportingPipelineProblems { try options.load() }
        let display = RunDisplay(format: logFormat, quiet: quiet, stepNames: pipeline.orderedSteps.map(\.name))
        do {
            let manifest = try ShardedRun.runShard(pipeline, spec: spec, threads: threads) { display.show($0) }
            if !quiet {
                Console.error("shard \(spec): \(manifest.parts.count) parts in \(ShardedRun.folder(of: spec, runDirectory: pipeline.runDirectory))"
                              + (manifest.deferred.isEmpty ? "" : "; left to the merge: \(manifest.deferred.joined(separator: ", "))"))
            }
        } catch let failure as StepFailure {
            Console.error("soilmap: shard \(spec): \(failure)")
            throw ExitCode(SoilMapCommand.Status.failure)
        }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute every output of a run from its manifest and say, per output, whether it is byte-identical.",
        discussion: "Fails, naming the input, when an input changed since the run; exit status 1 when any output differs."
    )

    @Argument(help: "A run directory (with manifest.json).")
    var runDirectory: String

    @Option(help: "Worker threads (default: the number of cores).")
    var threads: Int = EngineOptions.defaultThreads

    func run() throws {
        try runReportingErrors {
            let checks = try RunVerifier.verify(runDirectory: runDirectory, threads: max(1, threads))
            for check in checks {
                print("\(check.identical ? "identical" : "DIFFERENT")  \(check.step): \(check.path)" +
                      (check.identical ? "" : " (recorded \(check.recorded.prefix(12))…, recomputed \(check.recomputed.prefix(12))…)"))
            }
            let different = checks.filter { !$0.identical }.count
            guard different == 0 else {
                Console.error("soilmap: \(runDirectory): \(different) of \(checks.count) outputs differ from the run")
                throw ExitCode(SoilMapCommand.Status.failure)
            }
            Console.error("\(runDirectory): all \(checks.count) outputs recomputed byte-identical")
        }
    }
}

/// How a run shows itself: a live display on a terminal (per step and overall, elapsed time), plain lines
/// otherwise, or JSON lines on stdout.
final class RunDisplay: @unchecked Sendable {
    enum Mode { case live, text, json, quiet }
    let mode: Mode
    let stepNames: [String]
    private let lock = NSLock()
    private let started = Date()
    private var finished = 0
    private var lastDraw = Date.distantPast
    private var progress: [String: Double] = [:]

    init(format: String?, quiet: Bool, stepNames: [String]) {
        if quiet { mode = .quiet } else if format == "json" { mode = .json } else if format == "text" { mode = .text }
        else { mode = isatty(STDERR_FILENO) != 0 ? .live : .text }
        self.stepNames = stepNames
    }

    func show(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch mode {
        case .quiet:
            if case .warning(let step, let message) = event { Console.warning("\(step.map { "\($0): " } ?? "")\(message)") }
        case .json:
            Console.output(event.jsonLine)
        case .text:
            if let line = event.logLine { Console.error(line) }
        case .live:
            switch event {
            case .stepProgress(let step, let fraction):
                progress[step] = fraction
                guard Date().timeIntervalSince(lastDraw) > 0.1 else { return }
                lastDraw = Date()
                let running = progress.sorted { $0.key < $1.key }.map { "\($0.key) \(Int($0.value * 100))%" }.joined(separator: ", ")
                Console.errorFragment("\r\u{1B}[K[\(finished)/\(stepNames.count)] \(elapsed()) \(running)")
            case .stepFinished(let step, _, _), .stepFailed(let step, _):
                finished += 1
                progress[step] = nil
                Console.errorFragment("\r\u{1B}[K")
                if let line = event.logLine { Console.error("[\(finished)/\(stepNames.count)] \(elapsed()) \(line)") }
            default:
                Console.errorFragment("\r\u{1B}[K")
                if let line = event.logLine { Console.error(line) }
            }
        }
    }

    private func elapsed() -> String {
        let seconds = Int(Date().timeIntervalSince(started))
        return String(format: "%02d:%02d", seconds / 60, seconds % 60)
    }
}

extension RunEvent {
    /// One JSON object per event: {"event": ..., fields}.
    var jsonLine: String {
        var object: [String: JSONValue] = [:]
        switch self {
        case .started(let pipeline, let runDirectory, let steps):
            object = ["event": .string("started"), "pipeline": .string(pipeline), "run_dir": .string(runDirectory), "steps": .number(Double(steps))]
        case .stepStarted(let step, let kind): object = ["event": .string("step_started"), "step": .string(step), "kind": .string(kind)]
        case .stepProgress(let step, let fraction): object = ["event": .string("progress"), "step": .string(step), "fraction": .number(fraction)]
        case .stepFinished(let step, let status, let seconds):
            object = ["event": .string("step_finished"), "step": .string(step), "status": .string(status), "seconds": .number(seconds)]
        case .stepFailed(let step, let message): object = ["event": .string("step_failed"), "step": .string(step), "error": .string(message)]
        case .warning(let step, let message):
            object = ["event": .string("warning"), "step": step.map(JSONValue.string) ?? .null, "message": .string(message)]
        case .planned(let step, let kind, let action, let reason):
            object = ["event": .string("planned"), "step": .string(step), "kind": .string(kind), "action": .string(action), "reason": .string(reason)]
        case .finished(let status, let seconds, let computed, let reused):
            object = ["event": .string("finished"), "status": .string(status), "seconds": .number(seconds),
                      "computed": .number(Double(computed)), "reused": .number(Double(reused))]
        case .published(let database, let message, let failed):
            object = ["event": .string("published"), "database": .string(database), "message": .string(message), "failed": .bool(failed)]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(JSONValue.object(object))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
