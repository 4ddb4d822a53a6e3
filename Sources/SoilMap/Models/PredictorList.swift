import Foundation
import GDAL

/// The predictors of `train` and `predict`: `RASTER[:BAND]` or `ROLE=RASTER[:BAND]`, each with a role, the name a
/// model knows it by. Without `ROLE=`, the role is the band's description when it has one (`soilmap index` writes
/// the index id there, e.g. ndvi), else the file's name without extension, with `_bN` for a band other than 1 of a
/// multi-band file. `predict` refuses rasters whose roles differ from the model's.
public enum PredictorList {
    public static func sources(_ texts: [String]) throws -> [BandSource] {
        guard !texts.isEmpty else { throw SoilMapError.invalidArgument("give at least one predictor raster (--predictors RASTER[:BAND]...)") }
        var sources: [BandSource] = []
        for text in texts {
            let source = try source(text)
            if let earlier = sources.first(where: { $0.role == source.role }) {
                throw SoilMapError.invalidArgument("--predictors: two predictors have the role '\(source.role)' (\(earlier.path):\(earlier.band) and \(source.path):\(source.band)); name them ROLE=RASTER[:BAND]")
            }
            sources.append(source)
        }
        return sources
    }

    static func source(_ text: String) throws -> BandSource {
        var role: String?
        var rest = text
        if let equals = text.firstIndex(of: "="), equals != text.startIndex,
           text[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            role = String(text[..<equals])
            rest = String(text[text.index(after: equals)...])
        }
        guard !rest.isEmpty else { throw SoilMapError.invalidArgument("--predictors \(text): no raster given") }
        var path = rest, band = 1
        if let colon = rest.lastIndex(of: ":"), colon != rest.startIndex, let number = Int(rest[rest.index(after: colon)...]) {
            path = String(rest[..<colon])
            band = number
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw SoilMapError.invalidInput(path: path, "no such raster (a predictor)")
        }
        let dataset = try Dataset.open(path, kind: .raster)
        guard (1...max(dataset.bandCount, 1)).contains(band), band <= dataset.bandCount else {
            throw SoilMapError.invalidInput(path: path, "has \(dataset.bandCount) band(s), no band \(band)")
        }
        if role == nil {
            let description = try dataset.band(band).bandDescription.trimmingCharacters(in: .whitespaces)
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            role = !description.isEmpty ? description : (band == 1 && dataset.bandCount == 1 ? stem : "\(stem)_b\(band)")
        }
        return BandSource(role: role!, path: path, band: band)
    }

    /// The model's record of its predictors.
    static func record(_ sources: [BandSource]) -> [ModelPredictor] {
        sources.map { ModelPredictor(role: $0.role, file: ($0.path as NSString).lastPathComponent, band: $0.band) }
    }

    /// Refuses predictors whose roles are not the model's, in the model's order.
    static func check(_ sources: [BandSource], against model: ModelFile, modelPath: String) throws {
        let expected = model.predictors.map(\.role), given = sources.map(\.role)
        guard expected != given else { return }
        let list = expected.joined(separator: ", ")
        guard expected.count == given.count else {
            throw SoilMapError.invalidInput(path: modelPath, "was trained on \(expected.count) predictor(s) (\(list)); \(given.count) given")
        }
        let index = zip(expected, given).enumerated().first { $0.element.0 != $0.element.1 }!.offset
        let source = sources[index]
        throw SoilMapError.invalidInput(path: modelPath, "predictor \(index + 1) is '\(given[index])' (\(source.path):\(source.band)) but the model's predictor \(index + 1) is '\(expected[index])': give the rasters in the model's order (\(list)), or name them ROLE=RASTER[:BAND]")
    }
}
