import Foundation
import Testing
import GDAL

/// The group and total rows of one `zonal --group-field` run over continuous statistics, as the CSV, the
/// GeoPackage (`groups` and `total` layers) and the GeoJSON (features without geometry) hold them, read back
/// through OGR: every value the same.
@Suite struct ZonalRollUpFormatTests {
    static let arguments = ["--zones", ZonalCommandLineTests.tracts, "--id-field", "CD_GEOCODI", "--group-field", "CD_GEOCODB",
                            "--group-name-field", "NM_BAIR", "--stats", "count,sum,mean,min,max,std,median,p10,p90", "-q"]

    /// A value as text, and as a number when it is one.
    static func matches(_ value: FieldValue, _ csv: String) -> Bool {
        switch value {
        case .null: return csv.isEmpty
        case .integer(let number): return Int64(csv) == number
        case .real(let number): return Double(csv) == number
        default: return value.stringValue == csv
        }
    }

    @Test func groupAndTotalRowsAgreeAcrossFormats() throws {
        let directory = TemporaryDirectory()
        let ndvi = try ZonalCommandLineTests.ndvi(directory)
        let csv = directory.path("stats.csv"), gpkg = directory.path("stats.gpkg"), geojson = directory.path("stats.geojson")
        for output in [csv, gpkg, geojson] {
            let result = try runSoilmap(["zonal", ndvi] + Self.arguments + ["-o", output])
            try #require(result.status == 0, "\(result.stderr)")
        }
        let table = try ZonalCommandLineTests.readCSV(csv)
        let columns = table.header.split(separator: ",").map(String.init)
        let expected = table.rows.filter { $0["level"] != "zone" }
        // 31 neighbourhood codes (12 tracts have none) and the total.
        try #require(expected.count == 32 && expected.last?["level"] == "total")
        #expect(columns.contains("p90") && columns.contains("median") && columns.contains("std"))

        let groups = try ZonalCommandLineTests.readLayer(gpkg, "groups"), total = try ZonalCommandLineTests.readLayer(gpkg, "total")
        let json = try ZonalCommandLineTests.readLayer(geojson)
        let jsonRollUps = json.rows.filter { $0.values["level"]?.stringValue != "zone" }
        for (format, layer) in [("gpkg groups", groups.fields), ("gpkg total", total.fields), ("geojson", json.fields)] {
            #expect(layer == columns, "\(format)")
        }
        for (format, rows) in [("gpkg", (groups.rows + total.rows).map(\.values)), ("geojson", jsonRollUps.map(\.values))] {
            try #require(rows.count == expected.count, "\(format): \(rows.count) roll-up rows")
            var compared = 0
            for (row, csvRow) in zip(rows, expected) {
                for column in columns {
                    let value = row[column] ?? .null, text = csvRow[column] ?? "?"
                    #expect(Self.matches(value, text), "\(format) \(csvRow["level"]!) \(csvRow["group_id"]!) \(column): \(value) vs CSV \(text)")
                    compared += 1
                }
            }
            #expect(compared == 32 * columns.count)
        }
    }
}
