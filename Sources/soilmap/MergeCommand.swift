import ArgumentParser
import Foundation
import SoilMap

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shards of a run (soilmap run --shard I/N) into the files a single run writes, byte for byte.",
        discussion: """
        Checks that every shard of RUN_DIR/.shards finished and that its parts match their SHA-256, then runs the pipeline
        in RUN_DIR taking the shards' tiles and zonal partials instead of computing them; steps the shards left (they
        need a whole map) are computed here. Names every missing or damaged shard and writes nothing when there is one.
        Exit status: 0 merged, 1 a shard is missing or a step failed.
        """
    )

    @Argument(help: "The run directory the shards wrote to.")
    var runDirectory: String

    @Option(help: "Worker threads (default: the number of cores).")
    var threads: Int = EngineOptions.defaultThreads

    @Option(name: .customLong("log-format"), help: "text or json (one JSON object per event on stdout).")
    var logFormat: String?

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Only warnings and errors.")
    var quiet = false

    func run() throws {
        try runReportingErrors {
            guard threads >= 1 else { throw SoilMapError.invalidArgument("--threads \(threads): must be at least 1") }
            guard logFormat == nil || ["text", "json"].contains(logFormat!) else {
                throw SoilMapError.invalidArgument("--log-format \(logFormat!): use text or json")
            }
            let display = RunDisplay(format: logFormat, quiet: quiet, stepNames: [])
            do {
                let manifest = try ShardedRun.merge(runDirectory: runDirectory, threads: threads) { display.show($0) }
                if !quiet { Console.error("\(runDirectory): merged \(manifest.steps.count) steps") }
            } catch let failure as StepFailure {
                Console.error("soilmap: merge: \(failure)")
                throw ExitCode(SoilMapCommand.Status.failure)
            }
        }
    }
}
