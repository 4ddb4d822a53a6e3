import Foundation
import Testing
import GDAL
@testable import SoilMap

/// Every catalogue index against an independent numpy implementation (Tests/reference/indices_reference.py,
/// written from ../shared/INDICES.md without looking at the Swift code) on the real Landsat 7 sample.
@Suite(.serialized) struct IndexReferenceTests {
    static let script = Repository.path("Tests/reference/indices_reference.py")
    static let noData: Float = -9999

    static func bandArguments() -> [String] {
        Repository.landsatRoles.sorted { $0.value < $1.value }.flatMap { ["--band", "\($0.key)=\(Repository.landsat):\($0.value)"] }
    }

    struct Comparison {
        var id: String
        var compared = 0
        var skippedFragile = 0
        var maskMismatches = 0
        var maxRelativeError: Double = 0
        var worstPixel = -1
    }

    /// Scale 1 keeps every input an exact small integer, so no pixel depends on rounding order and every pixel is
    /// compared, those whose denominator is exactly 0 (no value) included; at the other scales the reference flags
    /// "fragile" pixels (a denominator or root within 1e-9 of zero) and they are skipped.
    @Test(arguments: [(1.0, 0.0), (0.01, 0.0), (0.0001, -0.1)])
    func everyIndexMatchesNumpy(scale: Double, offset: Double) throws {
        let directory = TemporaryDirectory()
        let referenceDirectory = directory.path("reference")
        let result = try run("/usr/bin/python3", [Self.script, "--out", referenceDirectory, "--scale", "\(scale)", "--offset=\(offset)",
                                                 ] + (scale == 1 ? [] : ["--fragile"]) + Self.bandArguments())
        try #require(result.status == 0, "reference script failed: \(result.stderr)")

        let ids = IndexCatalogue.all.map(\.id)
        let output = directory.path("soilmap.tif")
        let request = IndexRequest(outputs: try ids.map(IndexOutput.catalogue), sources: Repository.landsatSources(),
                                   scale: scale, offset: offset)
        try IndexJob.run(request, to: output, engine: EngineOptions(threads: 2, tileSize: 128))

        var failures: [Comparison] = []
        for (index, id) in ids.enumerated() {
            let ours = try readBand(output, index + 1)
            let reference = try readBand(referenceDirectory + "/\(id).tif")
            let fragilePath = referenceDirectory + "/\(id).fragile.tif"
            let fragile = FileManager.default.fileExists(atPath: fragilePath) ? try readBand(fragilePath) : []
            var comparison = Comparison(id: id)
            for pixel in 0..<ours.count {
                if !fragile.isEmpty, fragile[pixel] != 0 { comparison.skippedFragile += 1; continue }
                let a = ours[pixel], b = reference[pixel]
                if (a == Self.noData) != (b == Self.noData) { comparison.maskMismatches += 1; continue }
                guard b != Self.noData else { continue }
                comparison.compared += 1
                let error = Double(abs(a - b)) / max(Double(abs(b)), 1e-30)
                if error > comparison.maxRelativeError { comparison.maxRelativeError = error; comparison.worstPixel = pixel }
            }
            if comparison.maskMismatches > 0 || comparison.maxRelativeError >= 1e-6 { failures.append(comparison) }
            // Most of the 122,848 pixels have a value for every index (CSRI's square root of a negative excepted).
            #expect(comparison.compared > 100_000 || id == "CSRI", "\(id): only \(comparison.compared) pixels compared")
            #expect(scale != 1 || comparison.skippedFragile == 0)
        }
        #expect(failures.isEmpty, "scale \(scale) offset \(offset): \(failures)")
    }

    /// The vegetation and soil indices whose meaning is the same in Awesome Spectral Indices, against spyndex.
    @Test func asiIndicesMatchSpyndex() throws {
        let python = ProcessInfo.processInfo.environment["SOILMAP_VENV"].map { $0 + "/bin/python" } ?? "/opt/soilmap-venv/bin/python"
        try #require(FileManager.default.isExecutableFile(atPath: python), "no Python with spyndex at \(python): run `make venv`")
        let directory = TemporaryDirectory()
        let asi = ["NDVI", "SAVI", "OSAVI", "MSAVI", "EVI", "EVI2", "NDMI", "NDWI", "MNDWI", "BSI", "NDSoI", "DBSI", "MBI", "BaI", "NSDS"]
        for id in asi {
            let request = IndexRequest(outputs: [try IndexOutput.catalogue(id)], sources: Repository.landsatSources())
            try IndexJob.run(request, to: directory.path("\(id).tif"), engine: EngineOptions(threads: 2, tileSize: 256))
        }
        let result = try run(python, [Repository.path("Tests/reference/spyndex_check.py"), "--ref", directory.url.path,
                                      "--rel-tol", "1e-6"] + Self.bandArguments())
        #expect(result.status == 0, "spyndex disagrees:\n\(result.stdout)\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "agree").count - 1 >= asi.count, "\(result.stdout)")
    }
}
