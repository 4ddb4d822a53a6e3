import Foundation

/// What a map carries in its metadata so it can be reproduced from the command line alone: the command, the
/// fully resolved parameters (scale, offset, mask, sensor defaults filled in), and each input's file name and size.
/// File names, not paths: the same inputs must give the same bytes in any folder.
enum StepProvenance {
    /// Keys that name a step's outputs, or only shape another output (a quicklook's title): left out, so a map's
    /// bytes never depend on the name it is written under. The command is given without `-o`.
    static let outputKeys = Set(OutputKeys.all + ["title"])

    static func metadata<P: StepParameters & CommandLineConvertible>(kind: String, parameters: P) -> [String: String] {
        // Bad parameters (a nan constant) are refused by the step itself, with its own message: nothing to record.
        guard let resolved = try? parameters.resolved() else { return [:] }
        let named = resolved.mappingPaths { ($0 as NSString).lastPathComponent }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var json = ""
        if let data = try? encoder.encode(named), case .object(var object)? = try? JSONDecoder().decode(JSONValue.self, from: data) {
            for key in outputKeys { object[key] = nil }
            json = (try? encoder.encode(JSONValue.object(object))).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        let inputs = parameters.inputPaths.map { path in
            "\((path as NSString).lastPathComponent) (\(FileIdentity(path: path)?.size ?? 0) bytes)"
        }
        return [
            "SOILMAP_COMMAND": (["soilmap", kind] + named.commandArguments).map(shellQuoted).joined(separator: " "),
            "SOILMAP_PARAMETERS": json,
            "SOILMAP_INPUTS": inputs.joined(separator: "; "),
        ]
    }

    /// A word as a POSIX shell reads it back.
    static func shellQuoted(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.,=/:+@%".unicodeScalars.contains($0) }
        return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Parameters that can be written back as the command line that gives them (without `-o OUTPUT`).
public protocol CommandLineConvertible {
    var commandArguments: [String] { get }
}

/// The parameters of a step that writes a map: its format and creation options.
public protocol RasterStepParameters: StepParameters, CommandLineConvertible {
    var format: String? { get }
    var creationOptions: [String]? { get }
}

extension RasterStepParameters {
    public func outputOptions(overwrite: Bool) throws -> RasterOutputOptions {
        try RasterOutputOptions(formatName: format ?? "GTiff", creationOptions: creationOptions ?? [], overwrite: overwrite)
    }

    /// The options a step writes with: the map also carries how to make it again (`StepProvenance`).
    func outputOptions(overwrite: Bool, provenanceOf kind: String) throws -> RasterOutputOptions {
        var options = try outputOptions(overwrite: overwrite)
        options.metadata = StepProvenance.metadata(kind: kind, parameters: self)
        return options
    }
}

func numberText(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}

extension IndexParameters {
    public var commandArguments: [String] {
        var words: [String] = []
        if let indices, !indices.isEmpty { words.append(indices.joined(separator: ",")) }
        for expression in expressions ?? [] { words += ["--expr", expression] }
        if let stack { words += ["-i", stack] }
        if let scene { words += ["--scene", scene] }
        for band in bands ?? [] { words += ["--band", band] }
        if let sensor { words += ["--sensor", sensor] }
        if let scale { words += ["--scale", numberText(scale)] }
        if let offset { words += ["--offset", numberText(offset)] }
        for (key, value) in (constants ?? [:]).sorted(by: { $0.key < $1.key }) { words += ["--param", "\(key)=\(numberText(value))"] }
        if let mask { words += ["--mask", mask] }
        if let maskValues { words += ["--mask-values", maskValues.map(numberText).joined(separator: ",")] }
        if let maskBits { words += ["--mask-bits", maskBits.map(String.init).joined(separator: ",")] }
        if let nodata { words += ["--nodata", numberText(nodata)] }
        if let resampling { words += ["--resampling", resampling] }
        if let format { words += ["--format", format] }
        for option in creationOptions ?? [] { words += ["--co", option] }
        return words
    }
}

extension ClassifyParameters {
    public var commandArguments: [String] {
        var words = [input]
        if let band { words += ["--band", String(band)] }
        if let scheme { words += ["--scheme", scheme] }
        if let breaks { words += ["--breaks", breaks.map(numberText).joined(separator: ",")] }
        if rightClosed == true { words.append("--right-closed") }
        if let method { words += ["--method", method] }
        if let classes, method != nil { words += ["--classes", String(classes)] }
        if let labels { words += ["--labels", labels] }
        if let format { words += ["--format", format] }
        for option in creationOptions ?? [] { words += ["--co", option] }
        return words
    }
}

extension CombineParameters {
    public var commandArguments: [String] {
        var words = inputs
        if let method { words += ["--method", method] }
        if let table { words += ["--table", table] }
        if let degradedValue, method == "count" || method == "weighted" { words += ["--degraded-value", String(degradedValue)] }
        if let weights { words += ["--weights", weights.map(numberText).joined(separator: ",")] }
        if let breaks { words += ["--breaks", breaks.map(numberText).joined(separator: ",")] }
        if let inputCodes, inputCodes != CombineInputCodes.automatic.rawValue { words += ["--input-codes", inputCodes] }
        if let format { words += ["--format", format] }
        for option in creationOptions ?? [] { words += ["--co", option] }
        return words
    }
}
