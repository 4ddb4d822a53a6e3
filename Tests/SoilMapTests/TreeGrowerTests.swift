import Foundation
import Testing
@testable import SoilMap

/// The forest's tree grower (presorted predictor arrays partitioned down the tree) against a plain CART written
/// here from the method: every node gathers its samples, sorts them by each tried predictor and scores every
/// boundary between distinct values. Same random draws, same rule on equal scores (the first found), same
/// midpoint thresholds: the trees must come out node for node the same, on the real nc-landsat training cells.
@Suite struct TreeGrowerTests {
    static func samples() throws -> TrainingSamples {
        let bands = ClassifierTests.bands.map { try! PredictorList.source($0) }
        let plan = try InputPlan.make(sources: bands, mask: nil, scale: nil, offset: nil)
        return try TrainingSamples.extract(plots: ClassifierTests.polygons, layer: nil, field: "label", target: .category, plan: plan,
                                           predictors: bands, cellsPerPolygon: nil, seed: 1)
    }

    @Test(arguments: [
        ForestHyperParameters(trees: 4, maxDepth: nil, minSamplesSplit: 2, minSamplesLeaf: 1, maxFeatures: 2, bootstrap: true, classWeight: "none", seed: 3),
        ForestHyperParameters(trees: 3, maxDepth: 6, minSamplesSplit: 10, minSamplesLeaf: 4, maxFeatures: 3, bootstrap: true, classWeight: "balanced", seed: 8),
        ForestHyperParameters(trees: 2, maxDepth: nil, minSamplesSplit: 2, minSamplesLeaf: 1, maxFeatures: 6, bootstrap: false, classWeight: "none", seed: 1),
    ])
    func growerEqualsAPlainCARTThatSortsEveryNode(parameters: ForestHyperParameters) throws {
        let samples = try Self.samples()
        let classCount = samples.labels.count
        #expect(samples.count == 1911 && classCount == 6)
        let grown = try RandomForestTrainer.train(samples, classCount: classCount, parameters: parameters, threads: 2, progress: nil)
        var importance = [Double](repeating: 0, count: samples.featureCount)
        for tree in 0..<parameters.trees {
            let plain = PlainCART(samples: samples, classCount: classCount, parameters: parameters).grow(tree: tree)
            #expect(grown.trees[tree] == plain.tree, "tree \(tree): \(grown.trees[tree].feature.count) vs \(plain.tree.feature.count) nodes")
            #expect(plain.tree.feature.count > 20)
            let total = plain.importance.reduce(0, +)
            for j in importance.indices { importance[j] += plain.importance[j] / total }
        }
        let total = importance.reduce(0, +)
        #expect(grown.importance == importance.map { $0 / total })
    }

    /// The prediction layout (breadth-first 16-byte nodes walked in lockstep) gives every sample the votes of a plain
    /// walk down each grown tree: on the training cells, and on cells moved exactly onto split thresholds (a value
    /// equal to the threshold goes left).
    @Test func flatForestVotesAsItsTreesDo() throws {
        let samples = try Self.samples()
        let p = samples.featureCount, K = samples.labels.count
        let parameters = ForestHyperParameters(trees: 7, maxDepth: nil, minSamplesSplit: 2, minSamplesLeaf: 1, maxFeatures: 2,
                                               bootstrap: true, classWeight: "none", seed: 11)
        let trees = try RandomForestTrainer.train(samples, classCount: K, parameters: parameters, threads: 1, progress: nil).trees
        var rows = samples.features
        for (index, tree) in trees.enumerated() {
            for node in tree.feature.indices where tree.feature[node] >= 0 && node % 3 == index % 3 {
                var row = Array(samples.row((node * 31 + index) % samples.count))
                row[tree.feature[node]] = tree.threshold[node]
                rows += row
            }
        }
        let n = rows.count / p
        #expect(n > samples.count + 500)
        var expected = [UInt16](repeating: 0, count: n * K)
        for tree in trees {
            for i in 0..<n {
                var node = 0
                while tree.feature[node] >= 0 { node = rows[i * p + tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node] }
                expected[i * K + tree.value[node]] += 1
            }
        }
        let model = RandomForestModel(hyperParameters: parameters, trees: trees, impurityImportance: [], permutationImportance: [],
                                      assessedOn: "training", accuracy: .nan)
        var columns = [Double](repeating: 0, count: n * p)
        for i in 0..<n { for j in 0..<p { columns[j * n + i] = rows[i * p + j] } }
        // Both layouts: thresholds as ranks among each predictor's distinct thresholds, and as Float64.
        for rankEncoding in [true, false] {
            let forest = FlatForest(model, classCount: K, featureCount: p, rankEncoding: rankEncoding)
            #expect(forest.isRankEncoded == rankEncoding)
            var votes = [UInt16](repeating: 7, count: n * K)
            columns.withUnsafeBufferPointer { columns in
                votes.withUnsafeMutableBufferPointer { forest.vote(values: columns.baseAddress!, stride: n, count: n, votes: $0.baseAddress!) }
            }
            #expect(votes == expected, "rank encoding \(rankEncoding)")
            #expect(forest.depths.max()! > 8 && forest.nodeCount == trees.reduce(0) { $0 + $1.feature.count })
        }
    }
}

/// CART as textbook code, slow on purpose (a sort per node and predictor).
private struct PlainCART {
    let samples: TrainingSamples
    let classCount: Int
    let parameters: ForestHyperParameters

    func grow(tree: Int) -> (tree: DecisionTree, importance: [Double]) {
        let n = samples.count, p = samples.featureCount, K = classCount
        let classes = samples.targets.map { Int($0) }
        func x(_ i: Int, _ j: Int) -> Double { samples.features[i * p + j] }
        var perClass = [Int](repeating: 0, count: K)
        for k in classes { perClass[k] += 1 }
        let classWeight = (0..<K).map { parameters.classWeight == "balanced" ? Double(n) / (Double(K) * Double(perClass[$0])) : 1.0 }
        var random = SeededRandom(seed: UInt64(bitPattern: Int64(parameters.seed)), stream: UInt64(tree))
        var drawn = [Int](repeating: parameters.bootstrap ? 0 : 1, count: n)
        if parameters.bootstrap { for _ in 0..<n { drawn[random.below(n)] += 1 } }
        let weight = (0..<n).map { Double(drawn[$0]) * classWeight[classes[$0]] }
        func sorted(_ members: [Int], by j: Int) -> [Int] { members.sorted { x($0, j) < x($1, j) || (x($0, j) == x($1, j) && $0 < $1) } }
        var result = DecisionTree(feature: [], threshold: [], left: [], right: [], value: [])
        var importance = [Double](repeating: 0, count: p)
        var candidates = Array(0..<p)

        func node(_ members: [Int], depth: Int) -> Int {
            let id = result.feature.count
            // Class weights summed with the samples in predictor 0's order.
            var counts = [Double](repeating: 0, count: K)
            for i in sorted(members, by: 0) { counts[classes[i]] += weight[i] }
            let total = counts.reduce(0, +), sumSquares = counts.reduce(0) { $0 + $1 * $1 }
            var majority = 0
            for k in 1..<K where counts[k] > counts[majority] { majority = k }
            result.feature.append(-1); result.threshold.append(0); result.left.append(-1); result.right.append(-1); result.value.append(majority)
            let impurity = 1 - sumSquares / (total * total)
            if let maxDepth = parameters.maxDepth, depth >= maxDepth { return id }
            if members.count < parameters.minSamplesSplit || members.count < 2 * parameters.minSamplesLeaf || impurity <= 1e-12 { return id }
            var best: (feature: Int, order: [Int], cut: Int, threshold: Double, score: Double)?
            var tried = 0
            for slot in 0..<p where tried < parameters.maxFeatures {
                candidates.swapAt(slot, slot + random.below(p - slot))
                let j = candidates[slot]
                let order = sorted(members, by: j)
                if x(order.first!, j) == x(order.last!, j) { continue }
                tried += 1
                var leftCounts = [Double](repeating: 0, count: K), leftWeight = 0.0
                for cut in 1..<order.count {
                    // order[..<cut] goes left, order[cut...] right.
                    leftCounts[classes[order[cut - 1]]] += weight[order[cut - 1]]
                    leftWeight += weight[order[cut - 1]]
                    guard cut >= parameters.minSamplesLeaf, order.count - cut >= parameters.minSamplesLeaf,
                          x(order[cut - 1], j) != x(order[cut], j) else { continue }
                    let rightWeight = total - leftWeight
                    guard leftWeight > 0, rightWeight > 0 else { continue }
                    // Gini: minimising W_L g(L) + W_R g(R) is maximising sum_k L_k^2 / W_L + sum_k R_k^2 / W_R.
                    var leftSquares = 0.0, rightSquares = 0.0
                    for k in 0..<K {
                        leftSquares += leftCounts[k] * leftCounts[k]
                        rightSquares += (counts[k] - leftCounts[k]) * (counts[k] - leftCounts[k])
                    }
                    let score = leftSquares / leftWeight + rightSquares / rightWeight
                    if best == nil || score > best!.score {
                        let a = x(order[cut - 1], j), b = x(order[cut], j)
                        var threshold = a / 2 + b / 2
                        if threshold >= b || threshold < a { threshold = a }
                        best = (j, order, cut, threshold, score)
                    }
                }
            }
            guard let split = best else { return id }
            importance[split.feature] += split.score - sumSquares / total
            result.feature[id] = split.feature
            result.threshold[id] = split.threshold
            let leftChild = node(Array(split.order[..<split.cut]), depth: depth + 1)
            let rightChild = node(Array(split.order[split.cut...]), depth: depth + 1)
            result.left[id] = leftChild
            result.right[id] = rightChild
            return id
        }
        _ = node((0..<n).filter { drawn[$0] > 0 }, depth: 0)
        return (result, importance)
    }
}
