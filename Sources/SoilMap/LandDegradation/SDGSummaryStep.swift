import Foundation
import GDAL

/// `soilmap sdg-summary` and the pipeline's `sdg-summary` step: the area tables of Trends.Earth's SDG 15.3.1
/// summary workbook (its sheets "SDG 15.3.1", "Productivity", "Land cover" and "Soil organic carbon"), as a set
/// of UTF-8 CSV files, so that results can be compared with Trends.Earth's table for table.
public struct SDGSummaryParameters: StepParameters {
    /// sdg-15.3.1 class maps (1 degraded, 2 stable, 3 improved; what `combine`, `landcover-change`, `soc-change`
    /// and `classify --scheme sdg-15.3.1` write): the combined indicator and each sub-indicator.
    public var sdg: String?
    public var productivity: String?
    public var landCover: String?
    public var soc: String?
    /// The 5-class productivity map (`combine --table sdg-productivity`: 1 declining ... 5 increasing).
    public var productivityClasses: String?
    /// The two land-cover maps in UNCCD classes 1...7 (`landcover-change --baseline-classes/--target-classes`).
    public var landCoverBaseline: String?
    public var landCoverTarget: String?
    /// Soil organic carbon stocks (t/ha) of the baseline and target years.
    public var socBaseline: String?
    public var socTarget: String?
    /// The area of interest: cells where this raster is nodata or 0 are left out of every table.
    public var aoi: String?
    /// Labels of the baseline and target years in column names (default: baseline, target).
    public var years: [Int]?
    /// The summary table (.csv); the other tables are written beside it, named after it.
    public var output: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sdg, productivity, landCover = "landcover", soc, productivityClasses = "productivity_classes"
        case landCoverBaseline = "landcover_baseline", landCoverTarget = "landcover_target"
        case socBaseline = "soc_baseline", socTarget = "soc_target", aoi, years, output
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(sdg: String? = nil, productivity: String? = nil, landCover: String? = nil, soc: String? = nil,
                productivityClasses: String? = nil, landCoverBaseline: String? = nil, landCoverTarget: String? = nil,
                socBaseline: String? = nil, socTarget: String? = nil, aoi: String? = nil, years: [Int]? = nil, output: String) {
        self.sdg = sdg
        self.productivity = productivity
        self.landCover = landCover
        self.soc = soc
        self.productivityClasses = productivityClasses
        self.landCoverBaseline = landCoverBaseline
        self.landCoverTarget = landCoverTarget
        self.socBaseline = socBaseline
        self.socTarget = socTarget
        self.aoi = aoi
        self.years = years
        self.output = output
    }

    /// The sdg-15.3.1 maps given, with their rows' names in the summary, in the order of Trends.Earth's sheets.
    var statusMaps: [(indicator: String, path: String)] {
        [("SDG 15.3.1", sdg), ("Productivity", productivity), ("Land cover", landCover), ("Soil organic carbon", soc)]
            .compactMap { name, path in path.map { (name, $0) } }
    }

    var hasLandCoverPair: Bool { landCoverBaseline != nil && landCoverTarget != nil }
    var hasStocks: Bool { socBaseline != nil && socTarget != nil }

    public var inputPaths: [String] {
        [sdg, productivity, landCover, soc, productivityClasses, landCoverBaseline, landCoverTarget, socBaseline, socTarget, aoi].compactMap { $0 }
    }

    /// The tables written: the summary, then those the inputs allow.
    public var outputPaths: [String] { tables.map(\.path) }

    enum Table: String, CaseIterable {
        case summary, landCoverTransitions = "landcover_transitions", landCoverByYear = "landcover_by_year"
        case productivityByTransition = "productivity_by_transition", socByTransition = "soc_by_transition", socByYear = "soc_by_year"
    }

    var tables: [(table: Table, path: String)] {
        var list: [(Table, String)] = statusMaps.isEmpty ? [] : [(.summary, output)]
        let stem = output.lowercased().hasSuffix(".csv") ? String(output.dropLast(4)) : output
        func sibling(_ table: Table) -> (Table, String) { (table, "\(stem)_\(table.rawValue).csv") }
        if hasLandCoverPair {
            list += [sibling(.landCoverTransitions), sibling(.landCoverByYear)]
            if productivityClasses != nil { list.append(sibling(.productivityByTransition)) }
            if hasStocks { list += [sibling(.socByTransition), sibling(.socByYear)] }
        }
        // Without an sdg-15.3.1 map the first table written takes the name given.
        if statusMaps.isEmpty, !list.isEmpty { list[0].1 = output }
        return list
    }

    public func mappingPaths(_ transform: (String) -> String) -> SDGSummaryParameters {
        var copy = self
        copy.sdg = sdg.map(transform)
        copy.productivity = productivity.map(transform)
        copy.landCover = landCover.map(transform)
        copy.soc = soc.map(transform)
        copy.productivityClasses = productivityClasses.map(transform)
        copy.landCoverBaseline = landCoverBaseline.map(transform)
        copy.landCoverTarget = landCoverTarget.map(transform)
        copy.socBaseline = socBaseline.map(transform)
        copy.socTarget = socTarget.map(transform)
        copy.aoi = aoi.map(transform)
        copy.output = transform(output)
        return copy
    }

    public func resolved() throws -> SDGSummaryParameters {
        guard output.lowercased().hasSuffix(".csv") else {
            throw SoilMapError.invalidArgument("-o \(output): the summary tables are written as .csv")
        }
        if (landCoverBaseline == nil) != (landCoverTarget == nil) {
            throw SoilMapError.invalidArgument("--landcover-baseline and --landcover-target go together (the transitions need both years)")
        }
        if (socBaseline == nil) != (socTarget == nil) {
            throw SoilMapError.invalidArgument("--soc-baseline and --soc-target go together (the stock change needs both years)")
        }
        if hasStocks, !hasLandCoverPair {
            throw SoilMapError.invalidArgument("--soc-baseline/--soc-target are tabulated by land-cover transition: give --landcover-baseline and --landcover-target too")
        }
        if productivityClasses != nil, !hasLandCoverPair {
            throw SoilMapError.invalidArgument("--productivity-classes is tabulated by land-cover transition: give --landcover-baseline and --landcover-target too")
        }
        guard !statusMaps.isEmpty || hasLandCoverPair else {
            throw SoilMapError.invalidArgument("nothing to tabulate: give an sdg-15.3.1 map (--sdg, --productivity, --landcover, --soc) or --landcover-baseline and --landcover-target")
        }
        if let years, years.count != 2 || years[0] >= years[1] {
            throw SoilMapError.invalidArgument("--years takes the baseline and target years, earlier first (e.g. 2015,2023)")
        }
        let paths = tables.map(\.path)
        if let repeated = paths.first(where: { path in paths.filter { $0 == path }.count > 1 }) {
            throw SoilMapError.invalidArgument("\(repeated) is named for two tables")
        }
        return self
    }

    public func validate() throws {
        _ = try resolved()
        _ = try InputPlan.make(sources: sources, mask: nil, scale: 1, offset: 0, resampling: "near")
    }

    /// The inputs in reading order; the first gives the grid the others are aligned to (nearest neighbour).
    var sources: [BandSource] { roles.map { BandSource(role: $0.role.rawValue, path: $0.path) } }

    enum Role: String { case sdg, productivity, landCover = "landcover", soc, productivityClasses, landCoverBaseline, landCoverTarget, socBaseline, socTarget, aoi }

    var roles: [(role: Role, path: String)] {
        [(Role.sdg, sdg), (.productivity, productivity), (.landCover, landCover), (.soc, soc), (.productivityClasses, productivityClasses),
         (.landCoverBaseline, landCoverBaseline), (.landCoverTarget, landCoverTarget), (.socBaseline, socBaseline), (.socTarget, socTarget),
         (.aoi, aoi)].compactMap { role, path in path.map { (role, $0) } }
    }
}

/// The summed areas (km²) and stocks (t) of one strip of rows, or of the whole grid. Slots of a land-cover
/// transition: from x 8 + to, with 0 for nodata in that year.
struct SDGSummaryTally: Sendable {
    /// Per sdg-15.3.1 map: no data, degraded, stable, improved.
    var status: [[Double]]
    var transitions = [Double](repeating: 0, count: 64)
    /// Productivity class (0 no data, 1...5) of each transition slot: [slot * 6 + class].
    var productivityByTransition = [Double](repeating: 0, count: 64 * 6)
    /// Over the cells where both stocks are valid: area, initial and final stock per transition slot.
    var stockArea = [Double](repeating: 0, count: 64)
    var initialStock = [Double](repeating: 0, count: 64)
    var finalStock = [Double](repeating: 0, count: 64)
    /// Stock of each year per land-cover class of that year (index 0: the class is no data), over valid stocks.
    var baselineStockByClass = [Double](repeating: 0, count: 8)
    var targetStockByClass = [Double](repeating: 0, count: 8)
    /// Cells in the area of interest.
    var totalArea = 0.0

    init(statusMaps: Int) { status = [[Double]](repeating: [0, 0, 0, 0], count: statusMaps) }

    mutating func add(_ other: SDGSummaryTally) {
        for map in status.indices { for slot in 0..<4 { status[map][slot] += other.status[map][slot] } }
        for slot in 0..<64 {
            transitions[slot] += other.transitions[slot]
            stockArea[slot] += other.stockArea[slot]
            initialStock[slot] += other.initialStock[slot]
            finalStock[slot] += other.finalStock[slot]
        }
        for index in productivityByTransition.indices { productivityByTransition[index] += other.productivityByTransition[index] }
        for slot in 0..<8 {
            baselineStockByClass[slot] += other.baselineStockByClass[slot]
            targetStockByClass[slot] += other.targetStockByClass[slot]
        }
        totalArea += other.totalArea
    }
}

public struct SDGSummaryResult: Sendable {
    public var tables: [String]
    /// km² of the area of interest on the grid.
    public var totalArea: Double
    /// Per sdg-15.3.1 map given: (indicator, degraded, stable, improved, no data) in km².
    public var status: [(indicator: String, degraded: Double, stable: Double, improved: Double, noData: Double)]
}

public struct SDGSummaryStep: Step {
    public static let kind = "sdg-summary"
    public var parameters: SDGSummaryParameters

    public init(_ parameters: SDGSummaryParameters) { self.parameters = parameters }

    /// Rows are read as full-width strips of a fixed height and summed row by row (whole-cell counts x the row's
    /// cell area), strips added in order: the tables do not depend on threads or tiles.
    static let stripRows = 256

    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> SDGSummaryResult {
        let resolved = try parameters.resolved()
        for path in resolved.outputPaths { try transaction.check(path) }
        let plan = try InputPlan.make(sources: resolved.sources, mask: nil, scale: 1, offset: 0, resampling: "near")
        let grid = plan.grid
        let cellArea = try CellArea(grid: grid)
        let roles = resolved.roles
        func plane(_ role: SDGSummaryParameters.Role) -> Int? { roles.firstIndex { $0.role == role } }
        let statusPlanes = [SDGSummaryParameters.Role.sdg, .productivity, .landCover, .soc].compactMap(plane)
        let statusPaths = resolved.statusMaps.map(\.path)
        let productivityPlane = plane(.productivityClasses), baselinePlane = plane(.landCoverBaseline), targetPlane = plane(.landCoverTarget)
        let initialPlane = plane(.socBaseline), finalPlane = plane(.socTarget), aoiPlane = plane(.aoi)
        let inputPaths = roles.map(\.path)
        let stripRows = Self.stripRows, stripCount = (grid.height + stripRows - 1) / stripRows
        let planeCount = roles.count

        var total = SDGSummaryTally(statusMaps: statusPlanes.count)
        let progress = context.progress
        try context.engine.withGDALCache(defaultBytes: 64 << 20) {
            try OrderedParallelMap.run(count: stripCount, threads: context.threads, maxInFlight: context.threads * 2, makeWorker: {
                let reader = try InputReader(plan: plan)
                let capacity = (grid.width * stripRows + 15) / 16 * 16
                let scratch = WorkerScratch(doubles: (planeCount + 1) * capacity)
                let values = scratch.doubles, mask = scratch.doubles + planeCount * capacity
                return { strip -> SDGSummaryTally in
                    _ = scratch
                    let firstRow = strip * stripRows, rows = min(stripRows, grid.height - firstRow)
                    try reader.read(window: PixelWindow(column: 0, row: firstRow, width: grid.width, height: rows), into: values,
                                    planeStride: capacity, maskScratch: mask)
                    var tally = SDGSummaryTally(statusMaps: statusPlanes.count)
                    var row = SDGSummaryRowCounts(statusMaps: statusPlanes.count)
                    for r in 0..<rows {
                        row.reset()
                        let start = r * grid.width
                        for column in 0..<grid.width {
                            let cell = start + column
                            if let aoiPlane {
                                let inside = values[aoiPlane * capacity + cell]
                                if inside.isNaN || inside == 0 { continue }
                            }
                            row.cells += 1
                            for (index, statusPlane) in statusPlanes.enumerated() {
                                let slot = try Self.code(values[statusPlane * capacity + cell], range: 1...3, path: statusPaths[index],
                                                         what: "an sdg-15.3.1 class map (1 degraded, 2 stable, 3 improved)")
                                row.status[index * 4 + slot] += 1
                            }
                            guard let baselinePlane, let targetPlane else { continue }
                            let from = try Self.code(values[baselinePlane * capacity + cell], range: 1...7, path: inputPaths[baselinePlane],
                                                     what: "a land-cover map in UNCCD classes 1-7")
                            let to = try Self.code(values[targetPlane * capacity + cell], range: 1...7, path: inputPaths[targetPlane],
                                                   what: "a land-cover map in UNCCD classes 1-7")
                            let transition = from * 8 + to
                            row.transitions[transition] += 1
                            if let productivityPlane {
                                let productivity = try Self.code(values[productivityPlane * capacity + cell], range: 1...5, path: inputPaths[productivityPlane],
                                                                 what: "a 5-class productivity map (1 declining ... 5 increasing)")
                                row.productivityByTransition[transition * 6 + productivity] += 1
                            }
                            if let initialPlane, let finalPlane {
                                let initial = values[initialPlane * capacity + cell], final = values[finalPlane * capacity + cell]
                                if !initial.isNaN, !final.isNaN {
                                    row.stockCells[transition] += 1
                                    row.initialStock[transition] += initial
                                    row.finalStock[transition] += final
                                }
                                if !initial.isNaN { row.baselineStock[from] += initial }
                                if !final.isNaN { row.targetStock[to] += final }
                            }
                        }
                        row.add(to: &tally, squareKilometres: cellArea.hectares(row: firstRow + r) / 100)
                    }
                    return tally
                }
            }, consume: { strip, tally in
                total.add(tally)
                progress?(Double(strip + 1) / Double(stripCount))
            })
        }

        var written: [String] = []
        let years = resolved.years.map { $0.map(String.init) } ?? ["baseline", "target"]
        for (table, path) in resolved.tables {
            let text: String
            switch table {
            case .summary: text = SDGSummaryTables.summary(total, indicators: resolved.statusMaps.map(\.indicator))
            case .landCoverTransitions: text = SDGSummaryTables.landCoverTransitions(total)
            case .landCoverByYear: text = SDGSummaryTables.landCoverByYear(total, years: years)
            case .productivityByTransition: text = SDGSummaryTables.productivityByTransition(total)
            case .socByTransition: text = SDGSummaryTables.stockByTransition(total)
            case .socByYear: text = SDGSummaryTables.stockByYear(total, years: years)
            }
            try transaction.write(path) { temporary in
                do { try text.write(toFile: temporary, atomically: false, encoding: .utf8) } catch {
                    throw SoilMapError.invalidInput(path: path, "cannot be written (\(error.localizedDescription))")
                }
            }
            written.append(path)
        }
        let status = resolved.statusMaps.enumerated().map { index, map in
            (map.indicator, total.status[index][1], total.status[index][2], total.status[index][3], total.status[index][0])
        }
        return SDGSummaryResult(tables: written, totalArea: total.totalArea, status: status)
    }

    /// The class of a cell: 0 for nodata, else the value, which must be a whole number in `range`.
    @inline(__always)
    static func code(_ value: Double, range: ClosedRange<Int>, path: String, what: String) throws -> Int {
        if value.isNaN { return 0 }
        guard value == value.rounded(), value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw SoilMapError.invalidInput(path: path, "holds the value \(value), so it is not \(what)")
        }
        return Int(value)
    }
}

/// One row's whole-cell counts and stock sums (in column order), turned into areas with the row's cell area.
struct SDGSummaryRowCounts {
    var cells = 0
    var status: [Int]
    var transitions = [Int](repeating: 0, count: 64)
    var productivityByTransition = [Int](repeating: 0, count: 64 * 6)
    var stockCells = [Int](repeating: 0, count: 64)
    var initialStock = [Double](repeating: 0, count: 64)
    var finalStock = [Double](repeating: 0, count: 64)
    var baselineStock = [Double](repeating: 0, count: 8)
    var targetStock = [Double](repeating: 0, count: 8)

    init(statusMaps: Int) { status = [Int](repeating: 0, count: statusMaps * 4) }

    mutating func reset() {
        cells = 0
        for index in status.indices { status[index] = 0 }
        for index in 0..<64 {
            transitions[index] = 0
            stockCells[index] = 0
            initialStock[index] = 0
            finalStock[index] = 0
        }
        for index in productivityByTransition.indices { productivityByTransition[index] = 0 }
        for index in 0..<8 {
            baselineStock[index] = 0
            targetStock[index] = 0
        }
    }

    /// Stocks are t/ha: a row's stock in tonnes is its sum x the cell's hectares.
    func add(to tally: inout SDGSummaryTally, squareKilometres area: Double) {
        guard cells > 0 else { return }
        tally.totalArea += Double(cells) * area
        for map in tally.status.indices { for slot in 0..<4 { tally.status[map][slot] += Double(status[map * 4 + slot]) * area } }
        let hectares = area * 100
        for slot in 0..<64 {
            if transitions[slot] > 0 { tally.transitions[slot] += Double(transitions[slot]) * area }
            if stockCells[slot] > 0 {
                tally.stockArea[slot] += Double(stockCells[slot]) * area
                tally.initialStock[slot] += initialStock[slot] * hectares
                tally.finalStock[slot] += finalStock[slot] * hectares
            }
        }
        for index in productivityByTransition.indices where productivityByTransition[index] > 0 {
            tally.productivityByTransition[index] += Double(productivityByTransition[index]) * area
        }
        for slot in 0..<8 {
            tally.baselineStockByClass[slot] += baselineStock[slot] * hectares
            tally.targetStockByClass[slot] += targetStock[slot] * hectares
        }
    }
}
