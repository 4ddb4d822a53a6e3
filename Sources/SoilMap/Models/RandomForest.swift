import Foundation

/// A random forest's settings, as `train` takes them and the model file records them.
public struct ForestHyperParameters: Codable, Sendable, Equatable {
    public var trees: Int
    /// nil: grow until the leaves are pure or too small to split.
    public var maxDepth: Int?
    /// A node with fewer (distinct) samples is a leaf.
    public var minSamplesSplit: Int
    /// A split leaving fewer samples on a side is not considered.
    public var minSamplesLeaf: Int
    /// Predictors tried at each split (default floor(sqrt(p)), at least 1).
    public var maxFeatures: Int
    public var bootstrap: Bool
    /// "none", or "balanced": class k weighs n / (K n_k).
    public var classWeight: String
    public var seed: Int

    enum CodingKeys: String, CodingKey {
        case trees, maxDepth = "max_depth", minSamplesSplit = "min_samples_split", minSamplesLeaf = "min_samples_leaf"
        case maxFeatures = "max_features", bootstrap, classWeight = "class_weight", seed
    }

    public static let classWeights = ["none", "balanced"]

    public func validate(featureCount: Int) throws {
        guard (1...10_000).contains(trees) else { throw SoilMapError.invalidArgument("--trees \(trees): use 1 to 10000") }
        if let maxDepth, maxDepth < 1 { throw SoilMapError.invalidArgument("--max-depth \(maxDepth): use 1 or more") }
        guard minSamplesSplit >= 2 else { throw SoilMapError.invalidArgument("--min-samples-split \(minSamplesSplit): use 2 or more") }
        guard minSamplesLeaf >= 1 else { throw SoilMapError.invalidArgument("--min-samples-leaf \(minSamplesLeaf): use 1 or more") }
        guard (1...max(featureCount, 1)).contains(maxFeatures) else {
            throw SoilMapError.invalidArgument("--max-features \(maxFeatures): use 1 to \(featureCount) (the number of predictors)")
        }
        guard Self.classWeights.contains(classWeight) else {
            throw SoilMapError.invalidArgument("--class-weight \(classWeight): use \(Self.classWeights.joined(separator: " or "))")
        }
    }
}

/// One CART tree, as parallel arrays. Node 0 is the root; node i splits on predictor `feature[i]` (a value at or
/// below `threshold[i]` goes to `left[i]`, above it to `right[i]`), or is a leaf when `feature[i]` is -1.
/// `value[i]` is the class index with the largest weight at the node (the leaf's vote).
public struct DecisionTree: Codable, Sendable, Equatable {
    public var feature: [Int]
    public var threshold: [Double]
    public var left: [Int]
    public var right: [Int]
    public var value: [Int]

    public init(feature: [Int], threshold: [Double], left: [Int], right: [Int], value: [Int]) {
        (self.feature, self.threshold, self.left, self.right, self.value) = (feature, threshold, left, right, value)
    }

    /// In the model file a tree is its node count and its nodes as fixed-size binary records in base64: a forest
    /// grown on 100,000 samples has millions of nodes, which as JSON numbers would take several times the memory
    /// and time to read back.
    public static let layout = "base64 of little-endian 24-byte records per node: feature int32 (-1 for a leaf), threshold float64, left int32, right int32, class index int32"

    enum CodingKeys: String, CodingKey { case nodes, layout, data }

    public func encode(to encoder: Encoder) throws {
        var bytes = [UInt8]()
        bytes.reserveCapacity(feature.count * 24)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        for node in feature.indices {
            append(Int32(feature[node]))
            append(threshold[node].bitPattern)
            append(Int32(left[node]))
            append(Int32(right[node]))
            append(Int32(value[node]))
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(feature.count, forKey: .nodes)
        try container.encode(Self.layout, forKey: .layout)
        try container.encode(Data(bytes).base64EncodedString(), forKey: .data)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let count = try container.decode(Int.self, forKey: .nodes)
        guard try container.decode(String.self, forKey: .layout) == Self.layout else {
            throw DecodingError.dataCorruptedError(forKey: .layout, in: container, debugDescription: "unknown node layout")
        }
        guard let data = Data(base64Encoded: try container.decode(String.self, forKey: .data)), count >= 0, data.count == count * 24 else {
            throw DecodingError.dataCorruptedError(forKey: .data, in: container, debugDescription: "the nodes do not decode to \(count) records")
        }
        var feature = [Int](repeating: 0, count: count), threshold = [Double](repeating: 0, count: count)
        var left = feature, right = feature, value = feature
        data.withUnsafeBytes { raw in
            func int32(_ offset: Int) -> Int { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))) }
            for node in 0..<count {
                let base = node * 24
                feature[node] = int32(base)
                threshold[node] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4, as: UInt64.self)))
                left[node] = int32(base + 12)
                right[node] = int32(base + 16)
                value[node] = int32(base + 20)
            }
        }
        self.init(feature: feature, threshold: threshold, left: left, right: right, value: value)
    }

    func isConsistent(featureCount: Int, classCount: Int) -> Bool {
        let count = feature.count
        guard count > 0, [threshold.count, left.count, right.count, value.count].allSatisfy({ $0 == count }) else { return false }
        for node in 0..<count {
            guard (0..<classCount).contains(value[node]) else { return false }
            if feature[node] == -1 { continue }
            // Children come after their parent (preorder), so every walk ends.
            guard (0..<featureCount).contains(feature[node]), left[node] > node, left[node] < count, right[node] > node, right[node] < count else { return false }
        }
        return true
    }
}

/// Which variable importance `train` measures: `permutation` (and the impurity one, which growing gives for free),
/// `impurity` alone, or `none`.
public enum ForestImportance: String, Codable, Sendable, CaseIterable {
    case permutation, impurity, none
}

/// A trained forest: its settings, its trees, and what it says about the predictors.
public struct RandomForestModel: Codable, Sendable {
    public var hyperParameters: ForestHyperParameters
    public var trees: [DecisionTree]
    /// Mean decrease in impurity (weighted Gini), per predictor, normalised to sum 1 (each tree's, then the mean);
    /// empty with `--importance none`.
    public var impurityImportance: [Double]
    /// Drop in accuracy when a predictor's values are shuffled among the assessed samples (mean of 5 seeded
    /// shuffles); empty unless `importance` is permutation.
    public var permutationImportance: [Double]
    /// Which samples the accuracy and the permutation importance were measured on ("validation", or "training").
    public var assessedOn: String
    /// Accuracy on all the assessed samples.
    public var accuracy: Double
    /// What was measured (nil in files written before the choice existed: permutation).
    public var importance: ForestImportance?
    /// The assessed samples the permutation importance was measured on: all of them, or a seeded draw of
    /// `permutationMaxSamples` (`RandomForestTrainer.importanceSample`).
    public var permutationSamples: Int?
    public var permutationMaxSamples: Int?

    public init(hyperParameters: ForestHyperParameters, trees: [DecisionTree], impurityImportance: [Double], permutationImportance: [Double],
                assessedOn: String, accuracy: Double, importance: ForestImportance? = nil) {
        self.hyperParameters = hyperParameters
        self.trees = trees
        self.impurityImportance = impurityImportance
        self.permutationImportance = permutationImportance
        self.assessedOn = assessedOn
        self.accuracy = accuracy
        self.importance = importance
    }

    enum CodingKeys: String, CodingKey {
        case hyperParameters = "hyper_parameters", trees, impurityImportance = "impurity_importance"
        case permutationImportance = "permutation_importance", assessedOn = "assessed_on", accuracy, importance
        case permutationSamples = "permutation_samples", permutationMaxSamples = "permutation_max_samples"
    }
}

/// The forest laid out for prediction. Each tree's nodes are records in breadth-first order with the two children
/// of a node side by side, so a step is `node = child + (x > threshold ? 1 : 0)` without a branch. A leaf points to
/// itself with a threshold nothing exceeds: a sample that reaches it stays there, so a group of samples can walk a
/// tree in lockstep, their independent memory reads overlapping instead of waiting one after another.
///
/// Thresholds are rank-encoded when they allow it (the usual case): a predictor's distinct thresholds over the whole
/// forest, sorted, T_0 < T_1 < ... < T_(m-1), and a sample's value x turned once into r(x) = the number of them below
/// x. Then x > T_i exactly when r(x) > i, so the votes are the same as with the thresholds themselves, while a node
/// takes 8 bytes instead of 16 and a sample's predictors 2 bytes each instead of 8: a deep tree and the samples
/// walking it stay in a core's L2 cache. With more than 65,535 distinct thresholds on a predictor, the nodes keep
/// their Float64 thresholds (`WideNode`).
///
/// The votes are those of the trees as grown (a value at or below the threshold goes left); samples must have no
/// NaN predictor (callers drop them).
struct FlatForest: Sendable {
    struct WideNode {
        var threshold: Double
        /// Index of the left child within the tree (the right one follows it); the node's own index at a leaf.
        var child: Int32
        /// Predictor index (0 at a leaf, where it is read but cannot move the sample).
        var feature: Int32
    }

    struct CompactNode {
        var child: Int32
        /// i of the node's threshold T_i among its predictor's sorted thresholds; `UInt16.max` at a leaf.
        var rank: UInt16
        var feature: UInt16
    }

    /// Float64 thresholds: empty when the forest is rank-encoded.
    let wideNodes: [WideNode]
    let compactNodes: [CompactNode]
    /// Per predictor, its distinct split thresholds in increasing order (rank-encoded forests).
    let thresholds: [[Double]]
    /// Class index of each node's majority (used at leaves).
    let leafClass: [Int32]
    /// Where each tree's nodes start, and how deep it is (edges from the root to its deepest leaf).
    let roots: [Int]
    let depths: [Int]
    let classCount: Int
    let featureCount: Int
    var nodeCount: Int { leafClass.count }
    var isRankEncoded: Bool { wideNodes.isEmpty }
    /// Samples voted on together: their predictor values (ranks) stay in cache while every tree walks them, and each
    /// tree's upper nodes are reused by all of them.
    static let chunk = 16_384
    /// Samples walking a tree in lockstep: that many independent reads in flight. 128 samples in chunks of 16,384
    /// voted 1.7 to 2.2 times faster than 16 in chunks of 2,048 (votes do not depend on either).
    static let group = 128

    /// `rankEncoding` false keeps Float64 thresholds whatever they are (to test both layouts).
    init(_ model: RandomForestModel, classCount: Int, featureCount: Int, rankEncoding: Bool = true) {
        var nodes: [WideNode] = [], leafClass: [Int32] = [], roots: [Int] = [], depths: [Int] = []
        nodes.reserveCapacity(model.trees.reduce(0) { $0 + $1.feature.count })
        leafClass.reserveCapacity(nodes.capacity)
        for tree in model.trees {
            let base = nodes.count
            roots.append(base)
            // Breadth first: (node in the grown tree, its place in the layout, its depth).
            var queue = [(grown: 0, placed: 0, depth: 0)], head = 0, deepest = 0
            nodes.append(WideNode(threshold: 0, child: 0, feature: 0))
            leafClass.append(0)
            while head < queue.count {
                let (grown, placed, depth) = queue[head]
                head += 1
                deepest = max(deepest, depth)
                leafClass[base + placed] = Int32(tree.value[grown])
                if tree.feature[grown] < 0 {
                    nodes[base + placed] = WideNode(threshold: .infinity, child: Int32(placed), feature: -1)
                    continue
                }
                let child = nodes.count - base
                nodes[base + placed] = WideNode(threshold: tree.threshold[grown], child: Int32(child), feature: Int32(tree.feature[grown]))
                nodes.append(WideNode(threshold: 0, child: 0, feature: 0))
                nodes.append(WideNode(threshold: 0, child: 0, feature: 0))
                leafClass.append(0)
                leafClass.append(0)
                queue.append((tree.left[grown], child, depth + 1))
                queue.append((tree.right[grown], child + 1, depth + 1))
            }
            depths.append(deepest)
        }
        var thresholds = [[Double]](repeating: [], count: featureCount)
        for node in nodes where node.feature >= 0 { thresholds[Int(node.feature)].append(node.threshold) }
        for j in thresholds.indices {
            thresholds[j].sort()
            // Distinct by ==, as the comparisons see them (-0 and +0 are one threshold).
            var distinct: [Double] = []
            for value in thresholds[j] where distinct.last != value { distinct.append(value) }
            thresholds[j] = distinct
        }
        let encodable = rankEncoding && featureCount <= Int(UInt16.max) && thresholds.allSatisfy { $0.count <= Int(UInt16.max) }
            && !thresholds.joined().contains { $0.isNaN }
        if encodable {
            compactNodes = nodes.map { node in
                guard node.feature >= 0 else { return CompactNode(child: node.child, rank: .max, feature: 0) }
                let rank = Self.rank(of: node.threshold, among: thresholds[Int(node.feature)])
                return CompactNode(child: node.child, rank: UInt16(rank), feature: UInt16(node.feature))
            }
            wideNodes = []
            self.thresholds = thresholds
        } else {
            wideNodes = nodes.map { WideNode(threshold: $0.threshold, child: $0.child, feature: max($0.feature, 0)) }
            compactNodes = []
            self.thresholds = []
        }
        (self.leafClass, self.roots, self.depths, self.classCount, self.featureCount) = (leafClass, roots, depths, classCount, featureCount)
    }

    /// The number of `sorted` values below `x` (binary search).
    @inline(__always)
    static func rank(of x: Double, among sorted: UnsafeBufferPointer<Double>) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) >> 1
            if sorted[middle] < x { low = middle + 1 } else { high = middle }
        }
        return low
    }

    static func rank(of x: Double, among sorted: [Double]) -> Int {
        sorted.withUnsafeBufferPointer { rank(of: x, among: $0) }
    }

    /// Votes of every tree for `count` samples whose predictor j is at `values[j * stride + i]`; `votes` holds
    /// count x classCount counters (zeroed here).
    func vote(values: UnsafePointer<Double>, stride: Int, count: Int, votes: UnsafeMutablePointer<UInt16>) {
        votes.initialize(repeating: 0, count: count * classCount)
        if isRankEncoded {
            voteRanked(values: values, stride: stride, count: count, votes: votes)
        } else {
            voteWide(values: values, stride: stride, count: count, votes: votes)
        }
    }

    private func voteRanked(values: UnsafePointer<Double>, stride: Int, count: Int, votes: UnsafeMutablePointer<UInt16>) {
        let classCount = classCount, group = Self.group, p = featureCount, chunk = Self.chunk
        let ranks = UnsafeMutablePointer<UInt16>.allocate(capacity: max(p, 1) * chunk)
        defer { ranks.deallocate() }
        compactNodes.withUnsafeBufferPointer { allNodes in
            leafClass.withUnsafeBufferPointer { allLeafClasses in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: group) { at in
                    var first = 0
                    while first < count {
                        let last = min(first + chunk, count)
                        for j in 0..<p {
                            thresholds[j].withUnsafeBufferPointer { sorted in
                                let column = values + j * stride, target = ranks + j * chunk
                                for i in first..<last { target[i - first] = UInt16(truncatingIfNeeded: Self.rank(of: column[i], among: sorted)) }
                            }
                        }
                        for (tree, root) in roots.enumerated() {
                            let nodes = allNodes.baseAddress! + root, leafClasses = allLeafClasses.baseAddress! + root
                            let depth = depths[tree]
                            var start = first
                            while start < last {
                                let size = min(group, last - start)
                                let sampleRanks = ranks + (start - first)
                                for g in 0..<size { at[g] = 0 }
                                var step = 0
                                while step < depth {
                                    // Branch-free: which way a sample goes is data, not a jump to mispredict.
                                    var changed = 0
                                    for g in 0..<size {
                                        let current = at[g]
                                        let node = nodes[current]
                                        let r = sampleRanks[Int(node.feature) &* chunk &+ g]
                                        let next = Int(node.child) &+ Int(unsafeBitCast(r > node.rank, to: UInt8.self))
                                        changed |= next ^ current
                                        at[g] = next
                                    }
                                    if changed == 0 { break }
                                    step += 1
                                }
                                for g in 0..<size { votes[(start + g) * classCount + Int(leafClasses[at[g]])] &+= 1 }
                                start += size
                            }
                        }
                        first = last
                    }
                }
            }
        }
    }

    private func voteWide(values: UnsafePointer<Double>, stride: Int, count: Int, votes: UnsafeMutablePointer<UInt16>) {
        let classCount = classCount, group = Self.group
        wideNodes.withUnsafeBufferPointer { allNodes in
            leafClass.withUnsafeBufferPointer { allLeafClasses in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: group) { at in
                    var first = 0
                    while first < count {
                        let last = min(first + Self.chunk, count)
                        for (tree, root) in roots.enumerated() {
                            let nodes = allNodes.baseAddress! + root, leafClasses = allLeafClasses.baseAddress! + root
                            let depth = depths[tree]
                            var start = first
                            while start < last {
                                let size = min(group, last - start)
                                for g in 0..<size { at[g] = 0 }
                                var step = 0
                                while step < depth {
                                    // Branch-free: which way a sample goes is data, not a jump to mispredict.
                                    var changed = 0
                                    for g in 0..<size {
                                        let current = at[g]
                                        let node = nodes[current]
                                        let x = values[Int(node.feature) &* stride &+ start &+ g]
                                        let next = Int(node.child) &+ Int(unsafeBitCast(x > node.threshold, to: UInt8.self))
                                        changed |= next ^ current
                                        at[g] = next
                                    }
                                    if changed == 0 { break }
                                    step += 1
                                }
                                for g in 0..<size { votes[(start + g) * classCount + Int(leafClasses[at[g]])] &+= 1 }
                                start += size
                            }
                        }
                        first = last
                    }
                }
            }
        }
    }

    /// The class with most votes (the lowest class index on a tie) and its number of votes.
    @inline(__always)
    func winner(_ votes: UnsafePointer<UInt16>, sample: Int) -> (classIndex: Int, votes: Int) {
        var best = 0, most = Int(votes[sample * classCount])
        for k in 1..<max(classCount, 1) where Int(votes[sample * classCount + k]) > most {
            best = k
            most = Int(votes[sample * classCount + k])
        }
        return (best, most)
    }
}

/// Grows a forest of CART trees (Breiman 2001): each tree on a bootstrap sample (as weights), at each node the
/// best Gini split among `maxFeatures` predictors drawn at random, split points halfway between distinct values.
/// Tree t draws from its own stream `SeededRandom(seed, stream: t)`, and trees are built in parallel but kept
/// in tree order, so the forest is the same for a seed whatever the thread count.
public enum RandomForestTrainer {
    public static func train(_ samples: TrainingSamples, classCount: Int, parameters: ForestHyperParameters, threads: Int,
                             progress: (@Sendable (Double) -> Void)?) throws -> (trees: [DecisionTree], importance: [Double]) {
        let p = samples.featureCount, n = samples.count
        // Each predictor's sample order, sorted once; a tree keeps the in-bag part of it (already in order).
        let sortedOrders: [[Int32]] = (0..<p).map { j in
            (0..<n).map { Int32($0) }.sorted { a, b in
                let x = samples.features[Int(a) * p + j], y = samples.features[Int(b) * p + j]
                return x < y || (x == y && a < b)
            }
        }
        var classSamples = [Int](repeating: 0, count: classCount)
        for target in samples.targets { classSamples[Int(target)] += 1 }
        let classWeight = (0..<classCount).map { k in
            parameters.classWeight == "balanced" && classSamples[k] > 0 ? Double(n) / (Double(classCount) * Double(classSamples[k])) : 1.0
        }
        let classes = samples.targets.map { Int($0) }
        var trees: [DecisionTree] = []
        var importance = [Double](repeating: 0, count: p)
        let grower = TreeGrower(features: samples.features, classes: classes, featureCount: p, classCount: classCount,
                                classWeight: classWeight, parameters: parameters, sortedOrders: sortedOrders)
        try OrderedParallelMap.run(count: parameters.trees, threads: threads, maxInFlight: 2 * max(threads, 1), makeWorker: {
            { index in grower.grow(tree: index) }
        }, consume: { index, result in
            trees.append(result.tree)
            let total = result.importance.reduce(0, +)
            if total > 0 { for j in 0..<p { importance[j] += result.importance[j] / total } }
            progress?(Double(index + 1) / Double(parameters.trees))
        })
        let total = importance.reduce(0, +)
        if total > 0 { importance = importance.map { $0 / total } }
        return (trees, importance)
    }

    /// Share of `samples` whose class the forest's vote gives (NaN without samples).
    static func accuracy(forest: FlatForest, samples: TrainingSamples) -> Double {
        let p = samples.featureCount, n = samples.count
        guard n > 0 else { return .nan }
        var columns = [Double](repeating: 0, count: n * p)
        for i in 0..<n { for j in 0..<p { columns[j * n + i] = samples.features[i * p + j] } }
        var votes = [UInt16](repeating: 0, count: n * forest.classCount)
        var correct = 0
        columns.withUnsafeBufferPointer { columns in
            votes.withUnsafeMutableBufferPointer { votes in
                forest.vote(values: columns.baseAddress!, stride: n, count: n, votes: votes.baseAddress!)
                for i in 0..<n where forest.winner(votes.baseAddress!, sample: i).classIndex == Int(samples.targets[i]) { correct += 1 }
            }
        }
        return Double(correct) / Double(n)
    }

    /// The samples permutation importance is measured on when there are more than `cap` of them: `cap` indices
    /// drawn without replacement from `SeededRandom(seed, stream: 2_000_000)` (a shuffle, its first `cap`), in
    /// increasing order; nil when all `count` are used. Each shuffle votes the whole forest over them, so the cap
    /// keeps a forest trained on 100,000 cells from spending most of its time on its importance.
    static func importanceSample(count: Int, cap: Int, seed: Int) -> [Int]? {
        guard count > cap else { return nil }
        var generator = SeededRandom(seed: UInt64(bitPattern: Int64(seed)), stream: 2_000_000)
        var order = Array(0..<count)
        generator.shuffle(&order)
        return order.prefix(cap).sorted()
    }

    /// Accuracy of the forest on `samples`, and the drop in accuracy when each predictor is shuffled (5 times,
    /// each shuffle from `SeededRandom(seed, stream: 1_000_000 + 16 x predictor + repeat)`). The shuffles run in
    /// parallel; the drops are summed in predictor and repeat order, so the result does not depend on `threads`.
    static func permutationImportance(forest: FlatForest, samples: TrainingSamples, seed: Int, threads: Int) throws -> (accuracy: Double, importance: [Double]) {
        let p = samples.featureCount, n = samples.count
        guard n > 0 else { return (.nan, [Double](repeating: .nan, count: p)) }
        // Predictor by predictor, as the forest votes on them.
        var columns = [Double](repeating: 0, count: n * p)
        for i in 0..<n { for j in 0..<p { columns[j * n + i] = samples.features[i * p + j] } }
        let targets = samples.targets.map { Int($0) }
        let sharedColumns = columns
        @Sendable func accuracy(_ columns: UnsafePointer<Double>, votes: UnsafeMutablePointer<UInt16>) -> Double {
            forest.vote(values: columns, stride: n, count: n, votes: votes)
            var correct = 0
            for i in 0..<n where forest.winner(votes, sample: i).classIndex == targets[i] { correct += 1 }
            return Double(correct) / Double(n)
        }
        var baseVotes = [UInt16](repeating: 0, count: n * forest.classCount)
        let base = columns.withUnsafeBufferPointer { columns in
            baseVotes.withUnsafeMutableBufferPointer { accuracy(columns.baseAddress!, votes: $0.baseAddress!) }
        }
        let repeats = 5
        var drops = [Double](repeating: 0, count: p)
        try OrderedParallelMap.run(count: p * repeats, threads: threads, maxInFlight: 2 * max(threads, 1), makeWorker: {
            var mine = sharedColumns
            var votes = [UInt16](repeating: 0, count: n * forest.classCount)
            return { index -> Double in
                let j = index / repeats, trial = index % repeats
                var generator = SeededRandom(seed: UInt64(bitPattern: Int64(seed)), stream: UInt64(1_000_000 + 16 * j + trial))
                var order = Array(0..<n)
                generator.shuffle(&order)
                for i in 0..<n { mine[j * n + i] = sharedColumns[j * n + order[i]] }
                let shuffled = mine.withUnsafeBufferPointer { mine in
                    votes.withUnsafeMutableBufferPointer { accuracy(mine.baseAddress!, votes: $0.baseAddress!) }
                }
                for i in 0..<n { mine[j * n + i] = sharedColumns[j * n + i] }
                return shuffled
            }
        }, consume: { index, shuffled in
            drops[index / repeats] += base - shuffled
        })
        return (base, drops.map { $0 / Double(repeats) })
    }
}
