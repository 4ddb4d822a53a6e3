import Foundation

/// A lookup table from the values of several classified maps to an output class: rows are tried in order and
/// the first that matches wins; `nil` in a row matches any value. A pixel no row matches gets nodata.
public struct RuleTable: Sendable, Equatable {
    public var id: String
    public var inputs: [String]
    public var rows: [(match: [Int?], output: Int)]
    /// The legend of the output, when known.
    public var scheme: ClassScheme?
    public var source: String
    /// The scheme every input must be classified in, when the table says: `combine` refuses maps of another.
    public var inputScheme: ClassScheme?

    public init(id: String, inputs: [String], rows: [(match: [Int?], output: Int)], scheme: ClassScheme?, source: String,
                inputScheme: ClassScheme? = nil) {
        self.id = id
        self.inputs = inputs
        self.rows = rows
        self.scheme = scheme
        self.source = source
        self.inputScheme = inputScheme
    }

    public static func == (a: RuleTable, b: RuleTable) -> Bool {
        a.id == b.id && a.inputs == b.inputs && a.rows.map(\.output) == b.rows.map(\.output) && a.rows.map(\.match) == b.rows.map(\.match)
            && a.inputScheme?.id == b.inputScheme?.id
    }

    @inline(__always)
    public func lookup(_ values: [Int]) -> Int? {
        for row in rows where zip(row.match, values).allSatisfy({ $0.0 == nil || $0.0 == $0.1 }) { return row.output }
        return nil
    }

    /// UNCCD/Trends.Earth land productivity dynamics from three SDG-coded maps (sdg-15.3.1 values: 1 degraded,
    /// 2 stable, 3 improved): productivity trajectory, state, and performance (1 degraded, 2 not degraded).
    /// Output: sdg-productivity classes 1 declining ... 5 increasing. Expressed from the rules Trends.Earth applies:
    /// a declining trajectory is declining; an improving one is increasing unless state and performance are both
    /// degraded (moderate decline); a stable one is stable, stressed when state is stable and performance degraded,
    /// moderately declining when only state is degraded, declining when both are (an improved state keeps it stable,
    /// as in Trends.Earth's calc_prod5).
    public static let sdgProductivity = RuleTable(
        id: "sdg-productivity", inputs: ["trajectory", "state", "performance"],
        rows: [
            ([1, nil, nil], 1),
            ([2, 1, 1], 1),
            ([2, 1, nil], 2),
            ([2, 2, 1], 3),
            ([2, nil, nil], 4),
            ([3, 1, 1], 2),
            ([3, nil, nil], 5),
        ],
        scheme: BuiltInSchemes.sdgProductivity,
        source: "UNCCD Good Practice Guidance for SDG 15.3.1; combination rules of Trends.Earth (productivity trajectory x state x performance)",
        inputScheme: BuiltInSchemes.sdg1531)

    /// The 5 classes reduced to 3 as UNCCD reporting does (declining and moderate decline: degraded; stressed and
    /// stable: stable; increasing: improved), written as an sdg-15.3.1 map (1 degraded, 2 stable, 3 improved), so
    /// one-out-all-out takes it as the productivity sub-indicator.
    public static let sdgProductivity3 = RuleTable(
        id: "sdg-productivity-3", inputs: sdgProductivity.inputs,
        rows: sdgProductivity.rows.map { ($0.match, [1: 1, 2: 1, 3: 2, 4: 2, 5: 3][$0.output]!) },
        scheme: BuiltInSchemes.sdg1531,
        source: "UNCCD Good Practice Guidance for SDG 15.3.1; Trends.Earth's 5 productivity classes reduced to 3 (1-2 degraded, 3-4 stable, 5 improved)",
        inputScheme: BuiltInSchemes.sdg1531)

    public static let builtIn = [sdgProductivity, sdgProductivity3, SDGStatus.table]

    /// Reads a table from YAML:
    /// ```
    /// id: my-table
    /// inputs: [erosion, salinity]
    /// scheme: vn-degradation        # optional: a built-in scheme for the output legend
    /// input_scheme: sdg-15.3.1      # optional: the built-in scheme every input must be classified in
    /// rules:
    ///   - [1, 1, 1]                 # input values..., output
    ///   - ["*", 2, 2]               # "*" matches any value
    /// ```
    public static func load(yamlFile path: String) throws -> RuleTable {
        struct File: Decodable {
            var id: String?
            var inputs: [String]
            var scheme: String?
            var source: String?
            var inputScheme: String?
            var rules: [[String]]

            enum CodingKeys: String, CodingKey { case id, inputs, scheme, source, inputScheme = "input_scheme", rules }
        }
        let file = try decodeYAML(File.self, file: path, what: "rule table")
        var rows: [(match: [Int?], output: Int)] = []
        for (index, rule) in file.rules.enumerated() {
            guard rule.count == file.inputs.count + 1 else {
                throw SoilMapError.invalidInput(path: path, "rule \(index + 1) has \(rule.count) values; expected \(file.inputs.count) inputs and an output")
            }
            let match = try rule.dropLast().map { text -> Int? in
                if text == "*" { return nil }
                guard let value = Int(text) else { throw SoilMapError.invalidInput(path: path, "rule \(index + 1): '\(text)' is not a whole number or *") }
                return value
            }
            guard let output = Int(rule.last!), (0...255).contains(output) else {
                throw SoilMapError.invalidInput(path: path, "rule \(index + 1): the output '\(rule.last!)' is not a value 0...255")
            }
            rows.append((match, output))
        }
        return RuleTable(id: file.id ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, inputs: file.inputs, rows: rows,
                         scheme: try file.scheme.map(BuiltInSchemes.named), source: file.source ?? path,
                         inputScheme: try file.inputScheme.map(BuiltInSchemes.named))
    }
}
