import Foundation
import GDAL

/// An open soil-health database: a GeoPackage file (the default: one file, no server) or a PostgreSQL/PostGIS
/// database, both through OGR, so publishing and querying are one code path. PostgreSQL credentials come from
/// libpq's own sources (PGPASSWORD and the other PG* variables, ~/.pgpass, a service name): a password in the
/// address is refused, so it can never reach a manifest, a log or an error message.
public final class SoilHealthDatabase {
    public enum Backend: Sendable { case geoPackage, postgreSQL }

    /// As the user gave it (without any password: refused).
    public let location: String
    public let backend: Backend
    let dataset: Dataset
    /// A GeoPackage's writers take turns on an exclusive flock of the file (held until `close`).
    private var lockDescriptor: Int32 = -1

    /// The address as given: `PATH.gpkg`, `postgresql://[user@]host[:port]/dbname[?service=...]`, or `PG:conninfo`.
    public static func backend(of location: String) throws -> Backend {
        let lower = location.lowercased()
        if lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") || lower.hasPrefix("pg:") { return .postgreSQL }
        guard lower.hasSuffix(".gpkg") else {
            throw SoilMapError.invalidArgument("\(location): use a .gpkg file or a postgresql://host/dbname address")
        }
        return .geoPackage
    }

    /// Opens the database, creating a GeoPackage that does not exist yet when `create` is set, and brings its
    /// schema to the current version (`update`), or checks it is one this soilmap reads.
    public init(_ location: String, update: Bool, create: Bool = false) throws {
        self.location = location
        backend = try Self.backend(of: location)
        switch backend {
        case .geoPackage:
            if !FileManager.default.fileExists(atPath: location) {
                guard create else { throw SoilMapError.invalidInput(path: location, "no such database") }
                try Self.createGeoPackage(location)
            }
            if update {
                lockDescriptor = try Self.lockFile(location)
            }
            do {
                dataset = try Dataset.open(location, access: update ? .update : .readOnly, kind: .vector, allowedDrivers: ["GPKG"])
            } catch {
                if lockDescriptor >= 0 { Glibc.close(lockDescriptor) }
                throw SoilMapError.invalidInput(path: location, "is not a GeoPackage soilmap can open (\(Self.reason(error)))")
            }
        case .postgreSQL:
            let connection = try Self.connectionString(location)
            do {
                dataset = try Dataset.open(connection, access: update ? .update : .readOnly, kind: .vector, allowedDrivers: ["PostgreSQL"])
            } catch {
                throw SoilMapError.invalidInput(path: location, "cannot connect (\(Self.reason(error)))")
            }
        }
        if update {
            try migrate()
        } else {
            let version = try schemaVersion()
            guard version > 0 else { throw SoilMapError.invalidInput(path: location, "is not a soilmap soil-health database (no schema_migrations table)") }
            guard version <= SoilHealthSchema.currentVersion else {
                throw SoilMapError.invalidInput(path: location, "has schema version \(version), newer than this soilmap reads (\(SoilHealthSchema.currentVersion)); update soilmap")
            }
        }
    }

    deinit { releaseLock() }

    /// Closes the connection (a GeoPackage: its file, then its lock).
    public func close() throws {
        defer { releaseLock() }
        try dataset.close()
    }

    private func releaseLock() {
        if lockDescriptor >= 0 {
            flock(lockDescriptor, LOCK_UN)
            Glibc.close(lockDescriptor)
            lockDescriptor = -1
        }
    }

    /// An error's words on one line, not too long (a server's message spans lines; SQL is cut short).
    static func reason(_ error: Error) -> String {
        let text = (error as? GDALError)?.message ?? "\(error)"
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }

    // MARK: Addresses

    /// `PG:` + a libpq conninfo string from a postgresql:// URL (or a `PG:` string as given); a password is refused.
    static func connectionString(_ location: String) throws -> String {
        let refusal = SoilMapError.invalidArgument("\(redacted(location)): a password does not belong in the address (it would reach logs); use PGPASSWORD, ~/.pgpass or a service file")
        if location.lowercased().hasPrefix("pg:") {
            guard !location.lowercased().contains("password") else { throw refusal }
            return location
        }
        guard let url = URLComponents(string: location), let scheme = url.scheme, ["postgresql", "postgres"].contains(scheme.lowercased()) else {
            throw SoilMapError.invalidArgument("\(location): not a postgresql://host/dbname address")
        }
        if url.password != nil { throw refusal }
        var pairs: [(String, String)] = []
        if let host = url.percentEncodedHost.flatMap({ $0.removingPercentEncoding }), !host.isEmpty { pairs.append(("host", host)) }
        if let port = url.port { pairs.append(("port", String(port))) }
        let database = String(url.path.drop { $0 == "/" })
        if !database.isEmpty { pairs.append(("dbname", database)) }
        if let user = url.user, !user.isEmpty { pairs.append(("user", user)) }
        for item in url.queryItems ?? [] {
            guard item.name.lowercased() != "password" else { throw refusal }
            // host=/path/to/socket is how a URL names a socket directory.
            pairs.append((item.name, item.value ?? ""))
        }
        func quoted(_ value: String) -> String {
            "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        }
        return "PG:" + pairs.map { "\($0.0)=\(quoted($0.1))" }.joined(separator: " ")
    }

    /// The address with any password replaced, for an error message.
    static func redacted(_ location: String) -> String {
        guard var url = URLComponents(string: location), url.password != nil else {
            return location.lowercased().contains("password") ? "the PostgreSQL address" : location
        }
        url.password = "***"
        return url.string ?? "the PostgreSQL address"
    }

    // MARK: GeoPackage files

    /// A new GeoPackage with the current schema, made beside the target and moved into place: a failure (a
    /// full disk) leaves no file behind.
    static func createGeoPackage(_ path: String) throws {
        do {
            let transaction = OutputTransaction(overwrite: false)
            try transaction.write(path) { temporary in
                let dataset = try Driver("GPKG").createVector(path: temporary)
                let database = SoilHealthDatabase(creating: dataset, location: path)
                try database.migrate()
                try dataset.close()
            }
            try transaction.commit()
        } catch {
            // Another publisher created it meanwhile: use theirs.
            guard FileManager.default.fileExists(atPath: path) else { throw error }
        }
    }

    private init(creating dataset: Dataset, location: String) {
        self.dataset = dataset
        self.location = location
        backend = .geoPackage
    }

    /// Waits (up to two minutes) for an exclusive flock on the file: one writer at a time, the others queue.
    /// flock and SQLite's fcntl locks do not interact; the descriptor stays open until the dataset is closed.
    static func lockFile(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SoilMapError.invalidInput(path: path, "cannot be opened (\(String(cString: strerror(errno))))")
        }
        let deadline = Date().addingTimeInterval(120)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard Date() < deadline else {
                Glibc.close(descriptor)
                throw SoilMapError.invalidInput(path: path, "is being written by another soilmap publish for over two minutes; try again later")
            }
            usleep(50_000)
        }
        return descriptor
    }

    // MARK: Schema

    func hasTable(_ name: String) -> Bool { (try? dataset.layer(named: name)) != nil }

    /// The schema version: the highest applied migration, 0 for a database without soilmap's tables.
    public func schemaVersion() throws -> Int {
        guard hasTable(SoilHealthSchema.migrationsTable.name) else { return 0 }
        let rows = try dataset.executeSQL("SELECT MAX(version) FROM schema_migrations").rows
        return Int(rows.first?.first?.doubleValue ?? 0)
    }

    /// Applies the migrations the database lacks, each in its own transaction.
    func migrate() throws {
        for migration in SoilHealthSchema.migrations {
            try inTransaction {
                guard try schemaVersion() < migration.version else { return }
                if !hasTable(SoilHealthSchema.migrationsTable.name) { try createTable(SoilHealthSchema.migrationsTable) }
                for table in migration.tables { try createTable(table) }
                for (table, field) in migration.columns { try layer(table).createField(field) }
                for statement in migration.statements { try dataset.executeSQL(statement) }
                try dataset.layer(named: SoilHealthSchema.migrationsTable.name).addFeature([
                    "version": .integer(Int64(migration.version)), "description": .string(migration.description),
                    "applied_at": .string(Self.now()),
                ])
            }
        }
    }

    private func createTable(_ table: SoilHealthSchema.Table) throws {
        var options = ["FID=fid"]
        if table.geometry != nil { options.append("GEOMETRY_NAME=geom") }
        if backend == .postgreSQL { options += ["LAUNDER=NO", "OVERWRITE=NO"] }
        let crs = table.geometry == nil ? nil : try SpatialReference(epsg: SoilHealthSchema.epsg)
        let layer = try dataset.createLayer(name: table.name, spatialReference: crs, geometryType: table.geometry ?? .none, options: options)
        for field in table.fields { try layer.createField(field) }
        // PostgreSQL creates a table at its first row or statement; make it exist now for the indexes.
        _ = layer.featureCount
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }

    // MARK: Transactions

    /// Runs `body` in one transaction: all of it is written, or (on any error) none of it. On PostgreSQL the
    /// writers of one database take turns on an advisory lock held until the end of the transaction.
    func inTransaction<R>(_ body: () throws -> R) throws -> R {
        do { try dataset.beginTransaction() } catch {
            throw SoilMapError.invalidInput(path: location, "cannot start a transaction (\(Self.reason(error)))")
        }
        do {
            if backend == .postgreSQL { try dataset.executeSQL("SELECT pg_advisory_xact_lock(\(Self.advisoryLockKey))") }
            let result = try body()
            try dataset.commitTransaction()
            return result
        } catch {
            dataset.rollbackTransaction()
            if error is SoilMapError { throw error }
            throw SoilMapError.invalidInput(path: location, "nothing was written: \(Self.reason(error))")
        }
    }

    /// Any fixed number: soilmap's writers of one database serialise on it.
    static let advisoryLockKey = 5_017_2025

    /// The next free `fid` of a table (the caller holds the write lock).
    func nextFID(_ table: String) throws -> Int64 {
        let rows = try dataset.executeSQL("SELECT MAX(fid) FROM \(table)").rows
        return Int64(rows.first?.first?.doubleValue ?? 0) + 1
    }

    /// Inserts numeric rows with multi-row INSERT statements. Numbers only, formatted here (the shortest text
    /// that reads back as the same Double): OGR's feature writer for PostgreSQL keeps 15 digits, SQL keeps all.
    func insert(into table: String, columns: [String], rows: [[FieldValue]]) throws {
        func literal(_ value: FieldValue) -> String {
            switch value {
            case .integer(let number): return String(number)
            case .real(let number): return number.isFinite ? "\(number)" : "NULL"
            case .null: return "NULL"
            case .string: preconditionFailure("text goes through OGR's feature API, never into SQL")
            }
        }
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        var start = 0
        while start < rows.count {
            let batch = rows[start..<min(rows.count, start + 500)]
            try dataset.executeSQL(head + batch.map { "(" + $0.map(literal).joined(separator: ",") + ")" }.joined(separator: ","))
            start += batch.count
        }
    }

    func layer(_ name: String) throws -> Layer {
        do { return try dataset.layer(named: name) } catch {
            throw SoilMapError.invalidInput(path: location, "has no table '\(name)': is it a soilmap soil-health database?")
        }
    }
}
