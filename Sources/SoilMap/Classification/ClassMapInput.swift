import Foundation
import GDAL

/// How `combine` reads its inputs' values.
public enum CombineInputCodes: String, Sendable, CaseIterable {
    /// Class values as `classify` writes them, except that a map coded as Trends.Earth codes its layers (Int16,
    /// nodata -32768, values in -1...1, no soilmap scheme in its metadata) is read as `trendsEarth`.
    case automatic = "auto"
    /// Class values, never recoded.
    case classValues = "classes"
    /// Trends.Earth's codes, -1 degraded, 0 stable, 1 improved, read as sdg-15.3.1 classes 1, 2, 3.
    case trendsEarth = "trends-earth"
}

/// One input map of `combine`, as its file describes it: an integer band, the class scheme `classify` wrote into
/// its metadata (CLASS_SCHEME, CLASS_INTERVALS, CLASS_WORST), or Trends.Earth's coding.
struct ClassMapInput {
    let path: String
    /// The scheme's id; "sdg-15.3.1" for Trends.Earth codes; nil when the file carries none (made by other tools).
    let schemeID: String?
    /// The scheme's class values (after recoding), when known.
    let classValues: [Int]?
    /// Which end of the values is worst, when the scheme says.
    let worst: ClassScheme.WorstEnd?
    /// Stored -1/0/1 are read as 1/2/3.
    let isTrendsEarth: Bool
    let noData: Double?
    /// The CLASS_* metadata items, passed on by worst-of when every input has the same scheme.
    let classMetadata: [String: String]

    /// Trends.Earth writes its layers as Int16 with this nodata.
    static let trendsEarthNoData = -32768.0

    static func open(_ path: String, codes: CombineInputCodes) throws -> ClassMapInput {
        try GeoTIFFIntegrity.requireIntact(path)
        let dataset = try Dataset.open(path, kind: .raster)
        let band = try dataset.band(1)
        guard band.dataType.isInteger else {
            throw SoilMapError.invalidInput(path: path, "is a \(band.dataType.name) raster, not a class map: combine takes integer class maps (classify it first with `soilmap classify`)")
        }
        let metadata = dataset.metadata()
        let schemeID = metadata["CLASS_SCHEME"]
        let isTrendsEarth: Bool
        switch codes {
        case .classValues:
            isTrendsEarth = false
        case .trendsEarth:
            if let schemeID {
                throw SoilMapError.invalidInput(path: path, "holds \(schemeID) class values (its CLASS_SCHEME metadata), not Trends.Earth codes: leave out --input-codes trends-earth")
            }
            isTrendsEarth = true
        case .automatic:
            // Approximate: the kernel still turns any value outside -1...1 into nodata and reports it.
            if schemeID == nil, band.dataType == .int16, band.noDataValue == trendsEarthNoData,
               let range = try band.minimumMaximum(approximate: true) {
                isTrendsEarth = range.minimum >= -1 && range.maximum <= 1
            } else {
                isTrendsEarth = false
            }
        }
        let classMetadata = metadata.filter { $0.key.hasPrefix("CLASS_") }
        if isTrendsEarth {
            let sdg = BuiltInSchemes.sdg1531
            return ClassMapInput(path: path, schemeID: sdg.id, classValues: sdg.classes.map(\.value), worst: sdg.worst, isTrendsEarth: true,
                                 noData: band.noDataValue, classMetadata: [:])
        }
        let builtIn = BuiltInSchemes.all.first { $0.id == schemeID }
        // CLASS_INTERVALS: "1:(-inf, 0);2:[0, 0.2);..."
        let values = metadata["CLASS_INTERVALS"].map { text in
            text.split(separator: ";").compactMap { $0.split(separator: ":", maxSplits: 1).first.flatMap { Int($0) } }
        }
        return ClassMapInput(path: path, schemeID: schemeID, classValues: schemeID == nil ? nil : values ?? builtIn?.classes.map(\.value),
                             worst: metadata["CLASS_WORST"].flatMap(ClassScheme.WorstEnd.init) ?? builtIn?.worst,
                             isTrendsEarth: false, noData: band.noDataValue, classMetadata: classMetadata)
    }

    /// "a.tif (sdg-15.3.1)", "b.tif (no scheme)".
    var described: String { "\(path) (\(isTrendsEarth ? "Trends.Earth codes" : schemeID ?? "no scheme"))" }
}

/// The values a combine input may hold (after recoding), as a table over their range (looked up per pixel).
struct ClassValueSet: Sendable {
    let lowest: Int
    /// members[v - lowest]: whether v is allowed.
    let members: [Bool]
    /// "the sdg-15.3.1 classes (1, 2, 3)".
    let description: String

    init(_ values: [Int], description: String) {
        lowest = values.min() ?? 0
        var members = [Bool](repeating: false, count: (values.max() ?? 0) - lowest + 1)
        for value in values { members[value - lowest] = true }
        self.members = members
        self.description = description
    }

}
