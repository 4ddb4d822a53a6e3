import Digest
import Foundation

/// `soilmap verify RUN_DIR`: every output of a run recomputed from its manifest, in a scratch directory, and
/// compared byte for byte (SHA-256) with what the run recorded. Each step is recomputed from the files it read
/// in the run (inputs of the pipeline, checked unchanged first, and the run's own earlier outputs), so each
/// output is checked on its own.
public enum RunVerifier {
    public struct OutputCheck: Sendable {
        public var step: String
        /// As recorded (relative to the run directory).
        public var path: String
        public var recorded: String
        public var recomputed: String
        public var identical: Bool { recorded == recomputed }
    }

    public static func verify(runDirectory given: String, threads: Int, onStep: (String) -> Void = { _ in }) throws -> [OutputCheck] {
        // Paths inside the outputs (a class map names the raster it was classified from) were absolute in the run.
        let runDirectory = PipelineParser.absolute(given)
        let (manifest, manifestPath, _) = try RunManifest.load(runDirectory: runDirectory)
        guard manifest.status == "succeeded" else {
            throw SoilMapError.invalidInput(path: manifestPath, "records a run that did not finish (\(manifest.status)); run it again first")
        }
        // Inputs first: a changed input explains every difference downstream, so it is the error.
        for input in manifest.inputs {
            let current: (sha256: String, size: Int64)
            do { current = try SHA256.file(atPath: input.path) } catch {
                throw SoilMapError.invalidInput(path: input.path, "input of the run is missing or unreadable (\(error))")
            }
            guard current.sha256 == input.sha256 else {
                throw SoilMapError.invalidInput(path: input.path, "input changed since the run (SHA-256 \(current.sha256.prefix(12))…, recorded \(input.sha256.prefix(12))…)")
            }
        }
        let scratch = (runDirectory as NSString).appendingPathComponent(".soilmap/verify-\(getpid())")
        try? FileManager.default.removeItem(atPath: scratch)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var checks: [OutputCheck] = []
        for record in manifest.steps {
            onStep(record.name)
            guard let kind = AnyStep.kinds[record.kind] else {
                throw SoilMapError.invalidInput(path: manifestPath, "step '\(record.name)' is of a kind this soilmap does not know (\(record.kind))")
            }
            let outputs = Set(record.outputs.map(\.path))
            let step = try kind.make(record.parameters).mappingPaths { path in
                if path.hasPrefix("/") { return path }
                return ((outputs.contains(path) ? scratch : runDirectory) as NSString).appendingPathComponent(path)
            }
            for output in record.outputs where !output.path.hasPrefix("/") {
                let folder = ((scratch as NSString).appendingPathComponent(output.path) as NSString).deletingLastPathComponent
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            let context = RunContext(threads: threads, hashesOutputs: true)
            let transaction = OutputTransaction(overwrite: false, inputs: step.inputPaths, hashesOutputs: true)
            try step.run(in: context, transaction: transaction)
            let written = try transaction.commit()
            for output in record.outputs {
                let recomputed = written.first { $0.path.hasSuffix("/" + output.path) || $0.path == output.path }?.sha256 ?? "(not written)"
                checks.append(OutputCheck(step: record.name, path: output.path, recorded: output.sha256, recomputed: recomputed))
            }
        }
        return checks
    }
}
