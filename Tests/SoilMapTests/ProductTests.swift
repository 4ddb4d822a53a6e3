import Foundation
import GDAL
import SoilMap
import Testing

/// Sentinel-2 L2A and Landsat C2 L2 products, built from the Olinda stack by Tests/reference/make_products.py in
/// the products' folder layout with their metadata files, read with `index --scene` and `scenes`; NDVI checked
/// against numpy (Tests/reference/products_reference.py) with the published reflectance formulas.
@Suite struct ProductTests {
    static let maker = Repository.path("Tests/reference/make_products.py")
    static let reference = Repository.path("Tests/reference/products_reference.py")
    static let sentinel2Mask = "0,1,3,8,9,10,11"
    static let landsat8Bits = "0,1,2,3,4,5"

    /// Builds a product into `directory` and returns its path.
    static func make(_ arguments: [String], in directory: TemporaryDirectory) throws -> String {
        let result = try run("/usr/bin/python3", [maker] + [arguments[0], directory.url.path] + arguments.dropFirst())
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func index(_ arguments: [String]) throws -> ProcessResult {
        try runSoilmap(["index"] + arguments + ["-q"])
    }

    /// The numpy comparison's report.
    struct Comparison: Decodable {
        var max_abs_diff: Double?
        var nodata_mismatch: Int
        var masked: Int
        var nodata: Int
    }

    static func compare(_ arguments: [String]) throws -> Comparison {
        let result = try run("/usr/bin/python3", [reference] + arguments)
        try #require(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode(Comparison.self, from: Data(result.stdout.utf8))
    }

    static func pixelBytes(_ path: String) throws -> Data {
        try readBand(path).withUnsafeBufferPointer { Data(buffer: $0) }
    }

    // MARK: - Sentinel-2 L2A

    /// The metadata read: date, tile, cloud share, baseline, each band at its finest resolution (B04 at 10 m
    /// though the 20 m folder has one too), the conversion from BOA_QUANTIFICATION_VALUE and BOA_ADD_OFFSET, SCL.
    @Test func sentinel2MetadataRead() throws {
        let directory = TemporaryDirectory()
        let safe = try Self.make(["s2", "--baseline", "04.00"], in: directory)
        let product = try SatelliteProduct.open(safe)
        #expect(product.kind == .sentinel2L2A)
        #expect(product.productID == "S2B_MSIL2A_20220301T103021_N0400_R108_T31UFQ_20220301T120000")
        #expect(product.acquisitionDate == "2022-03-01" && product.tileID == "T31UFQ" && product.pathRow == nil)
        #expect(product.cloudCover == 12.345 && product.processingBaseline == "04.00" && product.spacecraft == "Sentinel-2B")
        let granule = safe + "/GRANULE/L2A_T31UFQ_A026059_20220301T103514/IMG_DATA/"
        #expect(product.bands["red"]?.path == granule + "R10m/T31UFQ_20220301T103021_B04_10m.jp2")
        #expect(product.bands["nir"]?.path == granule + "R10m/T31UFQ_20220301T103021_B08_10m.jp2")
        #expect(product.bands["nir2"]?.path == granule + "R20m/T31UFQ_20220301T103021_B8A_20m.jp2")
        #expect(product.bands["swir1"]?.name == "B11" && product.bands["re1"] == nil)
        #expect(product.bands["red"]?.conversion == ReflectanceConversion(storedOffset: -1000, scale: 0.0001))
        #expect(product.mask == MaskSource(path: granule + "R20m/T31UFQ_20220301T103021_SCL_20m.jp2", rule: .values([0, 1, 3, 8, 9, 10, 11])))

        let old = try SatelliteProduct.open(try Self.make(["s2", "--baseline", "03.01"], in: directory))
        #expect(old.bands["red"]?.conversion == ReflectanceConversion(storedOffset: 0, scale: 0.0001))
    }

    /// Baseline 03.01 (no offset) and 04.00 (DN raised by 1000, BOA_ADD_OFFSET -1000) hold the same reflectance:
    /// the same NDVI bytes. The NDVI equals numpy's (DN + offset) / 10000 computation, SCL 0/1/3/8/9/10/11 pixels
    /// (sampled from the 20 m grid) and fill are nodata; the output records date, product and tile.
    @Test func sentinel2BaselinesAgreeWithNumpy() throws {
        let directory = TemporaryDirectory()
        var outputs: [String] = []
        for baseline in ["03.01", "04.00"] {
            let safe = try Self.make(["s2", "--baseline", baseline], in: directory)
            let output = directory.path("ndvi_\(baseline).tif")
            let result = try Self.index(["NDVI", "--scene", safe, "-o", output])
            #expect(result.status == 0, "\(result.stderr)")
            let bands = safe + "/GRANULE/L2A_T31UFQ_A026059_20220301T103514/IMG_DATA/"
            let comparison = try Self.compare([
                "--red", bands + "R10m/T31UFQ_20220301T103021_B04_10m.jp2", "--nir", bands + "R10m/T31UFQ_20220301T103021_B08_10m.jp2",
                "--quantification", "10000", "--add-offset=\(baseline == "04.00" ? -1000 : 0)",
                "--mask", bands + "R20m/T31UFQ_20220301T103021_SCL_20m.jp2", "--mask-values", Self.sentinel2Mask, "--result", output])
            #expect(comparison.nodata_mismatch == 0)
            #expect((comparison.max_abs_diff ?? 1) < 1e-6)
            #expect(comparison.masked > 5000)
            outputs.append(output)
        }
        #expect(try Self.pixelBytes(outputs[0]) == Self.pixelBytes(outputs[1]))
        let metadata = try Dataset.open(outputs[1]).metadata()
        #expect(metadata["ACQUISITION_DATE"] == "2022-03-01")
        #expect(metadata["TILE_ID"] == "T31UFQ")
        #expect(metadata["PRODUCT_ID"] == "S2B_MSIL2A_20220301T103021_N0400_R108_T31UFQ_20220301T120000")
    }

    /// The .zip as downloaded (NAME.zip holding NAME.SAFE), read in place through /vsizip/: the folder's NDVI.
    @Test func sentinel2ZipReadInPlace() throws {
        let directory = TemporaryDirectory()
        let safe = try Self.make(["s2"], in: directory)
        let zipDirectory = TemporaryDirectory()
        let archive = try Self.make(["s2", "--zip"], in: zipDirectory)
        #expect(archive.hasSuffix("_T31UFQ_20220301T120000.zip"))
        let fromFolder = directory.path("folder.tif"), fromArchive = directory.path("zip.tif")
        #expect(try Self.index(["NDVI", "--scene", safe, "-o", fromFolder]).status == 0)
        let result = try Self.index(["NDVI", "--scene", archive, "-o", fromArchive])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.pixelBytes(fromFolder) == Self.pixelBytes(fromArchive))
        let product = try SatelliteProduct.open(archive)
        #expect(product.archivePath == archive && product.tileID == "T31UFQ")
        #expect(product.bands["red"]?.path.hasPrefix("/vsizip/\(archive)/S2B_MSIL2A_20220301T103021_N0400_R108_T31UFQ_20220301T120000.SAFE/GRANULE/") == true)
    }

    /// The mask: a pixel of the SCL 9 block (20 m rows 100-119, columns 50-89) is nodata; --mask-values 0 keeps it.
    @Test func sentinel2MaskOverridden() throws {
        let directory = TemporaryDirectory()
        let safe = try Self.make(["s2"], in: directory)
        let masked = directory.path("masked.tif"), kept = directory.path("kept.tif")
        #expect(try Self.index(["NDVI", "--scene", safe, "-o", masked]).status == 0)
        #expect(try Self.index(["NDVI", "--scene", safe, "--mask-values", "0", "-o", kept]).status == 0)
        let pixel = 210 * 349 + 120
        #expect(try readBand(masked)[pixel] == -9999)
        let value = try readBand(kept)[pixel]
        #expect(value != -9999 && value >= -1 && value <= 1)
    }

    /// --mask FILE replaces the product's SCL but keeps its rule (classes 0, 1, 3, 8, 9, 10, 11): the SCL itself
    /// given as --mask gives the default's bytes. A product whose BOA_QUANTIFICATION_VALUE is 1 gives DN-sized
    /// values, and the reflectance check names the conversion with the stored offset.
    @Test func sentinel2MaskFileAndConversionWarning() throws {
        let directory = TemporaryDirectory()
        let safe = try Self.make(["s2"], in: directory)
        let scl = safe + "/GRANULE/L2A_T31UFQ_A026059_20220301T103514/IMG_DATA/R20m/T31UFQ_20220301T103021_SCL_20m.jp2"
        let byDefault = directory.path("default.tif"), byFile = directory.path("file.tif")
        #expect(try Self.index(["NDVI", "--scene", safe, "-o", byDefault]).status == 0)
        #expect(try Self.index(["NDVI", "--scene", safe, "--mask", scl, "-o", byFile]).status == 0)
        #expect(try Self.pixelBytes(byDefault) == Self.pixelBytes(byFile))

        let unscaledDirectory = TemporaryDirectory()
        let unscaled = try Self.make(["s2", "--quantification", "1"], in: unscaledDirectory)
        let result = try runSoilmap(["index", "NDVI", "--scene", unscaled, "-o", directory.path("unscaled.tif")])
        #expect(result.status == 0)
        // DN 20 x stack value + 1000, so at most 255 x 20 = 5100 after the offset.
        #expect(result.stderr.contains("_B04_10m.jp2 band 1): 100 % of the valid pixels lie outside -0.15...1.5 ("), "\(result.stderr)")
        #expect(result.stderr.contains("...5100 after - 1000 then x 1 + 0); these look like digital numbers"),
                "\(result.stderr)")
    }

    // MARK: - Landsat C2 L2

    /// The MTL read: path/row, date, cloud cover, the Level-2 scale (not the Level-1 group's), the OLI band table
    /// for Landsat 8 (red SR_B4) and the TM/ETM+ table for Landsat 7 (red SR_B3, nir SR_B4, swir2 SR_B7).
    @Test func landsatMetadataAndBandTables() throws {
        let directory = TemporaryDirectory()
        let oli = try SatelliteProduct.open(try Self.make(["landsat", "--spacecraft", "8"], in: directory))
        #expect(oli.kind == .landsatC2L2 && oli.productID == "LC08_L2SP_214065_20200105_20200113_02_T1")
        #expect(oli.acquisitionDate == "2020-01-05" && oli.pathRow == "214/065" && oli.cloudCover == 7.25 && oli.tileID == nil)
        #expect(oli.bands.mapValues(\.name) == ["coastal": "SR_B1", "blue": "SR_B2", "green": "SR_B3", "red": "SR_B4", "nir": "SR_B5",
                                                 "swir1": "SR_B6", "swir2": "SR_B7"])
        #expect(oli.bands["red"]?.conversion == ReflectanceConversion(scale: 0.0000275, offset: -0.2))
        #expect(oli.mask?.path.hasSuffix("_QA_PIXEL.TIF") == true && oli.mask?.rule == .bits([0, 1, 2, 3, 4, 5]))
        let etm = try SatelliteProduct.open(try Self.make(["landsat", "--spacecraft", "7"], in: directory))
        #expect(etm.spacecraft == "Landsat 7")
        #expect(etm.bands.mapValues(\.name) == ["blue": "SR_B1", "green": "SR_B2", "red": "SR_B3", "nir": "SR_B4", "swir1": "SR_B5",
                                                 "swir2": "SR_B7"])
        #expect(etm.mask?.rule == .bits([0, 1, 3, 4, 5]))
    }

    /// The folder and the .tar (read in place through /vsitar/) give the same NDVI, equal to numpy's
    /// DN x 2.75e-5 - 0.2 computation with QA_PIXEL bits 0-5 removed; the output records date and path/row.
    @Test func landsatFolderAndTarAgreeWithNumpy() throws {
        let directory = TemporaryDirectory()
        let folder = try Self.make(["landsat"], in: directory)
        let archiveDirectory = TemporaryDirectory()
        let archive = try Self.make(["landsat", "--tar"], in: archiveDirectory)
        #expect(archive.hasSuffix(".tar"))
        let fromFolder = directory.path("folder.tif"), fromArchive = directory.path("tar.tif")
        #expect(try Self.index(["NDVI", "--scene", folder, "-o", fromFolder]).status == 0)
        let result = try Self.index(["NDVI", "--scene", archive, "-o", fromArchive])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.pixelBytes(fromFolder) == Self.pixelBytes(fromArchive))
        let prefix = folder + "/LC08_L2SP_214065_20200105_20200113_02_T1_"
        let comparison = try Self.compare(["--red", prefix + "SR_B4.TIF", "--nir", prefix + "SR_B5.TIF", "--mult", "2.75e-5", "--add=-0.2",
                                           "--mask", prefix + "QA_PIXEL.TIF", "--mask-bits", Self.landsat8Bits, "--result", fromFolder])
        #expect(comparison.nodata_mismatch == 0)
        #expect((comparison.max_abs_diff ?? 1) < 1e-6)
        #expect(comparison.masked > 5000)
        let metadata = try Dataset.open(fromArchive).metadata()
        #expect(metadata["ACQUISITION_DATE"] == "2020-01-05" && metadata["WRS_PATH_ROW"] == "214/065")
        #expect(metadata["PRODUCT_ID"] == "LC08_L2SP_214065_20200105_20200113_02_T1")
        // The command that makes the map again names the product (main's provenance metadata).
        #expect(metadata["SOILMAP_COMMAND"] == "soilmap index NDVI --scene LC08_L2SP_214065_20200105_20200113_02_T1.tar --mask-bits 0,1,2,3,4,5 --nodata -9999 --resampling near --format GTiff")
        #expect(metadata["SOILMAP_INPUTS"]?.hasPrefix("LC08_L2SP_214065_20200105_20200113_02_T1.tar (") == true)
    }

    /// The cirrus block (QA bit 2, rows 40-59, columns 200-259) is masked for Landsat 8, whose rule has bit 2, and
    /// kept for Landsat 7 (ETM+ has no cirrus band; its rule is bits 0, 1, 3, 4, 5); Landsat 7's NDVI uses SR_B3/SR_B4.
    @Test func landsatMaskFollowsTheSensor() throws {
        let directory = TemporaryDirectory()
        let oli = directory.path("oli.tif"), etm = directory.path("etm.tif")
        #expect(try Self.index(["NDVI", "--scene", try Self.make(["landsat", "--spacecraft", "8"], in: directory), "-o", oli]).status == 0)
        let etmScene = try Self.make(["landsat", "--spacecraft", "7"], in: directory)
        #expect(try Self.index(["NDVI", "--scene", etmScene, "-o", etm]).status == 0)
        let pixel = 50 * 349 + 230
        #expect(try readBand(oli)[pixel] == -9999)
        #expect(try readBand(etm)[pixel] != -9999)
        let prefix = etmScene + "/LE07_L2SP_214065_20200105_20200113_02_T1_"
        let comparison = try Self.compare(["--red", prefix + "SR_B3.TIF", "--nir", prefix + "SR_B4.TIF", "--mult", "2.75e-5", "--add=-0.2",
                                           "--mask", prefix + "QA_PIXEL.TIF", "--mask-bits", "0,1,3,4,5", "--result", etm])
        #expect(comparison.nodata_mismatch == 0 && (comparison.max_abs_diff ?? 1) < 1e-6)
    }

    // MARK: - Errors

    /// Each refusal is one line naming the product and what is wrong, and leaves no output.
    @Test(arguments: [
        (["s2", "--drop", "B08"], ["NDVI"], "S2B_MSIL2A_20220301T103021_N0400_R108_T31UFQ_20220301T120000: the nir band B08 is listed in its metadata but its file is missing"),
        (["s2", "--corrupt"], ["NDVI"], "MTD_MSIL2A.xml: cannot be parsed (line"),
        (["s2", "--level", "L1C"], ["NDVI"], "is a Sentinel-2 Level-1C product (MTD_MSIL1C.xml, top-of-atmosphere)"),
        (["landsat", "--level", "L1TP"], ["NDVI"], "LC08_L1TP_214065_20200105_20200113_02_T1 is a Landsat Level-1 scene (L1TP)"),
        (["landsat", "--corrupt"], ["NDVI"], "_MTL.txt: cannot be parsed (line 19: expected KEY = VALUE"),
        (["landsat"], ["--expr", "X=re1/red"], "Landsat C2 L2 product LC08_L2SP_214065_20200105_20200113_02_T1 has no re1 band"),
    ])
    func refusals(product: [String], request: [String], expected: String) throws {
        let directory = TemporaryDirectory()
        let scene = try Self.make(product, in: directory)
        let output = directory.path("out.tif")
        let result = try Self.index(request + ["--scene", scene, "-o", output])
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && result.stderr.hasPrefix("soilmap: \(scene): ") && result.stderr.contains(expected), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func sceneWithStackRefused() throws {
        let result = try Self.index(["NDVI", "--scene", Repository.landsat, "-i", Repository.landsat, "-o", "/tmp/never.tif"])
        #expect(result.status != 0 && result.stderr.contains("--scene reads the bands"))
    }

    // MARK: - scenes, pipelines

    /// `scenes` lists every product of a folder by date (Landsat 2020 before Sentinel-2 2022), folders and archives,
    /// in text and JSON; a broken product is named on stderr.
    @Test func scenesListsByDate() throws {
        let directory = TemporaryDirectory()
        _ = try Self.make(["s2", "--baseline", "04.00"], in: directory)
        let archive = try Self.make(["landsat", "--tar"], in: directory)
        _ = try Self.make(["landsat", "--spacecraft", "7"], in: directory)
        try FileManager.default.createDirectory(atPath: directory.path("not-a-product"), withIntermediateDirectories: false)
        let text = try runSoilmap(["scenes", directory.url.path])
        #expect(text.status == 0 && text.stderr.isEmpty, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("2020-01-05  Landsat C2 L2  WRS 214/065  7.2% cloud  LC08_L2SP_214065_20200105_20200113_02_T1  \(archive)"))
        #expect(lines[1].hasPrefix("2020-01-05  Landsat C2 L2  WRS 214/065  7.2% cloud  LE07_L2SP"))
        #expect(lines[2].hasPrefix("2022-03-01  Sentinel-2 L2A  T31UFQ  12.3% cloud  S2B_MSIL2A_20220301T103021_N0400"))

        let json = try runSoilmap(["scenes", "--json", directory.url.path])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(entries.map { $0["date"] as? String } == ["2020-01-05", "2020-01-05", "2022-03-01"])
        #expect(entries[2]["tile"] as? String == "T31UFQ" && entries[2]["cloud_cover"] as? Double == 12.345)
        #expect(entries[0]["path_row"] as? String == "214/065" && entries[0]["type"] as? String == "Landsat C2 L2")

        _ = try Self.make(["s2", "--baseline", "03.01", "--corrupt"], in: directory)
        let broken = try runSoilmap(["scenes", directory.url.path])
        #expect(broken.status == 0 && broken.stdout.split(separator: "\n").count == 3)
        #expect(broken.stderr.contains("N0301") && broken.stderr.contains("cannot be parsed"))
    }

    /// A pipeline's index step with `scene:` gives the CLI's NDVI, and the manifest lists the files it read.
    @Test func pipelineScene() throws {
        let directory = TemporaryDirectory()
        let safe = try Self.make(["s2"], in: directory)
        let cli = directory.path("cli.tif")
        #expect(try Self.index(["NDVI", "--scene", safe, "-o", cli]).status == 0)
        let file = directory.path("p.yaml")
        try "soilmap: 1\nrun_dir: \(directory.path("run"))\nsteps:\n  ndvi:\n    kind: index\n    indices: [NDVI]\n    scene: \(safe)\n    output: ndvi.tif\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runSoilmap(["run", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.pixelBytes(directory.path("run/ndvi.tif")) == Self.pixelBytes(cli))
        let manifest = try String(contentsOfFile: directory.path("run/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("MTD_MSIL2A.xml") && manifest.contains("_B04_10m.jp2") && manifest.contains("_SCL_20m.jp2"))
    }

    /// A folder of scenes: one map per product, named by date and tile (path/row for Landsat), each the map that
    /// product alone gives; two products of one date and tile never overwrite each other.
    @Test func aFolderOfScenesGivesOneMapPerScene() throws {
        let directory = TemporaryDirectory()
        let old = try Self.make(["s2", "--baseline", "03.01"], in: directory)
        let new = try Self.make(["s2", "--baseline", "04.00"], in: directory)
        let landsat = try Self.make(["landsat", "--spacecraft", "8", "--tar"], in: directory)
        let maps = directory.path("maps")
        try FileManager.default.createDirectory(atPath: maps, withIntermediateDirectories: false)
        let result = try runSoilmap(["index", "NDVI", "--scene", directory.url.path, "-o", maps])
        #expect(result.status == 0, "\(result.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: maps).sorted()
        let newID = ((new as NSString).lastPathComponent as NSString).deletingPathExtension
        #expect(names == ["2020-01-05_214065.tif", "2022-03-01_T31UFQ.tif", "2022-03-01_T31UFQ_\(newID).tif"])
        for (product, name) in [(landsat, "2020-01-05_214065.tif"), (old, "2022-03-01_T31UFQ.tif"), (new, "2022-03-01_T31UFQ_\(newID).tif")] {
            let alone = directory.path("alone.tif")
            #expect(try Self.index(["NDVI", "--scene", product, "-o", alone]).status == 0)
            #expect(try Self.pixelBytes(maps + "/" + name) == Self.pixelBytes(alone), "\(name)")
            try FileManager.default.removeItem(atPath: alone)
        }
        // -o must then be a folder.
        let refused = try runSoilmap(["index", "NDVI", "--scene", directory.url.path, "-o", directory.path("one.tif")])
        #expect(refused.status == 1)
        #expect(refused.stderr == "soilmap: \(directory.path("one.tif")): with a folder of scenes, -o names the folder the maps go to (DATE_TILE.tif each); it is not a folder\n")
    }

    /// A pipeline input that is a product gives its date, place and id to the steps' parameters.
    @Test func aPipelineNamesItsOutputByTheScenesDateAndPlace() throws {
        let directory = TemporaryDirectory()
        let landsat = try Self.make(["landsat", "--spacecraft", "8", "--tar"], in: directory)
        let file = directory.path("p.yaml")
        try """
        soilmap: 1
        run_dir: \(directory.path("run"))
        inputs:
          scene: \(landsat)
        steps:
          ndvi: {kind: index, indices: [NDVI], scene: $scene, output: "ndvi_${scene.date}_${scene.tile}.tif"}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runSoilmap(["run", file, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        // The MTL says DATE_ACQUIRED = 2020-01-05, WRS_PATH = 214, WRS_ROW = 65.
        #expect(FileManager.default.fileExists(atPath: directory.path("run/ndvi_2020-01-05_214065.tif")))
        let manifest = try String(contentsOfFile: directory.path("run/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"scene.id\" : \"LC08_L2SP_214065_20200105_20200113_02_T1\""))
    }
}
