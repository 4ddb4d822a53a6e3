import Foundation

/// A seeded train/validation split of classification samples that never separates the cells of one group: a
/// plot (a polygon's cells stay together) or, with `blockSize`, a square spatial block of that side (in the
/// grid's CRS units), so validation cells are not the immediate neighbours of training cells.
/// Stratified: within each class (a group's class is the class of most of its cells), groups are shuffled with
/// `SeededRandom(seed, stream: class)` and moved to validation until the class's validation cells reach `share`
/// of its cells; a class keeps at least one group for training.
public struct ValidationSplit: Sendable {
    public var training: [Int]
    public var validation: [Int]
    /// The held-out groups in the order drawn: plot FIDs, or blocks as "column,row" of the block grid.
    public var validationPlots: [Int64]
    public var validationBlocks: [String]

    public static func make(_ samples: TrainingSamples, classCount: Int, share: Double, blockSize: Double?, seed: Int) throws -> ValidationSplit {
        guard share >= 0, share < 1 else { throw SoilMapError.invalidArgument("--validation \(share): use a share from 0 to below 1 (e.g. 0.3)") }
        if let blockSize { guard blockSize > 0, blockSize.isFinite else { throw SoilMapError.invalidArgument("--block-size \(blockSize): use a positive length in the rasters' CRS units") } }
        let all = Array(0..<samples.count)
        guard share > 0 else { return ValidationSplit(training: all, validation: [], validationPlots: [], validationBlocks: []) }
        // Group keys: the plot index, or the block's (column, row).
        var keyOfSample: [String] = []
        for i in all {
            if let blockSize {
                keyOfSample.append("\(Int64((samples.x[i] / blockSize).rounded(.down))),\(Int64((samples.y[i] / blockSize).rounded(.down)))")
            } else {
                keyOfSample.append(String(samples.plots[i]))
            }
        }
        var groupCells: [String: [Int]] = [:]
        for i in all { groupCells[keyOfSample[i], default: []].append(i) }
        var groupClass: [String: Int] = [:]
        for (key, cells) in groupCells {
            var counts = [Int](repeating: 0, count: classCount)
            for cell in cells { counts[Int(samples.targets[cell])] += 1 }
            groupClass[key] = counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }!
        }
        var held = Set<String>(), drawnOrder: [String] = []
        for k in 0..<classCount {
            var groups = groupCells.keys.filter { groupClass[$0] == k }.sorted { Self.keyOrder($0, $1) }
            let cells = groups.reduce(0) { $0 + groupCells[$1]!.count }
            var generator = SeededRandom(seed: UInt64(bitPattern: Int64(seed)), stream: 0x5350_4C49_5400 + UInt64(k))
            generator.shuffle(&groups)
            var taken = 0
            for group in groups.dropLast() where Double(taken) < share * Double(cells) {
                held.insert(group)
                drawnOrder.append(group)
                taken += groupCells[group]!.count
            }
        }
        let validation = all.filter { held.contains(keyOfSample[$0]) }
        let training = all.filter { !held.contains(keyOfSample[$0]) }
        return ValidationSplit(training: training, validation: validation,
                               validationPlots: blockSize == nil ? drawnOrder.map { samples.plotIDs[Int($0)!] } : [],
                               validationBlocks: blockSize == nil ? [] : drawnOrder)
    }

    static func keyOrder(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: ",").compactMap { Int64($0) }, y = b.split(separator: ",").compactMap { Int64($0) }
        return x.lexicographicallyPrecedes(y)
    }
}
