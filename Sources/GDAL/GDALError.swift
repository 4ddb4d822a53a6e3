import CGDAL

/// The one error type of the GDAL layer: which C call failed, on which file, and GDAL's own words.
public struct GDALError: Error, Sendable, Equatable, CustomStringConvertible {
    /// GDAL's error number (`CPLE_*`), or `CPLE_AppDefined` for checks made on the Swift side.
    public let errorNumber: Int32
    /// The C function that failed, or the Swift check that refused the call.
    public let function: String
    /// The dataset the call was about, when there is one.
    public let path: String?
    public let message: String

    public init(function: String, path: String?, message: String, errorNumber: Int32 = Int32(CPLE_AppDefined)) {
        self.errorNumber = errorNumber
        self.function = function
        self.path = path
        self.message = message
    }

    /// One line, naming the file first, as a user wants to read it.
    public var description: String {
        guard let path, !path.isEmpty else { return message }
        return "\(path): \(message)"
    }

    /// Builds the error from GDAL's last error on this thread, then resets it so it cannot leak into the next call.
    static func fromLastError(function: String, path: String?, fallback: String) -> GDALError {
        let number = CPLGetLastErrorNo()
        let text = CPLGetLastErrorMsg().map { String(cString: $0) } ?? ""
        CPLErrorReset()
        let message = text.isEmpty ? fallback : GDALError.trimmed(text, path: path)
        return GDALError(function: function, path: path, message: message, errorNumber: number == 0 ? Int32(CPLE_AppDefined) : number)
    }

    /// GDAL often starts its message with the path; the description already does, so drop the repetition.
    private static func trimmed(_ text: String, path: String?) -> String {
        var message = text.trimmingCharacters(in: [" ", "\n", "\t"])
        if let path, !path.isEmpty {
            // "PATH, band 3: IReadBlock failed" names the file a second time too.
            for prefix in ["\(path): ", "\(path):", "\(path), "] where message.hasPrefix(prefix) {
                message = String(message.dropFirst(prefix.count))
            }
        }
        return message
    }
}

extension String {
    func trimmingCharacters(in characters: Set<Character>) -> String {
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}

/// Runs a GDAL call that returns `CPLErr` and throws on failure.
@inline(__always)
func check(_ function: String, path: String?, _ call: () -> CPLErr) throws {
    GDALRuntime.ensureInitialized()
    CPLErrorReset()
    let result = call()
    if result.rawValue >= CE_Failure.rawValue {
        throw GDALError.fromLastError(function: function, path: path, fallback: "\(function) failed")
    }
}

/// Runs a GDAL call that returns `OGRErr` and throws on failure.
@inline(__always)
func checkOGR(_ function: String, path: String?, _ call: () -> OGRErr) throws {
    GDALRuntime.ensureInitialized()
    CPLErrorReset()
    let result = call()
    if result != OGRERR_NONE {
        throw GDALError.fromLastError(function: function, path: path, fallback: "\(function) failed (OGR error \(result))")
    }
}

/// Runs a GDAL call that returns a handle and throws when it is NULL.
@inline(__always)
func checkHandle<T>(_ function: String, path: String?, _ call: () -> T?) throws -> T {
    GDALRuntime.ensureInitialized()
    CPLErrorReset()
    guard let handle = call() else {
        throw GDALError.fromLastError(function: function, path: path, fallback: "\(function) failed")
    }
    return handle
}
