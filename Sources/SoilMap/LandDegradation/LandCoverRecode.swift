import Foundation
import Yams

/// How a land-cover map's own classes become the seven UNCCD classes (`UNCCDLandCover`): a table from each value
/// (or range of values) to a class. Values the table does not name are nodata, and counted.
///
/// CSV, a header then one value per row (`10..40` is a range, ends included; the class a number 1-7 or a name):
/// ```
/// value,class,note
/// 1,cropland,agriculture
/// 2,tree-covered,forest
/// ```
/// YAML, each class with its values:
/// ```
/// id: my-legend
/// classes:
///   tree-covered: [2]
///   cropland: [1, "10..40"]
/// ```
public struct LandCoverRecode: Sendable, Equatable {
    public var id: String
    public var source: String
    /// The smallest value the table names; `classOf[v - lowest]` is v's class, 0 when v has none.
    public let lowest: Int
    public let classOf: [UInt8]

    /// A table spanning more values than this is refused (it would be a lookup array of that size).
    static let maxSpan = 1 << 20

    public init(id: String, source: String, entries: [(ClosedRange<Int>, Int)]) throws {
        self.id = id
        self.source = source
        guard !entries.isEmpty else { throw SoilMapError.invalidArgument("land-cover table \(id) names no value") }
        let low = entries.map(\.0.lowerBound).min()!, high = entries.map(\.0.upperBound).max()!
        guard high - low < Self.maxSpan else {
            throw SoilMapError.invalidArgument("land-cover table \(id) spans values \(low)...\(high): at most \(Self.maxSpan) values")
        }
        var table = [UInt8](repeating: 0, count: high - low + 1)
        for (range, landClass) in entries {
            for value in range {
                let previous = table[value - low]
                guard previous == 0 || Int(previous) == landClass else {
                    throw SoilMapError.invalidArgument("land-cover table \(id): value \(value) is given two classes (\(previous) and \(landClass))")
                }
                table[value - low] = UInt8(landClass)
            }
        }
        lowest = low
        classOf = table
    }

    /// The UNCCD class of a stored value, or 0 (not in the table).
    @inline(__always)
    func landClass(_ value: Int) -> Int {
        let offset = value - lowest
        return offset >= 0 && offset < classOf.count ? Int(classOf[offset]) : 0
    }

    /// The values the table names, per class (for documentation and tests).
    public func values(of landClass: Int) -> [Int] {
        classOf.indices.filter { Int(classOf[$0]) == landClass }.map { $0 + lowest }
    }

    /// ESA CCI land cover (300 m, 1992-2020) to UNCCD classes, as Trends.Earth's default legend nests them: 10-40
    /// cropland, 50-100 tree-covered, 110-153 grassland (shrubland, lichens and sparse vegetation included),
    /// 160/170/180 wetland, 190 artificial, 200-202 and 220 other land, 210 water.
    public static let esaCCI = try! LandCoverRecode(
        id: "esa-cci", source: "ESA CCI land cover to the UNCCD classes, as Trends.Earth's default nesting",
        entries: [(10...40, 3), (50...100, 1), (110...153, 2), (160...160, 4), (170...170, 4), (180...180, 4), (190...190, 5),
                  (200...202, 6), (220...220, 6), (210...210, 7)])

    /// Maps already in the UNCCD classes 1...7.
    public static let unccd = try! LandCoverRecode(id: "unccd", source: "maps already in the seven UNCCD classes (1-7)",
                                                   entries: (1...7).map { ($0...$0, $0) })

    public static let builtIn = [esaCCI, unccd]

    public static func isBuiltIn(_ name: String) -> Bool { builtIn.contains { $0.id == name } }

    /// A built-in table by name, else a .csv or .yaml file.
    public static func named(_ name: String) throws -> LandCoverRecode {
        if let table = builtIn.first(where: { $0.id == name }) { return table }
        let lower = name.lowercased()
        guard lower.hasSuffix(".csv") || lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") else {
            throw SoilMapError.invalidArgument("--recode \(name): use \(builtIn.map(\.id).joined(separator: ", ")), or a .csv or .yaml table")
        }
        guard FileManager.default.fileExists(atPath: name) else { throw SoilMapError.invalidInput(path: name, "does not exist") }
        return lower.hasSuffix(".csv") ? try load(csvFile: name) : try load(yamlFile: name)
    }

    static func load(csvFile path: String) throws -> LandCoverRecode {
        let rows = try CSVText.rows(ofFile: path)
        guard let header = rows.first?.map({ $0.lowercased().trimmingCharacters(in: .whitespaces) }),
              let valueColumn = header.firstIndex(of: "value"), let classColumn = header.firstIndex(of: "class") else {
            throw SoilMapError.invalidInput(path: path, "needs a header with the columns value and class (e.g. value,class,note)")
        }
        var entries: [(ClosedRange<Int>, Int)] = []
        for (index, row) in rows.dropFirst().enumerated() where !row.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            let line = index + 2
            guard row.count > max(valueColumn, classColumn) else {
                throw SoilMapError.invalidInput(path: path, "line \(line) has \(row.count) fields; expected at least \(max(valueColumn, classColumn) + 1)")
            }
            entries.append((try range(row[valueColumn], file: path, line: line), try landClass(row[classColumn], file: path, line: line)))
        }
        return try wrapped(path) {
            try LandCoverRecode(id: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                                source: (path as NSString).lastPathComponent, entries: entries)
        }
    }

    static func load(yamlFile path: String) throws -> LandCoverRecode {
        struct File: Decodable {
            var id: String?
            var source: String?
            var classes: [String: [String]]
        }
        let file = try decodeYAML(File.self, file: path, what: "land-cover table")
        var entries: [(ClosedRange<Int>, Int)] = []
        for (name, values) in file.classes.sorted(by: { $0.key < $1.key }) {
            let landClass = try landClass(name, file: path, line: nil)
            for value in values { entries.append((try range(value, file: path, line: nil), landClass)) }
        }
        return try wrapped(path) {
            try LandCoverRecode(id: file.id ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                                source: file.source ?? (path as NSString).lastPathComponent, entries: entries)
        }
    }

    private static func wrapped(_ path: String, _ body: () throws -> LandCoverRecode) throws -> LandCoverRecode {
        do { return try body() } catch SoilMapError.invalidArgument(let message) { throw SoilMapError.invalidInput(path: path, message) }
    }

    /// "10" or "10..40".
    private static func range(_ text: String, file: String, line: Int?) throws -> ClosedRange<Int> {
        let word = text.trimmingCharacters(in: .whitespaces)
        let parts = word.components(separatedBy: "..")
        let where_ = line.map { "line \($0): " } ?? ""
        if parts.count == 1, let value = Int(word) { return value...value }
        if parts.count == 2, let low = Int(parts[0]), let high = Int(parts[1]), low <= high { return low...high }
        throw SoilMapError.invalidInput(path: file, "\(where_)'\(text)' is not a whole number or a range like 10..40")
    }

    private static func landClass(_ text: String, file: String, line: Int?) throws -> Int {
        guard let value = UNCCDLandCover.classValue(text) else {
            let names = UNCCDLandCover.classes.map { "\($0.value) \($0.id)" }.joined(separator: ", ")
            throw SoilMapError.invalidInput(path: file, "\(line.map { "line \($0): " } ?? "")'\(text)' is not a UNCCD class (\(names))")
        }
        return value
    }

    public static func == (a: LandCoverRecode, b: LandCoverRecode) -> Bool { a.lowest == b.lowest && a.classOf == b.classOf && a.id == b.id }
}

/// Rows of a small CSV file (a recode table, a transition matrix): comma-separated, double quotes around fields
/// that hold commas, UTF-8, `#` lines are comments.
enum CSVText {
    static func rows(ofFile path: String) throws -> [[String]] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw SoilMapError.invalidInput(path: path, "cannot be read as UTF-8 text")
        }
        var rows: [[String]] = []
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let trimmed = line.trimmingCharacters(in: CharacterSet(charactersIn: "\r \t\u{FEFF}"))
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var fields: [String] = [], field = "", quoted = false
            var characters = trimmed.makeIterator()
            while let character = characters.next() {
                if character == "\"" { quoted.toggle() } else if character == "," && !quoted { fields.append(field); field = "" } else { field.append(character) }
            }
            fields.append(field)
            rows.append(fields.map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return rows
    }
}
