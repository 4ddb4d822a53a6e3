/// The seven-class SDG 15.3.1 status between a baseline and a reporting period (UNCCD Good Practice Guidance v2;
/// Trends.Earth's status layer): each period's sdg-15.3.1 map, combined by `combine --table sdg-status`.
public enum SDGStatus {
    public static let scheme = ClassScheme(
        id: "sdg-status", title: "SDG 15.3.1 status (baseline to reporting period)", unit: "",
        source: "UNCCD Good Practice Guidance for SDG 15.3.1 v2 (2021): status from the baseline and reporting periods' degradation maps, as Trends.Earth combines them",
        classes: [
            ("Persistent degradation", "Suy thoái kéo dài", "#9B2779"),
            ("Recent degradation", "Suy thoái mới", "#C0504D"),
            ("Baseline degradation", "Suy thoái kỳ gốc", "#E6B9B8"),
            ("Stability", "Ổn định", "#FFFFE0"),
            ("Baseline improvement", "Cải thiện kỳ gốc", "#C3D69B"),
            ("Recent improvement", "Cải thiện mới", "#76933C"),
            ("Persistent improvement", "Cải thiện kéo dài", "#006500"),
        ].enumerated().map { index, item in
            ClassDefinition(value: index + 1, label: item.0, labelVi: item.1, color: item.2, min: Double(index) + 0.5, max: Double(index) + 1.5)
        },
        worst: .low)

    /// Rows (baseline, reporting) in sdg-15.3.1 values (1 degraded, 2 stable, 3 improved): a degraded reporting
    /// period is persistent degradation after a degraded baseline, recent otherwise; a stable one keeps the
    /// baseline's state as "baseline" degradation or improvement; an improved one is persistent improvement after
    /// an improved baseline, recent otherwise.
    public static let table = RuleTable(
        id: "sdg-status", inputs: ["baseline", "reporting"],
        rows: [
            ([1, 1], 1), ([2, 1], 2), ([3, 1], 2),
            ([1, 2], 3), ([2, 2], 4), ([3, 2], 5),
            ([1, 3], 6), ([2, 3], 6), ([3, 3], 7),
        ],
        scheme: scheme,
        source: "UNCCD Good Practice Guidance for SDG 15.3.1 v2: status of the reporting period against the baseline (Trends.Earth's seven status classes)",
        inputScheme: BuiltInSchemes.sdg1531)
}
