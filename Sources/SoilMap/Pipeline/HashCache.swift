import Digest
import Foundation

/// SHA-256 of files, remembered by device, inode, size and modification time (nanoseconds), so that a nightly
/// run over unchanged gigabytes hashes nothing: a file is hashed again only when one of them changed. A file
/// modified in the last second is not remembered (its time stamp could still hide a change made within
/// the same tick, as git's "racy" files).
public final class HashCache: @unchecked Sendable {
    struct Entry: Codable {
        var identity: FileIdentity
        var sha256: String
    }

    private let path: String?
    private let lock = NSLock()
    private var entries: [String: Entry]
    private var changed = false
    /// Bytes actually read and hashed (for the log and tests).
    public private(set) var bytesHashed: Int64 = 0

    /// A cache kept in `path` (nil: in memory only).
    public init(path: String?) {
        self.path = path
        if let path, let data = FileManager.default.contents(atPath: path),
           let stored = try? JSONDecoder().decode([String: Entry].self, from: data) {
            entries = stored
        } else {
            entries = [:]
        }
    }

    /// The file's SHA-256 and size.
    public func digest(of file: String) throws -> FileRecord {
        guard let identity = FileIdentity(path: file) else {
            throw SoilMapError.invalidInput(path: file, "no such file")
        }
        lock.lock()
        let known = entries[file]
        lock.unlock()
        if let known, known.identity == identity { return FileRecord(path: file, size: identity.size, sha256: known.sha256) }
        let result: (sha256: String, size: Int64)
        do { result = try SHA256.file(atPath: file) } catch { throw SoilMapError.invalidInput(path: file, "cannot be read (\(error))") }
        // The file may have changed while it was read: remember the hash only for the identity seen before and after.
        let after = FileIdentity(path: file)
        lock.lock()
        bytesHashed += result.size
        if after == identity, identity.settled {
            entries[file] = Entry(identity: identity, sha256: result.sha256)
            changed = true
        }
        lock.unlock()
        return FileRecord(path: file, size: result.size, sha256: result.sha256)
    }

    /// Records the hash of an output soilmap just committed. It was hashed from its temporary file, which nothing
    /// else writes, before the rename made it visible, so its content and time stamp are final: remembered at
    /// once (else the next run would hash every output again).
    public func remember(_ record: FileRecord) {
        guard let identity = FileIdentity(path: record.path), identity.size == record.size else { return }
        lock.lock()
        entries[record.path] = Entry(identity: identity, sha256: record.sha256)
        changed = true
        lock.unlock()
    }

    /// Writes the cache back (atomically: a crash leaves the old one), only if anything changed.
    public func save() {
        lock.lock()
        defer { lock.unlock() }
        guard changed, let path else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(entries) else { return }
        let transaction = OutputTransaction(overwrite: true)
        _ = try? transaction.write(path) { temporary in try data.write(to: URL(fileURLWithPath: temporary)) }
        _ = try? transaction.commit()
        changed = false
    }
}

extension FileIdentity {
    /// Last modified more than a second ago: a later change will show in the time stamp.
    var settled: Bool { Double(modified) + Double(modifiedNanoseconds) / 1e9 < Date().timeIntervalSince1970 - 1 }
}
