import Foundation

/// The accuracy of a class map from a reference sample: the error matrix of sample counts, the measures computed
/// from the counts alone (overall accuracy, Cohen's kappa, user's and producer's accuracy, F1), and the
/// stratified estimators of Olofsson et al. (2014), "Good practices for estimating area and assessing accuracy
/// of land change", Remote Sensing of Environment 148:42-57, which weight each map class (stratum) by its mapped
/// area: overall, user's and producer's accuracy and each class's area, with 95 % confidence intervals.
///
/// The stratified estimators assume the sample is a stratified random sample with the map classes as strata (or a
/// simple random or systematic sample, then post-stratified). Rows are map classes, columns reference classes.
public struct AccuracyAssessment: Sendable, Equatable {
    /// The classes, in table order (codes of the map).
    public let classes: [Int]
    /// counts[i][j]: sample units mapped as classes[i] whose reference class is classes[j].
    public let counts: [[Int]]
    /// Mapped area of each class, hectares (any unit: the area estimates come out in it).
    public let mapArea: [Double]

    /// z of a two-sided 95 % interval, as Olofsson et al. use it (1.96).
    public static let z95 = 1.96

    public init(classes: [Int], counts: [[Int]], mapArea: [Double]) {
        precondition(counts.count == classes.count && counts.allSatisfy { $0.count == classes.count } && mapArea.count == classes.count)
        self.classes = classes
        self.counts = counts
        self.mapArea = mapArea
    }

    var classCount: Int { classes.count }
    /// n_i. : sample units in map class i.
    public var rowTotals: [Int] { counts.map { $0.reduce(0, +) } }
    /// n_.j : sample units of reference class j.
    public var columnTotals: [Int] { (0..<classCount).map { j in counts.reduce(0) { $0 + $1[j] } } }
    public var sampleSize: Int { rowTotals.reduce(0, +) }
    public var totalArea: Double { mapArea.reduce(0, +) }
    /// W_i: the share of the map in class i.
    public var weights: [Double] { let total = totalArea; return mapArea.map { total > 0 ? $0 / total : .nan } }

    // MARK: - From the sample counts (what scikit-learn computes)

    /// The share of sample units whose map class is their reference class.
    public var sampleOverallAccuracy: Double {
        let n = sampleSize
        return n > 0 ? Double((0..<classCount).reduce(0) { $0 + counts[$1][$1] }) / Double(n) : .nan
    }

    /// Cohen's kappa: (p_o - p_e) / (1 - p_e), p_e from the row and column totals.
    public var kappa: Double {
        let n = Double(sampleSize)
        guard n > 0 else { return .nan }
        let rows = rowTotals, columns = columnTotals
        let expected = (0..<classCount).reduce(0.0) { $0 + Double(rows[$1]) * Double(columns[$1]) } / (n * n)
        return (sampleOverallAccuracy - expected) / (1 - expected)
    }

    /// n_jj / n_.j (recall): nil when no unit has reference class j.
    public func sampleProducersAccuracy(_ j: Int) -> Double? {
        let total = columnTotals[j]
        return total > 0 ? Double(counts[j][j]) / Double(total) : nil
    }

    /// 2 n_jj / (n_j. + n_.j): the harmonic mean of the user's and the sample producer's accuracy.
    public func f1(_ j: Int) -> Double? {
        let denominator = rowTotals[j] + columnTotals[j]
        return denominator > 0 ? 2 * Double(counts[j][j]) / Double(denominator) : nil
    }

    // MARK: - Olofsson et al. (2014), stratified by map class

    /// An estimate and the half-width of its 95 % confidence interval (nil when the variance is undefined: a
    /// stratum with fewer than two sample units).
    public struct Estimate: Sendable, Equatable {
        public var value: Double
        public var ci95: Double?
    }

    /// U_i = n_ii / n_i. (Eq. 2), variance U_i (1 - U_i) / (n_i. - 1) (Eq. 6). Nil for an unsampled class.
    public func usersAccuracy(_ i: Int) -> Estimate? {
        let n = rowTotals[i]
        guard n > 0 else { return nil }
        let u = Double(counts[i][i]) / Double(n)
        return Estimate(value: u, ci95: n > 1 ? Self.z95 * (u * (1 - u) / Double(n - 1)).squareRoot() : nil)
    }

    /// Whether every class with mapped area has sample units: the stratified estimators of areas, overall and
    /// producer's accuracy need an estimate of every stratum's row.
    public var everyStratumSampled: Bool {
        let rows = rowTotals
        return (0..<classCount).allSatisfy { mapArea[$0] <= 0 || rows[$0] > 0 }
    }

    /// Whether every sampled stratum has at least two units (variances defined).
    var everyVarianceDefined: Bool {
        let rows = rowTotals
        return (0..<classCount).allSatisfy { mapArea[$0] <= 0 || rows[$0] > 1 }
    }

    /// p_ij = W_i n_ij / n_i. (Eq. 4), the estimated area proportion of each cell of the matrix; a stratum without
    /// sample units contributes nothing (the callers check `everyStratumSampled`).
    public var areaProportions: [[Double]] {
        let w = weights, rows = rowTotals
        return (0..<classCount).map { i in
            (0..<classCount).map { j in rows[i] > 0 ? w[i] * Double(counts[i][j]) / Double(rows[i]) : 0 }
        }
    }

    /// Ô = Σ p_jj (Eq. 1), variance Σ W_i² U_i (1 - U_i) / (n_i. - 1) (Eq. 5).
    public var overallAccuracy: Estimate? {
        guard everyStratumSampled else { return nil }
        let w = weights, rows = rowTotals, p = areaProportions
        var variance = 0.0
        for i in 0..<classCount where rows[i] > 1 {
            let u = Double(counts[i][i]) / Double(rows[i])
            variance += w[i] * w[i] * u * (1 - u) / Double(rows[i] - 1)
        }
        let value = (0..<classCount).reduce(0.0) { $0 + p[$1][$1] }
        return Estimate(value: value, ci95: everyVarianceDefined ? Self.z95 * variance.squareRoot() : nil)
    }

    /// P̂_j = p_jj / p_.j (Eq. 3), variance by Eq. 7 (with mapped areas for the N_i: only their ratios matter).
    public func producersAccuracy(_ j: Int) -> Estimate? {
        guard everyStratumSampled else { return nil }
        let rows = rowTotals, p = areaProportions
        let column = (0..<classCount).reduce(0.0) { $0 + p[$1][j] }
        guard column > 0 else { return nil }
        let value = p[j][j] / column
        guard everyVarianceDefined else { return Estimate(value: value, ci95: nil) }
        // N̂_.j = Σ_i N_i n_ij / n_i. : the estimated area of reference class j.
        let estimatedColumnArea = (0..<classCount).reduce(0.0) { sum, i in
            rows[i] > 0 ? sum + mapArea[i] * Double(counts[i][j]) / Double(rows[i]) : sum
        }
        var sum = 0.0
        if rows[j] > 1 {
            let u = Double(counts[j][j]) / Double(rows[j])
            sum += mapArea[j] * mapArea[j] * (1 - value) * (1 - value) * u * (1 - u) / Double(rows[j] - 1)
        }
        for i in 0..<classCount where i != j && rows[i] > 1 {
            let share = Double(counts[i][j]) / Double(rows[i])
            sum += value * value * mapArea[i] * mapArea[i] * share * (1 - share) / Double(rows[i] - 1)
        }
        let variance = sum / (estimatedColumnArea * estimatedColumnArea)
        return Estimate(value: value, ci95: Self.z95 * variance.squareRoot())
    }

    /// Â_j = A p_.j (Eqs. 9-10), standard error A (Σ_i W_i² (n_ij/n_i.)(1 - n_ij/n_i.) / (n_i. - 1))^½ (Eqs. 10-11).
    public func estimatedArea(_ j: Int) -> Estimate? {
        guard everyStratumSampled else { return nil }
        let w = weights, rows = rowTotals, p = areaProportions
        let proportion = (0..<classCount).reduce(0.0) { $0 + p[$1][j] }
        var variance = 0.0
        for i in 0..<classCount where rows[i] > 1 {
            let share = Double(counts[i][j]) / Double(rows[i])
            variance += w[i] * w[i] * share * (1 - share) / Double(rows[i] - 1)
        }
        return Estimate(value: totalArea * proportion, ci95: everyVarianceDefined ? Self.z95 * totalArea * variance.squareRoot() : nil)
    }
}
