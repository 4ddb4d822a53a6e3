import Foundation
import GDAL

/// A CRS as `soilmap info` reports it.
public struct CRSInfo: Codable, Sendable, Equatable {
    public var name: String
    public var epsg: Int?
    public var isGeographic: Bool
    public var wkt: String

    init(_ reference: SpatialReference) {
        name = reference.name
        epsg = reference.epsgCode
        isGeographic = reference.isGeographic
        wkt = reference.wkt()
    }
}

public struct BandInfo: Codable, Sendable, Equatable {
    public var number: Int
    public var dataType: String
    public var noData: Double?
    public var scale: Double?
    public var offset: Double?
    public var description: String
    public var colorInterpretation: String
    public var blockWidth: Int
    public var blockHeight: Int
    public var overviewCount: Int
    public var hasColorTable: Bool
    public var categoryNames: [String]
}

public struct RasterInfo: Codable, Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var bandCount: Int
    public var bands: [BandInfo]
    public var crs: CRSInfo?
    /// GDAL's six geotransform numbers, in GDAL's order.
    public var geoTransform: [Double]?
    public var pixelWidth: Double?
    public var pixelHeight: Double?
    /// In the raster's CRS.
    public var bounds: Envelope?
    /// Longitude/latitude (WGS 84) of the same extent, edges densified.
    public var boundsLonLat: Envelope?
    public var metadata: [String: String]
}

public struct FieldInfo: Codable, Sendable, Equatable {
    public var name: String
    public var type: String
    public var width: Int
    public var precision: Int
}

public struct LayerInfo: Codable, Sendable, Equatable {
    public var name: String
    public var featureCount: Int
    public var geometryType: String
    public var fields: [FieldInfo]
    public var crs: CRSInfo?
    public var extent: Envelope?
    public var extentLonLat: Envelope?
}

/// What `soilmap info` says of a file: its raster part, its vector layers, or both.
public struct DatasetInfo: Codable, Sendable, Equatable {
    public var path: String
    public var driver: String
    public var driverLongName: String
    public var files: [String]
    public var raster: RasterInfo?
    public var layers: [LayerInfo]?
    /// For a GeoTIFF: "ok: ..." when every tile and strip lies within the file, else the problem, e.g.
    /// "truncated: tiles/strips reach byte 812,345 but the file has 500,000 bytes (312,345 bytes missing)".
    /// Absent for other formats.
    public var integrity: String?

    /// Describes any file GDAL or OGR can open.
    public static func describe(path: String, openOptions: [String] = []) throws -> DatasetInfo {
        let inspection = GeoTIFFIntegrity.inspect(path: path)
        let dataset: Dataset
        do {
            dataset = try Dataset.open(path, kind: .any, openOptions: openOptions)
        } catch {
            // A TIFF cut before its first directory's end: GDAL's complaint about the directory says less than this.
            if let problem = inspection?.problem { throw SoilMapError.invalidInput(path: path, problem.description) }
            throw error
        }
        try ShapefileIntegrity.requireAttributes(of: dataset)
        var info = DatasetInfo(path: path, driver: dataset.driverShortName, driverLongName: dataset.driverLongName,
                               files: dataset.fileList, raster: nil, layers: nil)
        if info.driver == "GTiff" { info.integrity = inspection?.summary }
        if dataset.isRaster { info.raster = try describeRaster(dataset) }
        if dataset.isVector { info.layers = dataset.layers.map(describeLayer) }
        return info
    }

    private static func describeRaster(_ dataset: Dataset) throws -> RasterInfo {
        let reference = dataset.spatialReference
        let transform = dataset.geoTransform
        let bounds = dataset.bounds
        return RasterInfo(
            width: dataset.width, height: dataset.height, bandCount: dataset.bandCount,
            bands: dataset.bands.map { band in
                let block = band.blockSize
                return BandInfo(number: band.number, dataType: band.dataType.name, noData: band.noDataValue, scale: band.scale,
                                offset: band.offset, description: band.bandDescription,
                                colorInterpretation: band.colorInterpretation, blockWidth: block.width,
                                blockHeight: block.height, overviewCount: band.overviewCount,
                                hasColorTable: band.colorTable != nil, categoryNames: band.categoryNames)
            },
            crs: reference.map(CRSInfo.init),
            geoTransform: transform?.coefficients,
            pixelWidth: transform?.pixelWidth, pixelHeight: transform?.pixelHeight,
            bounds: bounds,
            boundsLonLat: lonLat(bounds, from: reference),
            metadata: dataset.metadata())
    }

    private static func describeLayer(_ layer: Layer) -> LayerInfo {
        let reference = layer.spatialReference
        let extent = layer.extent
        return LayerInfo(name: layer.name, featureCount: layer.featureCount, geometryType: layer.geometryTypeName,
                         fields: layer.fields.map { FieldInfo(name: $0.name, type: $0.type.name, width: $0.width, precision: $0.precision) },
                         crs: reference.map(CRSInfo.init), extent: extent, extentLonLat: lonLat(extent, from: reference))
    }

    private static func lonLat(_ envelope: Envelope?, from reference: SpatialReference?) -> Envelope? {
        guard let envelope, let reference else { return nil }
        return try? CoordinateTransformation(from: reference, to: .wgs84()).transform(envelope)
    }

    /// Stable JSON: keys sorted, two-space indentation.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
