/// The seven land-cover classes of UNCCD reporting (SDG 15.3.1), as Trends.Earth numbers them: 1 tree-covered,
/// 2 grassland, 3 cropland, 4 wetland, 5 artificial, 6 other land, 7 water.
public enum UNCCDLandCover {
    public struct LandClass: Sendable {
        public let value: Int
        /// The name a recode table or matrix may use ("tree-covered", "other-land").
        public let id: String
        public let label: String
        public let labelVi: String
        public let color: String
    }

    public static let classes: [LandClass] = [
        LandClass(value: 1, id: "tree-covered", label: "Tree-covered", labelVi: "Đất có rừng", color: "#787F1B"),
        LandClass(value: 2, id: "grassland", label: "Grassland", labelVi: "Đồng cỏ", color: "#FFAC42"),
        LandClass(value: 3, id: "cropland", label: "Cropland", labelVi: "Đất trồng trọt", color: "#FFFB6E"),
        LandClass(value: 4, id: "wetland", label: "Wetland", labelVi: "Đất ngập nước", color: "#00DB84"),
        LandClass(value: 5, id: "artificial", label: "Artificial", labelVi: "Đất xây dựng", color: "#E60017"),
        LandClass(value: 6, id: "other-land", label: "Other land", labelVi: "Đất khác", color: "#FFF3D7"),
        LandClass(value: 7, id: "water", label: "Water body", labelVi: "Mặt nước", color: "#0046C8"),
    ]

    public static let count = 7

    /// The class for a number 1...7 or a name ("tree-covered", "Tree covered", "other_land", "other"), nil if none.
    public static func classValue(_ text: String) -> Int? {
        let word = text.trimmingCharacters(in: .whitespaces)
        if let number = Int(word) { return (1...count).contains(number) ? number : nil }
        let key = word.lowercased().replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: " ", with: "-")
        let aliases = ["tree": 1, "trees": 1, "tree-cover": 1, "forest": 1, "water-body": 7, "water-bodies": 7, "other": 6, "bare": 6,
                       "settlement": 5, "artificial-areas": 5, "crop": 3]
        return classes.first { $0.id == key }?.value ?? aliases[key]
    }

    /// The legend of a map in these classes (`landcover-change --baseline-classes`).
    public static let scheme = ClassScheme(
        id: "unccd-land-cover", title: "Land cover (UNCCD classes)", unit: "",
        source: "UNCCD Good Practice Guidance for SDG 15.3.1 (2021): seven land-cover classes, numbered as Trends.Earth numbers them",
        classes: classes.map { item in
            ClassDefinition(value: item.value, label: item.label, labelVi: item.labelVi, color: item.color,
                            min: Double(item.value) - 0.5, max: Double(item.value) + 0.5)
        })
}
