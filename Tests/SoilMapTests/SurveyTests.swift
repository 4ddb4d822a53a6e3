import Foundation
import Testing
import GDAL
@testable import SoilMap

/// `soilmap sample` and `soilmap grid` on the real Meuse and Olinda samples, against GDAL's own tools
/// (gdallocationinfo, gdal_grid), numpy, PyKrige and R gstat (Tests/reference/survey_reference.py).
@Suite(.serialized) struct SurveyTests {
    static var python: String { (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python" }
    static let script = Repository.path("Tests/reference/survey_reference.py")
    static let meuse = Repository.path("samples/meuse/meuse.txt")
    static let meuseGrid = ["--te", "178600", "329700", "181600", "333700", "--tr", "40", "40"]

    /// Runs one case of the reference script; returns its summary line as key=value pairs.
    static func reference(_ name: String) throws -> [String: String] {
        var fields: [String: String] = [:]
        for word in try referenceOutput(name).split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    /// Runs one case of the reference script; returns its summary line.
    static func referenceOutput(_ name: String) throws -> String {
        try #require(FileManager.default.isExecutableFile(atPath: python), "no venv at \(python): run `make venv`")
        let directory = TemporaryDirectory()
        let result = try run(python, [script, name, directory.url.path, try soilmapExecutable(), Repository.root.path])
        #expect(result.status == 0, "\(name): the reference disagrees:\n\(result.stdout)\(result.stderr)")
        return result.stdout
    }

    @Test func sampleMatchesGdallocationinfoAndNumpyBilinear() throws {
        // 400 lon/lat points over the Olinda Landsat scene (6 bands) and DEM, the Meuse points in lon/lat over a
        // zinc raster in RD New with nodata holes; nearest against gdallocationinfo, bilinear against numpy.
        let counts = try Self.reference("sample")
        #expect(Int(counts["compared"] ?? "") ?? 0 > 5000, "\(counts)")
        #expect(Int(counts["empty"] ?? "") ?? 0 > 200, "points outside and on nodata were met: \(counts)")
    }

    @Test func gdalAlgorithmsMatchGdalGridCellByCell() throws {
        let report = try Self.reference("gdal-grid")
        #expect(!report.isEmpty)
    }

    @Test func krigingMatchesPyKrige() throws {
        _ = try Self.reference("pykrige")
    }

    @Test func leaveOneOutMatchesNumpy() throws {
        _ = try Self.reference("loo")
    }

    /// Jura: fit on the 259 samples, predict the 100 held out (--validation) and the 259 by leave-one-out, Cd and
    /// Ni, seven methods; every prediction and RMSE equal to numpy / scipy / PyKrige (RMSE within 1e-6 relative).
    @Test func juraValidationMatchesReferences() throws {
        let output = try Self.referenceOutput("jura")
        let rows = output.split(whereSeparator: { $0 == " " || $0 == "\n" }).filter { $0.contains("validation_rmse=") && $0.contains("n=100") }
        #expect(rows.count == 14, "two fields x seven methods, each predicting all 100 held-out points: \(output)")
    }

    @Test func variogramFitMatchesGstat() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/Rscript"), "R gstat is the reference: apt-get install r-cran-gstat")
        _ = try Self.reference("gstat-fit")
    }

    /// The same map and table, byte for byte, with 1 or 2 threads and strips of 16 or 128 rows.
    @Test func identicalWhateverThreadsAndStrips() throws {
        let directory = TemporaryDirectory()
        for algorithm in ["kriging:model=exponential:max_points=12:radius=900", "invdistnn:power=2:radius=600:max_points=10", "linear:radius=300"] {
            var files: [Data] = []
            for (threads, strip) in [(1, 16), (2, 128), (2, 7)] {
                let output = directory.path("grid_\(threads)_\(strip).tif")
                let parameters = GridParameters(points: Self.meuse, pointsCRS: "EPSG:28992", field: "zinc", algorithm: algorithm,
                                                extent: [178600, 329700, 181600, 333700], resolution: [50, 50],
                                                crossValidation: "kfold:5", seed: 7, output: output)
                try GridStep(parameters).run(in: RunContext(threads: threads, tileSize: strip))
                files.append(try Data(contentsOf: URL(fileURLWithPath: output)))
                files.append(try Data(contentsOf: URL(fileURLWithPath: directory.path("grid_\(threads)_\(strip)_cv.csv"))))
                try FileManager.default.removeItem(atPath: output)
                try FileManager.default.removeItem(atPath: directory.path("grid_\(threads)_\(strip)_cv.csv"))
            }
            #expect(files[0] == files[2] && files[0] == files[4], "\(algorithm): the map depends on threads or strips")
            #expect(files[1] == files[3] && files[1] == files[5], "\(algorithm): the k-fold table depends on threads")
        }
        // 2,000 points over the Olinda scene (UTM 25S), some beyond its edge, sampled bilinear from both rasters.
        let points = directory.path("olinda_points.csv")
        let landsat = try Dataset.open(Repository.landsat)
        let transform = try #require(landsat.geoTransform)
        var lines = ["x,y,id"]
        for index in 0..<2000 {
            let column = Double((index * 7919) % 3600) / 10 - 5, row = Double((index * 104_729) % 3600) / 10 - 4
            let world = transform.world(column: column, row: row)
            lines.append("\(world.x),\(world.y),\(index)")
        }
        try lines.joined(separator: "\n").write(toFile: points, atomically: true, encoding: .utf8)
        let table = { (threads: Int) throws -> Data in
            let output = directory.path("sample\(threads).csv")
            let summary = try SampleStep(SampleParameters(rasters: [Repository.landsat, Repository.path("samples/olinda/olinda_dem_utm25s.tif")],
                                                          points: points, pointsCRS: "EPSG:31985", method: "bilinear", output: output))
                .run(in: RunContext(threads: threads)).result
            #expect(summary.pointCount == 2000 && summary.columns.count == 7)
            return try Data(contentsOf: URL(fileURLWithPath: output))
        }
        #expect(try table(1) == (try table(2)))
    }

    /// The block-wise candidate lists choose the same neighbours as the per-cell tree search: every value equal to
    /// the bit, on the Meuse points, with blocks of several sizes (one holding points, one far from all of them).
    @Test func blockCandidatesGiveTheTreeSearchValues() throws {
        let points = try SurveyPoints.read(PointSource(path: Self.meuse, crs: "EPSG:28992"))
        let values = try points.numericValues(of: "zinc").map { $0! }
        let field = try SurveyField(x: points.x, y: points.y, z: values)
        let variogram = VariogramModel(kind: .spherical, sill: 150000, range: 900, nugget: 20000)
        for text in ["invdistnn:power=2:radius=400:max_points=7", "invdistnn:power=1.5:radius=100000:max_points=12", "nearest",
                     "kriging:model=spherical:sill=150000:range=900:nugget=20000:max_points=10",
                     "kriging:model=spherical:sill=150000:range=900:nugget=20000:max_points=16:radius=500"] {
            let algorithm = try GridAlgorithm.parse(text).algorithm
            let blocked = PointEstimator(algorithm: algorithm, field: field, variogram: variogram)
            let tree = PointEstimator(algorithm: algorithm, field: field, variogram: variogram)
            #expect(blocked.neighbourRule != nil, "\(text)")
            var compared = 0
            for (originX, originY, cell, side) in [(178_603.3, 329_701.7, 40.0, 16), (179_000.0, 331_000.0, 13.0, 30), (150_000.0, 300_000.0, 500.0, 5)] {
                blocked.prepareBlock(minX: originX, minY: originY, maxX: originX + cell * Double(side - 1), maxY: originY + cell * Double(side - 1))
                for row in 0..<side {
                    for column in 0..<side {
                        let px = originX + cell * Double(column), py = originY + cell * Double(row)
                        let a = blocked.estimate(px, py), b = tree.estimate(px, py)
                        #expect(a.value.bitPattern == b.value.bitPattern && a.variance.bitPattern == b.variance.bitPattern,
                                "\(text) at (\(px), \(py)): \(a) vs \(b)")
                        compared += 1
                    }
                }
                blocked.endBlock()
            }
            #expect(compared == 16 * 16 + 30 * 30 + 25)
        }
    }

    /// The kriging cache: a set's system found in the cache, after other sets were visited in another order and
    /// some evicted, gives the bits of the same set computed in a fresh system; a revisited set is not recomputed.
    /// (The values themselves are checked against PyKrige and numpy above.)
    @Test func cachedKrigingSystemsGiveTheBitsOfFreshOnes() throws {
        let points = try SurveyPoints.read(PointSource(path: Self.meuse, crs: "EPSG:28992"))
        let values = try points.numericValues(of: "zinc").map { $0! }
        let field = try SurveyField(x: points.x, y: points.y, z: values)
        for variogram in [VariogramModel(kind: .spherical, sill: 150000, range: 900, nugget: 20000),
                          VariogramModel(kind: .gaussian, sill: 140000, range: 800, nugget: 25000)] {
            // 300 places over the points; their 16 closest (ties by index) in ascending point order.
            var list = NeighbourList()
            let places: [(Double, Double)] = (0..<300).map { index in
                let column = Double(index % 15), row = Double(index / 15)
                return (178_700 + 97.3 * column, 329_900 + 181.1 * row)
            }
            let sets: [[Int32]] = places.map { place in
                let count = field.index.nearest(place.0, place.1, k: 16, maxDistance2: .infinity, into: &list)
                return Array(list.indices[0..<count]).sorted()
            }
            let warm = KrigingSystem(variogram: variogram, field: field, capacity: 16)
            for set in sets.reversed() { _ = set.withUnsafeBufferPointer { warm.slot(for: $0) } }
            let before = warm.inversions
            for (index, set) in sets.enumerated() {
                let (px, py) = places[index]
                let slot = set.withUnsafeBufferPointer { warm.slot(for: $0) }
                let inversions = warm.inversions
                let again = set.withUnsafeBufferPointer { warm.slot(for: $0) }
                #expect(again == slot && warm.inversions == inversions, "a set looked up twice in a row is inverted once")
                let cached = warm.estimate(px, py, slot: slot)
                let fresh = KrigingSystem(variogram: variogram, field: field, capacity: 16)
                let recomputed = fresh.estimate(px, py, slot: set.withUnsafeBufferPointer { fresh.slot(for: $0) })
                #expect(cached.value.bitPattern == recomputed.value.bitPattern && cached.variance.bitPattern == recomputed.variance.bitPattern,
                        "\(variogram.kind) at (\(px), \(py)): \(cached) vs \(recomputed)")
                #expect(cached.value.isFinite && cached.variance > 0)
            }
            #expect(warm.inversions - before < sets.count / 2, "most sets were still cached from the sweep in the other order")
        }
    }

    /// k-fold: the seed decides the folds; the same seed gives the same folds, every fold has its share.
    @Test func kFoldsDrawnFromTheSeed() {
        let a = CrossValidation.folds(count: 155, folds: 5, seed: 1), b = CrossValidation.folds(count: 155, folds: 5, seed: 1)
        let c = CrossValidation.folds(count: 155, folds: 5, seed: 2)
        #expect(a == b && a != c)
        #expect((0..<5).allSatisfy { fold in a.filter { $0 == fold }.count == 31 })
    }

    /// The fit on a variogram made from a known model comes back to it (sill, range, nugget).
    @Test func variogramFitRecoversAKnownModel() throws {
        let model = VariogramModel(kind: .spherical, sill: 10, range: 300, nugget: 2)
        var fake = EmpiricalVariogram(x: [0, 1, 2], y: [0, 0, 0], values: [0, 0, 0], lagCount: 3, maxLag: 3)
        fake.distances = stride(from: 25.0, through: 600, by: 25).map { $0 }
        fake.semivariances = fake.distances.map { model.semivariance($0) }
        fake.pairCounts = fake.distances.map { _ in 100 }
        let fitted = try fake.fit(.spherical).model
        #expect(abs(fitted.sill - 10) < 1e-6 && abs(fitted.range - 300) < 1e-4 && abs(fitted.nugget - 2) < 1e-6, "\(fitted)")
    }

    // MARK: Bad input

    static func refused(_ arguments: [String], in directory: TemporaryDirectory, _ message: String) throws {
        let result = try runSoilmap(arguments)
        #expect(result.status != 0, "\(arguments) was accepted")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { !$0.hasPrefix("input") }
        #expect(left.isEmpty, "\(arguments) left \(left)")
    }

    @Test func badInputIsRefusedCleanly() throws {
        let directory = TemporaryDirectory()
        let out = directory.path("out.tif")
        let grid = ["--points-crs", "EPSG:28992"] + Self.meuseGrid + ["-o", out, "--cv", "loo"]
        try Self.refused(["grid", Self.meuse, "--field", "zink", "-a", "invdist"] + grid, in: directory, "has no field 'zink'")
        try Self.refused(["grid", Self.meuse, "--field", "landuse", "-a", "invdist"] + grid, in: directory, "is not a number")
        try Self.refused(["grid", Self.meuse, "--field", "zinc", "-a", "invdist", "--points-crs", "EPSG:28992", "--te", "0", "0", "1000", "1000",
                          "--tr", "100", "100", "-o", out], in: directory, "none of the 155 points lies inside the grid")
        try Self.refused(["grid", Self.meuse, "--field", "zinc", "-a", "invdist", "--points-crs", "EPSG:4326"] + Self.meuseGrid + ["--t-srs", "EPSG:28992", "-o", out],
                         in: directory, "points cannot be transformed to the grid's CRS")
        try Self.refused(["grid", Self.meuse, "--field", "zinc", "-a", "invdist:min_points=200"] + grid, in: directory, "min_points=200 but only 155 points")
        try Self.refused(["grid", Self.meuse, "--field", "zinc", "-a", "invdist:radius=3"] + grid, in: directory, "invdist has no parameter 'radius'")
        try Self.refused(["grid", Self.meuse, "--field", "zinc", "-a", "kriging:model=cubic"] + grid, in: directory, "model=cubic is not one of")
        try Self.refused(["grid", Self.meuse, "--field", "zinc", "-a", "invdist", "--points-crs", "EPSG:28992", "-o", out], in: directory, "give the grid")
        try Self.refused(["grid", Self.meuse, "--field", "zinc", "-a", "invdist", "--cv", "kfold:5"] + Self.meuseGrid + ["--points-crs", "EPSG:28992", "-o", out],
                         in: directory, "give --seed S")
        try Self.refused(["grid", Self.meuse, "--field", "zinc", "-a", "invdist", "--like", Repository.landsat, "-o", out], in: directory, "the points have no CRS")
        try Self.refused(["sample", Repository.landsat, "--points", Self.meuse, "-o", directory.path("v.csv")], in: directory, "the points have no CRS")
        // Five points cannot carry a fitted variogram (three parameters from lag classes of pairs).
        let few = directory.path("input_few.csv")
        try (["x,y,zinc"] + (0..<5).map { "\(179000 + 100 * $0),\(331000 + 37 * $0 * $0),\(100 + 10 * $0)" }).joined(separator: "\n")
            .write(toFile: few, atomically: true, encoding: .utf8)
        try Self.refused(["grid", few, "--field", "zinc", "-a", "kriging:model=spherical"] + grid, in: directory, "needs at least 10")
        // --validation: the field missing from the held-out file, a held-out point outside the grid, a table not .csv.
        let heldOut = directory.path("input_heldout.csv")
        try "x,y,copper\n179500,331000,30\n".write(toFile: heldOut, atomically: true, encoding: .utf8)
        try Self.refused(["grid", Self.meuse, "--field", "zinc", "-a", "linear"] + grid + ["--validation", heldOut], in: directory,
                         "input_heldout.csv: has no field 'zinc'")
        let outside = directory.path("input_outside.csv")
        try "x,y,zinc\n179500,331000,300\n190000,331000,400\n".write(toFile: outside, atomically: true, encoding: .utf8)
        try Self.refused(["grid", Self.meuse, "--field", "zinc", "-a", "nearest"] + grid + ["--validation", outside], in: directory,
                         "input_outside.csv: validation point 2 (190000, 331000) lies outside the grid")
        try Self.refused(["grid", Self.meuse, "--field", "zinc", "-a", "nearest"] + grid + ["--validation", outside, "--validation-output", directory.path("v.txt")],
                         in: directory, "--validation-output")
        // linear: points all on one line cannot be triangulated.
        let line = directory.path("input_line.csv")
        try (["x,y,zinc"] + (0..<6).map { "\(179000 + 100 * $0),\(331000 + 50 * $0),\(100 + $0)" }).joined(separator: "\n")
            .write(toFile: line, atomically: true, encoding: .utf8)
        try Self.refused(["grid", line, "--field", "zinc", "-a", "linear"] + grid, in: directory, "input_line.csv: linear: the points all lie on one line")
        // sample: a raster that is not one, an output format it cannot write.
        try Self.refused(["sample", Self.meuse, "--points", Self.meuse, "--points-crs", "EPSG:28992", "-o", directory.path("v.csv")],
                         in: directory, "not a raster")
        try Self.refused(["sample", Repository.landsat, "--points", Self.meuse, "--points-crs", "EPSG:28992", "-o", directory.path("v.txt")],
                         in: directory, "use .csv or .gpkg")
    }

    /// Points sharing a location: a warning; kriging uses their mean. An existing output needs --overwrite.
    @Test func duplicatesWarnAndOutputsAreNotReplaced() throws {
        let directory = TemporaryDirectory()
        let points = directory.path("input_dup.csv")
        var lines = try String(contentsOfFile: Self.meuse, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.append(lines[1].replacingOccurrences(of: ",1022,", with: ",1500,"))
        try lines.joined(separator: "\n").write(toFile: points, atomically: true, encoding: .utf8)
        let out = directory.path("dup.tif")
        let arguments = ["grid", points, "--field", "zinc", "-a", "kriging:model=spherical:sill=150000:range=900:nugget=20000",
                         "--points-crs", "EPSG:28992", "--te", "181000", "333500", "181200", "333700", "--tr", "100", "100", "-o", out]
        let result = try runSoilmap(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("1 points share a location with another; kriging uses the mean value"), "\(result.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        let again = try runSoilmap(arguments)
        #expect(again.status != 0 && again.stderr.contains("already exists"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == before)
    }

    @Test func pipelineKinds() {
        #expect(AnyStep.kinds["sample"]?.keys.contains("points_crs") == true)
        #expect(AnyStep.kinds["grid"]?.keys.contains("algorithm") == true)
    }
}
