import Foundation
import Testing
import GDAL
@testable import SoilMap

/// `soilmap train --kind linear` and `soilmap predict` against numpy's least squares and statsmodels
/// (Tests/reference/models_reference.py), on the real Olinda Landsat scene with SYNTHETIC EC measurements:
/// no package ships EC samples with matching imagery, so 90 points are placed on the scene and given an EC made
/// from its own SWIR1 and NDVI plus a fixed wobble. The points are written in WGS84, so they are transformed onto
/// the raster's UTM grid on the way in.
@Suite(.serialized) struct ModelTests {
    static var python: String { (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python" }
    static let script = Repository.path("Tests/reference/models_reference.py")

    /// NDVI of the Olinda stack (`soilmap index`), and the predictors as `train` takes them.
    static func predictors(in directory: TemporaryDirectory) throws -> [String] {
        let ndvi = directory.path("ndvi.tif")
        let result = try runSoilmap(["index", "NDVI", "-i", Repository.landsat, "--band", "red=3", "--band", "nir=4", "-o", ndvi, "-q"])
        try #require(result.status == 0, "\(result.stderr)")
        return [ndvi, "swir1=\(Repository.landsat):5"]
    }

    /// 90 points at cell centres (nudged inside the cell), in WGS84, with EC = 0.8 + 0.06 SWIR1 - 3 NDVI + 0.5 sin(1.7 i).
    static func writePoints(_ path: String, count: Int = 90, field: String = "EC", text: Bool = false, in directory: TemporaryDirectory) throws {
        let stack = try Dataset.open(Repository.landsat)
        let transform = stack.geoTransform!
        let swir = try stack.band(5).readAll(as: Double.self), red = try stack.band(3).readAll(as: Double.self)
        let nir = try stack.band(4).readAll(as: Double.self)
        let toWGS84 = try CoordinateTransformation(from: stack.spatialReference!, to: try SpatialReference(epsg: 4326))
        let dataset = try Driver("GPKG").createVector(path: path)
        let layer = try dataset.createLayer(name: "ec_points", spatialReference: try SpatialReference(epsg: 4326), geometryType: .point)
        try layer.createField(FieldDefinition(name: field, type: text ? .string : .real))
        try layer.createField(FieldDefinition(name: "note", type: .string))
        for i in 0..<count {
            let column = 20 + (i * 37) % 300, row = 15 + (i * 53) % 320
            let pixel = row * stack.width + column
            let ndvi = (nir[pixel] - red[pixel]) / (nir[pixel] + red[pixel])
            let ec = 0.8 + 0.06 * swir[pixel] - 3 * ndvi + 0.5 * sin(1.7 * Double(i))
            let world = transform.world(column: Double(column) + 0.3, row: Double(row) + 0.6)
            let point = try toWGS84.transform(x: world.x, y: world.y)
            let value: FieldValue = text ? .string(i == 7 ? "n/a" : String(ec)) : .real(ec)
            try layer.addFeature([field: value, "note": .string("synthetic")], geometry: try Geometry(wkt: "POINT (\(point.x) \(point.y))"))
        }
        try dataset.close()
    }

    @Test func linearCalibrationMatchesNumpyStatsmodelsAndMapsSalinity() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no venv at \(Self.python): run `make venv`")
        let directory = TemporaryDirectory()
        let predictors = try Self.predictors(in: directory)
        let points = directory.path("ec.gpkg")
        try Self.writePoints(points, in: directory)
        for logTarget in [false, true] {
            let model = directory.path("ec\(logTarget).json"), map = directory.path("ec\(logTarget).tif")
            let train = try runSoilmap(["train", points, "--field", "EC", "--predictors"] + predictors
                                       + ["--kind", "linear", "--unit", "dS/m", "--seed", "11", "-o", model, "-q"] + (logTarget ? ["--log-target"] : []))
            #expect(train.status == 0, "\(train.stderr)")
            let predict = try runSoilmap(["predict", model, "--predictors"] + predictors + ["-o", map, "--tile-size", "64", "-q"])
            #expect(predict.status == 0, "\(predict.stderr)")
            let reference = try run(Self.python, [Self.script, "linear", model, map, points, "EC"] + predictors)
            #expect(reference.status == 0, "numpy/statsmodels disagree:\n\(reference.stdout)\(reference.stderr)")
            #expect(reference.stdout.contains("samples=90 "), "\(reference.stdout)")
            let file = try ModelFile.read(model)
            #expect(file.linear?.terms == ["intercept", "NDVI", "swir1"] && file.linear?.unit == "dS/m" && file.linear?.logTarget == logTarget)
            #expect(file.linear?.crossValidation?.folds == 5 && file.linear?.crossValidation?.seed == 11)
            #expect((file.linear?.statistics.rSquared ?? 0) > 0.8, "the synthetic EC follows its predictors")
        }
        // The EC map into salinity classes: each class checked against the FAO breaks (2, 4, 8, 16 dS/m) by hand.
        let classes = directory.path("salinity.tif")
        let classify = try runSoilmap(["classify", directory.path("ecfalse.tif"), "--scheme", "salinity-ec", "-o", classes, "-q"])
        #expect(classify.status == 0, "\(classify.stderr)")
        let ec = try readBand(directory.path("ecfalse.tif")), codes = try readBand(classes)
        var seen = Set<Float>()
        for (value, code) in zip(ec, codes) {
            let expected: Float = value == -9999 ? 0 : value < 2 ? 1 : value < 4 ? 2 : value < 8 ? 3 : value < 16 ? 4 : 5
            if code != expected { Issue.record("EC \(value) classified \(code), expected \(expected)"); break }
            seen.insert(code)
        }
        #expect(seen.count >= 3, "the map spans several salinity classes: \(seen.sorted())")
    }

    /// Folds are the samples shuffled with the seed and dealt in turn: the same for a seed, other for another.
    @Test func crossValidationFoldsAreDeterministicForASeed() {
        let a = LinearRegression.folds(count: 53, folds: 5, seed: 7), b = LinearRegression.folds(count: 53, folds: 5, seed: 7)
        let c = LinearRegression.folds(count: 53, folds: 5, seed: 8)
        #expect(a == b && a != c)
        #expect((0..<5).map { fold in a.filter { $0 == fold }.count } == [11, 11, 11, 10, 10])
    }

    /// A fit worked by hand: y = 1, 3, 4, 8 at x = 0, 1, 2, 3. x̄ = 1.5, ȳ = 4, Sxx = 5, Sxy = 11: slope 2.2,
    /// intercept 0.7; fitted 0.7, 2.9, 5.1, 7.3, residuals 0.3, 0.1, -1.1, 0.7, SSE 1.8, SST 26: R² = 1 - 1.8/26;
    /// s² = 1.8 / 2 = 0.9, se(slope) = sqrt(0.9/5), se(intercept) = sqrt(0.9 (1/4 + 2.25/5)).
    /// Student's t (tables): P(|T| > 2) with 10 df = 0.0733880, P(|T| > 1.5) with 3 df = 0.2305839.
    @Test func aFitWorkedByHand() throws {
        let fit = try LinearRegression.fit(features: [0, 1, 2, 3], targets: [1, 3, 4, 8], predictorCount: 1, names: ["x"])
        #expect(abs(fit.coefficients[0] - 0.7) < 1e-12 && abs(fit.coefficients[1] - 2.2) < 1e-12)
        #expect(abs(fit.statistics.rSquared - (1 - 1.8 / 26)) < 1e-12)
        #expect(abs(fit.standardErrors[1] - (0.9 / 5).squareRoot()) < 1e-12)
        #expect(abs(fit.standardErrors[0] - (0.9 * (0.25 + 2.25 / 5)).squareRoot()) < 1e-12)
        #expect(abs(Distributions.twoSidedTProbability(2, degrees: 10) - 0.0733880) < 1e-7)
        #expect(abs(Distributions.twoSidedTProbability(-1.5, degrees: 3) - 0.2305839) < 1e-7)
    }

    @Test func badCalibrationInputsAreClearErrors() throws {
        let directory = TemporaryDirectory()
        let predictors = try Self.predictors(in: directory)
        let points = directory.path("ec.gpkg"), textPoints = directory.path("ec-text.gpkg"), fewPoints = directory.path("ec-few.gpkg")
        try Self.writePoints(points, in: directory)
        try Self.writePoints(textPoints, text: true, in: directory)
        try Self.writePoints(fewPoints, count: 3, in: directory)
        let model = directory.path("model.json")
        func train(_ plots: String, _ field: String = "EC", _ rasters: [String]) throws -> String {
            let result = try runSoilmap(["train", plots, "--field", field, "--predictors"] + rasters + ["--kind", "linear", "-o", model])
            #expect(result.status != 0)
            #expect(!FileManager.default.fileExists(atPath: model), "no model left behind")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
            return result.stderr
        }
        #expect(try train(points, "ECe", predictors).contains("\(points): has no field 'ECe' (its fields: EC, note)"))
        #expect(try train(textPoints, "EC", predictors).contains("feature FID 8: field 'EC' (String) is 'n/a', not a number"))
        #expect(try train(fewPoints, "EC", predictors).contains("3 samples for 3 parameters"))
        let twice = try train(points, "EC", predictors + ["swir1again=\(Repository.landsat):5"])
        #expect(twice.contains("the design matrix is singular: 'swir1again' is constant or a linear combination"), "\(twice)")
        let unknown = try train(points, "EC", [directory.path("missing.tif")])
        #expect(unknown.contains("missing.tif: no such raster"), "\(unknown)")
    }
}
