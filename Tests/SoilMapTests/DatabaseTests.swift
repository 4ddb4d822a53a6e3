import Foundation
import GDAL
import Testing
@testable import SoilMap

/// `soilmap publish` and `soilmap query` against a GeoPackage and a real PostgreSQL 15 + PostGIS 3 server, on real
/// runs of the demo pipeline. Stored rows are read back without soilmap (psql; ogr2ogr's SQL on the GeoPackage) and
/// compared with the run's own tables; roll-ups are compared with the zonal step's own group and total rows.
@Suite(.serialized) struct DatabaseTests {
    static let ndviStatistics = 5

    func publish(_ run: String, _ database: TestDatabase, _ extra: [String] = []) throws -> ProcessResult {
        try runSoilmap(["publish", run, "--to", database.address] + extra)
    }

    func query(_ database: TestDatabase, _ arguments: [String]) throws -> [[String: String]] {
        let result = try runSoilmap(["query", database.address] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = parseCSV(result.stdout)
        guard let header = rows.first else { return [] }
        return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// Rows of the class map's table (GeoPackage layers zones, groups, total) with their codes.
    func classTable(_ run: String) throws -> (rows: [(code: String, level: String, values: [String: FieldValue])], classes: Int) {
        let dataset = try Dataset.open(run + "/olinda_classes_by_tract.gpkg")
        var rows: [(String, String, [String: FieldValue])] = []
        for name in ["zones", "groups", "total"] {
            let layer = try dataset.layer(named: name)
            let fields = layer.fields.map(\.name)
            try layer.forEachFeature { feature in
                var values: [String: FieldValue] = [:]
                for (index, field) in fields.enumerated() { values[field] = feature.value(at: index) }
                let level = values["level"]?.stringValue ?? ""
                let code = level == "zone" ? values["zone_id"]!.stringValue! : level == "group" ? values["group_id"]!.stringValue! : "nation"
                rows.append((code, level, values))
            }
        }
        let classes = try dataset.layer(named: "zones").fields.filter { $0.name.hasPrefix("class_") && $0.name.hasSuffix("_ha") }.count
        return (rows, classes)
    }

    func expectedObservations(_ run: String) throws -> Int {
        let ndvi = try zonalCSV(run + "/olinda_ndvi_by_tract.csv")
        let classes = try classTable(run)
        return ndvi.count * Self.ndviStatistics + classes.rows.count * (1 + classes.classes)
    }

    func relativeDifference(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

    @Test(arguments: DatabaseBackend.allCases)
    func publishRepublishSecondPeriodRerunAndQuery(_ backend: DatabaseBackend) throws {
        let database = try TestDatabase(backend)
        let fixture = database.fixture
        let first = try publish(fixture.run2025, database)
        try #require(first.status == 0, "\(first.stderr)")

        // Counts from the run's own tables.
        let expected2025 = try expectedObservations(fixture.run2025)
        #expect(try database.count("SELECT COUNT(*) FROM observations") == expected2025)
        #expect(try database.count("SELECT COUNT(*) FROM runs") == 1)
        #expect(try database.count("SELECT COUNT(*) FROM units WHERE level = 'commune'") == 470)

        // Every tract's mean, exactly as the run's CSV has it.
        let ndvi2025 = try zonalCSV(fixture.run2025 + "/olinda_ndvi_by_tract.csv")
        let stored = Dictionary(uniqueKeysWithValues: try database.rows("""
            SELECT u.code, \(database.exact("o.value")) FROM observations o JOIN units u ON u.fid = o.unit_fid
            JOIN indicators i ON i.fid = o.indicator_fid WHERE i.indicator = 'ndvi_by_tract.mean' AND u.level = 'commune'
            """).map { ($0[0], $0[1]) })
        let zones2025 = ndvi2025.filter { $0["level"] == "zone" }
        #expect(zones2025.count == 470)
        for row in zones2025 {
            #expect(Double(stored[row["zone_id"]!] ?? "") == Double(row["mean"]!), "tract \(row["zone_id"]!)")
        }
        // Target checks: the zonal step's own verdicts, per tract, neighbourhood and the total.
        let classes2025 = try classTable(fixture.run2025)
        let checks = Dictionary(uniqueKeysWithValues: try database.rows("""
            SELECT u.level, u.code, t.met FROM targets t JOIN units u ON u.fid = t.unit_fid
            """).map { ("\($0[0])/\($0[1])", $0[2]) })
        let levelNames = ["zone": "commune", "group": "province", "total": "nation"]
        var compared = 0
        for row in classes2025.rows {
            guard let verdict = row.values["target_met"]?.stringValue, !verdict.isEmpty else { continue }
            #expect(checks["\(levelNames[row.level]!)/\(row.code)"] == (verdict == "yes" ? "1" : "0"), "\(row.level) \(row.code)")
            compared += 1
        }
        #expect(compared > 400 && checks.count == compared)

        // The same run again: nothing changes.
        let before = try database.snapshot()
        let again = try publish(fixture.run2025, database)
        #expect(again.status == 0 && again.stderr.contains("already published"), "\(again.stderr)")
        #expect(try database.snapshot() == before)

        // A second period, with a renamed neighbourhood: its tracts get a new version from 2026.
        let second = try publish(fixture.run2026, database)
        try #require(second.status == 0, "\(second.stderr)")
        let ndvi2026 = try zonalCSV(fixture.run2026 + "/olinda_ndvi_by_tract.csv")
        let tract = zones2025.first { $0["zone_name"] == "Jardim Atlântico" }!["zone_id"]!
        let series = try query(database, ["--indicator", "ndvi_by_tract.mean", "--unit", tract, "--period", "2020..2030"])
        #expect(series.map { $0["period"]! } == ["2025", "2026"])
        #expect(series.map { $0["unit_name"]! } == ["Jardim Atlântico", DatabaseFixture.renamed])
        #expect(Double(series[0]["value"]!) == Double(zones2025.first { $0["zone_id"] == tract }!["mean"]!))
        #expect(Double(series[1]["value"]!) == Double(ndvi2026.first { $0["zone_id"] == tract }!["mean"]!))
        #expect(Double(series[0]["value"]!) != Double(series[1]["value"]!))
        let versions = try database.rows("SELECT name, valid_from, valid_to FROM units WHERE code = '\(tract)' ORDER BY valid_from")
        #expect(versions == [["Jardim Atlântico", "2025", "2026"], [DatabaseFixture.renamed, "2026", ""]])

        // Neighbourhoods and the total recomputed from the tracts' observations = the zonal step's own rows.
        let classes2026 = try classTable(fixture.run2026)
        let provinces = try query(database, ["--indicator", "classes_by_tract", "--level", "province", "--period", "2026"])
        let nation = try query(database, ["--indicator", "classes_by_tract", "--level", "nation", "--period", "2026"])
        let rolledUp = Dictionary(uniqueKeysWithValues: (provinces + nation).map { ($0["unit_code"]!, $0) })
        var groups = 0
        for row in classes2026.rows where row.level != "zone" {
            let mine = try #require(rolledUp[row.code], "\(row.level) \(row.code)")
            #expect(relativeDifference(Double(mine["area_ha"]!)!, row.values["area_ha"]!.doubleValue!) < 1e-12)
            for code in 1...classes2026.classes {
                #expect(abs(Double(mine["class_\(code)_pct"]!)! - row.values["class_\(code)_pct"]!.doubleValue!) < 1e-9)
            }
            #expect(mine["target_met"] == row.values["target_met"]?.stringValue, "\(row.code)")
            groups += 1
        }
        #expect(groups == 32 && provinces.count == 31)
        let total2026 = ndvi2026.first { $0["level"] == "total" }!
        let nationMean = try query(database, ["--indicator", "ndvi_by_tract.mean", "--level", "nation", "--period", "2026"])
        #expect(relativeDifference(Double(nationMean[0]["value"]!)!, Double(total2026["mean"]!)!) < 1e-12)

        // A re-run of 2025 replaces 2025's current observations; the first run stays in the history.
        let rerun = try publish(fixture.rerun2025, database)
        try #require(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stderr.contains("\(expected2025) earlier observations superseded"), "\(rerun.stderr)")
        #expect(try database.count("SELECT COUNT(*) FROM runs") == 3)
        #expect(try database.count("SELECT COUNT(*) FROM observations WHERE is_current = 0") == expected2025)
        #expect(try database.count("SELECT COUNT(*) FROM observations o JOIN runs r ON r.fid = o.run_fid WHERE r.run_key = (SELECT run_key FROM runs WHERE fid = 1)") == expected2025)
        let rerunCSV = try zonalCSV(fixture.rerun2025 + "/olinda_ndvi_by_tract.csv")
        let after = try query(database, ["--indicator", "ndvi_by_tract.mean", "--unit", tract, "--period", "2025"])
        #expect(after.count == 1 && Double(after[0]["value"]!) == Double(rerunCSV.first { $0["zone_id"] == tract }!["mean"]!))
    }

    @Test func sameAnswersFromGeoPackageAndPostGIS() throws {
        let databases = try DatabaseBackend.allCases.map { try TestDatabase($0) }
        let fixture = databases[0].fixture
        for database in databases {
            for run in [fixture.run2025, fixture.run2026, fixture.rerun2025] {
                let result = try publish(run, database)
                try #require(result.status == 0, "\(database.backend): \(result.stderr)")
            }
        }
        let group = try zonalCSV(fixture.run2025 + "/olinda_ndvi_by_tract.csv").first { $0["level"] == "group" }!["group_id"]!
        for arguments in [["--indicator", "ndvi_by_tract.mean", "--level", "province"], ["--indicator", "classes_by_tract", "--level", "nation"],
                          ["--indicator", "classes_by_tract", "--level", "commune", "--period", "2026"],
                          ["--indicator", "ndvi_by_tract.max", "--unit", group, "--period", "2025..2026"]] {
            let answers = try databases.map { try runSoilmap(["query", $0.address] + arguments) }
            #expect(answers.allSatisfy { $0.status == 0 }, "\(answers.map(\.stderr))")
            #expect(answers[0].stdout == answers[1].stdout, "\(arguments)")
            #expect(answers[0].stdout.split(separator: "\n").count > 1)
        }
    }

    @Test func queryWritesATimeEnabledLayer() throws {
        let database = try TestDatabase(.geoPackage)
        for run in [database.fixture.run2025, database.fixture.run2026] { try #require(try publish(run, database).status == 0) }
        let output = database.folder.path("provinces.gpkg")
        let result = try runSoilmap(["query", database.address, "--indicator", "classes_by_tract", "--level", "province", "-o", output])
        try #require(result.status == 0, "\(result.stderr)")
        let layer = try Dataset.open(output).layer(named: "series")
        #expect(layer.featureCount == 62)
        #expect(layer.fields.first { $0.name == "date" }?.type == .date)
        #expect(layer.geometryTypeName.contains("Multi Polygon") || layer.geometryTypeName.contains("MultiPolygon"))
        #expect(layer.spatialReference?.epsgCode == 4326)
        var drawn = 0
        try layer.forEachFeature { feature in if feature.geometry.map({ !$0.isEmpty }) ?? false { drawn += 1 } }
        #expect(drawn == 62)
        // Not replaced without --overwrite.
        let again = try runSoilmap(["query", database.address, "--indicator", "classes_by_tract", "--level", "province", "-o", output])
        #expect(again.status != 0 && again.stderr.contains("--overwrite"))
    }

    @Test(arguments: DatabaseBackend.allCases)
    func aChangedRunIsRefused(_ backend: DatabaseBackend) throws {
        let database = try TestDatabase(backend)
        try #require(try publish(database.fixture.run2025, database).status == 0)
        let copy = database.folder.path("changed")
        try FileManager.default.copyItem(atPath: database.fixture.run2026, toPath: copy)
        let table = copy + "/olinda_ndvi_by_tract.csv"
        let handle = try #require(FileHandle(forWritingAtPath: table))
        handle.seekToEndOfFile()
        handle.write(Data("zone,999,Fake,,,,0,1,1,1,0.9,0.9,0.9,0,1\n".utf8))
        handle.closeFile()
        let before = try database.snapshot()
        let result = try publish(copy, database)
        #expect(result.status != 0)
        #expect(result.stderr.contains(table) && result.stderr.contains("does not match the run's manifest"), "\(result.stderr)")
        #expect(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
        #expect(try database.snapshot() == before)
    }

    @Test(arguments: DatabaseBackend.allCases)
    func twoPublishersAtOnce(_ backend: DatabaseBackend) throws {
        let database = try TestDatabase(backend)
        let runs = [database.fixture.run2025, database.fixture.run2026, database.fixture.run2027]
        final class Results: @unchecked Sendable { var items: [Int: ProcessResult] = [:]; let lock = NSLock() }
        let results = Results()
        let address = database.address
        // Real threads (not GCD's pool, which the process runner's pipe readers need) start the three at once.
        let finished = DispatchSemaphore(value: 0)
        for index in runs.indices {
            Thread {
                let result = try? runSoilmap(["publish", runs[index], "--to", address])
                results.lock.withLock { results.items[index] = result }
                finished.signal()
            }.start()
        }
        for _ in runs.indices { finished.wait() }
        for index in runs.indices {
            #expect(results.items[index]?.status == 0, "\(results.items[index]?.stderr ?? "did not run")")
        }
        var expected = 0
        for run in runs { expected += try expectedObservations(run) }
        #expect(try database.count("SELECT COUNT(*) FROM runs") == 3)
        #expect(try database.count("SELECT COUNT(*) FROM observations") == expected)
        #expect(try database.count("SELECT COUNT(*) FROM observations WHERE is_current = 1") == expected)
        #expect(try database.count("SELECT COUNT(*) FROM indicators") == 6)
        #expect(try database.count("SELECT COUNT(*) FROM schema_migrations") == SoilHealthSchema.currentVersion)
    }

    /// The server stops while a publish is under way (it waits on a table another session locked, after writing
    /// its run, units and indicators): the publish fails with one line, and nothing of it is in the database.
    @Test func theServerGoingAwayMidPublish() throws {
        let database = try TestDatabase(.postGIS)
        let fixture = database.fixture
        try #require(try publish(fixture.run2025, database).status == 0)
        let before = try database.snapshot()
        let name = String(database.address.split(separator: "?")[0].split(separator: "/").last!)

        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        holder.arguments = ["-h", fixture.socket, "-p", fixture.port, "-U", "postgres", "-d", name, "-X", "-q"]
        let holderInput = Pipe()
        holder.standardInput = holderInput
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        holderInput.fileHandleForWriting.write(Data("BEGIN; LOCK TABLE targets IN SHARE MODE;\n".utf8))
        var halted = false
        defer {
            try? holderInput.fileHandleForWriting.close()
            if holder.isRunning { kill(holder.processIdentifier, SIGKILL) }
            if halted { try? fixture.serverCommand("restart") }
        }
        func waitFor(_ statement: String) throws -> Bool {
            for _ in 0..<200 {
                if let value = try? database.count(statement), value > 0 { return true }
                usleep(100_000)
            }
            return false
        }
        try #require(try waitFor("SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'targets' AND l.mode = 'ShareLock' AND l.granted"))

        let publisher = Process()
        publisher.executableURL = URL(fileURLWithPath: try soilmapExecutable())
        publisher.arguments = ["publish", fixture.run2026, "--to", database.address]
        let errors = Pipe()
        publisher.standardError = errors
        publisher.standardOutput = FileHandle.nullDevice
        try publisher.run()
        // It has written its run row and units and now waits for the table: stop the server under it.
        let waiting = try waitFor("SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'targets' AND NOT l.granted")
        #expect(waiting, "the publisher never reached the locked table")
        try fixture.serverCommand("halt")
        halted = true
        publisher.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(publisher.terminationStatus != 0)
        #expect(message.hasPrefix("soilmap: ") && message.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(message)")
        try fixture.serverCommand("restart")
        halted = false
        #expect(try database.snapshot() == before)
        // And the same publish succeeds once the server is back.
        // SIGKILL: a child of the test runner inherits its blocked signal mask, SIGTERM included.
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        let retry = try publish(fixture.run2026, database)
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(try database.count("SELECT COUNT(*) FROM runs") == 2)
    }

    /// A GeoPackage on a full disk: the publish fails naming the file, the database is byte-identical to before
    /// (SQLite's journal rolls it back) and no journal or temporary file is left; a new database is not left half-made.
    @Test func aFullDiskLeavesTheGeoPackageAsItWas() throws {
        let database = try TestDatabase(.geoPackage)
        try #require(try publish(database.fixture.run2025, database).status == 0)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: database.address)[.size] as? NSNumber).intValue
        let disk = database.folder.path("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mounted = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size / 1024 + 64)k", "tmpfs", disk])
        try #require(mounted.status == 0, "cannot mount a small tmpfs to fill: \(mounted.stderr)")
        defer { _ = try? run("/bin/umount", [disk]) }
        let copy = disk + "/soilhealth.gpkg"
        try FileManager.default.copyItem(atPath: database.address, toPath: copy)
        let original = try Data(contentsOf: URL(fileURLWithPath: copy))
        let result = try runSoilmap(["publish", database.fixture.run2026, "--to", copy])
        #expect(result.status != 0)
        #expect(result.stderr.contains(copy) && result.stderr.lowercased().contains("full"), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == original)
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk) == ["soilhealth.gpkg"])
        let series = try runSoilmap(["query", copy, "--indicator", "ndvi_by_tract.mean", "--level", "nation"])
        #expect(series.status == 0 && series.stdout.contains(",2025,") && !series.stdout.contains(",2026,"))

        try FileManager.default.removeItem(atPath: copy)
        let filler = disk + "/filler"
        _ = try run("/bin/dd", ["if=/dev/zero", "of=\(filler)", "bs=1k", "count=\(size / 1024)"])
        let fresh = disk + "/new.gpkg"
        let created = try runSoilmap(["publish", database.fixture.run2025, "--to", fresh])
        #expect(created.status != 0, "\(created.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk) == ["filler"])
    }

    @Test func aPasswordInTheAddressIsRefused() throws {
        let result = try runSoilmap(["publish", "/nonexistent", "--to", "postgresql://soil:s3cr3t@localhost/soilhealth"])
        #expect(result.status != 0)
        let fixture = try DatabaseFixture.shared.get()
        let published = try runSoilmap(["publish", fixture.run2025, "--to", "postgresql://soil:s3cr3t@localhost/soilhealth"])
        #expect(published.status != 0 && !published.stderr.contains("s3cr3t") && published.stderr.contains("PGPASSWORD"), "\(published.stderr)")
        #expect(!result.stderr.contains("s3cr3t"))
    }
}
