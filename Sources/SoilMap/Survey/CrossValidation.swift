import Foundation

/// Cross-validation of a gridding method on the survey points: each point predicted from the others
/// (leave-one-out) or from the other folds (k-fold, folds drawn with a seed), with the same parameters and, for
/// kriging, the same variogram (fitted once on all points, as gstat's krige.cv does).
public enum CrossValidation {
    public enum Plan: Hashable, Sendable {
        case leaveOneOut
        case kFold(Int, seed: UInt64)

        public var name: String {
            switch self {
            case .leaveOneOut: return "loo"
            case .kFold(let folds, _): return "kfold:\(folds)"
            }
        }
    }

    /// Every held-out point's prediction, and the summary.
    public struct Result: Sendable {
        public var method: String
        public var observed: [Double]
        public var predicted: [Double]
        /// Kriging variance (NaN for other methods).
        public var variance: [Double]
        public var fold: [Int]
        public var statistics: Statistics
    }

    /// ME (mean of predicted - observed), MAE, RMSE, and R² = 1 - SSE/SST, over the points with a prediction.
    public struct Statistics: Sendable, Codable, Hashable {
        public var count: Int
        public var meanError: Double
        public var meanAbsoluteError: Double
        public var rootMeanSquareError: Double
        public var rSquared: Double

        public init(observed: [Double], predicted: [Double]) {
            let pairs = zip(observed, predicted).filter { !$0.1.isNaN }
            count = pairs.count
            let n = Double(max(1, pairs.count))
            meanError = pairs.reduce(0) { $0 + ($1.1 - $1.0) } / n
            meanAbsoluteError = pairs.reduce(0) { $0 + abs($1.1 - $1.0) } / n
            let sse = pairs.reduce(0) { $0 + ($1.1 - $1.0) * ($1.1 - $1.0) }
            rootMeanSquareError = (sse / n).squareRoot()
            let mean = pairs.reduce(0) { $0 + $1.0 } / n
            let sst = pairs.reduce(0) { $0 + ($1.0 - mean) * ($1.0 - mean) }
            rSquared = sst > 0 ? 1 - sse / sst : .nan
        }

        public var text: String {
            String(format: "n=%d ME=%.6g MAE=%.6g RMSE=%.6g R2=%.6g", count, meanError, meanAbsoluteError, rootMeanSquareError, rSquared)
        }
    }

    /// The fold of each point: a seeded shuffle (SplitMix64, Fisher-Yates) dealt round-robin into `folds`.
    public static func folds(count: Int, folds: Int, seed: UInt64) -> [Int] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            order.swapAt(i, j)
        }
        var fold = [Int](repeating: 0, count: count)
        for (position, point) in order.enumerated() { fold[point] = position % folds }
        return fold
    }

    static func run(_ plan: Plan, algorithm: GridAlgorithm, method: String, field: SurveyField, variogram: VariogramModel?) throws -> Result {
        var predicted = [Double](repeating: .nan, count: field.count), variance = predicted
        var foldOf = Array(0..<field.count)
        switch plan {
        case .leaveOneOut:
            if field.triangulation != nil {
                // A triangulation cannot skip a point: each point is predicted from the others' own triangulation.
                for point in 0..<field.count {
                    let estimator = PointEstimator(algorithm: algorithm, field: try field.without(point), variogram: variogram)
                    (predicted[point], variance[point]) = estimator.estimate(field.x[point], field.y[point])
                }
            } else {
                let estimator = PointEstimator(algorithm: algorithm, field: field, variogram: variogram)
                for point in 0..<field.count {
                    (predicted[point], variance[point]) = estimator.estimate(field.x[point], field.y[point], excluding: point)
                }
            }
        case .kFold(let folds, let seed):
            foldOf = Self.folds(count: field.count, folds: folds, seed: seed)
            for fold in 0..<folds {
                let training = (0..<field.count).filter { foldOf[$0] != fold }
                guard !training.isEmpty else { continue }
                let subset = try SurveyField(x: training.map { field.x[$0] }, y: training.map { field.y[$0] }, z: training.map { field.z[$0] },
                                             triangulated: field.triangulation != nil)
                let estimator = PointEstimator(algorithm: algorithm, field: subset, variogram: variogram)
                for point in 0..<field.count where foldOf[point] == fold {
                    estimator.resetSearch()
                    (predicted[point], variance[point]) = estimator.estimate(field.x[point], field.y[point])
                }
            }
        }
        return Result(method: method, observed: field.z, predicted: predicted, variance: variance, fold: foldOf,
                      statistics: Statistics(observed: field.z, predicted: predicted))
    }
}
