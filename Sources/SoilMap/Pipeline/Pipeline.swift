import Foundation
import Yams

/// One problem of a pipeline file, with where it is: `file:line:column: message`.
public struct PipelineProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public var description: String {
        guard let line else { return "\(file): \(message)" }
        return "\(file):\(line):\(column ?? 1): \(message)"
    }
}

/// Every problem found in a pipeline (validation reports them all, not only the first).
public struct PipelineProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [PipelineProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A pipeline file, parsed, with variables substituted and references resolved into paths: named inputs, and
/// steps in the order they were declared, each knowing the steps it depends on.
///
/// ```yaml
/// soilmap: 1
/// name: demo
/// run_dir: out/demo-run            # default runs/NAME; `soilmap run --run-dir` replaces it
/// variables: {samples: samples}    # ${samples}; `--set samples=...`; ${date}, ${env.HOME}, ${x:-default}
/// inputs:
///   landsat: ${samples}/olinda/L7_ETMs.tif
///   scenes: {glob: "${samples}/*.tif"}
/// steps:
///   indices: {kind: index, stack: $landsat, indices: [NDVI], bands: {red: 3, nir: 4}, output: indices.tif}
///   classes: {kind: classify, input: $indices, scheme: ndvi-cover, output: classes.tif, quicklook: classes.png}
/// ```
/// `$name` is an input's path (a list for a glob) or a step's main output; `$step.key` another output of it.
/// Relative input paths are relative to the current directory; relative outputs to the run directory.
public struct Pipeline: Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var step: AnyStep
        /// Names of the steps whose outputs this one reads.
        public var dependencies: [String]
        public var line: Int
        public var column: Int
    }

    public var file: String
    public var name: String
    public var runDirectory: String
    public var variables: [String: String]
    public var inputs: [(name: String, paths: [String])]
    public var steps: [Entry]
    /// Write report.html and the STAC catalog after the steps.
    public var report: Bool
    /// Publish the finished run into the soil-health database (`publish:`).
    public var publish: PipelinePublish? = nil

    static let topKeys = ["soilmap", "name", "description", "run_dir", "variables", "inputs", "steps", "report", "publish"]

    /// Reads and checks a pipeline file. `overrides`: `--set KEY=VALUE`; `runDirectory`: `--run-dir`.
    public static func load(file: String, overrides: [String: String] = [:], runDirectory: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment, now: Date = Date()) throws -> Pipeline {
        var parser = PipelineParser(file: file, environment: environment, now: now)
        let pipeline = parser.parse(overrides: overrides, runDirectory: runDirectory)
        if !parser.problems.isEmpty { throw PipelineProblems(problems: parser.problems) }
        return pipeline!
    }

    /// Steps in an order that runs every step after those it depends on, ties in declaration order.
    public var orderedSteps: [Entry] {
        var done = Set<String>(), result: [Entry] = []
        while result.count < steps.count {
            guard let next = steps.first(where: { !done.contains($0.name) && $0.dependencies.allSatisfy(done.contains) }) else { break }
            done.insert(next.name)
            result.append(next)
        }
        return result
    }
}

/// Turns the YAML text into a `Pipeline`, collecting every problem with its line and column.
struct PipelineParser {
    let file: String
    let environment: [String: String]
    let now: Date
    var problems: [PipelineProblem] = []

    init(file: String, environment: [String: String], now: Date) {
        self.file = file
        self.environment = environment
        self.now = now
    }

    mutating func problem(_ message: String, at mark: Mark?) {
        problems.append(PipelineProblem(file: file, line: mark?.line, column: mark?.column, message: message))
    }

    mutating func problem(_ message: String, line: Int, column: Int) {
        problems.append(PipelineProblem(file: file, line: line, column: column, message: message))
    }

    mutating func parse(overrides: [String: String], runDirectory: String?) -> Pipeline? {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            problem(FileManager.default.fileExists(atPath: file) ? "cannot be read as UTF-8 text" : "no such file", at: nil)
            return nil
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { problem("is empty", at: nil); return nil }
            root = node
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let message, let mark, _), .parser(_, let message, let mark, _): problem("not valid YAML: \(message)", at: mark)
            default: problem("not valid YAML: \(error)", at: nil)
            }
            return nil
        } catch {
            problem("not valid YAML: \(error)", at: nil)
            return nil
        }
        guard let top = root.mapping else { problem("a pipeline is a mapping (soilmap:, steps:, ...)", at: root.mark); return nil }
        checkKeys(top, allowed: Pipeline.topKeys, what: "the pipeline")
        if let version = top["soilmap"], version.int != 1 { problem("soilmap: \(version.string ?? "?"): this soilmap reads pipeline version 1", at: version.mark) }

        // Variables: the file's defaults, then --set; ${date} is today (UTC) unless set.
        var variables: [String: String] = ["date": Self.isoDate(now)]
        var variableMarks: [String: Mark] = [:]
        if let node = top["variables"] {
            if let mapping = node.mapping {
                for (key, value) in mapping {
                    guard let name = key.string else { continue }
                    guard let text = value.string else {
                        problem("variable '\(name)' must be a single value", at: value.mark)
                        continue
                    }
                    variables[name] = text
                    variableMarks[name] = value.mark
                }
            } else {
                problem("variables: expected a mapping of NAME: VALUE", at: node.mark)
            }
        }
        for (name, value) in overrides {
            if variables[name] == nil {
                let known = variables.keys.sorted()
                problems.append(PipelineProblem(file: file, line: nil, column: nil,
                                                message: "--set \(name): the pipeline has no variable '\(name)'\(Self.suggestion(name, known)) (variables: \(known.joined(separator: ", ")))"))
            }
            variables[name] = value
        }
        // Variables may refer to each other (and to the environment): substitute until stable.
        for _ in 0..<8 {
            var changed = false
            for (name, value) in variables {
                let substituted = substitute(value, variables: variables, mark: variableMarks[name], report: false)
                if substituted != value { variables[name] = substituted; changed = true }
            }
            if !changed { break }
        }
        for (name, value) in variables { _ = substitute(value, variables: variables, mark: variableMarks[name], report: true) }

        let name = top["name"].flatMap(\.string) ?? ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let runText = runDirectory ?? top["run_dir"].map { substitute($0.string ?? "", variables: variables, mark: $0.mark, report: true) }
            ?? "runs/\(name)"
        let runDirectoryPath = Self.absolute(runText)
        if let problemText = RunLock.problemCreating(runDirectoryPath) {
            problem("run directory \(runDirectoryPath): \(problemText)", at: top["run_dir"]?.mark)
        }

        // Inputs.
        var inputs: [(name: String, paths: [String])] = []
        var inputMarks: [String: Mark] = [:]
        var reportedMissing = Set<String>()
        if let node = top["inputs"] {
            if let mapping = node.mapping {
                for (key, value) in mapping {
                    guard let inputName = key.string, Self.isName(inputName) else {
                        problem("input names are letters, digits and _: '\(key.string ?? "?")'", at: key.mark)
                        continue
                    }
                    inputMarks[inputName] = key.mark
                    if let text = value.string {
                        let path = substitute(text, variables: variables, mark: value.mark, report: true)
                        inputs.append((inputName, [Self.absolute(path)]))
                        if !FileManager.default.fileExists(atPath: path) {
                            problem("input '\(inputName)': \(path): no such file", at: value.mark)
                            reportedMissing.insert(Self.absolute(path))
                        }
                    } else if let glob = value.mapping?["glob"]?.string {
                        let pattern = substitute(glob, variables: variables, mark: value.mark, report: true)
                        let matches = Self.glob(pattern)
                        if matches.isEmpty { problem("input '\(inputName)': no file matches \(pattern)", at: value.mark) }
                        inputs.append((inputName, matches.map(Self.absolute)))
                    } else {
                        problem("input '\(inputName)': expected a path or {glob: PATTERN}", at: value.mark)
                    }
                }
            } else {
                problem("inputs: expected a mapping of NAME: PATH", at: node.mark)
            }
        }

        // An input that is a satellite product lends its date and place to the steps: ${scene.date},
        // ${scene.tile} (tile, or path/row as 214065), ${scene.id}.
        for (inputName, paths) in inputs where paths.count == 1 {
            guard let product = try? SatelliteProduct.open(paths[0]) else { continue }
            variables["\(inputName).date"] = product.acquisitionDate
            variables["\(inputName).tile"] = product.tileID ?? product.pathRow.map { $0.replacingOccurrences(of: "/", with: "") } ?? ""
            variables["\(inputName).id"] = product.productID
        }

        // Steps: first their names and outputs (references may point forward), then their parameters.
        guard let stepsNode = top["steps"], let stepsMapping = stepsNode.mapping, !stepsMapping.isEmpty else {
            problem("steps: expected a mapping of STEP_NAME: {kind: ..., ...} with at least one step", at: top["steps"]?.mark ?? root.mark)
            return nil
        }
        var declared: [(name: String, mark: Mark?, node: Node)] = []
        for (key, value) in stepsMapping {
            guard let stepName = key.string, Self.isName(stepName) else {
                problem("step names are letters, digits and _: '\(key.string ?? "?")'", at: key.mark)
                continue
            }
            if inputMarks[stepName] != nil { problem("step '\(stepName)' has the name of an input", at: key.mark) }
            declared.append((stepName, key.mark, value))
        }
        // Each step's outputs by key, relative paths placed in the run directory.
        var outputsByStep: [String: [String: String]] = [:]
        var mainOutput: [String: String] = [:]
        for (stepName, _, node) in declared {
            guard let mapping = node.mapping, let kind = mapping["kind"]?.string, AnyStep.kinds[kind] != nil else { continue }
            for key in OutputKeys.all {
                guard let value = mapping[key]?.string else { continue }
                let path = substitute(value, variables: variables, mark: mapping[key]?.mark, report: false)
                let placed = path.hasPrefix("/") ? path : (runDirectoryPath as NSString).appendingPathComponent(path)
                outputsByStep[stepName, default: [:]][key] = placed
                if key == "output" { mainOutput[stepName] = placed }
            }
        }

        var entries: [Pipeline.Entry] = []
        var writers: [String: String] = [:]
        for (stepName, mark, node) in declared {
            guard let mapping = node.mapping else { problem("step '\(stepName)': expected a mapping with kind: and its parameters", at: node.mark); continue }
            guard let kindNode = mapping["kind"], let kind = kindNode.string else {
                problem("step '\(stepName)': missing 'kind' (one of \(AnyStep.kinds.keys.sorted().joined(separator: ", ")))", at: mark)
                continue
            }
            guard let kindInfo = AnyStep.kinds[kind] else {
                problem("step '\(stepName)': unknown kind '\(kind)'\(Self.suggestion(kind, Array(AnyStep.kinds.keys))) (kinds: \(AnyStep.kinds.keys.sorted().joined(separator: ", ")))", at: kindNode.mark)
                continue
            }
            checkKeys(mapping, allowed: ["kind"] + kindInfo.keys, what: "step '\(stepName)' (\(kind))")
            var dependencies: [String] = []
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let keyName = key.string, keyName != "kind", kindInfo.keys.contains(keyName) else { continue }
                let converted = convert(value, key: keyName, variables: variables, inputs: inputs, outputs: outputsByStep,
                                        mainOutput: mainOutput, dependencies: &dependencies, stepName: stepName)
                if OutputKeys.all.contains(keyName), let placed = outputsByStep[stepName]?[keyName] {
                    object[keyName] = .string(placed)
                } else {
                    object[keyName] = converted
                }
            }
            let step: AnyStep
            do {
                step = try kindInfo.make(.object(object))
            } catch let error as DecodingError {
                report(error, stepName: stepName, mapping: mapping, stepMark: mark)
                continue
            } catch {
                problem("step '\(stepName)': \(error)", at: mark)
                continue
            }
            // Inputs of the step that no step writes and no input declares are used as given: relative to here.
            let absoluteStep = step.mappingPaths { Self.absolute($0) }
            for output in absoluteStep.outputPaths {
                if let other = writers[output] { problem("steps '\(other)' and '\(stepName)' both write \(output)", at: mark) }
                writers[output] = stepName
            }
            do { _ = try absoluteStep.resolvedParameters() } catch { problem("step '\(stepName)': \(error)", at: mark) }
            entries.append(Pipeline.Entry(name: stepName, step: absoluteStep, dependencies: dependencies,
                                          line: mark?.line ?? 0, column: mark?.column ?? 0))
        }

        // Cycles.
        let byName = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for entry in entries {
            var stack = [(entry.name, [entry.name])]
            var seen = Set<String>()
            while let (current, path) = stack.popLast() {
                for dependency in byName[current]?.dependencies ?? [] {
                    if dependency == entry.name {
                        let cycle = path + [entry.name]
                        if cycle.first == cycle.min() { problem("steps form a cycle: \(cycle.joined(separator: " -> "))", line: entry.line, column: entry.column) }
                        continue
                    }
                    if seen.insert(dependency).inserted { stack.append((dependency, path + [dependency])) }
                }
            }
        }

        // What only the inputs can tell: missing files, band numbers, fields, overlap, damage.
        let produced = Set(entries.flatMap(\.step.outputPaths))
        for entry in entries {
            let (line, column) = (entry.line, entry.column)
            var unusable = false
            for input in entry.step.inputPaths where !produced.contains(input) {
                if !FileManager.default.fileExists(atPath: input) {
                    if !reportedMissing.contains(input) { problem("step '\(entry.name)': \(input): no such file", line: line, column: column) }
                    unusable = true
                } else if let damage = InputCheck.damage(of: input) {
                    problem("step '\(entry.name)': \(input): \(damage)", line: line, column: column)
                    unusable = true
                }
            }
            if unusable { continue }
            for output in entry.step.outputPaths where entry.step.inputPaths.contains(output) {
                problem("step '\(entry.name)': \(output) is both an input and an output", line: line, column: column)
            }
            guard entry.step.inputPaths.allSatisfy({ !produced.contains($0) && FileManager.default.fileExists(atPath: $0) }) else { continue }
            do { try entry.step.validate() } catch { problem("step '\(entry.name)': \(error)", line: line, column: column) }
        }
        let report = top["report"]?.bool ?? true
        let publish = top["publish"].flatMap { parsePublish($0, variables: variables) }
        return Pipeline(file: file, name: name, runDirectory: runDirectoryPath, variables: variables, inputs: inputs, steps: entries,
                        report: report, publish: publish)
    }

    /// A YAML value as JSON for a step's parameters: variables substituted in strings, `$name` references
    /// replaced by paths, plain scalars typed (numbers, booleans), `bands: {red: 3}` as ["red=3"].
    mutating func convert(_ node: Node, key: String, variables: [String: String], inputs: [(name: String, paths: [String])],
                          outputs: [String: [String: String]], mainOutput: [String: String], dependencies: inout [String],
                          stepName: String) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            let text = substitute(scalar.string, variables: variables, mark: scalar.mark, report: true)
            if text.hasPrefix("$"), !text.hasPrefix("${") {
                let reference = String(text.dropFirst())
                let parts = reference.split(separator: ".", maxSplits: 1).map(String.init)
                if let input = inputs.first(where: { $0.name == parts[0] }), parts.count == 1 {
                    return input.paths.count == 1 && !(node.mapping != nil) ? .string(input.paths[0]) : .array(input.paths.map(JSONValue.string))
                }
                if let stepOutputs = outputs[parts[0]] {
                    if parts[0] == stepName { problem("step '\(stepName)' refers to itself ($\(reference))", at: scalar.mark); return .null }
                    if !dependencies.contains(parts[0]) { dependencies.append(parts[0]) }
                    let outputKey = parts.count == 2 ? parts[1] : "output"
                    guard let path = stepOutputs[outputKey] else {
                        problem("$\(reference): step '\(parts[0])' has no output '\(outputKey)' (outputs: \(stepOutputs.keys.sorted().joined(separator: ", ")))", at: scalar.mark)
                        return .null
                    }
                    return .string(path)
                }
                if mainOutput[parts[0]] == nil {
                    let names = inputs.map(\.name) + outputs.keys.sorted()
                    problem("$\(reference): no input or step named '\(parts[0])'\(Self.suggestion(parts[0], names))", at: scalar.mark)
                    return .null
                }
            }
            guard scalar.style == .plain else { return .string(text) }
            if text == "~" || text == "null" || text.isEmpty { return .null }
            if text == "true" || text == "false" { return .bool(text == "true") }
            if let number = Double(text), !text.lowercased().contains("inf"), !text.lowercased().contains("nan") { return .number(number) }
            return .string(text)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for item in sequence {
                let value = convert(item, key: key, variables: variables, inputs: inputs, outputs: outputs, mainOutput: mainOutput,
                                    dependencies: &dependencies, stepName: stepName)
                if case .array(let inner) = value, item.scalar != nil { items += inner } else { items.append(value) }
            }
            return .array(items)
        case .mapping(let mapping):
            if key == "bands" {
                // Order matters (the first finest band sets the grid): a mapping becomes ROLE=VALUE in YAML order.
                var items: [JSONValue] = []
                for (role, value) in mapping {
                    let converted = convert(value, key: "", variables: variables, inputs: inputs, outputs: outputs, mainOutput: mainOutput,
                                            dependencies: &dependencies, stepName: stepName)
                    switch converted {
                    case .number(let number) where number == number.rounded(): items.append(.string("\(role.string ?? "")=\(Int(number))"))
                    case .string(let text): items.append(.string("\(role.string ?? "")=\(text)"))
                    default: problem("bands: \(role.string ?? "?"): expected a band number or FILE[:N]", at: value.mark)
                    }
                }
                return .array(items)
            }
            var object: [String: JSONValue] = [:]
            for (itemKey, value) in mapping {
                object[itemKey.string ?? ""] = convert(value, key: itemKey.string ?? "", variables: variables, inputs: inputs, outputs: outputs,
                                                       mainOutput: mainOutput, dependencies: &dependencies, stepName: stepName)
            }
            return .object(object)
        case .alias:
            return .null
        }
    }

    /// `${name}`, `${name:-default}`, `${env.NAME}`; an unknown name is a problem (reported once, when `report`).
    mutating func substitute(_ text: String, variables: [String: String], mark: Mark?, report: Bool) -> String {
        guard text.contains("${") else { return text }
        var result = "", rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                if report { problem("unclosed ${ in '\(text)'", at: mark) }
                return result + rest[start.lowerBound...]
            }
            let body = String(rest[start.upperBound..<end])
            var name = body, fallback: String?
            if let range = body.range(of: ":-") { name = String(body[..<range.lowerBound]); fallback = String(body[range.upperBound...]) }
            if name.hasPrefix("env.") {
                let variable = String(name.dropFirst(4))
                if let value = environment[variable] ?? fallback { result += value }
                else if report { problem("${\(body)}: the environment variable \(variable) is not set (give a default: ${\(name):-VALUE})", at: mark) }
            } else if let value = variables[name] ?? fallback {
                result += value
            } else if report {
                problem("${\(name)}: no such variable\(Self.suggestion(name, Array(variables.keys))) (declare it under variables:, or --set \(name)=...)", at: mark)
            } else {
                result += "${\(body)}"
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    mutating func checkKeys(_ mapping: Node.Mapping, allowed: [String], what: String) {
        for (key, _) in mapping {
            guard let name = key.string, !allowed.contains(name) else { continue }
            problem("\(what): unknown key '\(name)'\(Self.suggestion(name, allowed))", at: key.mark)
        }
    }

    /// A decoding error of a step's parameters, placed on the offending key.
    mutating func report(_ error: DecodingError, stepName: String, mapping: Node.Mapping, stepMark: Mark?) {
        func place(_ codingPath: [CodingKey]) -> Mark? {
            guard let first = codingPath.first else { return stepMark }
            return mapping.first { $0.key.string == first.stringValue }.map { $0.value.mark ?? stepMark } ?? stepMark
        }
        switch error {
        case .keyNotFound(let key, let context):
            problem("step '\(stepName)': missing '\(key.stringValue)'", at: context.codingPath.isEmpty ? stepMark : place(context.codingPath))
        case .typeMismatch(let type, let context):
            let key = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            problem("step '\(stepName)': \(key): expected \(Self.describe(type))", at: place(context.codingPath))
        case .valueNotFound(let type, let context):
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            problem("step '\(stepName)': \(key): expected \(Self.describe(type)), found nothing", at: place(context.codingPath))
        case .dataCorrupted(let context):
            problem("step '\(stepName)': \(context.debugDescription)", at: place(context.codingPath))
        @unknown default:
            problem("step '\(stepName)': \(error)", at: stepMark)
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch "\(type)" {
        case "String": return "text"
        case "Double", "Float": return "a number"
        case "Int": return "a whole number"
        case "Bool": return "true or false"
        case let name where name.hasPrefix("Array"): return "a list"
        case let name where name.hasPrefix("Dictionary"): return "a mapping"
        default: return "\(type)"
        }
    }

    static func isName(_ text: String) -> Bool {
        text.first.map { $0.isLetter || $0 == "_" } == true && text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    static func isoDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }

    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return (path as NSString).standardizingPath }
        return ((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }

    /// Files matching a shell pattern (`*`, `?`, `[...]`), sorted.
    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }

    /// " (did you mean 'x'?)" for the closest name within a small edit distance.
    static func suggestion(_ name: String, _ candidates: [String]) -> String {
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(name.lowercased(), candidate.lowercased())
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(2, name.count / 3) else { return "" }
        return " (did you mean '\(best.name)'?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let current = row[j]
                let substitution: Int = previous + (a[i - 1] == b[j - 1] ? 0 : 1)
                let insertion: Int = row[j - 1] + 1
                row[j] = Swift.min(current + 1, insertion, substitution)
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
