import Foundation
import GDAL
import Testing

/// Every map carries the command that makes it again (issue 15): run that command, from its metadata alone, in
/// another folder holding the same inputs, and the map comes out byte for byte the same.
@Suite struct ProvenanceTests {
    @Test func aMapIsReproducedFromItsOwnMetadata() throws {
        let directory = TemporaryDirectory()
        let first = directory.path("first"), second = directory.path("second")
        for folder in [first, second] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            try FileManager.default.copyItem(atPath: Repository.landsat, toPath: folder + "/L7_ETMs.tif")
            try FileManager.default.copyItem(atPath: Repository.path("samples/schemes/ndvi-cover.yaml"), toPath: folder + "/ndvi-cover.yaml")
        }
        let binary = try soilmapExecutable()
        // Made in `first` with options a user would give, some of them defaults left implicit.
        let steps = [
            ["index", "NDVI,SAVI", "-i", "L7_ETMs.tif", "--band", "red=3", "--band", "nir=4", "--scale", "0.01", "--param", "SAVI.L=0.25", "-o", "vi.tif", "-q"],
            ["classify", "vi.tif", "--scheme", "ndvi-cover.yaml", "--labels", "vi", "-o", "classes.tif", "--quicklook", "classes.png", "-q"],
        ]
        for step in steps {
            let result = try run("/bin/bash", ["-c", "cd \"$0\" && exec \"$1\" \"${@:2}\"", first, binary] + step)
            #expect(result.status == 0, "\(result.stderr)")
        }
        for map in ["vi.tif", "classes.tif"] {
            let metadata = try Dataset.open(first + "/" + map).metadata()
            let command = try #require(metadata["SOILMAP_COMMAND"])
            #expect(command.hasPrefix("soilmap \(map == "vi.tif" ? "index" : "classify") "))
            #expect(metadata["SOILMAP_INPUTS"] == (map == "vi.tif" ? "L7_ETMs.tif (798453 bytes)"
                                                                    : "vi.tif (\(FileManager.default.contents(atPath: first + "/vi.tif")!.count) bytes); ndvi-cover.yaml (911 bytes)"))
            // The command as the metadata gives it, run by a shell in the other folder.
            #expect(!command.contains(" -o ") && !command.contains(map), "the command names no output: \(command)")
            let replayed = try run("/bin/bash", ["-c", "cd \"$0\" && " + command.replacingOccurrences(of: "soilmap ", with: "\"$1\" ") + " -o \(map) -q",
                                                 second, binary])
            #expect(replayed.status == 0, "\(command): \(replayed.stderr)")
            #expect(FileManager.default.contents(atPath: second + "/" + map) == FileManager.default.contents(atPath: first + "/" + map), "\(map)")
        }
        let parameters = try Dataset.open(first + "/vi.tif").metadata()["SOILMAP_PARAMETERS"] ?? ""
        #expect(parameters.contains("\"constants\":{\"SAVI.L\":0.25}") && parameters.contains("\"scale\":0.01") && parameters.contains("\"nodata\":-9999"))
    }
}
