import Foundation

/// One run at a time per run directory: an exclusive `flock` on `.soilmap/lock`, which the kernel releases when
/// the holder exits, however it exits. The file says who holds it (pid, start time, host), for the error the
/// second run gets; a file left by a dead holder is recognised as stale and taken over.
public final class RunLock {
    private let descriptor: Int32
    public let path: String
    /// The holder recorded in a lock file whose process no longer runs, when one was found.
    public let staleHolder: String?

    public init(directory: String) throws {
        path = (directory as NSString).appendingPathComponent(".soilmap/lock")
        try RunLock.makeDirectory(OutputTransaction.folder(of: path))
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw SoilMapError.invalidInput(path: directory, "cannot lock the run directory (\(String(cString: strerror(errno))))")
        }
        let previous = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            let holder = previous.trimmingCharacters(in: .whitespacesAndNewlines)
            throw SoilMapError.invalidInput(path: directory, "is in use by another soilmap run (\(holder.isEmpty ? "holder unknown" : holder)); wait for it or stop it")
        }
        self.descriptor = descriptor
        staleHolder = previous.isEmpty ? nil : previous.trimmingCharacters(in: .whitespacesAndNewlines)
        let formatter = ISO8601DateFormatter()
        let host = ProcessInfo.processInfo.hostName
        let text = "pid \(getpid()) on \(host), started \(formatter.string(from: Date()))\n"
        ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// mkdir -p, with errno's words in the error (a read-only or full file system named as such).
    static func makeDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw SoilMapError.invalidInput(path: path, "exists and is not a directory") }
            return
        }
        let parent = OutputTransaction.folder(of: path)
        if !parent.isEmpty, parent != path { try makeDirectory(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw SoilMapError.invalidInput(path: path, "cannot be created (\(String(cString: strerror(errno))))")
        }
    }

    /// Why the directory could not be created or written, or nil: the deepest existing ancestor must be a
    /// writable directory (checked by `validate` before anything is written).
    static func problemCreating(_ path: String) -> String? {
        var existing = path
        while !FileManager.default.fileExists(atPath: existing) {
            let parent = OutputTransaction.folder(of: existing)
            if parent == existing || parent.isEmpty { return nil }
            existing = parent
        }
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: existing, isDirectory: &isDirectory)
        guard isDirectory.boolValue else { return "\(existing) is not a directory" }
        guard access(existing, W_OK) == 0 else { return "\(existing) is not writable (\(String(cString: strerror(errno))))" }
        return nil
    }

    /// Releases the lock and empties the file (an empty file is no holder).
    public func release() {
        ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
