import CCrypto
#if canImport(Glibc)
import Glibc
#endif

/// Streaming SHA-256 over OpenSSL's EVP interface.
public final class SHA256 {
    private let context: OpaquePointer

    public init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        self.context = context
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The digest as 64 lower-case hex digits; the hasher cannot be used afterwards.
    public func finalizeHex() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.map { byte in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
        }.joined()
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    /// A file's SHA-256 and size, read in 4 MiB chunks; errno's text when it cannot be read.
    public static func file(atPath path: String) throws(FileDigestError) -> (sha256: String, size: Int64) {
        let hasher = SHA256()
        let size = try streamFile(atPath: path) { hasher.update($0) }
        return (hasher.finalizeHex(), size)
    }
}

/// Feeds a file to `update` in 4 MiB chunks and returns its size; errno's text when it cannot be read. The one
/// reading loop of every file digest.
func streamFile(atPath path: String, _ update: (UnsafeRawBufferPointer) -> Void) throws(FileDigestError) -> Int64 {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw FileDigestError(path: path, errorNumber: errno) }
    defer { close(descriptor) }
    let chunk = 4 << 20
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 64)
    defer { buffer.deallocate() }
    var size: Int64 = 0
    while true {
        let count = read(descriptor, buffer, chunk)
        if count < 0 {
            if errno == EINTR { continue }
            throw FileDigestError(path: path, errorNumber: errno)
        }
        if count == 0 { break }
        update(UnsafeRawBufferPointer(start: buffer, count: count))
        size += Int64(count)
    }
    return size
}

public struct FileDigestError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let errorNumber: Int32
    public var description: String { "\(path): cannot be read (\(String(cString: strerror(errorNumber))))" }
}
