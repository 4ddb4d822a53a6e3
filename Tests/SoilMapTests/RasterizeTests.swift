import Foundation
import Testing
import GDAL
@testable import SoilMap

/// `soilmap rasterize`: the Olinda census tracts (lon/lat polygons; no soil-type polygons exist offline, and tracts
/// have a numeric attribute and Portuguese names) onto the Landsat grid (UTM 25S), against GDAL's rasterizer
/// driven from Python (Tests/reference/rasterize_reference.py): every cell equal, classes and names equal.
@Suite struct RasterizeTests {
    static let tracts = Repository.path("samples/olinda/olinda1.shp")
    static let landsat = Repository.path("samples/olinda/L7_ETMs.tif")
    static let script = Repository.path("Tests/reference/rasterize_reference.py")

    static func values(_ path: String) throws -> [Double] {
        try Dataset.open(path).band(1).readAll(as: Double.self)
    }

    @Test(arguments: [false, true])
    func numericEqualsGDAL(allTouched: Bool) throws {
        try #require(FileManager.default.isExecutableFile(atPath: SOCChangeTests.python), "no venv: run `make venv`")
        let directory = TemporaryDirectory()
        let output = directory.path("v014.tif"), reference = directory.path("ref.tif")
        let result = try runSoilmap(["rasterize", Self.tracts, "--field", "V014", "--like", Self.landsat, "-o", output, "-q"]
                                    + (allTouched ? ["--all-touched"] : []))
        try #require(result.status == 0, "\(result.stderr)")
        let python = try run(SOCChangeTests.python, [Self.script, Self.tracts, "V014", Self.landsat, reference, "numeric"] + (allTouched ? ["all-touched"] : []))
        try #require(python.status == 0, "\(python.stderr)")
        let ours = try Self.values(output), theirs = try Self.values(reference)
        #expect(ours == theirs)
        let burnt = ours.filter { $0 != -9999 }.count
        #expect(burnt > (allTouched ? 52_000 : 50_000), "\(burnt) cells burnt")
        let dataset = try Dataset.open(output), band = try dataset.band(1)
        #expect(band.noDataValue == -9999 && band.dataType == .float32)
        #expect(dataset.spatialReference?.wkt() == (try Dataset.open(Self.landsat).spatialReference?.wkt()))
    }

    @Test func classesEqualGDALWithTheirNames() throws {
        try #require(FileManager.default.isExecutableFile(atPath: SOCChangeTests.python), "no venv: run `make venv`")
        let directory = TemporaryDirectory()
        let output = directory.path("bairros.tif"), reference = directory.path("ref.tif")
        let result = try runSoilmap(["rasterize", Self.tracts, "--field", "NM_BAIR", "--like", Self.landsat, "-o", output, "-q"])
        try #require(result.status == 0, "\(result.stderr)")
        let python = try run(SOCChangeTests.python, [Self.script, Self.tracts, "NM_BAIR", Self.landsat, reference, "categorical"])
        try #require(python.status == 0, "\(python.stderr)")
        let names = python.stdout.split(separator: "\n").map(String.init)
        #expect(names.count > 20 && names.contains { $0.unicodeScalars.contains { $0.value > 127 } }, "\(names)")
        #expect(try Self.values(output) == Self.values(reference))
        let band = try Dataset.open(output).band(1)
        #expect(band.categoryNames == [""] + names)
        #expect(band.colorTable != nil && band.noDataValue == 0 && band.dataType == .byte)
        #expect(FileManager.default.fileExists(atPath: QGISStyle.stylePath(for: output)))
    }

    @Test func identicalWhateverTheThreadsAndAPipelineStep() throws {
        let directory = TemporaryDirectory()
        var outputs: [Data] = []
        for threads in ["1", "2"] {
            let output = directory.path("t\(threads).tif")
            let result = try runSoilmap(["rasterize", Self.tracts, "--field", "NM_BAIR", "--like", Self.landsat, "--threads", threads, "-o", output, "-q"])
            try #require(result.status == 0, "\(result.stderr)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: output)))
        }
        #expect(outputs[0] == outputs[1])
        let file = directory.path("p.yaml"), runDirectory = directory.path("run")
        try """
        soilmap: 1
        run_dir: \(runDirectory)
        steps:
          bairros: {kind: rasterize, polygons: \(Self.tracts), field: NM_BAIR, like: \(Self.landsat), output: t1.tif}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let piped = try runSoilmap(["run", file, "-q"])
        try #require(piped.status == 0, "\(piped.stderr)")
        #expect(try Dataset.open(runDirectory + "/t1.tif").band(1).readAll(as: Double.self) == Self.values(directory.path("t1.tif")))
    }

    @Test func badInputsAreOneLineErrorsAndLeaveNothing() throws {
        let directory = TemporaryDirectory()
        let output = directory.path("out.tif")
        let points = directory.path("points.geojson")
        try """
        {"type": "FeatureCollection", "features": [{"type": "Feature", "id": 1, "properties": {"v": 2.5}, "geometry": {"type": "Point", "coordinates": [-34.85, -8.0]}}]}
        """.write(toFile: points, atomically: true, encoding: .utf8)
        // The tracts without their .prj: their lon/lat would be taken as UTM metres and nothing burnt.
        for part in ["shp", "shx", "dbf"] {
            try FileManager.default.copyItem(atPath: Repository.path("samples/olinda/olinda1.\(part)"), toPath: directory.path("noprj.\(part)"))
        }
        let noPRJ = directory.path("noprj.shp")
        let cases: [([String], String)] = [
            ([noPRJ, "--field", "V014", "--like", Self.landsat], "soilmap: \(noPRJ): layer 'noprj' has no CRS"),
            ([Self.tracts, "--field", "NOPE", "--like", Self.landsat], "soilmap: \(Self.tracts): layer 'olinda1' has no field 'NOPE'"),
            ([Self.tracts, "--field", "V014"], "soilmap: give the grid: --like RASTER, or --te XMIN YMIN XMAX YMAX and --tr XRES YRES"),
            ([Self.tracts, "--field", "V014", "--like", directory.path("missing.tif")], "soilmap: \(directory.path("missing.tif")): "),
            ([points, "--field", "v", "--like", Self.landsat], "soilmap: \(points): feature 1 is not a polygon"),
        ]
        for (arguments, message) in cases {
            let result = try runSoilmap(["rasterize"] + arguments + ["-o", output])
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["noprj.dbf", "noprj.shp", "noprj.shx", "points.geojson"])
    }
}
