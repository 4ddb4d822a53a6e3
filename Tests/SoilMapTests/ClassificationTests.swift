import Foundation
import Testing
import GDAL
@testable import SoilMap

/// Classified maps against numpy.digitize, numpy.quantile and jenkspy (Tests/reference/classify_reference.py)
/// on indices computed from the real Landsat sample.
@Suite(.serialized) struct ClassificationTests {
    static let script = Repository.path("Tests/reference/classify_reference.py")
    static var venvPython: String {
        (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python"
    }

    /// NDVI and the salinity index SI3 of the Olinda stack (scale 0.01), one file each.
    static func makeIndices(_ directory: TemporaryDirectory) throws -> (ndvi: String, si3: String) {
        let ndvi = directory.path("ndvi.tif"), si3 = directory.path("si3.tif")
        try IndexJob.run(IndexRequest(outputs: [try IndexOutput.catalogue("NDVI")], sources: Repository.landsatSources(["red", "nir"])), to: ndvi)
        try IndexJob.run(IndexRequest(outputs: [try IndexOutput.catalogue("SI3")], sources: Repository.landsatSources(["green", "red"]),
                                      scale: 0.01), to: si3)
        return (ndvi, si3)
    }

    @Test func equalsNumpyDigitizeAtEveryBoundary() throws {
        let directory = TemporaryDirectory()
        let rasters = try Self.makeIndices(directory)
        for path in [rasters.ndvi, rasters.si3] {
            let values = try readBand(path)
            // Breaks that are values of the raster itself, so that pixels sit exactly on every boundary.
            let valid = values.filter { $0 != -9999 }.sorted()
            let breaks = [valid[valid.count / 5], valid[valid.count / 2], valid[valid.count * 4 / 5]].map(Double.init)
            for boundary in breaks { #expect(values.contains { Double($0) == boundary }) }
            for rightClosed in [false, true] {
                let ours = directory.path("ours-\(rightClosed).tif"), reference = directory.path("numpy-\(rightClosed).tif")
                try ClassifyJob.run(ClassifyRequest(input: path, rule: .breaks(breaks, rightClosed: rightClosed)), to: ours,
                                    output: RasterOutputOptions(overwrite: true))
                let arguments = [Self.script, "digitize", path, reference, "--breaks=" + breaks.map { "\($0)" }.joined(separator: ",")]
                let result = try run("/usr/bin/python3", arguments + (rightClosed ? ["--right"] : []))
                try #require(result.status == 0, "\(result.stderr)")
                let mine = try Dataset.open(ours).band(1).readAll(as: UInt8.self)
                let theirs = try Dataset.open(reference).band(1).readAll(as: UInt8.self)
                #expect(mine == theirs, "\(path) right-closed \(rightClosed): \(zip(mine, theirs).filter { $0 != $1 }.count) pixels differ")
                #expect(Set(mine) == [1, 2, 3, 4])
                try FileManager.default.removeItem(atPath: reference)
            }
        }
    }

    /// The tile classifier (plain bounds) against each class's own `contains`, for every built-in scheme, at and
    /// around every bound, at ±infinity and NaN, and for a scheme with open lower bounds.
    @Test func classBoundsAgreeWithTheClassDefinitions() throws {
        let openLower = try ClassScheme.fromBreaks([-0.2, 0, 0.4], rightClosed: true, id: "open")
        for scheme in BuiltInSchemes.all + [openLower] {
            let bounds = ClassBounds(scheme)
            let edges = scheme.classes.flatMap { [$0.min, $0.max].compactMap { $0 } }
            let probes = edges.flatMap { [$0, $0.nextUp, $0.nextDown, $0 + 1, $0 - 1] } + [-.infinity, .infinity, 0, .nan]
            var tile = [Float](repeating: -1, count: probes.count)
            bounds.classify(probes, count: probes.count, into: &tile)
            for (x, vectorResult) in zip(probes, tile) {
                let expected = x.isNaN ? scheme.noData : (scheme.classes.first { $0.contains(x) }?.value ?? scheme.noData)
                #expect(bounds.classify(x) == expected, "\(scheme.id) at \(x)")
                #expect(vectorResult == Float(expected), "\(scheme.id) at \(x), eight at a time")
            }
        }
    }

    @Test func nodataStaysNodata() throws {
        let directory = TemporaryDirectory()
        try writeRaster(directory.path("ec.tif"), width: 8, height: 1, values: [Float](arrayLiteral: 1.999, 2, 4, 8, 16, -9999, .nan, 3.5),
                        noData: -9999)
        try ClassifyJob.run(ClassifyRequest(input: directory.path("ec.tif"), rule: .scheme(BuiltInSchemes.salinityEC)), to: directory.path("c.tif"))
        // ECe classes are closed below: 2 is slightly saline, 16 extremely saline.
        #expect(try Dataset.open(directory.path("c.tif")).band(1).readAll(as: UInt8.self) == [1, 2, 3, 4, 5, 0, 0, 2])
    }

    @Test func heavyMetalLimitsAreMaximaThatComply() throws {
        let cadmium = try BuiltInSchemes.named("qcvn03-cd")
        #expect([3.9, 4, 4.0001, 10, 10.5, 60, 61].map(cadmium.classify) == [1, 1, 2, 2, 3, 3, 4])
        let lead = try BuiltInSchemes.named("qcvn03-pb")
        #expect([200, 200.1, 700, 701].map(lead.classify) == [1, 2, 3, 4])
        #expect(BuiltInSchemes.all.allSatisfy { (try? $0.validate()) != nil })
        #expect(BuiltInSchemes.sdg1531.classify(-1) == 1 && BuiltInSchemes.sdg1531.classify(0) == 2 && BuiltInSchemes.sdg1531.classify(1) == 3)
    }

    @Test func legendVisibleInGdalinfo() throws {
        let directory = TemporaryDirectory()
        try writeRaster(directory.path("som.tif"), width: 3, height: 1, values: [Float](arrayLiteral: 2.5, 3.5, 6))
        try ClassifyJob.run(ClassifyRequest(input: directory.path("som.tif"), rule: .scheme(BuiltInSchemes.soilOrganicMatter),
                                            vietnameseLabels: true), to: directory.path("som-classes.tif"))
        let info = try run("/usr/bin/gdalinfo", [directory.path("som-classes.tif")]).stdout
        #expect(info.contains("ColorInterp=Palette"))
        #expect(info.contains("Color Table (RGB with 256 entries)"))
        #expect(info.contains("1: 215,25,28,255"))
        #expect(info.contains("Categories:"))
        #expect(info.contains("2: 3-5 % (đạt mức 3 %)"))
        #expect(info.contains("CLASS_SCHEME=soil-organic-matter"))
        #expect(info.contains("NoData Value=0"))
        #expect(try Dataset.open(directory.path("som-classes.tif")).band(1).readAll(as: UInt8.self) == [1, 2, 3])
    }

    @Test func quantileAndEqualIntervalBreaks() throws {
        let directory = TemporaryDirectory()
        let rasters = try Self.makeIndices(directory)
        let quantiles = try DataBreaks(method: .quantile, classes: 4).compute(path: rasters.ndvi)
        let numpy = try run("/usr/bin/python3", [Self.script, "quantile", rasters.ndvi, "--classes", "4"])
        let expected = numpy.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map { Double($0)! }
        #expect(quantiles.breaks == expected)
        #expect(!quantiles.rightClosed)
        // Equal intervals between the exact minimum and maximum (gdalinfo -stats: -0.75342464447021, 0.58666664361954).
        let equal = try DataBreaks(method: .equalInterval, classes: 4).compute(path: rasters.ndvi)
        let low = Double(Float(-0.75342464447021)), high = Double(Float(0.58666664361954)), step = (high - low) / 4
        #expect(equal.breaks.count == 3)
        #expect(zip(equal.breaks, [low + step, low + 2 * step, low + 3 * step]).allSatisfy { abs($0 - $1) < 1e-12 })
        // Nothing written beside the user's raster.
        #expect(!FileManager.default.fileExists(atPath: rasters.ndvi + ".aux.xml"))
    }

    /// mean ± σ breaks from GDAL's own exact statistics (computed here through the Python bindings), written into
    /// the classified map's metadata.
    @Test func meanStandardDeviationBreaksAndMetadata() throws {
        let directory = TemporaryDirectory()
        let rasters = try Self.makeIndices(directory)
        let stats = try run("/usr/bin/python3", ["-c", "from osgeo import gdal; ds = gdal.Open('\(rasters.si3)'); "
                                                 + "s = ds.GetRasterBand(1).ComputeStatistics(False); print(repr(s[2]), repr(s[3]))"])
        let parts = stats.stdout.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(parts.count == 2, "\(stats.stderr)")
        let (mean, deviation) = (parts[0], parts[1])
        let output = directory.path("si3-classes.tif")
        let summary = try ClassifyJob.run(ClassifyRequest(input: rasters.si3, rule: .data(DataBreaks(method: .meanStandardDeviation, classes: 4))),
                                          to: output)
        let expected = [mean - deviation, mean, mean + deviation]
        let breaks = Array(Set(summary.scheme.classes.flatMap { [$0.min, $0.max].compactMap { $0 } })).sorted()
        #expect(breaks.count == 3 && zip(breaks, expected).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) }, "\(breaks) vs \(expected)")
        let metadata = try Dataset.open(output).metadata()
        #expect(metadata["CLASS_BREAKS"]?.split(separator: ",").count == 3)
        #expect(metadata["CLASS_BREAKS_METHOD"]?.hasPrefix("mean ") == true)
        #expect(metadata["CLASS_SOURCE_RASTER"] == (rasters.si3 as NSString).lastPathComponent)
    }

    @Test func jenksEqualsJenkspy() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.venvPython), "no venv at \(Self.venvPython): run `make venv`")
        let directory = TemporaryDirectory()
        let rasters = try Self.makeIndices(directory)
        for path in [rasters.ndvi, rasters.si3] {
            // The same values soilmap optimises: its deterministic subset of the valid pixels.
            let valid = try readBand(path).filter { $0 != -9999 }.map(Double.init).sorted()
            let size = 3000
            let subset = (0..<size).map { valid[Int((Double($0) * Double(valid.count - 1) / Double(size - 1)).rounded())] }
            let file = directory.path("values.txt")
            try subset.map { "\($0)" }.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            for classes in [3, 5] {
                let jenkspy = try run(Self.venvPython, [Self.script, "jenks", file, "--classes", "\(classes)"])
                try #require(jenkspy.status == 0, "\(jenkspy.stderr)")
                let expected = jenkspy.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map { Double($0)! }
                #expect(Jenks.breaks(sorted: subset, classes: classes) == expected, "\(path), \(classes) classes")
                let computed = try DataBreaks(method: .naturalBreaks, classes: classes).compute(path: path)
                #expect(computed.breaks == expected)
                #expect(computed.rightClosed)
            }
        }
    }

    @Test func schemeFilesAreValidated() throws {
        let directory = TemporaryDirectory()
        let good = directory.path("ph.yaml")
        try """
        id: soil-ph
        title: Soil pH (KCl)
        unit: pH
        source: example
        classes:
          - {value: 1, label: Very acid, label_vi: Rất chua, color: "#D7191C", max: 4.5}
          - {value: 2, label: Acid, label_vi: Chua, color: "#FDAE61", min: 4.5, max: 5.5}
          - {value: 3, label: Slightly acid to neutral, color: "#1A9641", min: 5.5}
        """.write(toFile: good, atomically: true, encoding: .utf8)
        let scheme = try ClassScheme.load(yamlFile: good)
        #expect(scheme.classes.map(\.labelVi) == ["Rất chua", "Chua", nil])
        #expect([4.4, 4.5, 5.5].map(scheme.classify) == [1, 2, 3])

        let overlapping = directory.path("bad.yaml")
        try """
        id: bad
        classes:
          - {value: 1, label: A, color: "#000000", max: 5}
          - {value: 2, label: B, color: "#FFFFFF", min: 4}
        """.write(toFile: overlapping, atomically: true, encoding: .utf8)
        let error = #expect(throws: SoilMapError.self) { try ClassScheme.load(yamlFile: overlapping) }
        #expect(error?.description == "\(overlapping): classes 'A' and 'B' overlap at 4")

        let missing = directory.path("missing.yaml")
        try "id: x\nclasses:\n  - {value: 1, color: \"#000000\"}\n".write(toFile: missing, atomically: true, encoding: .utf8)
        let missingError = #expect(throws: SoilMapError.self) { try ClassScheme.load(yamlFile: missing) }
        #expect(missingError?.description.hasPrefix("\(missing): is not a valid scheme: missing 'label'") == true)
    }
}

@Suite struct CombineTests {
    /// The land productivity table on its full truth table (trajectory, state, performance; sdg-15.3.1 values
    /// 1 degraded, 2 stable, 3 improved). Expected: Trends.Earth's documented outcomes, written out by hand.
    @Test func sdgProductivityTruthTable() {
        let expected: [[Int]: Int] = [
            [1, 1, 1]: 1, [1, 1, 2]: 1, [1, 2, 1]: 1, [1, 2, 2]: 1, [1, 3, 1]: 1, [1, 3, 2]: 1,
            [2, 1, 1]: 1, [2, 1, 2]: 2, [2, 2, 1]: 3, [2, 2, 2]: 4, [2, 3, 1]: 4, [2, 3, 2]: 4,
            [3, 1, 1]: 2, [3, 1, 2]: 5, [3, 2, 1]: 5, [3, 2, 2]: 5, [3, 3, 1]: 5, [3, 3, 2]: 5,
        ]
        for (inputs, output) in expected {
            #expect(RuleTable.sdgProductivity.lookup(inputs) == output, "\(inputs)")
        }
    }

    @Test func ruleTablesFromYAML() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("table.yaml")
        try """
        id: erosion-salinity
        inputs: [erosion, salinity]
        scheme: vn-degradation
        rules:
          - [1, 1, 1]
          - ["*", 3, 4]
          - [2, "*", 2]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let table = try RuleTable.load(yamlFile: path)
        #expect(table.scheme?.id == "vn-degradation")
        #expect(table.lookup([1, 1]) == 1 && table.lookup([1, 3]) == 4 && table.lookup([2, 3]) == 4 && table.lookup([2, 1]) == 2)
        #expect(table.lookup([3, 1]) == nil)
        try "inputs: [a, b]\nrules:\n  - [1, x, 2]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: SoilMapError.self) { try RuleTable.load(yamlFile: path) }
        #expect(error?.description == "\(path): rule 1: 'x' is not a whole number or *")
    }

    @Test func mapsCombinedPixelByPixel() throws {
        let directory = TemporaryDirectory()
        // Every combination of three sdg-15.3.1 maps, plus a nodata pixel.
        var a: [UInt8] = [], b: [UInt8] = [], c: [UInt8] = []
        for x in 1...3 { for y in 1...3 { for z in 1...3 { a.append(UInt8(x)); b.append(UInt8(y)); c.append(UInt8(z)) } } }
        a.append(0); b.append(2); c.append(2)
        for (name, values) in [("a", a), ("b", b), ("c", c)] {
            try writeRaster(directory.path("\(name).tif"), width: 28, height: 1, values: values, noData: 0)
        }
        let maps = ["a", "b", "c"].map { directory.path("\($0).tif") }
        try CombineJob.run(inputs: maps, method: .oneOutAllOut, to: directory.path("sdg.tif"))
        let sdg = try Dataset.open(directory.path("sdg.tif")).band(1).readAll(as: UInt8.self)
        try CombineJob.run(inputs: maps, method: .count(degradedValue: 1), to: directory.path("count.tif"))
        let count = try Dataset.open(directory.path("count.tif")).band(1).readAll(as: UInt8.self)
        try CombineJob.run(inputs: maps, method: .worstOf, to: directory.path("worst.tif"))
        let worst = try Dataset.open(directory.path("worst.tif")).band(1).readAll(as: UInt8.self)
        for pixel in 0..<27 {
            let values = [a[pixel], b[pixel], c[pixel]]
            #expect(sdg[pixel] == (values.contains(1) ? 1 : values.contains(3) ? 3 : 2))
            #expect(Int(count[pixel]) == values.filter { $0 == 1 }.count)
            #expect(worst[pixel] == values.max()!)
        }
        #expect(sdg[27] == 0 && count[27] == 255 && worst[27] == 0)
        let info = try Dataset.open(directory.path("sdg.tif"))
        let names = try info.band(1).categoryNames
        #expect(names.prefix(4) == ["", "Degraded", "Stable", "Improved"], "\(names) \(directory.files)")
        #expect(info.metadata()["CLASS_CODES"] == "1:-1;2:0;3:1")
    }
}
