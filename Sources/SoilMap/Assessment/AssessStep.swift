import Foundation
import GDAL

/// `soilmap assess` and the pipeline's `assess` step: the accuracy of a class map against reference points or
/// polygons, and the map's class areas adjusted for its errors (Olofsson et al. 2014), as a CSV table.
public struct AssessParameters: StepParameters {
    /// The class map (band 1, integer codes).
    public var map: String
    /// Reference points or polygons, any OGR source and CRS.
    public var reference: String
    /// The reference layer by name (default: the first).
    public var layer: String?
    /// The reference class of each feature: a class code of the map, or a class name (the map's category names or
    /// the labels of its class scheme), case ignored.
    public var field: String
    public var output: String

    enum CodingKeys: String, CodingKey, CaseIterable { case map, reference, layer, field, output }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(map: String, reference: String, layer: String? = nil, field: String, output: String) {
        self.map = map
        self.reference = reference
        self.layer = layer
        self.field = field
        self.output = output
    }

    public var inputPaths: [String] {
        [map] + ZoneSource.files(of: reference).filter { $0 == reference || FileManager.default.fileExists(atPath: $0) }
    }

    public var outputPaths: [String] { [output] }

    public func mappingPaths(_ transform: (String) -> String) -> AssessParameters {
        var copy = self
        copy.map = transform(map)
        copy.reference = transform(reference)
        copy.output = transform(output)
        return copy
    }

    public func resolved() throws -> AssessParameters {
        guard output.lowercased().hasSuffix(".csv") else {
            throw SoilMapError.invalidArgument("-o \(output): assess writes a CSV table (.csv)")
        }
        guard !field.isEmpty else { throw SoilMapError.invalidArgument("--field: name the reference layer's class field") }
        return self
    }

    public func validate() throws {
        _ = try resolved()
        _ = try ClassMapCensus.grid(of: map)
        let layer = try ZoneSource(path: reference, layer: self.layer, idField: field).openLayer()
        _ = try layer.fieldIndex(field)
    }
}

extension AssessParameters {
    public var commandArguments: [String] {
        var words = [map, "--reference", reference, "--field", field]
        if let layer { words += ["--layer", layer] }
        return words
    }
}

/// What an assessment found.
public struct AssessSummary: Sendable {
    public var path: String
    public var assessment: AccuracyAssessment
    public var names: [String]
    /// "points" or "polygons".
    public var referenceKind: String
    /// Reference units on the map (with a class), and features left out (outside the map, on its nodata, without
    /// geometry or label).
    public var units: Int
    public var warnings: [String]
}

public struct AssessStep: Step {
    public static let kind = "assess"
    public var parameters: AssessParameters

    public init(_ parameters: AssessParameters) { self.parameters = parameters }

    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> AssessSummary {
        let parameters = try self.parameters.resolved()
        try transaction.check(parameters.output)
        let mapPath = parameters.map, referencePath = parameters.reference
        let grid = try ClassMapCensus.grid(of: mapPath)
        let sample = try ReferenceSample.read(referencePath, layer: parameters.layer, field: parameters.field, grid: grid, map: mapPath)
        let census = try ClassMapCensus.read(mapPath, grid: grid, cells: sample.cells, progress: context.progress)
        var warnings: [String] = []

        // Each label as a class code of the map: a code, or a name.
        var codeOfName: [String: Int] = [:]
        for (code, name) in census.names { codeOfName[name.lowercased()] = codeOfName[name.lowercased()].map { min($0, code) } ?? code }
        let knownCodes = Set(census.classes.keys).union(census.names.keys)
        var unknown: [String: Int] = [:]
        var pairs: [(map: Int, reference: Int)] = []
        var onNoData = 0
        for (index, label) in sample.labels.enumerated() {
            let code = Int(label).flatMap { knownCodes.contains($0) ? $0 : nil } ?? codeOfName[label.lowercased()]
            guard let code else { unknown[label, default: 0] += 1; continue }
            guard let mapped = census.sampled[index] else { onNoData += 1; continue }
            pairs.append((mapped, code))
        }
        if !unknown.isEmpty {
            let listed = unknown.sorted { $0.key < $1.key }.prefix(8).map { "'\($0.key)' (\($0.value) unit\($0.value == 1 ? "" : "s"))" }.joined(separator: ", ")
            let classes = census.classes.keys.sorted().map { code in census.names[code].map { "\(code) \($0)" } ?? String(code) }.joined(separator: ", ")
            throw SoilMapError.invalidInput(path: referencePath, "field '\(parameters.field)' holds classes the map \(mapPath) lacks: \(listed); the map's classes are \(classes)")
        }
        guard !pairs.isEmpty else {
            throw SoilMapError.invalidInput(path: referencePath, "no reference unit falls on a classified cell of \(mapPath) (\(sample.features) features: \(sample.outside) outside the map, \(onNoData) on its nodata, \(sample.withoutGeometry) without geometry, \(sample.unlabelled) without a class)")
        }
        let unit = sample.kind == .points ? "point" : "polygon"
        if sample.outside > 0 { warnings.append("\(referencePath): \(sample.outside) of \(sample.features) \(unit)s fall outside the map and are left out") }
        if onNoData > 0 { warnings.append("\(referencePath): \(onNoData) reference \(sample.kind == .points ? "points fall" : "cells lie") on nodata cells of the map and are left out") }
        if sample.withoutGeometry > 0 { warnings.append("\(referencePath): \(sample.withoutGeometry) features without geometry are left out") }
        if sample.unlabelled > 0 { warnings.append("\(referencePath): \(sample.unlabelled) features with an empty '\(parameters.field)' are left out") }
        if sample.kind == .polygons {
            warnings.append("\(referencePath): the reference is polygons: every cell of a polygon counts as a unit, but cells of one polygon are not independent draws, so this is not a probability sample of the map; the confidence intervals are too narrow and the area-adjusted estimates may be biased (use points drawn by stratified random sampling)")
        }

        // Classes: those of the map, then reference classes the map names but does not hold.
        let classes = Array(Set(census.classes.keys).union(pairs.map(\.reference))).sorted()
        let position = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($0.element, $0.offset) })
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        for pair in pairs { counts[position[pair.map]!][position[pair.reference]!] += 1 }
        let assessment = AccuracyAssessment(classes: classes, counts: counts, mapArea: classes.map { census.classes[$0]?.hectares ?? 0 })
        let names = classes.map { census.names[$0] ?? "" }
        warnings += assessment.sampleDesignWarnings(names: names)
        warnings.forEach(context.diagnostics.warn)

        let text = AccuracyTable.csv(assessment, names: names)
        try transaction.write(parameters.output) { temporary in
            do { try text.write(toFile: temporary, atomically: false, encoding: .utf8) } catch {
                throw SoilMapError.invalidInput(path: parameters.output, "cannot be written (\(error.localizedDescription))")
            }
        }
        return AssessSummary(path: parameters.output, assessment: assessment, names: names, referenceKind: sample.kind.rawValue,
                             units: pairs.count, warnings: warnings)
    }
}
