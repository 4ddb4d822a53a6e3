import Foundation
import GDAL

/// Which cells belong to a zone, and with what weight.
public enum ZonalMode: String, Sendable, CaseIterable {
    /// A cell counts when its centre is inside the polygon (GDAL's rasterizer, as rasterstats).
    case center
    /// A cell counts when the polygon overlaps it, however little (rasterstats all_touched=True). Computed from
    /// the exact coverage: GDAL 3.6's ALL_TOUCHED misses some cells a polygon does overlap (seen on the Olinda
    /// tracts, where newer GDAL and exactextract agree that the cell is overlapped).
    case allTouched = "all-touched"
    /// Each cell weighted by the exact fraction the polygon covers (as exactextract).
    case coverage
}

/// A share-of-area target: the share of the zone's valid area in `classes` must be at most `maxPercent`.
public struct ZonalTarget: Sendable, Equatable {
    public var classes: [Int64]?
    public var minimumClass: Int64?
    public var maxPercent: Double
    public var text: String

    /// Parses `>=2:10%` (classes 2 and above, at most 10 %) or `3,4:5%` (classes 3 and 4).
    public init(parsing text: String) throws {
        self.text = text
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[1].hasSuffix("%"), let percent = Double(parts[1].dropLast()) else {
            throw SoilMapError.invalidArgument("--target \(text): expected CLASSES:PERCENT%, e.g. '>=2:10%' or '3,4:5%'")
        }
        guard percent >= 0, percent <= 100 else {
            throw SoilMapError.invalidArgument("--target \(text): the percentage must be between 0 and 100 %")
        }
        maxPercent = percent
        if parts[0].hasPrefix(">=") {
            guard let value = Int64(parts[0].dropFirst(2)) else { throw SoilMapError.invalidArgument("--target \(text): '\(parts[0])' is not >=N") }
            minimumClass = value
        } else {
            let values = parts[0].split(separator: ",", omittingEmptySubsequences: false).map { Int64($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, !values.contains(nil) else {
                throw SoilMapError.invalidArgument("--target \(text): '\(parts[0])' is not a list of class codes such as 3,4")
            }
            classes = values.compactMap { $0 }
        }
    }

    func includes(_ value: Int64) -> Bool {
        if let minimumClass { return value >= minimumClass }
        return classes?.contains(value) ?? false
    }

    /// Whether a share (percent of the valid area) meets the target: at most `maxPercent`. A share exactly at the
    /// limit passes; hectares are sums of many cell areas, so rounding dust (1e-9 percentage points) is ignored.
    public func isMet(byShare share: Double) -> Bool { share <= maxPercent + 1e-9 }
}

public struct ZonalRequest: Sendable {
    public var raster: String
    public var band: Int
    public var zones: ZoneSource
    public var mode: ZonalMode
    /// Continuous statistics to report: count, sum, mean, min, max, std, variance, median, pNN, majority, minority, variety.
    /// nil: count, sum, mean, min, max and std, or only count for a categorical raster (the mean of class codes means nothing).
    public var statistics: [String]?
    /// Class areas and shares per zone; nil: automatically for a raster with a colour table or category names.
    public var categorical: Bool?
    /// Keeps only cells whose mask value is listed (e.g. agricultural land).
    public var mask: (path: String, band: Int, keep: [Double])?
    public var target: ZonalTarget?
    /// Strip height: how many rows are read and processed as one unit. Part of the result's definition
    /// (accumulators merge strip by strip), so it is fixed, not tied to threads.
    public var stripRows = 256

    public init(raster: String, band: Int = 1, zones: ZoneSource, mode: ZonalMode = .center,
                statistics: [String]? = nil, categorical: Bool? = nil,
                mask: (path: String, band: Int, keep: [Double])? = nil, target: ZonalTarget? = nil) {
        self.raster = raster
        self.band = band
        self.zones = zones
        self.mode = mode
        self.statistics = statistics
        self.categorical = categorical
        self.mask = mask
        self.target = target
    }
}

/// One row of results: a zone, a group of zones, or the total. Each level has its own id column: a zone row
/// has its zone id (and the id of its group), a group row only its group id, the total neither.
public struct ZonalRow: Sendable {
    public enum Level: String, Sendable { case zone, group, total }
    public var level: Level
    public var zoneID: String
    public var zoneName: String
    public var groupID: String
    public var groupName: String
    /// The zone's FID in the source layer (zone rows).
    public var featureID: Int64?
    public var repaired: Bool
    public var zoneCount: Int
    public var accumulator: ZoneAccumulator
    /// Source geometry (ISO WKB) for zone rows.
    public var geometryWKB: [UInt8]
}

/// A class of a categorical raster: its code (the cell value), and its label and colour from the raster's legend
/// (empty when the raster has none).
public struct ZonalClass: Sendable, Equatable {
    public var code: Int64
    public var label: String
    /// "#RRGGBB" (or "#RRGGBBAA" when not opaque).
    public var colour: String
}

public struct ZonalResult: Sendable {
    public var rows: [ZonalRow]
    public var statistics: [String]
    public var categorical: Bool
    /// The classes present in the zones or named in the legend (categorical only), in code order.
    public var classes: [ZonalClass]
    public var target: ZonalTarget?
    public var warnings: [String]
    /// The zones' CRS as WKT (for geometry outputs).
    public var zoneCRSWKT: String
    public var mode: ZonalMode
}

public enum ZonalJob {
    static let knownStatistics = ["count", "sum", "mean", "min", "max", "std", "variance", "median", "majority", "minority", "variety"]

    static let defaultStatistics = ["count", "sum", "mean", "min", "max", "std"]

    /// Unknown and repeated statistics are errors (a repeated one would make two columns of one name).
    static func validate(statistics: [String]) throws {
        var seen = Set<String>()
        for statistic in statistics {
            guard !statistic.isEmpty else { throw SoilMapError.invalidArgument("--stats \(statistics.joined(separator: ",")): an empty statistic (a stray comma?)") }
            guard knownStatistics.contains(statistic) || percentile(statistic) != nil else {
                throw SoilMapError.invalidArgument("--stats \(statistic): unknown (use \(knownStatistics.joined(separator: ", ")), or pNN such as p10, p90)")
            }
            guard seen.insert(statistic).inserted else {
                throw SoilMapError.invalidArgument("--stats \(statistics.joined(separator: ",")): duplicate statistic '\(statistic)'")
            }
        }
    }

    public static func run(_ request: ZonalRequest, engine: EngineOptions = EngineOptions()) throws -> ZonalResult {
        try engine.validate()
        if let statistics = request.statistics { try validate(statistics: statistics) }
        // Each worker reads full-width strips of 256 rows; input blocks up to 512 rows tall are shared by two strips.
        try GeoTIFFIntegrity.requireIntact(request.raster)
        let dataset = try Dataset.open(request.raster, kind: .raster)
        guard dataset.geoTransform != nil else {
            throw SoilMapError.invalidInput(path: request.raster, "has no geotransform (it is not georeferenced), so the zones cannot be placed on it")
        }
        let rowBytes = dataset.width * max(try dataset.band(request.band).dataType.byteSize, 1)
        return try engine.withGDALCache(defaultBytes: (32 << 20) + rowBytes * 512 * engine.threads) {
            try runWithCache(request, engine: engine)
        }
    }

    private static func runWithCache(_ request: ZonalRequest, engine: EngineOptions) throws -> ZonalResult {
        let maskSource = request.mask.map { MaskSource(path: $0.path, band: $0.band, rule: .keepValues($0.keep)) }
        let plan = try InputPlan.make(sources: [BandSource(role: "value", path: request.raster, band: request.band)], mask: maskSource,
                                      scale: nil, offset: nil)
        let grid = plan.grid
        let dataset = try Dataset.open(request.raster, kind: .raster)
        let band = try dataset.band(request.band)
        let categoryNames = band.categoryNames
        let categorical = request.categorical ?? (request.target != nil || band.colorTable != nil || !categoryNames.filter { !$0.isEmpty }.isEmpty)
        let integerData = band.dataType.isInteger && (band.scale ?? 1) == 1 && (band.offset ?? 0) == 0
        let statistics = request.statistics ?? (categorical ? ["count"] : defaultStatistics)
        let wantsQuantiles = statistics.contains { $0 == "median" || percentile($0) != nil }
        let wantsHistogram = integerData && (categorical || wantsQuantiles || statistics.contains { ["majority", "minority", "variety"].contains($0) })
        if categorical, !integerData {
            throw SoilMapError.invalidInput(path: request.raster, "categorical statistics need an integer raster (this band is \(band.dataType.name))")
        }
        let crs = dataset.spatialReference
        let ellipsoid: (semiMajorAxis: Double, inverseFlattening: Double) = crs?.ellipsoid ?? (6_378_137, 298.257223563)
        let cellArea = CellArea(grid: grid, isGeographic: crs?.isGeographic ?? false, metresPerUnit: crs.map { $0.isGeographic ? 1 : $0.linearUnitsInMetres } ?? 1,
                                semiMajorAxis: ellipsoid.semiMajorAxis, inverseFlattening: ellipsoid.inverseFlattening)

        let loaded = try request.zones.load(onto: grid, raster: request.raster)
        let zones = loaded.zones, zoneCRS = loaded.crsWKT
        var warnings = loaded.warnings
        let stripCount = (grid.height + request.stripRows - 1) / request.stripRows
        // For each strip, the zones whose window crosses it, in zone order.
        var zonesByStrip = [[Int]](repeating: [], count: stripCount)
        for zone in zones {
            guard let window = zone.window else { continue }
            for strip in (window.row / request.stripRows)...((window.endRow - 1) / request.stripRows) { zonesByStrip[strip].append(zone.index) }
        }
        let template = ZoneAccumulator(keepHistogram: wantsHistogram, keepValues: wantsQuantiles && !integerData)
        var totals = [ZoneAccumulator](repeating: template, count: zones.count)
        let mode = request.mode, stripRows = request.stripRows
        let zonesByStripCopy = zonesByStrip
        // A sharded run computes only its strips; a merge takes the shards' strips from their parts.
        let sharding = try engine.shard.map {
            try ShardedZonal(shard: $0, grid: grid, stripRows: stripRows, stripCount: stripCount,
                             rasters: [request.raster] + (request.mask.map { [$0.path] } ?? []))
        } ?? .unsharded
        var shardPartials: [Int: [(Int, ZoneAccumulator)]] = [:]
        try OrderedParallelMap.run(count: stripCount, threads: engine.threads, maxInFlight: engine.threads * 2, makeWorker: {
            let reader = try InputReader(plan: plan)
            let capacity = (grid.width * stripRows + 15) / 16 * 16
            let scratch = WorkerScratch(doubles: 2 * capacity)
            let values = scratch.doubles, mask = scratch.doubles + capacity
            return { strip -> [(Int, ZoneAccumulator)] in
                _ = scratch
                if let stored = sharding.stored[strip] { return stored }
                if let computing = sharding.computing, !computing.contains(strip) { return [] }
                let firstRow = strip * stripRows, rows = min(stripRows, grid.height - firstRow)
                try reader.read(window: PixelWindow(column: 0, row: firstRow, width: grid.width, height: rows), into: values,
                                planeStride: capacity, maskScratch: mask)
                var partials: [(Int, ZoneAccumulator)] = []
                for zoneIndex in zonesByStripCopy[strip] {
                    let zone = zones[zoneIndex], window = zone.window!
                    let row0 = max(window.row, firstRow), row1 = min(window.endRow, firstRow + rows)
                    let part = PixelWindow(column: window.column, row: row0, width: window.width, height: row1 - row0)
                    let weights = try Self.weights(zone: zone, part: part, mode: mode, grid: grid)
                    if template.histogram == nil && template.values == nil {
                        partials.append((zoneIndex, Self.plainSums(values: values, stripFirstRow: firstRow, rasterWidth: grid.width,
                                                                   part: part, weights: weights, cellArea: cellArea)))
                        continue
                    }
                    var accumulator = template
                    for row in 0..<part.height {
                        let hectares = cellArea.hectares(row: part.row + row)
                        let line = (part.row + row - firstRow) * grid.width + part.column
                        for column in 0..<part.width {
                            let w = weights[row * part.width + column]
                            guard w > 0 else { continue }
                            let value = values[line + column]
                            accumulator.addExtent(weight: w, cellHectares: hectares, isNoData: value.isNaN)
                            guard !value.isNaN else { continue }
                            accumulator.add(value, weight: w, cellHectares: hectares)
                        }
                    }
                    partials.append((zoneIndex, accumulator))
                }
                return partials
            }
        }, consume: { strip, partials in
            for (zoneIndex, partial) in partials { totals[zoneIndex].merge(partial) }
            if sharding.computing?.contains(strip) == true { shardPartials[strip] = partials }
            engine.progress?(Double(strip + 1) / Double(stripCount))
        })
        try sharding.store(shardPartials, grid: grid)

        warnings += summaryWarnings(zones: zones, totals: totals, request: request, grid: grid, categorical: categorical)

        // Rows: zones in layer order, then groups (in order of first appearance), then the total; merged from
        // the zones' accumulators, never from their means.
        var rows = zones.map { zone in
            ZonalRow(level: .zone, zoneID: zone.id, zoneName: zone.name, groupID: zone.groupID, groupName: zone.groupName, featureID: zone.featureID,
                     repaired: zone.repaired, zoneCount: 1, accumulator: totals[zone.index], geometryWKB: zone.sourceWKB)
        }
        if let groupField = request.zones.groupField {
            var order: [String] = []
            var groups: [String: ZonalRow] = [:]
            var ungrouped = 0
            for zone in zones {
                // A zone without a group code belongs to no group (pooling them would make a group of strangers).
                guard !zone.groupID.isEmpty else {
                    ungrouped += 1
                    continue
                }
                if groups[zone.groupID] == nil {
                    order.append(zone.groupID)
                    groups[zone.groupID] = ZonalRow(level: .group, zoneID: "", zoneName: "", groupID: zone.groupID, groupName: zone.groupName,
                                                    featureID: nil, repaired: false, zoneCount: 0, accumulator: template, geometryWKB: [])
                }
                groups[zone.groupID]!.accumulator.merge(totals[zone.index])
                groups[zone.groupID]!.zoneCount += 1
            }
            rows += order.map { groups[$0]! }
            if ungrouped > 0 {
                warnings.append("\(request.zones.path): \(ungrouped) of \(zones.count) zones have an empty \(groupField); they are in no group row, only in the total")
            }
        }
        var total = ZonalRow(level: .total, zoneID: "", zoneName: "", groupID: "", groupName: "", featureID: nil, repaired: false,
                             zoneCount: zones.count, accumulator: template, geometryWKB: [])
        for accumulator in totals { total.accumulator.merge(accumulator) }
        rows.append(total)

        var classes: [ZonalClass] = []
        if categorical {
            var present = Set<Int64>()
            for accumulator in totals { accumulator.histogram?.keys.forEach { present.insert($0) } }
            for (value, name) in categoryNames.enumerated() where !name.isEmpty { present.insert(Int64(value)) }
            if let noData = band.noDataValue { present.remove(Int64(noData)) }
            let colours = band.colorTable?.entries ?? []
            classes = present.sorted().map { code in
                let index = Int(exactly: code).flatMap { $0 >= 0 ? $0 : nil }
                return ZonalClass(code: code, label: index.flatMap { $0 < categoryNames.count ? categoryNames[$0] : nil } ?? "",
                                  colour: index.flatMap { $0 < colours.count ? colours[$0].hex : nil } ?? "")
            }
        }
        return ZonalResult(rows: rows, statistics: statistics, categorical: categorical, classes: classes, target: request.target,
                           warnings: warnings, zoneCRSWKT: zoneCRS, mode: request.mode)
    }

    /// Counts of zones whose rows are empty, so that a table of zeros never passes unnoticed: zones outside the
    /// raster, and zones on the raster without a valid cell (nodata, masked, or smaller than a cell).
    static func summaryWarnings(zones: [Zone], totals: [ZoneAccumulator], request: ZonalRequest, grid: RasterGrid,
                                categorical: Bool = false) -> [String] {
        var warnings: [String] = []
        // Zones without geometry, or whose geometry could not be used, were already reported one by one.
        let placed = zones.filter { !$0.rasterWKB.isEmpty }
        let outside = placed.filter { $0.window == nil }.count
        if outside > 0 {
            warnings.append("\(request.zones.path): \(outside) of \(zones.count) zones lie outside the raster; their rows have count 0")
        }
        // The part of a zone off the raster's grid is in none of its cells, so no area column can count it.
        let beyond = placed.filter { zone in
            zone.window != nil && zone.rings.joined().contains { $0.x < 0 || $0.y < 0 || $0.x > Double(grid.width) || $0.y > Double(grid.height) }
        }.count
        if categorical, beyond > 0 {
            warnings.append("\(request.zones.path): \(beyond) of \(zones.count) zones extend beyond the raster; their zone_area_ha and nodata_ha count only their part on the raster")
        }
        let empty = placed.filter { $0.window != nil && totals[$0.index].cells == 0 }.count
        if empty > 0 {
            warnings.append("\(request.raster): \(empty) of \(zones.count) zones have no valid cell (nodata\(request.mask != nil ? ", masked" : "") or smaller than a cell); their rows have count 0")
        }
        return warnings
    }

    /// The fast path for count, sum, mean, extremes and variance: plain shifted sums over the zone's cells of a strip.
    static func plainSums(values: UnsafeMutablePointer<Double>, stripFirstRow: Int, rasterWidth: Int, part: PixelWindow,
                          weights: [Double], cellArea: CellArea) -> ZoneAccumulator {
        var cells = 0, weight = 0.0, sum = 0.0, shiftedSum = 0.0, shiftedSquares = 0.0, hectares = 0.0
        var noDataCells = 0, noDataWeight = 0.0, noDataHectares = 0.0, zoneWeight = 0.0, zoneHectares = 0.0
        var minimum = Double.infinity, maximum = -Double.infinity
        var shift = Double.nan
        weights.withUnsafeBufferPointer { weights in
            for row in 0..<part.height {
                let cellHectares = cellArea.hectares(row: part.row + row)
                let line = values + (part.row + row - stripFirstRow) * rasterWidth + part.column
                let weightLine = weights.baseAddress! + row * part.width
                var rowWeight = 0.0, rowNoDataWeight = 0.0, rowZoneWeight = 0.0
                for column in 0..<part.width {
                    let w = weightLine[column]
                    let value = line[column]
                    guard w > 0 else { continue }
                    rowZoneWeight += w
                    guard !value.isNaN else {
                        noDataCells += 1
                        rowNoDataWeight += w
                        continue
                    }
                    if shift.isNaN { shift = value }
                    let shifted = value - shift
                    cells += 1
                    rowWeight += w
                    sum += w * value
                    shiftedSum += w * shifted
                    shiftedSquares += w * shifted * shifted
                    minimum = Swift.min(minimum, value)
                    maximum = Swift.max(maximum, value)
                }
                weight += rowWeight
                hectares += rowWeight * cellHectares
                noDataWeight += rowNoDataWeight
                noDataHectares += rowNoDataWeight * cellHectares
                zoneWeight += rowZoneWeight
                zoneHectares += rowZoneWeight * cellHectares
            }
        }
        var accumulator = ZoneAccumulator(cells: cells, weight: weight, sum: sum, shiftedSum: shiftedSum, shiftedSquares: shiftedSquares,
                                          shift: shift.isNaN ? 0 : shift, minimum: minimum, maximum: maximum, hectares: hectares)
        accumulator.setExtent(noDataCells: noDataCells, noDataWeight: noDataWeight, noDataHectares: noDataHectares,
                              zoneWeight: zoneWeight, zoneHectares: zoneHectares)
        return accumulator
    }

    /// Weights of the cells of `part` for a zone.
    static func weights(zone: Zone, part: PixelWindow, mode: ZonalMode, grid: RasterGrid) throws -> [Double] {
        switch mode {
        case .coverage:
            return CoverageFraction.compute(rings: zone.rings, window: part)
        case .allTouched:
            return CoverageFraction.compute(rings: zone.rings, window: part).map { $0 > 0 ? 1 : 0 }
        case .center:
            // Rasterize the zone's whole window, as rasterstats does, then keep the strip's rows.
            let window = zone.window!
            let origin = grid.geoTransform.world(column: Double(window.column), row: Double(window.row))
            var transform = grid.geoTransform
            transform.originX = origin.x
            transform.originY = origin.y
            let geometry = try Geometry(wkb: zone.rasterWKB)
            let mask = try geometry.rasterMask(width: window.width, height: window.height, geoTransform: transform, allTouched: false)
            let start = (part.row - window.row) * window.width
            return mask[start..<(start + part.height * window.width)].map { Double($0) }
        }
    }

    /// "p10" -> 0.10, "p99.5" -> 0.995.
    static func percentile(_ name: String) -> Double? {
        guard name.hasPrefix("p"), let value = Double(name.dropFirst()), value >= 0, value <= 100 else { return nil }
        return value / 100
    }
}
