import Foundation
import Testing
import GDAL
@testable import SoilMap

/// Zonal statistics against rasterstats (center, all_touched) and exactextract (coverage), run by
/// Tests/reference/zonal_reference.py on the same real data.
@Suite(.serialized) struct ZonalReferenceTests {
    static var python: String { (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python" }
    static let script = Repository.path("Tests/reference/zonal_reference.py")

    static func readCSV(_ path: String) throws -> [[String: String]] {
        // Python's csv module ends lines with CRLF, which Swift reads as one Character.
        let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: .newlines).filter { !$0.isEmpty }
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    /// (raster, zones, id field) cases: Olinda NDVI over the census tracts (zones in GRS80 lon/lat, raster in UTM),
    /// and the Luxembourg DEM (Int16 with nodata) over its cantons.
    static func dataset(_ name: String, _ directory: TemporaryDirectory) throws -> (raster: String, zones: String, idField: String) {
        if name == "olinda" {
            let ndvi = directory.path("ndvi.tif")
            try IndexJob.run(IndexRequest(outputs: [try IndexOutput.catalogue("NDVI")], sources: Repository.landsatSources(["red", "nir"])), to: ndvi)
            return (ndvi, Repository.path("samples/olinda/olinda1.shp"), "CD_GEOCODI")
        }
        return (Repository.path("samples/luxembourg/elev.tif"), Repository.path("samples/luxembourg/lux.shp"), "ID_2")
    }

    @Test(arguments: ["olinda", "luxembourg"], [ZonalMode.center, .allTouched, .coverage])
    func matchesThePythonTools(name: String, mode: ZonalMode) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no venv at \(Self.python): run `make venv`")
        let directory = TemporaryDirectory()
        let data = try Self.dataset(name, directory)
        let result = try ZonalJob.run(ZonalRequest(raster: data.raster, zones: ZoneSource(path: data.zones, idField: data.idField), mode: mode))
        let ours = directory.path("ours.csv"), theirs = directory.path("theirs.csv")
        try ZonalWriter.write(result, to: ours, overwrite: false)
        let reference = try run(Self.python, [Self.script, data.raster, data.zones, data.idField, mode.rawValue, theirs])
        try #require(reference.status == 0, "\(reference.stderr)")
        let mine = try Self.readCSV(ours).filter { $0["level"] == "zone" }, expected = try Self.readCSV(theirs)
        try #require(mine.count == expected.count)
        var compared = 0, worst = 0.0
        for (a, b) in zip(mine, expected) {
            #expect(a["zone_id"] == b["id"].map { $0.hasSuffix(".0") ? String($0.dropLast(2)) : $0 })
            for statistic in ["count", "sum", "mean", "min", "max", "std"] {
                let x = a[statistic] ?? "", y = b[statistic] ?? ""
                if y.isEmpty || y == "nan" || y == "None" {
                    #expect(x.isEmpty || Double(x) == 0, "\(a["zone_id"]!) \(statistic): \(x) vs empty")
                    continue
                }
                let ours = try #require(Double(x)), theirs = try #require(Double(y))
                // Relative to the value, or to 1 for values near zero (NDVI means).
                let error = abs(ours - theirs) / max(abs(theirs), 1)
                worst = max(worst, error)
                #expect(error < 1e-6, "\(name) \(mode) zone \(a["zone_id"]!) \(statistic): \(ours) vs \(theirs)")
                compared += 1
            }
        }
        #expect(compared > 50)
        // Centre and all-touched select the same cells; rasterstats sums Float32 rasters in Float32, hence ~1e-7.
        if mode != .coverage && name == "luxembourg" { #expect(worst < 1e-12, "integer data: identical") }
    }

    /// Order statistics on an integer raster: exact (per-zone histograms), as rasterstats computes them with numpy.
    @Test func percentilesMajorityAndVariety() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python))
        let directory = TemporaryDirectory()
        let data = try Self.dataset("luxembourg", directory)
        let statistics = ["median", "p10", "p90", "majority", "minority", "variety"]
        let result = try ZonalJob.run(ZonalRequest(raster: data.raster, zones: ZoneSource(path: data.zones, idField: data.idField),
                                                   mode: .center, statistics: statistics))
        try ZonalWriter.write(result, to: directory.path("ours.csv"), overwrite: false)
        let reference = try run(Self.python, [Self.script, data.raster, data.zones, data.idField, "center", directory.path("theirs.csv"),
                                              "--stats", statistics.joined(separator: ",")])
        try #require(reference.status == 0, "\(reference.stderr)")
        let mine = try Self.readCSV(directory.path("ours.csv")).filter { $0["level"] == "zone" }
        let expected = try Self.readCSV(directory.path("theirs.csv"))
        try #require(mine.count == 12 && expected.count == 12)
        for (a, b) in zip(mine, expected) {
            #expect(Double(a["variety"] ?? "") == Double(b["variety"] ?? ""), "zone \(a["zone_id"]!) variety")
            // Interpolated between the same two values; rounding of the interpolation may differ in the last bit.
            for statistic in ["median", "p10", "p90"] {
                let ours = Double(a[statistic] ?? "") ?? .nan, theirs = Double(b[statistic] ?? "") ?? .nan
                #expect(abs(ours - theirs) <= 1e-9 * max(1, abs(theirs)), "zone \(a["zone_id"]!) \(statistic): \(ours) vs \(theirs)")
            }
            // Majority and minority may differ only where several values tie; then both must be among the tied values.
            for statistic in ["majority", "minority"] where Double(a[statistic] ?? "") != Double(b[statistic] ?? "") {
                let zone = result.rows.first { $0.id == a["zone_id"] }!.accumulator.histogram!
                let ours = zone[Int64(Double(a[statistic]!)!)]?.weight, theirs = zone[Int64(Double(b[statistic]!)!)]?.weight
                #expect(ours != nil && ours == theirs, "zone \(a["zone_id"]!) \(statistic): not a tie")
            }
        }
    }

    @Test func categoricalCountsAreExact() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python))
        let directory = TemporaryDirectory()
        let data = try Self.dataset("olinda", directory)
        let classes = directory.path("classes.tif")
        try ClassifyJob.run(ClassifyRequest(input: data.raster, rule: .breaks([-0.2, 0, 0.2], rightClosed: false)), to: classes)
        let result = try ZonalJob.run(ZonalRequest(raster: classes, zones: ZoneSource(path: data.zones, idField: data.idField), mode: .center))
        #expect(result.categorical)
        let reference = try run(Self.python, [Self.script, classes, data.zones, data.idField, "center", directory.path("ref.csv"), "--categorical"])
        try #require(reference.status == 0, "\(reference.stderr)")
        let expected = try Self.readCSV(directory.path("ref.csv"))
        let zones = result.rows.filter { $0.level == .zone }
        try #require(zones.count == expected.count)
        var nonZero = 0
        for (row, reference) in zip(zones, expected) {
            for value in 1...4 {
                let theirs = Double(reference["class_\(value)"] ?? "") ?? 0
                let ours = row.accumulator.histogram?[Int64(value)]?.weight ?? 0
                #expect(ours == theirs, "zone \(row.id) class \(value)")
                if ours > 0 { nonZero += 1 }
            }
        }
        #expect(nonZero > 400)
    }
}

@Suite struct ZonalBehaviourTests {
    /// A 40 x 30 raster of 10 m cells in UTM 48N with value = column, and zones built by hand.
    static func fixture(_ directory: TemporaryDirectory) throws -> String {
        let raster = directory.path("values.tif")
        try writeRaster(raster, width: 40, height: 30, values: (0..<1200).map { Float($0 % 40) }, pixelSize: 10, originX: 500_000, originY: 1_000_000)
        return raster
    }

    static func square(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> String {
        "POLYGON ((\(x0) \(y0), \(x1) \(y0), \(x1) \(y1), \(x0) \(y1), \(x0) \(y0)))"
    }

    static func writeZones(_ path: String, _ features: [(id: String, name: String, wkt: String)], idField: String = "code") throws {
        let dataset = try Driver("GPKG").createVector(path: path)
        let layer = try dataset.createLayer(name: "zones", spatialReference: try SpatialReference(epsg: 32648), geometryType: .unknown)
        try layer.createField(FieldDefinition(name: idField, type: .string))
        try layer.createField(FieldDefinition(name: "name", type: .string))
        for feature in features {
            try layer.addFeature([idField: .string(feature.id), "name": .string(feature.name)], geometry: try Geometry(wkt: feature.wkt))
        }
        try dataset.close()
    }

    @Test func overlapsEmptyZonesInvalidGeometriesAndDuplicates() throws {
        let directory = TemporaryDirectory()
        let raster = try Self.fixture(directory)
        let zones = directory.path("zones.gpkg")
        try Self.writeZones(zones, [
            ("A", "Xã An", Self.square(500_000, 999_800, 500_100, 999_900)),          // columns 0-9, rows 10-19
            ("B", "Xã Bình", Self.square(500_050, 999_800, 500_150, 999_900)),        // overlaps A: columns 5-14
            ("C", "Xã Cát", Self.square(600_000, 999_800, 600_100, 999_900)),         // far outside the raster
            ("D", "Xã Đông", "POLYGON ((500200 999800, 500300 999900, 500300 999800, 500200 999900, 500200 999800))"), // bow-tie
            ("A", "Xã An (2)", Self.square(500_300, 999_800, 500_400, 999_900)),      // duplicate id
        ])
        let result = try ZonalJob.run(ZonalRequest(raster: raster, zones: ZoneSource(path: zones, idField: "code", nameField: "name")))
        let rows = result.rows.filter { $0.level == .zone }
        #expect(rows.map(\.id) == ["A", "B", "C", "D", "A"])
        // Overlapping zones each get all their cells: 10 x 10 cells each, value = column.
        #expect(rows[0].accumulator.weight == 100 && rows[0].accumulator.sum == 10 * (0..<10).reduce(0, +).toDouble)
        #expect(rows[1].accumulator.weight == 100 && rows[1].accumulator.sum == 10 * (5..<15).reduce(0, +).toDouble)
        // Outside the raster: a row with count 0.
        #expect(rows[2].accumulator.weight == 0 && rows[2].accumulator.cells == 0)
        // The bow-tie is repaired (two triangles) and reported.
        #expect(rows[3].repaired && rows[3].accumulator.weight > 0)
        #expect(result.warnings.contains { $0.contains("(code D) had an invalid geometry; repaired") })
        // Duplicate ids: both kept, told apart by fid, with a warning.
        #expect(rows[4].accumulator.weight == 100 && rows[4].featureID != rows[0].featureID)
        #expect(result.warnings.contains { $0.contains("the id 'A' is also the id of FID") })
        // The total merges every zone (overlaps counted in each).
        #expect(result.rows.last?.accumulator.weight == 300 + rows[3].accumulator.weight)
        let error = #expect(throws: GDALError.self) {
            try ZonalJob.run(ZonalRequest(raster: raster, zones: ZoneSource(path: zones, idField: "commune_code")))
        }
        #expect(error?.description == "\(zones): layer 'zones' has no field 'commune_code' (fields: code, name)")
    }

    @Test func coverageFractionsOfAHalfCoveredCell() throws {
        let directory = TemporaryDirectory()
        let raster = try Self.fixture(directory)
        let zones = directory.path("half.gpkg")
        // 2.5 columns wide, 1.5 rows high, starting at a cell corner: 2 full + 1 half cells, then a half row.
        try Self.writeZones(zones, [("H", "half", Self.square(500_000, 999_985, 500_025, 1_000_000))])
        let result = try ZonalJob.run(ZonalRequest(raster: raster, zones: ZoneSource(path: zones, idField: "code"), mode: .coverage))
        let accumulator = result.rows[0].accumulator
        #expect(abs(accumulator.weight - 3.75) < 1e-12)
        // Values are the column: 0, 1, 0.5 x 2 in row 0; half of that in row 1.
        #expect(abs(accumulator.sum - 1.5 * (0 + 1 + 0.5 * 2)) < 1e-12)
        #expect(accumulator.minimum == 0 && accumulator.maximum == 2)
    }

    @Test func maskTargetAndAreas() throws {
        let directory = TemporaryDirectory()
        // Classes 1..3 by column; mask keeps the left half (value 1) of the raster.
        let classes = directory.path("classes.tif"), mask = directory.path("mask.tif")
        try writeRaster(classes, width: 40, height: 30, values: (0..<1200).map { UInt8(1 + ($0 % 40) / 14) }, noData: 0)
        try writeRaster(mask, width: 40, height: 30, values: (0..<1200).map { UInt8($0 % 40 < 20 ? 1 : 2) })
        let zones = directory.path("zones.gpkg")
        try Self.writeZones(zones, [("Z", "all", Self.square(500_000, 999_700, 500_400, 1_000_000))])
        let result = try ZonalJob.run(ZonalRequest(raster: classes, zones: ZoneSource(path: zones, idField: "code"), categorical: true,
                                                   mask: (mask, 1, [1]), target: try ZonalTarget(parsing: ">=2:10%")))
        let zone = result.rows[0].accumulator
        // Kept: columns 0-19 x 30 rows = 600 cells of 0.01 ha; class 1 = columns 0-13, class 2 = columns 14-19.
        #expect(zone.weight == 600)
        #expect(abs(zone.hectares - 6) < 1e-12)
        #expect(zone.histogram?[1]?.weight == 420 && zone.histogram?[2]?.weight == 180 && zone.histogram?[3] == nil)
        let table = ZonalWriter.table(result)
        let row = Dictionary(uniqueKeysWithValues: zip(table.columns.map(\.name), table.rows[0]))
        #expect(abs((row["target_pct"]?.doubleValue ?? 0) - 30) < 1e-9)
        #expect(row["target_met"] == .string("no"))
        #expect(abs((row["class 2 [%]"]?.doubleValue ?? 0) - 30) < 1e-9)
    }

    @Test func geographicCellAreasOnTheEllipsoid() {
        // One 1° x 1° cell at the equator on WGS 84: 12,308.4639 km², from integrating the area element
        // a²(1-e²)cos φ / (1 - e² sin² φ)² dφ dλ numerically (Simpson, 200,000 steps, Python).
        let grid = RasterGrid(width: 1, height: 1, geoTransform: GeoTransform(originX: 0, pixelWidth: 1, originY: 1, pixelHeight: -1), crsWKT: "")
        let area = CellArea(grid: grid, isGeographic: true, metresPerUnit: 1, semiMajorAxis: 6_378_137, inverseFlattening: 298.257223563)
        #expect(abs(area.hectares(row: 0) / 100 - 12_308.4639) < 0.001)
    }
}

extension Int { var toDouble: Double { Double(self) } }

/// Vietnam's 3,321 communes (real names and codes, generated square polygons) over a classified map made from the
/// real Landsat sample, rolled up to the 34 provinces.
@Suite(.serialized) struct VietnamRollUpTests {
    static func communes() throws -> [(code: String, name: String, provinceCode: String, provinceName: String)] {
        let layer = try Dataset.open(Repository.path("samples/vietnam/admin-units-2025.csv"), kind: .vector).layer(0)
        return try layer.features.map { feature in
            (try feature.value(named: "commune_code").stringValue ?? "", try feature.value(named: "commune_name").stringValue ?? "",
             try feature.value(named: "province_code").stringValue ?? "", try feature.value(named: "province_name").stringValue ?? "")
        }
    }

    /// 81 x 41 squares of 10 x 10 cells (30 m) in UTM 48N; classes 1-4 from the Landsat red band, mirrored to fit.
    static func fixture(_ directory: TemporaryDirectory) throws -> (raster: String, zones: String, communes: Int) {
        let communes = try Self.communes()
        let width = 810, height = 410
        let red: [UInt8] = try Dataset.open(Repository.landsat).band(3).readAll()
        var classes = [UInt8](repeating: 0, count: width * height)
        for row in 0..<height {
            for column in 0..<width {
                let sourceRow = (row / 352) % 2 == 0 ? row % 352 : 351 - row % 352
                let sourceColumn = (column / 349) % 2 == 0 ? column % 349 : 348 - column % 349
                let value = red[sourceRow * 349 + sourceColumn]
                classes[row * width + column] = value < 45 ? 1 : value < 55 ? 2 : value < 70 ? 3 : 4
            }
        }
        let raster = directory.path("degradation.tif")
        try writeRaster(raster, width: width, height: height, values: classes, noData: 0, pixelSize: 30, originX: 600_000, originY: 1_200_000)
        let zones = directory.path("communes.gpkg")
        let dataset = try Driver("GPKG").createVector(path: zones)
        let layer = try dataset.createLayer(name: "communes", spatialReference: try SpatialReference(epsg: 32648), geometryType: .polygon)
        for field in ["commune_code", "commune_name", "province_code", "province_name"] {
            try layer.createField(FieldDefinition(name: field, type: .string))
        }
        try dataset.withTransaction {
            for (index, commune) in communes.enumerated() {
                let x0 = 600_000 + Double(index % 81) * 300, y0 = 1_200_000 - Double(index / 81) * 300
                let wkt = "POLYGON ((\(x0) \(y0), \(x0 + 300) \(y0), \(x0 + 300) \(y0 - 300), \(x0) \(y0 - 300), \(x0) \(y0)))"
                try layer.addFeature(values: [.string(commune.code), .string(commune.name), .string(commune.provinceCode), .string(commune.provinceName)],
                                     geometry: try Geometry(wkt: wkt))
            }
        }
        try dataset.close()
        return (raster, zones, communes.count)
    }

    @Test func provinceTotalsEqualTheSumOfTheirCommunes() throws {
        let directory = TemporaryDirectory()
        let data = try Self.fixture(directory)
        #expect(data.communes == 3321)
        let request = ZonalRequest(raster: data.raster,
                                   zones: ZoneSource(path: data.zones, idField: "commune_code", nameField: "commune_name",
                                                     groupField: "province_code", groupNameField: "province_name"),
                                   mode: .coverage, statistics: ["count", "sum", "mean"], target: try ZonalTarget(parsing: ">=3:10%"))
        let result = try ZonalJob.run(request, engine: EngineOptions(threads: 2))
        let zones = result.rows.filter { $0.level == .zone }, provinces = result.rows.filter { $0.level == .group }
        #expect(zones.count == 3321 && provinces.count == 34)
        #expect(result.categorical)
        for province in provinces {
            let members = zones.filter { $0.groupID == province.id }
            #expect(province.zoneCount == members.count)
            // Summed in the order the roll-up merges them (layer order): exactly equal.
            #expect(province.accumulator.weight == members.reduce(0) { $0 + $1.accumulator.weight })
            #expect(province.accumulator.sum == members.reduce(0) { $0 + $1.accumulator.sum })
            #expect(province.accumulator.hectares == members.reduce(0) { $0 + $1.accumulator.hectares })
            for value in Int64(1)...4 {
                #expect(province.accumulator.histogram?[value]?.weight ?? 0 == members.reduce(0) { $0 + ($1.accumulator.histogram?[value]?.weight ?? 0) })
            }
            #expect(province.name == members[0].groupName)
        }
        let total = try #require(result.rows.last)
        #expect(total.accumulator.weight == zones.reduce(0) { $0 + $1.accumulator.weight })
        #expect(total.accumulator.weight == 810 * 410)
        // Results do not depend on the thread count.
        let single = try ZonalJob.run(request, engine: EngineOptions(threads: 1))
        #expect(zip(single.rows, result.rows).allSatisfy { $0.accumulator.sum == $1.accumulator.sum && $0.accumulator.mean == $1.accumulator.mean })
    }

    @Test(arguments: ["stats.csv", "stats.gpkg", "stats.geojson"])
    func vietnameseNamesSurviveEveryFormat(file: String) throws {
        let directory = TemporaryDirectory()
        let data = try Self.fixture(directory)
        let result = try ZonalJob.run(ZonalRequest(raster: data.raster,
                                                   zones: ZoneSource(path: data.zones, idField: "commune_code", nameField: "commune_name",
                                                                     groupField: "province_code", groupNameField: "province_name")))
        let output = directory.path(file)
        try ZonalWriter.write(result, to: output, overwrite: false)
        let dataset = try Dataset.open(file.hasSuffix(".csv") ? output : output, kind: .vector)
        let layer = try dataset.layer(0)
        let names = layer.features.compactMap { feature -> String? in
            guard (try? feature.value(named: "level").stringValue) == "zone" else { return nil }
            return try? feature.value(named: "zone_name").stringValue
        }
        let expected = try VietnamRollUpTests.communes().map(\.name)
        #expect(names == expected)
        #expect(names.contains("Phường Hoàn Kiếm"))
        if file.hasSuffix(".gpkg") {
            #expect(layer.name == "zones" && layer.featureCount == 3321)
            #expect(layer.spatialReference?.epsgCode == 32648)
            let groups = try dataset.layer(named: "groups")
            #expect(groups.featureCount == 34)
            #expect(Set(groups.features.compactMap { try? $0.value(named: "zone_name").stringValue }).contains("Thành phố Hà Nội"))
        }
    }
}
