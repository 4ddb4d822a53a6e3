import Foundation
import Testing
import GDAL
@testable import SoilMap

@Suite struct IndexEngineTests {
    static let red: [Double] = [10, 20, 0, 40, 50, 60, 70, 80, 90, 100, 110, 120]
    static let nir: [Double] = [30, 20, 0, 10, 150, 60, 170, 80, 0, 200, 110, 255]

    /// NDVI by hand, in Float64, rounded once: what soilmap must write.
    static func ndvi(_ red: Double, _ nir: Double) -> Float {
        red + nir == 0 ? -9999 : Float((nir - red) / (nir + red))
    }

    private func ndviRun(_ directory: TemporaryDirectory, redPath: String, nirPath: String, mask: MaskSource? = nil,
                         scale: Double? = nil, offset: Double? = nil, threads: Int = 2, tileSize: Int = 512) throws -> [Float] {
        let request = IndexRequest(outputs: [try IndexOutput.catalogue("NDVI")],
                                   sources: [BandSource(role: "red", path: redPath), BandSource(role: "nir", path: nirPath)],
                                   mask: mask, scale: scale, offset: offset)
        let output = directory.path("ndvi-\(UUID().uuidString.prefix(6)).tif")
        try IndexJob.run(request, to: output, engine: EngineOptions(threads: threads, tileSize: tileSize))
        return try readBand(output)
    }

    @Test(arguments: [DataType.byte, .int16, .uint16, .int32, .uint32, .float32, .float64])
    func integerAndFloatInputsOfEveryType(type: DataType) throws {
        let directory = TemporaryDirectory()
        try writeRaster(directory.path("red.tif"), width: 4, height: 3, values: Self.red, type: type)
        try writeRaster(directory.path("nir.tif"), width: 4, height: 3, values: Self.nir, type: type)
        let result = try ndviRun(directory, redPath: directory.path("red.tif"), nirPath: directory.path("nir.tif"))
        #expect(result == zip(Self.red, Self.nir).map(Self.ndvi))
        #expect(result[2] == -9999) // 0 / 0: no value, not NaN
        #expect(result[1] == 0)
    }

    @Test func noDataInOneBandOnlyAndNaN() throws {
        let directory = TemporaryDirectory()
        var red = Self.red.map(Float.init), nir = Self.nir.map(Float.init)
        red[4] = -1          // the red band's nodata (converted eight pixels at a time)
        red[10] = -1         // and in the last four pixels (converted one by one)
        nir[6] = .nan        // NaN in the file
        nir[7] = -1          // -1 in nir is a real value: only red declares it nodata
        try writeRaster(directory.path("red.tif"), width: 4, height: 3, values: red, noData: -1)
        try writeRaster(directory.path("nir.tif"), width: 4, height: 3, values: nir)
        let result = try ndviRun(directory, redPath: directory.path("red.tif"), nirPath: directory.path("nir.tif"))
        #expect(result[4] == -9999 && result[10] == -9999)
        #expect(result[6] == -9999)
        #expect(result[7] == Self.ndvi(80, -1))
        #expect(result[0] == Self.ndvi(10, 30))
        #expect(!result.contains { $0.isNaN || $0.isInfinite })
    }

    @Test func scaleAndOffsetFromMetadataOrArguments() throws {
        let directory = TemporaryDirectory()
        // Landsat Collection 2 style: reflectance = DN x 0.0000275 - 0.2, declared in the band's metadata.
        let redDN: [UInt16] = [8000, 9000, 10000, 12000], nirDN: [UInt16] = [20000, 9000, 7273, 30000]
        try writeRaster(directory.path("red.tif"), width: 4, height: 1, values: redDN, scale: 0.0000275, offset: -0.2)
        try writeRaster(directory.path("nir.tif"), width: 4, height: 1, values: nirDN, scale: 0.0000275, offset: -0.2)
        let expected = zip(redDN, nirDN).map { r, n -> Float in
            let red = Double(r) * 0.0000275 - 0.2, nir = Double(n) * 0.0000275 - 0.2
            return Float((nir - red) / (nir + red))
        }
        #expect(try ndviRun(directory, redPath: directory.path("red.tif"), nirPath: directory.path("nir.tif")) == expected)
        // Arguments win over metadata: scale 1, offset 0 gives the plain DN ratio.
        let plain = zip(redDN, nirDN).map { r, n -> Float in Self.ndvi(Double(r), Double(n)) }
        #expect(try ndviRun(directory, redPath: directory.path("red.tif"), nirPath: directory.path("nir.tif"), scale: 1, offset: 0) == plain)
    }

    @Test func maskRasterByValuesAndByBits() throws {
        let directory = TemporaryDirectory()
        try writeRaster(directory.path("red.tif"), width: 4, height: 3, values: Self.red)
        try writeRaster(directory.path("nir.tif"), width: 4, height: 3, values: Self.nir)
        // Sentinel-2 SCL: 4 vegetation, 5 bare soil, 8/9 cloud, 3 shadow.
        let scl: [UInt8] = [4, 4, 5, 8, 9, 3, 4, 5, 4, 10, 4, 4]
        try writeRaster(directory.path("scl.tif"), width: 4, height: 3, values: scl)
        let byValue = try ndviRun(directory, redPath: directory.path("red.tif"), nirPath: directory.path("nir.tif"),
                                  mask: MaskSource(path: directory.path("scl.tif"), rule: SensorPreset.sentinel2.mask))
        for pixel in 0..<12 {
            let dropped = [3, 8, 9, 10].contains(scl[pixel])
            #expect(byValue[pixel] == (dropped ? -9999 : Self.ndvi(Self.red[pixel], Self.nir[pixel])), "pixel \(pixel)")
        }
        // Landsat QA_PIXEL: bit 3 cloud (8), bit 4 shadow (16); 21824 is clear land in Collection 2.
        let clear: UInt16 = 21824, cloud: UInt16 = 21824 | 8, shadow: UInt16 = 21824 | 16, dilated: UInt16 = 21824 | 2
        let qa: [UInt16] = [clear, cloud, shadow, clear, clear, dilated, clear, clear, clear, clear, 1, clear]
        try writeRaster(directory.path("qa.tif"), width: 4, height: 3, values: qa)
        let byBits = try ndviRun(directory, redPath: directory.path("red.tif"), nirPath: directory.path("nir.tif"),
                                 mask: MaskSource(path: directory.path("qa.tif"), rule: .bits([0, 1, 3, 4])))
        for pixel in 0..<12 {
            let dropped = Int(qa[pixel]) & 0b11011 != 0
            #expect(byBits[pixel] == (dropped ? -9999 : Self.ndvi(Self.red[pixel], Self.nir[pixel])), "pixel \(pixel)")
        }
    }

    @Test func bandAtTwicePixelSizeIsAlignedOntoTheFinerGrid() throws {
        // Real data: Landsat red and NIR; red degraded to 57 m by taking every other pixel, on a grid whose
        // pixels each cover 2x2 of the original. Nearest-neighbour alignment must give back those values.
        let directory = TemporaryDirectory()
        let landsat = try Dataset.open(Repository.landsat)
        let transform = try #require(landsat.geoTransform)
        let width = 348, height = 352 // even, so the coarse grid covers the same extent
        let red: [UInt8] = try landsat.band(3).read(window: PixelWindow(width: width, height: height))
        let nir: [UInt8] = try landsat.band(4).read(window: PixelWindow(width: width, height: height))
        var coarse: [UInt8] = []
        for row in stride(from: 0, to: height, by: 2) { for column in stride(from: 0, to: width, by: 2) { coarse.append(red[row * width + column]) } }
        let epsg = 31985
        try writeRaster(directory.path("red57.tif"), width: width / 2, height: height / 2, values: coarse,
                        pixelSize: transform.pixelWidth * 2, originX: transform.originX, originY: transform.originY, epsg: epsg)
        try writeRaster(directory.path("nir28.tif"), width: width, height: height, values: nir,
                        pixelSize: transform.pixelWidth, originX: transform.originX, originY: transform.originY, epsg: epsg)
        let request = IndexRequest(outputs: [try IndexOutput.catalogue("NDVI")],
                                   sources: [BandSource(role: "red", path: directory.path("red57.tif")),
                                             BandSource(role: "nir", path: directory.path("nir28.tif"))])
        let output = directory.path("ndvi.tif")
        let summary = try IndexJob.run(request, to: output)
        #expect(summary.width == width && summary.height == height)
        #expect(summary.warpedInputs == [directory.path("red57.tif")])
        let result = try readBand(output)
        var mismatches = 0
        for row in 0..<height {
            for column in 0..<width {
                let r = Double(coarse[(row / 2) * (width / 2) + column / 2]), n = Double(nir[row * width + column])
                if result[row * width + column] != Self.ndvi(r, n) { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func inputsThatCannotBeAligned() throws {
        let directory = TemporaryDirectory()
        try writeRaster(directory.path("red.tif"), width: 4, height: 3, values: Self.red)
        // Same CRS, far away: no overlap.
        try writeRaster(directory.path("far.tif"), width: 4, height: 3, values: Self.nir, originX: 900_000)
        let error = #expect(throws: SoilMapError.self) {
            _ = try ndviRun(directory, redPath: directory.path("red.tif"), nirPath: directory.path("far.tif"))
        }
        #expect(error?.description.hasPrefix(directory.path("far.tif") + ": does not overlap the reference grid") == true)
        #expect(directory.files.filter { $0.hasPrefix("ndvi") || $0.hasPrefix(".ndvi") }.isEmpty)
        // A band number that does not exist names the file.
        let request = IndexRequest(outputs: [try IndexOutput.catalogue("NDVI")],
                                   sources: [BandSource(role: "red", path: Repository.landsat, band: 3),
                                             BandSource(role: "nir", path: Repository.landsat, band: 9)])
        let bandError = #expect(throws: GDALError.self) { try IndexJob.run(request, to: directory.path("x.tif")) }
        #expect(bandError?.description == "\(Repository.landsat): band 9 does not exist (the raster has 6 bands)")
    }

    @Test func identicalBytesForEveryThreadCountAndTileSize() throws {
        // A 3x3 mirror of the real Landsat sample (1047 x 1056): large enough for many tiles and blocks.
        let directory = TemporaryDirectory()
        let stack = directory.path("mirror.tif")
        let landsat = try Dataset.open(Repository.landsat)
        let mirror = try Driver("GTiff").createRaster(path: stack, width: 349 * 3, height: 352 * 3, bandCount: 4, dataType: .byte,
                                                      options: ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"])
        try mirror.setGeoTransform(try #require(landsat.geoTransform))
        try mirror.setSpatialReference(landsat.spatialReference)
        for band in 1...4 {
            let values: [UInt8] = try landsat.band(band).readAll()
            var mirrored = [UInt8](repeating: 0, count: 349 * 3 * 352 * 3)
            for row in 0..<(352 * 3) {
                for column in 0..<(349 * 3) {
                    let sourceRow = (row / 352) % 2 == 0 ? row % 352 : 351 - row % 352
                    let sourceColumn = (column / 349) % 2 == 0 ? column % 349 : 348 - column % 349
                    mirrored[row * 349 * 3 + column] = values[sourceRow * 349 + sourceColumn]
                }
            }
            try mirror.band(band).write(window: PixelWindow(width: 349 * 3, height: 352 * 3), from: mirrored)
        }
        try mirror.close()
        var outputs: [String: Data] = [:]
        for threads in [1, 2, 4] {
            for tileSize in [64, 256, 512, 1024] {
                let request = IndexRequest(outputs: try ["NDVI", "SAVI", "CSRI"].map(IndexOutput.catalogue),
                                           sources: [("blue", 1), ("green", 2), ("red", 3), ("nir", 4)].map {
                                               BandSource(role: $0.0, path: stack, band: $0.1)
                                           }, scale: 0.01)
                let path = directory.path("out-\(threads)-\(tileSize).tif")
                try IndexJob.run(request, to: path, engine: EngineOptions(threads: threads, tileSize: tileSize))
                outputs["\(threads)/\(tileSize)"] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        let reference = try #require(outputs["1/256"])
        for (key, data) in outputs { #expect(data == reference, "threads/tile size \(key) differs") }
        #expect(reference.count > 100_000)
    }
}

@Suite struct SensorPresetTests {
    /// The Olinda stack has the layout of a Landsat 7 Collection 2 SR stack (SR_B1..SR_B5, SR_B7), so the preset
    /// finds red and nir by itself and applies reflectance = DN x 0.0000275 - 0.2 (and fill value 0).
    @Test func landsat7PresetOnTheOlindaStack() throws {
        let directory = TemporaryDirectory()
        var request = IndexRequest(outputs: [try IndexOutput.catalogue("NDVI")], sources: [])
        request.apply(sensor: .landsat7, stack: Repository.landsat)
        #expect(request.sources == [BandSource(role: "red", path: Repository.landsat, band: 3),
                                    BandSource(role: "nir", path: Repository.landsat, band: 4)])
        #expect(request.scale == 0.0000275 && request.offset == -0.2 && request.inputNoData == 0)
        let output = directory.path("ndvi.tif")
        try IndexJob.run(request, to: output)
        let result = try readBand(output)
        let dataset = try Dataset.open(Repository.landsat)
        let red: [UInt8] = try dataset.band(3).readAll(), nir: [UInt8] = try dataset.band(4).readAll()
        for pixel in stride(from: 0, to: red.count, by: 97) {
            let r = Double(red[pixel]) * 0.0000275 - 0.2, n = Double(nir[pixel]) * 0.0000275 - 0.2
            let expected: Float = red[pixel] == 0 || nir[pixel] == 0 ? -9999 : Float((n - r) / (n + r))
            #expect(result[pixel] == expected, "pixel \(pixel)")
        }
    }

    @Test func sentinel2PresetKeepsExplicitChoices() throws {
        var request = IndexRequest(outputs: [try IndexOutput.catalogue("NDVI")],
                                   sources: [BandSource(role: "red", path: "B04.tif"), BandSource(role: "nir", path: "B08.tif")],
                                   offset: 0)
        request.apply(sensor: .sentinel2, stack: nil)
        #expect(request.sources.count == 2)
        #expect(request.scale == 0.0001)
        #expect(request.offset == 0) // an older processing baseline, told explicitly
        #expect(throws: SoilMapError.self) { try SensorPreset.named("spot7") }
    }

    /// Every preset against the product definitions, written here from them (not from SensorPreset.swift):
    /// ESA's Sentinel-2 L2A product (PSD 14.9): bands B01..B12 without B10, reflectance = (DN + BOA_ADD_OFFSET) /
    /// 10000 with BOA_ADD_OFFSET -1000, fill 0, SCL 0 no data, 1 saturated or defective, 3 cloud shadow, 8 and 9 cloud,
    /// 10 thin cirrus, 11 snow (2 dark area, 4 vegetation, 5 bare soil, 6 water, 7 unclassified are kept);
    /// USGS Landsat 8-9 and 4-7 Collection 2 Level-2 Science Product Guides: SR_B1..SR_B7 (8-9: B1 coastal ... B7
    /// swir2; 4-7: B1 blue ... B5 swir1, B7 swir2, no surface reflectance B6), scale 0.0000275, offset -0.2, fill 0;
    /// QA_PIXEL bit 0 fill, 1 dilated cloud, 2 cirrus (8-9 only: 4-7 have no cirrus band), 3 cloud, 4 cloud shadow,
    /// 5 snow.
    @Test func presetsMatchThePublishedProductDefinitions() throws {
        let sentinel2 = try SensorPreset.named("sentinel2")
        #expect(sentinel2.stackBands == ["coastal": 1, "blue": 2, "green": 3, "red": 4, "re1": 5, "re2": 6, "re3": 7, "nir": 8,
                                         "nir2": 9, "swir1": 11, "swir2": 12])
        #expect(sentinel2.scale == 0.0001 && sentinel2.offset == -0.1 && sentinel2.noData == 0)
        #expect(sentinel2.mask == .values([0, 1, 3, 8, 9, 10, 11]))
        for id in ["landsat8", "landsat9"] {
            let preset = try SensorPreset.named(id)
            #expect(preset.stackBands == ["coastal": 1, "blue": 2, "green": 3, "red": 4, "nir": 5, "swir1": 6, "swir2": 7], "\(id)")
            #expect(preset.bandNames["nir"] == "SR_B5" && preset.bandNames["swir2"] == "SR_B7", "\(id)")
            #expect(preset.scale == 0.0000275 && preset.offset == -0.2 && preset.noData == 0, "\(id)")
            #expect(preset.mask == .bits([0, 1, 2, 3, 4, 5]), "\(id)")
        }
        for id in ["landsat7", "landsat5"] {
            let preset = try SensorPreset.named(id)
            #expect(preset.stackBands == ["blue": 1, "green": 2, "red": 3, "nir": 4, "swir1": 5, "swir2": 6], "\(id)")
            #expect(preset.bandNames["nir"] == "SR_B4" && preset.bandNames["swir2"] == "SR_B7", "\(id)")
            #expect(preset.scale == 0.0000275 && preset.offset == -0.2 && preset.noData == 0, "\(id)")
            #expect(preset.mask == .bits([0, 1, 3, 4, 5]), "\(id)")
        }
        #expect(try SensorPreset.named("landsat9").product.contains("Landsat 9"))
        #expect(try SensorPreset.named("landsat5").product.contains("Landsat 5"))
    }

    /// Writes a stack of UInt16 bands (one array per band) on a 16 x 1 grid.
    static func writeStack(_ path: String, _ bands: [[UInt16]]) throws {
        let dataset = try Driver("GTiff").createRaster(path: path, width: bands[0].count, height: 1, bandCount: bands.count, dataType: .uint16)
        try dataset.setGeoTransform(GeoTransform(originX: 500_000, pixelWidth: 10, originY: 1_000_000, pixelHeight: -10))
        try dataset.setSpatialReference(try SpatialReference(epsg: 32648))
        for (index, values) in bands.enumerated() {
            try dataset.band(index + 1).write(window: PixelWindow(width: values.count, height: 1), from: values)
        }
        try dataset.close()
    }

    /// `soilmap index --sensor sentinel2 --mask SCL` on every SCL class: the default mask removes 0, 1, 3, 8, 9, 10
    /// and 11 and keeps the rest; reflectance = (DN - 1000) / 10000; DN 0 is fill. `--mask-values` replaces the list.
    @Test func sentinel2DefaultMaskOnEverySCLClassEndToEnd() throws {
        let directory = TemporaryDirectory()
        let width = 16
        let red: [UInt16] = (0..<width).map { UInt16(1500 + 37 * $0) }
        var nir: [UInt16] = (0..<width).map { UInt16(3200 + 101 * $0) }
        nir[13] = 0 // fill in a kept class (SCL 5)
        let scl: [UInt8] = Array(0...11) + [4, 5, 6, 7]
        try writeRaster(directory.path("B04.tif"), width: width, height: 1, values: red)
        try writeRaster(directory.path("B08.tif"), width: width, height: 1, values: nir)
        try writeRaster(directory.path("SCL.tif"), width: width, height: 1, values: scl)
        func expected(masked: Set<UInt8>) -> [Float] {
            (0..<width).map { pixel in
                if masked.contains(scl[pixel]) || nir[pixel] == 0 { return -9999 }
                let r = (Double(red[pixel]) - 1000) / 10000, n = (Double(nir[pixel]) - 1000) / 10000
                return Float((n - r) / (n + r))
            }
        }
        let arguments = ["index", "NDVI", "--sensor", "sentinel2", "--band", "red=" + directory.path("B04.tif"),
                         "--band", "nir=" + directory.path("B08.tif"), "--mask", directory.path("SCL.tif"), "-q"]
        let byDefault = try runSoilmap(arguments + ["-o", directory.path("default.tif")])
        try #require(byDefault.status == 0, "\(byDefault.stderr)")
        let result = try readBand(directory.path("default.tif"))
        let wanted = expected(masked: [0, 1, 3, 8, 9, 10, 11])
        for pixel in 0..<width {
            let close = result[pixel] == wanted[pixel] || abs(result[pixel] - wanted[pixel]) <= 1e-6
            #expect(close, "SCL \(scl[pixel]) pixel \(pixel): \(result[pixel]) vs \(wanted[pixel])")
        }
        #expect(result.filter { $0 == -9999 }.count == 8)
        let chosen = try runSoilmap(arguments + ["--mask-values", "9", "-o", directory.path("chosen.tif")])
        try #require(chosen.status == 0, "\(chosen.stderr)")
        #expect(try readBand(directory.path("chosen.tif")).map { $0 == -9999 } == expected(masked: [9]).map { $0 == -9999 })
        // A mask whose file declares nodata 0 (as Sentinel-2 COGs do): class 0 is unknown, so it drops the pixel
        // even when --mask-values does not list it.
        try writeRaster(directory.path("SCL-nodata.tif"), width: width, height: 1, values: scl, noData: 0)
        var declared = arguments
        declared[declared.firstIndex(of: directory.path("SCL.tif"))!] = directory.path("SCL-nodata.tif")
        let unknown = try runSoilmap(declared + ["--mask-values", "9", "-o", directory.path("declared.tif")])
        try #require(unknown.status == 0, "\(unknown.stderr)")
        #expect(try readBand(directory.path("declared.tif")).map { $0 == -9999 } == expected(masked: [0, 9]).map { $0 == -9999 })
    }

    /// QA_PIXEL values each with one bit set over clear land (21824: bits 6, 8, 10, 12, 14), through a Landsat 8 and
    /// a Landsat 7 stack with `--sensor` and its default bits; NDMI reads swir1 (SR_B6 on 8-9, SR_B5 on 4-7).
    @Test(arguments: [("landsat8", [0, 1, 2, 3, 4, 5]), ("landsat7", [0, 1, 3, 4, 5])])
    func landsatDefaultQABitsEndToEnd(sensor: String, maskedBits: [Int]) throws {
        let directory = TemporaryDirectory()
        let width = 16
        let clear: UInt16 = 21824
        // Pixels 0-7: one of bits 0..7 set; 8: bits 2 and 5; 9-15: clear land.
        let qa: [UInt16] = (0..<8).map { clear | UInt16(1 << $0) } + [clear | 4 | 32] + [UInt16](repeating: clear, count: 7)
        let bandCount = sensor == "landsat8" ? 7 : 6
        let nirBand = sensor == "landsat8" ? 5 : 4, swir1Band = sensor == "landsat8" ? 6 : 5
        // Band k holds 8000 + 1000 k + 13 x pixel, so every band differs and a wrong band number changes NDMI.
        let bands: [[UInt16]] = (1...bandCount).map { (band: Int) -> [UInt16] in
            (0..<width).map { (pixel: Int) -> UInt16 in UInt16(8000 + 1000 * band + 13 * pixel) }
        }
        try Self.writeStack(directory.path("stack.tif"), bands)
        try writeRaster(directory.path("qa.tif"), width: width, height: 1, values: qa)
        let output = directory.path("ndmi.tif")
        let result = try runSoilmap(["index", "NDMI", "--sensor", sensor, "-i", directory.path("stack.tif"),
                                     "--mask", directory.path("qa.tif"), "-o", output, "-q"])
        try #require(result.status == 0, "\(result.stderr)")
        let values = try readBand(output)
        for pixel in 0..<width {
            let masked = maskedBits.contains { Int(qa[pixel]) & (1 << $0) != 0 }
            let n = Double(bands[nirBand - 1][pixel]) * 0.0000275 - 0.2, s = Double(bands[swir1Band - 1][pixel]) * 0.0000275 - 0.2
            let expected: Float = masked ? -9999 : Float((n - s) / (n + s))
            let close = values[pixel] == expected || abs(values[pixel] - expected) <= 1e-6
            #expect(close, "\(sensor) QA \(qa[pixel]) pixel \(pixel): \(values[pixel]) vs \(expected)")
        }
        // --mask-bits replaces the preset's bits: only cloud (bit 3).
        let cloudOnly = try runSoilmap(["index", "NDMI", "--sensor", sensor, "-i", directory.path("stack.tif"), "--mask", directory.path("qa.tif"),
                                        "--mask-bits", "3", "-o", directory.path("cloud.tif"), "-q"])
        try #require(cloudOnly.status == 0, "\(cloudOnly.stderr)")
        #expect(try readBand(directory.path("cloud.tif")).enumerated().filter { $0.element == -9999 }.map(\.offset) == [3])
    }
}

@Suite struct CreationOptionTests {
    /// A codec the user chooses arrives without the default codec's settings (a ZSTD level, a predictor).
    @Test func userCompressionReplacesTheDefaultEncoding() {
        let user = RasterOutputOptions(creationOptions: ["COMPRESS=DEFLATE", "BLOCKXSIZE=256"])
            .gtiffOptions(threads: 2, encoding: RasterOutputOptions.defaultFloatEncoding)
        #expect(user.contains("COMPRESS=DEFLATE") && user.contains("BLOCKXSIZE=256") && user.contains("NUM_THREADS=2"))
        #expect(!user.contains { $0.hasPrefix("ZSTD_LEVEL") || $0.hasPrefix("PREDICTOR") })
        let defaults = RasterOutputOptions().gtiffOptions(threads: 4, encoding: RasterOutputOptions.defaultFloatEncoding)
        #expect(defaults == ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "BIGTIFF=IF_SAFER", "NUM_THREADS=4", "COMPRESS=ZSTD", "ZSTD_LEVEL=1"])
        // Keys are matched case-insensitively and values passed unchanged (no lower-casing).
        let mixed = RasterOutputOptions(creationOptions: ["compress=LERC", "max_z_error=0"]).gtiffOptions(threads: 1, encoding: [])
        #expect(mixed.contains("COMPRESS=LERC") && mixed.contains("MAX_Z_ERROR=0"))
    }
}
