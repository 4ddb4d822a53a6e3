import CGDAL

/// GDAL configuration options (GDAL_CACHEMAX, GDAL_NUM_THREADS, ...) set for the duration of a closure on the
/// calling thread, then restored to what they were, even when the closure throws.
public enum ConfigOptions {
    public static func with<R>(_ options: [String: String], _ body: () throws -> R) rethrows -> R {
        GDALRuntime.ensureInitialized()
        let keys = options.keys.sorted()
        let previous: [String: String?] = Dictionary(uniqueKeysWithValues: keys.map { key in
            (key, CPLGetThreadLocalConfigOption(key, nil).map { String(cString: $0) })
        })
        for key in keys { CPLSetThreadLocalConfigOption(key, options[key]) }
        defer {
            for key in keys { CPLSetThreadLocalConfigOption(key, previous[key] ?? nil) }
        }
        return try body()
    }

    /// The value GDAL sees now for an option (thread-local first, then process-wide, then the environment).
    public static func value(_ key: String) -> String? {
        GDALRuntime.ensureInitialized()
        return CPLGetConfigOption(key, nil).map { String(cString: $0) }
    }

    /// Sets an option for the whole process, for the lifetime of the program (e.g. GDAL_CACHEMAX at start-up).
    public static func setGlobal(_ key: String, _ value: String?) {
        GDALRuntime.ensureInitialized()
        CPLSetConfigOption(key, value)
    }
}
