import Foundation

extension AccuracyAssessment {
    /// Signs that the sample is not a probability sample of the map, which the stratified estimators assume
    /// (each a warning, in class order):
    /// - a class with mapped area but no sample unit: its stratum's row of the matrix is unknown, so areas, overall
    ///   and producer's accuracy cannot be estimated;
    /// - a class with a single sample unit: the variances (and so the confidence intervals) are undefined;
    /// - a class whose share of the sample is far outside what a stratified random design would give: between
    ///   proportional allocation (its share of the map, what a simple random or systematic sample gives) and equal
    ///   allocation (one K-th of the sample for K classes), Olofsson et al.'s recommended allocations lying between
    ///   the two. "Far": more than three binomial standard errors beyond the nearer end of that range. Training
    ///   points, or points placed where the analyst was sure of the class, usually fail this check.
    public func sampleDesignWarnings(names: [String]) -> [String] {
        var warnings: [String] = []
        let rows = rowTotals, n = sampleSize, w = weights
        let mapped = (0..<classCount).filter { mapArea[$0] > 0 }
        func label(_ i: Int) -> String { names[i].isEmpty ? "class \(classes[i])" : "class \(classes[i]) (\(names[i]))" }
        for i in mapped where rows[i] == 0 {
            warnings.append("\(label(i)) covers \(percentText(w[i])) of the map but no reference unit falls in it: the area-adjusted estimates (areas, overall and producer's accuracy) need every map class sampled and are left out")
        }
        for i in mapped where rows[i] == 1 {
            warnings.append("\(label(i)) has a single reference unit: no confidence intervals (a stratum needs at least two)")
        }
        guard n > 0, !mapped.isEmpty else { return warnings }
        let equalShare = 1 / Double(mapped.count)
        var outliers: [String] = []
        for i in mapped where rows[i] > 0 || w[i] > 0 {
            let share = Double(rows[i]) / Double(n)
            let low = min(w[i], equalShare), high = max(w[i], equalShare)
            let nearest = share < low ? low : high
            let tolerance = 3 * (nearest * (1 - nearest) / Double(n)).squareRoot()
            if share < low - tolerance || share > high + tolerance {
                outliers.append("\(label(i)) has \(percentText(share)) of the units, \(percentText(w[i])) of the map")
            }
        }
        if !outliers.isEmpty {
            warnings.append("the reference units are not spread over the map's classes as a random or stratified random sample would spread them (between each class's share of the map and an equal share, \(percentText(equalShare)), within three standard errors): "
                            + outliers.joined(separator: "; ")
                            + ". The area-adjusted estimates assume a probability sample stratified by map class (Olofsson et al. 2014); for another sample they may be biased")
        }
        return warnings
    }
}

/// "12.3 %".
func percentText(_ share: Double) -> String {
    String(format: "%.1f %%", 100 * share)
}
