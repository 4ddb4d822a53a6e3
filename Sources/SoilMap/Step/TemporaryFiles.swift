import Foundation

/// Every temporary file soilmap is writing right now, so that SIGINT/SIGTERM can remove them before the process
/// exits, and the naming rule that lets a later run recognise what a killed run (SIGKILL) left behind.
///
/// Temporary names are short and hidden, independent of the output's name (a 240-byte output name stays legal):
/// `.soilmap-PID-N.EXT` in the output's own folder, so the final rename never crosses file systems.
public enum TemporaryFiles {
    static let prefix = ".soilmap-"
    private static let lock = NSLock()
    nonisolated(unsafe) private static var live: Set<String> = []
    nonisolated(unsafe) private static var counter = 0
    nonisolated(unsafe) private static var sweptFolders: Set<String> = []

    /// A new temporary path in `folder`, registered until `release`.
    static func make(in folder: String, extension pathExtension: String) -> String {
        lock.lock()
        counter += 1
        let name = "\(prefix)\(getpid())-\(counter)" + (pathExtension.isEmpty ? "" : "." + pathExtension)
        let path = (folder as NSString).appendingPathComponent(name)
        live.insert(path)
        lock.unlock()
        return path
    }

    /// Forgets a temporary path (committed or removed).
    static func release(_ path: String) {
        lock.lock()
        live.remove(path)
        lock.unlock()
    }

    /// Removes a temporary file and everything GDAL derived from its name (`.aux.xml`, `.ovr.tmp`, `.msk`, ...).
    static func remove(_ path: String) {
        let folder = OutputTransaction.folder(of: path), name = (path as NSString).lastPathComponent
        unlink(path)
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder) {
            for entry in entries where entry.hasPrefix(name + ".") { unlink((folder as NSString).appendingPathComponent(entry)) }
        }
        release(path)
    }

    /// Removes every live temporary file; returns how many there were. Called when a signal stops the process.
    public static func removeAll() -> Int {
        lock.lock()
        let paths = live
        lock.unlock()
        for path in paths { remove(path) }
        return paths.count
    }

    /// Removes, once per folder and process, the temporary files of soilmap processes that no longer exist
    /// (a run killed with SIGKILL, a power cut). Names of live processes are left alone.
    static func sweepStale(in folder: String) {
        lock.lock()
        let first = sweptFolders.insert(folder).inserted
        lock.unlock()
        guard first, let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for entry in entries {
            guard let pid = ownerPID(ofTemporaryName: entry), pid != getpid() else { continue }
            if kill(pid, 0) == -1 && errno == ESRCH { unlink((folder as NSString).appendingPathComponent(entry)) }
        }
    }

    /// The process id in a temporary name: `.soilmap-PID-...`, and the `.NAME.partial-PID-...` names of
    /// soilmap 0.1.0.
    static func ownerPID(ofTemporaryName name: String) -> pid_t? {
        if name.hasPrefix(prefix) {
            return pid_t(name.dropFirst(prefix.count).prefix { $0.isNumber })
        }
        if name.hasPrefix("."), let range = name.range(of: ".partial-") {
            return pid_t(name[range.upperBound...].prefix { $0.isNumber })
        }
        return nil
    }
}
