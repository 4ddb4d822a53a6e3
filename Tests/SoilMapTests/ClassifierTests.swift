import Foundation
import Testing
import GDAL
@testable import SoilMap

/// Random forest and k-means on real imagery with reference labels (samples/nc-landsat: Landsat 7 bands, 34
/// labelled polygons, 1,000 labelled points, 7 land-cover classes), against scikit-learn
/// (Tests/reference/models_reference.py, which extracts the training cells itself with GDAL's rasterizer).
@Suite(.serialized) struct ClassifierTests {
    static var python: String { ModelTests.python }
    static let folder = Repository.path("samples/nc-landsat")
    static let bands = ["10", "20", "30", "40", "50", "70"].map { "\(folder)/lsat7_2000_\($0).tif" }
    static let polygons = "\(folder)/landsat96_polygons.shp", points = "\(folder)/landsat96_points.shp"

    /// Trained on the polygons (30 % of them, whole and stratified by class, held out), assessed on the points:
    /// overall accuracy within 2 points of scikit-learn's forest with the same hyper-parameters and split.
    @Test func forestMatchesScikitLearnOnTheLabelledPoints() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no venv at \(Self.python): run `make venv`")
        let directory = TemporaryDirectory()
        let model = directory.path("rf.json"), map = directory.path("rf.tif")
        let train = try runSoilmap(["train", Self.polygons, "--field", "label", "--predictors"] + Self.bands
                                   + ["--kind", "random-forest", "--trees", "100", "--validation", "0.3", "--seed", "5", "-o", model])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("5 plot(s) lie outside the rasters or have no cell where every predictor has a value"), "\(train.stderr)")
        let predict = try runSoilmap(["predict", model, "--predictors"] + Self.bands + ["--confidence", "-o", map, "-q"])
        #expect(predict.status == 0, "\(predict.stderr)")
        let reference = try run(Self.python, [Self.script, "forest", model, map, Self.polygons, Self.points, "label"] + Self.bands)
        #expect(reference.status == 0, "scikit-learn disagrees:\n\(reference.stdout)\(reference.stderr)")
        print("nc-landsat forest vs scikit-learn: \(reference.stdout)")
        let file = try ModelFile.read(model)
        // The one agriculture polygon (FID 3) lies where band 70 has no value: six classes remain.
        #expect(file.classes?.map(\.label) == ["developed", "forest", "herbaceous", "sediment", "shrubland", "water"])
        #expect((file.training.validationPlots?.count ?? 0) >= 5 && file.forest?.assessedOn == "validation")
        #expect(abs((file.forest?.impurityImportance.reduce(0, +) ?? 0) - 1) < 1e-12)
        #expect(file.forest?.permutationImportance.count == 6)
        // The class map as classify writes one: colour table, names, a .qml; the confidence band in percent.
        let dataset = try Dataset.open(map)
        #expect(dataset.bands.map(\.bandDescription) == ["label", "confidence"])
        #expect(try dataset.band(1).categoryNames.prefix(4) == ["", "developed", "forest", "herbaceous"])
        #expect(FileManager.default.fileExists(atPath: directory.path("rf.qml")))
        let confidence = try readBand(map, 2), classes = try readBand(map, 1)
        #expect(zip(classes, confidence).allSatisfy { ($0 == 0) == ($1 == 0) && $1 <= 100 })
    }

    static let script = ModelTests.script

    /// Same seed: the same model file bytes with 1 and 2 threads, the same map bytes with 1 and 2 threads and
    /// tiles of 64 and 128; another seed, another forest.
    @Test func sameSeedGivesTheSameBytesWhateverTheThreadsAndTiles() throws {
        let directory = TemporaryDirectory()
        var models: [Data] = []
        for (threads, seed) in [(1, 9), (2, 9), (2, 10)] {
            let model = directory.path("rf-\(threads)-\(seed).json")
            let result = try runSoilmap(["train", Self.polygons, "--field", "label", "--predictors"] + Self.bands
                                        + ["--kind", "random-forest", "--trees", "12", "--seed", String(seed), "--threads", String(threads), "-o", model, "-q"])
            try #require(result.status == 0, "\(result.stderr)")
            models.append(try Data(contentsOf: URL(fileURLWithPath: model)))
        }
        #expect(models[0] == models[1], "threads 1 and 2 give the same model file")
        #expect(models[1] != models[2], "another seed gives another forest")
        var maps: [Data] = []
        for (threads, tile) in [(1, 64), (2, 128)] {
            let map = directory.path("map-\(threads)-\(tile).tif")
            let result = try runSoilmap(["predict", directory.path("rf-1-9.json"), "--predictors"] + Self.bands
                                        + ["--confidence", "--threads", String(threads), "--tile-size", String(tile), "-o", map, "-q"])
            try #require(result.status == 0, "\(result.stderr)")
            maps.append(try Data(contentsOf: URL(fileURLWithPath: map)))
        }
        #expect(maps[0] == maps[1], "threads 1/tile 64 and threads 2/tile 128 give the same map bytes")
    }

    /// k-means++ centres from the model given to scikit-learn as its initial centres: the same partition of the
    /// sampled cells, the same centres.
    @Test func kmeansPartitionEqualsScikitLearnsFromTheSameCentres() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no venv at \(Self.python): run `make venv`")
        let directory = TemporaryDirectory()
        let model = directory.path("km.json"), map = directory.path("km.tif")
        let train = try runSoilmap(["train", "--predictors"] + Self.bands + ["--kind", "kmeans", "--classes", "6", "--samples", "20000",
                                                                            "--seed", "3", "-o", model, "-q"])
        #expect(train.status == 0, "\(train.stderr)")
        let predict = try runSoilmap(["predict", model, "--predictors"] + Self.bands + ["-o", map, "--threads", "2", "--tile-size", "128", "-q"])
        #expect(predict.status == 0, "\(predict.stderr)")
        let reference = try run(Self.python, [Self.script, "kmeans", model, map] + Self.bands)
        #expect(reference.status == 0, "scikit-learn disagrees:\n\(reference.stdout)\(reference.stderr)")
        #expect(reference.stdout.contains("partition=identical"))
        let again = directory.path("km2.json")
        #expect(try runSoilmap(["train", "--predictors"] + Self.bands + ["--kind", "kmeans", "--classes", "6", "--samples", "20000",
                                                                          "--seed", "3", "-o", again, "-q"]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == Data(contentsOf: URL(fileURLWithPath: again)))
    }

    /// `--importance` and `--importance-samples`: the choice and the samples used are in the file and printed; the
    /// trees and the accuracy (on all assessed samples) do not depend on them; a capped draw is the same for a seed.
    @Test func importanceChoiceAndSampleCapAreRecordedAndDeterministic() throws {
        let directory = TemporaryDirectory()
        func train(_ name: String, _ options: [String], seed: Int = 4) throws -> (forest: [String: Any], bytes: Data, stdout: String) {
            let model = directory.path(name)
            let result = try runSoilmap(["train", Self.polygons, "--field", "label", "--predictors"] + Self.bands
                                        + ["--kind", "random-forest", "--trees", "12", "--seed", String(seed), "-o", model] + options)
            try #require(result.status == 0, "\(result.stderr)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: model))
            let json = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
            return (try #require(json["forest"] as? [String: Any]), bytes, result.stdout)
        }
        let plain = try train("default.json", [])
        #expect(plain.forest["importance"] as? String == "permutation")
        #expect(plain.forest["permutation_samples"] as? Int == 1911 && plain.forest["permutation_max_samples"] as? Int == 20000)
        #expect(plain.stdout.contains("importance (permutation on 1911 training samples): "), "\(plain.stdout)")
        let capped = try train("capped.json", ["--importance-samples", "500"])
        let again = try train("capped-again.json", ["--importance-samples", "500"])
        let otherSeed = try train("capped-seed.json", ["--importance-samples", "500"], seed: 5)
        #expect(capped.bytes == again.bytes, "the same draw for a seed")
        #expect(capped.forest["permutation_samples"] as? Int == 500 && capped.forest["permutation_max_samples"] as? Int == 500)
        #expect(capped.stdout.contains("importance (permutation on 500 training samples): "), "\(capped.stdout)")
        let importance = { (forest: [String: Any]) in forest["permutation_importance"] as? [Double] ?? [] }
        #expect(importance(capped.forest).count == 6 && importance(capped.forest) != importance(plain.forest))
        #expect(importance(otherSeed.forest).count == 6 && otherSeed.bytes != capped.bytes)
        let impurity = try train("impurity.json", ["--importance", "impurity"])
        #expect(impurity.forest["importance"] as? String == "impurity" && importance(impurity.forest).isEmpty)
        #expect(impurity.forest["permutation_samples"] == nil && !impurity.stdout.contains("permutation"))
        let none = try train("none.json", ["--importance", "none"])
        #expect(none.forest["importance"] as? String == "none" && (none.forest["impurity_importance"] as? [Double])?.isEmpty == true)
        #expect(none.stdout.contains("importance: none measured"), "\(none.stdout)")
        for other in [capped, impurity, none] {
            let nodes = { (forest: [String: Any]) in (forest["trees"] as? [[String: Any]] ?? []).map { $0["data"] as? String ?? "" } }
            #expect(nodes(other.forest).count == 12 && nodes(other.forest) == nodes(plain.forest), "the trees do not depend on the importance")
            #expect(other.forest["accuracy"] as? Double == plain.forest["accuracy"] as? Double)
        }
        #expect(impurity.forest["impurity_importance"] as? [Double] == plain.forest["impurity_importance"] as? [Double])
        let wrong = try runSoilmap(["train", Self.polygons, "--field", "label", "--predictors"] + Self.bands
                                   + ["--kind", "random-forest", "--importance", "gini", "-o", directory.path("wrong.json"), "-q"])
        #expect(wrong.status != 0 && wrong.stderr.contains("--importance gini: use permutation, impurity, none"), "\(wrong.stderr)")
    }

    /// Plots are read in raster order but kept in layer order: the labelled points shuffled give the same samples,
    /// shuffled the same way.
    @Test func pointsReadInRasterOrderKeepTheirLayerOrder() throws {
        let directory = TemporaryDirectory()
        let shuffled = directory.path("shuffled.gpkg")
        let source = try Dataset.open(Self.points, kind: .vector).layer(0)
        var features: [(label: String, geometry: Geometry?)] = []
        try source.forEachFeature { features.append((try $0.value(named: "label").stringValue ?? "", $0.geometry?.clone())) }
        var generator = SeededRandom(seed: 77)
        var order = Array(features.indices)
        generator.shuffle(&order)
        do {
            let dataset = try Driver("GPKG").createVector(path: shuffled)
            let layer = try dataset.createLayer(name: "plots", spatialReference: source.spatialReference, geometryType: .point)
            try layer.createField(FieldDefinition(name: "label", type: .string))
            for index in order { try layer.addFeature(["label": .string(features[index].label)], geometry: features[index].geometry) }
            try dataset.close()
        }
        let bands = Self.bands.map { try! PredictorList.source($0) }
        let plan = try InputPlan.make(sources: bands, mask: nil, scale: nil, offset: nil)
        let inLayerOrder = try TrainingSamples.extract(plots: Self.points, layer: nil, field: "label", target: .category, plan: plan,
                                                       predictors: bands, cellsPerPolygon: nil, seed: 1)
        let inShuffledOrder = try TrainingSamples.extract(plots: shuffled, layer: nil, field: "label", target: .category, plan: plan,
                                                          predictors: bands, cellsPerPolygon: nil, seed: 1)
        // 562 of the 1,000 points lie where every band has a value.
        #expect(inLayerOrder.count == 562)
        #expect(inShuffledOrder.count == inLayerOrder.count)
        // Sample k of the shuffled layer is the point at order[k] of the original, when both are kept.
        var position: [Int64: Int] = [:]
        for (sample, plot) in inLayerOrder.plots.enumerated() { position[inLayerOrder.plotIDs[plot]] = sample }
        var compared = 0
        for (sample, plot) in inShuffledOrder.plots.enumerated() {
            let original = try #require(position[Int64(order[Int(inShuffledOrder.plotIDs[plot]) - 1])])
            #expect(inShuffledOrder.row(sample) == inLayerOrder.row(original))
            #expect(inShuffledOrder.labels[Int(inShuffledOrder.targets[sample])] == inLayerOrder.labels[Int(inLayerOrder.targets[original])])
            compared += 1
        }
        #expect(compared == inLayerOrder.count)
    }

    @Test func badClassifierInputsAreClearErrors() throws {
        let directory = TemporaryDirectory()
        // Points of the sample with one point (the first inside the scene where every band has a value) relabelled
        // into a class of its own.
        let lonely = directory.path("lonely.gpkg")
        do {
            let source = try Dataset.open(Self.points, kind: .vector).layer(0)
            let dataset = try Driver("GPKG").createVector(path: lonely)
            let layer = try dataset.createLayer(name: "plots", spatialReference: source.spatialReference, geometryType: .point)
            try layer.createField(FieldDefinition(name: "label", type: .string))
            var index = 0
            try source.forEachFeature { feature in
                let label = index == 119 ? "orchard" : try feature.value(named: "label").stringValue ?? ""
                try layer.addFeature(["label": .string(label)], geometry: feature.geometry)
                index += 1
            }
            try dataset.close()
        }
        // A band covering only the scene's north-west corner, west of every polygon.
        let corner = directory.path("corner.tif")
        do {
            let source = try Dataset.open(Self.bands[0])
            let values = try source.band(1).read(window: PixelWindow(column: 0, row: 0, width: 60, height: 60), as: Float.self)
            let dataset = try Driver("GTiff").createRaster(path: corner, width: 60, height: 60, bandCount: 1, dataType: .float32)
            try dataset.setGeoTransform(source.geoTransform!)
            try dataset.setSpatialReference(source.spatialReference!)
            try dataset.band(1).write(window: PixelWindow(width: 60, height: 60), from: values)
            try dataset.band(1).setNoDataValue(-99999)
            try dataset.close()
        }
        let model = directory.path("rf.json")
        func fails(_ arguments: [String], _ output: String = directory.path("rf.json")) throws -> String {
            let result = try runSoilmap(arguments + ["-q"])
            #expect(result.status != 0)
            #expect(!FileManager.default.fileExists(atPath: output), "nothing left at \(output)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
            return result.stderr
        }
        let one = try fails(["train", lonely, "--field", "label", "--predictors"] + Self.bands + ["--kind", "random-forest", "--trees", "5", "-o", model])
        #expect(one.contains("class 'orchard' of field 'label' has a single sample"), "\(one)")
        let uncovered = try fails(["train", Self.polygons, "--field", "label", "--predictors"] + Self.bands + ["corner=\(corner)",
                                   "--kind", "random-forest", "--trees", "5", "-o", model])
        #expect(uncovered.contains("corner.tif: band 1 has no value at any plot of \(Self.polygons): it does not cover the plots"), "\(uncovered)")
        // A model applied to rasters of other roles: reordered, or another band.
        #expect(try runSoilmap(["train", Self.polygons, "--field", "label", "--predictors"] + Self.bands
                                + ["--kind", "random-forest", "--trees", "5", "-o", model, "-q"]).status == 0)
        let map = directory.path("map.tif")
        let reordered = try fails(["predict", model, "--predictors"] + Array(Self.bands.reversed()) + ["-o", map], map)
        #expect(reordered.contains("predictor 1 is 'lsat7_2000_70'") && reordered.contains("the model's predictor 1 is 'lsat7_2000_10'"), "\(reordered)")
        let fewer = try fails(["predict", model, "--predictors"] + Array(Self.bands.prefix(5)) + ["-o", map], map)
        #expect(fewer.contains("was trained on 6 predictor(s)"), "\(fewer)")
        let renamed = try fails(["predict", model, "--predictors"] + Array(Self.bands.prefix(5)) + ["swir2=\(Self.bands[5])", "-o", map], map)
        #expect(renamed.contains("predictor 6 is 'swir2'"), "\(renamed)")
        let notModel = try fails(["predict", Self.bands[0], "--predictors"] + Self.bands + ["-o", map], map)
        #expect(notModel.contains("is not a soilmap model file"), "\(notModel)")
    }
}

/// `train` and `predict` as pipeline steps: the model a pipeline trains is the command's model, byte for byte.
@Suite(.serialized) struct ModelPipelineTests {
    @Test func trainAndPredictRunAsPipelineSteps() throws {
        let directory = TemporaryDirectory()
        let bands = ClassifierTests.bands.map { "    - \($0)" }.joined(separator: "\n")
        let pipeline = directory.path("models.yaml")
        try """
        soilmap: 1
        name: models
        run_dir: \(directory.path("run"))
        steps:
          forest:
            kind: train
            plots: \(ClassifierTests.polygons)
            field: label
            predictors:
        \(bands)
            model_kind: random-forest
            trees: 6
            seed: 2
            output: rf.json
          landcover:
            kind: predict
            model: $forest
            predictors:
        \(bands)
            confidence: true
            output: landcover.tif
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let result = try runSoilmap(["run", pipeline, "-q"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let command = directory.path("rf.json")
        #expect(try runSoilmap(["train", ClassifierTests.polygons, "--field", "label", "--predictors"] + ClassifierTests.bands
                                + ["--kind", "random-forest", "--trees", "6", "--seed", "2", "-o", command, "-q"]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path("run/rf.json"))) == Data(contentsOf: URL(fileURLWithPath: command)))
        #expect(try Dataset.open(directory.path("run/landcover.tif")).bandCount == 2)
    }
}
