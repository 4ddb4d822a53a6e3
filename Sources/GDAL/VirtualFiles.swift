import CGDAL
import Foundation

/// GDAL's virtual file system: plain paths and archives read in place (/vsitar/, /vsizip/), with one API.
public enum VirtualFiles {
    /// The names in a directory (or an archive's folder), without "." and "..", or nil when it cannot be listed.
    public static func contents(of path: String) -> [String]? {
        GDALRuntime.ensureInitialized()
        guard let list = VSIReadDir(path) else { return nil }
        defer { CSLDestroy(list) }
        return stringArray(list).filter { $0 != "." && $0 != ".." }
    }

    public static func isDirectory(_ path: String) -> Bool {
        guard let mode = status(path, flags: VSI_STAT_EXISTS_FLAG | VSI_STAT_NATURE_FLAG) else { return false }
        return (mode & S_IFMT) == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool { status(path, flags: VSI_STAT_EXISTS_FLAG) != nil }

    /// VSIStatExL's st_mode, nil when the path does not exist. GDAL's VSIStatBufL is stat64, which Swift sees as
    /// an opaque pointer; on 64-bit platforms `stat` has the same layout.
    private static func status(_ path: String, flags: Int32) -> mode_t? {
        GDALRuntime.ensureInitialized()
        var buffer = stat()
        let result = withUnsafeMutablePointer(to: &buffer) { VSIStatExL(path, OpaquePointer($0), flags) }
        return result == 0 ? buffer.st_mode : nil
    }

    /// The whole file, up to `limit` bytes (metadata files, not rasters).
    public static func read(_ path: String, limit: Int = 64 << 20) throws -> Data {
        GDALRuntime.ensureInitialized()
        CPLErrorReset()
        var buffer: UnsafeMutablePointer<GByte>?
        var size: vsi_l_offset = 0
        guard VSIIngestFile(nil, path, &buffer, &size, GIntBig(limit)) != 0, let buffer else {
            throw GDALError.fromLastError(function: "VSIIngestFile", path: path, fallback: "cannot be read")
        }
        defer { VSIFree(buffer) }
        return Data(bytes: buffer, count: Int(size))
    }
}
