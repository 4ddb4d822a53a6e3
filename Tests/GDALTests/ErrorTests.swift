import Foundation
import Testing
import GDAL

/// Each bad input throws one error that names the file and the cause.
@Suite struct ErrorTests {
    @Test func missingFile() throws {
        let error = #expect(throws: GDALError.self) { try Dataset.open("/no/such/dir/scene.tif") }
        #expect(error?.description == "/no/such/dir/scene.tif: no such file or directory")
    }

    @Test func fileThatIsNotARaster() throws {
        let error = #expect(throws: GDALError.self) { try Dataset.open(Samples.tracts, kind: .raster) }
        #expect(error?.path == Samples.tracts)
        #expect(error?.description.contains("not a raster") == true)

        let directory = TemporaryDirectory()
        let text = directory.path("notes.tif")
        try "not a tiff at all\n".write(toFile: text, atomically: true, encoding: .utf8)
        let textError = #expect(throws: GDALError.self) { try Dataset.open(text, kind: .raster) }
        #expect(textError?.description.hasPrefix(text + ": not a raster") == true)
    }

    @Test func truncatedGeoTIFF() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("truncated.tif")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Samples.landsat))
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: path))
        // The header survives, so GDAL may open it; reading the missing strips must fail, naming the file.
        let error = #expect(throws: GDALError.self) {
            let dataset = try Dataset.open(path, kind: .raster)
            for band in dataset.bands { _ = try band.readAll(as: UInt8.self) }
        }
        #expect(error?.path == path)
        #expect(error?.description.hasPrefix(path + ": ") == true)
        #expect((error?.message.isEmpty) == false)
        // GDAL says "PATH, band 1: IReadBlock failed ...": the file is named once, at the start.
        #expect(error?.description.components(separatedBy: path).count == 2, "\(error?.description ?? "")")
        #expect(error?.message.hasPrefix("band ") == true, "\(error?.message ?? "")")
    }

    @Test func bandOutOfRange() throws {
        let dataset = try Dataset.open(Samples.landsat)
        let error = #expect(throws: GDALError.self) { try dataset.band(7) }
        #expect(error?.description == "\(Samples.landsat): band 7 does not exist (the raster has 6 bands)")
        #expect(throws: GDALError.self) { try dataset.band(0) }
    }

    @Test func bufferOfTheWrongTypeOrSize() throws {
        let band = try Dataset.open(Samples.landsat).band(1)
        var floats = [Float](repeating: 0, count: 349 * 3)
        let typeError = #expect(throws: GDALError.self) {
            try floats.withUnsafeMutableBufferPointer { try band.readBlock(column: 0, row: 0, into: $0) }
        }
        #expect(typeError?.description.contains("band 1 is Byte, not Float32") == true)
        #expect(typeError?.path == Samples.landsat)

        var small = [UInt8](repeating: 0, count: 10)
        let sizeError = #expect(throws: GDALError.self) {
            try small.withUnsafeMutableBufferPointer { try band.read(window: PixelWindow(column: 0, row: 0, width: 4, height: 4), into: $0) }
        }
        #expect(sizeError?.description.contains("too small") == true)
        #expect(sizeError?.path == Samples.landsat)

        var blockTooSmall = [UInt8](repeating: 0, count: 10)
        #expect(throws: GDALError.self) {
            try blockTooSmall.withUnsafeMutableBufferPointer { try band.readBlock(column: 0, row: 0, into: $0) }
        }
        var block = [UInt8](repeating: 0, count: 349 * 3)
        #expect(throws: GDALError.self) {
            try block.withUnsafeMutableBufferPointer { try band.readBlock(column: 0, row: 118, into: $0) }
        }
    }

    @Test func missingLayerAndBadCRS() throws {
        let dataset = try Dataset.open(Samples.tracts)
        let error = #expect(throws: GDALError.self) { try dataset.layer(named: "communes") }
        #expect(error?.description.contains("no layer named 'communes' (layers: olinda1)") == true)
        #expect(throws: GDALError.self) { try SpatialReference(epsg: 999_999) }
        #expect(throws: GDALError.self) { try SpatialReference(definition: "not a crs") }
        #expect(throws: GDALError.self) { try Driver("NoSuchDriver") }
    }
}
