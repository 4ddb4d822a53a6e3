import Foundation

/// Grows one CART tree of a forest (see `RandomForestTrainer`).
///
/// Each predictor's in-bag samples are kept as one array of records (value, weight, sample, class) sorted by that
/// predictor's value, the order taken from the forest-wide sort. A node owns the same range of every predictor's
/// array; a split partitions every range stably, so no node sorts anything, and the split search walks its range
/// front to back with everything it needs in the record (no random reads into the feature matrix).
///
/// The search is exact: every boundary between distinct values of a tried predictor is scored, the best weighted
/// Gini split wins, on equal scores the first found (predictors in their drawn order, then lower values), and
/// the threshold is the midpoint of the two values.
struct TreeGrower {
    /// One in-bag sample as a predictor's sorted array holds it. 24 bytes, so a node's range streams through cache.
    struct Entry {
        var value: Double
        var weight: Double
        var sample: Int32
        var classIndex: Int32
    }

    let features: [Double]
    let classes: [Int]
    let featureCount: Int
    let classCount: Int
    let classWeight: [Double]
    let parameters: ForestHyperParameters
    /// Each predictor's sample order over all samples, sorted once per forest.
    let sortedOrders: [[Int32]]

    func grow(tree: Int) -> (tree: DecisionTree, importance: [Double]) {
        let n = classes.count, p = featureCount, K = classCount
        var generator = SeededRandom(seed: UInt64(bitPattern: Int64(parameters.seed)), stream: UInt64(tree))
        var drawn = [Int](repeating: parameters.bootstrap ? 0 : 1, count: n)
        if parameters.bootstrap { for _ in 0..<n { drawn[generator.below(n)] += 1 } }
        let weight = (0..<n).map { Double(drawn[$0]) * classWeight[classes[$0]] }
        let inBag = drawn.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        var entries = [Entry](repeating: Entry(value: 0, weight: 0, sample: 0, classIndex: 0), count: p * inBag)
        for j in 0..<p {
            var position = j * inBag
            for sample in sortedOrders[j] where drawn[Int(sample)] > 0 {
                let i = Int(sample)
                entries[position] = Entry(value: features[i * p + j], weight: weight[i], sample: sample, classIndex: Int32(classes[i]))
                position += 1
            }
        }
        var nodes = DecisionTree(feature: [], threshold: [], left: [], right: [], value: [])
        var importance = [Double](repeating: 0, count: p)
        var scratch = [Entry](repeating: Entry(value: 0, weight: 0, sample: 0, classIndex: 0), count: inBag)
        var goesLeft = [Bool](repeating: false, count: n)
        var counts = [Double](repeating: 0, count: K), leftCounts = [Double](repeating: 0, count: K)
        var candidates = Array(0..<p)
        let maxFeatures = parameters.maxFeatures, minSamplesLeaf = parameters.minSamplesLeaf
        let minSamplesSplit = parameters.minSamplesSplit, maxDepth = parameters.maxDepth

        entries.withUnsafeMutableBufferPointer { entriesBuffer in
        scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        goesLeft.withUnsafeMutableBufferPointer { goesLeft in
        counts.withUnsafeMutableBufferPointer { counts in
        leftCounts.withUnsafeMutableBufferPointer { leftCounts in
            let entries = entriesBuffer.baseAddress!, scratch = scratchBuffer.baseAddress!
            struct Task { var start: Int; var end: Int; var depth: Int; var parent: Int; var isLeft: Bool }
            // Depth first, left child first: nodes are numbered in preorder and draw their predictors in that order.
            var stack = [Task(start: 0, end: inBag, depth: 0, parent: -1, isLeft: true)]
            while let task = stack.popLast() {
                let id = nodes.feature.count
                if task.parent >= 0 {
                    if task.isLeft { nodes.left[task.parent] = id } else { nodes.right[task.parent] = id }
                }
                // Class weights summed in predictor 0's order (the order fixes the rounding).
                for k in 0..<K { counts[k] = 0 }
                for position in task.start..<task.end {
                    let entry = entries[position]
                    counts[Int(entry.classIndex)] += entry.weight
                }
                var total = 0.0, sumSquares = 0.0
                for k in 0..<K { total += counts[k] }
                var majority = 0
                for k in 1..<max(K, 1) where counts[k] > counts[majority] { majority = k }
                nodes.feature.append(-1)
                nodes.threshold.append(0)
                nodes.left.append(-1)
                nodes.right.append(-1)
                nodes.value.append(majority)
                let size = task.end - task.start
                for k in 0..<K { sumSquares += counts[k] * counts[k] }
                let impurity = total > 0 ? 1 - sumSquares / (total * total) : 0
                if let maxDepth, task.depth >= maxDepth { continue }
                if size < minSamplesSplit || size < 2 * minSamplesLeaf || impurity <= 1e-12 { continue }
                // Predictors in a random order; the first `maxFeatures` that vary in this node are tried.
                var bestFeature = -1, bestPosition = 0, bestThreshold = 0.0, bestScore = 0.0
                var tried = 0
                for slot in 0..<p where tried < maxFeatures {
                    let pick = slot + generator.below(p - slot)
                    candidates.swapAt(slot, pick)
                    let j = candidates[slot]
                    let range = entries + j * inBag
                    if range[task.start].value == range[task.end - 1].value { continue }
                    tried += 1
                    for k in 0..<K { leftCounts[k] = 0 }
                    var leftWeight = 0.0
                    for position in task.start..<(task.end - 1) {
                        let entry = range[position]
                        leftCounts[Int(entry.classIndex)] += entry.weight
                        leftWeight += entry.weight
                        let leftSize = position - task.start + 1
                        if leftSize < minSamplesLeaf { continue }
                        if size - leftSize < minSamplesLeaf { break }
                        let x = entry.value, next = range[position + 1].value
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
                        if bestFeature < 0 || score > bestScore {
                            var threshold = x / 2 + next / 2
                            if threshold >= next || threshold < x { threshold = x }
                            (bestFeature, bestPosition, bestThreshold, bestScore) = (j, position, threshold, score)
                        }
                    }
                }
                guard bestFeature >= 0 else { continue }
                // Impurity decrease, weighted: W g(node) - W_L g(L) - W_R g(R) = score - sumSquares / W.
                importance[bestFeature] += bestScore - sumSquares / total
                let splitRange = entries + bestFeature * inBag
                for position in task.start..<task.end {
                    goesLeft[Int(splitRange[position].sample)] = position <= bestPosition
                }
                let leftSize = bestPosition - task.start + 1
                let middle = task.start + leftSize
                for j in 0..<p {
                    // Stable partition: left entries move down in place (never past the reader), right ones wait in
                    // scratch and are copied back behind them.
                    let range = entries + j * inBag
                    if j == bestFeature { continue }   // already in order: left part first
                    var leftEnd = task.start, rightCount = 0
                    for position in task.start..<task.end {
                        let entry = range[position]
                        if goesLeft[Int(entry.sample)] {
                            range[leftEnd] = entry
                            leftEnd += 1
                        } else {
                            scratch[rightCount] = entry
                            rightCount += 1
                        }
                    }
                    (range + middle).update(from: scratch, count: rightCount)
                }
                nodes.feature[id] = bestFeature
                nodes.threshold[id] = bestThreshold
                stack.append(Task(start: middle, end: task.end, depth: task.depth + 1, parent: id, isLeft: false))
                stack.append(Task(start: task.start, end: middle, depth: task.depth + 1, parent: id, isLeft: true))
            }
        }
        }
        }
        }
        }
        return (nodes, importance)
    }
}
