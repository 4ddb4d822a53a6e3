import Foundation

/// Decoded blocks of the inputs whose blocks hold several tiles (Sentinel-2 COGs' 1024 blocks under 512 tiles),
/// shared by the engine's workers. Each worker has its own GDAL handles, so GDAL's cache would decode such a block
/// once per worker that touches it, and again whenever it was dropped: with 1024 blocks under 512 tiles, an NDVI
/// took twice the CPU. Here each block is decoded once, by the first worker that needs it, while the others
/// wait for it, and kept until the least recently used blocks must make room.
///
/// A block in use is pinned and never dropped; the cache may briefly hold more than its budget while every block
/// is pinned.
final class SharedBlockCache: @unchecked Sendable {
    struct Key: Hashable {
        var input: Int
        var column: Int
        var row: Int
    }

    private final class Entry {
        let bytes: UnsafeMutableRawPointer
        let byteCount: Int
        var ready = false
        var failed = false
        var pins = 0
        var lastUse = 0

        init(bytes: UnsafeMutableRawPointer, byteCount: Int) {
            self.bytes = bytes
            self.byteCount = byteCount
        }
    }

    private let condition = NSCondition()
    private var entries: [Key: Entry] = [:]
    /// Buffers of dropped blocks, by size, reused for the next blocks: a fresh 2 MB allocation is a fresh mapping
    /// whose pages the kernel must zero, which cost more system time than the decoding saved.
    private var spareBuffers: [Int: [UnsafeMutableRawPointer]] = [:]
    private var clock = 0
    private var heldBytes = 0
    private let budgetBytes: Int

    init(budgetBytes: Int) { self.budgetBytes = budgetBytes }

    deinit {
        for entry in entries.values { entry.bytes.deallocate() }
        for buffers in spareBuffers.values { for buffer in buffers { buffer.deallocate() } }
    }

    /// Called with the lock held.
    private func buffer(byteCount: Int) -> UnsafeMutableRawPointer {
        spareBuffers[byteCount]?.popLast() ?? .allocate(byteCount: byteCount, alignment: 64)
    }

    /// Calls `use` with the block `key` (`byteCount` bytes), decoding it first with `decode` if no worker has.
    /// An error from `decode` is thrown to the worker that ran it; a worker waiting for that block decodes it
    /// itself and gets the same error.
    func withBlock<R>(_ key: Key, byteCount: Int, decode: (UnsafeMutableRawPointer) throws -> Void,
                      use: (UnsafeRawPointer) throws -> R) throws -> R {
        let entry = try pinnedEntry(key, byteCount: byteCount, decode: decode)
        defer {
            condition.lock()
            entry.pins -= 1
            condition.unlock()
        }
        return try use(UnsafeRawPointer(entry.bytes))
    }

    private func pinnedEntry(_ key: Key, byteCount: Int, decode: (UnsafeMutableRawPointer) throws -> Void) throws -> Entry {
        condition.lock()
        while true {
            clock += 1
            if let entry = entries[key] {
                entry.pins += 1
                entry.lastUse = clock
                while !entry.ready && !entry.failed { condition.wait() }
                if entry.ready {
                    condition.unlock()
                    return entry
                }
                entry.pins -= 1  // the decoder failed and removed it: try again, decoding it here
                continue
            }
            let entry = Entry(bytes: buffer(byteCount: byteCount), byteCount: byteCount)
            entry.pins = 1
            entry.lastUse = clock
            entries[key] = entry
            heldBytes += byteCount
            dropLeastRecentlyUsed()
            condition.unlock()
            do {
                try decode(entry.bytes)
            } catch {
                condition.lock()
                entry.failed = true
                entries[key] = nil
                heldBytes -= byteCount
                spareBuffers[byteCount, default: []].append(entry.bytes)
                condition.broadcast()
                condition.unlock()
                throw error
            }
            condition.lock()
            entry.ready = true
            condition.broadcast()
            condition.unlock()
            return entry
        }
    }

    /// Called with the lock held.
    private func dropLeastRecentlyUsed() {
        while heldBytes > budgetBytes {
            guard let (key, entry) = entries.filter({ $0.value.pins == 0 && $0.value.ready }).min(by: { $0.value.lastUse < $1.value.lastUse })
            else { return }
            entries[key] = nil
            heldBytes -= entry.byteCount
            spareBuffers[entry.byteCount, default: []].append(entry.bytes)
        }
    }
}
