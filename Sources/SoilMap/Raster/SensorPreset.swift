/// What soilmap knows of a sensor's usual product: band numbers in a stack, file band names, reflectance
/// scale and offset, nodata, and the mask values or bits that mean cloud, shadow or snow.
public struct SensorPreset: Sendable, Codable, Equatable {
    public var id: String
    public var product: String
    /// Role -> band number in a stack of the product's bands.
    public var stackBands: [String: Int]
    /// Role -> the product's band name (file names contain it: T48PXS_..._B04_10m.jp2).
    public var bandNames: [String: String]
    /// Reflectance = stored value x scale + offset.
    public var scale: Double
    public var offset: Double
    public var noData: Double?
    public var mask: MaskSource.Rule
    public var maskDescription: String

    public static let all: [SensorPreset] = [sentinel2, landsat8, landsat9, landsat7, landsat5]

    public static func named(_ id: String) throws -> SensorPreset {
        guard let preset = all.first(where: { $0.id == id.lowercased() }) else {
            throw SoilMapError.invalidArgument("unknown sensor '\(id)' (known: \(all.map(\.id).joined(separator: ", ")))")
        }
        return preset
    }

    /// Sentinel-2 L2A, processing baseline 04.00 and later (products since 25 January 2022):
    /// reflectance = (DN + BOA_ADD_OFFSET) / 10000 with BOA_ADD_OFFSET = -1000. For older products pass --offset 0.
    public static let sentinel2 = SensorPreset(
        id: "sentinel2", product: "Sentinel-2 L2A (baseline >= 04.00), 12-band stack B01..B12 without B10",
        stackBands: ["coastal": 1, "blue": 2, "green": 3, "red": 4, "re1": 5, "re2": 6, "re3": 7, "nir": 8, "nir2": 9,
                     "swir1": 11, "swir2": 12],
        bandNames: ["coastal": "B01", "blue": "B02", "green": "B03", "red": "B04", "re1": "B05", "re2": "B06", "re3": "B07",
                    "nir": "B08", "nir2": "B8A", "swir1": "B11", "swir2": "B12"],
        scale: 0.0001, offset: -0.1, noData: 0,
        mask: .values([0, 1, 3, 8, 9, 10, 11]),
        maskDescription: "SCL classes 0 no data, 1 saturated/defective, 3 cloud shadow, 8-9 cloud, 10 cirrus, 11 snow")

    /// Landsat 8/9 OLI Collection 2 Level-2 surface reflectance: SR_B1..SR_B7.
    public static let landsat8 = SensorPreset(
        id: "landsat8", product: "Landsat 8 OLI Collection 2 Level-2 SR, stack SR_B1..SR_B7",
        stackBands: ["coastal": 1, "blue": 2, "green": 3, "red": 4, "nir": 5, "swir1": 6, "swir2": 7],
        bandNames: ["coastal": "SR_B1", "blue": "SR_B2", "green": "SR_B3", "red": "SR_B4", "nir": "SR_B5", "swir1": "SR_B6",
                    "swir2": "SR_B7"],
        scale: 0.0000275, offset: -0.2, noData: 0,
        mask: .bits([0, 1, 2, 3, 4, 5]),
        maskDescription: "QA_PIXEL bits 0 fill, 1 dilated cloud, 2 cirrus, 3 cloud, 4 cloud shadow, 5 snow")

    public static let landsat9 = landsat8.renamed("landsat9", product: "Landsat 9 OLI-2 Collection 2 Level-2 SR, stack SR_B1..SR_B7")

    /// Landsat 7 ETM+ Collection 2 Level-2: SR_B1..SR_B5 and SR_B7 (the thermal band is not surface reflectance).
    public static let landsat7 = SensorPreset(
        id: "landsat7", product: "Landsat 7 ETM+ Collection 2 Level-2 SR, stack SR_B1..SR_B5, SR_B7",
        stackBands: ["blue": 1, "green": 2, "red": 3, "nir": 4, "swir1": 5, "swir2": 6],
        bandNames: ["blue": "SR_B1", "green": "SR_B2", "red": "SR_B3", "nir": "SR_B4", "swir1": "SR_B5", "swir2": "SR_B7"],
        scale: 0.0000275, offset: -0.2, noData: 0,
        mask: .bits([0, 1, 3, 4, 5]),
        maskDescription: "QA_PIXEL bits 0 fill, 1 dilated cloud, 3 cloud, 4 cloud shadow, 5 snow")

    public static let landsat5 = landsat7.renamed("landsat5", product: "Landsat 5 TM Collection 2 Level-2 SR, stack SR_B1..SR_B5, SR_B7")

    /// The same bands, scale and mask under another sensor's name (Landsat 9 is stored as Landsat 8, Landsat 5 as 7).
    private func renamed(_ id: String, product: String) -> SensorPreset {
        var preset = self
        preset.id = id
        preset.product = product
        return preset
    }
}
