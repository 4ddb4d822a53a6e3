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
        #expect(FileManager.default.fileExists(atPath: png))
        let stats = directory.path("stats.csv")
        let zonal = try runSoilmap(["zonal", classes, "--zones", Repository.path("samples/olinda/olinda1.shp"), "--id-field", "CD_GEOCODI",
                                    "--name-field", "NM_BAIR", "--target", ">=3:50%", "-o", stats])
        #expect(zonal.status == 0, "\(zonal.stderr)")
        let lines = try String(contentsOfFile: stats, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 470 + 1)
        // A class map: count and area, then cells, hectares and percent per class code; no mean of codes.
        #expect(lines[0] == "level,zone_id,zone_name,group_id,group_name,source_fid,repaired,zones,cells,count,area_ha,"
            + (1...4).map { "class_\($0)_cells,class_\($0)_ha,class_\($0)_pct," }.joined() + "target_pct,target_met")
        #expect(lines.contains { $0.contains("Alto da Nação") })
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
        (["combine", "R", "R", "--method", "best-of", "-o", "O.tif"], "--method best-of: use one-out-all-out, worst-of or count"),
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
