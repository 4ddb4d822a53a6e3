import Foundation
import GDAL

/// How classified maps are combined into one.
public enum CombineMethod: Sendable {
    /// SDG 15.3.1 "one out, all out" over sdg-15.3.1 maps: degraded when any input is degraded, improved when
    /// none is degraded and at least one improved, stable otherwise.
    case oneOutAllOut
    /// The highest value: for schemes ordered from best (low values) to worst (high values).
    case worstOf
    /// How many inputs equal `degradedValue` (0...n; nodata 255).
    case count(degradedValue: Int)
    case table(RuleTable)
}

public enum CombineJob {
    /// Combines classified maps pixel by pixel (on the first map's grid; others aligned by nearest neighbour).
    /// A pixel that is nodata in any input is nodata in the output. The map's QGIS style (`MAP.qml`) is written
    /// beside it when it has a legend.
    @discardableResult
    public static func run(inputs: [String], method: CombineMethod, to path: String, output: RasterOutputOptions = RasterOutputOptions(),
                           engine: EngineOptions = EngineOptions(), transaction: OutputTransaction? = nil) throws -> ClassScheme? {
        try OutputTransaction.within(transaction, overwrite: output.overwrite, inputs: inputs) { transaction in
            try write(inputs: inputs, method: method, to: path, output: output, engine: engine, transaction: transaction)
        }
    }

    private static func write(inputs: [String], method: CombineMethod, to path: String, output: RasterOutputOptions,
                              engine: EngineOptions, transaction: OutputTransaction) throws -> ClassScheme? {
        try transaction.check(path)
        try transaction.check(QGISStyle.stylePath(for: path))
        guard inputs.count >= 2 else { throw SoilMapError.invalidArgument("combine needs at least two classified maps") }
        if case .table(let table) = method, table.inputs.count != inputs.count {
            throw SoilMapError.invalidArgument("rule table \(table.id) takes \(table.inputs.count) maps (\(table.inputs.joined(separator: ", "))), not \(inputs.count)")
        }
        let sources = inputs.enumerated().map { BandSource(role: "map\($0.offset + 1)", path: $0.element) }
        let plan = try InputPlan.make(sources: sources, mask: nil, scale: 1, offset: 0, resampling: "near")
        // The legend: the method's own scheme, else the first input's colours and names.
        let scheme: ClassScheme?
        var colours: ColorTable?, names: [String] = []
        switch method {
        case .oneOutAllOut: scheme = BuiltInSchemes.sdg1531
        case .table(let table): scheme = table.scheme
        case .count(let degraded):
            scheme = ClassScheme(id: "degraded-count", title: "Number of degraded inputs", unit: "maps",
                                 source: "count of inputs equal to \(degraded)",
                                 classes: (0...inputs.count).map { count in
                                     ClassDefinition(value: count, label: "\(count) of \(inputs.count) degraded", color: Palette.sequential(count: inputs.count + 1)[count],
                                                     min: Double(count) - 0.5, max: Double(count) + 0.5)
                                 }, noData: 255)
        case .worstOf:
            scheme = nil
            let first = try Dataset.open(inputs[0]).band(1)
            colours = first.colorTable
            names = first.categoryNames
        }
        let inputNoData = try Dataset.open(inputs[0]).band(1).noDataValue
        let noData = scheme?.noData ?? Int(inputNoData ?? 0)
        var metadata = scheme?.metadata ?? [:]
        metadata["COMBINE_METHOD"] = describe(method)
        metadata["COMBINE_INPUTS"] = inputs.map { ($0 as NSString).lastPathComponent }.joined(separator: ";")
        metadata["SOILMAP_VERSION"] = SoilMapVersion.string
        let legendColours = scheme?.colorTable ?? colours
        let legendNames = scheme?.categoryNames() ?? names
        try RasterResultWriter.write(path: path, plan: plan, bandDescriptions: [scheme?.title ?? "worst of \(inputs.count) maps"],
                                     noData: Double(noData), metadata: metadata, output: output, engine: engine, transaction: transaction, dataType: .byte,
                                     bandSetup: { band, _ in
                                         if let legendColours { try band.setColorTable(legendColours) }
                                         if !legendNames.isEmpty { try band.setCategoryNames(legendNames) }
                                     }) {
            CombineKernel(method: method, inputCount: inputs.count, noData: noData)
        }
        if let style = QGISStyle.palettedRaster(colorTable: legendColours, categoryNames: legendNames, noData: noData) {
            try QGISStyle.write(style, besides: path, transaction: transaction)
        }
        return scheme
    }

    static func describe(_ method: CombineMethod) -> String {
        switch method {
        case .oneOutAllOut: return "one-out-all-out"
        case .worstOf: return "worst-of"
        case .count(let value): return "count of value \(value)"
        case .table(let table): return "rule table \(table.id) (\(table.source))"
        }
    }
}

final class CombineKernel: TileKernel {
    private let method: CombineMethod
    private let inputCount: Int
    private let noData: Float

    init(method: CombineMethod, inputCount: Int, noData: Int) {
        self.method = method
        self.inputCount = inputCount
        self.noData = Float(noData)
    }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        var values = [Int](repeating: 0, count: inputCount)
        pixels: for pixel in 0..<window.pixelCount {
            for index in 0..<inputCount {
                let value = inputs[index * planeStride + pixel]
                if value.isNaN { outputs[pixel] = noData; continue pixels }
                values[index] = Int(value)
            }
            switch method {
            case .oneOutAllOut:
                outputs[pixel] = values.contains(1) ? 1 : values.contains(3) ? 3 : 2
            case .worstOf:
                outputs[pixel] = Float(values.max()!)
            case .count(let degraded):
                outputs[pixel] = Float(values.filter { $0 == degraded }.count)
            case .table(let table):
                outputs[pixel] = table.lookup(values).map(Float.init) ?? noData
            }
        }
    }
}
