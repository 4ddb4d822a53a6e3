import Foundation

/// `RUN/.shards/I-of-N/shard.json`: what one shard computed, written last and atomically, so its presence means
/// the shard finished. The merge refuses shards whose manifests are missing, of another pipeline or inputs, or
/// whose parts do not match their size and XXH3-128 checksum.
public struct ShardManifest: Codable, Sendable {
    /// The layout of the part files; the merge refuses shards written in another (2: zonal partials carry no data
    /// and the zone's extent; 3: each stored tile starts with its encoding, Float32 or bytes; 4: parts checked by
    /// XXH3-128 instead of SHA-256).
    public var formatVersion = ShardManifest.currentFormatVersion
    public static let currentFormatVersion = 4
    public var soilmap: String
    public var shard: ShardSpec
    /// How to load the same pipeline again: its file (absolute), every variable as resolved, the run directory
    /// and the working directory relative paths were read from.
    public var pipeline: String
    public var pipelineSHA256: String
    public var variables: [String: String]
    public var runDirectory: String
    public var workingDirectory: String
    /// SHA-256 over every step's name, kind and resolved parameters: the merge loads the pipeline and compares.
    public var fingerprint: String
    /// The run's inputs with their SHA-256: every shard and the merge must have read the same.
    public var inputs: [FileRecord]
    public var parts: [ShardPart]
    /// Steps this shard left to the merge.
    public var deferred: [String]
    public var startedAt: String
    public var finishedAt: String
    public var seconds: Double
    /// CPU time (user + system) and peak resident memory of the shard's process.
    public var cpuSeconds: Double
    public var maxResidentMB: Double

    public static let fileName = "shard.json"
}

/// CPU time and peak memory of this process, for the shard manifests and the scaling estimate.
enum ProcessUsage {
    static func current() -> (cpuSeconds: Double, maxResidentMB: Double) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return ((cpu * 1000).rounded() / 1000, (Double(usage.ru_maxrss) / 1024 * 10).rounded() / 10)
    }
}
