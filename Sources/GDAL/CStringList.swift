import CGDAL

/// Hands a Swift string list to GDAL as a NULL-terminated `char **` (a CSL), freed afterwards.
func withCStringList<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) throws -> R) rethrows -> R {
    var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
    for string in strings { list = CSLAddString(list, string) }
    defer { CSLDestroy(list) }
    return try body(list)
}

/// Reads a GDAL string list (NULL-terminated `char **`) without taking ownership.
func stringArray(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
    guard let list else { return [] }
    var result: [String] = []
    var index = 0
    while let item = list[index] {
        result.append(String(cString: item))
        index += 1
    }
    return result
}

/// "KEY=VALUE" lists as GDAL writes metadata and options.
func keyValueDictionary(_ list: [String]) -> [String: String] {
    var result: [String: String] = [:]
    for item in list {
        if let separator = item.firstIndex(of: "=") {
            result[String(item[..<separator])] = String(item[item.index(after: separator)...])
        } else {
            result[item] = ""
        }
    }
    return result
}

/// GDAL strings allocated with CPLMalloc that the caller must free.
func takeCPLString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    defer { VSIFree(pointer) }
    return String(cString: pointer)
}

/// GDAL takes read-only lists as `const char *const *`.
func constList(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> UnsafePointer<UnsafePointer<CChar>?>? {
    list.map { UnsafeRawPointer($0).assumingMemoryBound(to: UnsafePointer<CChar>?.self) }
}
