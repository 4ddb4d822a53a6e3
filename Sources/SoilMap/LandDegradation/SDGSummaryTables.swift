import Foundation

/// The CSV tables of `sdg-summary`, one per table of Trends.Earth's summary workbook. Areas in km² (as
/// Trends.Earth reports them), stocks in tonnes; shares are of the whole area of interest, no data included.
/// Every table has a no-data row or column, so its cells add up to the area of interest.
enum SDGSummaryTables {
    static let statusClasses = [(slot: 3, name: "Improved"), (2, "Stable"), (1, "Degraded"), (0, "No data")]

    /// `indicator,class,area_km2,percent`: Improved, Stable, Degraded, No data and Total for each map.
    static func summary(_ tally: SDGSummaryTally, indicators: [String]) -> String {
        var lines = ["indicator,class,area_km2,percent"]
        for (index, indicator) in indicators.enumerated() {
            for (slot, name) in statusClasses {
                let area = tally.status[index][slot]
                lines.append([csv(indicator), name, km2(area), percent(area, of: tally.totalArea)].joined(separator: ","))
            }
            lines.append([csv(indicator), "Total", km2(tally.totalArea), tally.totalArea > 0 ? "100" : ""].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// From-class rows, to-class columns, each with its no-data row and column, then totals.
    static func landCoverTransitions(_ tally: SDGSummaryTally) -> String {
        let classes = UNCCDLandCover.classes
        let slots = classes.map(\.value) + [0]
        var lines = [(["from_code", "from_class"] + classes.map { columnName($0.id) + "_km2" } + ["no_data_km2", "total_km2"]).joined(separator: ",")]
        var columnTotals = [Double](repeating: 0, count: slots.count)
        for from in slots {
            let row = slots.map { tally.transitions[from * 8 + $0] }
            for index in row.indices { columnTotals[index] += row[index] }
            let label = from == 0 ? "No data" : classes[from - 1].label
            lines.append(([from == 0 ? "" : String(from), csv(label)] + row.map(km2) + [km2(row.reduce(0, +))]).joined(separator: ","))
        }
        lines.append((["", "Total"] + columnTotals.map(km2) + [km2(tally.totalArea)]).joined(separator: ","))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `code,class,area_km2_Y0,area_km2_Y1,change_km2,change_pct`, the classes then No data and Total.
    static func landCoverByYear(_ tally: SDGSummaryTally, years: [String]) -> String {
        var lines = ["code,class,area_km2_\(years[0]),area_km2_\(years[1]),change_km2,change_pct"]
        for slot in UNCCDLandCover.classes.map(\.value) + [0] {
            let baseline = (0..<8).reduce(0.0) { $0 + tally.transitions[slot * 8 + $1] }
            let target = (0..<8).reduce(0.0) { $0 + tally.transitions[$1 * 8 + slot] }
            let label = slot == 0 ? "No data" : UNCCDLandCover.classes[slot - 1].label
            lines.append([slot == 0 ? "" : String(slot), csv(label), km2(baseline), km2(target), km2(target - baseline),
                          percent(target - baseline, of: baseline)].joined(separator: ","))
        }
        lines.append(["", "Total", km2(tally.totalArea), km2(tally.totalArea), "0", "0"].joined(separator: ","))
        return lines.joined(separator: "\n") + "\n"
    }

    static let productivityColumns = ["declining", "moderate_decline", "stable_but_stressed", "stable", "increasing"]

    /// One row per land-cover transition (both years valid), then one for cells without land cover in either
    /// year; one column per productivity class, then no data and the row's total.
    static func productivityByTransition(_ tally: SDGSummaryTally) -> String {
        var lines = [(["from_code", "from_class", "to_code", "to_class"] + productivityColumns.map { $0 + "_km2" } + ["no_data_km2", "total_km2"])
            .joined(separator: ",")]
        func row(_ transitions: [Int]) -> [Double] {
            (0..<6).map { productivity in transitions.reduce(0.0) { $0 + tally.productivityByTransition[$1 * 6 + productivity] } }
        }
        for from in UNCCDLandCover.classes {
            for to in UNCCDLandCover.classes {
                let areas = row([from.value * 8 + to.value])
                lines.append(([String(from.value), csv(from.label), String(to.value), csv(to.label)]
                              + (1...5).map { km2(areas[$0]) } + [km2(areas[0]), km2(areas.reduce(0, +))]).joined(separator: ","))
            }
        }
        let noLandCover = (0..<64).filter { $0 / 8 == 0 || $0 % 8 == 0 }
        let areas = row(noLandCover)
        lines.append((["", "No data", "", "No data"] + (1...5).map { km2(areas[$0]) } + [km2(areas[0]), km2(areas.reduce(0, +))])
            .joined(separator: ","))
        return lines.joined(separator: "\n") + "\n"
    }

    /// Initial and final carbon stock of each transition, over the cells where both stocks are valid.
    static func stockByTransition(_ tally: SDGSummaryTally) -> String {
        var lines = ["from_code,from_class,to_code,to_class,area_km2,initial_stock_t,final_stock_t,change_t,change_pct"]
        var sums = [0.0, 0.0, 0.0]
        for from in UNCCDLandCover.classes {
            for to in UNCCDLandCover.classes {
                let slot = from.value * 8 + to.value
                let initial = tally.initialStock[slot], final = tally.finalStock[slot]
                sums[0] += tally.stockArea[slot]
                sums[1] += initial
                sums[2] += final
                lines.append([String(from.value), csv(from.label), String(to.value), csv(to.label), km2(tally.stockArea[slot]),
                              tonnes(initial), tonnes(final), tonnes(final - initial), percent(final - initial, of: initial)].joined(separator: ","))
            }
        }
        lines.append(["", "Total", "", "", km2(sums[0]), tonnes(sums[1]), tonnes(sums[2]), tonnes(sums[2] - sums[1]),
                      percent(sums[2] - sums[1], of: sums[1])].joined(separator: ","))
        return lines.joined(separator: "\n") + "\n"
    }

    /// Stock of each year by that year's land-cover class; water is left out of the classes and the total, as
    /// Trends.Earth leaves it out of carbon totals.
    static func stockByYear(_ tally: SDGSummaryTally, years: [String]) -> String {
        var lines = ["code,class,stock_t_\(years[0]),stock_t_\(years[1]),change_t,change_pct"]
        var totals = [0.0, 0.0]
        for landClass in UNCCDLandCover.classes where landClass.id != "water" {
            let baseline = tally.baselineStockByClass[landClass.value], target = tally.targetStockByClass[landClass.value]
            totals[0] += baseline
            totals[1] += target
            lines.append([String(landClass.value), csv(landClass.label), tonnes(baseline), tonnes(target), tonnes(target - baseline),
                          percent(target - baseline, of: baseline)].joined(separator: ","))
        }
        lines.append(["", "Total", tonnes(totals[0]), tonnes(totals[1]), tonnes(totals[1] - totals[0]),
                      percent(totals[1] - totals[0], of: totals[0])].joined(separator: ","))
        return lines.joined(separator: "\n") + "\n"
    }

    static func percent(_ part: Double, of whole: Double) -> String { whole != 0 ? number(100 * part / whole) : "" }

    /// Areas to the square metre and stocks to the kilogram: sums of row areas carry rounding noise in their last
    /// digits (34972.19999999999), which says nothing and reads badly.
    static func km2(_ value: Double) -> String { number((value * 1e6).rounded() / 1e6) }
    static func tonnes(_ value: Double) -> String { number((value * 1e3).rounded() / 1e3) }

    /// Shortest text that reads back as the same Double.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    static func columnName(_ id: String) -> String { id.replacingOccurrences(of: "-", with: "_") }

    static func csv(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
