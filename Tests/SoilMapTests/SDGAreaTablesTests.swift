import Foundation
import Testing
import GDAL
@testable import SoilMap

/// Area tables of the land-cover sub-indicator per commune, rolled up to provinces and the nation by `zonal`:
/// 3,321 communes with the real names and codes of samples/vietnam/admin-units-2025.csv (provinces as groups), as
/// an 81 x 41 grid of cells over a geographic (WGS 84) raster. The raster holds the real New Guinea land-cover
/// change map's values placed on a 0.01° grid over central Viet Nam (real values, a made-up location: no
/// Vietnamese land-cover pair ships with soilmap).
@Suite(.serialized) struct SDGAreaTablesTests {
    static func parseCSV(_ text: String) -> [[String]] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { line in
            var fields: [String] = [], field = "", quoted = false
            for character in line {
                if character == "\"" { quoted.toggle() } else if character == "," && !quoted { fields.append(field); field = "" } else { field.append(character) }
            }
            fields.append(field)
            return fields
        }
    }

    @Test func communesReconcileWithProvincesAndTheNation() throws {
        let directory = TemporaryDirectory()
        let change = directory.path("lc.tif")
        let made = try runSoilmap(["landcover-change", Repository.path("samples/landcover-newguinea/landcover2001s.tif"),
                                   Repository.path("samples/landcover-newguinea/landcover2015s.tif"),
                                   "--recode", Repository.path("samples/landcover-newguinea/unccd-recode.csv"), "-o", change, "-q"])
        #expect(made.status == 0, "\(made.stderr)")
        let values = try readBand(change).map { UInt8($0) }
        let geographic = directory.path("lc-geo.tif")
        let size = 668, pixel = 0.01, west = 103.0, north = 16.68
        try writeRaster(geographic, width: size, height: size, values: values, noData: 0, pixelSize: pixel, originX: west, originY: north, epsg: 4326)
        // The communes: 81 columns x 41 rows of cells, in the CSV's order.
        let units = Self.parseCSV(try String(contentsOfFile: Repository.path("samples/vietnam/admin-units-2025.csv"), encoding: .utf8)).dropFirst()
        #expect(units.count == 3321)
        let columns = 81, rows = 41, width = Double(size) * pixel / Double(columns), height = Double(size) * pixel / Double(rows)
        var features: [String] = []
        for (index, unit) in units.enumerated() {
            let x0 = west + Double(index % columns) * width, y0 = north - Double(index / columns) * height
            let ring = [(x0, y0), (x0 + width, y0), (x0 + width, y0 - height), (x0, y0 - height), (x0, y0)].map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
            let properties = "\"commune_code\":\(unit[0]),\"commune_name\":\"\(unit[1])\",\"province_code\":\(unit[3]),\"province_name\":\"\(unit[4])\""
            features.append("{\"type\":\"Feature\",\"properties\":{\(properties)},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[\(ring)]]}}")
        }
        let zones = directory.path("communes.geojson")
        try ("{\"type\":\"FeatureCollection\",\"features\":[" + features.joined(separator: ",\n") + "]}").write(toFile: zones, atomically: true, encoding: .utf8)
        let table = directory.path("areas.csv")
        let result = try runSoilmap(["zonal", geographic, "--zones", zones, "--id-field", "commune_code", "--name-field", "commune_name",
                                     "--group-field", "province_code", "--group-name-field", "province_name", "--categorical", "-o", table, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = Self.parseCSV(try String(contentsOfFile: table, encoding: .utf8))
        let header = lines[0]
        func column(_ name: String) throws -> Int { try #require(header.firstIndex(of: name), "no column \(name) in \(header)") }
        let level = try column("level"), groupID = try column("group_id"), area = try column("area_ha"), cells = try column("cells")
        let classColumns = try (1...3).map { try column("class_\($0)_ha") }
        let classCells = try (1...3).map { try column("class_\($0)_cells") }
        let body = lines.dropFirst()
        let communes = body.filter { $0[level] == "zone" }, provinces = body.filter { $0[level] == "group" }, total = body.filter { $0[level] == "total" }
        #expect(communes.count == 3321 && provinces.count == 34 && total.count == 1)
        #expect(communes.contains { $0.contains("Phường Hoàn Kiếm") } && provinces.contains { $0.contains("Thành phố Hà Nội") })
        func number(_ text: String) -> Double { Double(text) ?? 0 }
        // Every unit: its classes add up to its area.
        for row in body {
            let classes = classColumns.map { number(row[$0]) }.reduce(0, +)
            #expect(abs(classes - number(row[area])) <= 1e-9 * max(1, number(row[area])), "\(row.prefix(4)): classes \(classes) ha, area \(row[area]) ha")
        }
        // Every province: exactly the sum of its communes, cells and hectares (added in the table's order).
        var sums: [String: [Double]] = [:]
        for row in communes {
            var sum = sums[row[groupID]] ?? [Double](repeating: 0, count: 8)
            let parts = [number(row[area]), number(row[cells])] + classColumns.map { number(row[$0]) } + classCells.map { number(row[$0]) }
            for index in parts.indices { sum[index] += parts[index] }
            sums[row[groupID]] = sum
        }
        var nation = [Double](repeating: 0, count: 8)
        for row in provinces {
            let parts = [number(row[area]), number(row[cells])] + classColumns.map { number(row[$0]) } + classCells.map { number(row[$0]) }
            let sum = try #require(sums[row[groupID]])
            for index in parts.indices {
                #expect(parts[index] == sum[index], "province \(row[groupID]) column \(index): \(parts[index]) vs \(sum[index])")
                nation[index] += parts[index]
            }
        }
        let totals = [number(total[0][area]), number(total[0][cells])] + classColumns.map { number(total[0][$0]) } + classCells.map { number(total[0][$0]) }
        for index in totals.indices { #expect(abs(totals[index] - nation[index]) <= 1e-12 * max(1, nation[index])) }
        // The nation's cells are the raster's valid cells, each in exactly one commune.
        #expect(Int(totals[1]) == values.filter { $0 != 0 }.count)
    }
}
