import Foundation

/// The CSV of `soilmap assess` (UTF-8, one header line): one row per class, in code order, then the row `all`.
///
/// | column | a class's row | row `all` |
/// |---|---|---|
/// | class, name | code, its name on the map | `all`, empty |
/// | ref_CODE (one per class) | sample units of this map class (row) whose reference class is CODE (column): the error matrix of counts | units of reference class CODE |
/// | samples | units of this map class, n_i. | all units, n |
/// | map_ha, map_share | mapped area (cells counted exactly, nodata left out; ellipsoidal for geographic grids), its share W_i | the map's total |
/// | users_accuracy, users_accuracy_ci95 | n_ii / n_i., and the half-width of its 95 % interval | |
/// | producers_accuracy, producers_accuracy_ci95 | area-adjusted (Olofsson et al. 2014, Eqs. 3 and 7) | |
/// | area_ha, area_ci95_ha, area_low_ha, area_high_ha | the class's area adjusted for map errors (Eqs. 9-11) ± 1.96 SE | the total |
/// | sample_producers_accuracy, f1 | from counts alone: n_jj / n_.j and 2 n_jj / (n_j. + n_.j) | |
/// | overall_accuracy, overall_accuracy_ci95 | | area-adjusted (Eqs. 1 and 5) |
/// | sample_overall_accuracy, kappa | | from counts alone: Σ n_jj / n, Cohen's kappa |
///
/// An empty cell: not defined (a class without units, a single unit: no interval; any map class unsampled: no
/// area-adjusted estimate). Numbers are written in full (shortest round-trip form), to be rounded by the reader.
public enum AccuracyTable {
    public static func columns(_ assessment: AccuracyAssessment) -> [String] {
        ["class", "name"] + assessment.classes.map { "ref_\($0)" }
            + ["samples", "map_ha", "map_share", "users_accuracy", "users_accuracy_ci95", "producers_accuracy", "producers_accuracy_ci95",
               "area_ha", "area_ci95_ha", "area_low_ha", "area_high_ha", "sample_producers_accuracy", "f1",
               "overall_accuracy", "overall_accuracy_ci95", "sample_overall_accuracy", "kappa"]
    }

    public static func rows(_ assessment: AccuracyAssessment, names: [String]) -> [[String]] {
        let rows = assessment.rowTotals, columns = assessment.columnTotals, weights = assessment.weights
        var table: [[String]] = []
        for i in assessment.classes.indices {
            let users = assessment.usersAccuracy(i), producers = assessment.producersAccuracy(i), area = assessment.estimatedArea(i)
            var row = [String(assessment.classes[i]), names[i]] + assessment.counts[i].map(String.init)
            row += [String(rows[i]), number(assessment.mapArea[i]), number(weights[i])]
            row += [number(users?.value), number(users?.ci95), number(producers?.value), number(producers?.ci95)]
            row += [number(area?.value), number(area?.ci95),
                    number(area.flatMap { a in a.ci95.map { a.value - $0 } }), number(area.flatMap { a in a.ci95.map { a.value + $0 } })]
            row += [number(assessment.sampleProducersAccuracy(i)), number(assessment.f1(i))]
            row += ["", "", "", ""]
            table.append(row)
        }
        let overall = assessment.overallAccuracy
        let adjustedTotal = assessment.everyStratumSampled ? number(assessment.classes.indices.reduce(0.0) { $0 + (assessment.estimatedArea($1)?.value ?? 0) }) : ""
        var total = ["all", ""] + columns.map(String.init)
        total += [String(assessment.sampleSize), number(assessment.totalArea), number(1.0), "", "", "", ""]
        total += [adjustedTotal, "", "", "", "", ""]
        total += [number(overall?.value), number(overall?.ci95), number(assessment.sampleOverallAccuracy), number(assessment.kappa)]
        table.append(total)
        return table
    }

    public static func csv(_ assessment: AccuracyAssessment, names: [String]) -> String {
        var text = columns(assessment).map(quote).joined(separator: ",") + "\n"
        for row in rows(assessment, names: names) { text += row.map(quote).joined(separator: ",") + "\n" }
        return text
    }

    static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func quote(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
