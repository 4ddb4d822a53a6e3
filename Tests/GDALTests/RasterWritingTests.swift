import Foundation
import Testing
import GDAL

@Suite struct RasterWritingTests {
    @Test func writtenGeoTIFFReadsBackIdentically() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("written.tif")
        let source = try Dataset.open(Samples.landsat)
        let original: [UInt8] = try source.band(4).readAll()
        do {
            let output = try Driver("GTiff").createRaster(path: path, width: 349, height: 352, bandCount: 2, dataType: .float32,
                                                          options: ["TILED=YES", "BLOCKXSIZE=128", "BLOCKYSIZE=128", "COMPRESS=DEFLATE"])
            try output.setGeoTransform(try #require(source.geoTransform))
            try output.setSpatialReference(source.spatialReference)
            let band = try output.band(1)
            try band.write(window: PixelWindow(width: 349, height: 352), from: original.map { Float($0) / 255 })
            try band.setNoDataValue(-9999)
            try band.setScale(2, offset: 0.5)
            band.setBandDescription("NDVI")
            try output.band(2).fill(7)
            try output.close()
        }
        let reopened = try Dataset.open(path)
        #expect(reopened.spatialReference?.epsgCode == 31985)
        #expect(reopened.geoTransform == source.geoTransform)
        let band = try reopened.band(1)
        #expect(band.dataType == .float32)
        #expect(band.noDataValue == -9999)
        #expect(band.scale == 2 && band.offset == 0.5)
        #expect(band.bandDescription == "NDVI")
        #expect(band.blockSize == (128, 128))
        let back: [Float] = try band.readAll()
        #expect(back == original.map { Float($0) / 255 })
        let sevens: [Float] = try reopened.band(2).readAll()
        #expect(sevens.allSatisfy { $0 == 7 })
    }

    /// Each type's extremes (and, for floats, fractions and huge values) written through the wrapper, read back
    /// by GDAL's Python bindings (numpy's repr of each value), and by the wrapper.
    @Test(arguments: [(DataType.byte, [0.0, 1, 127, 254, 255]),
                      (.int16, [-32768, -1, 0, 1, 32767]),
                      (.uint16, [0, 1, 32768, 65534, 65535]),
                      (.int32, [-2147483648, -1, 0, 1, 2147483647]),
                      (.uint32, [0, 1, 2147483648, 4294967294, 4294967295]),
                      (.float32, [-3.4028234663852886e38, -0.5, 0, 1.5, 3.4028234663852886e38]),
                      (.float64, [-1.7976931348623157e308, -0.1, 0, 2.5e-300, 1.7976931348623157e308])])
    func everyIntegerAndFloatTypeRoundTrips(type: DataType, extremes: [Double]) throws {
        let directory = TemporaryDirectory()
        let path = directory.path("typed.tif")
        let values: [Double] = (0..<(37 * 23)).map { extremes[$0 % extremes.count] }
        do {
            let output = try Driver("GTiff").createRaster(path: path, width: 37, height: 23, bandCount: 1, dataType: type)
            try output.band(1).write(window: PixelWindow(width: 37, height: 23), from: values)
            try output.close()
        }
        let band = try Dataset.open(path).band(1)
        #expect(band.dataType == type)
        #expect(try band.readAll(as: Double.self) == values)
        let python = try run("/usr/bin/python3", ["-c", "from osgeo import gdal; a = gdal.Open('\(path)').ReadAsArray(); "
                                                  + "print(a.dtype.name); print(' '.join(repr(float(v)) for v in a.ravel()[:\(extremes.count)]))"])
        try #require(python.status == 0, "\(python.stderr)")
        let lines = python.stdout.split(separator: "\n")
        let dtypes: [DataType: String] = [.byte: "uint8", .int16: "int16", .uint16: "uint16", .int32: "int32", .uint32: "uint32",
                                          .float32: "float32", .float64: "float64"]
        #expect(lines.first.map(String.init) == dtypes[type])
        #expect(lines.dropFirst().first?.split(separator: " ").map { Double($0)! } == extremes)
    }

    @Test func colourTableAndCategoryNames() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("classes.tif")
        let colours = ColorTable(entries: [RGBA(red: 0, green: 0, blue: 0, alpha: 0), RGBA(hex: "#1A9850")!, RGBA(hex: "#FEE08B")!,
                                           RGBA(hex: "#D73027")!])
        let names = ["", "Không thoái hóa", "Thoái hóa nhẹ", "Thoái hóa nặng"]
        do {
            let output = try Driver("GTiff").createRaster(path: path, width: 4, height: 1, bandCount: 1, dataType: .byte)
            let band = try output.band(1)
            try band.write(window: PixelWindow(width: 4, height: 1), from: [UInt8]([0, 1, 2, 3]))
            try band.setColorTable(colours)
            try band.setCategoryNames(names)
            try band.setNoDataValue(0)
            try output.close()
        }
        let band = try Dataset.open(path).band(1)
        #expect(band.colorInterpretation == "Palette")
        #expect(band.colorTable?.entries.prefix(4) == colours.entries[...])
        #expect(band.categoryNames.prefix(4) == names[...])
        // gdalinfo, run on the file, shows the same legend.
        let gdalinfo = try runTool("gdalinfo", [path])
        #expect(gdalinfo.contains("Color Table"))
        #expect(gdalinfo.contains("Thoái hóa nặng"))
    }

    @Test func cloudOptimizedGeoTIFFThroughCreateCopy() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("cog.tif")
        let source = try Dataset.open(Samples.landsat)
        var fractions: [Double] = []
        let copy = try Driver("COG").createCopy(path: path, from: source, options: ["COMPRESS=DEFLATE", "BLOCKSIZE=256"]) {
            fractions.append($0)
        }
        try copy.close()
        #expect(fractions.last == 1)
        let reopened = try Dataset.open(path)
        #expect(reopened.metadata(domain: "IMAGE_STRUCTURE")["LAYOUT"] == "COG")
        #expect(try reopened.band(2).blockSize == (256, 256))
        #expect(try reopened.band(5).readAll(as: UInt8.self) == source.band(5).readAll(as: UInt8.self))
    }

    @Test func warpedVRTAlignsTheDEMOntoTheLandsatGrid() throws {
        let landsat = try Dataset.open(Samples.landsat)
        let dem = try Dataset.open(Samples.olindaDEM)
        let aligned = try dem.warped(to: try landsat.grid(), resampling: "near")
        #expect(aligned.width == 349 && aligned.height == 352)
        #expect(aligned.geoTransform == landsat.geoTransform)
        // Values from: gdalwarp -te <Landsat bounds> -ts 349 352 -t_srs EPSG:31985 -r near, then gdallocationinfo.
        let band = try aligned.band(1)
        for (column, row, expected) in [(0, 0, Float(38)), (100, 200, 12), (348, 351, 0), (200, 50, 19)] {
            let value: [Float] = try band.read(window: PixelWindow(column: column, row: row, width: 1, height: 1))
            #expect(value[0] == expected, "pixel (\(column), \(row))")
        }
    }

    @Test func rasterizeTractsInAnotherCRS() throws {
        // Reference: gdal_rasterize -a V014 (and -at) of olinda1.shp onto a zeroed Int32 copy of the Landsat grid;
        // numpy counted 51292 burnt cells summing to 47231481 (centre), 52073 summing to 47113169 (all touched).
        let landsat = try Dataset.open(Samples.landsat)
        let tracts = try Dataset.open(Samples.tracts, kind: .vector).layer(0)
        for (allTouched, cells, total) in [(false, 51292, 47231481), (true, 52073, 47113169)] {
            let target = try Driver("MEM").createRaster(path: "", width: 349, height: 352, bandCount: 1, dataType: .int32)
            try target.setGeoTransform(try #require(landsat.geoTransform))
            try target.setSpatialReference(landsat.spatialReference)
            try target.rasterize(tracts, burn: .attribute("V014"), allTouched: allTouched)
            let burnt: [Int32] = try target.band(1).readAll()
            #expect(burnt.filter { $0 != 0 }.count == cells)
            #expect(burnt.reduce(0) { $0 + Int($1) } == total)
        }
        #expect(throws: GDALError.self) {
            let target = try Driver("MEM").createRaster(path: "", width: 3, height: 3, bandCount: 1, dataType: .int32)
            try target.rasterize(tracts, burn: .attribute("NO_SUCH_FIELD"))
        }
    }
}

/// Runs one of GDAL's command-line tools (or any program on PATH) and returns what it printed.
func runTool(_ name: String, _ arguments: [String]) throws -> String {
    try run("/usr/bin/env", [name] + arguments).stdout
}

@Suite struct AttributeTableAndUpdateTests {
    /// A raster attribute table written by GDAL's Python bindings, read through the Swift layer.
    @Test func readsARasterAttributeTable() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("rat.tif")
        let script = """
        from osgeo import gdal
        ds = gdal.GetDriverByName('GTiff').Create('\(path)', 2, 1, 1, gdal.GDT_Byte)
        rat = gdal.RasterAttributeTable()
        rat.CreateColumn('Value', gdal.GFT_Integer, gdal.GFU_MinMax)
        rat.CreateColumn('Class', gdal.GFT_String, gdal.GFU_Name)
        rat.SetRowCount(2)
        rat.SetValueAsInt(0, 0, 1); rat.SetValueAsString(0, 1, 'Mặn nhẹ')
        rat.SetValueAsInt(1, 0, 2); rat.SetValueAsString(1, 1, 'Mặn nặng')
        ds.GetRasterBand(1).SetDefaultRAT(rat)
        ds = None
        """
        let result = try runTool("/usr/bin/python3", ["-c", script])
        _ = result
        let table = try #require(try Dataset.open(path).band(1).attributeTable)
        #expect(table.columnNames == ["Value", "Class"])
        #expect(table.columnUsages == ["MinMax", "Name"])
        #expect(table.rows == [["1", "Mặn nhẹ"], ["2", "Mặn nặng"]])
        #expect(try Dataset.open(Samples.landsat).band(1).attributeTable == nil)
    }

    @Test func openForUpdate() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("copy.tif")
        try FileManager.default.copyItem(atPath: Samples.luxembourgDEM, toPath: path)
        do {
            let dataset = try Dataset.open(path, access: .update)
            try dataset.setMetadataItem("SOILMAP_NOTE", "cập nhật")
            try dataset.band(1).write(window: PixelWindow(column: 50, row: 40, width: 1, height: 1), from: [Int16(999)])
            try dataset.close()
        }
        let reopened = try Dataset.open(path)
        #expect(reopened.metadataItem("SOILMAP_NOTE") == "cập nhật")
        #expect(try reopened.band(1).read(window: PixelWindow(column: 50, row: 40, width: 1, height: 1), as: Int16.self) == [999])
        // Read-only refuses writes with an error naming the file.
        let readOnly = try Dataset.open(Samples.luxembourgDEM)
        let error = #expect(throws: GDALError.self) {
            try readOnly.band(1).write(window: PixelWindow(column: 0, row: 0, width: 1, height: 1), from: [Int16(1)])
        }
        #expect(error?.path == Samples.luxembourgDEM)
    }
}
