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
                let zone = result.rows.first { $0.zoneID == a["zone_id"] }!.accumulator.histogram!
                let ours = zone[Int64(Double(a[statistic]!)!)]?.weight, theirs = zone[Int64(Double(b[statistic]!)!)]?.weight
                #expect(ours != nil && ours == theirs, "zone \(a["zone_id"]!) \(statistic): not a tie")
            }
        }
    }

    /// Class cells per zone: exact in centre mode (rasterstats' categorical counts); in coverage mode, coverage-weighted
    /// as exactextract's frac x count (Float32 coverage there, hence 1e-6).
    @Test(arguments: [ZonalMode.center, .coverage])
    func categoricalCounts(mode: ZonalMode) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python))
        let directory = TemporaryDirectory()
        let data = try Self.dataset("olinda", directory)
        let classes = directory.path("classes.tif")
        try ClassifyJob.run(ClassifyRequest(input: data.raster, rule: .breaks([-0.2, 0, 0.2], rightClosed: false)), to: classes)
        let result = try ZonalJob.run(ZonalRequest(raster: classes, zones: ZoneSource(path: data.zones, idField: data.idField), mode: mode))
        #expect(result.categorical)
        let reference = try run(Self.python, [Self.script, classes, data.zones, data.idField, mode.rawValue, directory.path("ref.csv"), "--categorical"])
        try #require(reference.status == 0, "\(reference.stderr)")
        let expected = try Self.readCSV(directory.path("ref.csv"))
        let zones = result.rows.filter { $0.level == .zone }
        try #require(zones.count == expected.count)
        var nonZero = 0
        let transform = try #require(try Dataset.open(classes).geoTransform)
        let cellHectares = abs(transform.pixelWidth * transform.pixelHeight) / 10_000
        for (row, reference) in zip(zones, expected) {
            for value in 1...4 {
                let theirs = Double(reference["class_\(value)"] ?? "") ?? 0
                let ours = row.accumulator.histogram?[Int64(value)]?.weight ?? 0
                if mode == .center {
                    #expect(ours == theirs, "zone \(row.zoneID) class \(value)")
                } else {
                    #expect(abs(ours - theirs) <= 1e-6 * max(1, theirs), "zone \(row.zoneID) class \(value): \(ours) vs \(theirs)")
                }
                // Hectares: the reference's (covered) cells x the cell area from the geotransform (UTM, equal cells).
                let hectares = row.accumulator.histogram?[Int64(value)]?.hectares ?? 0
                #expect(abs(hectares - theirs * cellHectares) <= 1e-6 * max(1, theirs * cellHectares), "zone \(row.zoneID) class \(value) ha")
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
        #expect(rows.map(\.zoneID) == ["A", "B", "C", "D", "A"])
        // Overlapping zones each get all their cells: 10 x 10 cells each, value = column.
        #expect(rows[0].accumulator.weight == 100 && rows[0].accumulator.sum == 10 * (0..<10).reduce(0, +).toDouble)
        #expect(rows[1].accumulator.weight == 100 && rows[1].accumulator.sum == 10 * (5..<15).reduce(0, +).toDouble)
        // Outside the raster: a row with count 0.
        #expect(rows[2].accumulator.weight == 0 && rows[2].accumulator.cells == 0)
        // The bow-tie is repaired (two triangles, 5000 m²) and reported; its cells are those GDAL's RasterizeLayer
        // burns for the repaired MultiPolygon (50 cells, columns summing to 1200).
        #expect(rows[3].repaired && rows[3].accumulator.weight == 50 && rows[3].accumulator.sum == 1200)
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
        #expect(abs((row["class_2_pct"]?.doubleValue ?? 0) - 30) < 1e-9)
    }

    @Test func geographicCellAreasOnTheEllipsoid() {
        // One 1° x 1° cell at the equator on WGS 84: 12,308.4639 km², from integrating the area element
        // a²(1-e²)cos φ / (1 - e² sin² φ)² dφ dλ numerically (Simpson, 200,000 steps, Python).
        let grid = RasterGrid(width: 1, height: 1, geoTransform: GeoTransform(originX: 0, pixelWidth: 1, originY: 1, pixelHeight: -1), crsWKT: "")
        let area = CellArea(grid: grid, isGeographic: true, metresPerUnit: 1, semiMajorAxis: 6_378_137, inverseFlattening: 298.257223563)
        #expect(abs(area.hectares(row: 0) / 100 - 12_308.4639) < 0.001)
        // Cells of 0.01° at Hanoi, Luxembourg and 70° N against the closed form of the area of an ellipsoidal zone,
        // S(φ) = π b² (sin φ / (1 - e² sin² φ) + ln((1 + e sin φ) / (1 - e sin φ)) / (2e)), times Δλ / 2π.
        let a = 6_378_137.0, f = 1 / 298.257223563, e2 = f * (2 - f), e = e2.squareRoot(), b = a * (1 - f)
        func zone(_ degrees: Double) -> Double {
            let s = sin(degrees * .pi / 180)
            return .pi * b * b * (s / (1 - e2 * s * s) + log((1 + e * s) / (1 - e * s)) / (2 * e))
        }
        for top in [21.03, 49.61, 70.0] {
            let cell = 0.01
            let grid = RasterGrid(width: 1, height: 3, geoTransform: GeoTransform(originX: 105, pixelWidth: cell, originY: top, pixelHeight: -cell), crsWKT: "")
            let area = CellArea(grid: grid, isGeographic: true, metresPerUnit: 1, semiMajorAxis: a, inverseFlattening: 1 / f)
            for row in 0..<3 {
                let north = top - Double(row) * cell, south = north - cell
                let expected = (zone(north) - zone(south)) * cell / 360 / 10_000
                #expect(abs(area.hectares(row: row) - expected) <= 1e-9 * expected, "row \(row) below \(top)°: \(area.hectares(row: row)) vs \(expected)")
            }
        }
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
            let members = zones.filter { $0.groupID == province.groupID }
            #expect(province.zoneCount == members.count)
            // Summed in the order the roll-up merges them (layer order): exactly equal.
            #expect(province.accumulator.weight == members.reduce(0) { $0 + $1.accumulator.weight })
            #expect(province.accumulator.sum == members.reduce(0) { $0 + $1.accumulator.sum })
            #expect(province.accumulator.hectares == members.reduce(0) { $0 + $1.accumulator.hectares })
            for value in Int64(1)...4 {
                #expect(province.accumulator.histogram?[value]?.weight ?? 0 == members.reduce(0) { $0 + ($1.accumulator.histogram?[value]?.weight ?? 0) })
            }
            #expect(province.groupName == members[0].groupName && province.zoneID.isEmpty)
        }
        let total = try #require(result.rows.last)
        #expect(total.accumulator.weight == zones.reduce(0) { $0 + $1.accumulator.weight })
        #expect(total.accumulator.weight == 810 * 410)
        // Results do not depend on the thread count.
        let single = try ZonalJob.run(request, engine: EngineOptions(threads: 1))
        #expect(single.rows.count == result.rows.count && zip(single.rows, result.rows).allSatisfy { $0.accumulator.sum == $1.accumulator.sum && $0.accumulator.mean == $1.accumulator.mean })
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
            #expect(Set(groups.features.compactMap { try? $0.value(named: "group_name").stringValue }).contains("Thành phố Hà Nội"))
        }
    }
}

/// `soilmap zonal` as a user runs it on the Olinda samples, with inputs broken the ways users break them (built
/// with GDAL's own tools): every unusable input is a one-line error that leaves nothing behind, every empty result
/// a counted warning, and the tables say what each row and column is.
@Suite(.serialized) struct ZonalCommandLineTests {
    static let tracts = Repository.path("samples/olinda/olinda1.shp")

    /// Runs a GDAL utility (gdal_translate, ogr2ogr) and requires success.
    static func gdal(_ tool: String, _ arguments: [String]) throws {
        let result = try run("/usr/bin/\(tool)", arguments)
        try #require(result.status == 0, "\(tool) \(arguments.joined(separator: " ")): \(result.stderr)")
    }

    static func ndvi(_ directory: TemporaryDirectory) throws -> String {
        let ndvi = directory.path("ndvi.tif")
        let result = try runSoilmap(["index", "NDVI", "-i", Repository.landsat, "--band", "red=3", "--band", "nir=4", "-o", ndvi, "-q"])
        try #require(result.status == 0, "\(result.stderr)")
        return ndvi
    }

    /// NDVI in four classes with a legend (labels and colours), as `soilmap classify` writes it.
    static func classMap(_ directory: TemporaryDirectory) throws -> String {
        let classes = directory.path("classes.tif")
        let result = try runSoilmap(["classify", try ndvi(directory), "--breaks", "-0.2,0,0.2", "-o", classes, "-q"])
        try #require(result.status == 0, "\(result.stderr)")
        return classes
    }

    /// Copies the tracts shapefile's parts with these extensions into a subdirectory.
    static func copyTracts(_ directory: TemporaryDirectory, into name: String, extensions: [String]) throws -> String {
        try FileManager.default.createDirectory(atPath: directory.path(name), withIntermediateDirectories: true)
        for ext in extensions {
            try FileManager.default.copyItem(atPath: Repository.path("samples/olinda/olinda1.\(ext)"), toPath: directory.path("\(name)/olinda1.\(ext)"))
        }
        return directory.path("\(name)/olinda1.shp")
    }

    /// A layer of a table (CSV, GeoPackage, GeoJSON) read back with GDAL: its field names and, per feature, the FID,
    /// the values and the geometry's type.
    static func readLayer(_ path: String, _ name: String? = nil) throws
        -> (fields: [String], geometryType: String, rows: [(fid: Int64, values: [String: FieldValue])]) {
        let dataset = try Dataset.open(path, kind: .vector)
        let layer = try name.map(dataset.layer(named:)) ?? dataset.layer(0)
        let fields = layer.fields.map(\.name)
        let rows = layer.features.map { feature in
            (feature.id, Dictionary(uniqueKeysWithValues: fields.enumerated().map { ($1, feature.value(at: $0)) }))
        }
        return (fields, layer.geometryTypeName, rows)
    }

    /// The CSV as GDAL reads it: every value text, "" for an empty cell.
    static func readCSV(_ path: String) throws -> (header: String, rows: [[String: String]]) {
        let header = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
        return (header, try readLayer(path).rows.map { $0.values.mapValues { $0.stringValue ?? "" } })
    }

    // MARK: Inputs that cannot give a meaningful table

    @Test(arguments: ["zones without CRS", "raster without CRS", "raster without geotransform", "point zones", "line zones",
                      "a point among the zones", "zones without .dbf"])
    func unusableInputIsAOneLineError(_ name: String) throws {
        let directory = TemporaryDirectory()
        var raster = try Self.ndvi(directory), zones = Self.tracts, idField = "CD_GEOCODI"
        // The NDVI with no georeferencing at all (no GeoTIFF tags, no .aux.xml).
        func bareCopy() throws -> String {
            try Self.gdal("gdal_translate", ["-q", "-co", "PROFILE=BASELINE", raster, directory.path("bare.tif")])
            try? FileManager.default.removeItem(atPath: directory.path("bare.tif.aux.xml"))
            return directory.path("bare.tif")
        }
        let expected: String
        switch name {
        case "zones without CRS":
            zones = try Self.copyTracts(directory, into: "noprj", extensions: ["shp", "shx", "dbf"])
            expected = "\(zones): layer 'olinda1' has no CRS (a shapefile without its .prj?), so it cannot be placed on the raster (SIRGAS 2000 / UTM zone 25S); assign it with ogr2ogr -a_srs"
        case "raster without CRS":
            let bounds = try #require(try Dataset.open(raster).geoTransform).bounds(width: 349, height: 352)
            let bare = try bareCopy()
            raster = directory.path("nocrs.tif")
            try Self.gdal("gdal_translate", ["-q", "-a_ullr", "\(bounds.minX)", "\(bounds.maxY)", "\(bounds.maxX)", "\(bounds.minY)", bare, raster])
            let written = try Dataset.open(raster)
            try #require(written.spatialReference == nil && written.geoTransform != nil)
            expected = "\(raster): has no CRS, so the zones (GRS 1980(IUGG, 1980)) cannot be placed on it; assign it with gdal_edit.py -a_srs"
        case "raster without geotransform":
            raster = try bareCopy()
            try #require(try Dataset.open(raster).geoTransform == nil)
            expected = "\(raster): has no geotransform (it is not georeferenced), so the zones cannot be placed on it"
        case "point zones":
            zones = directory.path("centroids.shp")
            try Self.gdal("ogr2ogr", ["-nlt", "POINT", "-dialect", "sqlite", "-sql", "SELECT ST_Centroid(geometry) AS geometry, CD_GEOCODI FROM olinda1",
                                      zones, Self.tracts])
            expected = "\(zones): layer 'centroids' has Point geometries; zones must be polygons"
        case "line zones":
            zones = directory.path("boundaries.shp")
            try Self.gdal("ogr2ogr", ["-nlt", "LINESTRING", "-dialect", "sqlite", "-sql", "SELECT ST_Boundary(geometry) AS geometry, CD_GEOCODI FROM olinda1",
                                      zones, Self.tracts])
            expected = "\(zones): layer 'boundaries' has Line String geometries; zones must be polygons"
        case "a point among the zones":
            // A GeoPackage layer of generic geometry type: the point is found feature by feature.
            raster = try ZonalBehaviourTests.fixture(directory)
            zones = directory.path("mixed.gpkg")
            idField = "code"
            try ZonalBehaviourTests.writeZones(zones, [("A", "square", ZonalBehaviourTests.square(500_000, 999_800, 500_100, 999_900)),
                                                       ("B", "well", "POINT (500050 999850)")])
            expected = "\(zones): feature FID 2 (code B) is a POINT; zones must be polygons"
        default:
            zones = try Self.copyTracts(directory, into: "nodbf", extensions: ["shp", "shx", "prj"])
            expected = "\(directory.path("nodbf/olinda1.dbf")): missing: it holds the attributes of \(zones), such as the id field 'CD_GEOCODI'"
        }
        let before = Set(directory.files)
        for output in ["stats.csv", "stats.gpkg"] {
            let result = try runSoilmap(["zonal", raster, "--zones", zones, "--id-field", idField, "-o", directory.path(output)])
            #expect(result.status == 1)
            #expect(result.stderr == "soilmap: \(expected)\n")
            #expect(Set(directory.files) == before, "nothing written, not even a partial file")
        }
    }

    // MARK: Empty results are counted warnings

    /// Runs zonal to a CSV and returns stderr's lines and the table.
    static func zonal(_ arguments: [String], _ directory: TemporaryDirectory) throws -> (lines: [String], header: String, rows: [[String: String]]) {
        let output = directory.path("stats.csv")
        try? FileManager.default.removeItem(atPath: output)
        let result = try runSoilmap(["zonal"] + arguments + ["-o", output])
        try #require(result.status == 0, "\(result.stderr)")
        let table = try Self.readCSV(output)
        return (result.stderr.split(separator: "\n").map(String.init), table.header, table.rows)
    }

    @Test func zonesOutsideTheRasterAreCounted() throws {
        let directory = TemporaryDirectory()
        // The NDVI moved 300 km east: every tract lies outside it.
        let ndvi = try Self.ndvi(directory), far = directory.path("far.tif")
        let bounds = try #require(try Dataset.open(ndvi).geoTransform).bounds(width: 349, height: 352)
        try Self.gdal("gdal_translate", ["-q", "-a_ullr", "\(bounds.minX + 300_000)", "\(bounds.maxY)", "\(bounds.maxX + 300_000)", "\(bounds.minY)", ndvi, far])
        let all = try Self.zonal([far, "--zones", Self.tracts, "--id-field", "CD_GEOCODI"], directory)
        #expect(all.lines == ["soilmap: warning: \(Self.tracts): 470 of 470 zones lie outside the raster; their rows have count 0",
                              "\(directory.path("stats.csv")): 470 zones, 1 total (center)"])
        #expect(all.rows.count == 471 && all.rows.allSatisfy { $0["cells"] == "0" && $0["count"] == "0" && $0["mean"] == "" })

        // Hand-made zones over a 400 m x 300 m raster: one inside, one straddling the edge, one 100 km away.
        let raster = try ZonalBehaviourTests.fixture(directory), zones = directory.path("zones.gpkg")
        try ZonalBehaviourTests.writeZones(zones, [("in", "", ZonalBehaviourTests.square(500_000, 999_800, 500_100, 999_900)),
                                                   ("edge", "", ZonalBehaviourTests.square(500_350, 999_800, 500_450, 999_900)),
                                                   ("far", "", ZonalBehaviourTests.square(600_000, 999_800, 600_100, 999_900))])
        let some = try Self.zonal([raster, "--zones", zones, "--id-field", "code"], directory)
        #expect(some.lines.first == "soilmap: warning: \(zones): 1 of 3 zones lie outside the raster; their rows have count 0")
        // 10 x 10 cells; 5 x 10 for the edge zone (columns 35-39).
        #expect(some.rows.map { $0["cells"] } == ["100", "50", "0", "150"])
    }

    @Test func anAllNodataRasterIsCounted() throws {
        let directory = TemporaryDirectory()
        let ndvi = try Self.ndvi(directory), empty = directory.path("nodata.tif")
        try Self.gdal("gdal_translate", ["-q", "-scale", "0", "1", "-9999", "-9999", ndvi, empty])
        let values = try readBand(empty)
        let noData = try Dataset.open(empty).band(1).noDataValue
        try #require(values.allSatisfy { $0 == -9999 } && noData == -9999)
        let table = try Self.zonal([empty, "--zones", Self.tracts, "--id-field", "CD_GEOCODI"], directory)
        #expect(table.lines.first == "soilmap: warning: \(empty): 470 of 470 zones have no valid cell (nodata or smaller than a cell); their rows have count 0")
        #expect(table.rows.allSatisfy { $0["cells"] == "0" && $0["area_ha"] == "0" })
    }

    @Test func anEmptyLayerIsAWarningAndATotalRow() throws {
        let directory = TemporaryDirectory()
        let zones = directory.path("empty.gpkg")
        try Self.gdal("ogr2ogr", ["-where", "1=0", "-nln", "tracts", zones, Self.tracts])
        let output = directory.path("stats.csv")
        let result = try runSoilmap(["zonal", try Self.ndvi(directory), "--zones", zones, "--id-field", "CD_GEOCODI", "-o", output])
        #expect(result.status == 0)
        #expect(result.stderr == "soilmap: warning: \(zones): layer 'tracts' has no features; the table has only the total row\n\(output): 0 zones, 1 total (center)\n")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == """
            level,zone_id,zone_name,group_id,group_name,source_fid,repaired,zones,cells,count,sum,mean,min,max,std,area_ha
            total,,,,,,0,0,0,0,0,,,,,0

            """)
    }

    // MARK: Tables

    /// Groups: one row per code, with the code in group_id only; tracts without a code (12 in the sample, read
    /// here from the shapefile) are in no group, with a warning.
    @Test func groupRowsHaveTheirOwnIdColumn() throws {
        let directory = TemporaryDirectory()
        var members: [String: Int] = [:], withoutCode = 0
        for feature in try Dataset.open(Self.tracts, kind: .vector).layer(0).features {
            let code = try feature.value(named: "CD_GEOCODB").stringValue ?? ""
            if code.isEmpty { withoutCode += 1 } else { members[code, default: 0] += 1 }
        }
        try #require(withoutCode == 12 && members.count == 31)
        let table = try Self.zonal([try Self.ndvi(directory), "--zones", Self.tracts, "--id-field", "CD_GEOCODI", "--group-field", "CD_GEOCODB",
                                    "--group-name-field", "NM_BAIR"], directory)
        #expect(table.lines.first == "soilmap: warning: \(Self.tracts): 12 of 470 zones have an empty CD_GEOCODB; they are in no group row, only in the total")
        let zones = table.rows.filter { $0["level"] == "zone" }, groups = table.rows.filter { $0["level"] == "group" }
        let totals = table.rows.filter { $0["level"] == "total" }
        #expect(zones.count == 470 && totals.count == 1)
        #expect(Dictionary(uniqueKeysWithValues: groups.map { ($0["group_id"]!, Int($0["zones"]!)!) }) == members)
        #expect(groups.allSatisfy { $0["zone_id"] == "" && $0["zone_name"] == "" && $0["source_fid"] == "" && $0["group_name"] != "" })
        #expect(totals[0]["zone_id"] == "" && totals[0]["group_id"] == "" && totals[0]["group_name"] == "" && totals[0]["zones"] == "470")
        // A join on zone_id finds exactly one row per tract; one on group_id (level group) one row per code.
        for zone in zones { #expect(table.rows.filter { $0["zone_id"] == zone["zone_id"] }.count == 1) }
        // The group's cells are its members' (the 12 tracts without a code only in the total).
        for group in groups {
            let cells = zones.filter { $0["group_id"] == group["group_id"] }.reduce(0) { $0 + Int($1["cells"]!)! }
            #expect(Int(group["cells"]!) == cells)
        }
        #expect(Int(totals[0]["cells"]!) == zones.reduce(0) { $0 + Int($1["cells"]!)! })
    }

    /// A class map in coverage mode: count and area (no mean of codes) and columns per class code, checked against
    /// exactextract; the same content in CSV, GeoPackage (real geometry type, fid = source FID, a classes table)
    /// and GeoJSON (classes in the collection).
    @Test func classTablesAreNamedByCodeAndAgreeAcrossFormats() throws {
        let python = ZonalReferenceTests.python
        try #require(FileManager.default.isExecutableFile(atPath: python), "no venv at \(python)")
        let directory = TemporaryDirectory()
        let classes = try Self.classMap(directory)
        let arguments = [classes, "--zones", Self.tracts, "--id-field", "CD_GEOCODI", "--mode", "coverage", "--group-field", "CD_GEOCODB"]
        let table = try Self.zonal(arguments, directory)
        #expect(table.header == "level,zone_id,zone_name,group_id,group_name,source_fid,repaired,zones,cells,count,area_ha,"
            + (1...4).map { "class_\($0)_cells,class_\($0)_ha,class_\($0)_pct" }.joined(separator: ",")
            + ",nodata_cells,nodata_ha,nodata_pct,zone_area_ha," + (1...4).map { "class_\($0)_pct_of_area" }.joined(separator: ","))

        let reference = try run(python, [ZonalReferenceTests.script, classes, Self.tracts, "CD_GEOCODI", "coverage", directory.path("ref.csv"), "--categorical"])
        try #require(reference.status == 0, "\(reference.stderr)")
        let expected = try ZonalReferenceTests.readCSV(directory.path("ref.csv"))
        let zones = table.rows.filter { $0["level"] == "zone" }
        try #require(zones.count == expected.count)
        let cellHectares = 28.5 * 28.5 / 10_000
        for (ours, theirs) in zip(zones, expected) {
            #expect(ours["zone_id"] == theirs["id"])
            var classCells = 0.0
            for code in 1...4 {
                let cells = Double(ours["class_\(code)_cells"]!)!, hectares = Double(ours["class_\(code)_ha"]!)!
                let reference = Double(theirs["class_\(code)"] ?? "") ?? 0
                #expect(abs(cells - reference) <= 1e-6 * max(1, reference), "\(ours["zone_id"]!) class \(code): \(cells) vs \(reference)")
                #expect(abs(hectares - cells * cellHectares) <= 1e-9 * max(1, hectares))
                #expect(abs(Double(ours["class_\(code)_pct"]!)! - 100 * hectares / Double(ours["area_ha"]!)!) <= 1e-9)
                classCells += cells
            }
            #expect(abs(classCells - Double(ours["count"]!)!) <= 1e-9 * classCells)
        }

        // The legend, read from the class map with GDAL.
        let band = try Dataset.open(classes).band(1)
        let legend = (1...4).map { (Int64($0), band.categoryNames[$0], band.colorTable!.entries[$0].hex) }
        #expect(legend.map(\.1) == ["(-inf, -0.2)", "[-0.2, 0)", "[0, 0.2)", "[0.2, inf)"])

        /// A value as the CSV writes it.
        func text(_ value: FieldValue) -> String {
            switch value {
            case .null: return ""
            case .real(let number): return number == number.rounded() ? String(Int64(number)) : String(number)
            default: return value.stringValue!
            }
        }
        let columns = table.header.split(separator: ",").map(String.init)
        for format in ["gpkg", "geojson"] {
            let output = directory.path("stats.\(format)")
            let result = try runSoilmap(["zonal"] + arguments + ["-o", output, "-q"])
            try #require(result.status == 0, "\(result.stderr)")
            let layers = format == "gpkg" ? ["zones", "groups", "total"] : ["zones"]
            var rows: [[String: String]] = []
            for name in layers {
                let layer = try Self.readLayer(output, name)
                #expect(layer.fields == columns, "\(format) \(name)")
                rows += layer.rows.map { $0.values.mapValues(text) }
                if format == "gpkg" && name == "zones" {
                    #expect(layer.geometryType == "Multi Polygon")
                    #expect(layer.rows.allSatisfy { .integer($0.fid) == $0.values["source_fid"] })
                    #expect(layer.rows.map(\.fid) == Array(0..<470))
                }
            }
            #expect(rows == table.rows, "\(format): same rows as the CSV")
            if format == "gpkg" {
                let lookup = try Self.readLayer(output, "classes")
                #expect(lookup.fields == ["code", "label", "colour"])
                #expect(lookup.rows.map { [$0.values["code"]!, $0.values["label"]!, $0.values["colour"]!] }
                    == legend.map { [.integer($0.0), .string($0.1), .string($0.2)] })
            } else {
                let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any]
                let lookup = try #require(json?["classes"] as? [[String: Any]])
                #expect(lookup.map { "\($0["code"]!) \($0["label"]!) \($0["colour"]!)" } == legend.map { "\($0.0) \($0.1) \($0.2)" })
            }
        }
    }

    /// A share exactly at the limit meets the target, with 30 m cells (0.09 ha, not exact in binary: the zone's
    /// area sums to 0.8999999999999998 ha and the share to 10.000000000000002 %); both target forms.
    @Test func targetsAtTheExactLimit() throws {
        let directory = TemporaryDirectory()
        // Rows of 10 cells; zone "at10": 1 of 10 cells in class 2; "at20": classes 2 and 3 (2 of 10);
        // "at5": rows 2-3, one cell of class 4 and one of class 2 in 20; "over5": rows 4-5, classes 3 and 4 in 20.
        var values = [UInt8](repeating: 1, count: 60)
        values[0] = 2; values[10] = 2; values[11] = 3; values[20] = 4; values[21] = 2; values[40] = 3; values[41] = 4
        let raster = directory.path("classes.tif"), zones = directory.path("zones.gpkg")
        try writeRaster(raster, width: 10, height: 6, values: values, noData: 0, pixelSize: 30)
        func rows(_ first: Int, _ last: Int) -> String {
            ZonalBehaviourTests.square(500_000, 1_000_000 - 30 * Double(last + 1), 500_300, 1_000_000 - 30 * Double(first))
        }
        try ZonalBehaviourTests.writeZones(zones, [("at10", "", rows(0, 0)), ("at20", "", rows(1, 1)), ("at5", "", rows(2, 3)), ("over5", "", rows(4, 5))])
        for (target, shares, met) in [(">=2:10%", [10.0, 20, 10, 10], ["yes", "no", "yes", "yes"]),
                                      ("3,4:5%", [0.0, 10, 5, 10], ["yes", "no", "yes", "no"])] {
            let table = try Self.zonal([raster, "--zones", zones, "--id-field", "code", "--target", target], directory)
            let zoneRows = table.rows.filter { $0["level"] == "zone" }
            #expect(zoneRows.map { $0["cells"] } == ["10", "10", "20", "20"])
            #expect(zoneRows.map { $0["class_2_cells"] } == ["1", "1", "1", "0"])
            for (row, share) in zip(zoneRows, shares) {
                #expect(abs(Double(row["target_pct"]!)! - share) < 1e-12, "\(target) \(row["zone_id"]!)")
            }
            #expect(zoneRows.map { $0["target_met"]! } == met, "\(target)")
        }
        // The comparison itself, at and just past the limit.
        let target = try ZonalTarget(parsing: "3,4:5%")
        #expect(target.classes == [3, 4] && target.maxPercent == 5)
        #expect(target.isMet(byShare: 5) && !target.isMet(byShare: 5.000001))
    }

    /// --layer: the zones' CRS is the chosen layer's (here UTM), not the first layer's (lon/lat).
    @Test func theChosenLayerGivesTheOutputCRS() throws {
        let directory = TemporaryDirectory()
        let zones = directory.path("two-layers.gpkg"), output = directory.path("stats.gpkg")
        try Self.gdal("ogr2ogr", ["-nln", "tracts_lonlat", zones, Self.tracts])
        try Self.gdal("ogr2ogr", ["-update", "-t_srs", "EPSG:31985", "-nln", "tracts_utm", zones, Self.tracts])
        let result = try runSoilmap(["zonal", try Self.ndvi(directory), "--zones", zones, "--layer", "tracts_utm", "--id-field", "CD_GEOCODI", "-o", output, "-q"])
        try #require(result.status == 0, "\(result.stderr)")
        let written = try Dataset.open(output, kind: .vector).layer(named: "zones")
        #expect(written.spatialReference?.epsgCode == 31985)
        let source = try Dataset.open(zones, kind: .vector).layer(named: "tracts_utm")
        #expect(written.extent == source.extent)
    }
}
