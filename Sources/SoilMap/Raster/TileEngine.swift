import Foundation
import GDAL

/// How the engine runs: threads, tile size, and a progress callback (called on the caller's thread).
public struct EngineOptions: Sendable {
    /// The most worker threads a run takes: more only multiplies the tiles in flight and their memory.
    public static let maxThreads = 256
    /// The smallest tile side: below it the per-tile work costs more than the pixels.
    public static let minTileSize = 16
    /// The engine's own buffers (input planes of each worker, finished tiles waiting to be written, the writer's
    /// row of tiles) are held under this: a larger tile size is reduced until they fit.
    public static let tileMemoryBudget = 1 << 30

    public var threads: Int
    public var tileSize: Int
    /// No tile size was asked for: `tileSize` is a default that the run may replace with the inputs' own block
    /// size (`InputPlan.preferredTileSize`).
    public var tileSizeIsDefault: Bool
    public var progress: (@Sendable (Double) -> Void)?
    /// GDAL's block cache for the run; nil: sized from the inputs (`InputPlan.cacheBytes`). GDAL's default
    /// (5 % of RAM) lets a large run grow to gigabytes of cached blocks, while the engine reads and writes each
    /// block once. Ignored when the user set GDAL_CACHEMAX. Restored after the run.
    public var gdalCacheBytes: Int?
    /// False when someone else (the pipeline runner) sized GDAL's cache for the whole process.
    public var ownsGDALCache = true
    /// A sharded run or its merge (`soilmap run --shard`, `soilmap merge`): the engine computes only this shard's
    /// rows of tiles and stores them, or takes every tile from the shards' stores (`ShardedTiles`).
    public var shard: StepShard?

    /// `tileSize` nil: 512, or the inputs' block size when that reads them better. Values are checked when a run
    /// starts (`validate()`).
    public init(threads: Int = EngineOptions.defaultThreads, tileSize: Int? = nil,
                progress: (@Sendable (Double) -> Void)? = nil, gdalCacheBytes: Int? = nil) {
        self.threads = threads
        self.tileSize = tileSize ?? 512
        self.tileSizeIsDefault = tileSize == nil
        self.progress = progress
        self.gdalCacheBytes = gdalCacheBytes
    }

    /// One thread per core, up to `maxThreads`.
    public static var defaultThreads: Int { min(max(1, ProcessInfo.processInfo.activeProcessorCount), maxThreads) }

    /// Refuses a thread count outside 1...`maxThreads` and a tile smaller than `minTileSize`.
    public func validate() throws {
        guard (1...Self.maxThreads).contains(threads) else {
            throw SoilMapError.invalidArgument("--threads \(threads): use 1...\(Self.maxThreads)")
        }
        guard tileSize >= Self.minTileSize else {
            throw SoilMapError.invalidArgument("--tile-size \(tileSize): use \(Self.minTileSize) or more (pixels per side)")
        }
    }

    /// These options for a run over `plan` writing `outputBands` bands: checked, and the tile size settled. Only a
    /// one-band output takes the inputs' larger blocks: tiles larger than the output's 512 blocks are written
    /// through a buffer of one row of tiles per band (67 MB per band at Sentinel-2 width), which five indices
    /// would take past 300 MB. Then the tile is clamped (`clampedTileSize`); the output does not change.
    func settled(for plan: InputPlan, outputBands: Int) throws -> EngineOptions {
        try validate()
        var options = self
        if let shard {
            // Every run of a sharded pipeline cuts a map of this height the same way (`ShardSpec.tileSize`).
            options.tileSize = ShardSpec.tileSize(height: plan.grid.height, count: shard.session.shardCount)
            options.tileSizeIsDefault = false
            return options
        }
        if tileSizeIsDefault && outputBands == 1 { options.tileSize = plan.preferredTileSize(fallback: tileSize) }
        options.tileSize = Self.clampedTileSize(options.tileSize, width: plan.grid.width, height: plan.grid.height, threads: threads,
                                                valueInputs: plan.inputs.filter { $0.maskRule == nil }.count, outputBands: outputBands)
        options.tileSizeIsDefault = false
        return options
    }

    /// A tile no larger than the raster's larger side rounded up to a multiple of 16 (a larger one only allocates
    /// padding), then reduced in steps of 16 until the engine's buffers fit `tileMemoryBudget`.
    static func clampedTileSize(_ tileSize: Int, width: Int, height: Int, threads: Int, valueInputs: Int, outputBands: Int) -> Int {
        var size = min(tileSize, (max(width, height, 1) + 15) / 16 * 16)
        while size > minTileSize && bufferBytes(tileSize: size, width: width, threads: threads, valueInputs: valueInputs,
                                                outputBands: outputBands) > tileMemoryBudget {
            size = max(minTileSize, (size - 1) / 16 * 16)
        }
        return size
    }

    /// The engine's buffers that grow with the tile: per worker, one Float64 plane per value input plus the mask's;
    /// up to 2 x threads finished tiles of Float32 output planes; the writer's row of tiles.
    static func bufferBytes(tileSize: Int, width: Int, threads: Int, valueInputs: Int, outputBands: Int) -> Int {
        let plane = (tileSize * tileSize + 15) / 16 * 16
        return plane * (threads * (valueInputs + 1) * 8 + 2 * threads * outputBands * 4) + tileSize * width * outputBands * 4
    }

    /// Runs `body` with the run's GDAL cache size.
    func withGDALCache<R>(defaultBytes: Int, _ body: () throws -> R) rethrows -> R {
        guard ownsGDALCache, ProcessInfo.processInfo.environment["GDAL_CACHEMAX"] == nil else { return try body() }
        let previous = GDALRuntime.cacheMaxBytes
        GDALRuntime.cacheMaxBytes = gdalCacheBytes ?? defaultBytes
        defer { GDALRuntime.cacheMaxBytes = previous }
        return try body()
    }
}

/// Computes output planes from input planes, one tile at a time. Each worker thread gets its own kernel,
/// so a kernel may keep scratch memory.
public protocol TileKernel: AnyObject {
    /// `inputs` holds one Float64 plane per value input of the plan (reflectance, NaN where there is no value),
    /// `outputs` one Float32 plane per output band, each `planeStride` values apart (`planeStride` >= the window's
    /// pixels, rounded up to a multiple of 16).
    func compute(window: PixelWindow, inputs: UnsafePointer<Double>, outputs: UnsafeMutablePointer<Float>, planeStride: Int)
}

/// The tiled engine: worker threads read and compute tiles (each with its own GDAL handles), and the calling
/// thread receives finished tiles strictly in tile order. At most `2 x threads` tiles are in flight, so memory
/// is bounded by threads x tile size, whatever the raster's size. Results do not depend on the thread count:
/// each tile is computed the same way whichever thread takes it, and consumed in the same order.
public enum TileEngine {
    public static func run(plan: InputPlan, outputBandCount: Int, options: EngineOptions,
                           makeKernel: @escaping @Sendable () throws -> TileKernel,
                           consume: (PixelWindow, _ tileIndex: Int, UnsafePointer<Float>, _ planeStride: Int) throws -> Void) throws {
        let tiles = TileGrid(width: plan.grid.width, height: plan.grid.height, tileSize: options.tileSize)
        if let shard = options.shard {
            try ShardedTiles.run(shard: shard, plan: plan, tiles: tiles, outputBandCount: outputBandCount, options: options,
                                 makeKernel: makeKernel, consume: consume)
            return
        }
        try compute(plan: plan, tiles: tiles, outputBandCount: outputBandCount, options: options, computing: nil,
                    makeKernel: makeKernel, consume: consume)
    }

    /// The engine proper. `computing`: only these tiles are read, computed and handed to `consume` (a shard's
    /// rows of tiles; the other shards' tiles cost it nothing); nil: every tile.
    static func compute(plan: InputPlan, tiles: TileGrid, outputBandCount: Int, options: EngineOptions, computing: Range<Int>?,
                        makeKernel: @escaping @Sendable () throws -> TileKernel,
                        consume: (PixelWindow, _ tileIndex: Int, UnsafePointer<Float>, _ planeStride: Int) throws -> Void) throws {
        let valueInputCount = plan.inputs.filter { $0.maskRule == nil }.count
        let planeStride = (options.tileSize * options.tileSize + 15) / 16 * 16
        let indices = computing.map { $0.clamped(to: 0..<tiles.count) } ?? 0..<tiles.count
        let workers = min(options.threads, indices.count)
        let sharedBlocks = plan.sharedBlockBudget(tileSize: options.tileSize, threads: workers).map { SharedBlockCache(budgetBytes: $0) }
        try OrderedParallelMap.run(count: indices.count, threads: workers, maxInFlight: options.threads * 2, makeWorker: {
            let reader = try InputReader(plan: plan, tileSize: tiles.tileSize, sharedBlocks: sharedBlocks)
            let kernel = try makeKernel()
            let scratch = WorkerScratch(doubles: max(valueInputCount, 1) * planeStride + planeStride)
            let inputs = scratch.doubles, mask = scratch.doubles + max(valueInputCount, 1) * planeStride
            return { item in
                let window = tiles.window(indices.lowerBound + item)
                try reader.read(window: window, into: inputs, planeStride: planeStride, maskScratch: mask)
                return [Float](unsafeUninitializedCapacity: outputBandCount * planeStride) { buffer, initialized in
                    _ = scratch
                    kernel.compute(window: window, inputs: inputs, outputs: buffer.baseAddress!, planeStride: planeStride)
                    initialized = outputBandCount * planeStride
                }
            }
        }, consume: { item, result in
            let index = indices.lowerBound + item
            try result.withUnsafeBufferPointer { buffer in
                try consume(tiles.window(index), index, buffer.baseAddress!, planeStride)
            }
            options.progress?(Double(item + 1) / Double(indices.count))
        })
    }
}

/// Memory a worker thread keeps for its whole run (input planes, mask scratch), zeroed once, freed with it.
final class WorkerScratch {
    let doubles: UnsafeMutablePointer<Double>
    init(doubles count: Int) {
        doubles = .allocate(capacity: count)
        doubles.initialize(repeating: 0, count: count)
    }
    deinit { doubles.deallocate() }
}

/// The one parallel loop of the engine and of zonal statistics: `threads` worker threads take item indices in
/// order, each with state of its own made once by `makeWorker` (GDAL handles are per thread in GDAL 3.6), and the
/// calling thread consumes the results strictly in index order. At most `maxInFlight` items run ahead of the
/// consumer, which bounds memory; the first error, from a worker or from `consume`, stops everyone. Results do
/// not depend on the thread count: each item is computed the same way whichever thread takes it, and consumed in
/// the same order.
enum OrderedParallelMap {
    static func run<Result: Sendable>(count: Int, threads: Int, maxInFlight: Int,
                                      makeWorker: @escaping @Sendable () throws -> (Int) throws -> Result,
                                      consume: (Int, Result) throws -> Void) throws {
        let scheduler = OrderedScheduler<Result>(count: count, maxInFlight: max(1, maxInFlight))
        let group = DispatchGroup()
        for _ in 0..<max(1, min(threads, count)) {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let work = try makeWorker()
                    while let index = scheduler.nextTile() { scheduler.finish(index, try work(index)) }
                } catch {
                    scheduler.cancel(error)
                }
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
        defer { group.wait() }
        do {
            for index in 0..<count { try consume(index, try scheduler.waitForResult(index)) }
        } catch {
            scheduler.cancel(error)
            throw error
        }
    }
}

/// Hands out work item indices to workers and gives finished results back in index order; stops everyone on the
/// first error. At most `maxInFlight` items are started ahead of the consumer, which bounds memory.
final class OrderedScheduler<Result: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let tileCount: Int
    private let maxInFlight: Int
    private var nextToStart = 0
    private var nextToConsume = 0
    private var finished: [Int: Result] = [:]
    private var failure: Error?

    init(count: Int, maxInFlight: Int) {
        self.tileCount = count
        self.maxInFlight = maxInFlight
    }

    /// The next tile to compute, or nil when all are taken or the run failed. Waits while too many are in flight.
    func nextTile() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil, nextToStart < tileCount, nextToStart - nextToConsume >= maxInFlight { condition.wait() }
        guard failure == nil, nextToStart < tileCount else { return nil }
        nextToStart += 1
        return nextToStart - 1
    }

    func finish(_ index: Int, _ result: Result) {
        condition.lock()
        finished[index] = result
        condition.broadcast()
        condition.unlock()
    }

    func cancel(_ error: Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for item `index`, in order; throws the first worker error.
    func waitForResult(_ index: Int) throws -> Result {
        condition.lock()
        defer { condition.unlock() }
        while finished[index] == nil, failure == nil { condition.wait() }
        if let failure { throw failure }
        let planes = finished.removeValue(forKey: index)!
        nextToConsume = index + 1
        condition.broadcast()
        return planes
    }
}
