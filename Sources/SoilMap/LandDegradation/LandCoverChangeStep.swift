import Foundation
import GDAL

/// `soilmap landcover-change` and the pipeline's `landcover-change` step: the land-cover sub-indicator of SDG
/// 15.3.1 from a baseline and a target land-cover map.
public struct LandCoverChangeParameters: RasterStepParameters {
    /// The land-cover map of the baseline year.
    public var baseline: String
    /// The land-cover map of the target (reporting) year.
    public var target: String
    /// How both maps' values become UNCCD classes: esa-cci (default), unccd, or a .csv/.yaml table.
    public var recode: String?
    /// The -1/0/+1 effect of each transition: unccd (default) or a .csv file.
    public var matrix: String?
    /// The sdg-15.3.1 map (1 degraded, 2 stable, 3 improved).
    public var output: String
    /// Optional: the transition of each pixel, from x 10 + to (11 ... 77).
    public var transitions: String?
    /// Optional: the baseline and target maps in UNCCD classes.
    public var baselineClasses: String?
    public var targetClasses: String?
    /// Optional: hectares of each transition (from-class rows, to-class columns), CSV.
    public var table: String?
    public var format: String?
    public var creationOptions: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case baseline, target, recode, matrix, output, transitions = "transition_map", baselineClasses = "baseline_classes"
        case targetClasses = "target_classes", table = "transition_table", format, creationOptions = "creation_options"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(baseline: String, target: String, recode: String? = nil, matrix: String? = nil, output: String, transitions: String? = nil,
                baselineClasses: String? = nil, targetClasses: String? = nil, table: String? = nil, format: String? = nil,
                creationOptions: [String]? = nil) {
        self.baseline = baseline
        self.target = target
        self.recode = recode
        self.matrix = matrix
        self.output = output
        self.transitions = transitions
        self.baselineClasses = baselineClasses
        self.targetClasses = targetClasses
        self.table = table
        self.format = format
        self.creationOptions = creationOptions
    }

    static let defaultRecode = LandCoverRecode.esaCCI.id

    private var recodeIsFile: Bool { !LandCoverRecode.isBuiltIn(recode ?? Self.defaultRecode) }
    private var matrixIsFile: Bool { (matrix ?? TransitionMatrix.unccdDefault.id) != TransitionMatrix.unccdDefault.id }

    public var inputPaths: [String] { [baseline, target] + (recodeIsFile ? [recode!] : []) + (matrixIsFile ? [matrix!] : []) }
    public var outputPaths: [String] { [output, transitions, baselineClasses, targetClasses, table].compactMap { $0 } }

    /// The maps written, each with its QGIS style beside it.
    var mapPaths: [String] { [output, transitions, baselineClasses, targetClasses].compactMap { $0 } }

    public func mappingPaths(_ transform: (String) -> String) -> LandCoverChangeParameters {
        var copy = self
        copy.baseline = transform(baseline)
        copy.target = transform(target)
        if recodeIsFile { copy.recode = recode.map(transform) }
        if matrixIsFile { copy.matrix = matrix.map(transform) }
        copy.output = transform(output)
        copy.transitions = transitions.map(transform)
        copy.baselineClasses = baselineClasses.map(transform)
        copy.targetClasses = targetClasses.map(transform)
        copy.table = table.map(transform)
        return copy
    }

    public func resolved() throws -> LandCoverChangeParameters {
        var copy = self
        copy.recode = recode ?? Self.defaultRecode
        copy.matrix = matrix ?? TransitionMatrix.unccdDefault.id
        if let table, !table.lowercased().hasSuffix(".csv") {
            throw SoilMapError.invalidArgument("--transition-table \(table): the transitions table is written as .csv")
        }
        let outputs = [output, transitions, baselineClasses, targetClasses, table].compactMap { $0 }
        if let repeated = outputs.first(where: { path in outputs.filter { $0 == path }.count > 1 }) {
            throw SoilMapError.invalidArgument("\(repeated) is named for two outputs: give each output its own file")
        }
        copy.format = try outputOptions(overwrite: false).format.rawValue
        copy.creationOptions = creationOptions ?? []
        return copy
    }

    /// The parameters, the tables, and maps that can be aligned with each other.
    public func validate() throws {
        _ = try resolved()
        _ = try LandCoverRecode.named(recode ?? Self.defaultRecode)
        _ = try TransitionMatrix.named(matrix ?? TransitionMatrix.unccdDefault.id)
        _ = try InputPlan.make(sources: sources, mask: nil, scale: 1, offset: 0, resampling: "near")
    }

    var sources: [BandSource] { [BandSource(role: "baseline", path: baseline), BandSource(role: "target", path: target)] }
}

extension LandCoverChangeParameters {
    public var commandArguments: [String] {
        var words = [baseline, target]
        if let recode { words += ["--recode", recode] }
        if let matrix { words += ["--matrix", matrix] }
        if let format { words += ["--format", format] }
        for option in creationOptions ?? [] { words += ["--co", option] }
        return words
    }
}

/// What a land-cover change run found.
public struct LandCoverChangeSummary: Sendable {
    public var path: String
    /// Hectares per transition, `hectares[(from - 1) * 7 + (to - 1)]`.
    public var transitionHectares: [Double]
    /// Hectares that are nodata in either year, or hold a value the recode table does not name.
    public var noDataHectares: Double
    /// Pixels per year (baseline, target) whose value the recode table does not name.
    public var unmappedPixels: [Int]
    public var warnings: [String]

    /// Hectares degraded, stable and improved under `matrix`.
    public func statusHectares(_ matrix: TransitionMatrix) -> (degraded: Double, stable: Double, improved: Double) {
        var sums = [0.0, 0.0, 0.0]
        for from in 1...7 { for to in 1...7 { sums[matrix.effect(from: from, to: to) + 1] += transitionHectares[(from - 1) * 7 + (to - 1)] } }
        return (sums[0], sums[1], sums[2])
    }
}

public struct LandCoverChangeStep: Step {
    public static let kind = "landcover-change"
    public var parameters: LandCoverChangeParameters

    public init(_ parameters: LandCoverChangeParameters) { self.parameters = parameters }

    /// Each map's values are recoded to the UNCCD classes; a pixel that is nodata in either year, or holds a value
    /// the table does not name, is nodata in every output. The target map is aligned to the baseline's grid (or the
    /// finer of the two) by nearest neighbour. Hectares come from the grid: the cell's area in a projected CRS, the
    /// ellipsoidal area of each row's cells in a geographic one; they are summed from whole-pixel counts per row,
    /// so the table does not depend on threads or tiles.
    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> LandCoverChangeSummary {
        let resolved = try parameters.resolved()
        let recode = try LandCoverRecode.named(resolved.recode!)
        let matrix = try TransitionMatrix.named(resolved.matrix!)
        let output = try parameters.outputOptions(overwrite: context.overwrite, provenanceOf: Self.kind)
        for path in resolved.outputPaths { try transaction.check(path) }
        for path in resolved.mapPaths { try transaction.check(QGISStyle.stylePath(for: path)) }
        let plan = try InputPlan.make(sources: resolved.sources, mask: nil, scale: 1, offset: 0, resampling: "near")
        var common = [
            "LANDCOVER_RECODE": "\(recode.id) (\(recode.source))",
            "LANDCOVER_MATRIX": "\(matrix.id): \(matrix.metadataText)",
            "LANDCOVER_BASELINE": (parameters.baseline as NSString).lastPathComponent,
            "LANDCOVER_TARGET": (parameters.target as NSString).lastPathComponent,
            "SOILMAP_VERSION": SoilMapVersion.string,
        ]
        common["LANDCOVER_CLASSES"] = UNCCDLandCover.classes.map { "\($0.value):\($0.id)" }.joined(separator: ";")
        let counter = TransitionCounter(height: plan.grid.height)
        var warnings: [String] = []

        func writeMap(_ path: String, _ product: LandCoverChangeKernel.Product, scheme: ClassScheme, colours: ColorTable, names: [String],
                      counter: TransitionCounter?) throws {
            var metadata = scheme.metadata.merging(common) { own, _ in own }
            if product == .transitions { metadata = common.merging(["LANDCOVER_TRANSITION_CODE": "from x 10 + to"]) { own, _ in own } }
            warnings += try RasterResultWriter.write(
                path: path, plan: plan, bandDescriptions: [product.description], noData: 0, metadata: metadata, output: output,
                engine: context.engine, transaction: transaction, dataType: .byte,
                bandSetup: { band, _ in
                    try band.setColorTable(colours)
                    try band.setCategoryNames(names)
                }) {
                LandCoverChangeKernel(product: product, recode: recode, matrix: matrix, counter: counter)
            }
            if let style = QGISStyle.palettedRaster(colorTable: colours, categoryNames: names, noData: 0) {
                try QGISStyle.write(style, besides: path, transaction: transaction)
            }
        }

        let sdg = BuiltInSchemes.sdg1531
        try writeMap(parameters.output, .status, scheme: sdg, colours: sdg.colorTable, names: sdg.categoryNames(), counter: counter)
        if let path = parameters.transitions {
            let (colours, names) = Self.transitionLegend(matrix)
            try writeMap(path, .transitions, scheme: sdg, colours: colours, names: names, counter: nil)
        }
        let landCover = UNCCDLandCover.scheme
        if let path = parameters.baselineClasses {
            try writeMap(path, .baselineClasses, scheme: landCover, colours: landCover.colorTable, names: landCover.categoryNames(), counter: nil)
        }
        if let path = parameters.targetClasses {
            try writeMap(path, .targetClasses, scheme: landCover, colours: landCover.colorTable, names: landCover.categoryNames(), counter: nil)
        }

        let cellArea = try CellArea(grid: plan.grid)
        let (hectares, noDataHectares) = counter.hectares(cellArea)
        let unmapped = counter.unmappedPixels
        for (index, count) in unmapped.enumerated() where count > 0 {
            let path = index == 0 ? parameters.baseline : parameters.target
            warnings.append("\(path): \(count == 1 ? "1 pixel holds a value" : "\(count) pixels hold values") that the land-cover table \(recode.id) does not name; \(count == 1 ? "it is" : "they are") nodata")
        }
        let summary = LandCoverChangeSummary(path: parameters.output, transitionHectares: hectares, noDataHectares: noDataHectares,
                                             unmappedPixels: unmapped, warnings: warnings)
        if let table = parameters.table {
            try transaction.write(table) { temporary in try TransitionTable.write(summary, to: temporary) }
        }
        warnings.forEach(context.diagnostics.warn)
        return summary
    }

    /// Codes 11...77 named "Tree-covered → Cropland", coloured by the transition's effect (stable transitions
    /// between two classes lighter than no change).
    static func transitionLegend(_ matrix: TransitionMatrix) -> (ColorTable, [String]) {
        var entries = [RGBA](repeating: RGBA(red: 0, green: 0, blue: 0, alpha: 0), count: 78)
        var names = [String](repeating: "", count: 78)
        let sdg = BuiltInSchemes.sdg1531.classes
        for from in UNCCDLandCover.classes {
            for to in UNCCDLandCover.classes {
                let code = from.value * 10 + to.value
                names[code] = from.value == to.value ? "\(from.label) (no change)" : "\(from.label) → \(to.label)"
                let effect = matrix.effect(from: from.value, to: to.value)
                entries[code] = from.value == to.value ? RGBA(hex: "#D9D9D9")! : RGBA(hex: sdg[effect + 1].color)!
            }
        }
        return (ColorTable(entries: entries), names)
    }
}

extension LandCoverChangeParameters {
    /// Keys of outputs besides `output`: a pipeline places them in its run directory, and a map's provenance leaves
    /// them out (its bytes must not depend on the names of other files written with it).
    static let secondaryOutputKeys = [CodingKeys.transitions, .baselineClasses, .targetClasses, .table].map(\.rawValue)
}

extension CellArea {
    /// The cell areas of a grid, from its CRS (a grid without one is taken as metres).
    init(grid: RasterGrid) throws {
        let crs = grid.crsWKT.isEmpty ? nil : try SpatialReference(wkt: grid.crsWKT)
        let ellipsoid: (semiMajorAxis: Double, inverseFlattening: Double) = crs?.ellipsoid ?? (6_378_137, 298.257223563)
        self.init(grid: grid, isGeographic: crs?.isGeographic ?? false,
                  metresPerUnit: crs.map { $0.isGeographic ? 1 : $0.linearUnitsInMetres } ?? 1,
                  semiMajorAxis: ellipsoid.semiMajorAxis, inverseFlattening: ellipsoid.inverseFlattening)
    }
}

/// Pixels per row and transition (index from x 8 + to; index 0: nodata), summed over a run's tiles. Whole
/// numbers, so the sums do not depend on the order tiles finish in.
final class TransitionCounter: @unchecked Sendable {
    static let slots = 64
    private let lock = NSLock()
    private var counts: [Int]
    private var unmapped = [0, 0]

    init(height: Int) { counts = [Int](repeating: 0, count: height * Self.slots) }

    func add(firstRow: Int, rows: [Int], unmapped tileUnmapped: [Int]) {
        lock.lock()
        for index in rows.indices { counts[firstRow * Self.slots + index] += rows[index] }
        unmapped[0] += tileUnmapped[0]
        unmapped[1] += tileUnmapped[1]
        lock.unlock()
    }

    var unmappedPixels: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return unmapped
    }

    /// Hectares per transition (from - 1) x 7 + (to - 1), and of nodata, summed row by row from the top.
    func hectares(_ cellArea: CellArea) -> ([Double], Double) {
        lock.lock()
        defer { lock.unlock() }
        var hectares = [Double](repeating: 0, count: 49), noData = 0.0
        for row in 0..<(counts.count / Self.slots) {
            let cell = cellArea.hectares(row: row), base = row * Self.slots
            noData += Double(counts[base]) * cell
            for from in 1...7 { for to in 1...7 { hectares[(from - 1) * 7 + (to - 1)] += Double(counts[base + from * 8 + to]) * cell } }
        }
        return (hectares, noData)
    }
}

final class LandCoverChangeKernel: TileKernel {
    enum Product: Equatable {
        case status, transitions, baselineClasses, targetClasses

        var description: String {
            switch self {
            case .status: return "SDG 15.3.1 land cover (1 degraded, 2 stable, 3 improved)"
            case .transitions: return "land-cover transition (from x 10 + to, UNCCD classes)"
            case .baselineClasses: return "baseline land cover (UNCCD classes)"
            case .targetClasses: return "target land cover (UNCCD classes)"
            }
        }
    }

    private let product: Product
    private let lowest: Int
    private let classOf: [UInt8]
    private let effects: [Int]
    private let counter: TransitionCounter?

    init(product: Product, recode: LandCoverRecode, matrix: TransitionMatrix, counter: TransitionCounter?) {
        self.product = product
        lowest = recode.lowest
        classOf = recode.classOf
        effects = matrix.effects
        self.counter = counter
    }

    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int) {
        var rows = [Int](repeating: 0, count: counter == nil ? 0 : window.height * TransitionCounter.slots)
        var unmapped = [0, 0]
        let counting = counter != nil
        classOf.withUnsafeBufferPointer { classOf in
            effects.withUnsafeBufferPointer { effects in
                for pixel in 0..<window.pixelCount {
                    let from = Self.landClass(inputs[pixel], lowest: lowest, classOf: classOf)
                    let to = Self.landClass(inputs[planeStride + pixel], lowest: lowest, classOf: classOf)
                    if from < 0 { unmapped[0] += 1 }
                    if to < 0 { unmapped[1] += 1 }
                    let slot = pixel / window.width * TransitionCounter.slots
                    guard from > 0, to > 0 else {
                        outputs[pixel] = product == .baselineClasses && from > 0 ? Float(from) : product == .targetClasses && to > 0 ? Float(to) : 0
                        if counting { rows[slot] += 1 }
                        continue
                    }
                    if counting { rows[slot + from * 8 + to] += 1 }
                    switch product {
                    case .status: outputs[pixel] = Float(effects[(from - 1) * 7 + (to - 1)] + 2)
                    case .transitions: outputs[pixel] = Float(from * 10 + to)
                    case .baselineClasses: outputs[pixel] = Float(from)
                    case .targetClasses: outputs[pixel] = Float(to)
                    }
                }
            }
        }
        counter?.add(firstRow: window.row, rows: rows, unmapped: unmapped)
    }

    /// The UNCCD class of a stored value: 1...7; 0 for nodata (NaN); -1 for a value the table does not name.
    @inline(__always)
    private static func landClass(_ value: Double, lowest: Int, classOf: UnsafeBufferPointer<UInt8>) -> Int {
        if value.isNaN { return 0 }
        guard value == value.rounded(), abs(value) < 1e9 else { return -1 }
        let offset = Int(value) - lowest
        guard offset >= 0, offset < classOf.count, classOf[offset] > 0 else { return -1 }
        return Int(classOf[offset])
    }
}
