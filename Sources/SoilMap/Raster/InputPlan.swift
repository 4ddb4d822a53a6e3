import Foundation
import GDAL

/// An input band ready for the engine: where to read it, how to turn stored values into reflectance, and
/// whether it must be warped onto the reference grid first. A value, so it can cross to worker threads.
public struct PlannedInput: Sendable, Hashable {
    public var path: String
    public var band: Int
    public var scale: Double
    public var offset: Double
    /// Added to the stored value before `scale` (Sentinel-2's BOA_ADD_OFFSET); 0 for most inputs.
    public var storedOffset: Double = 0
    public var noData: Double?
    /// False when the file is already on the reference grid.
    public var needsWarp: Bool
    public var resampling: String
    /// Set for the mask input only.
    public var maskRule: MaskSource.Rule?
    /// The band's natural blocks and stored type: how the file is best read.
    public var blockWidth = 0
    public var blockHeight = 0
    public var dataType = DataType.float32
    /// The file's width, for the size of a row of its blocks.
    public var fileWidth = 0

    /// How the engine reads this input in tiles of `tileSize` (aligned at the origin).
    func access(tileSize: Int?) -> BlockAccess {
        guard let tileSize, !needsWarp, maskRule == nil, blockWidth > 0, blockHeight > 0, dataType.widensExactly else { return .window }
        if tileSize % blockWidth == 0 && tileSize % blockHeight == 0 { return .wholeBlocks }
        if blockWidth % tileSize == 0 && blockHeight % tileSize == 0 { return .sharedBlocks }
        return .window
    }

    /// Bytes of one decoded block.
    var blockBytes: Int { blockWidth * blockHeight * dataType.byteSize }
}

/// How an input is read for a tile.
enum BlockAccess {
    /// GDALRasterIO of the tile's window (warped inputs, strips, blocks not aligned with the tiles, masks).
    case window
    /// The tile is a whole number of blocks, each read once, by the worker computing the tile.
    case wholeBlocks
    /// A block holds several tiles: decoded once into the run's `SharedBlockCache`, used by every tile in it.
    case sharedBlocks
}

extension DataType {
    /// Read by blocks and widened to Float64 exactly by the engine; other types go through GDAL's conversion.
    var widensExactly: Bool {
        switch self {
        case .byte, .uint16, .int16, .uint32, .int32, .float32, .float64: return true
        default: return false
        }
    }
}

/// The reference grid and every input aligned to it.
public struct InputPlan: Sendable {
    public var grid: RasterGrid
    public var inputs: [PlannedInput]
    /// Index into `inputs` of the mask, if any.
    public var maskIndex: Int?
    /// GDAL block cache for a tiled run: 32 MB (blocks in flight, output blocks waiting for compression), plus,
    /// for every input read by windows (strips, blocks not aligned with the tiles, masks), the rows of its blocks
    /// that one row of tiles touches: each is read by several tiles, and decoding it again when the cache has
    /// dropped it doubles the run's time.
    func cacheBytes(tileSize: Int) -> Int {
        var bytes = 32 << 20
        for input in inputs where !input.needsWarp && input.access(tileSize: tileSize) == .window && input.blockHeight > 0 {
            let blockRows = (tileSize + input.blockHeight - 1) / input.blockHeight + 1
            let rowWidth = (input.fileWidth + input.blockWidth - 1) / input.blockWidth * input.blockWidth
            bytes += blockRows * input.blockHeight * rowWidth * input.dataType.byteSize
        }
        return bytes
    }

    /// The shared block cache for a run in tiles of `tileSize`: for each input whose blocks hold several tiles,
    /// a row of its blocks plus the blocks that tiles in flight may start on the next row. Tiles go row by row,
    /// so a block is done with once the tiles of its last line of tiles are; nil when no input needs it.
    func sharedBlockBudget(tileSize: Int, threads: Int) -> Int? {
        let shared = inputs.filter { $0.access(tileSize: tileSize) == .sharedBlocks }
        guard !shared.isEmpty else { return nil }
        return shared.reduce(0) { total, input in
            let blocksPerRow = (input.fileWidth + input.blockWidth - 1) / input.blockWidth
            return total + (blocksPerRow + 2 * threads + 2) * input.blockBytes
        }
    }

    /// The tile size when the user chose none. The value inputs' common block size, when they all are on the
    /// grid in square blocks of one size that is a multiple of `fallback`, up to 1024 (Sentinel-2 COGs; larger
    /// tiles would take memory past 300 MB on a 2-core run, for little gain): each tile is then whole
    /// blocks, read and decoded once, straight from the file. Otherwise `fallback`, itself a whole number of the
    /// 256 and 512 blocks of most tiled files.
    public func preferredTileSize(fallback: Int) -> Int {
        let values = inputs.filter { $0.maskRule == nil }
        guard let first = values.first, first.blockWidth == first.blockHeight,
              values.allSatisfy({ !$0.needsWarp && $0.blockWidth == first.blockWidth && $0.blockHeight == first.blockHeight }),
              first.blockWidth > fallback, first.blockWidth <= 1024, first.blockWidth % fallback == 0
        else { return fallback }
        return first.blockWidth
    }

    /// Opens every input once, checks bands exist, chooses the reference grid (the finest pixel size among the
    /// value inputs, the first of them on a tie) and decides which inputs need GDAL's warper.
    /// Scale and offset: `scale`/`offset` when given, else the source's own conversion (a product's metadata),
    /// else the band's own metadata, else 1 and 0.
    public static func make(sources: [BandSource], mask: MaskSource?, scale: Double?, offset: Double?,
                            noData: Double? = nil, resampling: String = "near") throws -> InputPlan {
        guard !sources.isEmpty else { throw SoilMapError.invalidArgument("no input bands given") }
        struct Opened { var source: BandSource; var dataset: Dataset; var band: RasterBand }
        var opened: [Opened] = []
        for source in sources {
            // A truncated copy fails only when the run reaches its missing tiles: refused before anything is read.
            if !opened.contains(where: { $0.source.path == source.path }) { try GeoTIFFIntegrity.requireIntact(source.path) }
            let dataset = try Dataset.open(source.path, kind: .raster)
            let band = try dataset.band(source.band)
            guard dataset.geoTransform != nil || sources.count == 1 else {
                throw SoilMapError.invalidInput(path: source.path, "has no geotransform, so it cannot be aligned with the other bands")
            }
            opened.append(Opened(source: source, dataset: dataset, band: band))
        }
        func pixelArea(_ dataset: Dataset) -> Double {
            guard let transform = dataset.geoTransform else { return .infinity }
            return abs(transform.pixelWidth * transform.pixelHeight - transform.rowRotation * transform.columnRotation)
        }
        let firstCRS = opened[0].dataset.spatialReference
        let comparable = opened.filter { entry in
            guard let first = firstCRS, let crs = entry.dataset.spatialReference else { return firstCRS == nil }
            return crs.isSame(as: first)
        }
        let reference = comparable.min { pixelArea($0.dataset) < pixelArea($1.dataset) }!
        let grid: RasterGrid
        if reference.dataset.geoTransform != nil {
            grid = try reference.dataset.grid()
        } else {
            grid = RasterGrid(width: reference.dataset.width, height: reference.dataset.height,
                              geoTransform: GeoTransform(originX: 0, pixelWidth: 1, originY: 0, pixelHeight: 1), crsWKT: "")
        }
        let referenceCRS = reference.dataset.spatialReference

        func plan(_ dataset: Dataset, band: RasterBand, path: String, bandNumber: Int, rule: MaskSource.Rule?,
                  resampling: String, conversion: ReflectanceConversion? = nil) throws -> PlannedInput {
            let aligned = try isOnGrid(dataset, grid: grid, referenceCRS: referenceCRS)
            if !aligned { try checkCanAlign(dataset, path: path, grid: grid, referenceCRS: referenceCRS) }
            // A scale or offset given for the run replaces the band's own conversion as a whole.
            let ownConversion = scale == nil && offset == nil ? conversion : nil
            let bandScale = rule == nil ? (scale ?? ownConversion?.scale ?? band.scale ?? 1) : 1
            let bandOffset = rule == nil ? (offset ?? ownConversion?.offset ?? band.offset ?? 0) : 0
            let block = band.blockSize
            return PlannedInput(path: path, band: bandNumber, scale: bandScale, offset: bandOffset,
                                storedOffset: rule == nil ? ownConversion?.storedOffset ?? 0 : 0,
                                noData: rule == nil ? (band.noDataValue ?? noData) : band.noDataValue,
                                needsWarp: !aligned, resampling: resampling, maskRule: rule,
                                blockWidth: block.width, blockHeight: block.height, dataType: band.dataType,
                                fileWidth: dataset.width)
        }

        var inputs = try opened.map { entry in
            try plan(entry.dataset, band: entry.band, path: entry.source.path, bandNumber: entry.source.band, rule: nil,
                     resampling: resampling, conversion: entry.source.conversion)
        }
        var maskIndex: Int?
        if let mask {
            if !sources.contains(where: { $0.path == mask.path }) { try GeoTIFFIntegrity.requireIntact(mask.path) }
            let dataset = try Dataset.open(mask.path, kind: .raster)
            let band = try dataset.band(mask.band)
            // Mask classes must never be blended: always nearest neighbour.
            inputs.append(try plan(dataset, band: band, path: mask.path, bandNumber: mask.band, rule: mask.rule, resampling: "near"))
            maskIndex = inputs.count - 1
        }
        return InputPlan(grid: grid, inputs: inputs, maskIndex: maskIndex)
    }

    private static func isOnGrid(_ dataset: Dataset, grid: RasterGrid, referenceCRS: SpatialReference?) throws -> Bool {
        guard dataset.width == grid.width, dataset.height == grid.height else { return false }
        guard let transform = dataset.geoTransform else { return grid.crsWKT.isEmpty }
        let tolerance = 1e-6 * max(abs(grid.geoTransform.pixelWidth), abs(grid.geoTransform.pixelHeight))
        let a = transform.coefficients, b = grid.geoTransform.coefficients
        guard zip(a, b).allSatisfy({ abs($0 - $1) <= tolerance }) else { return false }
        switch (dataset.spatialReference, referenceCRS) {
        case (nil, nil): return true
        case (let mine?, let reference?): return mine.isSame(as: reference)
        default: return false
        }
    }

    private static func checkCanAlign(_ dataset: Dataset, path: String, grid: RasterGrid, referenceCRS: SpatialReference?) throws {
        guard let crs = dataset.spatialReference, let referenceCRS else {
            throw SoilMapError.invalidInput(path: path, "is on another grid than the reference and has no CRS (or the reference has none), so it cannot be aligned")
        }
        guard let bounds = dataset.bounds else {
            throw SoilMapError.invalidInput(path: path, "has no geotransform, so it cannot be aligned")
        }
        let inReference: Envelope
        do {
            inReference = try CoordinateTransformation(from: crs, to: referenceCRS).transform(bounds)
        } catch {
            throw SoilMapError.invalidInput(path: path, "its CRS (\(crs.name)) cannot be transformed to the reference grid's (\(referenceCRS.name))")
        }
        guard inReference.intersects(grid.bounds) else {
            throw SoilMapError.invalidInput(path: path, "does not overlap the reference grid (its extent in the reference CRS: \(format(inReference)); the grid's: \(format(grid.bounds)))")
        }
    }

    private static func format(_ envelope: Envelope) -> String {
        String(format: "%.6g %.6g %.6g %.6g", envelope.minX, envelope.minY, envelope.maxX, envelope.maxY)
    }
}
