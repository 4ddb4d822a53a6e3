import Foundation
import Testing
import GDAL

/// Damaged inputs, in the style of GDAL's autotest: each input format the commands read, truncated at several
/// offsets and with a byte flipped at several places, through every command that reads it.
///
/// Each run must end in one of two ways:
/// - a one-line error on stderr naming the damaged file, exit status 1, and nothing left in the output folder
///   (no output, no hidden temporary file) nor written beside the inputs;
/// - success, with a correct result: for a truncated file, the same result as from the intact file (for info of a
///   truncated GeoTIFF, the truncation reported); for a flipped byte, which may legitimately change a value or a
///   name, an output that reads back with the reference's shape (size and bands, or the table's header).
/// Never a crash (a signal: a segfault, an abort, a Swift trap) and never a hang (killed after 60 s).
@Suite struct CorruptInputTests {
    /// One damaged file: its format, which commands read it, and how to damage it.
    enum Input: String, CaseIterable {
        case tiledGeoTIFF, stripedGeoTIFF, landsatSample
        case shapefileSHP, shapefileSHX, shapefileDBF, geoPackage, geoJSON
        case yamlScheme

        /// The file damaged, in the intact fixtures.
        var fileName: String {
            switch self {
            case .tiledGeoTIFF: return "tiled.tif"
            case .stripedGeoTIFF: return "striped.tif"
            case .landsatSample: return "L7_ETMs.tif"
            case .shapefileSHP: return "zones.shp"
            case .shapefileSHX: return "zones.shx"
            case .shapefileDBF: return "zones.dbf"
            case .geoPackage: return "zones.gpkg"
            case .geoJSON: return "zones.geojson"
            case .yamlScheme: return "scheme.yaml"
            }
        }

        /// The files that go with it (copied intact beside the damaged one).
        var companions: [String] {
            switch self {
            case .shapefileSHP, .shapefileSHX, .shapefileDBF:
                return ["zones.shp", "zones.shx", "zones.dbf", "zones.prj"].filter { $0 != fileName }
            default: return []
            }
        }

        /// The path given on the command line (a shapefile is named by its .shp whichever part is damaged).
        var argumentName: String { companions.isEmpty ? fileName : "zones.shp" }

        var isGeoTIFF: Bool { [.tiledGeoTIFF, .stripedGeoTIFF, .landsatSample].contains(self) }
    }

    enum Damage: Hashable, CustomStringConvertible {
        case truncated(keeping: Int)
        case flipped(at: Int)

        var description: String {
            switch self {
            case .truncated(let bytes): return "truncated to \(bytes) bytes"
            case .flipped(let offset): return "byte \(offset) flipped"
            }
        }

        /// Cut at the start, in the header, just past a header, in the middle and at the last byte; a byte flipped
        /// in the header, near its end, past the middle and at the end.
        static func all(size: Int) -> [Damage] {
            let cuts = [0, 8, 120, size / 2, size - 1].filter { $0 < size }
            let flips = [4, 40, size / 2 + 7, size - 2].filter { $0 >= 0 && $0 < size }
            var seen = Set<Damage>()
            return (cuts.map(Damage.truncated) + flips.map(Damage.flipped)).filter { seen.insert($0).inserted }
        }

        func apply(to bytes: Data) -> Data {
            switch self {
            case .truncated(let count): return bytes.prefix(count)
            case .flipped(let offset):
                var copy = bytes
                copy[copy.startIndex + offset] ^= 0xFF
                return copy
            }
        }
    }

    /// What a command writes, and how its result is compared.
    enum Output {
        case none, raster(String), table(String)
    }

    struct Command {
        var name: String
        var arguments: [String]
        var output: Output
        /// Where it writes: a folder of its own, so what a failure leaves behind is seen.
        var folder: String
    }

    /// The small intact inputs, made from the samples: a 64 x 64 window of the Landsat stack (tiled DEFLATE with the
    /// horizontal predictor, one plane per band; and striped, uncompressed, pixel-interleaved), the sample itself,
    /// the 12 tracts over the window (shapefile, GeoPackage, GeoJSON), NDVI of the window and the sample scheme.
    final class Fixtures {
        let directory = TemporaryDirectory()

        init() throws {
            let window = ["-srcwin", "150", "150", "64", "64"]
            try Self.tool("gdal_translate", ["-q"] + window + ["-co", "TILED=YES", "-co", "BLOCKXSIZE=32", "-co", "BLOCKYSIZE=32",
                                                               "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=2", "-co", "INTERLEAVE=BAND",
                                                               Repository.landsat, path("tiled.tif")])
            try Self.tool("gdal_translate", ["-q"] + window + ["-co", "BLOCKYSIZE=8", "-co", "INTERLEAVE=PIXEL", Repository.landsat,
                                                               path("striped.tif")])
            try FileManager.default.copyItem(atPath: Repository.landsat, toPath: path("L7_ETMs.tif"))
            try Self.tool("ogr2ogr", ["-f", "ESRI Shapefile", path("zones.shp"), Repository.path("samples/olinda/olinda1.shp"),
                                      "-spat", "293051", "9114662", "294875", "9116486", "-spat_srs", "EPSG:31985", "-limit", "12"])
            try Self.tool("ogr2ogr", ["-f", "GPKG", path("zones.gpkg"), path("zones.shp")])
            try Self.tool("ogr2ogr", ["-f", "GeoJSON", path("zones.geojson"), path("zones.shp")])
            try FileManager.default.copyItem(atPath: Repository.path("samples/schemes/ndvi-cover.yaml"), toPath: path("scheme.yaml"))
            let ndvi = try runSoilmap(["index", "NDVI", "-i", path("tiled.tif"), "--band", "red=3", "--band", "nir=4", "-o", path("ndvi.tif"), "-q"])
            try #require(ndvi.status == 0, "\(ndvi.stderr)")
        }

        func path(_ name: String) -> String { directory.path(name) }

        static func tool(_ name: String, _ arguments: [String]) throws {
            let result = try run("/usr/bin/\(name)", arguments)
            try #require(result.status == 0, "\(name): \(result.stderr)")
        }

        /// The commands that read `input`, given at `path`, each writing into the folder `outputs`-NAME.
        func commands(reading input: Input, at path: String, outputs: String) -> [Command] {
            func command(_ name: String, _ arguments: [String], _ output: Output) -> Command {
                var arguments = arguments
                switch output {
                case .none: break
                case .raster(let file), .table(let file): arguments += ["-o", "\(outputs)-\(name)/\(file)", "-q"]
                }
                return Command(name: name, arguments: arguments, output: output, folder: "\(outputs)-\(name)")
            }
            let zonalFields = ["--id-field", "CD_GEOCODI", "--name-field", "NM_BAIR"]
            if input.isGeoTIFF {
                return [
                    command("info", ["info", path], .none),
                    command("index", ["index", "NDVI", "-i", path, "--band", "red=3", "--band", "nir=4"], .raster("ndvi.tif")),
                    command("classify", ["classify", path, "--breaks", "50,100"], .raster("classes.tif")),
                    command("combine", ["combine", path, path, "--method", "worst-of"], .raster("worst.tif")),
                    command("zonal", ["zonal", path, "--zones", self.path("zones.shp")] + zonalFields, .table("stats.csv")),
                ]
            }
            if input == .yamlScheme {
                return [command("classify", ["classify", self.path("ndvi.tif"), "--scheme", path], .raster("classes.tif"))]
            }
            return [
                command("info", ["info", path], .none),
                command("zonal", ["zonal", self.path("tiled.tif"), "--zones", path] + zonalFields, .table("stats.csv")),
            ]
        }
    }

    /// A command's result, reduced to what is compared.
    enum Result: Equatable {
        case text(String)
        case raster(width: Int, height: Int, bands: [[Float]])
    }

    /// What a command gives on the intact input: its result and the files it writes.
    struct Reference {
        var result: Result
        var files: Set<String>
    }

    static func result(of command: Command, stdout: String, inputPath: String) throws -> Result {
        switch command.output {
        case .none:
            return .text(stdout.replacingOccurrences(of: inputPath, with: "INPUT"))
        case .table(let name):
            return .text(try String(contentsOfFile: command.folder + "/" + name, encoding: .utf8))
        case .raster(let name):
            let dataset = try Dataset.open(command.folder + "/" + name)
            return .raster(width: dataset.width, height: dataset.height, bands: try dataset.bands.map { try $0.readAll(as: Float.self) })
        }
    }

    @Test func damagedInputsFailCleanlyOrGiveACorrectResult() throws {
        let fixtures = try Fixtures()
        let executable = try soilmapExecutable()
        let work = TemporaryDirectory()

        // The references: every command on each intact input.
        let referenceRuns = Input.allCases.flatMap { input in
            fixtures.commands(reading: input, at: fixtures.path(input.argumentName), outputs: work.path("reference-\(input.rawValue)"))
                .map { (input, $0, fixtures.path(input.argumentName)) }
        }
        let referenceList = ResultList()
        try inPairs(referenceRuns.count) { index in
            let (input, command, intactPath) = referenceRuns[index]
            try FileManager.default.createDirectory(atPath: command.folder, withIntermediateDirectories: true)
            let result = try run(executable, command.arguments, timeout: .seconds(60))
            guard result.status == 0 && result.signal == nil else {
                throw MatrixError(message: "\(command.name) on the intact \(input.fileName) failed: \(result.stderr)")
            }
            let files = Set(try FileManager.default.contentsOfDirectory(atPath: command.folder))
            referenceList.set("\(input.rawValue) \(command.name)",
                              Reference(result: try Self.result(of: command, stdout: result.stdout, inputPath: intactPath), files: files))
        }
        let references = referenceList.all

        struct Run { var input: Input; var damage: Damage; var command: Command; var inputs: String; var inputPath: String }
        var planned: [Run] = []
        for input in Input.allCases {
            let intact = try Data(contentsOf: URL(fileURLWithPath: fixtures.path(input.fileName)))
            for (index, damage) in Damage.all(size: intact.count).enumerated() {
                let inputs = work.path("\(input.rawValue)-\(index)")
                try FileManager.default.createDirectory(atPath: inputs, withIntermediateDirectories: true)
                try damage.apply(to: intact).write(to: URL(fileURLWithPath: inputs + "/" + input.fileName))
                for companion in input.companions {
                    try FileManager.default.copyItem(atPath: fixtures.path(companion), toPath: inputs + "/" + companion)
                }
                let inputPath = inputs + "/" + input.argumentName
                for command in fixtures.commands(reading: input, at: inputPath, outputs: inputs) {
                    try FileManager.default.createDirectory(atPath: command.folder, withIntermediateDirectories: true)
                    planned.append(Run(input: input, damage: damage, command: command, inputs: inputs, inputPath: inputPath))
                }
            }
        }
        let runs = planned

        let problems = ProblemList()
        try inPairs(runs.count) { index in
            let entry = runs[index]
            let label = "\(entry.input.fileName) \(entry.damage), \(entry.command.name)"
            let inputsBefore = Set(try FileManager.default.contentsOfDirectory(atPath: entry.inputs))
            let result = try run(executable, entry.command.arguments, timeout: .seconds(60))
            let left = try FileManager.default.contentsOfDirectory(atPath: entry.command.folder)
            let inputsAfter = Set(try FileManager.default.contentsOfDirectory(atPath: entry.inputs))
            if inputsAfter != inputsBefore {
                problems.add("\(label): wrote beside the inputs: \(inputsAfter.subtracting(inputsBefore).sorted())")
            }
            if result.timedOut {
                problems.add("\(label): still running after 60 s (killed)")
            } else if let signal = result.signal {
                problems.add("\(label): crashed with signal \(signal): \(result.stderr.suffix(400))")
            } else if result.status != 0 {
                let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                if result.status != 1 || lines.count != 1 || !result.stderr.hasPrefix("soilmap: ") || !result.stderr.contains(entry.inputs) {
                    problems.add("\(label): exit \(result.status), not one line naming the file: \(result.stderr.prefix(400))")
                }
                if !left.isEmpty { problems.add("\(label): failed but left \(left.sorted()) in the output folder") }
            } else {
                Self.checkSuccess(of: entry.command, damage: entry.damage, input: entry.input, stdout: result.stdout, stderr: result.stderr,
                                  left: left, inputPath: entry.inputPath,
                                  reference: references["\(entry.input.rawValue) \(entry.command.name)"]!, label: label, problems: problems)
            }
        }
        for problem in problems.all { Issue.record(Comment(rawValue: problem)) }
    }

    /// Runs `body(0..<count)` two at a time (the runs are short processes, mostly start-up, on a 2-core machine);
    /// the first error thrown is rethrown once all have finished.
    func inPairs(_ count: Int, _ body: @Sendable (Int) throws -> Void) throws {
        let next = Counter(), errors = ProblemList()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while let index = next.take(below: count) {
                do { try body(index) } catch { errors.add("\(error)") }
            }
        }
        if let first = errors.all.first { throw MatrixError(message: first) }
    }

    static func checkSuccess(of command: Command, damage: Damage, input: Input, stdout: String, stderr: String, left: [String],
                             inputPath: String, reference: Reference, label: String, problems: ProblemList) {
        if !stderr.isEmpty { problems.add("\(label): succeeded but wrote to stderr: \(stderr.prefix(400))") }
        // The output, and no file the intact run did not write (its sidecars: a class map's .aux.xml and .qml).
        var output: String?
        if case .raster(let name) = command.output { output = name }
        if case .table(let name) = command.output { output = name }
        guard output.map(left.contains) ?? true, Set(left).isSubset(of: reference.files) else {
            problems.add("\(label): succeeded with \(left.sorted()) in the output folder; the intact file gives \(reference.files.sorted())")
            return
        }
        let result: Result
        do { result = try Self.result(of: command, stdout: stdout, inputPath: inputPath) } catch {
            problems.add("\(label): succeeded but its output does not read back: \(error)")
            return
        }
        switch damage {
        case .truncated:
            if command.name == "info" && input.isGeoTIFF {
                if !stdout.contains("\n  integrity: truncated: ") { problems.add("\(label): info does not report the truncation:\n\(stdout)") }
            } else if result != reference.result {
                problems.add("\(label): succeeded with a result other than the intact file's")
            }
        case .flipped:
            switch (result, reference.result) {
            case (.raster(let width, let height, let bands), .raster(let referenceWidth, let referenceHeight, let referenceBands)):
                if width != referenceWidth || height != referenceHeight || bands.count != referenceBands.count {
                    problems.add("\(label): succeeded with a \(width) x \(height) raster of \(bands.count) bands")
                }
            case (.text(let text), .text(let referenceText)):
                if command.name == "info" {
                    if text.isEmpty { problems.add("\(label): info succeeded but printed nothing") }
                } else if text.split(separator: "\n").first != referenceText.split(separator: "\n").first
                            || !(text.split(separator: "\n").last?.hasPrefix("total,") ?? false) {
                    problems.add("\(label): succeeded with a table unlike the reference's:\n\(text.prefix(400))")
                }
            default:
                problems.add("\(label): succeeded with a result of another kind")
            }
        }
    }
}

/// Problems found by the matrix's worker threads, recorded as issues afterwards on the test's own thread.
final class ProblemList: @unchecked Sendable {
    private let lock = NSLock()
    private var problems: [String] = []

    func add(_ problem: String) { lock.withLock { problems.append(problem) } }
    var all: [String] { lock.withLock { problems } }
}

struct MatrixError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The reference results, filled by the worker threads.
final class ResultList: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [String: CorruptInputTests.Reference] = [:]

    func set(_ key: String, _ reference: CorruptInputTests.Reference) { lock.withLock { results[key] = reference } }
    var all: [String: CorruptInputTests.Reference] { lock.withLock { results } }
}

/// Hands out 0, 1, 2, ... to worker threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}
