import Foundation
import Testing
import GDAL

/// A feature GDAL cannot read (a truncated .shp or .dbf) is an error, not the end of the layer.
@Suite struct FeatureReadErrorTests {
    /// A copy of the Olinda tracts with `part` (shp or dbf) cut `bytes` short of its end.
    static func tractsWith(_ part: String, shortBy bytes: Int, in directory: TemporaryDirectory) throws -> String {
        for suffix in ["shp", "shx", "dbf", "prj"] {
            var data = try Data(contentsOf: URL(fileURLWithPath: Samples.path("olinda/olinda1.\(suffix)")))
            if suffix == part { data = data.dropLast(bytes) }
            try data.write(to: URL(fileURLWithPath: directory.path("tracts.\(suffix)")))
        }
        return directory.path("tracts.shp")
    }

    @Test func everyFeatureOfAnIntactLayerIsVisited() throws {
        let layer = try Dataset.open(Samples.tracts, kind: .vector).layer(0)
        var ids: [Int64] = []
        try layer.forEachFeature { ids.append($0.id) }
        // ogrinfo: 470 features, FIDs 0 to 469.
        #expect(ids == Array(0..<470))
    }

    /// The last record of the .shp or of the .dbf (which has no end-of-file marker) loses its last byte: the 470th
    /// feature cannot be read, after 469 that can.
    @Test(arguments: [("shp", 1, "Error in fread() reading object"), ("dbf", 1, "failed on DBF file")])
    func aFeatureCutShortIsAnErrorNamingIt(part: String, shortBy bytes: Int, gdalSays: String) throws {
        let directory = TemporaryDirectory()
        let path = try Self.tractsWith(part, shortBy: bytes, in: directory)
        let layer = try Dataset.open(path, kind: .vector).layer(0)
        var visited = 0
        do {
            try layer.forEachFeature { _ in visited += 1 }
            Issue.record("no error for a .\(part) cut short")
        } catch let error as GDALError {
            #expect(error.path == path)
            #expect(error.message.hasPrefix("feature 470 of layer 'tracts' cannot be read: "), "\(error.message)")
            #expect(error.message.contains(gdalSays), "\(error.message)")
        }
        #expect(visited == 469)
    }
}
