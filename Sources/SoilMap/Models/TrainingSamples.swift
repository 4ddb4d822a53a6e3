import Digest
import Foundation
import GDAL

/// What a plot's field holds: a number (calibration) or a class (classification).
public enum TargetKind: Sendable {
    case numeric
    case category
}

/// Training samples on the engine's grid: one row of predictor values per cell, with the plot it came from.
/// Points give the cell they fall in; polygons every cell whose centre is inside (GDAL's rasterizer, as
/// gdal_rasterize), or a seeded sample of them. Cells where a predictor has no value are dropped.
public struct TrainingSamples: Sendable {
    public var featureCount: Int
    /// Row-major: sample i's predictor j at `features[i * featureCount + j]`.
    public var features: [Double]
    /// The measured value (numeric), or the class's index into `labels` (category).
    public var targets: [Double]
    /// Class labels in class order (sorted), for a category target.
    public var labels: [String]
    /// Index of each sample's plot in `plotIDs`.
    public var plots: [Int]
    /// The plots' FIDs, in layer order.
    public var plotIDs: [Int64]
    /// Centre of each sample's cell, in the grid's CRS (for spatial blocks).
    public var x: [Double]
    public var y: [Double]
    public var droppedCells: Int
    public var sampling: String
    /// Plots left out: outside the rasters, covering no cell centre, or with no cell where every predictor has a
    /// value (cloud, a scan gap).
    public var emptyPlots: [Int64] = []

    public var count: Int { targets.count }

    public func row(_ index: Int) -> ArraySlice<Double> { features[(index * featureCount)..<((index + 1) * featureCount)] }

    /// SHA-256 over the feature count, then each sample's predictor values (IEEE-754 binary64, little-endian) and
    /// its target (the number, or the class label in UTF-8 with a terminating 0), in sample order.
    public var sha256: String {
        let digest = SHA256()
        var header = UInt64(featureCount).littleEndian
        withUnsafeBytes(of: &header) { digest.update($0) }
        for index in 0..<count {
            for value in row(index) {
                var bits = value.bitPattern.littleEndian
                withUnsafeBytes(of: &bits) { digest.update($0) }
            }
            if labels.isEmpty {
                var bits = targets[index].bitPattern.littleEndian
                withUnsafeBytes(of: &bits) { digest.update($0) }
            } else {
                digest.update(Array(labels[Int(targets[index])].utf8) + [0])
            }
        }
        return digest.finalizeHex()
    }

    /// The samples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> TrainingSamples {
        var copy = self
        copy.features = indices.flatMap { row($0) }
        copy.targets = indices.map { targets[$0] }
        copy.plots = indices.map { plots[$0] }
        copy.x = indices.map { x[$0] }
        copy.y = indices.map { y[$0] }
        return copy
    }

    /// Reads the plots of `path` (any OGR source, any CRS) and samples `plan`'s inputs under them.
    /// `cellsPerPolygon`: at most this many cells of each polygon, drawn with `seed` (nil: all).
    public static func extract(plots path: String, layer layerName: String?, field: String, target: TargetKind,
                               plan: InputPlan, predictors: [BandSource], cellsPerPolygon: Int?, seed: UInt64) throws -> TrainingSamples {
        let grid = plan.grid
        guard grid.geoTransform.isNorthUp else {
            throw SoilMapError.invalidArgument("training needs north-up predictor rasters (no rotation in the geotransform)")
        }
        guard FileManager.default.fileExists(atPath: path) || path.contains(":") else {
            throw SoilMapError.invalidInput(path: path, "no such file (the training plots)")
        }
        let dataset = try Dataset.open(path, kind: .vector)
        let layer = try layerName.map(dataset.layer(named:)) ?? dataset.layer(0)
        guard let fieldIndex = layer.fields.firstIndex(where: { $0.name == field }) else {
            throw SoilMapError.invalidInput(path: path, "has no field '\(field)' (its fields: \(layer.fields.map(\.name).joined(separator: ", ")))")
        }
        let fieldType = layer.fields[fieldIndex].type
        let rasterCRS = grid.crsWKT.isEmpty ? nil : try SpatialReference(wkt: grid.crsWKT)
        var transformation: CoordinateTransformation?
        switch (layer.spatialReference, rasterCRS) {
        case (nil, let rasterCRS?):
            throw SoilMapError.invalidInput(path: path, "has no CRS, so its plots cannot be placed on the rasters (\(rasterCRS.name)); assign one with ogr2ogr -a_srs")
        case (let layerCRS?, let rasterCRS?) where !layerCRS.isSame(as: rasterCRS):
            transformation = try CoordinateTransformation(from: layerCRS, to: rasterCRS)
        default:
            break
        }
        // First the plots' cells, in layer order; then the reads, in raster order (see `readOrder`); then the
        // samples, in layer order again.
        var plots: [PlotCells] = []
        var readCount = 0
        var sawPolygons = false, sawPoints = false
        try layer.forEachFeature { feature in
            let plotName = "feature FID \(feature.id)"
            let value = feature.value(at: fieldIndex)
            var number = 0.0, label = ""
            switch target {
            case .numeric:
                guard let parsed = value.doubleValue, parsed.isFinite else {
                    let shown = value == .null ? "empty" : "'\(value.stringValue ?? "")'"
                    throw SoilMapError.invalidInput(path: path, "\(plotName): field '\(field)' (\(fieldType.name)) is \(shown), not a number")
                }
                number = parsed
            case .category:
                switch value {
                case .null: throw SoilMapError.invalidInput(path: path, "\(plotName): field '\(field)' is empty: every plot needs a class")
                case .real(let real) where real == real.rounded() && abs(real) < 1e15: label = String(Int64(real))
                default: label = value.stringValue ?? ""
                }
            }
            guard let geometry = feature.geometry?.clone(), !geometry.isEmpty else {
                throw SoilMapError.invalidInput(path: path, "\(plotName) has no geometry")
            }
            if let transformation { try geometry.transform(transformation) }
            var cells: [(column: Int, row: Int)] = []
            var window: PixelWindow
            let outside = PlotCells(id: feature.id, window: nil, cells: [], number: number, label: label)
            switch geometry.dimension {
            case 0:
                sawPoints = true
                let envelope = geometry.envelope
                guard envelope.minX == envelope.maxX, envelope.minY == envelope.maxY,
                      let pixel = grid.geoTransform.pixel(x: envelope.minX, y: envelope.minY) else {
                    throw SoilMapError.invalidInput(path: path, "\(plotName) is a \(geometry.typeName): give single points or polygons")
                }
                let column = Int(pixel.column.rounded(.down)), row = Int(pixel.row.rounded(.down))
                guard (0..<grid.width).contains(column), (0..<grid.height).contains(row) else {
                    plots.append(outside)
                    return
                }
                window = PixelWindow(column: column, row: row, width: 1, height: 1)
                cells = [(0, 0)]
            case 2:
                sawPolygons = true
                let envelope = geometry.envelope
                guard let corner = grid.geoTransform.pixel(x: envelope.minX, y: envelope.maxY),
                      let opposite = grid.geoTransform.pixel(x: envelope.maxX, y: envelope.minY) else {
                    throw SoilMapError.invalidArgument("the predictor rasters' geotransform cannot be inverted")
                }
                let left = Int(min(corner.column, opposite.column).rounded(.down)), top = Int(min(corner.row, opposite.row).rounded(.down))
                let right = Int(max(corner.column, opposite.column).rounded(.up)), bottom = Int(max(corner.row, opposite.row).rounded(.up))
                guard let clipped = PixelWindow(column: left, row: top, width: max(right - left, 1), height: max(bottom - top, 1))
                    .intersection(PixelWindow(width: grid.width, height: grid.height)) else {
                    plots.append(outside)
                    return
                }
                window = clipped
                let origin = grid.geoTransform.world(column: Double(window.column), row: Double(window.row))
                let transform = GeoTransform(originX: origin.x, pixelWidth: grid.geoTransform.pixelWidth, originY: origin.y,
                                             pixelHeight: grid.geoTransform.pixelHeight)
                let mask = try geometry.rasterMask(width: window.width, height: window.height, geoTransform: transform, allTouched: false)
                for row in 0..<window.height {
                    for column in 0..<window.width where mask[row * window.width + column] != 0 { cells.append((column, row)) }
                }
                guard !cells.isEmpty else {
                    plots.append(outside)
                    return
                }
                if let cellsPerPolygon, cells.count > cellsPerPolygon {
                    // The stream is the plot's place among the plots read, as when plots were read one by one.
                    var generator = SeededRandom(seed: seed, stream: UInt64(readCount))
                    var order = Array(cells.indices)
                    generator.shuffle(&order)
                    cells = order.prefix(cellsPerPolygon).sorted().map { cells[$0] }
                }
            default:
                throw SoilMapError.invalidInput(path: path, "\(plotName) is a \(geometry.typeName): training plots are points or polygons")
            }
            plots.append(PlotCells(id: feature.id, window: window, cells: cells, number: number, label: label))
            readCount += 1
        }

        let p = predictors.count
        var values = [[Double]](repeating: [], count: plots.count)
        try withSamplingCache(plan: plan) {
            let reader = try InputReader(plan: plan)
            for index in readOrder(plots) {
                let plot = plots[index], window = plot.window!
                let stride = (window.pixelCount + 15) / 16 * 16
                var planes = [Double](repeating: .nan, count: max(p, 1) * stride), scratch = [Double](repeating: 0, count: stride)
                try planes.withUnsafeMutableBufferPointer { planeBuffer in
                    try scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                        try reader.read(window: window, into: planeBuffer.baseAddress!, planeStride: stride, maskScratch: scratchBuffer.baseAddress!)
                    }
                }
                var cellValues = [Double](repeating: 0, count: p * plot.cells.count)
                for (c, cell) in plot.cells.enumerated() {
                    let pixel = cell.row * window.width + cell.column
                    for j in 0..<p { cellValues[c * p + j] = planes[j * stride + pixel] }
                }
                values[index] = cellValues
            }
        }

        var samples = TrainingSamples(featureCount: p, features: [], targets: [], labels: [], plots: [], plotIDs: [], x: [], y: [],
                                      droppedCells: 0, sampling: "")
        var rawLabels: [String] = []
        var covered = [Int](repeating: 0, count: p)
        for (index, plot) in plots.enumerated() {
            guard let window = plot.window else {
                samples.emptyPlots.append(plot.id)
                continue
            }
            let plotIndex = samples.plotIDs.count
            samples.plotIDs.append(plot.id)
            var kept = 0
            for (c, cell) in plot.cells.enumerated() {
                let row = values[index][(c * p)..<((c + 1) * p)]
                for (j, value) in row.enumerated() where !value.isNaN { covered[j] += 1 }
                if row.contains(where: { $0.isNaN }) {
                    samples.droppedCells += 1
                    continue
                }
                samples.features += row
                samples.targets.append(plot.number)
                rawLabels.append(plot.label)
                samples.plots.append(plotIndex)
                let centre = grid.geoTransform.centre(column: window.column + cell.column, row: window.row + cell.row)
                samples.x.append(centre.x)
                samples.y.append(centre.y)
                kept += 1
            }
            if kept == 0 { samples.emptyPlots.append(plot.id) }
        }
        guard !samples.plotIDs.isEmpty else {
            throw samples.emptyPlots.isEmpty ? SoilMapError.invalidInput(path: path, "has no plots (layer '\(layer.name)' is empty)")
                : SoilMapError.invalidInput(path: predictors[0].path, "covers none of the plots of \(path) (they lie outside its grid, or are smaller than a cell)")
        }
        if let bare = covered.firstIndex(of: 0) {
            let source = predictors[bare]
            throw SoilMapError.invalidInput(path: source.path, "band \(source.band) has no value at any plot of \(path): it does not cover the plots (or is nodata there)")
        }
        guard samples.count > 0 else {
            throw SoilMapError.invalidInput(path: path, "no plot has a cell where every predictor has a value")
        }
        samples.sampling = sawPolygons
            ? (cellsPerPolygon.map { "cells whose centre is inside each polygon, at most \($0) per polygon (seeded)" } ?? "cells whose centre is inside each polygon")
                + (sawPoints ? "; the cell under each point" : "")
            : "the cell under each point"
        if target == .category {
            samples.labels = Array(Set(rawLabels)).sorted { Self.labelOrder($0, $1) }
            let index = Dictionary(uniqueKeysWithValues: samples.labels.enumerated().map { ($0.element, $0.offset) })
            samples.targets = rawLabels.map { Double(index[$0]!) }
        }
        return samples
    }

    /// One plot's cells on the grid, before they are read: `window` nil when the plot lies outside the rasters or
    /// covers no cell centre.
    struct PlotCells {
        var id: Int64
        var window: PixelWindow?
        var cells: [(column: Int, row: Int)]
        var number: Double
        var label: String
    }

    /// The plots to read, top to bottom and left to right by their window's corner: points given in any order
    /// (a field campaign's, a random draw's) then reach each block of the rasters once, in one sweep, so a small
    /// block cache serves them.
    static func readOrder(_ plots: [PlotCells]) -> [Int] {
        plots.indices.filter { plots[$0].window != nil }.sorted { a, b in
            let x = plots[a].window!, y = plots[b].window!
            return (x.row, x.column, a) < (y.row, y.column, b)
        }
    }

    /// GDAL's block cache while the plots are read: a row of every input's blocks (the sweep's working set) plus
    /// 32 MB, instead of GDAL's default 5 % of RAM, which 100,000 points scattered over a Sentinel-2 tile fill
    /// with every block of every band (1.3 GB). Left alone when the user set GDAL_CACHEMAX. Restored afterwards.
    static func withSamplingCache<R>(plan: InputPlan, _ body: () throws -> R) throws -> R {
        guard ProcessInfo.processInfo.environment["GDAL_CACHEMAX"] == nil else { return try body() }
        var bytes = 32 << 20
        for input in plan.inputs where input.blockWidth > 0 && input.blockHeight > 0 {
            let rowWidth = (input.fileWidth + input.blockWidth - 1) / input.blockWidth * input.blockWidth
            bytes += input.blockHeight * rowWidth * input.dataType.byteSize
        }
        let previous = GDALRuntime.cacheMaxBytes
        GDALRuntime.cacheMaxBytes = min(bytes, previous)
        defer { GDALRuntime.cacheMaxBytes = previous }
        return try body()
    }

    /// Whole-number labels in numeric order, then text labels in code-point order.
    static func labelOrder(_ a: String, _ b: String) -> Bool {
        switch (Int(a), Int(b)) {
        case let (x?, y?): return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
        }
    }
}
