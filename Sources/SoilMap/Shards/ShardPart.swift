import Foundation

/// One partial result a shard wrote: the tiles of one engine run, the zonal accumulators of one zonal run, or the
/// tallies a step's kernels gathered beside its map, of one step. `call` numbers the engine runs, zonal runs and
/// tallies of a step in the order the step makes them, which is how the merge finds the part a run of the same
/// step asks for.
public struct ShardPart: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case tiles, zonal, tallies }

    public var step: String
    public var call: Int
    public var kind: Kind
    /// Relative to the shard's folder.
    public var file: String
    public var size: Int64
    /// XXH3-128 of the file (canonical hex): a scratch file only the merge reads, checked for damage at memory
    /// speed (see `XXH128`).
    public var xxh128: String
    /// The grid the run was cut on (map width and height; tile side; bands of the output).
    public var width: Int
    public var height: Int
    public var tileSize: Int
    public var bands: Int
    /// Tiles: the range of tile indices stored, in order. Zonal: the strips stored, in order.
    public var first: Int
    public var end: Int
    public var strips: [Int]?

    var key: String { "\(step)#\(call)" }
}
