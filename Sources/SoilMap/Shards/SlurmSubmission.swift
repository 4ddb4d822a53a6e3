import Foundation

/// What `soilmap slurm` submitted for a run directory (`RUN/.shards/slurm/jobs.json`), so that running it again
/// while those jobs are still queued or running refuses instead of submitting the same shards twice (two tasks
/// writing one shard's folder at once).
public struct SlurmSubmission: Codable, Equatable, Sendable {
    /// The job array of the shards; nil when every shard was complete and only the merge went.
    public var arrayJob: String?
    public var mergeJob: String
    /// The jobs' names (sbatch --job-name): squeue is asked for these ids under these names only, so that an id
    /// the controller has since given to another job is not mistaken for ours.
    public var jobNames: [String]
    public var shards: [Int]
    public var count: Int
    /// ISO 8601, UTC.
    public var submitted: String

    public init(arrayJob: String?, mergeJob: String, jobNames: [String], shards: [Int], count: Int, submitted: Date = Date()) {
        self.arrayJob = arrayJob
        self.mergeJob = mergeJob
        self.jobNames = jobNames
        self.shards = shards
        self.count = count
        self.submitted = ISO8601DateFormatter().string(from: submitted)
    }

    public var jobIDs: [String] { (arrayJob.map { [$0] } ?? []) + [mergeJob] }

    public static func path(in scriptsFolder: String) -> String { (scriptsFolder as NSString).appendingPathComponent("jobs.json") }

    public static func load(from scriptsFolder: String) -> SlurmSubmission? {
        guard let data = FileManager.default.contents(atPath: path(in: scriptsFolder)) else { return nil }
        return try? JSONDecoder().decode(SlurmSubmission.self, from: data)
    }

    public func save(in scriptsFolder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: Self.path(in: scriptsFolder)), options: .atomic)
    }
}

/// The jobs `squeue` still lists, read from `squeue --noheader --format=%i|%T --jobs=ID,...`.
public struct SlurmQueue: Equatable, Sendable {
    /// (job or array task id as squeue prints it, e.g. "1234_[0-3]" or "1234_2", and its state, e.g. "RUNNING").
    public var entries: [(id: String, state: String)]

    public static func == (a: SlurmQueue, b: SlurmQueue) -> Bool {
        a.entries.map(\.id) == b.entries.map(\.id) && a.entries.map(\.state) == b.entries.map(\.state)
    }

    /// The arguments that produce what `parse` reads.
    public static func arguments(for submission: SlurmSubmission) -> [String] {
        ["--noheader", "--format=%i|%T", "--jobs=\(submission.jobIDs.joined(separator: ","))", "--name=\(submission.jobNames.joined(separator: ","))"]
    }

    /// `output` and `status` of squeue. Jobs the controller no longer knows (finished long ago) make squeue 22.05
    /// fail with "Invalid job id specified" when none of the ids is known: that is an empty queue, not an error.
    public static func parse(output: String, errors: String, status: Int32) throws -> SlurmQueue {
        if status != 0 {
            if errors.localizedCaseInsensitiveContains("invalid job id") { return SlurmQueue(entries: []) }
            let reason = errors.trimmingCharacters(in: .whitespacesAndNewlines)
            throw SoilMapError.invalidArgument("squeue: \(reason.isEmpty ? "exit status \(status)" : reason)")
        }
        let entries = output.split(whereSeparator: \.isNewline).compactMap { line -> (id: String, state: String)? in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, !fields[0].isEmpty else { return nil }
            return (fields[0], fields[1])
        }
        return SlurmQueue(entries: entries)
    }

    /// Still to be reckoned with: everything squeue lists except jobs already ended (squeue shows COMPLETED,
    /// FAILED, ... for a few minutes after the end).
    public var active: [(id: String, state: String)] {
        let ended: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE"]
        return entries.filter { !ended.contains($0.state) }
    }

    /// The refusal when `submission`'s jobs are still active; nil when none is.
    public func refusal(for submission: SlurmSubmission, runDirectory: String) -> SoilMapError? {
        let active = active
        guard !active.isEmpty else { return nil }
        // squeue prints a pending array's tasks as one entry ("1234_[1-3]"): list entries, not counts of tasks.
        var listed = active.prefix(6).map { "\($0.id) \($0.state.lowercased())" }
        if active.count > 6 { listed.append("\(active.count - 6) more") }
        let jobs = submission.jobIDs.joined(separator: " ")
        return SoilMapError.invalidInput(
            path: runDirectory,
            "jobs \(jobs) of the submission of \(submission.submitted) are still in the queue (\(listed.joined(separator: ", "))): wait for them (squeue --jobs=\(submission.jobIDs.joined(separator: ","))), or cancel them (scancel \(jobs)), then run soilmap slurm again")
    }
}
