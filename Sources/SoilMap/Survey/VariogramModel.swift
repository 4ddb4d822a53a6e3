import Foundation

/// A variogram model, in PyKrige's conventions so that parameters carry over: `sill` is the total sill (partial
/// sill + nugget), `range` the practical range (exponential: 3 x the scale; gaussian: 7/4 x the scale). The
/// semivariance at distance 0 is 0; at any distance above 0 it includes the nugget.
public struct VariogramModel: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable { case spherical, exponential, gaussian }

    public var kind: Kind
    public var sill: Double
    public var range: Double
    public var nugget: Double

    public init(kind: Kind, sill: Double, range: Double, nugget: Double) {
        self.kind = kind
        self.sill = sill
        self.range = range
        self.nugget = nugget
    }

    public var partialSill: Double { sill - nugget }

    /// The shape, 0 at 0 rising to 1: semivariance = nugget + partial sill x shape.
    @inline(__always)
    static func shape(_ kind: Kind, _ h: Double, range: Double) -> Double {
        switch kind {
        case .spherical:
            if h >= range { return 1 }
            let ratio = h / range
            return 1.5 * ratio - 0.5 * ratio * ratio * ratio
        case .exponential:
            return 1 - exp(-h / (range / 3))
        case .gaussian:
            let scale = range * 4 / 7
            return 1 - exp(-(h * h) / (scale * scale))
        }
    }

    /// Semivariance at distance `h`; distances within 1e-10 (PyKrige's) count as the same place.
    @inline(__always)
    public func semivariance(_ h: Double) -> Double {
        h <= Self.samePlace ? 0 : nugget + partialSill * Self.shape(kind, h, range: range)
    }

    static let samePlace = 1e-10

    public var description: String {
        "\(kind.rawValue): sill=\(String(format: "%.6g", sill)) range=\(String(format: "%.6g", range)) nugget=\(String(format: "%.6g", nugget))"
    }

    /// The `kriging:` parameters that give exactly this model.
    public var algorithmText: String {
        "model=\(kind.rawValue):sill=\(String(format: "%.10g", sill)):range=\(String(format: "%.10g", range)):nugget=\(String(format: "%.10g", nugget))"
    }
}

/// The empirical (Matheron) semivariogram: pairs binned by distance into `lagCount` classes of equal width up
/// to `maxLag` (a pair at distance d falls in class ceil(d / width), right-closed as gstat does); each class's
/// semivariance is half the mean squared difference, at the mean distance of its pairs.
public struct EmpiricalVariogram: Sendable, Codable, Hashable {
    public var distances: [Double]
    public var semivariances: [Double]
    public var pairCounts: [Int]
    public var maxLag: Double

    /// `maxLag` 0: a third of the diagonal of the points' bounding box (gstat's default cutoff).
    public init(x: [Double], y: [Double], values: [Double], lagCount: Int, maxLag: Double) {
        var cutoff = maxLag
        if cutoff <= 0 {
            let width = (x.max() ?? 0) - (x.min() ?? 0), height = (y.max() ?? 0) - (y.min() ?? 0)
            cutoff = (width * width + height * height).squareRoot() / 3
        }
        let binWidth = cutoff / Double(lagCount)
        var sumDistance = [Double](repeating: 0, count: lagCount), sumSquares = sumDistance
        var counts = [Int](repeating: 0, count: lagCount)
        for i in 0..<x.count {
            for j in (i + 1)..<max(i + 1, x.count) {
                let dx = x[i] - x[j], dy = y[i] - y[j]
                let distance = (dx * dx + dy * dy).squareRoot()
                guard distance > 0, distance <= cutoff else { continue }
                let bin = min(lagCount - 1, Int((distance / binWidth).rounded(.up)) - 1)
                let difference = values[i] - values[j]
                sumDistance[bin] += distance
                sumSquares[bin] += difference * difference
                counts[bin] += 1
            }
        }
        let used = (0..<lagCount).filter { counts[$0] > 0 }
        distances = used.map { sumDistance[$0] / Double(counts[$0]) }
        semivariances = used.map { sumSquares[$0] / (2 * Double(counts[$0])) }
        pairCounts = used.map { counts[$0] }
        self.maxLag = cutoff
    }

    /// Fits a model by weighted least squares with gstat's default weights (fit.method = 7: N_j / h_j²), nugget
    /// and partial sill >= 0. The model is linear in (nugget, partial sill) for a fixed range, so for each range
    /// those two come from a 2x2 weighted normal system (clamped at 0); the range is searched on a fine grid up to
    /// 2 x the largest lag, then refined by golden-section search: the global optimum, from no starting guess.
    public func fit(_ kind: VariogramModel.Kind) throws -> (model: VariogramModel, weightedSSE: Double) {
        guard distances.count >= 3 else {
            throw SoilMapError.invalidArgument("kriging: only \(distances.count) lag classes have pairs; a variogram needs 3 or more (fewer points than parameters?)")
        }
        let weights = zip(pairCounts, distances).map { Double($0) / ($1 * $1) }
        func solve(range: Double) -> (nugget: Double, partialSill: Double, sse: Double) {
            let shapes = distances.map { VariogramModel.shape(kind, $0, range: range) }
            // Candidates: the unconstrained optimum, and each parameter pinned at 0.
            var best = (nugget: 0.0, partialSill: 0.0, sse: Double.infinity)
            func consider(_ nugget: Double, _ partialSill: Double) {
                guard nugget >= 0, partialSill >= 0 else { return }
                var sse = 0.0
                for k in distances.indices {
                    let residual = semivariances[k] - nugget - partialSill * shapes[k]
                    sse += weights[k] * residual * residual
                }
                if sse < best.sse { best = (nugget, partialSill, sse) }
            }
            var sw = 0.0, sf = 0.0, sff = 0.0, sy = 0.0, sfy = 0.0
            for k in distances.indices {
                let w = weights[k], f = shapes[k], g = semivariances[k]
                sw += w; sf += w * f; sff += w * f * f; sy += w * g; sfy += w * f * g
            }
            let determinant = sw * sff - sf * sf
            if abs(determinant) > 1e-300 { consider((sy * sff - sf * sfy) / determinant, (sw * sfy - sf * sy) / determinant) }
            if sff > 0 { consider(0, sfy / sff) }
            if sw > 0 { consider(sy / sw, 0) }
            return best
        }
        let largest = distances.max()!
        let steps = 400
        var bestRange = largest, bestSSE = Double.infinity
        for step in 1...steps {
            let range = 2 * largest * Double(step) / Double(steps)
            let sse = solve(range: range).sse
            if sse < bestSSE { bestSSE = sse; bestRange = range }
        }
        var low = max(1e-12, bestRange - 2 * largest / Double(steps)), high = bestRange + 2 * largest / Double(steps)
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<100 {
            let a = high - ratio * (high - low), b = low + ratio * (high - low)
            if solve(range: a).sse <= solve(range: b).sse { high = b } else { low = a }
        }
        let range = (low + high) / 2
        let fitted = solve(range: range)
        guard fitted.partialSill > 0 else {
            throw SoilMapError.invalidArgument("kriging: the fitted \(kind.rawValue) variogram is flat (pure nugget): the values show no spatial structure; give sill/range/nugget or use another method")
        }
        return (VariogramModel(kind: kind, sill: fitted.nugget + fitted.partialSill, range: range, nugget: fitted.nugget), fitted.sse)
    }
}
