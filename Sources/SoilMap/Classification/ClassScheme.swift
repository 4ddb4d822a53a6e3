import Foundation
import GDAL
import Yams

/// One class of a scheme: the interval of input values it takes, the pixel value it writes, its reporting code,
/// labels and colour.
public struct ClassDefinition: Sendable, Codable, Equatable {
    /// The pixel value written in the classified raster (1...254 for Byte maps with a colour table).
    public var value: Int
    /// The code reports use when it differs from `value` (SDG 15.3.1 reports -1/0/1).
    public var code: Int?
    public var label: String
    /// The Vietnamese label, when the scheme has one.
    public var labelVi: String?
    /// "#RRGGBB".
    public var color: String
    /// Lower bound; nil for no bound.
    public var min: Double?
    /// Upper bound; nil for no bound.
    public var max: Double?
    /// Whether `min` itself belongs to the class (default true).
    public var minClosed: Bool
    /// Whether `max` itself belongs to the class (default false).
    public var maxClosed: Bool

    public init(value: Int, code: Int? = nil, label: String, labelVi: String? = nil, color: String,
                min: Double? = nil, max: Double? = nil, minClosed: Bool = true, maxClosed: Bool = false) {
        self.value = value
        self.code = code
        self.label = label
        self.labelVi = labelVi
        self.color = color
        self.min = min
        self.max = max
        self.minClosed = minClosed
        self.maxClosed = maxClosed
    }

    enum CodingKeys: String, CodingKey { case value, code, label, labelVi = "label_vi", color, min, max, minClosed = "min_closed", maxClosed = "max_closed" }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        value = try container.decode(Int.self, forKey: .value)
        code = try container.decodeIfPresent(Int.self, forKey: .code)
        label = try container.decode(String.self, forKey: .label)
        labelVi = try container.decodeIfPresent(String.self, forKey: .labelVi)
        color = try container.decode(String.self, forKey: .color)
        min = try container.decodeIfPresent(Double.self, forKey: .min)
        max = try container.decodeIfPresent(Double.self, forKey: .max)
        minClosed = try container.decodeIfPresent(Bool.self, forKey: .minClosed) ?? true
        maxClosed = try container.decodeIfPresent(Bool.self, forKey: .maxClosed) ?? false
    }

    /// True when `x` falls in the class's interval.
    @inline(__always)
    public func contains(_ x: Double) -> Bool {
        if let min { if minClosed ? x < min : x <= min { return false } }
        if let max { if maxClosed ? x > max : x >= max { return false } }
        return true
    }

    /// The interval in mathematical notation: [2, 4), (-inf, 0], ...
    public var interval: String {
        let low = min.map { formatNumber($0) } ?? "-inf", high = max.map { formatNumber($0) } ?? "inf"
        return "\(min != nil && minClosed ? "[" : "(")\(low), \(high)\(max != nil && maxClosed ? "]" : ")")"
    }
}

/// Values between two classes that no class takes.
public struct ClassGap: Sendable, Equatable {
    public var min: Double
    public var max: Double
    public var minClosed: Bool
    public var maxClosed: Bool

    /// "[0.2, 0.3)", as class intervals are written.
    public var interval: String {
        "\(minClosed ? "[" : "(")\(formatNumber(min)), \(formatNumber(max))\(maxClosed ? "]" : ")")"
    }
}

/// A classification scheme: ordered classes with explicit closed sides, codes, labels and colours, and its source.
public struct ClassScheme: Sendable, Codable, Equatable {
    public var id: String
    public var title: String
    /// The unit of the classified quantity ("dS/m", "%", "mg/kg").
    public var unit: String
    public var source: String
    public var classes: [ClassDefinition]
    /// Pixel value for "no class": no data in the input, or a value outside every class.
    public var noData: Int
    /// Which end of the class values is the worst state, when the scheme says (`combine --method worst-of`
    /// needs it): salinity worsens upwards, SDG 15.3.1 status improves upwards. nil for breaks from numbers.
    public var worst: WorstEnd?

    public enum WorstEnd: String, Sendable, Codable {
        case low, high
    }

    public init(id: String, title: String, unit: String = "", source: String, classes: [ClassDefinition], noData: Int = 0,
                worst: WorstEnd? = nil) {
        self.id = id
        self.title = title
        self.unit = unit
        self.source = source
        self.classes = classes
        self.noData = noData
        self.worst = worst
    }

    enum CodingKeys: String, CodingKey { case id, title, unit, source, classes, noData = "nodata", worst }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        title = try container.decodeIfPresent(String.self, forKey: .title) ?? id
        unit = try container.decodeIfPresent(String.self, forKey: .unit) ?? ""
        source = try container.decodeIfPresent(String.self, forKey: .source) ?? ""
        classes = try container.decode([ClassDefinition].self, forKey: .classes)
        noData = try container.decodeIfPresent(Int.self, forKey: .noData) ?? 0
        worst = try container.decodeIfPresent(WorstEnd.self, forKey: .worst)
    }

    /// Checks what a classified Byte map needs: values 0...255 and distinct, nodata not a class value, colours
    /// readable, intervals that do not overlap (a value belongs to one class at most).
    public func validate(file: String? = nil) throws {
        func fail(_ message: String) -> Error {
            file.map { SoilMapError.invalidInput(path: $0, message) } ?? SoilMapError.invalidArgument("scheme \(id): \(message)")
        }
        guard !classes.isEmpty else { throw fail("has no classes") }
        for item in classes {
            guard (0...255).contains(item.value) else { throw fail("class '\(item.label)': value \(item.value) is outside 0...255") }
            guard RGBA(hex: item.color) != nil else { throw fail("class '\(item.label)': colour '\(item.color)' is not #RRGGBB") }
            if let min = item.min, let max = item.max, min > max || (min == max && !(item.minClosed && item.maxClosed)) {
                throw fail("class '\(item.label)': the interval \(item.interval) is empty")
            }
        }
        guard Set(classes.map(\.value)).count == classes.count else { throw fail("two classes have the same value") }
        guard !classes.contains(where: { $0.value == noData }) else { throw fail("nodata \(noData) is also a class value") }
        guard (0...255).contains(noData) else { throw fail("nodata \(noData) is outside 0...255") }
        // Overlap: two intervals overlap when some number lies in both; check at every bound and between bounds.
        let bounds = Array(Set(classes.flatMap { [$0.min, $0.max].compactMap { $0 } })).sorted()
        var probes = bounds
        for (low, high) in zip(bounds, bounds.dropFirst()) { probes.append((low + high) / 2) }
        if let first = bounds.first { probes.append(first - 1) }
        if let last = bounds.last { probes.append(last + 1) }
        for probe in probes {
            let owners = classes.filter { $0.contains(probe) }
            if owners.count > 1 {
                throw fail("classes '\(owners[0].label)' and '\(owners[1].label)' overlap at \(formatNumber(probe))")
            }
        }
    }

    /// The intervals between classes that no class contains: values there become nodata, which is rarely meant.
    /// Below the lowest class and above the highest are the scheme's range, not gaps.
    public var gaps: [ClassGap] {
        let bounds = Array(Set(classes.flatMap { [$0.min, $0.max].compactMap { $0 } })).sorted()
        guard let lowest = bounds.first else { return [] }
        // The line cut into pieces: below the lowest bound, each bound, the open stretch after it, above the highest
        // bound. A stretch holds no bound, so it lies wholly inside or outside each class: its middle tells.
        struct Piece { var low: Double; var high: Double; var covered: Bool }
        func covered(_ x: Double) -> Bool { classes.contains { $0.contains(x) } }
        var pieces = [Piece(low: -.infinity, high: lowest, covered: covered(lowest - Swift.max(1, abs(lowest))))]
        for (index, bound) in bounds.enumerated() {
            pieces.append(Piece(low: bound, high: bound, covered: covered(bound)))
            let next = index + 1 < bounds.count ? bounds[index + 1] : Double.infinity
            let middle = next.isInfinite ? bound + Swift.max(1, abs(bound)) : (bound + next) / 2
            pieces.append(Piece(low: bound, high: next, covered: covered(middle)))
        }
        var gaps: [ClassGap] = []
        var start: Int?
        for (index, piece) in pieces.enumerated() {
            if !piece.covered {
                if start == nil { start = index }
                continue
            }
            // A run of uncovered pieces with covered pieces on both sides.
            if let first = start, pieces[..<first].contains(where: \.covered) {
                let low = pieces[first], high = pieces[index - 1]
                gaps.append(ClassGap(min: low.low, max: high.high, minClosed: low.low == low.high, maxClosed: high.low == high.high))
            }
            start = nil
        }
        return gaps
    }

    /// What is legal but probably not meant: gaps between classes.
    public var warnings: [String] {
        gaps.map { gap in
            gap.min == gap.max
                ? "scheme \(id): the value \(formatNumber(gap.min)) falls in no class and becomes nodata"
                : "scheme \(id): values in \(gap.interval) fall in no class and become nodata"
        }
    }

    /// The pixel value for an input value: the class containing it, or nodata. For many values, use
    /// `ClassBounds`, which does the same without touching the classes' strings.
    public func classify(_ x: Double) -> Int { ClassBounds(self).classify(x) }

    /// The colour table: entry v is the colour of value v; nodata and unused entries transparent.
    public var colorTable: ColorTable {
        let size = Swift.max(classes.map(\.value).max() ?? 0, noData) + 1
        var entries = [RGBA](repeating: RGBA(red: 0, green: 0, blue: 0, alpha: 0), count: size)
        for item in classes { entries[item.value] = RGBA(hex: item.color)! }
        return ColorTable(entries: entries)
    }

    /// Category names: entry v names value v ("" for values that are not classes). Vietnamese labels when asked
    /// for and present, English otherwise.
    public func categoryNames(vietnamese: Bool = false) -> [String] {
        let size = Swift.max(classes.map(\.value).max() ?? 0, noData) + 1
        var names = [String](repeating: "", count: size)
        for item in classes { names[item.value] = vietnamese ? (item.labelVi ?? item.label) : item.label }
        return names
    }

    /// Reads a scheme from a YAML file (see README for the format).
    public static func load(yamlFile path: String) throws -> ClassScheme {
        let scheme = try decodeYAML(ClassScheme.self, file: path, what: "scheme")
        try scheme.validate(file: path)
        return scheme
    }

    /// A scheme from ordered breaks b1 < b2 < ... : classes (-inf, b1), [b1, b2), ..., [bn, inf), values 1...n+1,
    /// as numpy.digitize(x, breaks) + 1 numbers them; `rightClosed` gives (-inf, b1], (b1, b2], ... instead.
    public static func fromBreaks(_ breaks: [Double], rightClosed: Bool = false, id: String = "breaks", source: String = "user breaks",
                                  unit: String = "") throws -> ClassScheme {
        guard !breaks.isEmpty else { throw SoilMapError.invalidArgument("--breaks needs at least one number") }
        guard zip(breaks, breaks.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SoilMapError.invalidArgument("breaks must increase strictly: \(breaks.map(formatNumber).joined(separator: ","))")
        }
        let palette = Palette.sequential(count: breaks.count + 1)
        var classes: [ClassDefinition] = []
        for index in 0...breaks.count {
            let low: Double? = index == 0 ? nil : breaks[index - 1]
            let high: Double? = index == breaks.count ? nil : breaks[index]
            var item = ClassDefinition(value: index + 1, label: "", color: palette[index], min: low, max: high,
                                       minClosed: !rightClosed, maxClosed: rightClosed)
            item.label = item.interval + (unit.isEmpty ? "" : " \(unit)")
            classes.append(item)
        }
        let scheme = ClassScheme(id: id, title: id, unit: unit, source: source, classes: classes)
        try scheme.validate()
        return scheme
    }

    /// Metadata written into a classified raster, so the map says how it was made.
    var metadata: [String: String] {
        var items = ["CLASS_SCHEME": id, "CLASS_SCHEME_TITLE": title, "CLASS_SCHEME_SOURCE": source, "CLASS_UNIT": unit]
        items["CLASS_INTERVALS"] = classes.map { "\($0.value):\($0.interval)" }.joined(separator: ";")
        let breaks = Array(Set(classes.flatMap { [$0.min, $0.max].compactMap { $0 } })).sorted()
        items["CLASS_BREAKS"] = breaks.map(formatNumber).joined(separator: ",")
        if classes.contains(where: { $0.code != nil }) {
            items["CLASS_CODES"] = classes.map { "\($0.value):\($0.code ?? $0.value)" }.joined(separator: ";")
        }
        if let worst { items["CLASS_WORST"] = worst.rawValue }
        return items
    }
}

func formatNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(format: "%.10g", value)
}

/// Reads and decodes a YAML file; errors name the file and say what is wrong where.
func decodeYAML<T: Decodable>(_ type: T.Type, file path: String, what: String) throws -> T {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw SoilMapError.invalidInput(path: path, "cannot be read (\(error.localizedDescription))")
    }
    // Foundation's own message for bytes that are not UTF-8 says only "not in the correct format".
    guard let text = String(data: data, encoding: .utf8) else { throw SoilMapError.invalidInput(path: path, "is not UTF-8 text") }
    do { return try YAMLDecoder().decode(T.self, from: text) } catch {
        throw SoilMapError.invalidInput(path: path, "is not a valid \(what): \(describeDecodingError(error))")
    }
}

func describeDecodingError(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let context):
        return "missing '\(key.stringValue)'" + path(context.codingPath)
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
        return context.debugDescription + path(context.codingPath)
    default:
        return "\(error)"
    }
}

private func path(_ codingPath: [CodingKey]) -> String {
    codingPath.isEmpty ? "" : " at " + codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
}

/// Colours for generated schemes: ColorBrewer-like ramps, evaluated deterministically.
enum Palette {
    /// From green (low) through yellow to red (high).
    static func sequential(count: Int) -> [String] {
        let stops: [(Double, Double, Double)] = [(26, 152, 80), (145, 207, 96), (217, 239, 139), (254, 224, 139), (252, 141, 89), (215, 48, 39)]
        return (0..<count).map { index in
            let t = count == 1 ? 0 : Double(index) / Double(count - 1) * Double(stops.count - 1)
            let lower = Int(t.rounded(.down)), upper = Swift.min(lower + 1, stops.count - 1), f = t - Double(lower)
            let r = stops[lower].0 + (stops[upper].0 - stops[lower].0) * f
            let g = stops[lower].1 + (stops[upper].1 - stops[lower].1) * f
            let b = stops[lower].2 + (stops[upper].2 - stops[lower].2) * f
            return RGBA(red: UInt8(r.rounded()), green: UInt8(g.rounded()), blue: UInt8(b.rounded())).hex
        }
    }
}

/// A scheme's intervals as plain numbers, for classifying whole tiles: looping over `ClassDefinition`s copies their
/// labels and colours (reference counting on every pixel), which made classification a fifth of a run's CPU.
/// A missing bound is an infinite, closed one, so it contains every number, infinities included.
public struct ClassBounds: Sendable {
    private let lower: [Double]
    private let upper: [Double]
    private let lowerClosed: [Bool]
    private let upperClosed: [Bool]
    private let values: [Int]
    private let noData: Int

    public init(_ scheme: ClassScheme) {
        lower = scheme.classes.map { $0.min ?? -.infinity }
        upper = scheme.classes.map { $0.max ?? .infinity }
        lowerClosed = scheme.classes.map { $0.min == nil || $0.minClosed }
        upperClosed = scheme.classes.map { $0.max == nil || $0.maxClosed }
        values = scheme.classes.map(\.value)
        noData = scheme.noData
    }

    /// Classifies `count` values into `output` (class values as Float32, what the engine writes), eight at a
    /// time and without branches on the data: every class is tested, from the last to the first, so the first
    /// class containing a value is the one kept, as in `classify(_:)`. NaN is in no class, so it stays nodata.
    public func classify(_ input: UnsafePointer<Double>, count: Int, into output: UnsafeMutablePointer<Float>) {
        typealias Vector = SIMD8<Double>
        let vectors = count / Vector.scalarCount
        let raw = UnsafeRawPointer(input), out = UnsafeMutableRawPointer(output)
        for vectorIndex in 0..<vectors {
            let x = raw.loadUnaligned(fromByteOffset: vectorIndex * MemoryLayout<Vector>.stride, as: Vector.self)
            var result = Vector(repeating: Double(noData))
            for index in values.indices.reversed() {
                let low = Vector(repeating: lower[index]), high = Vector(repeating: upper[index])
                let aboveLower = lowerClosed[index] ? x .>= low : x .> low
                let belowUpper = upperClosed[index] ? x .<= high : x .< high
                result.replace(with: Vector(repeating: Double(values[index])), where: aboveLower .& belowUpper)
            }
            out.storeBytes(of: SIMD8<Float>(result), toByteOffset: vectorIndex * MemoryLayout<SIMD8<Float>>.stride, as: SIMD8<Float>.self)
        }
        for pixel in (vectors * Vector.scalarCount)..<count { output[pixel] = Float(classify(input[pixel])) }
    }

    /// The first class containing `x`, as in the scheme's order; nodata for NaN or a value in no class.
    @inline(__always)
    public func classify(_ x: Double) -> Int {
        guard !x.isNaN else { return noData }
        for index in values.indices {
            let aboveLower = lowerClosed[index] ? x >= lower[index] : x > lower[index]
            let belowUpper = upperClosed[index] ? x <= upper[index] : x < upper[index]
            if aboveLower && belowUpper { return values[index] }
        }
        return noData
    }
}
