import GDAL

/// The soil-health database's tables, the same in a GeoPackage and in PostGIS (documented in
/// docs/database.md). Table and column names are stable: a migration adds, it never renames. Every table has an
/// integer `fid`; rows refer to each other by it (`unit_fid`, `indicator_fid`, `run_fid`), so the SQL soilmap
/// writes carries only integers it formatted itself, and every text value goes through OGR's feature API.
public enum SoilHealthSchema {
    /// The version a database has after every migration of this soilmap.
    public static var currentVersion: Int { migrations.count }

    struct Table {
        var name: String
        /// nil: a table without geometry.
        var geometry: GeometryType?
        var fields: [FieldDefinition]
    }

    struct Migration {
        var version: Int
        var description: String
        var tables: [Table]
        /// Columns added to tables of earlier migrations (a migration adds, never renames).
        var columns: [(table: String, field: FieldDefinition)] = []
        /// Statements run after the tables exist (indexes): plain SQL both SQLite and PostgreSQL accept.
        var statements: [String]
    }

    /// Geometry is stored in WGS 84 longitude/latitude whatever the zones' CRS, so that units from several
    /// runs and sources share one layer.
    static let epsg = 4326

    static func field(_ name: String, _ type: FieldType) -> FieldDefinition { FieldDefinition(name: name, type: type) }

    static let migrations: [Migration] = [
        Migration(version: 1, description: "units, indicators, runs, observations, targets, samples", tables: [
            // Administrative units; a unit that changes (the 2025 reform) gets a new row valid from the period of
            // the change, the old one is closed (valid_to, exclusive): both stay, observations keep theirs.
            Table(name: "units", geometry: .multiPolygon, fields: [
                field("code", .string), field("name", .string), field("level", .string), field("rank", .integer),
                field("parent_code", .string), field("valid_from", .integer), field("valid_to", .integer),
            ]),
            Table(name: "indicators", geometry: nil, fields: [
                field("indicator", .string), field("name", .string), field("unit_of_measure", .string), field("statistic", .string),
                field("method", .string), field("source", .string), field("target", .string), field("classes", .string),
            ]),
            // A published run: its manifest, whole and in parts.
            Table(name: "runs", geometry: nil, fields: [
                field("run_key", .string), field("pipeline", .string), field("pipeline_sha256", .string), field("period", .integer),
                field("status", .string), field("started_at", .string), field("finished_at", .string), field("published_at", .string),
                field("soilmap_version", .string), field("soilmap_commit", .string), field("gdal_version", .string),
                field("proj_version", .string), field("variables", .string), field("inputs", .string), field("parameters", .string),
                field("manifest", .string),
            ]),
            // One value per unit, indicator and period (and class, for class maps), from one run; a later run of the
            // same period supersedes it (is_current = 0) without deleting it.
            Table(name: "observations", geometry: nil, fields: [
                field("run_fid", .integer64), field("unit_fid", .integer64), field("indicator_fid", .integer64), field("period", .integer),
                field("class_code", .integer64), field("value", .real), field("weight", .real), field("hectares", .real),
                field("share_pct", .real), field("is_current", .integer),
            ]),
            // A unit's check against its indicator's target (indicators.target) in a period: share_pct at most max_pct.
            Table(name: "targets", geometry: nil, fields: [
                field("run_fid", .integer64), field("unit_fid", .integer64), field("indicator_fid", .integer64), field("period", .integer),
                field("max_pct", .real), field("share_pct", .real), field("met", .integer), field("is_current", .integer),
            ]),
            // Survey samples: one row per sample and measured property.
            Table(name: "samples", geometry: .point, fields: [
                field("sample_id", .string), field("depth_top_cm", .real), field("depth_bottom_cm", .real), field("sampled_on", .string),
                field("property", .string), field("value", .real), field("unit_of_measure", .string), field("source", .string),
                field("run_fid", .integer64),
            ]),
        ], statements: [
            "CREATE UNIQUE INDEX runs_key ON runs (run_key)",
            "CREATE UNIQUE INDEX indicators_id ON indicators (indicator)",
            "CREATE INDEX units_code ON units (code, level)",
            "CREATE INDEX observations_series ON observations (indicator_fid, period, unit_fid)",
            "CREATE INDEX observations_run ON observations (run_fid)",
            "CREATE INDEX targets_series ON targets (indicator_fid, period, unit_fid)",
        ]),
        // A run's content (its period, levels, published tables by SHA-256 and value targets): a re-run that
        // reused every step writes a new manifest but the same content, and publishes nothing. Targets on a
        // continuous indicator's value (min_value/max_value, inclusive; value), beside the class-share ones.
        // Samples superseded by a corrected publication of the same source stay, not current.
        Migration(version: 2, description: "run content keys, value targets, current samples", tables: [], columns: [
            (table: "runs", field: field("content_key", .string)),
            (table: "targets", field: field("min_value", .real)),
            (table: "targets", field: field("max_value", .real)),
            (table: "targets", field: field("value", .real)),
            (table: "samples", field: field("is_current", .integer)),
        ], statements: [
            "CREATE INDEX runs_content ON runs (content_key)",
            "CREATE INDEX samples_run ON samples (run_fid)",
        ]),
    ]

    /// The bookkeeping table: one row per applied migration.
    static let migrationsTable = Table(name: "schema_migrations", geometry: nil, fields: [
        field("version", .integer), field("description", .string), field("applied_at", .string),
    ])
}
