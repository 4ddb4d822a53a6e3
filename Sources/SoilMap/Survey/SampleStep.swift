import Foundation
import GDAL

/// `soilmap sample` and the pipeline's `sample` step: every band of every raster at every survey point.
public struct SampleParameters: StepParameters, CommandLineConvertible {
    public var rasters: [String]
    public var points: String
    public var layer: String?
    public var xField: String?
    public var yField: String?
    public var pointsCRS: String?
    /// nearest (default) or bilinear.
    public var method: String?
    /// A table: .csv or .gpkg (points with their attributes and one column per band).
    public var output: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case rasters, points, layer, xField = "x_field", yField = "y_field", pointsCRS = "points_crs", method, output
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(rasters: [String], points: String, layer: String? = nil, xField: String? = nil, yField: String? = nil,
                pointsCRS: String? = nil, method: String? = nil, output: String) {
        self.rasters = rasters
        self.points = points
        self.layer = layer
        self.xField = xField
        self.yField = yField
        self.pointsCRS = pointsCRS
        self.method = method
        self.output = output
    }

    public var pointSource: PointSource { PointSource(path: points, layer: layer, xField: xField, yField: yField, crs: pointsCRS) }
    public var inputPaths: [String] { rasters + [points] }
    public var outputPaths: [String] { [output] }

    public func mappingPaths(_ transform: (String) -> String) -> SampleParameters {
        var copy = self
        copy.rasters = rasters.map(transform)
        copy.points = transform(points)
        copy.output = transform(output)
        return copy
    }

    public func sampleMethod() throws -> SampleMethod {
        guard let parsed = SampleMethod(rawValue: method ?? SampleMethod.nearest.rawValue) else {
            throw SoilMapError.invalidArgument("--method \(method!): use \(SampleMethod.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        return parsed
    }

    public func resolved() throws -> SampleParameters {
        guard !rasters.isEmpty else { throw SoilMapError.invalidArgument("sample needs at least one raster") }
        try SurveyTable.checkFormat(output)
        var copy = self
        copy.method = try sampleMethod().rawValue
        return copy
    }

    public var commandArguments: [String] {
        var words = rasters + ["--points", points]
        if let layer { words += ["--layer", layer] }
        if let xField { words += ["--x-field", xField] }
        if let yField { words += ["--y-field", yField] }
        if let pointsCRS { words += ["--points-crs", pointsCRS] }
        if let method { words += ["--method", method] }
        return words
    }
}

/// What a sample run wrote.
public struct SampleSummary: Sendable {
    public var path: String
    public var pointCount: Int
    public var columns: [String]
    /// Points outside each raster (their values are empty).
    public var outsideCounts: [String: Int]
}

public struct SampleStep: Step {
    public static let kind = "sample"
    public var parameters: SampleParameters

    public init(_ parameters: SampleParameters) { self.parameters = parameters }

    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> SampleSummary {
        let resolved = try parameters.resolved()
        let method = try resolved.sampleMethod()
        try transaction.check(parameters.output)
        let points = try SurveyPoints.read(resolved.pointSource)
        var columns: [String] = [], columnValues: [[Double]] = []
        var outside: [String: Int] = [:]
        let stems = Self.columnStems(resolved.rasters)
        for (rasterIndex, path) in resolved.rasters.enumerated() {
            let dataset = try Dataset.open(path, kind: .raster)
            let rasterCRS = dataset.spatialReference?.wkt() ?? ""
            if points.crsWKT.isEmpty, !rasterCRS.isEmpty {
                throw SoilMapError.invalidInput(path: points.path, "the points have no CRS: give --points-crs (e.g. EPSG:4326)")
            }
            let (xs, ys) = try points.coordinates(inCRS: rasterCRS)
            let done = Double(rasterIndex)
            let total = Double(resolved.rasters.count)
            let progress = context.progress
            let (bandCount, values) = try RasterSampler.sample(path: path, x: xs, y: ys, method: method, threads: context.threads) { count in
                progress?((done + Double(count) / Double(max(1, xs.count))) / total)
            }
            for band in 0..<bandCount {
                columns.append("\(stems[rasterIndex])_b\(band + 1)")
                columnValues.append((0..<points.count).map { values[$0 * bandCount + band] })
            }
            let missing = (0..<points.count).filter { point in (0..<bandCount).allSatisfy { values[point * bandCount + $0].isNaN } }.count
            if missing > 0 {
                outside[path] = missing
                context.diagnostics.warn("\(path): \(missing) of \(points.count) points have no value in any band (outside the raster or nodata); their cells are empty")
            }
        }
        let table = SurveyTable(points: points, extraColumns: columns, extraValues: columnValues)
        try transaction.write(parameters.output) { temporary in try table.write(to: temporary, format: parameters.output) }
        context.progress?(1)
        return SampleSummary(path: parameters.output, pointCount: points.count, columns: columns, outsideCounts: outside)
    }

    /// Column names: each raster's file name without extension, made unique by a number where two collide.
    static func columnStems(_ paths: [String]) -> [String] {
        let stems = paths.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }
        return stems.enumerated().map { index, stem in
            stems.filter { $0 == stem }.count > 1 ? "\(stem)_\(index + 1)" : stem
        }
    }
}
