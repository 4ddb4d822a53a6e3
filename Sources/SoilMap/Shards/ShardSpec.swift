import Foundation

/// Which part of a run a shard computes: shard `index` of `count` (`--shard I/N`, or a Slurm job array's
/// SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT). A shard owns a contiguous band of rows of tiles of every map
/// the run computes; which rows is a function of the map's height and `count` only, so every shard, the merge
/// and every step agree on it without talking to each other.
public struct ShardSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// The most shards a run is split into.
    public static let maxCount = 10_000

    public init(index: Int, count: Int) throws {
        guard count >= 1, count <= Self.maxCount else {
            throw SoilMapError.invalidArgument("--shard \(index)/\(count): the shard count must be 1...\(Self.maxCount)")
        }
        guard index >= 0, index < count else {
            throw SoilMapError.invalidArgument("--shard \(index)/\(count): the shard index must be 0...\(count - 1)")
        }
        self.index = index
        self.count = count
    }

    /// "I/N".
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw SoilMapError.invalidArgument("--shard \(text): expected I/N, e.g. 0/4 (shard 0 of 4)")
        }
        try self.init(index: index, count: count)
    }

    /// The shard of a Slurm job array task (`sbatch --array=0-(N-1)`), nil outside one.
    public static func fromSlurm(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ShardSpec? {
        guard let task = environment["SLURM_ARRAY_TASK_ID"] else { return nil }
        guard let index = Int(task) else { throw SoilMapError.invalidArgument("SLURM_ARRAY_TASK_ID=\(task): not a number") }
        guard let countText = environment["SLURM_ARRAY_TASK_COUNT"], let count = Int(countText) else {
            throw SoilMapError.invalidArgument("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not a number: give --shard I/N")
        }
        // A re-submitted part of an array (--array=2,5) counts only its own tasks: the count must be given.
        if let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init), let maximum = environment["SLURM_ARRAY_TASK_MAX"].flatMap(Int.init),
           minimum != 0 || maximum != count - 1 {
            throw SoilMapError.invalidArgument("--shard slurm: the job array is \(minimum)-\(maximum) of \(count) tasks, not 0-\(count - 1): give --shard ${SLURM_ARRAY_TASK_ID}/N")
        }
        return try ShardSpec(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }

    /// The shard's folder under `RUN/.shards/`.
    public var directoryName: String { "\(index)-of-\(count)" }

    /// The tile side every engine run of a sharded run or of its merge uses on a map `height` rows tall: the
    /// largest power of two from 512 down to 16 that still gives each of `count` shards a row of tiles. Powers of
    /// two line shard boundaries up with the 512-pixel blocks of the outputs and the 256-row strips of zonal
    /// statistics. The tile size changes no output (the engine's contract), only how the work is cut.
    public static func tileSize(height: Int, count: Int) -> Int {
        var size = 512
        while size > 16 && (height + size - 1) / size < count { size /= 2 }
        return size
    }

    /// Shard `index` of `count`'s rows of tiles among `tileRows`: the first floor(I x R / N) to floor((I+1) x R / N).
    public static func ownedTileRows(tileRows: Int, index: Int, count: Int) -> Range<Int> {
        (index * tileRows / count)..<((index + 1) * tileRows / count)
    }

    /// The pixel rows this shard owns on a map `height` rows tall cut in tiles of `tileSize`.
    public func ownedPixelRows(height: Int, tileSize: Int) -> Range<Int> {
        let tileRows = Self.ownedTileRows(tileRows: (height + tileSize - 1) / tileSize, index: index, count: count)
        return min(height, tileRows.lowerBound * tileSize)..<min(height, tileRows.upperBound * tileSize)
    }
}

/// A step that cannot be computed piece by piece in a shard (it needs a whole map, e.g. breaks from the data):
/// the shard leaves it, and the steps after it, to the merge, which runs them on the assembled maps.
public struct ShardDeferral: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "left to the merge: \(reason)" }
}
