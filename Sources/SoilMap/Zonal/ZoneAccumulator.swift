import Foundation
import GDAL

/// Statistics of the cells of one zone, weighted by how much of each cell the zone covers (1 in centre and
/// all-touched modes). Mergeable: accumulators of tiles, threads or machines combine into exactly what one pass
/// would give for counts, sums, extremes and histograms, and into the same mean and variance up to rounding
/// (Chan et al.'s pairwise update). soilmap merges in a fixed order, so results do not depend on threads.
public struct ZoneAccumulator: Sendable {
    /// Σ weight: the count (in cells; fractional in coverage mode).
    public private(set) var weight = 0.0
    /// Σ weight x value.
    public private(set) var sum = 0.0
    /// Weighted mean and Σ weight (x - mean)², updated stably (West 1979).
    public private(set) var mean = 0.0
    private(set) var squaredDeviations = 0.0
    public private(set) var minimum = Double.infinity
    public private(set) var maximum = -Double.infinity
    /// Cells with any weight (unweighted).
    public private(set) var cells = 0
    /// Hectares covered by valid cells (weight x cell area).
    public private(set) var hectares = 0.0
    /// Integer rasters: value -> (weight, hectares). Exact quantiles, majority, classes.
    public private(set) var histogram: [Int64: (weight: Double, hectares: Double)]?
    /// Continuous rasters with quantiles asked for: every (value, weight).
    public private(set) var values: [(value: Double, weight: Double)]?
    /// Cells of the zone (on the raster's grid) without a valid value: nodata, NaN, or masked out. Counted as
    /// `cells` (unweighted), `weight` (fractional in coverage mode) and hectares (weight x cell area).
    public private(set) var noDataCells = 0
    public private(set) var noDataWeight = 0.0
    public private(set) var noDataHectares = 0.0
    /// The zone's own extent on the raster's grid, valid or not: Σ weight and Σ weight x cell area over every
    /// cell the zone has (accumulated on its own, not as valid + no data, so that the two can be checked).
    public private(set) var zoneWeight = 0.0
    public private(set) var zoneHectares = 0.0

    public init(keepHistogram: Bool, keepValues: Bool) {
        histogram = keepHistogram ? [:] : nil
        values = keepValues ? [] : nil
    }

    /// Counts one cell of the zone (weight > 0) in the zone's extent, and in no data when it has no valid value.
    /// Called for every cell of the zone, before `add` for a valid one.
    @inline(__always)
    public mutating func addExtent(weight w: Double, cellHectares: Double, isNoData: Bool) {
        zoneWeight += w
        zoneHectares += w * cellHectares
        if isNoData {
            noDataCells += 1
            noDataWeight += w
            noDataHectares += w * cellHectares
        }
    }

    /// Sets the no-data and extent sums of an accumulator made from plain sums.
    mutating func setExtent(noDataCells: Int, noDataWeight: Double, noDataHectares: Double, zoneWeight: Double, zoneHectares: Double) {
        self.noDataCells = noDataCells
        self.noDataWeight = noDataWeight
        self.noDataHectares = noDataHectares
        self.zoneWeight = zoneWeight
        self.zoneHectares = zoneHectares
    }

    @inline(__always)
    public mutating func add(_ value: Double, weight w: Double, cellHectares: Double) {
        cells += 1
        weight += w
        sum += w * value
        let delta = value - mean
        mean += w / weight * delta
        squaredDeviations += w * delta * (value - mean)
        if value < minimum { minimum = value }
        if value > maximum { maximum = value }
        hectares += w * cellHectares
        if histogram != nil {
            let key = Int64(value)
            let previous = histogram![key] ?? (0, 0)
            histogram![key] = (previous.weight + w, previous.hectares + w * cellHectares)
        }
        values?.append((value, w))
    }

    /// An accumulator from plain sums over a run of cells (no histogram or values kept), computed around
    /// `shift` (any value of the run) so that the squared deviations do not cancel catastrophically:
    /// Σw(x - shift) and Σw(x - shift)².
    init(cells: Int, weight: Double, sum: Double, shiftedSum: Double, shiftedSquares: Double, shift: Double,
         minimum: Double, maximum: Double, hectares: Double) {
        self.cells = cells
        self.weight = weight
        self.sum = sum
        if weight > 0 {
            let shiftedMean = shiftedSum / weight
            mean = shift + shiftedMean
            squaredDeviations = max(0, shiftedSquares - shiftedSum * shiftedMean)
        }
        self.minimum = minimum
        self.maximum = maximum
        self.hectares = hectares
        histogram = nil
        values = nil
    }

    /// An accumulator restored field by field, exactly as it was (shard files: `ZoneAccumulator+ShardCoding`).
    init(weight: Double, sum: Double, mean: Double, squaredDeviations: Double, minimum: Double, maximum: Double, cells: Int,
         hectares: Double, histogram: [Int64: (weight: Double, hectares: Double)]?, values: [(value: Double, weight: Double)]?) {
        self.weight = weight
        self.sum = sum
        self.mean = mean
        self.squaredDeviations = squaredDeviations
        self.minimum = minimum
        self.maximum = maximum
        self.cells = cells
        self.hectares = hectares
        self.histogram = histogram
        self.values = values
    }

    /// Adds `other` (cells that come after this accumulator's in the fixed order).
    public mutating func merge(_ other: ZoneAccumulator) {
        // The zone's extent and its no data add up whether or not either side has a valid cell.
        noDataCells += other.noDataCells
        noDataWeight += other.noDataWeight
        noDataHectares += other.noDataHectares
        zoneWeight += other.zoneWeight
        zoneHectares += other.zoneHectares
        guard other.weight > 0 || other.cells > 0 else { return }
        guard weight > 0 || cells > 0 else {
            let extent = (noDataCells, noDataWeight, noDataHectares, zoneWeight, zoneHectares)
            let keptHistogram = histogram != nil, keptValues = values != nil
            self = other
            (noDataCells, noDataWeight, noDataHectares, zoneWeight, zoneHectares) = extent
            if !keptHistogram { histogram = nil }
            if !keptValues { values = nil }
            return
        }
        let total = weight + other.weight
        let delta = other.mean - mean
        squaredDeviations += other.squaredDeviations + delta * delta * weight * other.weight / total
        mean += delta * other.weight / total
        weight = total
        sum += other.sum
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
        cells += other.cells
        hectares += other.hectares
        if histogram != nil, let theirs = other.histogram {
            for (key, entry) in theirs {
                let previous = histogram![key] ?? (0, 0)
                histogram![key] = (previous.weight + entry.weight, previous.hectares + entry.hectares)
            }
        }
        if values != nil, let theirs = other.values { values!.append(contentsOf: theirs) }
    }

    /// Population variance (weighted).
    public var variance: Double { weight > 0 ? max(0, squaredDeviations / weight) : .nan }
    public var standardDeviation: Double { variance.squareRoot() }

    /// The q-quantile (0...1). Linear interpolation between sorted values placed at
    /// (S_k - w_k) / (S_n - w_n), S the running sum of weights: numpy's default when every weight is 1.
    /// Exact for integer rasters (from the histogram) and for kept values.
    public func quantile(_ q: Double) -> Double {
        var sorted: [(value: Double, weight: Double)]
        if let histogram {
            sorted = histogram.map { (Double($0.key), $0.value.weight) }.sorted { $0.value < $1.value }
            // Whole cells (weights are counts): numpy's positions j / (n - 1) of the n cells, read from the running
            // counts instead of listing every cell.
            if sorted.allSatisfy({ $0.weight == $0.weight.rounded() }) { return Self.countQuantile(sorted, q) }
        } else if let values {
            sorted = values.sorted { $0.value < $1.value }
        } else {
            return .nan
        }
        guard !sorted.isEmpty else { return .nan }
        guard sorted.count > 1 else { return sorted[0].value }
        let total = sorted.reduce(0) { $0 + $1.weight }
        let last = sorted[sorted.count - 1].weight
        var running = 0.0
        var positions: [Double] = []
        positions.reserveCapacity(sorted.count)
        for entry in sorted {
            running += entry.weight
            positions.append((running - entry.weight) / (total - last))
        }
        if q <= positions[0] { return sorted[0].value }
        for index in 1..<sorted.count where positions[index] >= q {
            let span = positions[index] - positions[index - 1]
            let t = span > 0 ? (q - positions[index - 1]) / span : 0
            return sorted[index - 1].value + t * (sorted[index].value - sorted[index - 1].value)
        }
        return sorted[sorted.count - 1].value
    }

    /// numpy's linear quantile of n cells given as (value, count), sorted by value: the cells at ranks
    /// floor(q (n - 1)) and the next, interpolated.
    private static func countQuantile(_ counts: [(value: Double, weight: Double)], _ q: Double) -> Double {
        let n = counts.reduce(0) { $0 + $1.weight }
        guard n > 0 else { return .nan }
        let position = q * (n - 1), lowerRank = position.rounded(.down)
        /// The value of the cell at 0-based rank `rank`.
        func value(at rank: Double) -> Double {
            var seen = 0.0
            for entry in counts {
                seen += entry.weight
                if rank < seen { return entry.value }
            }
            return counts[counts.count - 1].value
        }
        let lower = value(at: lowerRank), upper = value(at: min(lowerRank + 1, n - 1))
        return lower + (upper - lower) * (position - lowerRank)
    }

    /// Integer rasters: the value with the most weight (the smallest such value on a tie).
    public var majority: Double? {
        histogram?.max { $0.value.weight < $1.value.weight || ($0.value.weight == $1.value.weight && $0.key > $1.key) }.map { Double($0.key) }
    }

    /// Integer rasters: the value with the least weight (the smallest such value on a tie).
    public var minority: Double? {
        histogram?.min { $0.value.weight < $1.value.weight || ($0.value.weight == $1.value.weight && $0.key < $1.key) }.map { Double($0.key) }
    }

    public var variety: Int? { histogram?.count }
}

/// Hectares of one cell: constant in a projected CRS; on the ellipsoid, per row, in a geographic CRS.
struct CellArea: Sendable {
    private let projectedHectares: Double?
    private let rowHectares: [Double]

    init(grid: RasterGrid, isGeographic: Bool, metresPerUnit: Double, semiMajorAxis: Double, inverseFlattening: Double) {
        let transform = grid.geoTransform
        if !isGeographic {
            projectedHectares = abs(transform.pixelWidth * transform.pixelHeight) * metresPerUnit * metresPerUnit / 10_000
            rowHectares = []
            return
        }
        projectedHectares = nil
        let flattening = inverseFlattening > 0 ? 1 / inverseFlattening : 0
        let b = semiMajorAxis * (1 - flattening)
        let e = (flattening * (2 - flattening)).squareRoot()
        let longitudeWidth = abs(transform.pixelWidth) * .pi / 180
        /// ∫ of the ellipsoid's area element over latitude, up to the factor b²/2 per radian of longitude.
        func q(_ latitudeDegrees: Double) -> Double {
            let s = sin(latitudeDegrees * .pi / 180)
            if e == 0 { return 2 * s }
            return s / (1 - e * e * s * s) + log((1 + e * s) / (1 - e * s)) / (2 * e)
        }
        rowHectares = (0..<grid.height).map { row in
            let top = transform.originY + Double(row) * transform.pixelHeight
            let bottom = top + transform.pixelHeight
            return abs(longitudeWidth * b * b / 2 * (q(top) - q(bottom))) / 10_000
        }
    }

    @inline(__always)
    func hectares(row: Int) -> Double { projectedHectares ?? rowHectares[row] }
}
