import Foundation
import Synchronization
import Testing
@testable import SoilMap

@Suite struct SharedBlockCacheTests {
    private struct Failure: Error {}

    /// Four threads asking for eight blocks over and over: each block is decoded exactly once, and every reader
    /// sees the block's own bytes, never a half-decoded one.
    @Test func eachBlockIsDecodedOnceWhateverTheThreads() throws {
        let cache = SharedBlockCache(budgetBytes: 8 * 4096)
        let decodes = Mutex(0), wrongReads = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for step in 0..<400 {
                let block = (step * 7 + thread) % 8
                let seen = try? cache.withBlock(.init(input: 0, column: block, row: 0), byteCount: 4096, decode: { bytes in
                    decodes.withLock { $0 += 1 }
                    usleep(200)  // a slow decode, so that others wait for it
                    bytes.initializeMemory(as: UInt8.self, repeating: UInt8(block), count: 4096)
                }, use: { bytes in
                    (0..<4096).allSatisfy { bytes.load(fromByteOffset: $0, as: UInt8.self) == UInt8(block) }
                })
                if seen != true { wrongReads.withLock { $0 += 1 } }
            }
        }
        #expect(decodes.withLock { $0 } == 8)
        #expect(wrongReads.withLock { $0 } == 0)
    }

    @Test func leastRecentlyUsedBlocksMakeRoom() throws {
        let cache = SharedBlockCache(budgetBytes: 2 * 100)
        var decoded: [Int] = []
        func touch(_ block: Int) throws {
            try cache.withBlock(.init(input: 1, column: block, row: 0), byteCount: 100, decode: { _ in decoded.append(block) }, use: { _ in })
        }
        for block in [0, 1, 0, 2, 0, 1] { try touch(block) }
        // 2 pushes out 1 (0 was used since), and 1 pushes out 2.
        #expect(decoded == [0, 1, 2, 1])
    }

    @Test func aFailedDecodeIsNotKept() throws {
        let cache = SharedBlockCache(budgetBytes: 1 << 20)
        let key = SharedBlockCache.Key(input: 0, column: 3, row: 4)
        #expect(throws: Failure.self) {
            try cache.withBlock(key, byteCount: 8, decode: { _ in throw Failure() }, use: { _ in })
        }
        let value = try cache.withBlock(key, byteCount: 8, decode: { $0.storeBytes(of: 42, as: Int.self) }, use: { $0.load(as: Int.self) })
        #expect(value == 42)
    }
}
