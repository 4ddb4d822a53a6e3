import Digest
import Foundation

/// What a sharded run or a merge knows across its steps. Computing (`soilmap run --shard I/N`): which shard it
/// is, where its parts go, the parts written so far, and which rows of each map it produced are real (the
/// others are zeros). Assembling (`soilmap merge`): every shard's parts, found by step and call.
public final class ShardSession: @unchecked Sendable {
    public enum Mode: Sendable {
        case compute(ShardSpec)
        case assemble(count: Int)
    }

    public let mode: Mode
    /// Computing: the shard's folder. Assembling: the `.shards` folder.
    public let directory: String
    /// Computing: for each scratch map (standardised path), the bands later steps of the shard read; nil, or a
    /// map not listed: every band. The other bands are not written (the merge never reads scratch maps).
    private let scratchBandsRead: [String: Set<Int>?]
    private let lock = NSLock()
    private var written: [ShardPart] = []
    /// Computing: maps this shard wrote, by path, with the rows that hold computed values.
    private var validRows: [String: Range<Int>] = [:]
    /// Assembling: each shard's parts (shard index, its folder, the part), by key.
    private var available: [String: [(shard: Int, folder: String, part: ShardPart)]] = [:]
    private var used = Set<String>()

    /// A shard's session: its parts are written under `directory/parts`.
    public init(computing spec: ShardSpec, directory: String, scratchBandsRead: [String: Set<Int>?] = [:]) {
        mode = .compute(spec)
        self.directory = directory
        self.scratchBandsRead = Dictionary(uniqueKeysWithValues: scratchBandsRead.map { (Self.standard($0.key), $0.value) })
    }

    /// The merge's session over shards `manifests` (in shard order), each in `folders[i]`.
    public init(assembling manifests: [ShardManifest], folders: [String], directory: String) {
        mode = .assemble(count: manifests.count)
        self.directory = directory
        scratchBandsRead = [:]
        for (index, manifest) in manifests.enumerated() {
            for part in manifest.parts { available[part.key, default: []].append((index, folders[index], part)) }
        }
    }

    public var spec: ShardSpec? { if case .compute(let spec) = mode { return spec } else { return nil } }
    var shardCount: Int {
        switch mode {
        case .compute(let spec): return spec.count
        case .assemble(let count): return count
        }
    }

    public func step(_ name: String) -> StepShard { StepShard(session: self, step: name) }

    public var parts: [ShardPart] {
        lock.lock()
        defer { lock.unlock() }
        return written
    }

    func record(_ part: ShardPart) {
        lock.lock()
        written.append(part)
        lock.unlock()
    }

    /// Computing: the step's outputs hold real values in `rows` (nil: the step made no engine run; its
    /// outputs are not maps this shard can read piece by piece).
    func produced(_ paths: [String], rows: Range<Int>?) {
        lock.lock()
        for path in paths { validRows[Self.standard(path)] = rows ?? 0..<0 }
        lock.unlock()
    }

    /// Computing: the bands (1-based, in order) of the `bandCount` bands of scratch map `path` that later steps
    /// of this shard read.
    func scratchBands(of path: String, bandCount: Int) -> [Int] {
        guard let entry = scratchBandsRead[Self.standard(path)], let bands = entry else { return Array(1...max(1, bandCount)) }
        return bands.filter { (1...bandCount).contains($0) }.sorted()
    }

    /// Computing: the rows of `path` that hold real values; nil for a file no step of this shard wrote (an input
    /// of the run: all of it is real).
    func validRows(of path: String) -> Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        return validRows[Self.standard(path)]
    }

    /// Assembling: the parts of one run of a step, one per shard, marked used; nil when no shard stored it (the
    /// run is computed here).
    func take(_ key: String) -> [(shard: Int, folder: String, part: ShardPart)]? {
        lock.lock()
        defer { lock.unlock() }
        guard let parts = available[key] else { return nil }
        used.insert(key)
        return parts
    }

    /// Assembling: parts that no run of the merge asked for (the pipeline changed between the shards and the merge).
    public var unusedParts: [String] {
        lock.lock()
        defer { lock.unlock() }
        return available.keys.filter { !used.contains($0) }.sorted()
    }

    static func standard(_ path: String) -> String { (path as NSString).standardizingPath }
}

/// One step's view of the session: numbers the step's engine and zonal runs, and keeps the rows its maps hold.
public final class StepShard: @unchecked Sendable {
    let session: ShardSession
    public let step: String
    private let lock = NSLock()
    private var calls = 0
    private var rows: Range<Int>?
    private var rowsConsistent = true

    init(session: ShardSession, step: String) {
        self.session = session
        self.step = step
    }

    public var isComputing: Bool { session.spec != nil }

    /// For a step that derives something from a whole map before computing tiles (breaks from the data, a
    /// global statistic): in a shard, the step is left to the merge, which runs it on the assembled maps.
    public func requireWholeInputs(_ reason: String) throws {
        if isComputing { throw ShardDeferral(reason: reason) }
    }

    func nextCall() -> Int {
        lock.lock()
        defer { lock.unlock() }
        calls += 1
        return calls - 1
    }

    /// The rows the step's maps hold (the intersection over its engine runs).
    func noteRows(_ owned: Range<Int>) {
        lock.lock()
        if let previous = rows {
            let lower = max(previous.lowerBound, owned.lowerBound)
            rows = lower..<max(lower, min(previous.upperBound, owned.upperBound))
        } else {
            rows = owned
        }
        lock.unlock()
    }

    var producedRows: Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        return rows
    }

    /// Tallies a step's kernels gather beside its map (counts and extremes, such as what the reflectance range
    /// check sees), as bytes. In a shard: stored as a part; returns nil. In the merge: the shards' stored tallies, in
    /// shard order, for the step to add to its own (its kernels did not see the shards' tiles); nil when no shard
    /// stored any (the step was left to the merge, whose kernels saw every tile).
    public func exchangeTallies(_ bytes: [UInt8]) throws -> [[UInt8]]? {
        let call = nextCall()
        switch session.mode {
        case .compute:
            try writePart(call: call, kind: .tallies, describe: { _ in }) { sink in try sink.write(bytes) }
            return nil
        case .assemble(let count):
            guard let parts = session.take("\(step)#\(call)") else { return nil }
            guard parts.count == count else {
                throw SoilMapError.invalidInput(path: session.directory, "step '\(step)': \(parts.count) of \(count) shards stored its tallies")
            }
            return try parts.sorted { $0.shard < $1.shard }.map { _, folder, part in
                let source = try ShardPartSource(folder: folder, part: part)
                guard part.kind == .tallies else {
                    throw SoilMapError.invalidInput(path: source.path, "step '\(step)': a \(part.kind.rawValue) part where the merge expects tallies (run the shards again)")
                }
                let data = try source.read(count: Int(part.size))
                try source.finish()
                return [UInt8](data)
            }
        }
    }

    /// Where a part of this step's run `call` goes in a computing shard.
    func partPath(call: Int, kind: ShardPart.Kind) -> (relative: String, absolute: String) {
        let safe = step.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        let relative = "parts/\(String(safe))-\(call).\(kind.rawValue)"
        return (relative, (session.directory as NSString).appendingPathComponent(relative))
    }

    /// Writes a part with `body` (given a sink that hashes what it writes), then records it.
    func writePart(call: Int, kind: ShardPart.Kind, describe: (inout ShardPart) -> Void,
                   _ body: (ShardPartSink) throws -> Void) throws {
        let (relative, path) = partPath(call: call, kind: kind)
        try FileManager.default.createDirectory(atPath: OutputTransaction.folder(of: path), withIntermediateDirectories: true)
        let transaction = OutputTransaction(overwrite: true)
        let digest = try transaction.write(path) { temporary -> (String, Int64) in
            let sink = try ShardPartSink(path: temporary)
            try body(sink)
            return try sink.finish()
        }
        try transaction.commit()
        var part = ShardPart(step: step, call: call, kind: kind, file: relative, size: digest.1, xxh128: digest.0, width: 0, height: 0,
                             tileSize: 0, bands: 0, first: 0, end: 0, strips: nil)
        describe(&part)
        session.record(part)
    }
}

/// A part file being written: small pieces buffered, large ones (a tile's band) written straight from the
/// caller's memory, everything hashed as it goes.
final class ShardPartSink {
    private let handle: FileHandle
    private let path: String
    private let digest = XXH128()
    private var buffer: [UInt8] = []
    private var size: Int64 = 0
    private static let bufferSize = 1 << 20

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw SoilMapError.invalidInput(path: path, "cannot create the shard part")
        }
        self.handle = handle
        self.path = path
        buffer.reserveCapacity(Self.bufferSize)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if bytes.count >= Self.bufferSize / 4 {
            // Copying a band into the buffer first would cost a pass over memory for nothing.
            try flush()
            try writeThrough(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferSize { try flush() }
    }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeThrough($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeThrough(_ bytes: UnsafeRawBufferPointer) throws {
        digest.update(bytes)
        size += Int64(bytes.count)
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(handle.fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SoilMapError.invalidInput(path: path, "cannot write the shard part (\(String(cString: strerror(errno))))")
            }
            offset += written
        }
    }

    func finish() throws -> (String, Int64) {
        try flush()
        try handle.synchronize()
        try handle.close()
        return (digest.finalizeHex(), size)
    }
}

/// Reads a stored part back in order (the merge checked its checksum before starting), straight into the
/// caller's memory; a part shorter or longer than its tiles is an error naming the file, never silently wrong
/// tiles.
final class ShardPartSource {
    private let handle: FileHandle
    let path: String
    private let expected: ShardPart
    private var read: Int64 = 0

    init(folder: String, part: ShardPart) throws {
        path = (folder as NSString).appendingPathComponent(part.file)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SoilMapError.invalidInput(path: path, "shard part missing")
        }
        self.handle = handle
        expected = part
    }

    deinit { try? handle.close() }

    /// Fills `target` with the next `count` bytes of the part.
    func read(into target: UnsafeMutableRawPointer, count: Int) throws {
        var offset = 0
        while offset < count {
            let got = Glibc.read(handle.fileDescriptor, target + offset, count - offset)
            if got < 0 {
                if errno == EINTR { continue }
                throw SoilMapError.invalidInput(path: path, "cannot read the shard part (\(String(cString: strerror(errno))))")
            }
            if got == 0 { break }
            offset += got
        }
        read += Int64(offset)
        guard offset == count else { throw SoilMapError.invalidInput(path: path, "shard part ends early (\(read) of \(expected.size) bytes)") }
    }

    func read(count: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(into: buffer.baseAddress!, count: count)
            initialized = count
        }
    }

    /// Everything was read.
    func finish() throws {
        guard read == expected.size else {
            throw SoilMapError.invalidInput(path: path, "shard part holds \(expected.size) bytes, its tiles \(read): re-run that shard")
        }
    }
}
