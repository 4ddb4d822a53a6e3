import Foundation

/// The two sbatch scripts of a sharded run on a Slurm cluster: one job array whose tasks are the shards, and
/// the merge, submitted with `--dependency=afterok:ARRAY` so it starts only when every task succeeded.
public struct SlurmScripts: Sendable {
    public struct Resources: Sendable {
        public var partition: String?
        public var time: String?
        public var memory: String?
        public var account: String?
        /// Cores per shard (and for the merge): the shard's `--threads`.
        public var cpus: Int

        public init(partition: String? = nil, time: String? = nil, memory: String? = nil, account: String? = nil, cpus: Int = 1) {
            self.partition = partition
            self.time = time
            self.memory = memory
            self.account = account
            self.cpus = cpus
        }
    }

    /// soilmap's executable, the pipeline file and the run directory (absolute), the `--set` assignments.
    public var executable: String
    public var pipeline: String
    public var assignments: [String]
    public var runDirectory: String
    public var workingDirectory: String
    public var name: String
    public var count: Int
    public var resources: Resources

    public init(executable: String, pipeline: String, assignments: [String], runDirectory: String, workingDirectory: String,
                name: String, count: Int, resources: Resources) {
        self.executable = executable
        self.pipeline = pipeline
        self.assignments = assignments
        self.runDirectory = runDirectory
        self.workingDirectory = workingDirectory
        self.name = name
        self.count = count
        self.resources = resources
    }

    /// Where the scripts and Slurm's logs go: `RUN/.shards/slurm/`.
    public var folder: String { (ShardedRun.shardsFolder(of: runDirectory) as NSString).appendingPathComponent("slurm") }
    public var shardsScriptPath: String { (folder as NSString).appendingPathComponent("shards.sbatch") }
    public var mergeScriptPath: String { (folder as NSString).appendingPathComponent("merge.sbatch") }

    public var shardsJobName: String { "\(name)-shards" }
    public var mergeJobName: String { "\(name)-merge" }

    /// The job array over `shards` (all of them, or those to run again). Each task is told its shard and the
    /// count explicitly: a re-submitted array of a few tasks has another SLURM_ARRAY_TASK_COUNT.
    public func shardsScript(shards: [Int]) -> String {
        header(job: shardsJobName, log: "shard-%a-%A.out") + [
            "#SBATCH --array=\(Self.arraySpec(shards))",
            "set -euo pipefail",
            "exec \(quoted(executable)) run \(quoted(pipeline))\(setArguments) --run-dir \(quoted(runDirectory)) \\",
            "    --shard \"${SLURM_ARRAY_TASK_ID}/\(count)\" --threads \"${SLURM_CPUS_PER_TASK:-\(resources.cpus)}\" --log-format text",
            "",
        ].joined(separator: "\n")
    }

    public var mergeScript: String {
        header(job: mergeJobName, log: "merge-%j.out") + [
            "set -euo pipefail",
            "exec \(quoted(executable)) merge \(quoted(runDirectory)) --threads \"${SLURM_CPUS_PER_TASK:-\(resources.cpus)}\" --log-format text",
            "",
        ].joined(separator: "\n")
    }

    private func header(job: String, log: String) -> String {
        var lines = ["#!/bin/bash", "# Written by soilmap slurm \(SoilMapVersion.string): \(count) shards of \(pipeline) into \(runDirectory).",
                     "#SBATCH --job-name=\(job)", "#SBATCH --chdir=\(workingDirectory)",
                     "#SBATCH --output=\((folder as NSString).appendingPathComponent(log))",
                     "#SBATCH --cpus-per-task=\(resources.cpus)", "#SBATCH --nodes=1", "#SBATCH --ntasks=1"]
        if let partition = resources.partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time = resources.time { lines.append("#SBATCH --time=\(time)") }
        if let memory = resources.memory { lines.append("#SBATCH --mem=\(memory)") }
        if let account = resources.account { lines.append("#SBATCH --account=\(account)") }
        return lines.joined(separator: "\n") + "\n"
    }

    private var setArguments: String { assignments.map { " --set \(quoted($0))" }.joined() }

    /// "0-3", or "1,4-5" for the shards to run again.
    static func arraySpec(_ shards: [Int]) -> String {
        var ranges: [String] = []
        var index = 0
        let sorted = shards.sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            ranges.append(end == index ? "\(sorted[index])" : "\(sorted[index])-\(sorted[end])")
            index = end + 1
        }
        return ranges.joined(separator: ",")
    }

    /// Single quotes for the shell.
    private func quoted(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || "/._-=:,+@".contains($0) } ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The shards of a `count`-way split that must run (again): all when the run directory holds another split
    /// or none, else those missing, unfinished or damaged.
    public func shardsToRun() -> [Int] {
        guard ShardedRun.splits(of: runDirectory) == [count] else { return Array(0..<count) }
        return ShardedRun.problems(runDirectory: runDirectory, count: count).keys.sorted()
    }
}
