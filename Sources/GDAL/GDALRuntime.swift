import CGDAL

/// Process-wide GDAL set-up: drivers registered once, and an error handler installed so that GDAL never writes
/// to stderr behind the caller's back. Errors still reach the caller: each failing call reads GDAL's last error
/// (kept per thread by GDAL whatever the handler) and throws it.
public enum GDALRuntime {
    private static let initialization: Void = {
        GDALAllRegister()
        CPLSetErrorHandler(quietErrorHandler)
    }()

    /// Registers the drivers and installs the quiet error handler; every entry point calls it, so callers need not.
    public static func ensureInitialized() {
        _ = initialization
    }

    /// GDAL's release name, e.g. "3.6.2".
    public static var gdalVersion: String {
        ensureInitialized()
        return String(cString: GDALVersionInfo("RELEASE_NAME"))
    }

    /// The PROJ library GDAL was built against, e.g. "9.1.1".
    public static var projVersion: String {
        ensureInitialized()
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        OSRGetPROJVersion(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }

    /// The short names of every registered driver.
    public static var driverNames: [String] {
        ensureInitialized()
        return (0..<GDALGetDriverCount()).compactMap { index in
            GDALGetDriver(index).flatMap { GDALGetDriverShortName($0) }.map { String(cString: $0) }
        }
    }
}

/// Swallows messages: the last error stays readable through CPLGetLastErrorMsg on the failing thread.
private let quietErrorHandler: CPLErrorHandler = { _, _, _ in }
