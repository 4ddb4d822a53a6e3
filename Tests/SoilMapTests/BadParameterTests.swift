import Foundation
import Testing
import GDAL
@testable import SoilMap

/// What a hostile user tried (issue 14), as the user sees it: `soilmap` refuses bad parameters with one line
/// and exit status 1, leaving no file, or warns and writes the map it was asked for.
enum Hostile {
    /// Runs soilmap in a fresh directory; "O" stands for an output file in it.
    static func refused(_ arguments: [String], _ message: (TemporaryDirectory) -> String) throws {
        let directory = TemporaryDirectory()
        let result = try runSoilmap(arguments.map { $0 == "O" ? directory.path("out.tif") : $0 })
        #expect(result.status == 1, "\(arguments)")
        #expect(result.stderr == "soilmap: \(message(directory))\n")
        #expect(result.stdout.isEmpty)
        #expect(directory.files.isEmpty, "\(directory.files)")
    }

    static let ndvi = ["index", "NDVI", "-i", Repository.landsat, "--band", "red=3", "--band", "nir=4"]
}

@Suite struct EngineLimitTests {
    /// A tile of 100000 pixels tried to allocate 160 GB; now it is clamped to the raster and changes nothing.
    @Test func aHugeTileIsClampedAndChangesNoByte() throws {
        let directory = TemporaryDirectory()
        let reference = directory.path("reference.tif"), huge = directory.path("huge.tif"), large = directory.path("large.tif")
        #expect(try runSoilmap(Hostile.ndvi + ["-o", reference, "-q"]).status == 0)
        let hugeRun = try runSoilmap(Hostile.ndvi + ["--tile-size", "100000", "-o", huge, "-q"])
        #expect(hugeRun.status == 0 && hugeRun.stderr.isEmpty, "\(hugeRun.stderr)")
        #expect(try runSoilmap(Hostile.ndvi + ["--tile-size", "8000", "--threads", "4", "-o", large, "-q"]).status == 0)
        let expected = try Data(contentsOf: URL(fileURLWithPath: reference))
        #expect(try Data(contentsOf: URL(fileURLWithPath: huge)) == expected)
        #expect(try Data(contentsOf: URL(fileURLWithPath: large)) == expected)
        #expect(Set(directory.files) == ["reference.tif", "huge.tif", "large.tif"])
    }

    /// The bounds, worked out by hand.
    @Test func tileSizeBounds() {
        // The Olinda stack is 349 x 352: the larger side, rounded up to a multiple of 16.
        #expect(EngineOptions.clampedTileSize(100_000, width: 349, height: 352, threads: 2, valueInputs: 2, outputBands: 1) == 352)
        #expect(EngineOptions.clampedTileSize(8000, width: 352, height: 100, threads: 2, valueInputs: 2, outputBands: 1) == 352)
        // Within the bounds a tile is kept as asked, even off the multiples of 16.
        #expect(EngineOptions.clampedTileSize(100, width: 10980, height: 10980, threads: 2, valueInputs: 2, outputBands: 1) == 100)
        // NDVI of a 10980² scene on 2 threads: s² (2 x 3 x 8 + 2 x 2 x 4) + s x 10980 x 4 <= 2^30 holds up to
        // s = 3767.2 (the root of 64 s² + 43920 s - 2^30), so 3760.
        #expect(EngineOptions.clampedTileSize(100_000, width: 10980, height: 10980, threads: 2, valueInputs: 2, outputBands: 1) == 3760)
        // 256 threads, six bands, five indices: s² (256 x 7 x 8 + 512 x 5 x 4) + s x 10980 x 20 <= 2^30 up to s = 204.6: 192.
        #expect(EngineOptions.clampedTileSize(512, width: 10980, height: 10980, threads: 256, valueInputs: 6, outputBands: 5) == 192)
    }

    @Test(arguments: [
        (["--threads", "9223372036854775807"], "--threads 9223372036854775807: use 1...256"),
        (["--threads", "0"], "--threads 0: use 1...256"),
        (["--threads=-2"], "--threads -2: use 1...256"),
        (["--threads", "257"], "--threads 257: use 1...256"),
        (["--tile-size", "0"], "--tile-size 0: use 16 or more (pixels per side)"),
        (["--tile-size=-512"], "--tile-size -512: use 16 or more (pixels per side)"),
    ])
    func threadsAndTilesOutsideTheirRange(options: [String], message: String) throws {
        try Hostile.refused(Hostile.ndvi + options + ["-o", "O"]) { _ in message }
        try Hostile.refused(["classify", Repository.landsat, "--breaks", "100"] + options + ["-o", "O"]) { _ in message }
    }

    @Test func zonalChecksThreadsToo() throws {
        let directory = TemporaryDirectory()
        let output = directory.path("stats.csv")
        let result = try runSoilmap(["zonal", Repository.landsat, "--zones", Repository.path("samples/olinda/olinda1.shp"),
                                     "--id-field", "ID", "--threads", "0", "-o", output])
        #expect(result.status == 1 && result.stderr == "soilmap: --threads 0: use 1...256\n")
        #expect(directory.files.isEmpty)
    }
}

@Suite struct CreationOptionCheckTests {
    /// The codecs of Debian's GDAL 3.6.2, as `gdalinfo --format GTiff` and `--format COG` list them.
    static let gtiffCodecs = "NONE, LZW, PACKBITS, JPEG, CCITTRLE, CCITTFAX3, CCITTFAX4, DEFLATE, LZMA, ZSTD, WEBP, LERC, LERC_DEFLATE, LERC_ZSTD"
    static let cogCodecs = "NONE, LZW, JPEG, DEFLATE, LZMA, ZSTD, WEBP, LERC, LERC_DEFLATE, LERC_ZSTD"

    @Test(arguments: [
        (["--co", "COMPRESS=FOO"], "--co COMPRESS=FOO: GTiff has no such COMPRESS value (use \(gtiffCodecs))"),
        (["--co", "COMPRESS=FOO", "--format", "COG"], "--co COMPRESS=FOO: COG has no such COMPRESS value (use \(cogCodecs))"),
        (["--co", "ZSTD_LEVEL=abc"], "--co ZSTD_LEVEL=abc: GTiff refuses it ('abc' is an unexpected value for ZSTD_LEVEL creation option of type int.)"),
        (["--co", "PREDICTOR=9", "--format", "COG"], "--co PREDICTOR=9: COG has no such PREDICTOR value (use YES, NO, STANDARD, FLOATING_POINT)"),
    ])
    func aValueTheDriverDoesNotTakeIsAnError(options: [String], message: String) throws {
        try Hostile.refused(Hostile.ndvi + options + ["-o", "O"]) { _ in message }
        try Hostile.refused(["classify", Repository.landsat, "--breaks", "100"] + options + ["-o", "O"]) { _ in message }
    }

    /// GDAL ignores a key it does not know, as gdal_translate warns: the map is the one without it.
    @Test func anUnknownKeyIsAWarning() throws {
        let directory = TemporaryDirectory()
        let plain = directory.path("plain.tif"), odd = directory.path("odd.tif"), quiet = directory.path("quiet.tif")
        #expect(try runSoilmap(Hostile.ndvi + ["--scale", "0.01", "-o", plain, "-q"]).status == 0)
        let result = try runSoilmap(Hostile.ndvi + ["--scale", "0.01", "--co", "NONSENSE=1", "-o", odd])
        #expect(result.status == 0)
        #expect(result.stderr == "soilmap: warning: --co NONSENSE=1: GTiff has no creation option NONSENSE; it is ignored\n"
            + "\(odd): NDVI, 349 x 352\n")
        // The same map: pixels and encoding; only the recorded command differs (it names the option given).
        #expect(try readBand(odd) == readBand(plain))
        let oddMetadata = try Dataset.open(odd).metadata(), plainMetadata = try Dataset.open(plain).metadata()
        #expect(oddMetadata.filter { !$0.key.hasPrefix("SOILMAP_") } == plainMetadata.filter { !$0.key.hasPrefix("SOILMAP_") })
        #expect(oddMetadata["SOILMAP_COMMAND"]?.contains("--co NONSENSE=1") == true)
        #expect(try Dataset.open(odd).metadata(domain: "IMAGE_STRUCTURE")["COMPRESSION"] == "ZSTD")
        let silent = try runSoilmap(Hostile.ndvi + ["--scale", "0.01", "--co", "NONSENSE=1", "-o", quiet, "-q"])
        #expect(silent.status == 0 && silent.stderr.isEmpty)
    }
}

@Suite struct IndexArgumentTests {
    @Test(arguments: [
        (["--nodata", "1e40"], "--nodata 1e+40: not representable in Float32, the output's type (finite, at most ±3.4028235e+38)"),
        (["--nodata", "-inf"], "--nodata -inf: not representable in Float32, the output's type (finite, at most ±3.4028235e+38)"),
        (["--band", "nri=4"], "--band nri: no requested index reads a band 'nri' (did you mean 'nir'? NDVI needs nir, red)"),
        (["--band", "xyz=5"], "--band xyz: no requested index reads a band 'xyz' (NDVI needs nir, red)"),
    ])
    func refusedOnTheLandsatSample(options: [String], message: String) throws {
        try Hostile.refused(Hostile.ndvi + options + ["-o", "O"]) { _ in message }
    }

    @Test func constantsMustBeFinite() throws {
        let savi = ["index", "SAVI", "-i", Repository.landsat, "--band", "red=3", "--band", "nir=4", "-o", "O"]
        try Hostile.refused(savi + ["--param", "L=nan"]) { _ in "--param L=nan: constants must be finite numbers" }
        try Hostile.refused(savi + ["--param", "SAVI.L=inf"]) { _ in "--param SAVI.L=inf: constants must be finite numbers" }
    }

    /// The misspelt role was ignored while the sensor preset filled in the real one from the stack.
    @Test func aMisspeltRoleIsNamedEvenWhenAPresetFillsTheGap() throws {
        try Hostile.refused(["index", "NDVI,NDMI", "--sensor", "landsat7", "-i", Repository.landsat, "--band", "nri=4", "--band", "swir=5", "-o", "O"]) { _ in
            "--band nri: no requested index reads a band 'nri' (did you mean 'nir'? NDVI, NDMI need nir, red, swir1)"
        }
    }

    /// The checks live in the library: `soilmap validate` finds them in a pipeline before anything runs.
    @Test func aPipelineReachesTheSameChecks() throws {
        let directory = TemporaryDirectory()
        let file = directory.path("p.yaml")
        try """
        soilmap: 1
        run_dir: \(directory.path("run"))
        steps:
          ndvi: {kind: index, indices: [NDVI], stack: \(Repository.landsat), bands: {red: 3, nri: 4}, output: ndvi.tif}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runSoilmap(["validate", file])
        #expect(result.status == 3)
        #expect(result.stderr == "soilmap: \(file):4:3: step 'ndvi': --band nri: no requested index reads a band 'nri' (did you mean 'nir'? NDVI needs nir, red)\n")
        #expect(!FileManager.default.fileExists(atPath: directory.path("run")))
    }

    /// A known role that no index reads stays allowed (a stack's bands are often all given).
    @Test func anUnusedKnownRoleIsFine() throws {
        let directory = TemporaryDirectory()
        let result = try runSoilmap(Hostile.ndvi + ["--band", "swir1=5", "--scale", "0.01", "-o", directory.path("n.tif"), "-q"])
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
    }
}

@Suite struct SchemeGapTests {
    /// Values between two classes were nodata without a word: now a warning per gap, and the map as before.
    @Test func gapsAreNamed() throws {
        let directory = TemporaryDirectory()
        let input = directory.path("values.tif"), scheme = directory.path("gappy.yaml"), output = directory.path("classes.tif")
        let values: [Float] = [0.1, 0.2, 0.25, 0.3, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.9]
        try writeRaster(input, width: values.count, height: 1, values: values)
        try """
        id: gappy
        classes:
          - {value: 1, label: low, color: "#000000", max: 0.2}
          - {value: 2, label: mid, color: "#444444", min: 0.3, max: 0.5}
          - {value: 3, label: upper, color: "#888888", min: 0.5, min_closed: false, max: 0.6}
          - {value: 4, label: top, color: "#FFFFFF", min: 0.7, min_closed: false}
        """.write(toFile: scheme, atomically: true, encoding: .utf8)
        let result = try runSoilmap(["classify", input, "--scheme", scheme, "-o", output])
        #expect(result.status == 0)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(4)) == [
            "soilmap: warning: scheme gappy: values in [0.2, 0.3) fall in no class and become nodata",
            "soilmap: warning: scheme gappy: the value 0.5 falls in no class and becomes nodata",
            "soilmap: warning: scheme gappy: values in [0.6, 0.7] fall in no class and become nodata",
            "\(output): gappy",
        ])
        // By hand: 0.1 low; 0.2, 0.25 in the first gap; 0.3 mid; 0.5 alone; 0.55 upper; 0.6 ... 0.7 gap; 0.75, 0.9 top.
        #expect(try Dataset.open(output).band(1).readAll(as: UInt8.self) == [1, 0, 0, 2, 0, 3, 0, 0, 0, 4, 4])
        // Built-in schemes have no gaps; nor do breaks.
        #expect(BuiltInSchemes.all.allSatisfy { $0.gaps.isEmpty })
        #expect(try ClassScheme.fromBreaks([0, 0.2, 0.4], rightClosed: true).gaps.isEmpty)
        #expect(try ClassScheme.load(yamlFile: Repository.path("samples/schemes/ndvi-cover.yaml")).gaps.isEmpty)
    }
}

@Suite struct ReflectanceGuardTests {
    /// The raster rows the guard looks at (every 8th) of a band of the Olinda stack: valid stored values (the
    /// Landsat preset's fill value 0 excluded when `fill` is set).
    static func sampledValues(band: Int, fill: Double?) throws -> [Double] {
        let values: [UInt8] = try Dataset.open(Repository.landsat).band(band).readAll()
        var sampled: [Double] = []
        for row in stride(from: 0, to: 352, by: 8) {
            for column in 0..<349 where Double(values[row * 349 + column]) != fill { sampled.append(Double(values[row * 349 + column])) }
        }
        return sampled
    }

    static func g(_ value: Double) -> String { String(format: "%.5g", value) }

    /// `--sensor landsat7` on the sample's 8-bit DN: reflectance is all about -0.2 and NDVI about 0.
    @Test func landsatPresetOnDigitalNumbersWarns() throws {
        let directory = TemporaryDirectory()
        let output = directory.path("ndvi.tif")
        let result = try runSoilmap(["index", "NDVI", "--sensor", "landsat7", "-i", Repository.landsat, "-o", output])
        #expect(result.status == 0)
        var expected: [String] = []
        for (role, band) in [("red", 3), ("nir", 4)] {
            let reflectance = try Self.sampledValues(band: band, fill: 0).map { $0 * 0.0000275 - 0.2 }
            #expect(reflectance.allSatisfy { $0 < -0.15 })
            expected.append("soilmap: warning: reflectance band \(role) (\(Repository.landsat) band \(band)): 100 % of the valid pixels lie outside "
                + "-0.15...1.5 (\(Self.g(reflectance.min()!))...\(Self.g(reflectance.max()!)) after x 2.75e-05 - 0.2); an offset seems applied "
                + "to values that do not carry it, or the scale is too small (check --sensor, --scale and --offset)")
        }
        #expect(result.stderr == (expected + ["\(output): NDVI, 349 x 352"]).joined(separator: "\n") + "\n")
        #expect(directory.files == ["ndvi.tif"])
        // -q keeps it quiet.
        let quiet = try runSoilmap(["index", "NDVI", "--sensor", "landsat7", "-i", Repository.landsat, "-o", output, "--overwrite", "-q"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
    }

    @Test func unscaledDigitalNumbersWarn() throws {
        let directory = TemporaryDirectory()
        let output = directory.path("ndvi.tif")
        let result = try runSoilmap(Hostile.ndvi + ["-o", output])
        let red = try Self.sampledValues(band: 3, fill: nil), nir = try Self.sampledValues(band: 4, fill: nil)
        let share = { (values: [Double]) in Int((Double(values.filter { $0 > 1.5 }.count) / Double(values.count) * 100).rounded()) }
        #expect(result.stderr.split(separator: "\n").map(String.init) == [
            "soilmap: warning: reflectance band red (\(Repository.landsat) band 3): \(share(red)) % of the valid pixels lie outside -0.15...1.5 "
                + "(\(Self.g(red.min()!))...\(Self.g(red.max()!)) after x 1 + 0); these look like digital numbers without their scale "
                + "(give --scale, e.g. 0.0001 for Sentinel-2 L2A, or --sensor)",
            "soilmap: warning: reflectance band nir (\(Repository.landsat) band 4): \(share(nir)) % of the valid pixels lie outside -0.15...1.5 "
                + "(\(Self.g(nir.min()!))...\(Self.g(nir.max()!)) after x 1 + 0); these look like digital numbers without their scale "
                + "(give --scale, e.g. 0.0001 for Sentinel-2 L2A, or --sensor)",
            "\(output): NDVI, 349 x 352",
        ])
    }

    /// The Makefile demo's scale: about 1 % of a band's pixels pass 1.5 at most (saturated SWIR 1), well under
    /// the 10 % that makes a band suspect; nothing is said. A role that is not a reflectance band is never checked.
    @Test func scaledInputAndOtherRolesStayQuiet() throws {
        for band in 1...5 {
            let values = try Self.sampledValues(band: band, fill: nil).map { $0 * 0.01 }
            let outside = Double(values.filter { $0 > 1.5 || $0 < -0.15 }.count) / Double(values.count)
            #expect(outside < 0.02, "band \(band): \(outside)")
        }
        let directory = TemporaryDirectory()
        let demo = directory.path("demo.tif")
        let result = try runSoilmap(["index", "NDVI,NDMI,BSI,NDSI,SI3", "-i", Repository.landsat, "--band", "blue=1", "--band", "green=2",
                                     "--band", "red=3", "--band", "nir=4", "--band", "swir1=5", "--scale", "0.01", "-o", demo])
        #expect(result.status == 0 && result.stderr == "\(demo): NDVI, NDMI, BSI, NDSI, SI3, 349 x 352\n")
        let ratio = directory.path("ratio.tif")
        let custom = try runSoilmap(["index", "--expr", "R=dn4/dn3", "-i", Repository.landsat, "--band", "dn3=3", "--band", "dn4=4", "-o", ratio])
        #expect(custom.status == 0 && custom.stderr == "\(ratio): R, 349 x 352\n")
    }
}

@Suite struct CombineInputTests {
    /// Writes Float32 rasters of the given values and classifies each with `scheme`; returns the class maps.
    static func classified(_ directory: TemporaryDirectory, scheme: String, _ layers: [(String, [Float])]) throws -> [String] {
        try layers.map { name, values in
            let raw = directory.path("\(name)-values.tif"), map = directory.path("\(name).tif")
            try writeRaster(raw, width: values.count, height: 1, values: values)
            let result = try runSoilmap(["classify", raw, "--scheme", scheme, "-o", map, "-q"])
            try #require(result.status == 0, "\(result.stderr)")
            return map
        }
    }

    /// Trends.Earth's layers: Int16, -1 degraded, 0 stable, 1 improved, nodata -32768.
    static func trendsEarth(_ directory: TemporaryDirectory, _ layers: [(String, [Int16])]) throws -> [String] {
        try layers.map { name, values in
            let path = directory.path("\(name).tif")
            try writeRaster(path, width: values.count, height: 1, values: values, noData: -32768)
            return path
        }
    }

    @Test func aFloatIndexIsNoClassMap() throws {
        let directory = TemporaryDirectory()
        let ndvi = directory.path("ndvi.tif")
        #expect(try runSoilmap(Hostile.ndvi + ["--scale", "0.01", "-o", ndvi, "-q"]).status == 0)
        let output = directory.path("worst.tif")
        let result = try runSoilmap(["combine", ndvi, ndvi, "--method", "worst-of", "-o", output])
        #expect(result.status == 1)
        #expect(result.stderr == "soilmap: \(ndvi): is a Float32 raster, not a class map: combine takes integer class maps (classify it first with `soilmap classify`)\n")
        #expect(directory.files == ["ndvi.tif"])
    }

    /// Four NDVI cover classes were relabelled degraded/stable/improved.
    @Test func classesOfAnotherSchemeAreRefused() throws {
        let directory = TemporaryDirectory()
        let cover = try Self.classified(directory, scheme: Repository.path("samples/schemes/ndvi-cover.yaml"), [("cover", [-0.1, 0.1, 0.3, 0.5])])[0]
        let sdg = try Self.classified(directory, scheme: "sdg-15.3.1", [("sdg", [-1, 0, 1, 1])])[0]
        let before = Set(directory.files)
        let sdgLegend = "(1 degraded, 2 stable, 3 improved; or Trends.Earth's -1/0/1 layers)"
        for (arguments, message) in [
            (["--method", "one-out-all-out"], "\(cover): holds ndvi-cover classes, but one-out-all-out combines sdg-15.3.1 maps \(sdgLegend)"),
            (["--table", "sdg-productivity"], "\(cover): holds ndvi-cover classes, but rule table sdg-productivity combines sdg-15.3.1 maps \(sdgLegend)"),
        ] {
            let inputs = arguments[0] == "--table" ? [sdg, cover, sdg] : [sdg, cover]
            let result = try runSoilmap(["combine"] + inputs + arguments + ["-o", directory.path("out.tif")])
            #expect(result.status == 1)
            #expect(result.stderr == "soilmap: \(message)\n")
        }
        let count = try runSoilmap(["combine", sdg, sdg, "--method", "count", "--degraded-value=-1", "-o", directory.path("out.tif")])
        #expect(count.stderr == "soilmap: --degraded-value -1: \(sdg) (sdg-15.3.1) has no class -1 (its classes: 1, 2, 3)\n")
        #expect(Set(directory.files) == before)
    }

    /// worst-of over sdg-15.3.1 maps returned "improved"; the worst is the lowest value there (degraded).
    @Test func worstOfKnowsWhichEndIsWorst() throws {
        let directory = TemporaryDirectory()
        let a: [Float] = [-1, 0, 1, 1, 0, 1], b: [Float] = [1, 1, 1, 0, 0, -1]
        let maps = try Self.classified(directory, scheme: "sdg-15.3.1", [("a", a), ("b", b)])
        let output = directory.path("worst.tif")
        let result = try runSoilmap(["combine"] + maps + ["--method", "worst-of", "-o", output])
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
        // By meaning: the worse of the two codes (-1 degraded < 0 stable < 1 improved), written as class value code + 2.
        let expected = zip(a, b).map { UInt8(min($0, $1) + 2) }
        let worst = try Dataset.open(output)
        #expect(try worst.band(1).readAll(as: UInt8.self) == expected)
        #expect(worst.metadata()["CLASS_SCHEME"] == "sdg-15.3.1")
        #expect(worst.metadata()["COMBINE_METHOD"] == "worst-of (the lowest value is worst)")
        // Salinity worsens upwards, SDG status improves upwards: worst-of cannot order the two together.
        let saline = try Self.classified(directory, scheme: "salinity-ec", [("saline", [1, 3, 5, 9, 17, 1])])[0]
        let mixed = try runSoilmap(["combine", maps[0], saline, "--method", "worst-of", "-o", directory.path("mixed.tif")])
        #expect(mixed.status == 1)
        #expect(mixed.stderr == "soilmap: worst-of cannot compare \(maps[0]) (sdg-15.3.1), whose worst class is its lowest value, with \(saline) (salinity-ec), whose worst is its highest\n")
        #expect(!directory.files.contains("mixed.tif"))
    }

    /// Trends.Earth's -1/0/1 layers: "improved" trajectories came out declining and stable ones nodata. Expected
    /// here from Trends.Earth's own rules (calc_prod5 in trends.earth-algorithms), transcribed independently of
    /// soilmap's rule table: declining trajectory 1, stable 4, improving 5; then stable with state 0 and performance
    /// -1: 3; improving with state and performance -1: 2; stable with state -1 and performance 0: 2; stable with
    /// both -1: 1; any nodata: nodata.
    @Test func trendsEarthLayersAreReadAsWhatTheyMean() throws {
        var trajectory: [Int16] = [], state: [Int16] = [], performance: [Int16] = [], expected: [UInt8] = []
        for t in [-1, 0, 1] as [Int16] {
            for s in [-1, 0, 1] as [Int16] {
                for p in [-1, 0] as [Int16] {
                    trajectory.append(t); state.append(s); performance.append(p)
                    var lpd: UInt8 = t == -1 ? 1 : t == 0 ? 4 : 5
                    if t == 0 && s == 0 && p == -1 { lpd = 3 }
                    if t == 1 && s == -1 && p == -1 { lpd = 2 }
                    if t == 0 && s == -1 && p == 0 { lpd = 2 }
                    if t == 0 && s == -1 && p == -1 { lpd = 1 }
                    expected.append(lpd)
                }
            }
        }
        trajectory.append(-32768); state.append(0); performance.append(0); expected.append(0)
        let directory = TemporaryDirectory()
        let layers = try Self.trendsEarth(directory, [("trajectory", trajectory), ("state", state), ("performance", performance)])
        let output = directory.path("lpd.tif")
        let result = try runSoilmap(["combine"] + layers + ["--table", "sdg-productivity", "-o", output])
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
        let lpd = try Dataset.open(output)
        #expect(try lpd.band(1).readAll(as: UInt8.self) == expected)
        #expect(lpd.metadata()["COMBINE_TRENDS_EARTH_INPUTS"] == layers.map { ($0 as NSString).lastPathComponent }.joined(separator: ";"))
        // Read as class values on request: every -1 and 0 is outside 1...3, said per file, and nodata.
        let asClasses = directory.path("as-classes.tif")
        let forced = try runSoilmap(["combine"] + layers + ["--table", "sdg-productivity", "--input-codes", "classes", "-o", asClasses])
        #expect(forced.status == 0)
        // The last pixel is nodata in the trajectory, so the others' values there are never looked at.
        let outside = [trajectory, state, performance].map { $0.dropLast().filter { !(1...3).contains($0) }.count }
        #expect(forced.stderr.split(separator: "\n").map(String.init) == zip(layers, outside).map {
            "soilmap: warning: \($0.0): \($0.1) pixels hold values outside the sdg-15.3.1 classes (1, 2, 3); they became nodata"
        })
        // Performance is -1 or 0 everywhere, so no pixel keeps a value.
        #expect(try Dataset.open(asClasses).band(1).readAll(as: UInt8.self).allSatisfy { $0 == 0 })
        // One-out-all-out over Trends.Earth layers: degraded if any is -1, else improved if any is 1, else stable.
        let sdg = directory.path("sdg.tif")
        #expect(try runSoilmap(["combine", layers[0], layers[1], "--method", "one-out-all-out", "-o", sdg, "-q"]).status == 0)
        let sdgValues = try Dataset.open(sdg).band(1).readAll(as: UInt8.self)
        for pixel in trajectory.indices.dropLast() {
            let codes = [trajectory[pixel], state[pixel]]
            #expect(sdgValues[pixel] == (codes.contains(-1) ? 1 : codes.contains(1) ? 3 : 2))
        }
        #expect(sdgValues.last == 0)
    }

    /// The flag for Trends.Earth codes refuses a map that carries a soilmap scheme; a map made elsewhere with
    /// values outside its method's classes has them turned into nodata, with the count.
    @Test func codesAndStrayValues() throws {
        let directory = TemporaryDirectory()
        let sdg = try Self.classified(directory, scheme: "sdg-15.3.1", [("sdg", [-1, 0, 1, 1])])[0]
        let handMade = directory.path("hand.tif")
        try writeRaster(handMade, width: 4, height: 1, values: [UInt8]([1, 4, 3, 0]), noData: 0)
        let wrongFlag = try runSoilmap(["combine", sdg, handMade, "--method", "one-out-all-out", "--input-codes", "trends-earth",
                                        "-o", directory.path("x.tif")])
        #expect(wrongFlag.stderr == "soilmap: \(sdg): holds sdg-15.3.1 class values (its CLASS_SCHEME metadata), not Trends.Earth codes: leave out --input-codes trends-earth\n")
        let output = directory.path("sdg-out.tif")
        let result = try runSoilmap(["combine", sdg, handMade, "--method", "one-out-all-out", "-o", output])
        #expect(result.stderr == "soilmap: warning: \(handMade): 1 pixel holds a value outside the sdg-15.3.1 classes (1, 2, 3); it became nodata\n")
        // By hand: (1,1) degraded; (2,4) 4 is no class: nodata; (3,3) improved; (3, nodata) nodata.
        #expect(try Dataset.open(output).band(1).readAll(as: UInt8.self) == [1, 0, 3, 0])
    }
}
