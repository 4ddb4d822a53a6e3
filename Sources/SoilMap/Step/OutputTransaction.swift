import Digest
import Foundation

/// A file written by a step, as committed: where, how large, and its SHA-256 (when asked for).
public struct WrittenFile: Sendable, Codable, Hashable {
    public var path: String
    public var size: Int64
    public var sha256: String?
}

/// The one place where results reach the user's folders. Every output is written under a hidden temporary name
/// in its own folder, flushed to disk, and renamed into place only when the step succeeded; a failure, or a
/// signal, removes the temporary files and leaves the folder as it was.
///
/// Rules, checked when an output is staged and again when it is committed:
/// - a directory at the output path is never removed or replaced, with or without `overwrite`;
/// - an output that is one of the step's inputs (same device and inode, through links) is refused;
/// - an existing file is replaced only with `overwrite`, keeping its mode and group; without it, a file that
///   appeared at the path while the step ran is kept and the step fails (the commit is a hard link, which
///   refuses an existing name, then the temporary name is removed);
/// - a full disk is reported as "no space left on device" with the user's path, not the temporary one.
public final class OutputTransaction {
    public let overwrite: Bool
    /// Compute each committed file's SHA-256 (manifests); off for plain commands, where nobody reads it.
    public let hashesOutputs: Bool
    /// Flush each file (and its folder) to disk before it is renamed into place. Off only for a shard's scratch
    /// maps, which its later steps read and which are deleted when it ends: flushing them is work for nothing.
    public var flushesToDisk = true
    private let inputs: [(path: String, identity: FileIdentity)]
    private var staged: [Staged] = []
    private var scratches: [String] = []
    private var done = false

    struct Staged {
        /// The path as the caller gave it, and the file it names (a symbolic link followed).
        var requested: String
        var target: String
        var temporary: String
        /// The file was there when staged (so only `overwrite` lets it be replaced).
        var existed: Bool
        /// GDAL's `.aux.xml` sidecar of the output: moved with it, and a stale one removed when replacing.
        var rasterSidecar: Bool
    }

    public init(overwrite: Bool, inputs: [String] = [], hashesOutputs: Bool = false) {
        self.overwrite = overwrite
        self.hashesOutputs = hashesOutputs
        self.inputs = inputs.compactMap { path in FileIdentity(path: path).map { (path, $0) } }
    }

    deinit { if !done { rollback() } }

    /// Checks `path` against the rules now, before a long computation; `stage` checks again.
    public func check(_ path: String) throws {
        _ = try Self.checkedTarget(path, overwrite: overwrite, inputs: inputs)
    }

    /// Runs `body` in `given`, or in a new transaction committed when `body` succeeds (a command's one output).
    static func within<R>(_ given: OutputTransaction?, overwrite: Bool, inputs: [String], _ body: (OutputTransaction) throws -> R) throws -> R {
        if let given { return try body(given) }
        let transaction = OutputTransaction(overwrite: overwrite, inputs: inputs)
        let result = try body(transaction)
        try transaction.commit()
        return result
    }

    /// Reserves `path` for a new output and returns the temporary path to write it to. `pathExtension`: the
    /// temporary file's extension (drivers that look at it); default, the output's own.
    public func stage(_ path: String, pathExtension: String? = nil, rasterSidecar: Bool = false) throws -> String {
        let target = try Self.checkedTarget(path, overwrite: overwrite, inputs: inputs)
        guard !staged.contains(where: { $0.target == target.path }) else {
            throw SoilMapError.invalidArgument("\(path): the same output is written twice")
        }
        let folder = OutputTransaction.folder(of: target.path)
        TemporaryFiles.sweepStale(in: folder)
        let temporary = TemporaryFiles.make(in: folder, extension: pathExtension ?? (target.path as NSString).pathExtension)
        staged.append(Staged(requested: path, target: target.path, temporary: temporary, existed: target.exists, rasterSidecar: rasterSidecar))
        return temporary
    }

    /// Where a staged output is being written until the commit (to read it back, e.g. to draw a quicklook).
    public func temporaryPath(of path: String) -> String? {
        staged.first { $0.requested == path || $0.target == path }?.temporary
    }

    /// A further scratch file beside a staged output (a GeoTIFF a COG is copied from), removed with the rest.
    public func scratch(besides path: String, pathExtension: String) -> String {
        let folder = OutputTransaction.folder(of: path)
        let scratch = TemporaryFiles.make(in: folder.isEmpty ? "." : folder, extension: pathExtension)
        scratches.append(scratch)
        return scratch
    }

    /// Writes one output: `body` gets the temporary path; on failure everything staged is rolled back and the
    /// error is restated for the user's path (a full disk named as such).
    public func write<R>(_ path: String, pathExtension: String? = nil, rasterSidecar: Bool = false,
                         _ body: (String) throws -> R) throws -> R {
        let temporary = try stage(path, pathExtension: pathExtension, rasterSidecar: rasterSidecar)
        do {
            return try body(temporary)
        } catch {
            rollback()
            throw Self.restate(error, target: path, temporary: temporary)
        }
    }

    /// Flushes every staged file, then renames each into place; returns what was written, in staging order.
    @discardableResult
    public func commit() throws -> [WrittenFile] {
        defer { done = true }
        do {
            for item in staged {
                guard FileManager.default.fileExists(atPath: item.temporary) else {
                    throw SoilMapError.invalidInput(path: item.target, "was not written")
                }
                if flushesToDisk { try Self.flush(item.temporary, target: item.target) }
                // Checked again now: a directory, an input or another job's file may have appeared at the path.
                _ = try Self.checkedTarget(item.target, overwrite: overwrite, inputs: inputs, appearedDuringRun: !item.existed)
            }
            var written: [WrittenFile] = []
            for item in staged {
                var file = WrittenFile(path: item.target, size: 0, sha256: nil)
                if hashesOutputs {
                    let digest = try SHA256.file(atPath: item.temporary)
                    file.size = digest.size
                    file.sha256 = digest.sha256
                } else {
                    file.size = FileIdentity(path: item.temporary)?.size ?? 0
                }
                let sidecar = item.temporary + ".aux.xml"
                let sidecarDigest = hashesOutputs && FileManager.default.fileExists(atPath: sidecar) ? try SHA256.file(atPath: sidecar) : nil
                try Self.place(item, overwrite: overwrite)
                written.append(file)
                // GDAL's sidecar (category names, statistics) is part of the map: listed, and hashed, with it.
                if let sidecarDigest {
                    written.append(WrittenFile(path: item.target + ".aux.xml", size: sidecarDigest.size, sha256: sidecarDigest.sha256))
                }
            }
            let folders = Set(staged.map { OutputTransaction.folder(of: $0.target) })
            if flushesToDisk { for folder in folders { Self.flushFolder(folder) } }
            staged.removeAll()
            removeScratches()
            return written
        } catch {
            rollback()
            if let error = error as? SoilMapError { throw error }
            throw Self.restate(error, target: staged.first?.target ?? "", temporary: staged.first?.temporary ?? "")
        }
    }

    /// Removes every temporary file of this transaction; the user's files are untouched.
    public func rollback() {
        for item in staged { TemporaryFiles.remove(item.temporary) }
        staged.removeAll()
        removeScratches()
        done = true
    }

    private func removeScratches() {
        for scratch in scratches { TemporaryFiles.remove(scratch) }
        scratches.removeAll()
    }

    // MARK: - Rules

    struct Target { var path: String; var exists: Bool }

    /// The folder part of a path ("" for a bare name). Foundation's deletingLastPathComponent traps on a
    /// one-character name (`-o x`), so the split is done here.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The path to write, after the rules: folder exists, not a directory, not an input, not a dangling link,
    /// an existing file only with `overwrite`. A symbolic link to a file is followed (the link stays a link).
    static func checkedTarget(_ path: String, overwrite: Bool, inputs: [(path: String, identity: FileIdentity)],
                              appearedDuringRun: Bool = false) throws -> Target {
        guard !path.isEmpty else { throw SoilMapError.invalidArgument("the output path is empty") }
        var resolved = path
        var linkInfo = stat()
        if lstat(path, &linkInfo) == 0, (linkInfo.st_mode & S_IFMT) == S_IFLNK {
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: path) else {
                throw SoilMapError.invalidInput(path: path, "is a symbolic link that cannot be read")
            }
            let absolute = destination.hasPrefix("/") ? destination
                : (Self.folder(of: path) as NSString).appendingPathComponent(destination)
            var targetInfo = stat()
            guard stat(path, &targetInfo) == 0 else {
                throw SoilMapError.invalidInput(path: path, "is a dangling symbolic link (to \(destination)); remove it or give another name")
            }
            resolved = (absolute as NSString).standardizingPath
        }
        let folder = Self.folder(of: resolved)
        var folderInfo = stat()
        guard stat(folder.isEmpty ? "." : folder, &folderInfo) == 0, (folderInfo.st_mode & S_IFMT) == S_IFDIR else {
            throw SoilMapError.invalidInput(path: path, "the folder \(folder.isEmpty ? "." : folder) does not exist")
        }
        guard access(folder.isEmpty ? "." : folder, W_OK) == 0 else {
            throw SoilMapError.invalidInput(path: path, "the folder \(folder.isEmpty ? "." : folder) is not writable (\(String(cString: strerror(errno))))")
        }
        var info = stat()
        guard stat(resolved, &info) == 0 else { return Target(path: resolved, exists: false) }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw SoilMapError.invalidInput(path: path, "is a directory; give a file name for the output (a directory is never replaced)")
        }
        let identity = FileIdentity(info)
        if let input = inputs.first(where: { $0.identity.sameFile(as: identity) }) {
            let what = input.path == path ? "is also an input" : "is the same file as the input \(input.path)"
            throw SoilMapError.invalidInput(path: path, "\(what); write the output to another path")
        }
        guard overwrite else {
            if appearedDuringRun {
                throw SoilMapError.invalidInput(path: path, "appeared while soilmap was writing it and was kept (use --overwrite to replace it)")
            }
            throw SoilMapError.outputExists(path)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SoilMapError.invalidInput(path: path, "is not a regular file and is never replaced")
        }
        return Target(path: resolved, exists: true)
    }

    /// Renames the temporary file into place: over the old file with `overwrite` (keeping its mode and group),
    /// else as a hard link that fails if the name exists, then the temporary name removed.
    static func place(_ item: Staged, overwrite: Bool) throws {
        let sidecar = item.temporary + ".aux.xml", targetSidecar = item.target + ".aux.xml"
        var old = stat()
        let exists = stat(item.target, &old) == 0
        if exists && overwrite {
            chmod(item.temporary, old.st_mode & 0o7777)
            chown(item.temporary, uid_t.max, old.st_gid)
            guard rename(item.temporary, item.target) == 0 else { throw posixError(item.target, errno) }
        } else if exists {
            throw SoilMapError.invalidInput(path: item.target, "appeared while soilmap was writing it and was kept (use --overwrite to replace it)")
        } else if link(item.temporary, item.target) == 0 {
            unlink(item.temporary)
        } else if errno == EEXIST {
            throw SoilMapError.invalidInput(path: item.target, "appeared while soilmap was writing it and was kept (use --overwrite to replace it)")
        } else {
            // A file system without hard links (FAT, some network shares): rename, checked just before.
            guard rename(item.temporary, item.target) == 0 else { throw posixError(item.target, errno) }
        }
        TemporaryFiles.release(item.temporary)
        if FileManager.default.fileExists(atPath: sidecar) {
            unlink(targetSidecar)
            rename(sidecar, targetSidecar)
        } else if item.rasterSidecar && exists {
            // The old sidecar described the replaced raster (statistics, categories): it would mislead.
            unlink(targetSidecar)
        }
    }

    static func flush(_ path: String, target: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError(target, errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw posixError(target, errno) }
    }

    static func flushFolder(_ folder: String) {
        let descriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    static func posixError(_ path: String, _ number: Int32) -> SoilMapError {
        number == ENOSPC || number == EDQUOT ? .invalidInput(path: path, "no space left on device")
            : .invalidInput(path: path, "cannot be written (\(String(cString: strerror(number))))")
    }

    /// An error raised while writing the temporary file, restated for the user: a full disk says so (GDAL says
    /// "Write error at scanline 4294967295" or "no such table" instead), and the temporary name becomes the
    /// user's path.
    static func restate(_ error: Error, target: String, temporary: String) -> Error {
        if case SoilMapError.outputExists = error { return error }
        let folder = OutputTransaction.folder(of: target)
        var fs = statvfs()
        if statvfs(folder.isEmpty ? "." : folder, &fs) == 0, UInt64(fs.f_bavail) * UInt64(fs.f_frsize) < 1 << 20 {
            return SoilMapError.invalidInput(path: target, "no space left on device")
        }
        let text = "\(error)"
        guard !temporary.isEmpty, text.contains(temporary) || text.contains((temporary as NSString).lastPathComponent) else { return error }
        let restated = text.replacingOccurrences(of: temporary, with: target)
            .replacingOccurrences(of: (temporary as NSString).lastPathComponent, with: (target as NSString).lastPathComponent)
        let prefix = target + ": "
        return SoilMapError.invalidInput(path: target, restated.hasPrefix(prefix) ? String(restated.dropFirst(prefix.count)) : restated)
    }
}

/// A file's identity on disk: device and inode (the same file through any link or path), and its size.
public struct FileIdentity: Sendable, Hashable, Codable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var modified: Int64
    public var modifiedNanoseconds: Int64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
    }

    /// The identity of the file at `path` (links followed), nil when there is none.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }

    func sameFile(as other: FileIdentity) -> Bool { device == other.device && inode == other.inode }
}
