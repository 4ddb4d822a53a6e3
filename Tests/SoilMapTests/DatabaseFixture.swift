import Foundation
import SoilMap
import Testing

/// What the database tests share, made once per test process: four real runs of pipelines/demo.yaml on the Olinda
/// samples (2025; 2026 with other values and a renamed neighbourhood; 2025 again from the 2026 inputs, a re-run of
/// the period; 2027) and one private PostgreSQL 15 + PostGIS 3 server (Tests/postgis/server.sh), stopped by its
/// watchdog when this process ends, however it ends. A server that cannot start fails every PostGIS test with
/// the reason; nothing is skipped.
final class DatabaseFixture: @unchecked Sendable {
    static let shared = Result(catching: { try DatabaseFixture() })
    static let renamed = "Jardim d'Atlântico \"Mới\" Đồng"
    static let serverScript = Repository.path("Tests/postgis/server.sh")

    let directory: TemporaryDirectory
    let run2025: String, run2026: String, rerun2025: String, run2027: String
    let serverDirectory: String
    let socket: String
    let port: String
    private let lock = NSLock()
    private var databases = 0

    init() throws {
        let directory = TemporaryDirectory()
        self.directory = directory
        run2025 = directory.path("run2025")
        run2026 = directory.path("run2026")
        rerun2025 = directory.path("rerun2025")
        run2027 = directory.path("run2027")
        serverDirectory = directory.path("pg")
        let samples2026 = directory.path("samples2026")
        let python = (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python"
        let made = try run(python, [Repository.path("Tests/postgis/second_period.py"), Repository.path("samples"), samples2026, Self.renamed])
        guard made.status == 0 else { throw SoilMapError.invalidArgument("second_period.py: \(made.stderr)") }
        for (out, samples, period) in [(run2025, Repository.path("samples"), "2025"), (run2026, samples2026, "2026"),
                                       (rerun2025, samples2026, "2025"), (run2027, Repository.path("samples"), "2027")] {
            let result = try runSoilmap(["run", Repository.path("pipelines/demo.yaml"), "--set", "out=\(out)", "--set", "samples=\(samples)",
                                         "--set", "period=\(period)", "-q"])
            guard result.status == 0 else { throw SoilMapError.invalidArgument("soilmap run (\(period)): \(result.stderr)") }
        }
        let server = Self.script([Self.serverScript, "start", serverDirectory, String(getpid())], output: directory.path("server-start.txt"))
        guard server.status == 0 else {
            throw SoilMapError.invalidArgument("the PostgreSQL test server did not start: \(server.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let words = server.output.split(whereSeparator: \.isWhitespace).map(String.init)
        guard words.count == 2 else { throw SoilMapError.invalidArgument("server.sh printed '\(server.output)'") }
        socket = words[0]
        port = words[1]
    }

    func address(_ database: String) -> String { "postgresql://postgres@/\(database)?host=\(socket)&port=\(port)" }

    /// A new empty PostGIS database of its own for a test.
    func newPostGISDatabase() throws -> String {
        let name = lock.withLock { databases += 1; return "test_\(databases)" }
        _ = try psql("postgres", "CREATE DATABASE \(name)")
        _ = try psql(name, "CREATE EXTENSION postgis")
        return address(name)
    }

    /// Rows of a statement through psql (CSV), independent of soilmap and of GDAL.
    func psql(_ database: String, _ statement: String) throws -> [[String]] {
        let result = try run("/usr/bin/psql", ["-h", socket, "-p", port, "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-X", "-q", "--csv", "-c", statement])
        guard result.status == 0 else { throw SoilMapError.invalidArgument("psql: \(statement): \(result.stderr)") }
        return Array(parseCSV(result.stdout).dropFirst())
    }

    func serverCommand(_ command: String) throws {
        let result = Self.script([Self.serverScript, command, serverDirectory], output: directory.path("server-\(command).txt"))
        guard result.status == 0 else { throw SoilMapError.invalidArgument("server.sh \(command): \(result.output)") }
    }

    /// Runs a bash script with its output in a file and waits for it with waitpid: the server it leaves running
    /// keeps no pipe of ours open, and Foundation's Process does not always notice the script's end while the
    /// server it forked lives on.
    static func script(_ arguments: [String], output: String) -> (status: Int32, output: String) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = (["/bin/bash"] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", &actions, nil, argv, environ) == 0 else { return (127, "cannot run /bin/bash") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), text)
    }
}

/// The two back-ends the tests run against.
enum DatabaseBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case geoPackage, postGIS
    var testDescription: String { rawValue }
}

/// A database for one test and a way to read it without soilmap or GDAL: psql for PostGIS, Python's sqlite3 for a GeoPackage.
struct TestDatabase {
    let backend: DatabaseBackend
    let fixture: DatabaseFixture
    let address: String
    let folder = TemporaryDirectory()

    init(_ backend: DatabaseBackend) throws {
        self.backend = backend
        fixture = try DatabaseFixture.shared.get()
        address = backend == .geoPackage ? folder.path("soilhealth.gpkg") : try fixture.newPostGISDatabase()
    }

    /// A column's value as exact text: PostgreSQL's shortest exact form; for SQLite, Python reads the double.
    func exact(_ column: String) -> String {
        backend == .geoPackage ? column : "(\(column))::text"
    }

    func rows(_ statement: String) throws -> [[String]] {
        switch backend {
        case .postGIS:
            let name = String(address.split(separator: "?")[0].split(separator: "/").last!)
            return try fixture.psql(name, statement)
        case .geoPackage:
            // Python's sqlite3 (not GDAL, not soilmap); repr() of a float is its shortest exact text.
            let script = """
                import csv, sqlite3, sys
                rows = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall()
                out = csv.writer(sys.stdout, lineterminator="\\n")
                out.writerow(["header"])
                for row in rows:
                    out.writerow(["" if v is None else repr(v) if isinstance(v, float) else str(v) for v in row])
                """
            let python = (ProcessInfo.processInfo.environment["SOILMAP_VENV"] ?? "/opt/soilmap-venv") + "/bin/python"
            let result = try run(python, ["-c", script, address, statement])
            guard result.status == 0 else { throw SoilMapError.invalidArgument("sqlite3: \(statement): \(result.stderr)") }
            return Array(parseCSV(result.stdout).dropFirst())
        }
    }

    func count(_ statement: String) throws -> Int { Int(try rows(statement)[0][0])! }

    /// Every table's rows (without the time of publishing), for "nothing changed".
    func snapshot() throws -> [[String]] {
        var all: [[String]] = []
        for (table, columns) in [("units", "code, name, level, parent_code, valid_from, valid_to"),
                                 ("indicators", "indicator, name, statistic, target, classes"),
                                 ("runs", "run_key, period, manifest"),
                                 ("observations", "run_fid, unit_fid, indicator_fid, period, class_code, \(exact("value")), \(exact("hectares")), is_current"),
                                 ("targets", "run_fid, unit_fid, indicator_fid, period, \(exact("share_pct")), met, is_current")] {
            all += try rows("SELECT \(columns) FROM \(table) ORDER BY fid")
        }
        return all
    }
}

/// RFC 4180 CSV: quoted fields with doubled quotes, commas and newlines inside quotes.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var characters = text.makeIterator()
    var pending: Character? = nil
    while let character = pending ?? characters.next() {
        pending = nil
        if quoted {
            if character == "\"" {
                if let next = characters.next() {
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else { quoted = false }
            } else { field.append(character) }
        } else {
            switch character {
            case "\"": quoted = true
            case ",": row.append(field); field = ""
            case "\n", "\r\n": row.append(field); field = ""; rows.append(row); row = []
            case "\r": break
            default: field.append(character)
            }
        }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

/// A zonal CSV of a run as a table by column name.
func zonalCSV(_ path: String) throws -> [[String: String]] {
    let rows = parseCSV(try String(contentsOfFile: path, encoding: .utf8))
    let header = rows[0]
    return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
}
