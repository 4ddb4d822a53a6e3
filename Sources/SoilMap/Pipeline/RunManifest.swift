import GDAL
import Foundation

/// `manifest.json` of a run directory: everything needed to explain the run and to prove its outputs later
/// (`soilmap verify`): the pipeline and its resolved variables, every input with its SHA-256, every step's fully
/// resolved parameters, the software versions, timings, and every output's size and SHA-256.
public struct RunManifest: Codable, Sendable, Equatable {
    public var formatVersion = 1
    /// The pipeline file as given, and its SHA-256.
    public var pipeline: String
    public var pipelineSHA256: String
    /// Variables after `--set`, defaults, environment and `${date}`.
    public var variables: [String: String]
    /// ISO 8601, UTC.
    public var startedAt: String
    public var finishedAt: String
    public var software: Provenance
    /// Threads the run was given (outputs do not depend on it).
    public var threads: Int
    /// Every file the steps read that no step wrote, in first-use order.
    public var inputs: [FileRecord]
    /// In the order they ran (a topological order of the step graph).
    public var steps: [StepRecord]
    /// "succeeded", or "failed" with the failing step in `error`.
    public var status: String
    public var error: String?

    public init(pipeline: String, pipelineSHA256: String, variables: [String: String], startedAt: String, finishedAt: String,
                software: Provenance, threads: Int, inputs: [FileRecord], steps: [StepRecord], status: String, error: String? = nil) {
        self.pipeline = pipeline
        self.pipelineSHA256 = pipelineSHA256
        self.variables = variables
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.software = software
        self.threads = threads
        self.inputs = inputs
        self.steps = steps
        self.status = status
        self.error = error
    }
}

/// A file by content: path (relative to the run directory for outputs, as given for inputs), size and SHA-256.
public struct FileRecord: Codable, Sendable, Hashable {
    public var path: String
    public var size: Int64
    public var sha256: String

    public init(path: String, size: Int64, sha256: String) {
        self.path = path
        self.size = size
        self.sha256 = sha256
    }
}

/// One step of a run.
public struct StepRecord: Codable, Sendable, Equatable {
    public var name: String
    /// "index", "classify", "combine", "zonal", ...
    public var kind: String
    /// The step's parameters, fully resolved (variables substituted, references replaced by paths, defaults
    /// filled), exactly as the step ran with them.
    public var parameters: JSONValue
    /// Paths the step read (inputs of the pipeline or outputs of earlier steps).
    public var inputs: [String]
    /// What the step wrote; for a reused step, the outputs it had written in the run that computed them.
    public var outputs: [FileRecord]
    /// "computed", or "reused" when its inputs and parameters were unchanged since the last run.
    public var status: String
    /// SHA-256 over the step's kind, parameters and input hashes: equal keys mean equal outputs.
    public var cacheKey: String
    public var seconds: Double
    public var warnings: [String]

    public init(name: String, kind: String, parameters: JSONValue, inputs: [String], outputs: [FileRecord], status: String,
                cacheKey: String, seconds: Double, warnings: [String]) {
        self.name = name
        self.kind = kind
        self.parameters = parameters
        self.inputs = inputs
        self.outputs = outputs
        self.status = status
        self.cacheKey = cacheKey
        self.seconds = seconds
        self.warnings = warnings
    }
}

/// Which software made a result.
public struct Provenance: Codable, Sendable, Equatable {
    public var soilmap: String
    /// The git commit soilmap was built from, when known at build time.
    public var commit: String?
    public var gdal: String
    public var proj: String

    public init(soilmap: String, commit: String?, gdal: String, proj: String) {
        self.soilmap = soilmap
        self.commit = commit
        self.gdal = gdal
        self.proj = proj
    }
}

/// Any JSON value, for parameters whose shape depends on the step kind. Objects encode with sorted keys when the
/// encoder sorts them, so a value's encoding is stable (cache keys are computed from it).
public enum JSONValue: Codable, Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Any Encodable value as JSON (through JSONEncoder, so the value's own coding keys are used).
    public init<T: Encodable>(encoding value: T) throws {
        let data = try JSONEncoder().encode(value)
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

extension Provenance {
    /// This build of soilmap, and the GDAL and PROJ it runs with.
    public static var current: Provenance {
        Provenance(soilmap: SoilMapVersion.string, commit: SoilMapVersion.commit, gdal: GDALRuntime.gdalVersion, proj: GDALRuntime.projVersion)
    }
}

extension RunManifest {
    /// The manifest of a run directory, its path and its bytes; an error naming the file when it is missing or not
    /// a manifest.
    static func load(runDirectory: String) throws -> (manifest: RunManifest, path: String, bytes: Data) {
        let path = (runDirectory as NSString).appendingPathComponent(PipelineRunner.manifestName)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SoilMapError.invalidInput(path: path, "no such file: is \(runDirectory) a soilmap run directory?")
        }
        do { return (try JSONDecoder().decode(RunManifest.self, from: data), path, data) } catch {
            throw SoilMapError.invalidInput(path: path, "is not a soilmap manifest (\(error))")
        }
    }
}
