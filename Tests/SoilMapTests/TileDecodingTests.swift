import Foundation
import Testing
import GDAL
@testable import SoilMap
import TIFF

/// The engine's direct decoder for tiled GeoTIFFs (`TIFFTileReader`) against GDAL reading the same files: every
/// value of every tile, edge tiles included, must be what GDAL returns, and layouts it does not take must be left
/// to GDAL. The data are the real Landsat sample's red and nir bands, stretched over each type's range so that
/// the horizontal predictor's differences wrap around.
@Suite struct TileDecodingTests {
    /// The sample's band `band` (0...255) mapped linearly onto `range`, rounded for integer types.
    static func stretched(band: Int, range: ClosedRange<Double>, type: DataType) throws -> [Double] {
        let values = try Dataset.open(Repository.landsat).band(band).readAll(as: Double.self)
        return values.map { value in
            let stretched = range.lowerBound + value / 255 * (range.upperBound - range.lowerBound)
            return type.isInteger ? stretched.rounded() : stretched
        }
    }

    /// Writes `values` (349 x 352, the sample's grid) as `type` with `options`, through GDAL.
    static func write(_ path: String, values: [[Double]], type: DataType, options: [String]) throws {
        let source = try Dataset.open(Repository.landsat)
        let dataset = try Driver("GTiff").createRaster(path: path, width: source.width, height: source.height,
                                                       bandCount: values.count, dataType: type, options: options)
        try dataset.setGeoTransform(source.geoTransform!)
        try dataset.setSpatialReference(source.spatialReference!)
        for (index, plane) in values.enumerated() {
            try dataset.band(index + 1).write(window: PixelWindow(width: source.width, height: source.height), from: plane)
        }
        try dataset.close()
    }

    static let ranges: [DataType: ClosedRange<Double>] = [
        .byte: 0...255, .uint16: 0...65535, .int16: -32768...32767, .uint32: 0...4_294_967_295,
        .int32: -2_147_483_648...2_147_483_647, .float32: -1...1, .float64: -1e6...1e6,
    ]

    struct Layout: CustomTestStringConvertible, Sendable {
        var type: DataType
        var options: [String]
        var testDescription: String { "\(type.name) \(options.joined(separator: " "))" }
    }

    static let decodedLayouts: [Layout] = [
        Layout(type: .uint16, options: ["COMPRESS=DEFLATE", "PREDICTOR=2"]),   // Sentinel-2 L2A, Landsat C2
        Layout(type: .int16, options: ["COMPRESS=ZSTD", "PREDICTOR=2"]),
        Layout(type: .byte, options: ["COMPRESS=NONE"]),
        Layout(type: .byte, options: ["COMPRESS=DEFLATE", "PREDICTOR=2"]),
        Layout(type: .uint32, options: ["COMPRESS=ZSTD", "PREDICTOR=2"]),
        Layout(type: .int32, options: ["COMPRESS=DEFLATE", "PREDICTOR=2", "ZLEVEL=9"]),
        Layout(type: .float32, options: ["COMPRESS=DEFLATE"]),
        Layout(type: .float64, options: ["COMPRESS=ZSTD", "ZSTD_LEVEL=1"]),
        Layout(type: .float32, options: ["COMPRESS=ZSTD", "PREDICTOR=3"]),                 // the trend benchmark's inputs
        Layout(type: .float32, options: ["COMPRESS=DEFLATE", "PREDICTOR=3"]),
        Layout(type: .float64, options: ["COMPRESS=ZSTD", "PREDICTOR=3"]),
        Layout(type: .uint16, options: ["COMPRESS=DEFLATE", "PREDICTOR=2", "BIGTIFF=YES"]),
    ]

    /// The sample's nir band stretched for `layout.type`, written `copies` times as the bands of one file.
    static func write(_ path: String, layout: Layout, copies: Int = 1, extraOptions: [String] = []) throws {
        let plane = try stretched(band: 4, range: ranges[layout.type]!, type: layout.type)
        try write(path, values: Array(repeating: plane, count: copies), type: layout.type, options: extraOptions + layout.options)
    }

    @Test(arguments: decodedLayouts)
    func everyTileDecodesToWhatGDALReads(layout: Layout) throws {
        let directory = TemporaryDirectory()
        let path = directory.path("band.tif")
        try Self.write(path, layout: layout, extraOptions: ["TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64"])
        let band = try Dataset.open(path).band(1)
        let reader = try #require(TIFFTileReader.open(path: path, band: 1, width: band.width, height: band.height, type: band.dataType))
        #expect(reader.tileWidth == 64 && reader.tileHeight == 64)
        try expectTilesMatch(reader: reader, band: band)
    }

    /// A multi-band file with bands in separate planes (INTERLEAVE=BAND): each band is its own set of tiles.
    @Test func bandInterleavedStackDecodesEachBand() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("stack.tif")
        let planes = try [3, 4, 5].map { try Self.stretched(band: $0, range: 0...10000, type: .uint16) }
        try Self.write(path, values: planes, type: .uint16,
                       options: ["TILED=YES", "BLOCKXSIZE=128", "BLOCKYSIZE=128", "COMPRESS=DEFLATE", "PREDICTOR=2", "INTERLEAVE=BAND"])
        let dataset = try Dataset.open(path)
        for number in 1...3 {
            let band = try dataset.band(number)
            let reader = try #require(TIFFTileReader.open(path: path, band: number, width: band.width, height: band.height, type: .uint16))
            try expectTilesMatch(reader: reader, band: band)
        }
    }

    private func expectTilesMatch(reader: TIFFTileReader, band: RasterBand) throws {
        let size = reader.tileWidth
        var mismatches = 0, tiles = 0
        let decoded = UnsafeMutableRawPointer.allocate(byteCount: reader.decodedTileBytes, alignment: 64)
        let values = UnsafeMutablePointer<Double>.allocate(capacity: size * size)
        defer { decoded.deallocate(); values.deallocate() }
        for row in 0..<((band.height + size - 1) / size) {
            for column in 0..<((band.width + size - 1) / size) {
                let window = PixelWindow(column: column * size, row: row * size, width: min(size, band.width - column * size),
                                         height: min(size, band.height - row * size))
                decoded.initializeMemory(as: UInt8.self, repeating: 0xA5, count: reader.decodedTileBytes)
                #expect(reader.decode(column: column, row: row, into: decoded))
                InputReader.widen(decoded, type: band.dataType, blockWidth: size,
                                  part: PixelWindow(width: window.width, height: window.height), into: values, lineStride: window.width)
                let expected = try band.read(window: window, as: Double.self)
                for index in 0..<window.pixelCount where values[index] != expected[index] { mismatches += 1 }
                tiles += 1
            }
        }
        #expect(tiles == (band.width + size - 1) / size * ((band.height + size - 1) / size))
        #expect(mismatches == 0)
    }

    static let layoutsLeftToGDAL: [Layout] = [
        Layout(type: .uint16, options: ["TILED=YES", "COMPRESS=LZW", "PREDICTOR=2"]),
        Layout(type: .float32, options: ["TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=3", "ENDIANNESS=BIG"]),
        Layout(type: .float32, options: ["TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2"]),
        Layout(type: .uint16, options: ["TILED=YES", "COMPRESS=DEFLATE", "ENDIANNESS=BIG"]),
        Layout(type: .uint16, options: ["COMPRESS=DEFLATE", "PREDICTOR=2"]),              // strips
        Layout(type: .uint16, options: ["TILED=YES", "COMPRESS=DEFLATE", "INTERLEAVE=PIXEL"]),
    ]

    @Test(arguments: layoutsLeftToGDAL)
    func otherLayoutsAreLeftToGDAL(layout: Layout) throws {
        let directory = TemporaryDirectory()
        let path = directory.path("band.tif")
        try Self.write(path, layout: layout, copies: 2)
        let band = try Dataset.open(path).band(2)
        #expect(TIFFTileReader.open(path: path, band: 2, width: band.width, height: band.height, type: band.dataType) == nil)
        // And a type that is not GDAL's for the band is refused too.
        if layout.type == .uint16 {
            #expect(TIFFTileReader.open(path: path, band: 1, width: band.width, height: band.height, type: .int16) == nil)
        }
    }

    /// A tile never written (SPARSE_OK) has no bytes in the file: GDAL reads it as nodata, so the decoder declines
    /// it and the engine's result there is nodata, as it is when GDAL reads everything.
    @Test func sparseTilesAreReadThroughGDAL() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("sparse.tif")
        let dataset = try Driver("GTiff").createRaster(path: path, width: 128, height: 64, bandCount: 1, dataType: .uint16,
                                                       options: ["TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64", "COMPRESS=DEFLATE",
                                                                 "PREDICTOR=2", "SPARSE_OK=TRUE"])
        try dataset.setGeoTransform(GeoTransform(originX: 500_000, pixelWidth: 10, originY: 1_000_000, pixelHeight: -10))
        try dataset.setSpatialReference(try SpatialReference(epsg: 32648))
        let band = try dataset.band(1)
        try band.setNoDataValue(0)
        try band.write(window: PixelWindow(column: 0, row: 0, width: 64, height: 64), from: [UInt16](repeating: 1200, count: 64 * 64))
        try dataset.close()

        let reopened = try Dataset.open(path).band(1)
        let reader = try #require(TIFFTileReader.open(path: path, band: 1, width: 128, height: 64, type: .uint16))
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: reader.decodedTileBytes, alignment: 64)
        defer { buffer.deallocate() }
        #expect(reader.decode(column: 0, row: 0, into: buffer))
        let decoded = buffer.assumingMemoryBound(to: UInt16.self)
        #expect(decoded[0] == 1200 && decoded[64 * 64 - 1] == 1200)
        #expect(!reader.decode(column: 1, row: 0, into: buffer))
        #expect(try reopened.read(window: PixelWindow(column: 64, row: 0, width: 64, height: 64), as: UInt16.self).allSatisfy { $0 == 0 })

        let output = directory.path("out.tif")
        let request = IndexRequest(outputs: [try IndexOutput.expression("v=b*2")], sources: [BandSource(role: "b", path: path)],
                                   mask: nil, scale: nil, offset: nil)
        try IndexJob.run(request, to: output, engine: EngineOptions(threads: 2, tileSize: 64))
        let result = try readBand(output)
        #expect(result[0] == 2400 && result[63] == 2400)
        #expect(result[64] == -9999 && result[127] == -9999)
    }

    /// The whole engine: NDVI of red and nir stored as tiled DEFLATE with the predictor (decoded directly) is byte
    /// for byte the file written when the same values are stored as LZW (read through GDAL), for tiles equal to
    /// the blocks, tiles of four blocks, tiles not aligned to them, and one or two threads.
    @Test func indexOutputIsTheSameWhicheverReaderDecodes() throws {
        let directory = TemporaryDirectory()
        for (name, options) in [("direct", ["COMPRESS=DEFLATE", "PREDICTOR=2"]), ("gdal", ["COMPRESS=LZW", "PREDICTOR=2"])] {
            for (role, number) in [("red", 3), ("nir", 4)] {
                let plane = try Self.stretched(band: number, range: 0...10000, type: .uint16)
                try Self.write(directory.path("\(name)-\(role).tif"), values: [plane], type: .uint16,
                               options: ["TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64"] + options)
            }
        }
        var outputs: [Data] = []
        for (name, tileSize, threads) in [("gdal", 64, 2), ("direct", 64, 2), ("direct", 128, 1), ("direct", 128, 2), ("direct", 96, 2)] {
            let request = IndexRequest(outputs: [try IndexOutput.catalogue("NDVI")],
                                       sources: [BandSource(role: "red", path: directory.path("\(name)-red.tif")),
                                                 BandSource(role: "nir", path: directory.path("\(name)-nir.tif"))],
                                       mask: nil, scale: 0.0001, offset: nil)
            let output = directory.path("ndvi-\(name)-\(tileSize)-\(threads).tif")
            try IndexJob.run(request, to: output, engine: EngineOptions(threads: threads, tileSize: tileSize))
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: output)))
        }
        #expect(outputs.allSatisfy { $0 == outputs[0] })
        // Not a file of nodata: the values are NDVI of the real sample.
        let values = try readBand(directory.path("ndvi-direct-64-2.tif"))
        #expect(values.filter { $0 != -9999 }.count > 100_000)
        #expect(values.contains { $0 > 0.3 } && values.contains { $0 < 0 })
    }

    private static func plan(_ directory: TemporaryDirectory, blocks options: [String]) throws -> InputPlan {
        let path = directory.path("b-\(UUID().uuidString.prefix(6)).tif")
        try write(path, layout: Layout(type: .uint16, options: options))
        return try InputPlan.make(sources: [BandSource(role: "b", path: path)], mask: nil, scale: nil, offset: nil)
    }

    /// Without --tile-size the engine works in the inputs' blocks when they are square 1024 blocks (Sentinel-2
    /// COGs); otherwise in 512 tiles.
    @Test func defaultTileSizeFollowsLargeSquareBlocks() throws {
        let directory = TemporaryDirectory()
        func preferred(_ options: [String]) throws -> Int {
            try Self.plan(directory, blocks: options).preferredTileSize(fallback: 512)
        }
        #expect(try preferred(["TILED=YES", "BLOCKXSIZE=1024", "BLOCKYSIZE=1024"]) == 1024)
        #expect(try preferred(["TILED=YES", "BLOCKXSIZE=2048", "BLOCKYSIZE=2048"]) == 512)  // memory
        #expect(try preferred(["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"]) == 512)
        #expect(try preferred(["TILED=YES", "BLOCKXSIZE=1024", "BLOCKYSIZE=512"]) == 512)
        #expect(try preferred(["TILED=YES", "BLOCKXSIZE=4096", "BLOCKYSIZE=4096"]) == 512)
        #expect(try preferred(["TILED=YES", "BLOCKXSIZE=768", "BLOCKYSIZE=768"]) == 512)
        #expect(try preferred([]) == 512)  // strips

        // The map is the same either way: 1024 tiles (whole blocks), smaller tiles sharing decoded blocks between
        // 1, 2 or 4 workers, decoded directly (DEFLATE) or by GDAL (LZW), and 1024 blocks read as 64 blocks.
        var outputs: [Data] = []
        for (codec, blocks) in [("DEFLATE", 1024), ("LZW", 1024), ("DEFLATE", 64)] {
            let source = directory.path("blocks-\(codec)-\(blocks).tif")
            try Self.write(source, layout: Layout(type: .uint16, options: ["TILED=YES", "BLOCKXSIZE=\(blocks)", "BLOCKYSIZE=\(blocks)",
                                                                             "COMPRESS=\(codec)", "PREDICTOR=2"]))
            for (tileSize, threads) in [(nil, 2), (64, 2), (256, 4), (512, 1)] as [(Int?, Int)] {
                let output = directory.path("v-\(codec)-\(blocks)-\(tileSize ?? 0)-\(threads).tif")
                let request = IndexRequest(outputs: [try IndexOutput.expression("v=b/255")], sources: [BandSource(role: "b", path: source)])
                try IndexJob.run(request, to: output, engine: EngineOptions(threads: threads, tileSize: tileSize))
                outputs.append(try Data(contentsOf: URL(fileURLWithPath: output)))
            }
        }
        #expect(outputs.count == 12 && outputs.allSatisfy { $0 == outputs[0] })
        // And that one map holds the values: v = b / 255 of every pixel as GDAL reads the source.
        let source: [UInt16] = try Dataset.open(directory.path("blocks-DEFLATE-1024.tif")).band(1).readAll()
        let map = try readBand(directory.path("v-DEFLATE-1024-0-2.tif"))
        #expect(map.count == source.count && map == source.map { Float(Double($0) / 255) })
    }

    /// GDAL's block cache holds the rows of blocks that one row of tiles reads, for every input whose blocks are
    /// not whole tiles, so that no block is decoded twice.
    @Test func blockCacheHoldsWhatARowOfTilesReads() throws {
        let directory = TemporaryDirectory()
        let base = 32 << 20
        // 1024 blocks, one across the 349-pixel-wide sample: a row of 512 tiles touches two block rows at most.
        // 1024 blocks hold four 512 tiles: decoded once into the shared block cache, nothing for GDAL's. The shared
        // cache holds a row of blocks (one, across the 349-pixel-wide sample) and 2 x threads + 2 more.
        let big = try Self.plan(directory, blocks: ["TILED=YES", "BLOCKXSIZE=1024", "BLOCKYSIZE=1024"])
        #expect(big.cacheBytes(tileSize: 512) == base)
        #expect(big.cacheBytes(tileSize: 1024) == base)
        #expect(big.sharedBlockBudget(tileSize: 512, threads: 2) == (1 + 6) * 1024 * 1024 * 2)
        #expect(big.sharedBlockBudget(tileSize: 1024, threads: 2) == nil)
        // 768 blocks under 512 tiles line up neither way: windows through GDAL, whose cache keeps the two rows of
        // blocks a row of tiles can touch.
        let unaligned = try Self.plan(directory, blocks: ["TILED=YES", "BLOCKXSIZE=768", "BLOCKYSIZE=768"])
        #expect(unaligned.cacheBytes(tileSize: 512) == base + 2 * 768 * 768 * 2)
        #expect(unaligned.sharedBlockBudget(tileSize: 512, threads: 2) == nil)
        // 64 blocks are whole tiles of 512: read block by block, nothing to keep.
        #expect(try Self.plan(directory, blocks: ["TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64"]).cacheBytes(tileSize: 512) == base)
        // Strips: the strips under one row of tiles, plus one.
        let striped = try Self.plan(directory, blocks: [])
        let rowsPerStrip = striped.inputs[0].blockHeight
        #expect(striped.inputs[0].blockWidth == 349 && rowsPerStrip < 512)
        #expect(striped.cacheBytes(tileSize: 512) == base + ((512 + rowsPerStrip - 1) / rowsPerStrip + 1) * rowsPerStrip * 349 * 2)
    }

    /// A damaged tile is not decoded into garbage: the decoder declines it (the zlib checksum fails), GDAL then
    /// fails on it too, and the run stops with an error that names the file, leaving no output.
    @Test func damagedTileStopsTheRunWithTheFileNamed() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("damaged.tif")
        try Self.write(path, layout: Layout(type: .uint16, options: ["TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64",
                                                                       "COMPRESS=DEFLATE", "PREDICTOR=2"]))
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 2048))
        try handle.close()

        let output = directory.path("out.tif")
        let request = IndexRequest(outputs: [try IndexOutput.expression("v=b+1")], sources: [BandSource(role: "b", path: path)])
        do {
            try IndexJob.run(request, to: output, engine: EngineOptions(threads: 2, tileSize: 64))
            Issue.record("a damaged tile was read without an error")
        } catch {
            #expect("\(error)".contains("damaged.tif"))
        }
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// A Sentinel-2-like run mixing every way of reading: red and nir decoded directly, swir1 at twice the pixel
    /// size (warped, read by windows) and an SCL-like mask (read by windows). Its map equals the same run over
    /// the same values stored as LZW, which GDAL decodes; and the mask and the warp really act.
    @Test func mixedReadingWaysGiveTheSameMap() throws {
        let directory = TemporaryDirectory()
        let source = try Dataset.open(Repository.landsat)
        let transform = source.geoTransform!
        func writeCoarse(_ path: String, options: [String]) throws {
            // Band 5 averaged over 2 x 2 pixels: a 20 m band over the 10 m grid.
            let fine = try source.band(5).readAll(as: Double.self)
            let width = source.width / 2, height = source.height / 2
            var coarse = [Double](repeating: 0, count: width * height)
            for row in 0..<height {
                for column in 0..<width {
                    let at = { (r: Int, c: Int) in fine[(2 * row + r) * source.width + 2 * column + c] }
                    coarse[row * width + column] = ((at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) * 10).rounded()
                }
            }
            let dataset = try Driver("GTiff").createRaster(path: path, width: width, height: height, bandCount: 1, dataType: .uint16,
                                                           options: options)
            try dataset.setGeoTransform(GeoTransform(originX: transform.originX, pixelWidth: transform.pixelWidth * 2,
                                                     originY: transform.originY, pixelHeight: transform.pixelHeight * 2))
            try dataset.setSpatialReference(source.spatialReference!)
            try dataset.band(1).write(window: PixelWindow(width: width, height: height), from: coarse)
            try dataset.close()
        }
        // Mask classes from the blue band: 0...2 by value, class 2 dropped.
        let mask = try Self.stretched(band: 1, range: 0...2.99, type: .float32).map { $0.rounded(.down) }
        var maps: [[Float]] = []
        var files: [Data] = []
        for (name, codec) in [("direct", ["COMPRESS=DEFLATE", "PREDICTOR=2"]), ("gdal", ["COMPRESS=LZW", "PREDICTOR=2"])] {
            let tiled = ["TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64"] + codec
            for (role, number) in [("red", 3), ("nir", 4)] {
                try Self.write(directory.path("\(name)-\(role).tif"), values: [try Self.stretched(band: number, range: 0...10000, type: .uint16)],
                               type: .uint16, options: tiled)
            }
            try writeCoarse(directory.path("\(name)-swir1.tif"), options: tiled)
            try Self.write(directory.path("\(name)-mask.tif"), values: [mask], type: .byte, options: tiled)
            let request = IndexRequest(outputs: [try IndexOutput.catalogue("NDVI"), try IndexOutput.catalogue("NDMI")],
                                       sources: [BandSource(role: "red", path: directory.path("\(name)-red.tif")),
                                                 BandSource(role: "nir", path: directory.path("\(name)-nir.tif")),
                                                 BandSource(role: "swir1", path: directory.path("\(name)-swir1.tif"))],
                                       mask: MaskSource(path: directory.path("\(name)-mask.tif"), rule: .values([2])), scale: 0.0001)
            let output = directory.path("\(name)-out.tif")
            try IndexJob.run(request, to: output, engine: EngineOptions(threads: 2, tileSize: 128))
            files.append(try Data(contentsOf: URL(fileURLWithPath: output)))
            maps.append(try readBand(output, 2))
        }
        #expect(files[0] == files[1])
        // Masked where the mask says 2, and only there among pixels with data.
        let masked = zip(mask, maps[0]).filter { $0.0 == 2 }
        #expect(!masked.isEmpty && masked.allSatisfy { $0.1 == -9999 })
        #expect(zip(mask, maps[0]).filter { $0.0 != 2 && $0.1 != -9999 }.count > 50_000)
        // NDMI reads the warped 20 m swir1 (nearest neighbour: the 20 m cell's value): one pixel by hand.
        let nirValues = try Self.stretched(band: 4, range: 0...10000, type: .uint16)
        let width = source.width
        let pixel = try #require((0..<(width * 100)).first { mask[$0] != 2 && maps[0][$0] != -9999 })
        let row = pixel / width, column = pixel % width
        let fine = try source.band(5).readAll(as: Double.self)
        let cell = { (r: Int, c: Int) in fine[(2 * (row / 2) + r) * width + 2 * (column / 2) + c] }
        let swir = ((cell(0, 0) + cell(0, 1) + cell(1, 0) + cell(1, 1)) * 10).rounded() * 0.0001
        let nir = nirValues[pixel] * 0.0001
        #expect(maps[0][pixel] == Float((nir - swir) / (nir + swir)))
    }
}
