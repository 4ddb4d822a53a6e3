import Digest
import Foundation

/// The three kinds of model `soilmap train` makes.
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    /// Ordinary least squares of a measured property on predictors (calibration).
    case linear
    /// A forest of CART trees voting for a class.
    case randomForest = "random-forest"
    /// k-means clusters of the predictors' values (no plots needed).
    case kmeans
}

/// One predictor a model was trained on: the band's role (what `predict` checks), and where it came from.
public struct ModelPredictor: Codable, Sendable, Hashable {
    public var role: String
    /// The file's name (not its folder: a model must not depend on where it was trained).
    public var file: String
    public var band: Int
}

/// A class of a classification model: the pixel value it gets in the map, its label in the training data, its colour.
public struct ModelClass: Codable, Sendable, Equatable {
    public var value: Int
    public var label: String
    /// "#rrggbb".
    public var color: String
    /// Training samples (cells) of this class.
    public var samples: Int
}

/// What a model was trained on: enough to tell, years later, whether the same data gives the same model.
public struct TrainingRecord: Codable, Sendable, Equatable {
    /// The plots' file name and layer; nil for k-means over the rasters.
    public var source: String?
    public var layer: String?
    public var field: String?
    /// How the cells were taken ("cell under each point", "cells whose centre is inside each polygon", ...).
    public var sampling: String
    /// Plots read (points or polygons), and training samples (cells) after the validation split.
    public var plots: Int
    public var samples: Int
    /// Cells dropped because a predictor had no value there.
    public var droppedCells: Int
    /// SHA-256 of the feature matrix and targets, in sample order (`TrainingSamples.sha256`).
    public var sha256: String
    /// The plots (by FID) or blocks held out for validation, in the order they were drawn.
    public var validationPlots: [Int64]?
    public var validationBlocks: [String]?
    public var validationSamples: Int?

    enum CodingKeys: String, CodingKey {
        case source, layer, field, sampling, plots, samples, droppedCells = "dropped_cells", sha256
        case validationPlots = "validation_plots", validationBlocks = "validation_blocks", validationSamples = "validation_samples"
    }
}

/// A model as `soilmap train` writes it and `soilmap predict` reads it: JSON, versioned, with everything a
/// later run needs to check it is applied to the same kind of inputs.
public struct ModelFile: Codable, Sendable {
    public static let formatName = "soilmap-model"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    public var kind: ModelKind
    public var soilmapVersion: String
    /// In the order the model takes them; `predict` must be given the same roles in the same order.
    public var predictors: [ModelPredictor]
    public var training: TrainingRecord
    public var seed: Int?
    /// Classification models: the classes in map order.
    public var classes: [ModelClass]?
    public var linear: LinearModel?
    public var forest: RandomForestModel?
    public var kmeans: KMeansModel?

    enum CodingKeys: String, CodingKey {
        case format, version, kind, soilmapVersion = "soilmap_version", predictors, training, seed, classes, linear, forest, kmeans
    }

    public init(kind: ModelKind, predictors: [ModelPredictor], training: TrainingRecord, seed: Int?) {
        format = Self.formatName
        version = Self.currentVersion
        self.kind = kind
        soilmapVersion = SoilMapVersion.string
        self.predictors = predictors
        self.training = training
        self.seed = seed
    }

    /// The file's bytes: keys sorted, so the same model is the same bytes. Forests are written compactly (they
    /// hold tens of thousands of nodes); the other kinds indented, for people to read.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = kind == .randomForest ? [.sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// Writes the model through the step's transaction (hidden temporary file, committed with the step).
    func write(to path: String, transaction: OutputTransaction) throws {
        let data = try encoded()
        try transaction.write(path, pathExtension: "json") { temporary in
            guard FileManager.default.createFile(atPath: temporary, contents: data) else {
                throw SoilMapError.invalidInput(path: path, "cannot be written")
            }
        }
    }

    /// Reads and checks a model file: its format, a version this soilmap reads, and the part its kind needs.
    public static func read(_ path: String) throws -> ModelFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SoilMapError.invalidInput(path: path, FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such model file")
        }
        struct Header: Decodable { var format: String?; var version: Int? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data), header.format == formatName else {
            throw SoilMapError.invalidInput(path: path, "is not a soilmap model file (JSON with \"format\": \"\(formatName)\"; make one with soilmap train)")
        }
        guard let version = header.version, version <= currentVersion, version >= 1 else {
            throw SoilMapError.invalidInput(path: path, "model file version \(header.version.map(String.init) ?? "?") is newer than this soilmap reads (\(currentVersion)): use soilmap \(SoilMapVersion.string) or later")
        }
        let model: ModelFile
        do {
            model = try JSONDecoder().decode(ModelFile.self, from: data)
        } catch {
            throw SoilMapError.invalidInput(path: path, "is a damaged model file: \(Self.describe(error))")
        }
        let complete: Bool
        switch model.kind {
        case .linear: complete = model.linear.map { $0.coefficients.count == model.predictors.count + 1 } ?? false
        case .randomForest: complete = model.forest.map { !$0.trees.isEmpty && $0.trees.allSatisfy { $0.isConsistent(featureCount: model.predictors.count, classCount: model.classes?.count ?? 0) } } ?? false
        case .kmeans: complete = model.kmeans.map { $0.centres.allSatisfy { $0.count == model.predictors.count } && $0.centres.count == model.classes?.count } ?? false
        }
        guard complete else { throw SoilMapError.invalidInput(path: path, "is a damaged \(model.kind.rawValue) model file: its parts do not fit its predictors") }
        return model
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "'\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))' is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
