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

    /// The geographic land-cover change raster and the 3,321 commune rectangles (GeoJSON) in `directory`, and the
    /// raster's values.
    static func makeInputs(_ directory: TemporaryDirectory) throws -> (raster: String, zones: String, values: [UInt8]) {
        let change = directory.path("lc.tif")
        let made = try runSoilmap(["landcover-change", Repository.path("samples/landcover-newguinea/landcover2001s.tif"),
                                   Repository.path("samples/landcover-newguinea/landcover2015s.tif"),
                                   "--recode", Repository.path("samples/landcover-newguinea/unccd-recode.csv"), "-o", change, "-q"])
        try #require(made.status == 0, "\(made.stderr)")
        let values = try readBand(change).map { UInt8($0) }
        let geographic = directory.path("lc-geo.tif")
        let size = 668, pixel = 0.01, west = 103.0, north = 16.68
        try writeRaster(geographic, width: size, height: size, values: values, noData: 0, pixelSize: pixel, originX: west, originY: north, epsg: 4326)
        // The communes: 81 columns x 41 rows of cells, in the CSV's order.
        let units = Self.parseCSV(try String(contentsOfFile: Repository.path("samples/vietnam/admin-units-2025.csv"), encoding: .utf8)).dropFirst()
        try #require(units.count == 3321)
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
        return (geographic, zones, values)
    }

    static let zonalArguments = ["--id-field", "commune_code", "--name-field", "commune_name", "--group-field", "province_code",
                                 "--group-name-field", "province_name", "--categorical", "-q"]

    @Test func communesReconcileWithProvincesAndTheNation() throws {
        let directory = TemporaryDirectory()
        let (geographic, zones, values) = try Self.makeInputs(directory)
        let table = directory.path("areas.csv")
        let result = try runSoilmap(["zonal", geographic, "--zones", zones, "-o", table] + Self.zonalArguments)
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

    static var python: String { (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python" }
    static let script = Repository.path("Tests/reference/area_tables_reference.py")

    /// The no-data reconciliation, in each mode: for every commune, province and the nation, the classes' hectares
    /// plus `nodata_ha` equal `zone_area_ha` (1e-9 relative) and the shares of the whole area add up to 100 %;
    /// provinces are exactly the sum of their communes, the nation the sum of the provinces (up to rounding: it is
    /// summed from the communes). `zone_area_ha` and `nodata_ha` are checked against an independent Python reference
    /// (pyproj's areas on the WGS 84 ellipsoid): cells counted by their centre in centre mode, the rectangles' own
    /// areas in coverage mode (to the fraction-times-cell-area approximation, 1e-6).
    @Test(arguments: ["center", "coverage", "all-touched"])
    func classesPlusNoDataMakeEveryUnitsArea(mode: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no venv at \(Self.python)")
        let directory = TemporaryDirectory()
        let (geographic, zones, values) = try Self.makeInputs(directory)
        let invalid = values.filter { $0 == 0 }.count
        try #require(invalid > 10_000, "the raster should hold real nodata (\(invalid) cells)")
        let table = directory.path("areas.csv")
        let result = try runSoilmap(["zonal", geographic, "--zones", zones, "--mode", mode, "-o", table] + Self.zonalArguments)
        try #require(result.status == 0, "\(result.stderr)")
        let lines = Self.parseCSV(try String(contentsOfFile: table, encoding: .utf8))
        let header = lines[0]
        func column(_ name: String) throws -> Int { try #require(header.firstIndex(of: name), "no column \(name) in \(header)") }
        let level = try column("level"), zoneID = try column("zone_id"), groupID = try column("group_id")
        let whole = try column("zone_area_ha"), noData = try column("nodata_ha"), noDataCells = try column("nodata_cells")
        let noDataShare = try column("nodata_pct")
        let codes = header.compactMap { name -> Int? in
            name.hasPrefix("class_") && name.hasSuffix("_ha") ? Int(name.dropFirst(6).dropLast(3)) : nil
        }
        #expect(codes == [1, 2, 3])
        let classHectares = try codes.map { try column("class_\($0)_ha") }, classShares = try codes.map { try column("class_\($0)_pct_of_area") }
        func number(_ text: String) -> Double { Double(text) ?? 0 }
        let body = lines.dropFirst()
        let communes = body.filter { $0[level] == "zone" }, provinces = body.filter { $0[level] == "group" }, total = body.filter { $0[level] == "total" }
        try #require(communes.count == 3321 && provinces.count == 34 && total.count == 1)

        // Every unit: classes plus no data make its area; the shares of its area add up to 100 %.
        for row in body {
            let area = number(row[whole]), parts = classHectares.map { number(row[$0]) }.reduce(0, +) + number(row[noData])
            #expect(area > 0)
            #expect(abs(parts - area) <= 1e-9 * area, "\(row[level]) \(row[zoneID])\(row[groupID]): classes + nodata \(parts) ha, area \(area) ha")
            let shares = classShares.map { number(row[$0]) }.reduce(0, +) + number(row[noDataShare])
            #expect(abs(shares - 100) <= 1e-9, "\(row[level]) \(row[zoneID])\(row[groupID]): shares add up to \(shares) %")
        }
        // Provinces: exactly the sum of their communes (in the table's order); the nation: the sum of the provinces.
        let summed = [whole, noData, noDataCells]
        var sums: [String: [Double]] = [:]
        for row in communes {
            var sum = sums[row[groupID]] ?? [0, 0, 0]
            for (index, column) in summed.enumerated() { sum[index] += number(row[column]) }
            sums[row[groupID]] = sum
        }
        var nation = [0.0, 0, 0]
        for row in provinces {
            let sum = try #require(sums[row[groupID]])
            for (index, column) in summed.enumerated() {
                #expect(number(row[column]) == sum[index], "province \(row[groupID]) \(header[column]): \(row[column]) vs \(sum[index])")
                nation[index] += number(row[column])
            }
        }
        for (index, column) in summed.enumerated() {
            #expect(abs(number(total[0][column]) - nation[index]) <= 1e-12 * nation[index], "nation \(header[column])")
        }
        // The communes tile the raster: in centre and coverage modes every cell is in exactly one commune, so the
        // nation's no-data cells are the raster's.
        if mode != "all-touched" { #expect(abs(number(total[0][noDataCells]) - Double(invalid)) <= 1e-6) }

        // The areas themselves, against pyproj.
        let reference = directory.path("reference.csv")
        let ran = try run(Self.python, [Self.script, geographic, zones, "commune_code", reference])
        try #require(ran.status == 0, "\(ran.stderr)")
        let expected = Self.parseCSV(try String(contentsOfFile: reference, encoding: .utf8)).dropFirst()
        try #require(expected.count == communes.count)
        var checked = 0
        for (ours, theirs) in zip(communes, expected) {
            try #require(ours[zoneID] == theirs[0])
            switch mode {
            case "center":
                let area = number(theirs[1]), missing = number(theirs[2])
                #expect(abs(number(ours[whole]) - area) <= 1e-9 * area, "\(ours[zoneID]): zone_area_ha \(ours[whole]) vs \(area)")
                #expect(abs(number(ours[noData]) - missing) <= 1e-9 * area, "\(ours[zoneID]): nodata_ha \(ours[noData]) vs \(missing)")
            case "coverage":
                // Coverage weights are the covered fraction of a cell in longitude/latitude, times the cell's area on
                // the ellipsoid; where a parallel edge cuts a cell, the part's true area differs from that by the
                // change of the area element across the cell (at most 3.2e-7 of a commune here). One cell too many
                // or too few would be 1e-2.
                let area = number(theirs[3])
                #expect(abs(number(ours[whole]) - area) <= 1e-6 * area, "\(ours[zoneID]): zone_area_ha \(ours[whole]) vs \(area)")
            default:
                // All-touched: every cell a rectangle overlaps counts whole, so a commune has at least its own area.
                #expect(number(ours[whole]) >= number(theirs[3]))
            }
            checked += 1
        }
        #expect(checked == 3321)
    }

    /// A zone half off the raster: its part on the raster is its area (hand-counted cells), the part off the
    /// raster is in no column, and a warning says so.
    @Test func aZoneBeyondTheRasterCountsItsPartOnTheRasterAndIsReported() throws {
        let directory = TemporaryDirectory()
        let raster = directory.path("classes.tif")
        // 10 x 10 cells of 10 m (0.01 ha); the first row is nodata, the rest classes 1 and 2 by column parity.
        let values: [UInt8] = (0..<100).map { $0 < 10 ? 0 : UInt8(1 + $0 % 2) }
        try writeRaster(raster, width: 10, height: 10, values: values, noData: 0, pixelSize: 10, originX: 500_000, originY: 1_800_000, epsg: 32648)
        // 10 cells wide, from 50 m west of the raster: columns 0-4 on it (their centres inside), 5 cells off it.
        let zones = directory.path("zone.geojson")
        try ("{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32648\"}},"
            + "\"features\":[{\"type\":\"Feature\",\"properties\":{\"id\":\"edge\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
            + "[[[499950,1800000],[500050,1800000],[500050,1799900],[499950,1799900],[499950,1800000]]]}}]}").write(toFile: zones, atomically: true, encoding: .utf8)
        let table = directory.path("edge.csv")
        let result = try runSoilmap(["zonal", raster, "--zones", zones, "--id-field", "id", "--categorical", "-o", table])
        try #require(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("1 of 1 zones extend beyond the raster"), "\(result.stderr)")
        let lines = Self.parseCSV(try String(contentsOfFile: table, encoding: .utf8))
        let row = Dictionary(uniqueKeysWithValues: zip(lines[0], lines[1]))
        // 5 columns x 10 rows on the raster; row 0 (5 cells) nodata; 45 valid cells: columns 0, 2, 4 class 1 (27), 1, 3 class 2 (18).
        #expect(abs(Double(row["zone_area_ha"]!)! - 0.5) <= 1e-12)
        #expect(abs(Double(row["nodata_ha"]!)! - 0.05) <= 1e-12 && row["nodata_cells"] == "5")
        #expect(row["class_1_cells"] == "27" && row["class_2_cells"] == "18")
        #expect(abs(Double(row["nodata_pct"]!)! - 10) <= 1e-9 && abs(Double(row["class_1_pct_of_area"]!)! - 54) <= 1e-9)
        #expect(abs(Double(row["class_1_pct"]!)! - 60) <= 1e-9)
    }
}
