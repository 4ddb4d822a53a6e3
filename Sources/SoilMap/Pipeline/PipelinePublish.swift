import Foundation
import Yams

/// A pipeline's `publish:` block: after the run has finished and its manifest is final, the runner publishes it
/// into the soil-health database, as `soilmap publish RUN_DIR --to ...` would.
///
/// ```yaml
/// publish:
///   to: ${out}/soilhealth.gpkg          # or postgresql://host/dbname, PG:service=NAME (no password)
///   period: ${period}                   # default: the run's 'period' or 'year' variable
///   levels: [commune, province, nation] # the zonal tables' three levels, finest first
///   targets: {som_by_commune.mean: ">=3"}
/// ```
/// A failed publish makes the run's exit status non-zero; its outputs and manifest stay as they are (valid).
/// A `to` that is empty once variables are substituted publishes nothing.
public struct PipelinePublish: Sendable, Equatable {
    /// A .gpkg path (absolute; relative paths are relative to the current directory, as inputs are) or an address.
    public var to: String
    public var period: Int?
    public var levels: [String]
    /// Indicator id -> value target (`>=3`, `<=N`, `LOW..HIGH`).
    public var targets: [String: String]

    static let keys = ["to", "period", "levels", "targets"]
}

/// The publish step failed after the run succeeded: the run's outputs are valid, the database is unchanged.
public struct PublishFailure: Error, CustomStringConvertible {
    public var database: String
    public var underlying: Error
    public var description: String { "publish to \(database): \(underlying)" }
}

extension PipelineParser {
    mutating func parsePublish(_ node: Node, variables: [String: String]) -> PipelinePublish? {
        guard let mapping = node.mapping else {
            problem("publish: expected a mapping {to: DB.gpkg | postgresql://..., period: YEAR, levels: [...], targets: {...}}", at: node.mark)
            return nil
        }
        checkKeys(mapping, allowed: PipelinePublish.keys, what: "publish")
        func text(_ key: String) -> String? {
            guard let value = mapping[key] else { return nil }
            guard let scalar = value.string else { problem("publish: \(key): expected a single value", at: value.mark); return nil }
            return substitute(scalar, variables: variables, mark: value.mark, report: true)
        }
        guard let destination = text("to") else {
            problem("publish: 'to' is required (DB.gpkg, postgresql://host/dbname or PG:service=NAME)", at: node.mark)
            return nil
        }
        // `to: ${database}` with the variable empty: this run is not published (one file serves both kinds of run).
        if destination.isEmpty { return nil }
        var to = destination
        do {
            if try SoilHealthDatabase.backend(of: destination) == .geoPackage { to = Self.absolute(destination) }
            else { _ = try SoilHealthDatabase.connectionString(destination) }
        } catch {
            problem("publish: to: \(error)", at: mapping["to"]?.mark)
        }
        var period: Int?
        if let periodText = text("period") {
            if let year = Int(periodText), (1900...2200).contains(year) { period = year } else {
                problem("publish: period '\(periodText)' is not a year", at: mapping["period"]?.mark)
            }
        }
        var levels = RunPublisher.defaultLevels
        if let node = mapping["levels"] {
            let names = node.sequence.map { $0.compactMap(\.string) } ?? node.string.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            if let names, names.count == 3, Set(names).count == 3, !names.contains(where: \.isEmpty) { levels = names } else {
                problem("publish: levels: give three different names, finest first, e.g. [commune, province, nation]", at: node.mark)
            }
        }
        var targets: [String: String] = [:]
        if let node = mapping["targets"] {
            if let entries = node.mapping {
                for (key, value) in entries {
                    guard let indicator = key.string, let rule = value.string else {
                        problem("publish: targets: expected INDICATOR: RULE, e.g. som_by_commune.mean: \">=3\"", at: key.mark)
                        continue
                    }
                    do { _ = try ValueTarget(parsing: rule) } catch { problem("publish: targets: \(indicator): \(error)", at: value.mark) }
                    targets[indicator] = rule
                }
            } else {
                problem("publish: targets: expected a mapping INDICATOR: RULE", at: node.mark)
            }
        }
        return PipelinePublish(to: to, period: period, levels: levels, targets: targets)
    }
}
