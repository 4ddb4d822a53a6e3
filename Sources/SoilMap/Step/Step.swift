import Foundation

/// A unit of work with declared inputs and outputs and serialisable parameters: what a CLI command runs and
/// what a pipeline is made of. A command and a pipeline step of the same kind are the same call.
public protocol Step: Sendable {
    associatedtype Parameters: StepParameters
    associatedtype Result: Sendable

    /// The pipeline's name for this kind of step ("index", "classify", ...), also the CLI command's name.
    static var kind: String { get }

    var parameters: Parameters { get }

    init(_ parameters: Parameters)

    /// Does the work, writing every output through `transaction` (not committed here: the caller commits, so
    /// several outputs, or several steps, succeed or fail together). Warnings go to `context.diagnostics`.
    func run(in context: RunContext, transaction: OutputTransaction) throws -> Result
}

/// A step's parameters: Codable (pipeline YAML, manifests), Hashable (cache keys), with the files they name.
public protocol StepParameters: Codable, Hashable, Sendable {
    /// The keys a pipeline may give, as they appear in YAML (for "unknown key" and "did you mean").
    static var keys: [String] { get }
    /// Files the step reads.
    var inputPaths: [String] { get }
    /// Files the step writes.
    var outputPaths: [String] { get }
    /// The bands of `path` the step reads: nil when it may read any (the default for an input), [] when `path` is
    /// not an input. A shard writes only these bands of its scratch maps.
    func bandsRead(from path: String) -> Set<Int>?
    /// The same parameters with every path (inputs and outputs) passed through `transform`: a pipeline places
    /// outputs in its run directory, `verify` recomputes them in a scratch directory.
    func mappingPaths(_ transform: (String) -> String) -> Self
    /// Defaults filled in, everything a run depends on made explicit (what a manifest records).
    func resolved() throws -> Self
    /// Checks before a run (`soilmap validate`): the parameters, and what can be checked cheaply of the inputs
    /// that exist (fields of a zones layer, band numbers, overlap).
    func validate() throws
}

extension Step {
    /// Runs in a transaction of its own and commits it: what a command does.
    @discardableResult
    public func run(in context: RunContext) throws -> (result: Result, written: [WrittenFile]) {
        let transaction = OutputTransaction(overwrite: context.overwrite, inputs: parameters.inputPaths, hashesOutputs: context.hashesOutputs)
        let result = try run(in: context, transaction: transaction)
        return (result, try transaction.commit())
    }
}

/// What a step runs with: the thread and GDAL-cache budget, progress, a sink for warnings, the overwrite policy.
/// No step changes a process-wide setting behind another's back: the GDAL cache is set by whoever owns the
/// process (a command, or the pipeline runner once for the whole run).
public struct RunContext: Sendable {
    public var threads: Int
    /// Pixels per tile side; nil: the engine's default for the inputs.
    public var tileSize: Int?
    /// GDAL's block cache for the step; nil: sized from the inputs. Ignored when `ownsGDALCache` is false.
    public var gdalCacheBytes: Int?
    /// False under the pipeline runner, which sizes GDAL's cache once for steps running side by side.
    public var ownsGDALCache: Bool
    public var overwrite: Bool
    /// Compute the SHA-256 of each output as it is committed (manifests).
    public var hashesOutputs: Bool
    /// Fraction done, 0...1, called from the step's thread.
    public var progress: (@Sendable (Double) -> Void)?
    public var diagnostics: Diagnostics
    /// Set by the pipeline runner in a sharded run or a merge (see `EngineOptions.shard`).
    public var shard: StepShard?

    public init(threads: Int = EngineOptions.defaultThreads, tileSize: Int? = nil, gdalCacheBytes: Int? = nil,
                ownsGDALCache: Bool = true, overwrite: Bool = false, hashesOutputs: Bool = false,
                progress: (@Sendable (Double) -> Void)? = nil, diagnostics: Diagnostics = Diagnostics()) {
        self.threads = threads
        self.tileSize = tileSize
        self.gdalCacheBytes = gdalCacheBytes
        self.ownsGDALCache = ownsGDALCache
        self.overwrite = overwrite
        self.hashesOutputs = hashesOutputs
        self.progress = progress
        self.diagnostics = diagnostics
    }

    /// The engine's options for this context.
    public var engine: EngineOptions {
        var options = EngineOptions(threads: threads, tileSize: tileSize, progress: progress, gdalCacheBytes: gdalCacheBytes)
        options.ownsGDALCache = ownsGDALCache
        options.shard = shard
        return options
    }
}

/// Warnings of a run, in the order they were raised; each also goes to `onWarning` as it comes (a terminal, a
/// JSON log). Thread-safe: steps running side by side share one.
public final class Diagnostics: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    private let onWarning: (@Sendable (String) -> Void)?

    public init(onWarning: (@Sendable (String) -> Void)? = nil) { self.onWarning = onWarning }

    public func warn(_ message: String) {
        lock.lock()
        stored.append(message)
        lock.unlock()
        onWarning?(message)
    }

    public var warnings: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
