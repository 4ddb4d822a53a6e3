/// One spectral index: its formula over band roles, its constants, and where it comes from.
public struct SpectralIndex: Sendable, Codable, Equatable {
    public enum Family: String, Sendable, Codable { case vegetation, moisture, water, soil, salinity }

    /// soilmap's id, unique in the catalogue (used on the command line and as the output band description).
    public var id: String
    public var name: String
    public var family: Family
    /// The formula in soilmap's expression language, over band roles and constants.
    public var formula: String
    /// Constants with their default values; each can be overridden (`--param L=0.5`).
    public var constants: [String: Double]
    /// The publication or catalogue the formula and constants are taken from.
    public var source: String
    /// Name clashes with other catalogues, and choices made.
    public var note: String

    /// The band roles the formula reads.
    public var bands: [String] {
        ((try? Expression(parsing: formula))?.variables ?? []).filter { constants[$0] == nil }
    }

    public func expression() throws -> Expression { try Expression(parsing: formula) }
}

/// Band roles: B blue, G green, R red, N near infrared, S1 SWIR 1.6 µm, S2 SWIR 2.2 µm, and Sentinel-2's red edge.
public enum BandRole {
    public static let all = ["coastal", "blue", "green", "red", "re1", "re2", "re3", "nir", "nir2", "swir1", "swir2"]
}

/// The catalogue: vegetation, moisture and bare-soil indices with Awesome Spectral Indices (ASI) ids and
/// constants, and the 24 salinity indices as collected by the R package SoilSaltIndex.
public enum IndexCatalogue {
    static let asi = "Awesome Spectral Indices (Montero et al. 2023, Scientific Data 10:197), spectral-indices.json"
    static let salt = "SoilSaltIndex R package (24 salinity indices)"

    public static let all: [SpectralIndex] = vegetationAndSoil + salinity

    public static func index(_ id: String) -> SpectralIndex? {
        all.first { $0.id.caseInsensitiveCompare(id) == .orderedSame }
    }

    static let vegetationAndSoil: [SpectralIndex] = [
        SpectralIndex(id: "NDVI", name: "Normalized Difference Vegetation Index", family: .vegetation,
                      formula: "(nir - red) / (nir + red)", constants: [:], source: asi + "; Rouse et al. 1974", note: ""),
        SpectralIndex(id: "SAVI", name: "Soil-Adjusted Vegetation Index", family: .vegetation,
                      formula: "(1 + L) * (nir - red) / (nir + red + L)", constants: ["L": 1.0], source: asi + "; Huete 1988",
                      note: "L defaults to 1.0 as in ASI; Huete's usual value is 0.5: pass --param L=0.5"),
        SpectralIndex(id: "OSAVI", name: "Optimized Soil-Adjusted Vegetation Index", family: .vegetation,
                      formula: "(nir - red) / (nir + red + 0.16)", constants: [:], source: asi + "; Rondeaux et al. 1996", note: ""),
        SpectralIndex(id: "MSAVI", name: "Modified Soil-Adjusted Vegetation Index", family: .vegetation,
                      formula: "0.5 * (2 * nir + 1 - sqrt((2 * nir + 1)^2 - 8 * (nir - red)))", constants: [:],
                      source: asi + "; Qi et al. 1994", note: ""),
        SpectralIndex(id: "EVI", name: "Enhanced Vegetation Index", family: .vegetation,
                      formula: "g * (nir - red) / (nir + C1 * red - C2 * blue + L)",
                      constants: ["g": 2.5, "C1": 6, "C2": 7.5, "L": 1], source: asi + "; Huete et al. 2002",
                      note: "needs reflectance in 0..1 (set --scale/--offset or --sensor)"),
        SpectralIndex(id: "EVI2", name: "Two-Band Enhanced Vegetation Index", family: .vegetation,
                      formula: "g * (nir - red) / (nir + 2.4 * red + L)", constants: ["g": 2.5, "L": 1],
                      source: asi + "; Jiang et al. 2008", note: "needs reflectance in 0..1"),
        SpectralIndex(id: "NDMI", name: "Normalized Difference Moisture Index", family: .moisture,
                      formula: "(nir - swir1) / (nir + swir1)", constants: [:], source: asi + "; Gao 1996",
                      note: "same formula as the salinity list's SI5"),
        SpectralIndex(id: "NDWI", name: "Normalized Difference Water Index (McFeeters)", family: .water,
                      formula: "(green - nir) / (green + nir)", constants: [:], source: asi + "; McFeeters 1996", note: ""),
        SpectralIndex(id: "MNDWI", name: "Modified Normalized Difference Water Index", family: .water,
                      formula: "(green - swir1) / (green + swir1)", constants: [:], source: asi + "; Xu 2006", note: ""),
        SpectralIndex(id: "BSI", name: "Bare Soil Index", family: .soil,
                      formula: "((swir1 + red) - (nir + blue)) / ((swir1 + red) + (nir + blue))", constants: [:],
                      source: asi + " (as BI); Rikimaru et al. 2002",
                      note: "ASI's id is BI; soilmap uses BSI because BI is the salinity brightness index"),
        SpectralIndex(id: "NDSoI", name: "Normalized Difference Soil Index", family: .soil,
                      formula: "(swir2 - green) / (swir2 + green)", constants: [:], source: asi + "; Deng et al. 2015", note: ""),
        SpectralIndex(id: "DBSI", name: "Dry Bareness Index", family: .soil,
                      formula: "(swir1 - green) / (swir1 + green) - (nir - red) / (nir + red)", constants: [:],
                      source: asi + "; Rasul et al. 2018", note: ""),
        SpectralIndex(id: "MBI", name: "Modified Bare Soil Index", family: .soil,
                      formula: "(swir1 - swir2 - nir) / (swir1 + swir2 + nir) + 0.5", constants: [:],
                      source: asi + "; Nguyen et al. 2021", note: ""),
        SpectralIndex(id: "BaI", name: "Bareness Index", family: .soil,
                      formula: "red + swir1 - nir", constants: [:], source: asi + "; Zhao & Chen 2005", note: ""),
        SpectralIndex(id: "NSDS", name: "Normalized Shortwave Infrared Difference Soil-Moisture", family: .soil,
                      formula: "(swir1 - swir2) / (swir1 + swir2)", constants: [:], source: asi + "; Liu et al. 2017",
                      note: "same formula as the salinity list's SI6"),
    ]

    static func salt(_ id: String, _ name: String, _ formula: String, note: String = "") -> SpectralIndex {
        SpectralIndex(id: id, name: name, family: .salinity, formula: formula, constants: [:], source: salt, note: note)
    }

    static let salinity: [SpectralIndex] = [
        salt("NDSI", "Normalized Difference Salinity Index", "(red - nir) / (red + nir)",
             note: "ASI's NDSI is a snow index, not this one"),
        salt("BI", "Brightness Index", "sqrt(red^2 + nir^2)", note: "ASI's BI is the bare soil index (BSI here)"),
        salt("SI1", "Salinity Index 1", "sqrt(green * red)",
             note: "other numberings exist (Abbas & Khan 2007, Douaoui et al. 2006): check the formula, not the number"),
        salt("SI2", "Salinity Index 2", "sqrt(green^2 + red^2 + nir^2)"),
        salt("SI3", "Salinity Index 3", "sqrt(green^2 + red^2)"),
        salt("SI4", "Salinity Index 4", "swir1 / swir2"),
        salt("SI5", "Salinity Index 5", "(nir - swir1) / (nir + swir1)", note: "same formula as NDMI"),
        salt("SI6", "Salinity Index 6", "(swir1 - swir2) / (swir1 + swir2)", note: "same formula as NSDS"),
        salt("SI7", "Salinity Index 7", "blue / red"),
        salt("SI8", "Salinity Index 8", "(blue - red) / (blue + red)"),
        salt("SI9", "Salinity Index 9", "green * red / blue"),
        salt("SI10", "Salinity Index 10", "sqrt(blue * red)"),
        salt("SI11", "Salinity Index 11", "blue * red / green"),
        salt("SI12", "Salinity Index 12", "red * nir / green"),
        salt("SI13", "Salinity Index 13", "sqrt(red * nir)"),
        salt("SI14", "Salinity Index 14", "100 * red / nir"),
        salt("SIT", "Salinity Index T", "nir / swir1"),
        salt("CSRI", "Canopy Response Salinity Index", "sqrt((red * nir - green * blue) / (red * nir + green * blue))",
             note: "a negative ratio gives no value (nodata)"),
        salt("COSRI", "Combined Spectral Response Index", "((blue + green) / (red + nir)) * ((nir - red) / (nir + red))"),
        salt("NSI", "Normalized Salinity Index", "(swir1 - swir2) / (swir1 - nir)"),
        salt("SI_ASTER", "ASTER Salinity Index", "(swir1 - nir) / (swir1 + swir2)"),
        salt("SSSI1", "Soil Salinity and Sodicity Index 1", "swir1 - swir2"),
        salt("SSSI2", "Soil Salinity and Sodicity Index 2", "(swir1 * swir2 - swir2^2) / swir1"),
        salt("VSSI", "Vegetation Soil Salinity Index", "2 * green - 5 * (red + nir)"),
    ]
}
