import Foundation
import GDAL
@testable import SoilMap
import Testing

/// What a hostile user found (issue 14): outputs that destroyed data, or half-written files left behind. Each test
/// runs the command as a user would and checks the folder afterwards, byte for byte.
@Suite(.serialized) struct OutputSafetyTests {
    /// Name -> contents of every file in a folder (hidden ones included), recursively.
    static func snapshot(_ folder: String) -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let name = enumerator?.nextObject() as? String {
            let path = (folder as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            result[name] = isDirectory.boolValue ? Data("<dir>".utf8) : (FileManager.default.contents(atPath: path) ?? Data("<unreadable>".utf8))
        }
        return result
    }

    static let ndviArguments = ["NDVI", "-i", Repository.landsat, "--band", "red=3", "--band", "nir=4", "-q"]

    /// A step that fails after one of its outputs was written (a later output, a check) never commits: dropping the
    /// transaction removes the written temporary file, within the process (not only at exit).
    @Test func anUncommittedTransactionLeavesNothing() throws {
        let directory = TemporaryDirectory()
        do {
            let transaction = OutputTransaction(overwrite: false)
            try transaction.write(directory.path("first.csv")) { temporary in try Data("x\n".utf8).write(to: URL(fileURLWithPath: temporary)) }
            #expect(directory.files.count == 1 && !directory.files.contains("first.csv"))
        }
        #expect(directory.files.isEmpty)
    }

    @Test func overwriteNeverRemovesADirectory() throws {
        let directory = TemporaryDirectory()
        let folder = directory.path("res")
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: folder + "/sub/data.txt"))
        let before = Self.snapshot(directory.url.path)
        for arguments in [["index"] + Self.ndviArguments + ["-o", folder, "--overwrite"],
                          ["classify", Repository.landsat, "--breaks", "50,100", "-o", folder, "--overwrite"],
                          ["zonal", Repository.landsat, "--zones", Repository.path("samples/olinda/olinda1.shp"), "--id-field", "ID",
                           "-o", folder, "--overwrite"]] {
            let result = try runSoilmap(arguments)
            #expect(result.status == 1, "\(arguments[0])")
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(result.stderr.contains("\(folder): is a directory") || result.stderr.contains("-o \(folder): use .csv"), "\(result.stderr)")
            #expect(Self.snapshot(directory.url.path) == before)
        }
    }

    @Test func anOutputThatIsAnInputIsRefusedEvenWithOverwrite() throws {
        let directory = TemporaryDirectory()
        let stack = directory.path("stack.tif"), link = directory.path("link.tif")
        try FileManager.default.copyItem(atPath: Repository.landsat, toPath: stack)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "stack.tif")
        let original = try Data(contentsOf: URL(fileURLWithPath: stack))
        for output in [stack, link] {
            let result = try runSoilmap(["index", "NDVI", "-i", stack, "--band", "red=3", "--band", "nir=4", "-o", output, "--overwrite"])
            #expect(result.status == 1)
            #expect(result.stderr == (output == stack ? "soilmap: \(stack): is also an input; write the output to another path\n"
                                                      : "soilmap: \(link): is the same file as the input \(stack); write the output to another path\n"))
        }
        // Zones given as the output of zonal statistics.
        let zones = directory.path("zones.gpkg")
        #expect(try run("/usr/bin/ogr2ogr", ["-f", "GPKG", zones, Repository.path("samples/olinda/olinda1.shp")]).status == 0)
        let zonesBefore = try Data(contentsOf: URL(fileURLWithPath: zones))
        let zonal = try runSoilmap(["zonal", stack, "--zones", zones, "--id-field", "ID", "-o", zones, "--overwrite", "-q"])
        #expect(zonal.status == 1 && zonal.stderr == "soilmap: \(zones): is also an input; write the output to another path\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: stack)) == original)
        #expect(try Data(contentsOf: URL(fileURLWithPath: zones)) == zonesBefore)
    }

    @Test func aFileThatAppearsDuringTheRunIsKept() throws {
        let directory = TemporaryDirectory()
        let target = directory.path("out.csv")
        let transaction = OutputTransaction(overwrite: false)
        let temporary = try transaction.stage(target)
        try Data("ours".utf8).write(to: URL(fileURLWithPath: temporary))
        // Another job writes the same path while this one runs.
        try Data("theirs".utf8).write(to: URL(fileURLWithPath: target))
        #expect(throws: SoilMapError.invalidInput(path: target, "appeared while soilmap was writing it and was kept (use --overwrite to replace it)")) {
            try transaction.commit()
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "theirs")
        #expect(directory.files == ["out.csv"])
    }

    @Test func overwriteKeepsTheModeAndGroupOfTheReplacedFile() throws {
        let directory = TemporaryDirectory()
        let output = directory.path("ndvi.tif")
        #expect(try runSoilmap(["index"] + Self.ndviArguments + ["-o", output]).status == 0)
        #expect(chmod(output, 0o640) == 0 && chown(output, uid_t.max, 4) == 0)
        let replaced = try runSoilmap(["index"] + Self.ndviArguments + ["-o", output, "--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        var info = stat()
        #expect(stat(output, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o640)
        #expect(info.st_gid == 4)
        #expect(directory.files == ["ndvi.tif"])
    }

    @Test func aLegalLongNameIsWritten() throws {
        let directory = TemporaryDirectory()
        let name = String(repeating: "n", count: 240) + ".tif"
        let result = try runSoilmap(["index"] + Self.ndviArguments + ["-o", directory.path(name)])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(directory.files == [name])
    }

    @Test func aDanglingLinkAtTheOutputIsOneLine() throws {
        let directory = TemporaryDirectory()
        let output = directory.path("out.tif")
        try FileManager.default.createSymbolicLink(atPath: output, withDestinationPath: "missing/x.tif")
        let result = try runSoilmap(["index"] + Self.ndviArguments + ["-o", output])
        #expect(result.status == 1)
        #expect(result.stderr == "soilmap: \(output): is a dangling symbolic link (to missing/x.tif); remove it or give another name\n")
    }

    @Test func aFailedQuicklookLeavesNoClassMap() throws {
        let directory = TemporaryDirectory()
        let classes = directory.path("classes.tif")
        let result = try runSoilmap(["classify", Repository.landsat, "--breaks", "50,100", "-o", classes, "--quicklook",
                                     directory.path("missing/map.png"), "-q"])
        #expect(result.status == 1)
        #expect(result.stderr == "soilmap: \(directory.path("missing/map.png")): the folder \(directory.path("missing")) does not exist\n")
        #expect(directory.files.isEmpty)
        // With the folder there, both are written, and a re-run is refused for both without --overwrite.
        try FileManager.default.createDirectory(atPath: directory.path("missing"), withIntermediateDirectories: false)
        let png = directory.path("missing/map.png")
        #expect(try runSoilmap(["classify", Repository.landsat, "--breaks", "50,100", "-o", classes, "--quicklook", png, "-q"]).status == 0)
        // GTiff keeps category names in the .aux.xml sidecar, committed with the map, and so is its QGIS style.
        #expect(Set(directory.files) == ["classes.tif", "classes.tif.aux.xml", "classes.qml", "missing"])
        #expect(FileManager.default.fileExists(atPath: png))
    }

    @Test func aClosedOrFullStandardErrorNeverCrashes() throws {
        let directory = TemporaryDirectory()
        let output = directory.path("ndvi.tif")
        // A summary line and a refusal, each written to a full stderr; then with stderr closed.
        let script = """
        "$0" index NDVI -i "$1" --band red=3 --band nir=4 -o "$2" 2>/dev/full; echo "first $?"
        "$0" index NDVI -i "$1" --band red=3 --band nir=4 -o "$2" 2>/dev/full; echo "second $?"
        "$0" index NDVI -i "$1" --band red=3 --band nir=4 -o "$2" 2>&-; echo "closed $?"
        """
        let binary = try soilmapExecutable()
        let result = try run("/bin/bash", ["-c", script, binary, Repository.landsat, output])
        #expect(result.stdout == "first 0\nsecond 1\nclosed 1\n")
        #expect(directory.files == ["ndvi.tif"])
    }

    @Test func helpAndVersionPrintAndSucceed() throws {
        for arguments in [["--help"], ["index", "--help"], ["run", "--help"], ["help", "zonal"]] {
            let result = try runSoilmap(arguments)
            #expect(result.status == 0, "\(arguments)")
            #expect(result.stdout.hasPrefix("OVERVIEW: ") && result.stdout.contains("USAGE: soilmap"), "\(arguments): \(result.stdout.prefix(200))")
        }
        let gdal = try run("/usr/bin/gdalinfo", ["--version"]).stdout   // "GDAL 3.6.2, released 2023/01/02"
        let version = try runSoilmap(["--version"])
        #expect(version.status == 0)
        let gdalRelease = gdal.split(separator: ",")[0].dropFirst("GDAL ".count)
        #expect(version.stdout.hasPrefix("soilmap ") && version.stdout.contains(" with GDAL \(gdalRelease) and PROJ "), "\(version.stdout)")
    }

    /// The bash completion script `make install` puts in place loads, and registers soilmap.
    @Test func theBashCompletionScriptLoads() throws {
        let directory = TemporaryDirectory()
        let script = directory.path("soilmap.bash")
        let generated = try runSoilmap(["--generate-completion-script", "bash"])
        #expect(generated.status == 0)
        try generated.stdout.write(toFile: script, atomically: true, encoding: .utf8)
        let loaded = try run("/bin/bash", ["-c", "source \"$0\" && complete -p soilmap", script])
        #expect(loaded.status == 0 && loaded.stdout == "complete -o filenames -F _soilmap soilmap\n", "\(loaded.stderr)")
        #expect(generated.stdout.contains("validate") && generated.stdout.contains("verify") && generated.stdout.contains("--log-format"))
    }

    /// Foundation's deletingLastPathComponent traps on a one-character name: `-o x` crashed every command, and a
    /// folder named `d` crashed before the "is a directory" message.
    @Test func oneCharacterOutputNamesInTheCurrentFolder() throws {
        #expect(OutputTransaction.folder(of: "x") == "" && OutputTransaction.folder(of: "/x") == "/" && OutputTransaction.folder(of: "a/b/x") == "a/b")
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("d"), withIntermediateDirectories: false)
        let arguments = Self.ndviArguments.map { "'\($0)'" }.joined(separator: " ")
        let binary = try soilmapExecutable()
        let written = try run("/bin/bash", ["-c", "cd \"$0\" && \"$1\" index \(arguments) -o x", directory.url.path, binary])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.path("x")))
        let refused = try run("/bin/bash", ["-c", "cd \"$0\" && \"$1\" index \(arguments) -o d", directory.url.path, binary])
        #expect(refused.status == 1)
        #expect(refused.stderr == "soilmap: d: is a directory; give a file name for the output (a directory is never replaced)\n")
    }

    @Test func aUsageErrorIsOneLineWithStatus2() throws {
        let result = try runSoilmap(["index", "NDVI", "--bnd", "red=3", "-o", "/tmp/x.tif"])
        #expect(result.status == 2)
        #expect(result.stderr == "soilmap: Unknown option '--bnd'. Did you mean '--band'? (see soilmap index --help)\n")
        let missing = try runSoilmap(["classify"])
        #expect(missing.status == 2)
        #expect(missing.stderr.split(separator: "\n").count == 1 && missing.stderr.hasPrefix("soilmap: Missing expected argument"))
    }

    /// A full disk: a 300 KB tmpfs. Every format fails with "no space left on device" naming the user's path, and
    /// a good file there before is kept, with --overwrite too.
    @Test func aFullDiskSaysSoAndKeepsTheOldFile() throws {
        guard getuid() == 0 else { return }
        let directory = TemporaryDirectory()
        let disk = directory.path("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: false)
        guard try run("/bin/mount", ["-t", "tmpfs", "-o", "size=300k", "tmpfs", disk]).status == 0 else { return }
        defer { _ = try? run("/bin/umount", [disk]) }
        let ndvi = directory.path("ndvi.tif")
        #expect(try runSoilmap(["index"] + Self.ndviArguments + ["-o", ndvi]).status == 0)
        let zones = Repository.path("samples/olinda/olinda1.shp")
        let commands: [(String, [String])] = [
            ("ndvi.tif", ["index"] + Self.ndviArguments),
            ("stats.geojson", ["zonal", ndvi, "--zones", zones, "--id-field", "ID", "-q"]),
            ("stats.gpkg", ["zonal", ndvi, "--zones", zones, "--id-field", "ID", "-q"]),
        ]
        for (name, arguments) in commands {
            let output = disk + "/" + name
            let failed = try runSoilmap(arguments + ["-o", output])
            #expect(failed.status == 1, "\(name)")
            #expect(failed.stderr == "soilmap: \(output): no space left on device\n", "\(name)")
            #expect(Self.snapshot(disk).isEmpty, "\(name): \(Self.snapshot(disk).keys.sorted())")
            // A small good file in its place survives a failed --overwrite.
            try Data("good".utf8).write(to: URL(fileURLWithPath: output))
            let replaced = try runSoilmap(arguments + ["-o", output, "--overwrite"])
            #expect(replaced.status == 1 && replaced.stderr == "soilmap: \(output): no space left on device\n", "\(name)")
            #expect(Self.snapshot(disk) == [name: Data("good".utf8)], "\(name)")
            try FileManager.default.removeItem(atPath: output)
        }
    }

    /// SIGINT and SIGTERM at several moments of a long run: the folder is exactly as before, the exit status is
    /// 128 + the signal and one line says what happened. After SIGKILL, the next run into the folder removes what
    /// the killed one left.
    @Test func signalsLeaveTheFolderAsItWas() throws {
        let directory = TemporaryDirectory()
        let big = directory.path("big.tif")
        #expect(try run("/usr/bin/gdal_translate", ["-q", "-outsize", "600%", "600%", "-co", "TILED=YES", Repository.landsat, big]).status == 0)
        let work = directory.path("work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: false)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: work + "/notes.txt"))
        let before = Self.snapshot(work)
        let binary = try soilmapExecutable()
        let arguments = ["index", "NDVI,SAVI,EVI", "-i", big, "--band", "blue=1", "--band", "red=3", "--band", "nir=4", "--threads", "1",
                         "-o", work + "/indices.tif"]
        for (signal, delay) in [(SIGTERM, 0.3), (SIGINT, 0.6), (SIGTERM, 1.0)] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 128 + signal, "\(text)")
            #expect(text.contains("soilmap: stopped by \(signal == SIGINT ? "SIGINT" : "SIGTERM")"), "\(text)")
            #expect(Self.snapshot(work) == before)
        }
        for delay in [0.3, 0.8] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(!FileManager.default.fileExists(atPath: work + "/indices.tif"))
        }
        let next = try runSoilmap(["index"] + Self.ndviArguments + ["-o", work + "/ndvi.tif"])
        #expect(next.status == 0)
        var expected = before
        expected["ndvi.tif"] = try Data(contentsOf: URL(fileURLWithPath: work + "/ndvi.tif"))
        #expect(Self.snapshot(work) == expected)
    }
}

func soilmapExecutable() throws -> String {
    let executable = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("soilmap")
    let candidates = [executable, Repository.root.appendingPathComponent(".build/debug/soilmap")]
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: executable.path])
    }
    return found.path
}
