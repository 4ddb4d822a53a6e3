import Foundation

/// A fresh temporary directory, removed when the value is released.
public final class TemporaryDirectory {
    public let url: URL

    public init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("soilmap-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    public var files: [String] { (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] }
}

public struct ProcessResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs a program and returns its exit status and output (the bounded runner below, with a limit no test reaches).
@discardableResult
public func run(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
    let result: BoundedProcessResult = try run(executable, arguments, timeout: .seconds(900))
    return ProcessResult(status: result.status, stdout: result.stdout, stderr: result.stderr)
}

/// How a run with a time limit ended.
public struct BoundedProcessResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// The signal that ended the process: a crash (SIGSEGV, SIGABRT, a Swift trap's SIGILL or SIGTRAP) or, with
    /// `timedOut`, the SIGKILL sent at the time limit. Nil when it exited.
    public var signal: Int32?
    /// Killed for running past the time limit.
    public var timedOut: Bool
}

/// Runs a program and returns how it ended, killing it (SIGKILL) if it runs longer than `timeout`: a hang fails the
/// test that caused it instead of blocking the whole run.
public func run(_ executable: String, _ arguments: [String], timeout: Duration) throws -> BoundedProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    try process.run()
    // Both pipes are drained while the child runs, so a large output cannot block it.
    final class Output: @unchecked Sendable { var data = Data() }
    let stdout = Output(), stderr = Output()
    let readers = DispatchGroup()
    for (pipe, output) in [(out, stdout), (err, stderr)] {
        DispatchQueue.global().async(group: readers) { output.data = pipe.fileHandleForReading.readDataToEndOfFile() }
    }
    let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
    let timedOut = exited.wait(timeout: .now() + seconds) == .timedOut
    if timedOut {
        kill(process.processIdentifier, SIGKILL)
        exited.wait()
    }
    readers.wait()
    // Closed now, not at some later deinit: a test process runs soilmap thousands of times, and with hundreds of
    // pipe descriptors open, Foundation's Process.run (swift-corelibs-foundation 6.3, findMaximumOpenFromProcSelfFD)
    // over-reads a /proc/self/fd entry and crashes now and then (swiftlang/swift-corelibs-foundation#5472).
    for pipe in [out, err] { try? pipe.fileHandleForReading.close() }
    let signalled = process.terminationReason == .uncaughtSignal
    return BoundedProcessResult(status: process.terminationStatus, stdout: String(decoding: stdout.data, as: UTF8.self),
                                stderr: String(decoding: stderr.data, as: UTF8.self),
                                signal: signalled ? process.terminationStatus : nil, timedOut: timedOut)
}
