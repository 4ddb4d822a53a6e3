/// The schemes soilmap knows by name (`soilmap schemes`).
public enum BuiltInSchemes {
    public static let all: [ClassScheme] = [salinityEC, sdg1531, sdgProductivity, vnDegradation, soilOrganicMatter] + qcvn03

    public static func named(_ id: String) throws -> ClassScheme {
        guard let scheme = all.first(where: { $0.id == id.lowercased() }) else {
            throw SoilMapError.invalidArgument("unknown scheme '\(id)' (built in: \(all.map(\.id).joined(separator: ", ")); or a YAML file)")
        }
        return scheme
    }

    /// Soil salinity from the electrical conductivity of the saturated paste extract (ECe).
    public static let salinityEC = ClassScheme(
        id: "salinity-ec", title: "Soil salinity (ECe)", unit: "dS/m",
        source: "FAO/USSL salinity classes of ECe: US Salinity Laboratory Staff (1954), USDA Handbook 60; FAO Soils Bulletin 39 (Abrol et al. 1988). EC1:5 must be converted to ECe first",
        classes: [
            ClassDefinition(value: 1, label: "Non-saline", labelVi: "Không mặn", color: "#2C7BB6", max: 2),
            ClassDefinition(value: 2, label: "Slightly saline", labelVi: "Mặn nhẹ", color: "#ABD9E9", min: 2, max: 4),
            ClassDefinition(value: 3, label: "Moderately saline", labelVi: "Mặn trung bình", color: "#FFFFBF", min: 4, max: 8),
            ClassDefinition(value: 4, label: "Strongly saline", labelVi: "Mặn nặng", color: "#FDAE61", min: 8, max: 16),
            ClassDefinition(value: 5, label: "Extremely saline", labelVi: "Mặn rất nặng", color: "#D7191C", min: 16),
        ], worst: .high)

    /// UN SDG 15.3.1 status. Input: rasters coded -1/0/1 (as Trends.Earth writes them); pixel values 1/2/3
    /// so that the map can carry a colour table, reporting codes -1/0/1 in the metadata.
    public static let sdg1531 = ClassScheme(
        id: "sdg-15.3.1", title: "SDG 15.3.1 land degradation", unit: "",
        source: "UN SDG indicator 15.3.1, UNCCD Good Practice Guidance v2 (2021); input coded -1 degraded, 0 stable, 1 improved as Trends.Earth writes it",
        classes: [
            ClassDefinition(value: 1, code: -1, label: "Degraded", labelVi: "Suy thoái", color: "#9B2779", max: -0.5),
            ClassDefinition(value: 2, code: 0, label: "Stable", labelVi: "Ổn định", color: "#FFFFE0", min: -0.5, max: 0.5, maxClosed: true),
            ClassDefinition(value: 3, code: 1, label: "Improved", labelVi: "Cải thiện", color: "#006500", min: 0.5, minClosed: false),
        ], worst: .low)

    /// The 5-class land productivity dynamics of UNCCD reporting (Trends.Earth codes 1...5).
    public static let sdgProductivity = ClassScheme(
        id: "sdg-productivity", title: "Land productivity dynamics (5 classes)", unit: "",
        source: "UNCCD Good Practice Guidance for SDG 15.3.1; Trends.Earth productivity classes 1 declining ... 5 increasing",
        classes: [
            ClassDefinition(value: 1, code: 1, label: "Declining", labelVi: "Suy giảm", color: "#F23C46", min: 0.5, max: 1.5),
            ClassDefinition(value: 2, code: 2, label: "Moderate decline", labelVi: "Suy giảm vừa", color: "#FFABAF", min: 1.5, max: 2.5),
            ClassDefinition(value: 3, code: 3, label: "Stable but stressed", labelVi: "Ổn định nhưng chịu áp lực", color: "#FFE4B5", min: 2.5, max: 3.5),
            ClassDefinition(value: 4, code: 4, label: "Stable", labelVi: "Ổn định", color: "#D4E9B4", min: 3.5, max: 4.5),
            ClassDefinition(value: 5, code: 5, label: "Increasing", labelVi: "Tăng", color: "#2A8C37", min: 4.5, max: 5.5),
        ], worst: .low)

    /// Vietnam's reporting degrees. Input: the number of degraded sub-indicators of a pixel (what
    /// `soilmap combine --method count` writes).
    public static let vnDegradation = ClassScheme(
        id: "vn-degradation", title: "Land degradation degree (Vietnam)", unit: "degraded sub-indicators",
        source: "Degrees used in Vietnam's land degradation reporting (not degraded, slight, moderate, heavy; MONRE land degradation surveys, Circular 14/2012/TT-BTNMT; national figures in the Soil Health Strategy). Mapping from the count of degraded sub-indicators (0, 1, 2, 3+) is soilmap's convention: use a YAML scheme for another rule",
        classes: [
            ClassDefinition(value: 1, label: "Not degraded", labelVi: "Không thoái hóa", color: "#1A9641", max: 0.5),
            ClassDefinition(value: 2, label: "Slightly degraded", labelVi: "Thoái hóa nhẹ", color: "#FFFFBF", min: 0.5, max: 1.5),
            ClassDefinition(value: 3, label: "Moderately degraded", labelVi: "Thoái hóa trung bình", color: "#FDAE61", min: 1.5, max: 2.5),
            ClassDefinition(value: 4, label: "Heavily degraded", labelVi: "Thoái hóa nặng", color: "#D7191C", min: 2.5),
        ], worst: .high)

    /// Soil organic matter against the Soil Health Strategy's targets (3 % and 5 % in the main production areas).
    public static let soilOrganicMatter = ClassScheme(
        id: "soil-organic-matter", title: "Soil organic matter", unit: "%",
        source: "Vietnam Soil Health Strategy (action plan 2025-2030, vision 2050): soil organic matter of at least 3-5 % in the main production areas",
        classes: [
            ClassDefinition(value: 1, label: "Below 3 % (under target)", labelVi: "Dưới 3 % (chưa đạt)", color: "#D7191C", max: 3),
            ClassDefinition(value: 2, label: "3-5 % (meets 3 % target)", labelVi: "3-5 % (đạt mức 3 %)", color: "#FDAE61", min: 3, max: 5),
            ClassDefinition(value: 3, label: "5 % or more (meets 5 % target)", labelVi: "Từ 5 % (đạt mức 5 %)", color: "#1A9641", min: 5),
        ], worst: .low)

    /// Heavy metals against QCVN 03:2023/BTNMT limits (mg/kg): Class 1 land includes agricultural land.
    static let qcvnLimits: [(metal: String, name: String, nameVi: String, limits: [Double])] = [
        ("as", "Arsenic (As)", "Asen (As)", [25, 50, 200]),
        ("cd", "Cadmium (Cd)", "Cadimi (Cd)", [4, 10, 60]),
        ("cu", "Copper (Cu)", "Đồng (Cu)", [150, 500, 2000]),
        ("pb", "Lead (Pb)", "Chì (Pb)", [200, 400, 700]),
        ("zn", "Zinc (Zn)", "Kẽm (Zn)", [300, 600, 2000]),
    ]

    public static let qcvn03: [ClassScheme] = qcvnLimits.map { metal in
        let l = metal.limits
        let limits = "Class 1 \(formatNumber(l[0])), Class 2 \(formatNumber(l[1])), Class 3 \(formatNumber(l[2])) mg/kg"
        return ClassScheme(
            id: "qcvn03-\(metal.metal)", title: "\(metal.name) in soil against QCVN 03:2023/BTNMT", unit: "mg/kg",
            source: "QCVN 03:2023/BTNMT National technical regulation on soil quality, Table 1 (Circular 01/2023/TT-BTNMT, 13 March 2023; in force from 1 September 2023, replacing QCVN 03-MT:2015/BTNMT). Class 1 land: agricultural, aquaculture, residential; \(limits). A limit is a maximum: a value equal to it complies",
            classes: [
                ClassDefinition(value: 1, label: "Within Class 1 limit (agricultural land)", labelVi: "Đạt giới hạn loại 1 (đất nông nghiệp)",
                                color: "#1A9641", max: l[0], maxClosed: true),
                ClassDefinition(value: 2, label: "Above Class 1, within Class 2", labelVi: "Vượt loại 1, đạt loại 2", color: "#FFFFBF",
                                min: l[0], max: l[1], minClosed: false, maxClosed: true),
                ClassDefinition(value: 3, label: "Above Class 2, within Class 3", labelVi: "Vượt loại 2, đạt loại 3", color: "#FDAE61",
                                min: l[1], max: l[2], minClosed: false, maxClosed: true),
                ClassDefinition(value: 4, label: "Above every limit", labelVi: "Vượt mọi giới hạn", color: "#D7191C", min: l[2], minClosed: false),
            ], worst: .high)
    }
}
