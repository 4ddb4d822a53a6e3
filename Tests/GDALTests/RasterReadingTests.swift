import Testing
import GDAL

/// Reference values come from gdalinfo and gdallocationinfo -valonly on the same files.
@Suite struct RasterReadingTests {
    @Test func olindaLandsatLayout() throws {
        let dataset = try Dataset.open(Samples.landsat, kind: .raster)
        #expect(dataset.width == 349)
        #expect(dataset.height == 352)
        #expect(dataset.bandCount == 6)
        #expect(dataset.driverShortName == "GTiff")
        #expect(dataset.spatialReference?.epsgCode == 31985)
        #expect(dataset.spatialReference?.name == "SIRGAS 2000 / UTM zone 25S")
        let band = try dataset.band(1)
        #expect(band.dataType == .byte)
        #expect(band.noDataValue == nil)
        #expect(band.scale == nil)
        #expect(band.blockSize == (349, 3))
        #expect(band.overviewCount == 4)
        #expect(try band.overview(0).width == 175)
        #expect(dataset.metadata(domain: "IMAGE_STRUCTURE")["COMPRESSION"] == "DEFLATE")
    }

    @Test func olindaGeoTransformAndBounds() throws {
        let dataset = try Dataset.open(Samples.landsat)
        let transform = try #require(dataset.geoTransform)
        #expect(transform.originX == 288776.250000803149305)
        #expect(transform.originY == 9120760.750028736889362)
        #expect(abs(transform.pixelWidth - 28.499999999274539) < 1e-12)
        #expect(transform.isNorthUp)
        let bounds = try #require(dataset.bounds)
        #expect(abs(bounds.minX - 288776.250) < 1e-3 && abs(bounds.maxX - 298722.750) < 1e-3)
        #expect(abs(bounds.minY - 9110728.750) < 1e-3 && abs(bounds.maxY - 9120760.750) < 1e-3)
        // Pixel <-> world round trip, and the centre of pixel (0, 0).
        let centre = transform.centre(column: 0, row: 0)
        #expect(abs(centre.x - (288776.25 + 14.25)) < 1e-6)
        let back = try #require(transform.pixel(x: centre.x, y: centre.y))
        #expect(abs(back.column - 0.5) < 1e-9 && abs(back.row - 0.5) < 1e-9)
        // gdalinfo: upper left corner 34d54'58.20"W, 7d56'59.36"S.
        let transformation = try CoordinateTransformation(from: try #require(dataset.spatialReference), to: .wgs84())
        let corner = try transformation.transform(x: bounds.minX, y: bounds.maxY)
        #expect(abs(corner.x - -(34 + 54 / 60.0 + 58.20 / 3600)) < 1e-5)
        #expect(abs(corner.y - -(7 + 56 / 60.0 + 59.36 / 3600)) < 1e-5)
    }

    @Test(arguments: [
        (0, 0, [69, 56, 46, 79, 86, 46]),
        (348, 351, [100, 91, 64, 13, 14, 12]),
        (100, 200, [71, 55, 53, 54, 96, 71]),
        (200, 50, [73, 63, 58, 86, 100, 57]),
    ])
    func olindaPixelValues(column: Int, row: Int, expected: [Int]) throws {
        let dataset = try Dataset.open(Samples.landsat)
        let window = PixelWindow(column: column, row: row, width: 1, height: 1)
        for (index, value) in expected.enumerated() {
            let bytes: [UInt8] = try dataset.band(index + 1).read(window: window)
            #expect(Int(bytes[0]) == value, "band \(index + 1)")
            let floats: [Float] = try dataset.band(index + 1).read(window: window)
            #expect(floats[0] == Float(value))
        }
        // All bands at once, band-sequential.
        var all = [Int16](repeating: 0, count: 6)
        try all.withUnsafeMutableBufferPointer { try dataset.read(bands: Array(1...6), window: window, into: $0) }
        #expect(all.map(Int.init) == expected)
    }

    @Test func windowAtTheRasterEdge() throws {
        let band = try Dataset.open(Samples.landsat).band(3)
        // The bottom-right 9x7 window ends exactly on the raster's edge.
        let window = PixelWindow(column: 340, row: 345, width: 9, height: 7)
        let values: [UInt8] = try band.read(window: window)
        #expect(values.count == 63)
        #expect(values.last == 64) // pixel (348, 351), band 3
        // The same window read pixel by pixel agrees.
        for row in 0..<7 {
            for column in 0..<9 {
                let single: [UInt8] = try band.read(window: PixelWindow(column: 340 + column, row: 345 + row, width: 1, height: 1))
                #expect(single[0] == values[row * 9 + column])
            }
        }
        // One pixel further is outside, and says so.
        let outside = PixelWindow(column: 341, row: 345, width: 9, height: 7)
        let error = #expect(throws: GDALError.self) { let _: [UInt8] = try band.read(window: outside) }
        #expect(error?.description.contains("L7_ETMs.tif") == true)
        #expect(error?.description.contains("outside") == true)
    }

    @Test func readBlockWithoutConversion() throws {
        let band = try Dataset.open(Samples.landsat).band(1)
        var block = [UInt8](repeating: 0, count: 349 * 3)
        try block.withUnsafeMutableBufferPointer { try band.readBlock(column: 0, row: 0, into: $0) }
        #expect(block[0] == 69)
        let direct: [UInt8] = try band.read(window: PixelWindow(column: 0, row: 0, width: 349, height: 3))
        #expect(direct == block)
    }

    @Test func luxembourgDEM() throws {
        let dataset = try Dataset.open(Samples.luxembourgDEM)
        #expect(dataset.width == 95 && dataset.height == 90)
        #expect(dataset.spatialReference?.epsgCode == 4326)
        #expect(dataset.spatialReference?.isGeographic == true)
        let band = try dataset.band(1)
        #expect(band.dataType == .int16)
        #expect(band.noDataValue == -32768)
        let value: [Int16] = try band.read(window: PixelWindow(column: 50, row: 40, width: 1, height: 1))
        #expect(value == [278])
    }

    @Test func customCRSWithoutEPSGCode() throws {
        let dem = try Dataset.open(Samples.olindaDEM)
        let reference = try #require(dem.spatialReference)
        #expect(reference.isProjected)
        #expect(dem.width == 111 && dem.height == 111)
        #expect(try dem.band(1).dataType == .float32)
    }
}
