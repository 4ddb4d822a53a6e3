import Foundation

/// The land-cover transitions table Trends.Earth's users know: hectares from each UNCCD class (rows, baseline)
/// to each class (columns, target), with row and column totals and the nodata area, UTF-8 CSV.
///
/// Columns: from_code, from_class, one `<class>_ha` per target class, total_ha. Rows: the seven classes, then
/// `Total` (column sums), then `No data` (its area in total_ha: nodata in either year or a value the recode table
/// does not name). The classes' cells plus no data add up to the grid's area.
enum TransitionTable {
    static func write(_ summary: LandCoverChangeSummary, to path: String) throws {
        let classes = UNCCDLandCover.classes
        var lines = [(["from_code", "from_class"] + classes.map { $0.id.replacingOccurrences(of: "-", with: "_") + "_ha" } + ["total_ha"])
            .joined(separator: ",")]
        var columnTotals = [Double](repeating: 0, count: 7)
        for from in classes {
            let row = (0..<7).map { summary.transitionHectares[(from.value - 1) * 7 + $0] }
            for index in 0..<7 { columnTotals[index] += row[index] }
            lines.append(([String(from.value), from.label] + row.map(number) + [number(row.reduce(0, +))]).joined(separator: ","))
        }
        lines.append((["", "Total"] + columnTotals.map(number) + [number(columnTotals.reduce(0, +))]).joined(separator: ","))
        lines.append((["", "No data"] + [String](repeating: "", count: 7) + [number(summary.noDataHectares)]).joined(separator: ","))
        do { try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8) } catch {
            throw SoilMapError.invalidInput(path: path, "cannot be written (\(error.localizedDescription))")
        }
    }

    /// Shortest text that reads back as the same Double.
    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
