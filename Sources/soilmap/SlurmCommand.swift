import ArgumentParser
import Foundation
import SoilMap

struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Run a pipeline on a Slurm cluster: a job array of N shards, then the merge (afterok).",
        discussion: """
        Writes RUN/.shards/slurm/shards.sbatch and merge.sbatch and submits them with sbatch; prints the job ids. Run it
        again after a failure: only the shards that are missing, unfinished or do not match their manifest are
        submitted again, then the merge. While the jobs of its last submission are still queued or running (squeue),
        it refuses, so that no shard runs twice at once. The run directory must be on a file system every node sees.
        Examples:
          soilmap slurm pipelines/nightly.yaml --shards 16 --partition compute --time 02:00:00 --mem 8G --cpus-per-task 4
          soilmap slurm pipelines/demo.yaml --shards 4 --dry-run
        """
    )

    @OptionGroup var options: PipelineOptions

    @Option(help: "The number of shards (tasks of the job array).")
    var shards: Int

    @Option(help: "Slurm partition (sbatch --partition).")
    var partition: String?

    @Option(help: "Time limit of each job (sbatch --time), e.g. 01:00:00.")
    var time: String?

    @Option(help: "Memory of each job (sbatch --mem), e.g. 8G.")
    var mem: String?

    @Option(help: "Account to charge (sbatch --account).")
    var account: String?

    @Option(name: .customLong("cpus-per-task"), help: "Cores of each job; soilmap's --threads.")
    var cpusPerTask: Int = 1

    @Flag(name: .customLong("dry-run"), help: "Print the scripts and the sbatch commands; submit nothing.")
    var dryRun = false

    @Flag(help: "Submit the jobs held (sbatch --hold); they start after scontrol release JOB_IDS.")
    var hold = false

    func run() throws {
        try runReportingErrors {
            guard (1...ShardSpec.maxCount).contains(shards) else {
                throw SoilMapError.invalidArgument("--shards \(shards): use 1...\(ShardSpec.maxCount)")
            }
            guard cpusPerTask >= 1 else { throw SoilMapError.invalidArgument("--cpus-per-task \(cpusPerTask): must be at least 1") }
            let pipeline = try reportingPipelineProblems { try options.load() }
            let workingDirectory = FileManager.default.currentDirectoryPath
            let pipelineFile = options.pipeline.hasPrefix("/") ? options.pipeline : (workingDirectory as NSString).appendingPathComponent(options.pipeline)
            let scripts = SlurmScripts(
                executable: Self.executablePath, pipeline: (pipelineFile as NSString).standardizingPath, assignments: options.assignments,
                runDirectory: pipeline.runDirectory, workingDirectory: workingDirectory, name: "soilmap-\(pipeline.name)", count: shards,
                resources: .init(partition: partition, time: time, memory: mem, account: account, cpus: cpusPerTask))
            if !dryRun, let previous = SlurmSubmission.load(from: scripts.folder) {
                let (status, output, errors) = try Self.slurmTool("squeue", SlurmQueue.arguments(for: previous))
                let queue = try SlurmQueue.parse(output: output, errors: errors, status: status)
                if let refusal = queue.refusal(for: previous, runDirectory: pipeline.runDirectory) { throw refusal }
            }
            let pending = scripts.shardsToRun()
            let shardsScript = scripts.shardsScript(shards: pending)
            if dryRun {
                if !pending.isEmpty {
                    print("# \(scripts.shardsScriptPath)  (shards \(SlurmScriptsArray.describe(pending, of: shards)))")
                    print(shardsScript)
                    print("# sbatch --parsable \(scripts.shardsScriptPath)\n")
                }
                print("# \(scripts.mergeScriptPath)")
                print(scripts.mergeScript)
                print("# sbatch --parsable\(pending.isEmpty ? "" : " --dependency=afterok:ARRAY_JOB_ID") \(scripts.mergeScriptPath)")
                return
            }
            try FileManager.default.createDirectory(atPath: scripts.folder, withIntermediateDirectories: true)
            try shardsScript.write(toFile: scripts.shardsScriptPath, atomically: true, encoding: .utf8)
            try scripts.mergeScript.write(toFile: scripts.mergeScriptPath, atomically: true, encoding: .utf8)
            let holding = hold ? ["--hold"] : []
            var dependency: [String] = []
            var arrayJob: String?
            if !pending.isEmpty {
                let job = try Self.sbatch(holding + [scripts.shardsScriptPath])
                print("shards: job \(job) (array \(SlurmScriptsArray.describe(pending, of: shards)))")
                dependency = ["--dependency=afterok:\(job)"]
                arrayJob = job
            } else {
                Console.error("all \(shards) shards are complete: only the merge is submitted")
            }
            let mergeJob = try Self.sbatch(holding + dependency + [scripts.mergeScriptPath])
            print("merge: job \(mergeJob)")
            let submission = SlurmSubmission(arrayJob: arrayJob, mergeJob: mergeJob, jobNames: [scripts.shardsJobName, scripts.mergeJobName],
                                             shards: pending, count: shards)
            try submission.save(in: scripts.folder)
            if hold { Console.error("held: release them with scontrol release \(submission.jobIDs.joined(separator: ","))") }
        }
    }

    /// Submits with `sbatch --parsable`; returns the job id.
    static func sbatch(_ arguments: [String]) throws -> String {
        let (status, text, message) = try slurmTool("sbatch", ["--parsable"] + arguments)
        guard status == 0, let id = text.split(whereSeparator: { $0 == ";" || $0.isNewline }).first else {
            let reason = message.trimmingCharacters(in: .whitespacesAndNewlines)
            throw SoilMapError.invalidArgument("sbatch \(arguments.last ?? ""): \(reason.isEmpty ? "exit status \(status)" : reason)")
        }
        return String(id)
    }

    /// Runs one of Slurm's client commands from PATH; its exit status, standard output and standard error.
    static func slurmTool(_ name: String, _ arguments: [String]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw SoilMapError.invalidArgument("\(name): cannot be started (\(error)); is Slurm installed here?")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try? output.fileHandleForReading.close()
        try? errors.fileHandleForReading.close()
        return (process.terminationStatus, text, message)
    }

    /// This executable, absolute (the jobs run it on the compute nodes).
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

enum SlurmScriptsArray {
    static func describe(_ shards: [Int], of count: Int) -> String {
        shards.count == count ? "0-\(count - 1)" : "\(shards.map(String.init).joined(separator: ",")) of 0-\(count - 1)"
    }
}
