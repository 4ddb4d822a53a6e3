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

/// Survey samples into the `samples` table, on the real Meuse and Jura surveys.
@Suite(.serialized) struct DatabaseSamplesTests {
    /// (sample id, property) -> (value, longitude, latitude, current) read without soilmap or GDAL: psql
    /// (ST_X/ST_Y) or Python's sqlite3 with the GeoPackage geometry blob decoded by hand (header, envelope, WKB point).
    func stored(_ database: TestDatabase, source: String? = nil) throws -> [String: (value: Double, x: Double, y: Double, current: String)] {
        var rows: [[String]]
        switch database.backend {
        case .postGIS:
            rows = try database.rows("SELECT sample_id, property, value::text, ST_X(geom)::text, ST_Y(geom)::text, is_current, source FROM samples")
        case .geoPackage:
            let script = """
                import csv, sqlite3, struct, sys
                out = csv.writer(sys.stdout, lineterminator="\\n")
                for sample, prop, value, blob, current, source in sqlite3.connect(sys.argv[1]).execute(
                        "SELECT sample_id, property, value, geom, is_current, source FROM samples"):
                    flags = blob[3]
                    envelope = [0, 32, 48, 48, 64][(flags >> 1) & 7]
                    wkb = blob[8 + envelope:]
                    order = "<" if wkb[0] == 1 else ">"
                    x, y = struct.unpack(order + "dd", wkb[5:21])
                    out.writerow([sample, prop, repr(value), repr(x), repr(y), current, source])
                """
            let python = (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python"
            let result = try TestSupport.run(python, ["-c", script, database.address])
            guard result.status == 0 else { throw SoilMapError.invalidArgument("sqlite3: \(result.stderr)") }
            rows = parseCSV(result.stdout)
        }
        var map: [String: (Double, Double, Double, String)] = [:]
        for row in rows where source == nil || row[6] == source {
            let key = "\(row[0])/\(row[1])/\(row[5])"
            #expect(map[key] == nil, "\(key) stored twice")
            map[key] = (Double(row[2])!, Double(row[3])!, Double(row[4])!, row[5])
        }
        return map
    }

    /// Points transformed to WGS 84 longitude/latitude by GDAL's Python bindings (osr), independently of soilmap.
    func wgs84(_ points: [(Double, Double)], from epsg: Int) throws -> [(Double, Double)] {
        let script = """
            import sys
            from osgeo import osr
            source, target = osr.SpatialReference(), osr.SpatialReference()
            source.ImportFromEPSG(int(sys.argv[1])); target.ImportFromEPSG(4326)
            for s in (source, target): s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
            transform = osr.CoordinateTransformation(source, target)
            for line in sys.stdin.read().split():
                x, y = map(float, line.split(","))
                lon, lat, _ = transform.TransformPoint(x, y)
                print(repr(lon), repr(lat))
            """
        let input = TemporaryDirectory()
        let file = input.path("points.txt")
        try points.map { "\($0.0),\($0.1)" }.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let python = (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python"
        let result = try TestSupport.run("/bin/sh", ["-c", "\(python) -c '\(script)' \(epsg) < \(file)"])
        guard result.status == 0 else { throw SoilMapError.invalidArgument("osr: \(result.stderr)") }
        return result.stdout.split(separator: "\n").map { line in
            let parts = line.split(separator: " ")
            return (Double(parts[0])!, Double(parts[1])!)
        }
    }

    static let meuseSource = "Meuse flood plain survey near Stein (Rikken & Van Rijn), \"topsoil\" — mẫu đất"

    @Test(arguments: DatabaseBackend.allCases)
    func meuseAndJuraSamplesReadBackExactly(_ backend: DatabaseBackend) throws {
        let database = try TestDatabase(backend)
        let meusePath = Repository.path("samples/meuse/meuse.txt")
        let publishMeuse = ["publish", "--samples", meusePath, "--points-crs", "EPSG:28992", "--fields", "om:%,zinc:mg/kg,cadmium:mg/kg",
                            "--depth", "0-20", "--date", "1990", "--source", Self.meuseSource, "--to", database.address]
        let first = try runSoilmap(publishMeuse)
        try #require(first.status == 0, "\(first.stderr)")

        // The survey as the file has it (read here with the test's own CSV reader): NA is "not measured".
        let meuse = try zonalCSV(meusePath)
        #expect(meuse.count == 155)
        let transformed = try wgs84(meuse.map { (Double($0["x"]!)!, Double($0["y"]!)!) }, from: 28992)
        let rows = try stored(database)
        var expected = 0
        for (index, row) in meuse.enumerated() {
            for property in ["om", "zinc", "cadmium"] where row[property] != "NA" {
                expected += 1
                let key = "\(index + 1)/\(property)/1"
                guard let value = rows[key] else { Issue.record("\(key) missing"); continue }
                #expect(value.value == Double(row[property]!)!, "\(key)")
                #expect(abs(value.x - transformed[index].0) < 1e-9 && abs(value.y - transformed[index].1) < 1e-9, "\(key)")
            }
        }
        #expect(expected == 463 && rows.count == expected)
        #expect(try database.rows("""
            SELECT DISTINCT \(database.exact("depth_top_cm")), \(database.exact("depth_bottom_cm")), sampled_on, source FROM samples
            """) == [backend == .geoPackage ? ["0.0", "20.0", "1990", Self.meuseSource] : ["0", "20", "1990", Self.meuseSource]])
        #expect(try database.rows("SELECT property, unit_of_measure, COUNT(*) FROM samples GROUP BY property, unit_of_measure ORDER BY property")
                == [["cadmium", "mg/kg", "155"], ["om", "%", "153"], ["zinc", "mg/kg", "155"]])

        // Again: nothing changed.
        let before = try database.rows("SELECT COUNT(*), COUNT(DISTINCT run_fid) FROM samples")
        let again = try runSoilmap(publishMeuse)
        #expect(again.status == 0 && again.stderr.contains("already published; nothing changed"), "\(again.stderr)")
        #expect(try database.rows("SELECT COUNT(*), COUNT(DISTINCT run_fid) FROM samples") == before)
        #expect(try database.count("SELECT COUNT(*) FROM runs") == 1)

        // Jura: longitude/latitude with 17 significant digits, stored as they are.
        let juraPath = Repository.path("samples/jura/jura_prediction.csv")
        let publishJura = ["publish", "--samples", juraPath, "--x-field", "long", "--y-field", "lat", "--points-crs", "EPSG:4326",
                           "--fields", "Cd:mg/kg,Zn:mg/kg", "--source", "Swiss Jura", "--to", database.address]
        let jura = try runSoilmap(publishJura)
        try #require(jura.status == 0, "\(jura.stderr)")
        let juraRows = try zonalCSV(juraPath)
        let juraStored = try stored(database, source: "Swiss Jura")
        #expect(juraStored.count == 2 * juraRows.count && juraRows.count == 259)
        for (index, row) in juraRows.enumerated() {
            for property in ["Cd", "Zn"] {
                let value = juraStored["\(index + 1)/\(property)/1"]
                #expect(value?.value == Double(row[property]!)! && value?.x == Double(row["long"]!)! && value?.y == Double(row["lat"]!)!,
                        "\(index + 1) \(property)")
            }
        }

        // A corrected file of the same source: the earlier measurements of its samples stay, not current.
        let corrected = TemporaryDirectory()
        var text = try String(contentsOfFile: juraPath, encoding: .utf8)
        text = text.replacingOccurrences(of: ",1.74,9.32,", with: ",1.75,9.32,")  // sample 1's Cd
        let correctedPath = corrected.path("jura_prediction.csv")
        try text.write(toFile: correctedPath, atomically: true, encoding: .utf8)
        let republished = try runSoilmap(Array(publishJura.dropFirst(3)).reduce(into: ["publish", "--samples", correctedPath]) { $0.append($1) })
        #expect(republished.status == 0 && republished.stderr.contains("518 earlier measurements superseded"), "\(republished.stderr)")
        let history = try stored(database, source: "Swiss Jura")
        #expect(history.count == 4 * 259)
        #expect(history["1/Cd/1"]?.value == 1.75 && history["1/Cd/0"]?.value == 1.74)
        #expect(try database.count("SELECT COUNT(*) FROM samples WHERE is_current = 1") == 463 + 518)

        // A field that is not a measurement: one line naming the file, the field and the point; nothing written.
        let count = try database.count("SELECT COUNT(*) FROM samples")
        let bad = try runSoilmap(["publish", "--samples", juraPath, "--x-field", "long", "--y-field", "lat", "--points-crs", "EPSG:4326",
                                  "--fields", "Cd:mg/kg,Landuse:class", "--source", "Swiss Jura 2", "--to", database.address])
        #expect(bad.status == 1)
        #expect(bad.stderr.trimmingCharacters(in: .whitespacesAndNewlines) == "soilmap: \(juraPath): field 'Landuse', point 1: 'Meadow' is not a number")
        #expect(try database.count("SELECT COUNT(*) FROM samples") == count)
    }
}

/// PostgreSQL credentials from a .pgpass file and a service name, with the server asking for a password
/// (scram-sha-256) for the role soilmap logs in as. The password must never reach an output, a log, an error or
/// the database.
@Suite(.serialized) struct DatabaseCredentialsTests {
    static let role = "soil_writer"
    /// A colon and a backslash: escaped in .pgpass as libpq reads it.
    static let password = "s0il-H3alth:2025\\Đất"

    func soilmap(_ arguments: [String], home: String, service: String? = nil) throws -> ProcessResult {
        var environment = ["-u", "PGPASSWORD", "-u", "PGPASSFILE", "-u", "PGSERVICEFILE", "-u", "PGSERVICE", "-u", "PGUSER", "HOME=\(home)"]
        if let service { environment.append("PGSERVICEFILE=\(service)") }
        return try TestSupport.run("/usr/bin/env", environment + [try soilmapExecutable()] + arguments)
    }

    @Test func pgpassAndServiceWithPasswordAuthentication() throws {
        let fixture = try DatabaseFixture.shared.get()
        let escaped = Self.password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ":", with: "\\:")
        // The role, its database, and password authentication for it (first line of pg_hba.conf wins).
        _ = try fixture.psql("postgres", "CREATE ROLE \(Self.role) LOGIN PASSWORD '\(Self.password)'")
        _ = try fixture.psql("postgres", "CREATE DATABASE credentials OWNER \(Self.role)")
        _ = try fixture.psql("credentials", "CREATE EXTENSION postgis")
        let hba = try fixture.psql("postgres", "SHOW hba_file")[0][0]
        let rules = try String(contentsOfFile: hba, encoding: .utf8)
        try ("local all \(Self.role) scram-sha-256\n" + rules).write(toFile: hba, atomically: false, encoding: .utf8)
        _ = try fixture.psql("postgres", "SELECT pg_reload_conf()")
        // The server really asks: psql without a password is refused.
        let refused = try TestSupport.run("/usr/bin/env", ["-u", "PGPASSWORD", "HOME=/nonexistent", "/usr/bin/psql", "-w", "-h", fixture.socket,
                                                           "-p", fixture.port, "-U", Self.role, "-d", "credentials", "-c", "SELECT 1"])
        #expect(refused.status != 0 && refused.stderr.contains("password"), "\(refused.stderr)")

        let home = TemporaryDirectory(), emptyHome = TemporaryDirectory()
        let address = "postgresql://\(Self.role)@/credentials?host=\(fixture.socket)&port=\(fixture.port)"
        var everything = ""  // every output soilmap printed, searched for the password at the end

        // No password anywhere: a one-line error, nothing written.
        let without = try soilmap(["publish", fixture.run2025, "--to", address], home: emptyHome.url.path)
        everything += without.stdout + without.stderr
        #expect(without.status == 1)
        #expect(without.stderr.hasPrefix("soilmap: \(address): cannot connect") && without.stderr.contains("password"), "\(without.stderr)")
        #expect(without.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(without.stderr)")

        // A wrong password in ~/.pgpass: refused, and the wrong one is not echoed either.
        let pgpass = home.path(".pgpass")
        try "*:*:*:\(Self.role):not-\(escaped)\n".write(toFile: pgpass, atomically: true, encoding: .utf8)
        chmod(pgpass, 0o600)
        let wrong = try soilmap(["publish", fixture.run2025, "--to", address], home: home.url.path)
        everything += wrong.stdout + wrong.stderr
        #expect(wrong.status == 1 && wrong.stderr.contains("password authentication failed"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("not-s0il"))
        #expect(try fixture.psql("credentials", "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'runs'") == [["0"]])

        // The right one in ~/.pgpass (mode 0600, as libpq requires).
        try "# soilmap test\n*:*:*:\(Self.role):\(escaped)\n".write(toFile: pgpass, atomically: true, encoding: .utf8)
        chmod(pgpass, 0o600)
        let published = try soilmap(["publish", fixture.run2025, "--to", address], home: home.url.path)
        everything += published.stdout + published.stderr
        #expect(published.status == 0, "\(published.stderr)")
        #expect(try fixture.psql("credentials", "SELECT COUNT(*), MIN(tableowner) FROM pg_tables WHERE tablename = 'observations'") == [["1", Self.role]])

        // A service name (PGSERVICEFILE) naming the socket, database and user; the password still from ~/.pgpass.
        let service = home.path("pg_service.conf")
        try "[soilhealth]\nhost=\(fixture.socket)\nport=\(fixture.port)\ndbname=credentials\nuser=\(Self.role)\n"
            .write(toFile: service, atomically: true, encoding: .utf8)
        let queried = try soilmap(["query", "PG:service=soilhealth", "--indicator", "classes_by_tract", "--level", "nation"], home: home.url.path, service: service)
        everything += queried.stdout + queried.stderr
        #expect(queried.status == 0 && queried.stdout.contains("\nnation,nation,nation,,2025,"), "\(queried.stderr)")
        let again = try soilmap(["publish", fixture.run2025, "--to", "PG:service=soilhealth"], home: home.url.path, service: service)
        everything += again.stdout + again.stderr
        #expect(again.status == 0 && again.stderr.contains("already published"), "\(again.stderr)")

        // A pipeline that publishes itself through the service: its manifest, log and every file it wrote stay free
        // of the password, and so does the database (pg_dump of every table).
        let som = try DatabasePublishStepTests.SOMRun()
        let out = som.folder.path("run")
        let run = try soilmap(["run", som.pipeline, "--set", "out=\(out)", "--set", "som_map=\(som.folder.path("som_2025.tif"))",
                               "--set", "communes=\(som.folder.path("communes.gpkg"))", "--set", "db=PG:service=soilhealth", "--log-format", "json"],
                              home: home.url.path, service: service)
        everything += run.stdout + run.stderr
        #expect(run.status == 0 && run.stdout.contains("\"event\":\"published\""), "\(run.stderr)")
        #expect(try fixture.psql("credentials", "SELECT COUNT(*) FROM runs") == [["2"]])
        let files = try FileManager.default.subpathsOfDirectory(atPath: out)
        #expect(files.contains("manifest.json") && files.contains("run.log"))
        for file in files {
            guard let data = FileManager.default.contents(atPath: out + "/" + file) else { continue }
            #expect(!String(decoding: data, as: UTF8.self).contains("s0il-H3alth"), "\(file) holds the password")
        }
        let dump = try TestSupport.run("/usr/bin/pg_dump", ["-h", fixture.socket, "-p", fixture.port, "-U", "postgres", "-d", "credentials"])
        #expect(dump.status == 0 && dump.stdout.contains("COPY public.runs"), "\(dump.stderr)")
        #expect(!dump.stdout.contains("s0il-H3alth"))
        #expect(!everything.contains("s0il-H3alth"))
    }
}
