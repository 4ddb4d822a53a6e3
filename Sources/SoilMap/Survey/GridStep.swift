import Dispatch
import Foundation
import GDAL

/// What a grid run wrote and found.
public struct GridSummary: Sendable {
    public var path: String
    public var pointCount: Int
    /// The variogram used by kriging (given or fitted), and the empirical one it was fitted to.
    public var variogram: VariogramModel?
    public var empiricalVariogram: EmpiricalVariogram?
    public var crossValidation: CrossValidation.Result?
    /// The held-out points' predictions and errors (`--validation`).
    public var validation: CrossValidation.Result?
    public var warnings: [String]
}

public struct GridStep: Step {
    public static let kind = "grid"
    public var parameters: GridParameters

    public init(_ parameters: GridParameters) { self.parameters = parameters }

    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> GridSummary {
        let resolved = try parameters.resolved()
        let (algorithm, noData) = try resolved.parsedAlgorithm()
        let dataType = try resolved.dataType()
        let output = try parameters.outputOptions(overwrite: context.overwrite, provenanceOf: Self.kind)
        try transaction.check(parameters.output)
        if resolved.crossValidation != nil { try transaction.check(resolved.resolvedCVOutput) }
        if resolved.validation != nil { try transaction.check(resolved.resolvedValidationOutput) }
        var warnings = try output.validateCreationOptions()
        func warn(_ message: String) { warnings.append(message); context.diagnostics.warn(message) }

        // The points, in the grid's CRS, with a value.
        let points = try SurveyPoints.read(resolved.pointSource)
        let grid = try resolved.grid(pointsCRS: points.crsWKT)
        if points.crsWKT.isEmpty, !grid.crsWKT.isEmpty {
            throw SoilMapError.invalidInput(path: points.path, "the points have no CRS: give --points-crs (e.g. EPSG:28992)")
        }
        let values = try points.numericValues(of: resolved.field)
        let (allX, allY) = try points.coordinates(inCRS: grid.crsWKT)
        var rows = values.indices.filter { values[$0] != nil }
        if rows.count < values.count {
            warn("\(points.path): \(values.count - rows.count) of \(values.count) points have no '\(resolved.field)' value and are left out")
        }
        var x = rows.map { allX[$0] }, y = rows.map { allY[$0] }, z = rows.map { values[$0]! }
        guard !z.isEmpty else { throw SoilMapError.invalidInput(path: points.path, "no point has a value of '\(resolved.field)'") }

        let bounds = grid.transform.bounds(width: grid.width, height: grid.height)
        let inside = x.indices.filter { x[$0] >= bounds.minX && x[$0] <= bounds.maxX && y[$0] >= bounds.minY && y[$0] <= bounds.maxY }.count
        if inside == 0 {
            throw SoilMapError.invalidInput(path: points.path, "none of the \(z.count) points lies inside the grid (wrong --points-crs, or the wrong grid?)")
        }
        if inside < z.count { warn("\(points.path): \(z.count - inside) of \(z.count) points lie outside the grid; they still inform the cells near its edge") }

        // Points at the same place: kriging would have two equal rows, so they are merged (mean value).
        var seen: [String: Int] = [:], duplicates = 0
        for index in z.indices {
            let key = "\(x[index].bitPattern),\(y[index].bitPattern)"
            if seen[key] != nil { duplicates += 1 } else { seen[key] = index }
        }
        if duplicates > 0 {
            if case .kriging = algorithm {
                var merged: [String: (sum: Double, count: Int, first: Int)] = [:]
                for index in z.indices {
                    let key = "\(x[index].bitPattern),\(y[index].bitPattern)"
                    let entry = merged[key] ?? (0, 0, index)
                    merged[key] = (entry.sum + z[index], entry.count + 1, entry.first)
                }
                let kept = merged.values.sorted { $0.first < $1.first }
                rows = kept.map { rows[$0.first] }
                x = kept.map { x[$0.first] }
                y = kept.map { y[$0.first] }
                z = kept.map { $0.sum / Double($0.count) }
                warn("\(points.path): \(duplicates) points share a location with another; kriging uses the mean value of each location")
            } else if case .linear = algorithm {
                warn("\(points.path): \(duplicates) points share a location with another; the triangulation keeps one of each (as in gdal_grid)")
            } else {
                warn("\(points.path): \(duplicates) points share a location with another; each counts as a point (as in gdal_grid)")
            }
        }
        guard z.count >= algorithm.minimumPointCount else {
            throw SoilMapError.invalidInput(path: points.path, "\(z.count) points with a value: \(resolved.algorithm) needs at least \(algorithm.minimumPointCount)")
        }
        try Self.checkMinimumPoints(algorithm, count: z.count)
        let field: SurveyField
        do {
            var triangulated = false
            if case .linear = algorithm { triangulated = true }
            field = try SurveyField(x: x, y: y, z: z, triangulated: triangulated)
        } catch let error as GDALError {
            throw SoilMapError.invalidInput(path: points.path, "linear: \(error.message)")
        }

        // The variogram, given or fitted.
        var variogram: VariogramModel?, empirical: EmpiricalVariogram?
        if case .kriging(let options) = algorithm {
            if options.maxPoints == 0, options.radius == 0, z.count > 3000 {
                throw SoilMapError.invalidArgument("--algorithm \(resolved.algorithm): \(z.count) points in one kriging system is too many; give max_points (e.g. 16) and/or radius")
            }
            if let given = options.variogram {
                variogram = given
            } else {
                let fitted = EmpiricalVariogram(x: x, y: y, values: z, lagCount: options.lagCount, maxLag: options.maxLag)
                variogram = try fitted.fit(options.model).model
                empirical = fitted
            }
        }

        // Cross-validation first: it is quick, and a failure leaves nothing behind.
        var validation: CrossValidation.Result?
        if let plan = try resolved.crossValidationPlan() {
            let result = try CrossValidation.run(plan, algorithm: algorithm, method: resolved.algorithm, field: field, variogram: variogram)
            validation = result
            try transaction.write(resolved.resolvedCVOutput) { temporary in
                try Self.writeCrossValidation(result, plan: plan, sourceRows: rows, to: temporary)
            }
        }

        // Held-out points: read and checked before anything is written.
        var heldOut: HeldOutPoints?
        if let source = resolved.validationSource {
            heldOut = try HeldOutPoints(source, field: resolved.field, gridCRS: grid.crsWKT, bounds: bounds, warn: warn)
        }
        var heldOutResult: CrossValidation.Result?
        if let heldOut {
            let result = heldOut.predict(algorithm: algorithm, method: resolved.algorithm, field: field, variogram: variogram)
            let missing = result.predicted.filter(\.isNaN).count
            if missing > 0 {
                warn("\(heldOut.path): \(missing) of \(result.predicted.count) validation points have no prediction (no point in range) and are left out of the statistics")
            }
            heldOutResult = result
            try transaction.write(resolved.resolvedValidationOutput) { temporary in
                try Self.writeValidation(result, sourceRows: heldOut.rows, to: temporary)
            }
        }

        var metadata = ["GRID_ALGORITHM": resolved.algorithm, "GRID_FIELD": resolved.field, "GRID_POINTS": String(z.count),
                        "SOILMAP_VERSION": SoilMapVersion.string]
        if let variogram {
            metadata["KRIGING_VARIOGRAM"] = variogram.algorithmText
            metadata["KRIGING_VARIOGRAM_SOURCE"] = empirical == nil ? "given" : "fitted (weighted least squares, weights N/h^2, on the empirical variogram)"
        }
        if let empirical {
            metadata["KRIGING_EMPIRICAL_VARIOGRAM"] = zip(zip(empirical.distances, empirical.semivariances), empirical.pairCounts)
                .map { String(format: "%.10g:%.10g:%d", $0.0, $0.1, $1) }.joined(separator: " ")
        }
        if let validation {
            let s = validation.statistics
            metadata["CV"] = (try resolved.crossValidationPlan())!.name + (resolved.seed.map { " seed=\($0)" } ?? "")
            metadata["CV_STATISTICS"] = s.text
        }
        if let heldOutResult, let heldOut {
            metadata["VALIDATION"] = (heldOut.path as NSString).lastPathComponent
            metadata["VALIDATION_STATISTICS"] = heldOutResult.statistics.text
        }
        let bandNames = variogram != nil ? [resolved.field, "\(resolved.field)_kriging_variance"] : [resolved.field]
        try Self.writeGrid(path: parameters.output, grid: grid, field: field, algorithm: algorithm, variogram: variogram, noData: noData,
                           dataType: dataType, bandNames: bandNames, metadata: metadata, output: output, context: context,
                           transaction: transaction)
        return GridSummary(path: parameters.output, pointCount: z.count, variogram: variogram, empiricalVariogram: empirical,
                           crossValidation: validation, validation: heldOutResult, warnings: warnings)
    }

    /// Cells per side of a block sharing one neighbour candidate list.
    static let blockSide = 16

    static func checkMinimumPoints(_ algorithm: GridAlgorithm, count: Int) throws {
        let minimum: Int
        switch algorithm {
        case .inverseDistance(_, _, _, _, let m), .inverseDistanceNearest(_, _, _, _, let m), .movingAverage(_, let m): minimum = m
        default: minimum = 0
        }
        if minimum > count {
            throw SoilMapError.invalidArgument("--algorithm: min_points=\(minimum) but only \(count) points have a value: every cell would be nodata")
        }
    }

    /// Computes the grid in strips of rows: each batch of strips is computed by the workers side by side, then
    /// written in order, so the file is the same whatever the thread count.
    static func writeGrid(path: String, grid: (width: Int, height: Int, transform: GeoTransform, crsWKT: String), field: SurveyField,
                          algorithm: GridAlgorithm, variogram: VariogramModel?, noData: Double, dataType: DataType,
                          bandNames: [String], metadata: [String: String], output: RasterOutputOptions, context: RunContext,
                          transaction: OutputTransaction) throws {
        let threads = max(1, context.threads)
        let stripRows = max(1, min(context.tileSize ?? 128, grid.height))
        let bandCount = bandNames.count
        try transaction.write(path, pathExtension: "tif", rasterSidecar: true) { temporary in
            let gtiffPath = output.format == .cog ? transaction.scratch(besides: temporary, pathExtension: "tif") : temporary
            let gtiffOptions = output.format == .cog
                ? ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "BIGTIFF=IF_SAFER", "COMPRESS=NONE"]
                : output.gtiffOptions(threads: threads, encoding: RasterOutputOptions.defaultFloatEncoding)
            let dataset = try Driver("GTiff").createRaster(path: gtiffPath, width: grid.width, height: grid.height, bandCount: bandCount,
                                                           dataType: dataType, options: gtiffOptions)
            try dataset.setGeoTransform(grid.transform)
            if !grid.crsWKT.isEmpty { try dataset.setSpatialReference(try SpatialReference(wkt: grid.crsWKT)) }
            for (index, name) in bandNames.enumerated() {
                let band = try dataset.band(index + 1)
                band.setBandDescription(name)
                try band.setNoDataValue(noData)
            }
            for (key, value) in metadata.merging(output.metadata, uniquingKeysWith: { own, _ in own }).sorted(by: { $0.key < $1.key }) {
                try dataset.setMetadataItem(key, value)
            }
            // Rows are handed to GDAL one whole row of 512 x 512 blocks at a time, so each block is compressed and
            // written once: the file's layout, not only its values, is the same whatever the strips and threads.
            let blockRows = min(512, grid.height), blockPlane = blockRows * grid.width
            var pending = [Double](repeating: noData, count: blockPlane * bandCount), pendingRows = 0
            func flush(endingAt end: Int) throws {
                let window = PixelWindow(column: 0, row: end - pendingRows, width: grid.width, height: pendingRows)
                for band in 0..<bandCount {
                    let slice = Array(pending[(band * blockPlane)..<(band * blockPlane + pendingRows * grid.width)])
                    if dataType == .float64 {
                        try dataset.band(band + 1).write(window: window, from: slice)
                    } else {
                        try dataset.band(band + 1).write(window: window, from: slice.map { Float($0) })
                    }
                }
                pendingRows = 0
            }
            let strips = (grid.height + stripRows - 1) / stripRows
            let batch = threads * 2
            let transform = grid.transform
            for first in stride(from: 0, to: strips, by: batch) {
                let count = min(batch, strips - first)
                let buffers = StripBuffers(count: count)
                DispatchQueue.concurrentPerform(iterations: min(threads, count)) { worker in
                    let estimator = PointEstimator(algorithm: algorithm, field: field, variogram: variogram)
                    for slot in stride(from: worker, to: count, by: min(threads, count)) {
                        let top = (first + slot) * stripRows, height = min(stripRows, grid.height - top)
                        var values = [Double](repeating: noData, count: grid.width * height * bandCount)
                        let plane = grid.width * height
                        func estimate(row: Int, column: Int) {
                            let centre = transform.centre(column: column, row: top + row)
                            let estimate = estimator.estimate(centre.x, centre.y)
                            guard !estimate.value.isNaN else { return }
                            values[row * grid.width + column] = estimate.value
                            if bandCount > 1 { values[plane + row * grid.width + column] = estimate.variance }
                        }
                        if estimator.neighbourRule != nil {
                            // Blocks of cells share one candidate list (PointEstimator.prepareBlock): the same
                            // neighbours as a search per cell, found at a fraction of the cost.
                            for blockTop in stride(from: 0, to: height, by: Self.blockSide) {
                                let blockRows = blockTop..<min(height, blockTop + Self.blockSide)
                                for blockLeft in stride(from: 0, to: grid.width, by: Self.blockSide) {
                                    let blockColumns = blockLeft..<min(grid.width, blockLeft + Self.blockSide)
                                    // The four corner centres bound every centre of the block, rotated grids included.
                                    let corners = [(blockColumns.lowerBound, blockRows.lowerBound), (blockColumns.upperBound - 1, blockRows.lowerBound),
                                                   (blockColumns.lowerBound, blockRows.upperBound - 1), (blockColumns.upperBound - 1, blockRows.upperBound - 1)]
                                        .map { transform.centre(column: $0.0, row: top + $0.1) }
                                    estimator.prepareBlock(minX: corners.map(\.x).min()!, minY: corners.map(\.y).min()!,
                                                           maxX: corners.map(\.x).max()!, maxY: corners.map(\.y).max()!)
                                    // Rows back and forth: each cell is next to the one before, so mostly keeps its
                                    // neighbour set (kriging then skips the selection). The order changes no value.
                                    for row in blockRows {
                                        if (row - blockRows.lowerBound) % 2 == 0 {
                                            for column in blockColumns { estimate(row: row, column: column) }
                                        } else {
                                            for column in blockColumns.reversed() { estimate(row: row, column: column) }
                                        }
                                    }
                                }
                            }
                            estimator.endBlock()
                        } else {
                            for row in 0..<height {
                                estimator.resetSearch()
                                for column in 0..<grid.width { estimate(row: row, column: column) }
                            }
                        }
                        buffers.set(slot, values)
                    }
                }
                for slot in 0..<count {
                    let top = (first + slot) * stripRows, height = min(stripRows, grid.height - top)
                    let values = buffers.take(slot), plane = grid.width * height
                    for row in 0..<height {
                        for band in 0..<bandCount {
                            let source = band * plane + row * grid.width
                            let target = band * blockPlane + pendingRows * grid.width
                            for column in 0..<grid.width { pending[target + column] = values[source + column] }
                        }
                        pendingRows += 1
                        if pendingRows == blockRows || top + row + 1 == grid.height { try flush(endingAt: top + row + 1) }
                    }
                }
                context.progress?(Double(first + count) / Double(strips))
            }
            try dataset.close()
            if output.format == .cog {
                let source = try Dataset.open(gtiffPath)
                let cogOptions = RasterResultWriter.mergedCOGOptions(output.creationOptions, threads: threads, dataType: dataType)
                try Driver("COG").createCopy(path: temporary, from: source, options: cogOptions).close()
            }
        }
    }

    /// One row per point: its row in the source (1-based), place, observed and predicted value, error, kriging
    /// variance, fold; the summary in the last rows' columns would hide it, so it is printed and in the map's metadata.
    static func writeCrossValidation(_ result: CrossValidation.Result, plan: CrossValidation.Plan, sourceRows: [Int], to path: String) throws {
        var text = "point,observed,predicted,error,variance,fold,method,cv\n"
        for index in result.observed.indices {
            let predicted = result.predicted[index]
            text += [String(sourceRows[index] + 1), SurveyTable.cell(result.observed[index]), SurveyTable.cell(predicted),
                     SurveyTable.cell(predicted - result.observed[index]), SurveyTable.cell(result.variance[index]),
                     String(result.fold[index] + 1), SurveyTable.quote(result.method), plan.name].joined(separator: ",") + "\n"
        }
        do { try text.write(toFile: path, atomically: false, encoding: .utf8) } catch {
            throw SoilMapError.invalidInput(path: path, "cannot be written (\(error.localizedDescription))")
        }
    }
}

extension GridStep {
    /// One row per held-out point, in --cv's shape (fold empty, cv "validation"), so both tables can be read alike.
    static func writeValidation(_ result: CrossValidation.Result, sourceRows: [Int], to path: String) throws {
        var text = "point,observed,predicted,error,variance,fold,method,cv\n"
        for index in result.observed.indices {
            let predicted = result.predicted[index]
            text += [String(sourceRows[index] + 1), SurveyTable.cell(result.observed[index]), SurveyTable.cell(predicted),
                     SurveyTable.cell(predicted - result.observed[index]), SurveyTable.cell(result.variance[index]),
                     "", SurveyTable.quote(result.method), "validation"].joined(separator: ",") + "\n"
        }
        do { try text.write(toFile: path, atomically: false, encoding: .utf8) } catch {
            throw SoilMapError.invalidInput(path: path, "cannot be written (\(error.localizedDescription))")
        }
    }
}

/// Held-out survey points (`--validation`): their places in the grid's CRS and their observed values.
struct HeldOutPoints {
    var path: String
    /// Each kept point's row in the source (0-based).
    var rows: [Int]
    var x: [Double]
    var y: [Double]
    var observed: [Double]

    /// Reads the points; a missing or non-numeric field, or a point outside the grid, is an error naming the file.
    init(_ source: PointSource, field: String, gridCRS: String, bounds: Envelope,
         warn: (String) -> Void) throws {
        let points = try SurveyPoints.read(source)
        if points.crsWKT.isEmpty, !gridCRS.isEmpty {
            throw SoilMapError.invalidInput(path: points.path, "the validation points have no CRS: give --points-crs")
        }
        let values = try points.numericValues(of: field)
        let (allX, allY) = try points.coordinates(inCRS: gridCRS)
        path = points.path
        rows = values.indices.filter { values[$0] != nil }
        if rows.count < values.count {
            warn("\(points.path): \(values.count - rows.count) of \(values.count) validation points have no '\(field)' value and are left out")
        }
        guard !rows.isEmpty else { throw SoilMapError.invalidInput(path: points.path, "no validation point has a value of '\(field)'") }
        for row in rows where !(allX[row] >= bounds.minX && allX[row] <= bounds.maxX && allY[row] >= bounds.minY && allY[row] <= bounds.maxY) {
            throw SoilMapError.invalidInput(path: points.path, "validation point \(row + 1) (\(numberText(allX[row])), \(numberText(allY[row]))) lies outside the grid")
        }
        x = rows.map { allX[$0] }
        y = rows.map { allY[$0] }
        observed = rows.map { values[$0]! }
    }

    /// Each point predicted from the fitted points (kriging with the variogram of the map), one after another.
    func predict(algorithm: GridAlgorithm, method: String, field: SurveyField, variogram: VariogramModel?) -> CrossValidation.Result {
        let estimator = PointEstimator(algorithm: algorithm, field: field, variogram: variogram)
        var predicted = [Double](repeating: .nan, count: x.count), variance = predicted
        for index in x.indices {
            estimator.resetSearch()
            (predicted[index], variance[index]) = estimator.estimate(x[index], y[index])
        }
        return CrossValidation.Result(method: method, observed: observed, predicted: predicted, variance: variance,
                                      fold: Array(repeating: -1, count: x.count),
                                      statistics: CrossValidation.Statistics(observed: observed, predicted: predicted))
    }
}

/// Strip results handed from workers to the writer, one slot per strip.
final class StripBuffers: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [[Double]]

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func set(_ slot: Int, _ values: [Double]) {
        lock.lock()
        slots[slot] = values
        lock.unlock()
    }

    func take(_ slot: Int) -> [Double] {
        lock.lock()
        defer { lock.unlock() }
        let values = slots[slot]
        slots[slot] = []
        return values
    }
}
