import Foundation

/// A fitted linear model: y (or ln y) = b0 + b1 x1 + ... + bp xp, with the statistics of ordinary least squares.
public struct LinearModel: Codable, Sendable, Equatable {
    /// "intercept", then the predictors' roles.
    public var terms: [String]
    public var coefficients: [Double]
    public var standardErrors: [Double]
    public var tValues: [Double]
    public var pValues: [Double]
    /// The measured property: its field, its unit, and whether the model is of its natural logarithm.
    public var target: String
    public var unit: String
    public var logTarget: Bool
    public var statistics: LinearFitStatistics
    public var crossValidation: LinearCrossValidation?

    enum CodingKeys: String, CodingKey {
        case terms, coefficients, standardErrors = "standard_errors", tValues = "t_values", pValues = "p_values", target, unit
        case logTarget = "log_target", statistics, crossValidation = "cross_validation"
    }

    /// The model's value for one row of predictors, in the target's own units (exp of the fit for a log model).
    @inline(__always)
    func predict(_ row: UnsafePointer<Double>, stride: Int) -> Double {
        var value = coefficients[0]
        for index in 1..<coefficients.count { value += coefficients[index] * row[(index - 1) * stride] }
        return logTarget ? exp(value) : value
    }
}

/// Goodness of fit, all on the fitted scale (ln of the target for a log model).
public struct LinearFitStatistics: Codable, Sendable, Equatable {
    public var samples: Int
    public var parameters: Int
    public var rSquared: Double
    public var adjustedRSquared: Double
    /// sqrt(SSE / n).
    public var rmse: Double
    /// sqrt(SSE / (n - parameters)), the estimate of the error's standard deviation.
    public var residualStandardError: Double
    public var fStatistic: Double
    public var fPValue: Double

    enum CodingKeys: String, CodingKey {
        case samples, parameters, rSquared = "r_squared", adjustedRSquared = "adjusted_r_squared", rmse
        case residualStandardError = "residual_standard_error", fStatistic = "f_statistic", fPValue = "f_p_value"
    }
}

/// k-fold cross-validation: each sample predicted by the model fitted without its fold.
public struct LinearCrossValidation: Codable, Sendable, Equatable {
    public var folds: Int
    public var seed: Int
    /// sqrt(mean squared error of the held-out predictions), on the fitted scale.
    public var rmse: Double
    public var meanAbsoluteError: Double
    /// 1 - PRESS / total sum of squares.
    public var rSquared: Double
    /// The fold of each training sample, in sample order: samples were shuffled with the seed (`SeededRandom`)
    /// and dealt to folds in turn.
    public var foldOfSample: [Int]

    enum CodingKeys: String, CodingKey {
        case folds, seed, rmse, meanAbsoluteError = "mean_absolute_error", rSquared = "r_squared", foldOfSample = "fold_of_sample"
    }
}

/// Ordinary least squares by Householder QR (no normal equations: the coefficients keep their digits when the
/// predictors are correlated), with the classical standard errors from (R'R)^-1 = (X'X)^-1.
public enum LinearRegression {
    public struct Fit: Sendable {
        public var coefficients: [Double]
        public var standardErrors: [Double]
        public var tValues: [Double]
        public var pValues: [Double]
        public var statistics: LinearFitStatistics
    }

    /// `features`: n rows of p values, row-major; an intercept is added. `names`: the predictors, for errors.
    public static func fit(features: [Double], targets y: [Double], predictorCount p: Int, names: [String]) throws -> Fit {
        let n = y.count, m = p + 1
        guard n > m else {
            throw SoilMapError.invalidArgument("\(n) samples for \(m) parameters (intercept and \(p) predictor\(p == 1 ? "" : "s")): a fit with standard errors needs at least \(m + 1)")
        }
        // Column-major design matrix, intercept first.
        var a = [Double](repeating: 1, count: n * m)
        for i in 0..<n { for j in 0..<p { a[(j + 1) * n + i] = features[i * p + j] } }
        let columnNorms = (0..<m).map { j in (0..<n).reduce(0.0) { $0 + a[j * n + $1] * a[j * n + $1] }.squareRoot() }
        var qty = y
        var diagonal = [Double](repeating: 0, count: m)
        for k in 0..<m {
            var norm = 0.0
            for i in k..<n { norm += a[k * n + i] * a[k * n + i] }
            norm = norm.squareRoot()
            // A column that is (nearly) a combination of the earlier ones leaves (almost) nothing here.
            guard norm > 1e-10 * max(columnNorms[k], Double.leastNormalMagnitude) else {
                let culprit = k == 0 ? "the intercept" : "'\(names[k - 1])'"
                throw SoilMapError.invalidArgument("the design matrix is singular: \(culprit) is constant or a linear combination of the other predictors (drop it or give other rasters)")
            }
            let alpha = a[k * n + k] > 0 ? -norm : norm
            // v = x - alpha e1, stored in place of column k below the diagonal.
            a[k * n + k] -= alpha
            var vNorm2 = 0.0
            for i in k..<n { vNorm2 += a[k * n + i] * a[k * n + i] }
            for j in (k + 1)..<max(m, k + 1) {
                var dot = 0.0
                for i in k..<n { dot += a[k * n + i] * a[j * n + i] }
                let factor = 2 * dot / vNorm2
                for i in k..<n { a[j * n + i] -= factor * a[k * n + i] }
            }
            var dot = 0.0
            for i in k..<n { dot += a[k * n + i] * qty[i] }
            let factor = 2 * dot / vNorm2
            for i in k..<n { qty[i] -= factor * a[k * n + i] }
            diagonal[k] = alpha
        }
        func r(_ i: Int, _ j: Int) -> Double { i == j ? diagonal[i] : a[j * n + i] }
        var b = [Double](repeating: 0, count: m)
        for i in stride(from: m - 1, through: 0, by: -1) {
            var sum = qty[i]
            for j in (i + 1)..<max(m, i + 1) { sum -= r(i, j) * b[j] }
            b[i] = sum / r(i, i)
        }
        // R^-1 (upper triangular), then (X'X)^-1 = R^-1 R^-T.
        var inverse = [Double](repeating: 0, count: m * m)
        for column in 0..<m {
            for i in stride(from: column, through: 0, by: -1) {
                var sum = i == column ? 1.0 : 0.0
                for j in (i + 1)..<(column + 1) where j > i { sum -= r(i, j) * inverse[j * m + column] }
                inverse[i * m + column] = sum / r(i, i)
            }
        }
        var sse = 0.0, mean = 0.0
        for value in y { mean += value }
        mean /= Double(n)
        var sst = 0.0
        for i in 0..<n {
            var fitted = b[0]
            for j in 0..<p { fitted += b[j + 1] * features[i * p + j] }
            sse += (y[i] - fitted) * (y[i] - fitted)
            sst += (y[i] - mean) * (y[i] - mean)
        }
        let residualDegrees = Double(n - m)
        let sigma2 = sse / residualDegrees
        var errors: [Double] = [], tValues: [Double] = [], pValues: [Double] = []
        for i in 0..<m {
            var diagonalOfInverse = 0.0
            for j in i..<m { diagonalOfInverse += inverse[i * m + j] * inverse[i * m + j] }
            let error = (sigma2 * diagonalOfInverse).squareRoot()
            let t = b[i] / error
            errors.append(error)
            tValues.append(t)
            pValues.append(Distributions.twoSidedTProbability(t, degrees: residualDegrees))
        }
        let rSquared = sst > 0 ? 1 - sse / sst : .nan
        let adjusted = 1 - (1 - rSquared) * Double(n - 1) / residualDegrees
        let f = p > 0 ? ((sst - sse) / Double(p)) / sigma2 : .nan
        let statistics = LinearFitStatistics(samples: n, parameters: m, rSquared: rSquared, adjustedRSquared: adjusted,
                                             rmse: (sse / Double(n)).squareRoot(), residualStandardError: sigma2.squareRoot(),
                                             fStatistic: f, fPValue: Distributions.fUpperProbability(f, d1: Double(p), d2: residualDegrees))
        return Fit(coefficients: b, standardErrors: errors, tValues: tValues, pValues: pValues, statistics: statistics)
    }

    /// Folds for k-fold cross-validation: the sample indices shuffled with `seed`, then dealt to folds in turn.
    public static func folds(count: Int, folds k: Int, seed: Int) -> [Int] {
        var order = Array(0..<count)
        var generator = SeededRandom(seed: UInt64(bitPattern: Int64(seed)), stream: 0x4B46_4F4C_44)
        generator.shuffle(&order)
        var fold = [Int](repeating: 0, count: count)
        for (position, sample) in order.enumerated() { fold[sample] = position % k }
        return fold
    }

    public static func crossValidate(features: [Double], targets y: [Double], predictorCount p: Int, names: [String],
                                     folds k: Int, seed: Int) throws -> LinearCrossValidation {
        let n = y.count
        guard k >= 2, k <= n else {
            throw SoilMapError.invalidArgument("--folds \(k): use 2 to \(n) (the number of samples), or 0 for no cross-validation")
        }
        let foldOfSample = folds(count: n, folds: k, seed: seed)
        var predicted = [Double](repeating: 0, count: n)
        for fold in 0..<k {
            let training = (0..<n).filter { foldOfSample[$0] != fold }
            let fit: Fit
            do {
                fit = try self.fit(features: training.flatMap { features[($0 * p)..<(($0 + 1) * p)] }, targets: training.map { y[$0] },
                                   predictorCount: p, names: names)
            } catch {
                throw SoilMapError.invalidArgument("cross-validation fold \(fold + 1) of \(k) (seed \(seed)): \(error) (use fewer folds)")
            }
            for i in 0..<n where foldOfSample[i] == fold {
                var value = fit.coefficients[0]
                for j in 0..<p { value += fit.coefficients[j + 1] * features[i * p + j] }
                predicted[i] = value
            }
        }
        let mean = y.reduce(0, +) / Double(n)
        var press = 0.0, absolute = 0.0, sst = 0.0
        for i in 0..<n {
            press += (y[i] - predicted[i]) * (y[i] - predicted[i])
            absolute += abs(y[i] - predicted[i])
            sst += (y[i] - mean) * (y[i] - mean)
        }
        return LinearCrossValidation(folds: k, seed: seed, rmse: (press / Double(n)).squareRoot(), meanAbsoluteError: absolute / Double(n),
                               rSquared: 1 - press / sst, foldOfSample: foldOfSample)
    }
}
