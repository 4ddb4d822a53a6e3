import Foundation
import Testing
import GDAL

/// classify, combine and zonal as a user runs them.
@Suite struct CommandLineWorkflowTests {
    @Test func classifyWithQuicklookThenZonal() throws {
        let directory = TemporaryDirectory()
        let ndvi = directory.path("ndvi.tif"), classes = directory.path("classes.tif"), png = directory.path("map.png")
        #expect(try runSoilmap(["index", "NDVI", "-i", Repository.landsat, "--band", "red=3", "--band", "nir=4", "-o", ndvi, "-q"]).status == 0)
        let classified = try runSoilmap(["classify", ndvi, "--breaks", "-0.2,0,0.2", "-o", classes, "--quicklook", png])
        #expect(classified.status == 0, "\(classified.stderr)")
        #expect(classified.stderr.contains("[-0.2, 0)"))
        // The quicklook is a PNG GDAL opens, as wide as the map at least.
        let quicklook = try run("/usr/bin/gdalinfo", [png])
        #expect(quicklook.status == 0 && quicklook.stdout.contains("Driver: PNG/Portable Network Graphics"), "\(quicklook.stderr)")
        let stats = directory.path("stats.csv")
        let zonal = try runSoilmap(["zonal", classes, "--zones", Repository.path("samples/olinda/olinda1.shp"), "--id-field", "CD_GEOCODI",
                                    "--name-field", "NM_BAIR", "--target", ">=3:50%", "-o", stats])
        #expect(zonal.status == 0, "\(zonal.stderr)")
        let lines = try String(contentsOfFile: stats, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 470 + 1)
        // A class map: count and area, then cells, hectares and percent per class code; no mean of codes.
        #expect(lines[0] == "level,zone_id,zone_name,group_id,group_name,source_fid,repaired,zones,cells,count,area_ha,"
            + (1...4).map { "class_\($0)_cells,class_\($0)_ha,class_\($0)_pct," }.joined()
            + "nodata_cells,nodata_ha,nodata_pct,zone_area_ha," + (1...4).map { "class_\($0)_pct_of_area," }.joined() + "target_pct,target_met")
        #expect(lines.contains { $0.contains("Alto da Nação") })
        // Every zone's class cells equal rasterstats' categorical counts (centre mode); hectares are cells x the
        // cell area from the map's geotransform, percents cells over the zone's valid cells, and the target is met
        // when classes 3 and 4 are at most 50 % of the valid area.
        let reference = directory.path("rasterstats.csv")
        let python = try run(ZonalReferenceTests.python, [ZonalReferenceTests.script, classes, Repository.path("samples/olinda/olinda1.shp"),
                                                           "CD_GEOCODI", "center", reference, "--categorical"])
        try #require(python.status == 0, "\(python.stderr)")
        let expected = try ZonalReferenceTests.readCSV(reference)
        let rows = try ZonalReferenceTests.readCSV(stats).filter { $0["level"] == "zone" }
        try #require(rows.count == 470 && expected.count == 470)
        let transform = try #require(try Dataset.open(classes).geoTransform)
        let cellHectares = abs(transform.pixelWidth * transform.pixelHeight) / 10_000
        var checkedTargets = (met: 0, missed: 0)
        for (row, theirs) in zip(rows, expected) {
            #expect(row["zone_id"] == theirs["id"])
            let cells = (1...4).map { Double(theirs["class_\($0)"].flatMap(Double.init) ?? 0) }
            let total = cells.reduce(0, +)
            for code in 1...4 {
                #expect(Double(row["class_\(code)_cells"]!) == cells[code - 1], "\(theirs["id"]!) class \(code)")
                #expect(abs(Double(row["class_\(code)_ha"]!)! - cells[code - 1] * cellHectares) <= 1e-9 * max(1, total * cellHectares))
                if total > 0 { #expect(abs(Double(row["class_\(code)_pct"]!)! - 100 * cells[code - 1] / total) <= 1e-9) }
            }
            guard total > 0 else { continue }
            let share = 100 * (cells[2] + cells[3]) / total
            #expect(abs(Double(row["target_pct"]!)! - share) <= 1e-9)
            #expect(row["target_met"] == (share <= 50 ? "yes" : "no"), "\(theirs["id"]!) at \(share) %")
            if share <= 50 { checkedTargets.met += 1 } else { checkedTargets.missed += 1 }
        }
        #expect(checkedTargets.met > 0 && checkedTargets.missed > 0)
        // Again without --overwrite: refused, file untouched.
        let before = try Data(contentsOf: URL(fileURLWithPath: stats))
        let again = try runSoilmap(["zonal", classes, "--zones", Repository.path("samples/olinda/olinda1.shp"), "--id-field", "CD_GEOCODI", "-o", stats])
        #expect(again.status == 1 && again.stderr == "soilmap: \(stats): already exists (use --overwrite to replace it)\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: stats)) == before)
    }

    @Test func combineMapsFromTheCommandLine() throws {
        let directory = TemporaryDirectory()
        for (name, values) in [("trajectory", [UInt8]([1, 2, 2, 3])), ("state", [2, 1, 2, 1]), ("performance", [2, 2, 1, 1])] {
            try writeRaster(directory.path("\(name).tif"), width: 4, height: 1, values: values, noData: 0)
        }
        let maps = ["trajectory", "state", "performance"].map { directory.path("\($0).tif") }
        let result = try runSoilmap(["combine"] + maps + ["--table", "sdg-productivity", "-o", directory.path("lpd.tif"), "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let lpd = try Dataset.open(directory.path("lpd.tif")).band(1)
        // Declining trajectory; stable with degraded state; stable with degraded performance; improving with both degraded.
        #expect(try lpd.readAll(as: UInt8.self) == [1, 2, 3, 2])
        #expect(lpd.categoryNames.prefix(4) == ["", "Declining", "Moderate decline", "Stable but stressed"])
    }

    @Test(arguments: [
        (["zonal", "R", "--zones", "Z", "--id-field", "CODE", "-o", "O.csv"], "layer 'olinda1' has no field 'CODE' (fields: ID, CD_GEOCODI, TIPO, CD_GEOCODB, NM_BAIR, V014)"),
        (["zonal", "R", "--zones", "Z", "--id-field", "ID", "--mode", "exact", "-o", "O.csv"], "--mode exact: use center, all-touched or coverage"),
        (["zonal", "R", "--zones", "Z", "--id-field", "ID", "-o", "O.xlsx"], "-o O.xlsx: use .csv, .gpkg or .geojson"),
        (["zonal", "R", "--zones", "Z", "--id-field", "ID", "--stats", "mean,mean", "-o", "O.gpkg"], "--stats mean,mean: duplicate statistic 'mean'"),
        (["zonal", "R", "--zones", "Z", "--id-field", "ID", "--stats", "mean,", "-o", "O.csv"], "--stats mean,: an empty statistic (a stray comma?)"),
        (["zonal", "R", "--zones", "Z", "--id-field", "ID", "--target", ">=2:150%", "-o", "O.csv"], "--target >=2:150%: the percentage must be between 0 and 100 %"),
        (["zonal", "R", "--zones", "Z", "--id-field", "ID", "--target", "3,4:-5%", "-o", "O.csv"], "--target 3,4:-5%: the percentage must be between 0 and 100 %"),
        (["zonal", "R", "--zones", "Z", "--id-field", "ID", "--target", "3,x:5%", "-o", "O.csv"], "--target 3,x:5%: '3,x' is not a list of class codes such as 3,4"),
        (["classify", "R", "--scheme", "nope", "-o", "O.tif"], "unknown scheme 'nope'"),
        (["classify", "R", "--breaks", "1,0", "-o", "O.tif"], "breaks must increase strictly: 1,0"),
        (["combine", "R", "R", "--method", "best-of", "-o", "O.tif"], "--method best-of: use one-out-all-out, worst-of, count or weighted"),
    ])
    func badArgumentsGiveOneLine(arguments: [String], message: String) throws {
        let directory = TemporaryDirectory()
        let resolved = arguments.map { argument -> String in
            switch argument {
            case "R": return Repository.landsat
            case "Z": return Repository.path("samples/olinda/olinda1.shp")
            case let name where name.hasPrefix("O."): return directory.path(name)
            default: return argument
            }
        }
        let result = try runSoilmap(resolved)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("soilmap: "))
        #expect(result.stderr.contains(message.replacingOccurrences(of: "O.xlsx", with: directory.path("O.xlsx"))), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(directory.files.isEmpty)
    }
}
