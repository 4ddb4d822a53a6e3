import Foundation
import GDAL
import SoilMap
@_exported import TestSupport

enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    static let landsat = path("samples/olinda/L7_ETMs.tif")
    /// The Olinda stack's band roles: 1 blue, 2 green, 3 red, 4 nir, 5 swir1, 6 swir2.
    static let landsatRoles = ["blue": 1, "green": 2, "red": 3, "nir": 4, "swir1": 5, "swir2": 6]
    static func landsatSources(_ roles: [String]? = nil) -> [BandSource] {
        (roles ?? ["blue", "green", "red", "nir", "swir1", "swir2"]).map { BandSource(role: $0, path: landsat, band: landsatRoles[$0]!) }
    }
}

/// Writes a small single-band raster on a north-up grid with the given values.
func writeRaster<T: RasterScalar>(_ path: String, width: Int, height: Int, values: [T], type: DataType = T.dataType,
                                  noData: Double? = nil, pixelSize: Double = 10, originX: Double = 500_000,
                                  originY: Double = 1_000_000, epsg: Int = 32648,
                                  scale: Double? = nil, offset: Double? = nil) throws {
    let dataset = try Driver("GTiff").createRaster(path: path, width: width, height: height, bandCount: 1, dataType: type)
    try dataset.setGeoTransform(GeoTransform(originX: originX, pixelWidth: pixelSize, originY: originY, pixelHeight: -pixelSize))
    try dataset.setSpatialReference(try SpatialReference(epsg: epsg))
    let band = try dataset.band(1)
    try band.write(window: PixelWindow(width: width, height: height), from: values)
    if let noData { try band.setNoDataValue(noData) }
    if let scale { try band.setScale(scale, offset: offset ?? 0) }
    try dataset.close()
}

func readBand(_ path: String, _ number: Int = 1) throws -> [Float] {
    try Dataset.open(path).band(number).readAll(as: Float.self)
}
