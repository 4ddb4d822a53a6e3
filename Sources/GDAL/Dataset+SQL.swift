import CGDAL

/// The rows an SQL statement returned: column names, and values typed by OGR's reading of the result.
public struct SQLRows: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[FieldValue]]

    public init(columns: [String], rows: [[FieldValue]]) {
        self.columns = columns
        self.rows = rows
    }
}

extension Dataset {
    /// Runs one statement in the data source's own SQL (SQLite for a GeoPackage, PostgreSQL for PostGIS) and
    /// returns its rows (none for a statement without a result). OGR has no bind parameters here: callers put
    /// only values they formatted themselves (integers) into the text, and write text through features.
    @discardableResult
    public func executeSQL(_ statement: String) throws -> SQLRows {
        GDALRuntime.ensureInitialized()
        CPLErrorReset()
        let result = GDALDatasetExecuteSQL(handle, statement, nil, nil)
        if CPLGetLastErrorType().rawValue >= CE_Failure.rawValue {
            if let result { GDALDatasetReleaseResultSet(handle, result) }
            let error = GDALError.fromLastError(function: "GDALDatasetExecuteSQL", path: path, fallback: "SQL statement failed")
            // Drivers quote the whole statement (thousands of rows of an INSERT): keep its start.
            let shortened = statement.count > 80 ? String(statement.prefix(80)) + "…" : statement
            throw GDALError(function: error.function, path: path, message: error.message.replacingOccurrences(of: statement, with: shortened),
                            errorNumber: error.errorNumber)
        }
        guard let result else { return SQLRows(columns: [], rows: []) }
        defer { GDALDatasetReleaseResultSet(handle, result) }
        let layer = Layer(dataset: self, handle: result)
        let columns = layer.fields.map(\.name)
        var rows: [[FieldValue]] = []
        try layer.forEachFeature { feature in
            rows.append((0..<columns.count).map { feature.value(at: $0) })
        }
        return SQLRows(columns: columns, rows: rows)
    }

    /// Starts a transaction, and throws when the data source cannot give one (the caller needs all or nothing).
    public func beginTransaction() throws {
        try checkOGR("GDALDatasetStartTransaction", path: path) { GDALDatasetStartTransaction(handle, 0) }
    }

    public func commitTransaction() throws {
        try checkOGR("GDALDatasetCommitTransaction", path: path) { GDALDatasetCommitTransaction(handle) }
    }

    /// Rolls back; a failure to roll back (the server gone) leaves the server to discard the transaction.
    public func rollbackTransaction() {
        CPLErrorReset()
        _ = GDALDatasetRollbackTransaction(handle)
        CPLErrorReset()
    }
}

extension Layer {
    /// Adds a feature by field name with an explicit feature id (the caller numbers the rows it refers to).
    public func addFeature(_ values: [String: FieldValue], geometry: Geometry?, fid: Int64) throws {
        let feature = OGR_F_Create(OGR_L_GetLayerDefn(handle))!
        defer { OGR_F_Destroy(feature) }
        _ = OGR_F_SetFID(feature, GIntBig(fid))
        for (name, value) in values {
            Feature.set(value, at: Int32(try fieldIndex(name)), on: feature)
        }
        if let geometry {
            try checkOGR("OGR_F_SetGeometry", path: path) { OGR_F_SetGeometry(feature, geometry.handle) }
        }
        try checkOGR("OGR_L_CreateFeature", path: path) { OGR_L_CreateFeature(handle, feature) }
    }
}
