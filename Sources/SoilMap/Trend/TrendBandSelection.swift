import Foundation

/// Which trend bands a run computes and writes (`--statistics`, pipeline key `statistics`): band names and groups,
/// written in the canonical order of `TrendStatistics.bandDescriptions` whatever the order asked. Only the work
/// the chosen bands need is done: an OLS-only run never forms the pairwise slopes.
public struct TrendBandSelection: Equatable, Sendable {
    /// The chosen bands, in canonical order.
    public let bands: [String]

    /// Names that stand for several bands.
    public static let groups: [(name: String, bands: [String])] = [
        ("all", TrendStatistics.bandDescriptions),
        ("ols", ["ols_slope", "ols_intercept"]),
        ("sen", ["sen_slope"]),
        ("mk", ["mk_s", "mk_var", "mk_z", "mk_p", "tau"]),
    ]

    public static let all = TrendBandSelection(canonical: TrendStatistics.bandDescriptions)

    private init(canonical bands: [String]) { self.bands = bands }

    /// A comma-separated list of band names and groups (ols, sen, mk, all), e.g. "ols_slope" or "ols,mk_p".
    public static func parse(_ text: String) throws -> TrendBandSelection {
        var chosen = Set<String>()
        for word in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            if let group = groups.first(where: { $0.name == word }) {
                chosen.formUnion(group.bands)
            } else if TrendStatistics.bandDescriptions.contains(word) {
                chosen.insert(word)
            } else {
                let names = groups.map(\.name) + TrendStatistics.bandDescriptions
                throw SoilMapError.invalidArgument("--statistics \(text): '\(word)' is not a trend band or group (use \(names.joined(separator: ", ")))")
            }
        }
        return TrendBandSelection(canonical: TrendStatistics.bandDescriptions.filter(chosen.contains))
    }

    public var text: String { self == .all ? "all" : bands.joined(separator: ",") }

    func contains(_ band: String) -> Bool { bands.contains(band) }

    // What the chosen bands need computed. trajectory needs the OLS slope and Mann-Kendall (S; with the p-value
    // rule also the tie-corrected variance), whether or not those bands are written.
    var needsOLS: Bool { contains("ols_slope") || contains("ols_intercept") || contains("trajectory") }
    var needsSen: Bool { contains("sen_slope") }
    var needsS: Bool { ["mk_s", "mk_z", "mk_p", "tau", "trajectory"].contains(where: contains) }
    func needsTies(trendsEarth: Bool) -> Bool {
        ["mk_var", "mk_z", "mk_p", "tau"].contains(where: contains) || (contains("trajectory") && !trendsEarth)
    }
}
