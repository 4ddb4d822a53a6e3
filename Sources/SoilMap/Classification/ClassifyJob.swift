import Foundation
import GDAL

/// How to classify: a scheme, or breaks (given or computed from the data).
public enum ClassificationRule: Sendable {
    case scheme(ClassScheme)
    case breaks([Double], rightClosed: Bool)
    case data(DataBreaks)
}

public struct ClassifyRequest: Sendable {
    public var input: String
    public var band: Int
    public var rule: ClassificationRule
    /// Category names in Vietnamese where the scheme has them.
    public var vietnameseLabels: Bool

    public init(input: String, band: Int = 1, rule: ClassificationRule, vietnameseLabels: Bool = false) {
        self.input = input
        self.band = band
        self.rule = rule
        self.vietnameseLabels = vietnameseLabels
    }
}

public struct ClassifySummary: Sendable {
    public var path: String
    public var scheme: ClassScheme
    /// How data-driven breaks were found; nil for a scheme or given breaks.
    public var breaksDescription: String?
    /// What the run did but doubts: gaps between the scheme's classes, creation options GDAL ignores.
    public var warnings: [String]
}

public enum ClassifyJob {
    /// Classifies one band into a Byte raster with nodata, a colour table and category names (QGIS and gdalinfo
    /// show the legend as they are), the scheme, breaks and source raster in the metadata; and its QGIS style
    /// beside it (`MAP.qml`, see `QGISStyle`), committed with the map.
    @discardableResult
    public static func run(_ request: ClassifyRequest, to path: String, output: RasterOutputOptions = RasterOutputOptions(),
                           engine: EngineOptions = EngineOptions(), transaction: OutputTransaction? = nil) throws -> ClassifySummary {
        try OutputTransaction.within(transaction, overwrite: output.overwrite, inputs: [request.input]) { transaction in
            try write(request, to: path, output: output, engine: engine, transaction: transaction)
        }
    }

    private static func write(_ request: ClassifyRequest, to path: String, output: RasterOutputOptions, engine: EngineOptions,
                              transaction: OutputTransaction) throws -> ClassifySummary {
        try transaction.check(path)
        try transaction.check(QGISStyle.stylePath(for: path))
        var description: String?
        let scheme: ClassScheme
        switch request.rule {
        case .scheme(let given):
            try given.validate()
            scheme = given
        case .breaks(let breaks, let rightClosed):
            scheme = try ClassScheme.fromBreaks(breaks, rightClosed: rightClosed)
        case .data(let method):
            try engine.shard?.requireWholeInputs("breaks from the data need the whole map")
            let result = try method.compute(path: request.input, band: request.band)
            description = result.description
            scheme = try ClassScheme.fromBreaks(result.breaks, rightClosed: result.rightClosed, id: method.method.rawValue,
                                                source: "\(method.method.rawValue), \(method.classes) classes: \(result.description)")
        }
        let plan = try InputPlan.make(sources: [BandSource(role: "value", path: request.input, band: request.band)], mask: nil,
                                      scale: nil, offset: nil)
        var metadata = scheme.metadata
        // The file's name, not its path: a map must not depend on the folder it was computed in (verify recomputes
        // elsewhere; a run and the same commands must give the same bytes).
        metadata["CLASS_SOURCE_RASTER"] = (request.input as NSString).lastPathComponent
        metadata["CLASS_SOURCE_BAND"] = String(request.band)
        metadata["SOILMAP_VERSION"] = SoilMapVersion.string
        if let description { metadata["CLASS_BREAKS_METHOD"] = description }
        let names = scheme.categoryNames(vietnamese: request.vietnameseLabels)
        let writerWarnings = try RasterResultWriter.write(
            path: path, plan: plan, bandDescriptions: [scheme.title], noData: Double(scheme.noData), metadata: metadata,
            output: output, engine: engine, transaction: transaction, dataType: .byte,
            bandSetup: { band, _ in
                try band.setColorTable(scheme.colorTable)
                try band.setCategoryNames(names)
            }) {
            ClassifyKernel(scheme: scheme)
        }
        try QGISStyle.write(QGISStyle.palettedRaster(scheme: scheme, vietnameseLabels: request.vietnameseLabels), besides: path,
                            transaction: transaction)
        return ClassifySummary(path: path, scheme: scheme, breaksDescription: description, warnings: scheme.warnings + writerWarnings)
    }
}

/// Looks each pixel up in the scheme's intervals; NaN (nodata) and values outside every class get nodata.
final class ClassifyKernel: TileKernel {
    private let bounds: ClassBounds

    init(scheme: ClassScheme) { bounds = ClassBounds(scheme) }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        bounds.classify(inputs, count: window.pixelCount, into: outputs)
    }
}
