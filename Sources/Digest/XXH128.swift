import CXXHash

/// Streaming XXH3-128 (libxxhash). For scratch files that only soilmap reads back (shard parts): it catches a
/// damaged or truncated file as surely as a checksum can, at tens of GB/s, where SHA-256 runs at about 1.4 GB/s
/// here. Outputs, inputs and manifests keep SHA-256, which is what a user can check with common tools.
public final class XXH128 {
    private let state: OpaquePointer

    public init() {
        guard let state = XXH3_createState() else { fatalError("XXH3_createState: out of memory") }
        self.state = state
        XXH3_128bits_reset(state)
    }

    deinit { XXH3_freeState(state) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        XXH3_128bits_update(state, base, bytes.count)
    }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The digest in XXH128's canonical (big-endian) form as 32 lower-case hex digits, as `xxhsum -H2` prints it.
    public func finalizeHex() -> String {
        var canonical = XXH128_canonical_t()
        XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state))
        let hex = Array("0123456789abcdef".utf8)
        return withUnsafeBytes(of: canonical.digest) { bytes in
            String(decoding: bytes.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
        }
    }

    public static func file(atPath path: String) throws(FileDigestError) -> (xxh128: String, size: Int64) {
        let hasher = XXH128()
        let size = try streamFile(atPath: path) { hasher.update($0) }
        return (hasher.finalizeHex(), size)
    }
}
