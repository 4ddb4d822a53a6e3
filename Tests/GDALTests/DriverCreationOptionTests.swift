import Foundation
import Testing
import GDAL

/// Creation options are checked by GDAL's own validation, each problem with GDAL's words: the same words
/// gdal_translate prints as warnings for the same options.
@Suite struct DriverCreationOptionTests {
    @Test func declaredOptionsAreTheDriversList() throws {
        let gtiff = try Driver("GTiff").creationOptionDeclarations
        let compress = try #require(gtiff.first { $0.name == "COMPRESS" })
        #expect(compress.type == "string-select")
        // Debian's GDAL 3.6 GTiff: the codecs gdalinfo --format GTiff lists, ZSTD among them.
        #expect(Array(compress.values.prefix(3)) == ["NONE", "LZW", "PACKBITS"])
        #expect(compress.values.contains("ZSTD") && compress.values.contains("DEFLATE"))
        #expect(gtiff.first { $0.name == "ZSTD_LEVEL" }?.type == "int")
        let cog = try Driver("COG").creationOptionDeclarations
        #expect(cog.first { $0.name == "PREDICTOR" }?.values == ["YES", "NO", "STANDARD", "FLOATING_POINT"])
        #expect(!cog.contains { $0.name == "TILED" })
    }

    @Test func validOptionsPass() throws {
        #expect(try Driver("GTiff").validateCreationOptions(["COMPRESS=zstd", "ZSTD_LEVEL=3", "TILED=YES", "BLOCKXSIZE=256"]).isEmpty)
        // A value alias ('2' for STANDARD) is valid, as GDAL says.
        #expect(try Driver("COG").validateCreationOptions(["PREDICTOR=2", "COMPRESS=DEFLATE", "LEVEL=6"]).isEmpty)
    }

    @Test func problemsCarryGDALsOwnMessage() throws {
        let options = ["COMPRESS=FOO", "NONSENSE=1", "ZSTD_LEVEL=abc", "JUSTAWORD"]
        let issues = try Driver("GTiff").validateCreationOptions(options)
        #expect(issues.map(\.option) == options)
        #expect(issues.map(\.key) == ["COMPRESS", "NONSENSE", "ZSTD_LEVEL", "JUSTAWORD"])
        let compressValues = try #require(try Driver("GTiff").creationOptionDeclarations.first { $0.name == "COMPRESS" }).values
        #expect(issues[0].kind == .invalidValue(allowed: compressValues))
        #expect(issues[1].kind == .unknownKey)
        #expect(issues[2].kind == .invalidValue(allowed: []))
        #expect(issues[3].kind == .notKeyValue)
        // gdal_translate prints the same validation as "Warning 6: <message>".
        let directory = TemporaryDirectory()
        let translate = try run("/usr/bin/gdal_translate", ["-q", "-co", options[0], "-co", options[1], "-co", options[2],
                                                            Samples.landsat, directory.path("copy.tif")])
        let warnings = translate.stderr.split(separator: "\n").filter { $0.hasPrefix("Warning 6: ") }.map { String($0.dropFirst(11)) }
        #expect(warnings == issues.prefix(3).map(\.gdalMessage))
        #expect(issues[1].gdalMessage == "driver GTiff does not support creation option NONSENSE")
    }
}
