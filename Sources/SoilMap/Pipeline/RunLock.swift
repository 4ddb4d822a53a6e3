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
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
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

    /// Releases the lock and empties the file (an empty file is no holder).
    public func release() {
        ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
