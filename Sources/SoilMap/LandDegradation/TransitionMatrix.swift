import Foundation

/// Whether a change of land cover from one UNCCD class (row) to another (column) is a degradation (-1), stable
/// (0) or an improvement (+1).
public struct TransitionMatrix: Sendable, Equatable {
    public var id: String
    /// 7 x 7, row-major: `effects[(from - 1) * 7 + (to - 1)]`.
    public let effects: [Int]

    public init(id: String, rows: [[Int]]) throws {
        guard rows.count == UNCCDLandCover.count, rows.allSatisfy({ $0.count == UNCCDLandCover.count }) else {
            throw SoilMapError.invalidArgument("a transition matrix has 7 rows of 7 values (from x to, in the UNCCD classes' order)")
        }
        guard rows.joined().allSatisfy({ (-1...1).contains($0) }) else {
            throw SoilMapError.invalidArgument("a transition matrix holds -1 (degradation), 0 (stable) or 1 (improvement)")
        }
        self.id = id
        effects = Array(rows.joined())
    }

    @inline(__always)
    public func effect(from: Int, to: Int) -> Int { effects[(from - 1) * UNCCDLandCover.count + (to - 1)] }

    /// The UNCCD default (Good Practice Guidance v2; Trends.Earth's default): rows from, columns to, in the order
    /// tree-covered, grassland, cropland, wetland, artificial, other land, water. Any change to artificial is a
    /// degradation, any change to or from water is stable, loss of tree cover is a degradation.
    public static let unccdDefault = try! TransitionMatrix(id: "unccd", rows: [
        [0, -1, -1, -1, -1, -1, 0],
        [1, 0, 1, -1, -1, -1, 0],
        [1, -1, 0, -1, -1, -1, 0],
        [-1, -1, -1, 0, -1, -1, 0],
        [1, 1, 1, 1, 0, 1, 0],
        [1, 1, 1, 1, -1, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
    ])

    /// The default by name, or a CSV file: 7 rows of 7 values -1/0/1 (or D/S/I), optionally with a header row of
    /// class names and a first column of them; names, when given, must be the classes in order, so a transposed
    /// or shuffled matrix is refused rather than applied.
    /// ```
    /// from,tree-covered,grassland,cropland,wetland,artificial,other-land,water
    /// tree-covered,0,-1,-1,-1,-1,-1,0
    /// ...
    /// ```
    public static func named(_ name: String) throws -> TransitionMatrix {
        if name == unccdDefault.id { return unccdDefault }
        guard name.lowercased().hasSuffix(".csv") else {
            throw SoilMapError.invalidArgument("--matrix \(name): use unccd (the default) or a .csv file of 7 x 7 values -1/0/1")
        }
        guard FileManager.default.fileExists(atPath: name) else { throw SoilMapError.invalidInput(path: name, "does not exist") }
        var rows = try CSVText.rows(ofFile: name)
        func isNumbers(_ fields: ArraySlice<String>) -> Bool { fields.allSatisfy { effect($0) != nil } }
        if let first = rows.first, !isNumbers(first.suffix(UNCCDLandCover.count)) {
            // A header: its last 7 fields name the target classes.
            let names = first.suffix(UNCCDLandCover.count)
            if first.count < UNCCDLandCover.count || !isNamedInOrder(Array(names)) {
                throw SoilMapError.invalidInput(path: name, "the header must name the 7 classes in order (\(UNCCDLandCover.classes.map(\.id).joined(separator: ", ")))")
            }
            rows.removeFirst()
        }
        guard rows.count == UNCCDLandCover.count else {
            throw SoilMapError.invalidInput(path: name, "has \(rows.count) rows of values; a transition matrix has 7 (one per class, from)")
        }
        var values: [[Int]] = []
        for (index, row) in rows.enumerated() {
            var fields = row[...]
            if fields.count == UNCCDLandCover.count + 1 {
                guard UNCCDLandCover.classValue(fields.first!) == index + 1 else {
                    throw SoilMapError.invalidInput(path: name, "row \(index + 1) is named '\(fields.first!)'; rows must be the classes in order (\(UNCCDLandCover.classes[index].id) here)")
                }
                fields = fields.dropFirst()
            }
            guard fields.count == UNCCDLandCover.count else {
                throw SoilMapError.invalidInput(path: name, "row \(index + 1) has \(fields.count) values; expected 7 (-1, 0 or 1)")
            }
            values.append(try fields.map { field in
                guard let value = effect(field) else {
                    throw SoilMapError.invalidInput(path: name, "row \(index + 1): '\(field)' is not -1, 0, 1 (or D, S, I)")
                }
                return value
            })
        }
        return try TransitionMatrix(id: URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent, rows: values)
    }

    private static func effect(_ text: String) -> Int? {
        switch text.trimmingCharacters(in: .whitespaces).uppercased() {
        case "-1", "D": return -1
        case "0", "S": return 0
        case "1", "+1", "I": return 1
        default: return nil
        }
    }

    private static func isNamedInOrder(_ names: [String]) -> Bool {
        names.enumerated().allSatisfy { UNCCDLandCover.classValue($0.element) == $0.offset + 1 }
    }

    /// The matrix as one line for metadata: rows separated by "|".
    var metadataText: String {
        (0..<UNCCDLandCover.count).map { row in
            effects[(row * 7)..<(row * 7 + 7)].map { $0 > 0 ? "+1" : String($0) }.joined(separator: " ")
        }.joined(separator: " | ")
    }
}
