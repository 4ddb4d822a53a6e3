import Foundation
import Testing
import TestSupport
@testable import SoilMap

/// The rest of the soil-health database: the pipeline's `publish:` block (after the manifest is final;
/// idempotent over re-runs; a failure leaves the run valid), a target on a continuous indicator's value (the
/// action plan's soil organic matter of at least 3 %) checked against hand-computed means, survey samples
/// (Meuse, Jura) read back exactly, and PostgreSQL credentials from a .pgpass file and a service name with
/// password authentication on the server. Rows are read with psql or Python's sqlite3, not with soilmap.
@Suite(.serialized) struct DatabasePublishStepTests {
    /// Four communes, two provinces: SOM fixture (Tests/postgis/som_fixture.py) and a pipeline that publishes itself.
    final class SOMRun {
        let folder = TemporaryDirectory()
        init() throws {
            let python = (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python"
            let made = try TestSupport.run(python, [Repository.path("Tests/postgis/som_fixture.py"), folder.url.path])
            guard made.status == 0 else { throw SoilMapError.invalidArgument("som_fixture.py: \(made.stderr)") }
            try """
                soilmap: 1
                name: som
                run_dir: ${out}
                variables:
                  out: out/som
                  som_map: som_2025.tif
                  communes: communes.gpkg
                  period: "2025"
                  db: som.gpkg
                inputs:
                  som: ${som_map}
                  communes: ${communes}
                steps:
                  som_by_commune:
                    kind: zonal
                    raster: $som
                    zones: $communes
                    id_field: code
                    name_field: name
                    group_field: province
                    group_name_field: province_name
                    stats: [count, mean]
                    output: som_by_commune.csv
                publish:
                  to: ${db}
                  targets:
                    som_by_commune.mean: ">=3"
                """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        }
        var pipeline: String { folder.path("som.yaml") }
        func run(_ year: String, out: String, database: String) throws -> ProcessResult {
            try runSoilmap(["run", pipeline, "--set", "out=\(out)", "--set", "som_map=\(folder.path("som_\(year).tif"))",
                            "--set", "communes=\(folder.path("communes.gpkg"))", "--set", "period=\(year)", "--set", "db=\(database)",
                            "--log-format", "text"])
        }
    }

    func query(_ database: String, _ arguments: [String]) throws -> [[String: String]] {
        let result = try runSoilmap(["query", database] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = parseCSV(result.stdout)
        guard let header = rows.first else { return [] }
        return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test(arguments: DatabaseBackend.allCases)
    func pipelinePublishesItselfWithASOMTarget(_ backend: DatabaseBackend) throws {
        let database = try TestDatabase(backend)
        let som = try SOMRun()
        let out = som.folder.path("run2025")
        let first = try som.run("2025", out: out, database: database.address)
        try #require(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("publish to \(database.address): run "), "\(first.stderr)")

        // Hand-computed: commune means 2.5, 3.0, 4.5, (2.0 + 4.0) / 2 = 3.0 over 200 cells each; provinces
        // (2.5 + 3.0) / 2 = 2.75 and (4.5 + 3.0) / 2 = 3.75; the nation 3.25. Target: at least 3 (inclusive).
        let expected2025: [String: (Double, String)] = ["commune/C01": (2.5, "0"), "commune/C02": (3.0, "1"), "commune/C03": (4.5, "1"),
                                                        "commune/C04": (3.0, "1"), "province/P1": (2.75, "0"), "province/P2": (3.75, "1"),
                                                        "nation/nation": (3.25, "1")]
        let checks = try database.rows("""
            SELECT u.level, u.code, \(database.exact("t.value")), t.met, \(database.exact("t.min_value")), t.max_value, t.max_pct, t.period
            FROM targets t JOIN units u ON u.fid = t.unit_fid ORDER BY u.level, u.code
            """)
        #expect(checks.count == 7)
        for row in checks {
            let key = "\(row[0])/\(row[1])"
            #expect(Double(row[2]) == expected2025[key]?.0, "\(key): \(row)")
            #expect(row[3] == expected2025[key]?.1, "\(key): \(row)")
            #expect(Double(row[4]) == 3 && row[5] == "" && row[6] == "" && row[7] == "2025", "\(key): \(row)")
        }
        #expect(try database.rows("SELECT target FROM indicators WHERE indicator = 'som_by_commune.mean'") == [[">=3"]])
        #expect(try database.rows("SELECT COUNT(*) FROM runs WHERE content_key IS NOT NULL") == [["1"]])

        // The same run again: every step reused, a new manifest, the same content: nothing published.
        let before = try database.snapshot()
        let again = try som.run("2025", out: out, database: database.address)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("already published; nothing changed"), "\(again.stderr)")
        #expect(try database.snapshot() == before)

        // The next year: C01 rises to 3.5 and meets the target, and so does its province (3.25).
        let second = try som.run("2026", out: som.folder.path("run2026"), database: database.address)
        try #require(second.status == 0, "\(second.stderr)")
        let provinces = try query(database.address, ["--indicator", "som_by_commune.mean", "--level", "province", "--period", "2025..2026"])
        #expect(provinces.map { [$0["unit_code"]!, $0["period"]!, $0["value"]!, $0["target"]!, $0["target_met"]!] } == [
            ["P1", "2025", "2.75", ">=3", "no"], ["P1", "2026", "3.25", ">=3", "yes"],
            ["P2", "2025", "3.75", ">=3", "yes"], ["P2", "2026", "3.75", ">=3", "yes"],
        ])
        let nation = try query(database.address, ["--indicator", "som_by_commune.mean", "--level", "nation"])
        #expect(nation.map { [$0["period"]!, $0["value"]!, $0["target_met"]!] } == [["2025", "3.25", "yes"], ["2026", "3.5", "yes"]])
        let commune = try query(database.address, ["--indicator", "som_by_commune.mean", "--unit", "C01"])
        #expect(commune.map { [$0["period"]!, $0["value"]!, $0["target_met"]!, $0["unit_name"]!] } == [
            ["2025", "2.5", "no", "Xã Tân Hòa"], ["2026", "3.5", "yes", "Xã Tân Hòa"]])

        // A different target for the same indicator is refused: the stored checks would change meaning.
        let snapshot = try database.snapshot()
        let changed = try runSoilmap(["publish", som.folder.path("run2026"), "--to", database.address, "--period", "2027",
                                      "--target", "som_by_commune.mean:>=5"])
        #expect(changed.status == 1)
        #expect(changed.stderr.contains("has the target '>=3'") && changed.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1,
                "\(changed.stderr)")
        #expect(try database.snapshot() == snapshot)
    }

    @Test func failedPublishFailsTheRunAndKeepsItsOutputs() throws {
        let fixture = try DatabaseFixture.shared.get()
        let som = try SOMRun()
        let out = som.folder.path("run")
        let missing = fixture.address("no_such_database")
        let result = try som.run("2025", out: out, database: missing)
        #expect(result.status == 1)
        let last = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("soilmap: publish to \(missing): ") && last.contains("no_such_database"), "\(result.stderr)")
        // The run itself finished: its manifest says so and its table is the one the manifest records.
        let manifest = try RunManifest.load(runDirectory: out).manifest
        #expect(manifest.status == "succeeded")
        let table = manifest.steps[0].outputs[0]
        #expect(try shaOf(out + "/" + table.path) == table.sha256)
        let log = try String(contentsOfFile: out + "/run.log", encoding: .utf8)
        #expect(log.contains("publish to \(missing): FAILED: "))
        // Fixed destination: the re-run reuses the step and publishes.
        let database = try TestDatabase(.geoPackage)
        let fixed = try som.run("2025", out: out, database: database.address)
        #expect(fixed.status == 0 && fixed.stderr.contains("0 computed, 1 reused") && fixed.stderr.contains("published as period 2025"), "\(fixed.stderr)")
        #expect(try database.count("SELECT COUNT(*) FROM targets") == 7)
    }

    @Test func valueTargetsByHand() throws {
        let range = try ValueTarget(parsing: "3..5")
        #expect([2.999, 3, 4, 5, 5.001].map(range.isMet) == [false, true, true, true, false])
        let floor = try ValueTarget(parsing: ">= 3")
        #expect([2.9, 3, 30].map(floor.isMet) == [false, true, true])
        let ceiling = try ValueTarget(parsing: "<=10")
        #expect([9.5, 10, 10.5].map(ceiling.isMet) == [true, true, false])
        for bad in ["3", ">3", "5..3", ">=x", "..5", "3..", ""] {
            #expect(throws: SoilMapError.self, "\(bad)") { try ValueTarget(parsing: bad) }
        }
    }

    func shaOf(_ path: String) throws -> String {
        let result = try run("/usr/bin/sha256sum", [path])
        return String(result.stdout.prefix(64))
    }
}
