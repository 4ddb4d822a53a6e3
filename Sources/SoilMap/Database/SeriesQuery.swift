import Foundation
import GDAL

/// `soilmap query DB --indicator ID [--unit CODE | --level LEVEL] [--period A..B]`: an indicator's time series
/// per unit from the current observations. Values of the finest units are the stored ones; a coarser unit's
/// (province, nation) are recomputed from its finest units' observations: hectares summed, shares and target
/// checks from the sums, means weighted by their counts, minima and maxima of theirs.
public enum SeriesQuery {
    public struct Request: Sendable {
        public var indicator: String
        public var unit: String?
        public var level: String?
        public var periods: ClosedRange<Int>?

        public init(indicator: String, unit: String? = nil, level: String? = nil, periods: ClosedRange<Int>? = nil) {
            self.indicator = indicator
            self.unit = unit
            self.level = level
            self.periods = periods
        }
    }

    public struct Row: Sendable, Equatable {
        public var unitCode: String
        public var unitName: String
        public var level: String
        public var parentCode: String
        public var period: Int
        public var value: Double?
        public var weight: Double?
        public var hectares: Double?
        /// Class code -> (hectares, share %), class maps only.
        public var classes: [Int64: ClassArea]
        public var target: String?
        public var targetMet: Bool?
        /// How many finest units the value was computed from (1: the stored value of a finest unit).
        public var units: Int
        public var runs: [String]
        public var geometry: [UInt8]?
    }

    public struct ClassArea: Sendable, Equatable {
        public var hectares: Double
        public var share: Double?
    }

    public struct Result: Sendable {
        public var indicator: String
        public var statistic: String
        public var classCodes: [Int64]
        public var rows: [Row]
    }

    /// "2020..2025" or "2025".
    public static func parsePeriods(_ text: String) throws -> ClosedRange<Int> {
        let parts = text.components(separatedBy: "..")
        guard (1...2).contains(parts.count), let low = Int(parts[0]), let high = Int(parts.last!), low <= high else {
            throw SoilMapError.invalidArgument("--period \(text): expected YEAR or FROM..TO, e.g. 2020..2025")
        }
        return low...high
    }

    struct Unit {
        var fid: Int64
        var code: String
        var name: String
        var level: String
        var rank: Int
        var parentCode: String
        var validFrom: Int
        var validTo: Int?
        var geometry: [UInt8]?
    }

    public static func run(_ request: Request, database location: String, withGeometry: Bool = false) throws -> Result {
        let database = try SoilHealthDatabase(location, update: false)
        defer { try? database.close() }
        let indicators = try database.dataset.executeSQL("SELECT fid + 0 AS row_fid, indicator, statistic, target, classes FROM indicators").rows
        guard let indicatorRow = indicators.first(where: { $0[1].stringValue == request.indicator }) else {
            let known = indicators.compactMap { $0[1].stringValue }.sorted()
            throw SoilMapError.invalidInput(path: location, "has no indicator '\(request.indicator)' (indicators: \(known.isEmpty ? "none yet" : known.joined(separator: ", ")))")
        }
        let indicatorFID = Int64(indicatorRow[0].doubleValue ?? 0)
        let statistic = indicatorRow[2].stringValue ?? ""
        // A class map's target is a share of its classes (`>=3:10%`); a continuous indicator's, a bound on its value (`>=3`).
        let target = statistic == "classes" ? try indicatorRow[3].stringValue.map { try ZonalTarget(parsing: $0) } : nil
        let valueTarget = statistic == "classes" ? nil : try indicatorRow[3].stringValue.map { try ValueTarget(parsing: $0) }

        // Units, every version; few enough (thousands) to hold, and text never enters the SQL.
        var units: [Int64: Unit] = [:]
        let unitLayer = try database.layer("units")
        try unitLayer.forEachFeature { feature in
            func text(_ name: String) -> String { (try? feature.value(named: name))?.stringValue ?? "" }
            func number(_ name: String) -> Int? { (try? feature.value(named: name))?.doubleValue.map { Int($0) } }
            units[feature.id] = Unit(fid: feature.id, code: text("code"), name: text("name"), level: text("level"), rank: number("rank") ?? 0,
                                     parentCode: text("parent_code"), validFrom: number("valid_from") ?? 0, validTo: number("valid_to"),
                                     geometry: withGeometry ? feature.geometry.map(\.wkb) : nil)
        }
        let levels = Dictionary(units.values.map { ($0.level, $0.rank) }, uniquingKeysWith: { first, _ in first })
        if let level = request.level, levels[level] == nil {
            throw SoilMapError.invalidInput(path: location, "has no level '\(level)' (levels: \(levels.sorted { $0.value < $1.value }.map(\.key).joined(separator: ", ")))")
        }
        if let code = request.unit, !units.values.contains(where: { $0.code == code }) {
            throw SoilMapError.invalidInput(path: location, "has no unit '\(code)'")
        }
        let finestRank = units.values.map(\.rank).min() ?? 0

        // The finest units' current observations of the indicator in the periods.
        var sql = "SELECT o.unit_fid, o.period, o.class_code, o.value, o.weight, o.hectares, o.share_pct, r.run_key " +
            "FROM observations o JOIN runs r ON r.fid = o.run_fid WHERE o.indicator_fid = \(indicatorFID) AND o.is_current = 1"
        if let periods = request.periods { sql += " AND o.period >= \(periods.lowerBound) AND o.period <= \(periods.upperBound)" }
        let byCode = Dictionary(grouping: units.values, by: \.code)
        let wantedRank = request.level.flatMap { levels[$0] } ?? request.unit.flatMap { byCode[$0]?.first?.rank } ?? finestRank
        var chains: [Int64: [Int: [Unit]]] = [:]
        func chain(of unit: Unit, period: Int) -> [Unit] {
            if let known = chains[unit.fid]?[period] { return known }
            let computed = ancestry(of: unit, byCode: byCode, period: period)
            chains[unit.fid, default: [:]][period] = computed
            return computed
        }
        if let code = request.unit {
            // Only the finest units under the unit asked for (in any of their versions).
            let selected = units.values.filter { $0.rank == finestRank && Set(ancestry(of: $0, byCode: byCode, period: nil).map(\.code)).contains(code) }
            sql += " AND o.unit_fid IN (\(selected.isEmpty ? "-1" : selected.map(\.fid).sorted().map(String.init).joined(separator: ",")))"
        }
        // Summed in one order whatever order the server returns them in: the same answer from every back-end.
        let observations = try database.dataset.executeSQL(sql).rows.sorted { a, b in
            let unitA = units[Int64(a[0].doubleValue ?? -1)]?.code ?? "", unitB = units[Int64(b[0].doubleValue ?? -1)]?.code ?? ""
            if unitA != unitB { return unitA < unitB }
            let periodA = a[1].doubleValue ?? 0, periodB = b[1].doubleValue ?? 0
            if periodA != periodB { return periodA < periodB }
            return (a[2].doubleValue ?? -.infinity) < (b[2].doubleValue ?? -.infinity)
        }

        struct Key: Hashable { var code: String; var level: String; var period: Int }
        struct Accumulator {
            var weight = 0.0, weighted = 0.0, hectares = 0.0, minimum = Double.infinity, maximum = -Double.infinity, sum = 0.0
            var values = 0, finest: Set<String> = [], classes: [Int64: Double] = [:], runs: Set<String> = []
            var storedValue: Double?, storedShares: [Int64: Double] = [:]
        }
        var groups: [Key: Accumulator] = [:]
        var geometryFID: [Key: Int64] = [:]
        for observation in observations {
            guard let unit = units[Int64(observation[0].doubleValue ?? -1)], unit.rank == finestRank else { continue }
            let period = Int(observation[1].doubleValue ?? 0)
            let classCode = observation[2].doubleValue.map { Int64($0) }
            let value = observation[3].doubleValue, weight = observation[4].doubleValue, hectares = observation[5].doubleValue
            let share = observation[6].doubleValue
            // The unit this observation counts toward: itself, or its ancestor at the wanted level.
            guard let owner = chain(of: unit, period: period).first(where: { $0.rank == wantedRank }) else { continue }
            if let code = request.unit, owner.code != code { continue }
            let key = Key(code: owner.code, level: owner.level, period: period)
            geometryFID[key] = owner.fid
            var accumulator = groups[key] ?? Accumulator()
            accumulator.finest.insert(unit.code)
            accumulator.runs.insert(String((observation[7].stringValue ?? "").prefix(12)))
            if let classCode {
                accumulator.classes[classCode, default: 0] += hectares ?? 0
                if let share { accumulator.storedShares[classCode] = share }
            } else {
                accumulator.hectares += hectares ?? 0
                if let value {
                    accumulator.storedValue = value
                    accumulator.values += 1
                    let w = weight ?? 0
                    accumulator.weight += w
                    accumulator.weighted += w * value
                    accumulator.sum += value
                    accumulator.minimum = min(accumulator.minimum, value)
                    accumulator.maximum = max(accumulator.maximum, value)
                }
            }
            groups[key] = accumulator
        }

        let categorical = statistic == "classes"
        var classCodes: Set<Int64> = []
        var rows: [Row] = []
        for (key, accumulator) in groups {
            let unit = units[geometryFID[key]!]!
            let single = accumulator.finest.count == 1 && unit.rank == finestRank
            var value: Double?
            var classes: [Int64: ClassArea] = [:]
            var met: Bool?
            if categorical {
                for (code, hectares) in accumulator.classes {
                    classCodes.insert(code)
                    let share = single ? accumulator.storedShares[code] : (accumulator.hectares > 0 ? 100 * hectares / accumulator.hectares : nil)
                    classes[code] = ClassArea(hectares: hectares, share: share)
                }
                if let target {
                    if single { value = accumulator.storedValue } else if accumulator.hectares > 0 {
                        value = 100 * accumulator.classes.filter { target.includes($0.key) }.reduce(0) { $0 + $1.value } / accumulator.hectares
                    }
                    met = value.map { target.isMet(byShare: $0) }
                }
            } else if accumulator.values > 0 {
                if single { value = accumulator.storedValue } else {
                    switch statistic {
                    case "mean": value = accumulator.weight > 0 ? accumulator.weighted / accumulator.weight : nil
                    case "count", "sum": value = accumulator.sum
                    case "min": value = accumulator.minimum
                    case "max": value = accumulator.maximum
                    default:
                        throw SoilMapError.invalidArgument("--level \(key.level): '\(statistic)' cannot be recomputed from the \(units.values.first { $0.rank == finestRank }?.level ?? "finest") units' values (mean, sum, count, min, max and class shares can); query the finest level")
                    }
                }
                if let valueTarget { met = value.map { valueTarget.isMet(by: $0) } }
            }
            rows.append(Row(unitCode: key.code, unitName: unit.name, level: key.level, parentCode: unit.parentCode, period: key.period,
                            value: value, weight: categorical ? nil : (accumulator.values > 0 ? accumulator.weight : nil),
                            hectares: accumulator.hectares, classes: classes, target: target?.text ?? valueTarget?.text, targetMet: met,
                            units: accumulator.finest.count, runs: accumulator.runs.sorted(), geometry: unit.geometry))
        }
        rows.sort { ($0.unitCode, $0.period) < ($1.unitCode, $1.period) }
        return Result(indicator: request.indicator, statistic: statistic, classCodes: classCodes.sorted(), rows: rows)
    }

    /// A unit and its ancestors, each in its version valid in `period` (else its latest).
    static func ancestry(of unit: Unit, byCode: [String: [Unit]], period: Int?) -> [Unit] {
        var chain = [unit]
        var current = unit
        while !current.parentCode.isEmpty, chain.count < 16 {
            let candidates = (byCode[current.parentCode] ?? []).filter { $0.rank > current.rank }
            let valid = period.flatMap { period in candidates.first { $0.validFrom <= period && ($0.validTo.map { period < $0 } ?? true) } }
            guard let parent = valid ?? candidates.max(by: { $0.validFrom < $1.validFrom }) else { break }
            chain.append(parent)
            current = parent
        }
        return chain
    }
}
