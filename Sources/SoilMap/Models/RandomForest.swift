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

/// A trained forest: its settings, its trees, and what it says about the predictors.
public struct RandomForestModel: Codable, Sendable {
    public var hyperParameters: ForestHyperParameters
    public var trees: [DecisionTree]
    /// Mean decrease in impurity (weighted Gini), per predictor, normalised to sum 1 (each tree's, then the mean).
    public var impurityImportance: [Double]
    /// Drop in accuracy when a predictor's values are shuffled among the assessed samples (mean of 5 seeded shuffles).
    public var permutationImportance: [Double]
    /// Which samples the permutation importance and accuracy were measured on ("validation", or "training").
    public var assessedOn: String
    public var accuracy: Double

    enum CodingKeys: String, CodingKey {
        case hyperParameters = "hyper_parameters", trees, impurityImportance = "impurity_importance"
        case permutationImportance = "permutation_importance", assessedOn = "assessed_on", accuracy
    }
}

/// The forest flattened for prediction: every tree's nodes in one set of arrays, roots at `roots`.
struct FlatForest: Sendable {
    let feature: [Int32]
    let threshold: [Double]
    let left: [Int32]
    let right: [Int32]
    let value: [Int32]
    let roots: [Int]
    let classCount: Int

    init(_ model: RandomForestModel, classCount: Int) {
        var feature: [Int32] = [], threshold: [Double] = [], left: [Int32] = [], right: [Int32] = [], value: [Int32] = [], roots: [Int] = []
        for tree in model.trees {
            let base = feature.count
            roots.append(base)
            feature += tree.feature.map { Int32($0) }
            threshold += tree.threshold
            left += tree.left.map { Int32($0 + base) }
            right += tree.right.map { Int32($0 + base) }
            value += tree.value.map { Int32($0) }
        }
        (self.feature, self.threshold, self.left, self.right, self.value, self.roots) = (feature, threshold, left, right, value, roots)
        self.classCount = classCount
    }

    /// Votes of every tree for `count` samples whose predictor j is at `values[j * stride + i]`; `votes` holds
    /// count x classCount counters (zeroed here). Tree by tree, so a tree's nodes stay in cache.
    func vote(values: UnsafePointer<Double>, stride: Int, count: Int, votes: UnsafeMutablePointer<UInt16>) {
        votes.initialize(repeating: 0, count: count * classCount)
        feature.withUnsafeBufferPointer { feature in
            threshold.withUnsafeBufferPointer { threshold in
                left.withUnsafeBufferPointer { left in
                    right.withUnsafeBufferPointer { right in
                        value.withUnsafeBufferPointer { value in
                            for root in roots {
                                for sample in 0..<count {
                                    var node = root
                                    while feature[node] >= 0 {
                                        let x = values[Int(feature[node]) * stride + sample]
                                        node = Int(x <= threshold[node] ? left[node] : right[node])
                                    }
                                    votes[sample * classCount + Int(value[node])] &+= 1
                                }
                            }
                        }
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

    /// Predicted class index of each of `count` samples given row-major (`featureCount` values per row).
    func predict(rows: [Double], featureCount: Int) -> [Int] {
        let count = rows.count / max(featureCount, 1)
        guard count > 0 else { return [] }
        var columns = [Double](repeating: 0, count: rows.count)
        for i in 0..<count { for j in 0..<featureCount { columns[j * count + i] = rows[i * featureCount + j] } }
        var votes = [UInt16](repeating: 0, count: count * classCount)
        return columns.withUnsafeBufferPointer { columns in
            votes.withUnsafeMutableBufferPointer { votes in
                vote(values: columns.baseAddress!, stride: count, count: count, votes: votes.baseAddress!)
                return (0..<count).map { winner(votes.baseAddress!, sample: $0).classIndex }
            }
        }
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
        try OrderedParallelMap.run(count: parameters.trees, threads: threads, maxInFlight: 2 * max(threads, 1), makeWorker: {
            { index in
                TreeGrower(features: samples.features, classes: classes, featureCount: p, classCount: classCount,
                           classWeight: classWeight, parameters: parameters, sortedOrders: sortedOrders, tree: index).grow()
            }
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

    /// Accuracy of the forest on `samples`, and the drop in accuracy when each predictor is shuffled (5 times,
    /// each shuffle from `SeededRandom(seed, stream: 1_000_000 + 16 x predictor + repeat)`).
    static func permutationImportance(forest: FlatForest, samples: TrainingSamples, seed: Int) -> (accuracy: Double, importance: [Double]) {
        let p = samples.featureCount, n = samples.count
        guard n > 0 else { return (.nan, [Double](repeating: .nan, count: p)) }
        func accuracy(_ rows: [Double]) -> Double {
            let predicted = forest.predict(rows: rows, featureCount: p)
            return Double(zip(predicted, samples.targets).filter { Double($0) == $1 }.count) / Double(n)
        }
        let base = accuracy(samples.features)
        let repeats = 5
        let importance = (0..<p).map { j -> Double in
            var drop = 0.0
            for trial in 0..<repeats {
                var generator = SeededRandom(seed: UInt64(bitPattern: Int64(seed)), stream: UInt64(1_000_000 + 16 * j + trial))
                var order = Array(0..<n)
                generator.shuffle(&order)
                var rows = samples.features
                for i in 0..<n { rows[i * p + j] = samples.features[order[i] * p + j] }
                drop += base - accuracy(rows)
            }
            return drop / Double(repeats)
        }
        return (base, importance)
    }
}

/// Grows one tree. Samples in a node occupy the same range of every predictor's order array, each range sorted
/// by its predictor; a split partitions every range stably, so no node sorts anything.
private struct TreeGrower {
    let features: [Double]
    let classes: [Int]
    let featureCount: Int
    let classCount: Int
    let classWeight: [Double]
    let parameters: ForestHyperParameters
    let sortedOrders: [[Int32]]
    let tree: Int

    func grow() -> (tree: DecisionTree, importance: [Double]) {
        let n = classes.count, p = featureCount, K = classCount
        var generator = SeededRandom(seed: UInt64(bitPattern: Int64(parameters.seed)), stream: UInt64(tree))
        var drawn = [Int](repeating: parameters.bootstrap ? 0 : 1, count: n)
        if parameters.bootstrap { for _ in 0..<n { drawn[generator.below(n)] += 1 } }
        let weight = (0..<n).map { Double(drawn[$0]) * classWeight[classes[$0]] }
        let inBag = drawn.filter { $0 > 0 }.count
        var orders = [Int32](repeating: 0, count: p * inBag)
        for j in 0..<p {
            var position = j * inBag
            for sample in sortedOrders[j] where drawn[Int(sample)] > 0 {
                orders[position] = sample
                position += 1
            }
        }
        var scratch = [Int32](repeating: 0, count: inBag)
        var goesLeft = [Bool](repeating: false, count: n)
        var nodes = DecisionTree(feature: [], threshold: [], left: [], right: [], value: [])
        var importance = [Double](repeating: 0, count: p)
        struct Task { var start: Int; var end: Int; var depth: Int; var parent: Int; var isLeft: Bool }
        var stack = [Task(start: 0, end: inBag, depth: 0, parent: -1, isLeft: true)]
        var counts = [Double](repeating: 0, count: K), leftCounts = [Double](repeating: 0, count: K)
        var candidates = Array(0..<p)
        while let task = stack.popLast() {
            let id = nodes.feature.count
            if task.parent >= 0 {
                if task.isLeft { nodes.left[task.parent] = id } else { nodes.right[task.parent] = id }
            }
            for k in 0..<K { counts[k] = 0 }
            for position in task.start..<task.end {
                let sample = Int(orders[position])
                counts[classes[sample]] += weight[sample]
            }
            let total = counts.reduce(0, +)
            var majority = 0
            for k in 1..<max(K, 1) where counts[k] > counts[majority] { majority = k }
            nodes.feature.append(-1)
            nodes.threshold.append(0)
            nodes.left.append(-1)
            nodes.right.append(-1)
            nodes.value.append(majority)
            let size = task.end - task.start
            let sumSquares = counts.reduce(0) { $0 + $1 * $1 }
            let impurity = total > 0 ? 1 - sumSquares / (total * total) : 0
            if let maxDepth = parameters.maxDepth, task.depth >= maxDepth { continue }
            if size < parameters.minSamplesSplit || size < 2 * parameters.minSamplesLeaf || impurity <= 1e-12 { continue }
            // Predictors in a random order; the first `maxFeatures` that vary in this node are tried.
            var best: (feature: Int, position: Int, threshold: Double, score: Double)?
            var tried = 0
            for slot in 0..<p where tried < parameters.maxFeatures {
                let pick = slot + generator.below(p - slot)
                candidates.swapAt(slot, pick)
                let j = candidates[slot]
                let base = j * inBag
                let first = features[Int(orders[base + task.start]) * p + j], last = features[Int(orders[base + task.end - 1]) * p + j]
                if first == last { continue }
                tried += 1
                for k in 0..<K { leftCounts[k] = 0 }
                var leftWeight = 0.0
                for position in task.start..<(task.end - 1) {
                    let sample = Int(orders[base + position])
                    leftCounts[classes[sample]] += weight[sample]
                    leftWeight += weight[sample]
                    let leftSize = position - task.start + 1
                    if leftSize < parameters.minSamplesLeaf { continue }
                    if size - leftSize < parameters.minSamplesLeaf { break }
                    let x = features[sample * p + j], next = features[Int(orders[base + position + 1]) * p + j]
                    if x == next { continue }
                    let rightWeight = total - leftWeight
                    guard leftWeight > 0, rightWeight > 0 else { continue }
                    var leftSquares = 0.0, rightSquares = 0.0
                    for k in 0..<K {
                        leftSquares += leftCounts[k] * leftCounts[k]
                        let right = counts[k] - leftCounts[k]
                        rightSquares += right * right
                    }
                    // Maximising this minimises the children's weighted Gini impurity.
                    let score = leftSquares / leftWeight + rightSquares / rightWeight
                    if best == nil || score > best!.score {
                        var threshold = x / 2 + next / 2
                        if threshold >= next || threshold < x { threshold = x }
                        best = (j, position, threshold, score)
                    }
                }
            }
            guard let split = best else { continue }
            // Impurity decrease, weighted: W g(node) - W_L g(L) - W_R g(R) = score - sumSquares / W.
            importance[split.feature] += split.score - sumSquares / total
            let splitBase = split.feature * inBag
            for position in task.start..<task.end {
                goesLeft[Int(orders[splitBase + position])] = position <= split.position
            }
            let leftSize = split.position - task.start + 1
            for j in 0..<p {
                let base = j * inBag
                var leftEnd = 0, rightEnd = leftSize
                for position in task.start..<task.end {
                    let sample = orders[base + position]
                    if goesLeft[Int(sample)] { scratch[leftEnd] = sample; leftEnd += 1 } else { scratch[rightEnd] = sample; rightEnd += 1 }
                }
                for offset in 0..<size { orders[base + task.start + offset] = scratch[offset] }
            }
            nodes.feature[id] = split.feature
            nodes.threshold[id] = split.threshold
            let middle = task.start + leftSize
            stack.append(Task(start: middle, end: task.end, depth: task.depth + 1, parent: id, isLeft: false))
            stack.append(Task(start: task.start, end: middle, depth: task.depth + 1, parent: id, isLeft: true))
        }
        return (nodes, importance)
    }
}
