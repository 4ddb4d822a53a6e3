import Foundation

/// A k-means model: the centres (in the predictors' units), how they were found, and on which cells.
public struct KMeansModel: Codable, Sendable, Equatable {
    public var k: Int
    /// The k-means++ centres the iterations started from.
    public var initialCentres: [[Double]]
    public var centres: [[Double]]
    public var iterations: Int
    /// True when an iteration changed no assignment (Lloyd's fixed point); false when `maxIterations` stopped it.
    public var converged: Bool
    public var maxIterations: Int
    /// Sum of squared distances of the samples to their centres.
    public var inertia: Double
    /// Samples were the valid cells at rows and columns 0, step, 2 step, ... of the grid.
    public var sampleStep: Int
    public var samples: Int

    enum CodingKeys: String, CodingKey {
        case k, initialCentres = "initial_centres", centres, iterations, converged, maxIterations = "max_iterations", inertia
        case sampleStep = "sample_step", samples
    }

    /// The nearest centre (squared Euclidean distance; the lowest index on a tie).
    @inline(__always)
    static func nearest(_ x: (Int) -> Double, centres: [Double], k: Int, p: Int) -> (index: Int, distance: Double) {
        var best = 0, bestDistance = Double.infinity
        for c in 0..<k {
            var distance = 0.0
            for j in 0..<p {
                let d = x(j) - centres[c * p + j]
                distance += d * d
            }
            if distance < bestDistance {
                best = c
                bestDistance = distance
            }
        }
        return (best, bestDistance)
    }
}

/// k-means with k-means++ seeding (Arthur and Vassilvitskii 2007: the first centre a uniformly drawn sample, each
/// next one drawn with probability proportional to its squared distance to the nearest chosen centre), then
/// Lloyd's iterations until no sample changes cluster. One thread, sums in sample order: the same seed gives the
/// same centres, bit for bit.
public enum KMeansTrainer {
    public static func train(rows: [Double], featureCount p: Int, k: Int, seed: Int, maxIterations: Int,
                             progress: (@Sendable (Double) -> Void)?) throws -> (initial: [Double], centres: [Double], labels: [Int], iterations: Int, converged: Bool, inertia: Double) {
        let n = rows.count / max(p, 1)
        guard k >= 2 else { throw SoilMapError.invalidArgument("--classes \(k): k-means needs 2 or more clusters") }
        guard n >= k else { throw SoilMapError.invalidArgument("\(n) valid cells sampled for \(k) clusters: use fewer clusters or more samples") }
        var generator = SeededRandom(seed: UInt64(bitPattern: Int64(seed)), stream: 0x4B4D_4541_4E53)
        var centres = [Double](repeating: 0, count: k * p)
        let first = generator.below(n)
        for j in 0..<p { centres[j] = rows[first * p + j] }
        var nearest = [Double](repeating: .infinity, count: n)
        for c in 1..<k {
            var total = 0.0
            for i in 0..<n {
                var distance = 0.0
                for j in 0..<p {
                    let d = rows[i * p + j] - centres[(c - 1) * p + j]
                    distance += d * d
                }
                nearest[i] = min(nearest[i], distance)
                total += nearest[i]
            }
            guard total > 0 else { throw SoilMapError.invalidArgument("the sampled cells have fewer than \(k) distinct values: use fewer clusters") }
            let target = generator.unit() * total
            var cumulative = 0.0, chosen = n - 1
            for i in 0..<n {
                cumulative += nearest[i]
                if cumulative > target && nearest[i] > 0 { chosen = i; break }
            }
            for j in 0..<p { centres[c * p + j] = rows[chosen * p + j] }
        }
        let initial = centres
        var labels = [Int](repeating: -1, count: n)
        var iterations = 0, converged = false, inertia = 0.0
        while iterations < maxIterations {
            iterations += 1
            var changed = false
            inertia = 0
            for i in 0..<n {
                let best = KMeansModel.nearest({ rows[i * p + $0] }, centres: centres, k: k, p: p)
                inertia += best.distance
                if labels[i] != best.index { labels[i] = best.index; changed = true }
            }
            if !changed { converged = true; break }
            var sums = [Double](repeating: 0, count: k * p), counts = [Int](repeating: 0, count: k)
            for i in 0..<n {
                counts[labels[i]] += 1
                for j in 0..<p { sums[labels[i] * p + j] += rows[i * p + j] }
            }
            // An emptied cluster keeps its centre.
            for c in 0..<k where counts[c] > 0 { for j in 0..<p { centres[c * p + j] = sums[c * p + j] / Double(counts[c]) } }
            progress?(Double(iterations) / Double(maxIterations))
        }
        return (initial, centres, labels, iterations, converged, inertia)
    }
}
