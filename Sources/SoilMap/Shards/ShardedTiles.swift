import Foundation
import GDAL

/// The tiled engine in a sharded run. A shard computes only the tiles of its rows of tiles, stores them (before
/// any encoding; see `StoredTile`) in a part, and hands them to the step as usual, so the step writes a scratch map
/// holding those rows, which later steps of the shard read. The merge runs the same step again, but the engine takes
/// every tile from the shards' parts instead of computing it: the map, its metadata and its encoding come from
/// the one code path a single run takes, so the bytes are the same.
enum ShardedTiles {
    static func run(shard: StepShard, plan: InputPlan, tiles: TileGrid, outputBandCount: Int, options: EngineOptions,
                    makeKernel: @escaping @Sendable () throws -> TileKernel,
                    consume: (PixelWindow, _ tileIndex: Int, UnsafePointer<Float>, _ planeStride: Int) throws -> Void) throws {
        let call = shard.nextCall()
        switch shard.session.mode {
        case .compute(let spec):
            let tileRows = ShardSpec.ownedTileRows(tileRows: tiles.rows, index: spec.index, count: spec.count)
            let owned = (tileRows.lowerBound * tiles.columns)..<(tileRows.upperBound * tiles.columns)
            let pixelRows = spec.ownedPixelRows(height: tiles.height, tileSize: tiles.tileSize)
            // A map an earlier step of this shard wrote holds real values only in that step's rows.
            for input in plan.inputs {
                guard let valid = shard.session.validRows(of: input.path) else { continue }
                guard !input.needsWarp, pixelRows.isEmpty || (valid.lowerBound <= pixelRows.lowerBound && pixelRows.upperBound <= valid.upperBound) else {
                    throw ShardDeferral(reason: "it reads \(input.path), which this shard holds only in part, on other rows or another grid")
                }
            }
            shard.noteRows(pixelRows)
            try shard.writePart(call: call, kind: .tiles, describe: { part in
                part.width = tiles.width
                part.height = tiles.height
                part.tileSize = tiles.tileSize
                part.bands = outputBandCount
                part.first = owned.lowerBound
                part.end = owned.upperBound
            }) { sink in
                try TileEngine.compute(plan: plan, tiles: tiles, outputBandCount: outputBandCount, options: options, computing: owned,
                                       makeKernel: makeKernel) { window, index, planes, stride in
                    try StoredTile.write(planes: planes, planeStride: stride, bands: outputBandCount, pixels: window.pixelCount, to: sink)
                    try consume(window, index, planes, stride)
                }
            }
        case .assemble(let count):
            guard let parts = shard.session.take("\(shard.step)#\(call)") else {
                // No shard computed this run (the step was left to the merge): computed here.
                try TileEngine.compute(plan: plan, tiles: tiles, outputBandCount: outputBandCount, options: options, computing: nil,
                                       makeKernel: makeKernel, consume: consume)
                return
            }
            let ordered = parts.sorted { $0.shard < $1.shard }
            var next = 0
            for (shardIndex, folder, part) in ordered {
                let path = (folder as NSString).appendingPathComponent(part.file)
                guard part.kind == .tiles, part.width == tiles.width, part.height == tiles.height, part.tileSize == tiles.tileSize,
                      part.bands == outputBandCount else {
                    throw SoilMapError.invalidInput(path: path, "step '\(shard.step)': the shard cut a \(part.width) x \(part.height) map of \(part.bands) bands in tiles of \(part.tileSize), the merge a \(tiles.width) x \(tiles.height) map of \(outputBandCount) in tiles of \(tiles.tileSize) (the pipeline or its inputs changed: run the shards again)")
                }
                guard part.first == next, part.end >= part.first else {
                    throw SoilMapError.invalidInput(path: path, "step '\(shard.step)': shard \(shardIndex) holds tiles \(part.first)..<\(part.end), expected from \(next)")
                }
                next = part.end
            }
            guard ordered.count == count, next == tiles.count else {
                throw SoilMapError.invalidInput(path: shard.session.directory, "step '\(shard.step)': the shards hold \(next) of \(tiles.count) tiles in \(ordered.count) of \(count) parts")
            }
            let planeStride = (tiles.tileSize * tiles.tileSize + 15) / 16 * 16
            var planes = [Float](repeating: 0, count: max(1, outputBandCount * planeStride))
            for (_, folder, part) in ordered {
                let source = try ShardPartSource(folder: folder, part: part)
                for index in part.first..<part.end {
                    let window = tiles.window(index)
                    try planes.withUnsafeMutableBufferPointer { target in
                        try StoredTile.read(from: source, into: target.baseAddress!, planeStride: planeStride, bands: outputBandCount,
                                            pixels: window.pixelCount)
                        try consume(window, index, target.baseAddress!, planeStride)
                    }
                    options.progress?(Double(index + 1) / Double(tiles.count))
                }
                try source.finish()
            }
        }
    }
}

/// A tile as a part stores it: one byte naming the encoding, then every band's values. Bytes when every value is
/// a whole number 0...255 that reads back as exactly the same Float32 (class maps: a quarter of the bytes to write,
/// hash and read again), else the Float32 values as computed.
enum StoredTile {
    static let float32: UInt8 = 0
    static let bytes: UInt8 = 1

    static func write(planes: UnsafePointer<Float>, planeStride: Int, bands: Int, pixels: Int, to sink: ShardPartSink) throws {
        var small = [UInt8](repeating: 0, count: bands * pixels + 1)
        small[0] = bytes
        var fits = true
        small.withUnsafeMutableBufferPointer { target in
            for band in 0..<bands where fits {
                let plane = planes + band * planeStride, line = target.baseAddress! + 1 + band * pixels
                for pixel in 0..<pixels {
                    let value = plane[pixel]
                    // Not NaN, in range, whole, and not -0 (whose bits a byte cannot give back).
                    guard value >= 0, value <= 255, Float(UInt8(value)).bitPattern == value.bitPattern else {
                        fits = false
                        break
                    }
                    line[pixel] = UInt8(value)
                }
            }
        }
        if fits {
            try sink.write(small)
            return
        }
        try sink.write([float32])
        for band in 0..<bands {
            try sink.write(UnsafeRawBufferPointer(start: planes + band * planeStride, count: pixels * MemoryLayout<Float>.stride))
        }
    }

    static func read(from source: ShardPartSource, into planes: UnsafeMutablePointer<Float>, planeStride: Int, bands: Int, pixels: Int) throws {
        var encoding: UInt8 = 0
        try source.read(into: &encoding, count: 1)
        switch encoding {
        case float32:
            // Each band straight into its plane: no buffer between the file and the tile.
            for band in 0..<bands {
                try source.read(into: planes + band * planeStride, count: pixels * MemoryLayout<Float>.stride)
            }
        case bytes:
            let values = try source.read(count: bands * pixels)
            for band in 0..<bands {
                let plane = planes + band * planeStride
                for pixel in 0..<pixels { plane[pixel] = Float(values[band * pixels + pixel]) }
            }
        default:
            throw SoilMapError.invalidInput(path: source.path, "a stored tile has the unknown encoding \(encoding) (damaged, or written by another soilmap): re-run that shard")
        }
    }
}

/// Zonal statistics in a sharded run. The single run folds per-strip partial accumulators (256-row strips) in
/// strip order; a shard computes the strips that lie wholly in its rows and stores their partials exactly, and
/// the merge folds the stored partials with those of the strips no shard could compute (computed there, on the
/// assembled map), in the same order: the same tables to the last bit.
struct ShardedZonal {
    /// The strips this run computes (nil: all).
    let computing: Set<Int>?
    /// Assembling: partials of the strips the shards computed.
    let stored: [Int: [(Int, ZoneAccumulator)]]
    private let shard: StepShard?
    private let call: Int

    /// Not sharded: every strip computed here.
    static let unsharded = ShardedZonal(computing: nil, stored: [:], shard: nil, call: 0)

    private init(computing: Set<Int>?, stored: [Int: [(Int, ZoneAccumulator)]], shard: StepShard?, call: Int) {
        self.computing = computing
        self.stored = stored
        self.shard = shard
        self.call = call
    }

    init(shard: StepShard, grid: RasterGrid, stripRows: Int, stripCount: Int, rasters: [String]) throws {
        self.shard = shard
        call = shard.nextCall()
        switch shard.session.mode {
        case .compute(let spec):
            var rows = spec.ownedPixelRows(height: grid.height, tileSize: ShardSpec.tileSize(height: grid.height, count: spec.count))
            for raster in rasters {
                guard let valid = shard.session.validRows(of: raster) else { continue }
                let lower = max(rows.lowerBound, valid.lowerBound)
                rows = lower..<max(lower, min(rows.upperBound, valid.upperBound))
            }
            computing = Set((0..<stripCount).filter { strip in
                strip * stripRows >= rows.lowerBound && min(grid.height, (strip + 1) * stripRows) <= rows.upperBound
            })
            stored = [:]
        case .assemble:
            var stored: [Int: [(Int, ZoneAccumulator)]] = [:]
            for (_, folder, part) in shard.session.take("\(shard.step)#\(call)") ?? [] {
                let path = (folder as NSString).appendingPathComponent(part.file)
                guard part.kind == .zonal, part.width == grid.width, part.height == grid.height else {
                    throw SoilMapError.invalidInput(path: path, "step '\(shard.step)': zonal partials of a \(part.width) x \(part.height) raster, the merge reads \(grid.width) x \(grid.height) (run the shards again)")
                }
                let source = try ShardPartSource(folder: folder, part: part)
                var reader = ShardBinaryReader(bytes: try source.read(count: Int(part.size)), path: path)
                try source.finish()
                for _ in 0..<(try reader.int()) {
                    let strip = try reader.int(), count = try reader.int()
                    guard (0..<stripCount).contains(strip), stored[strip] == nil else {
                        throw SoilMapError.invalidInput(path: path, "strip \(strip) is not a strip of this raster, or two shards hold it")
                    }
                    var partials: [(Int, ZoneAccumulator)] = []
                    for _ in 0..<count { partials.append((try reader.int(), try ZoneAccumulator.decode(from: &reader))) }
                    stored[strip] = partials
                }
                guard reader.atEnd else { throw SoilMapError.invalidInput(path: path, "shard part is longer than its strips") }
            }
            self.stored = stored
            computing = nil
        }
    }

    /// Computing: stores the partials of the strips computed here, in strip order.
    func store(_ partials: [Int: [(Int, ZoneAccumulator)]], grid: RasterGrid) throws {
        guard let shard, shard.isComputing else { return }
        var writer = ShardBinaryWriter()
        let strips = partials.keys.sorted()
        writer.int(strips.count)
        for strip in strips {
            writer.int(strip)
            writer.int(partials[strip]!.count)
            for (zone, accumulator) in partials[strip]! {
                writer.int(zone)
                accumulator.encode(into: &writer)
            }
        }
        try shard.writePart(call: call, kind: .zonal, describe: { part in
            part.width = grid.width
            part.height = grid.height
            part.strips = strips
        }) { sink in try sink.write(writer.bytes) }
    }
}
