import Foundation
import Testing

/// `soilmap info` of the Meuse points CSV with GDAL open options, against `ogrinfo -so -al` with the same options.
@Suite struct CSVPointsInfoTests {
    static let openOptions = ["X_POSSIBLE_NAMES=x", "Y_POSSIBLE_NAMES=y"]

    struct OGRSummary: Equatable {
        var featureCount: Int
        var extent: [Double]  // minX, minY, maxX, maxY
        var fields: [String]  // "name: Type"
    }

    /// `ogrinfo -so -al -oo ... PATH` parsed (GDAL 3.6's ogrinfo has no -json).
    static func ogrinfo(_ path: String) throws -> OGRSummary {
        let result = try run("/usr/bin/ogrinfo", ["-so", "-al"] + openOptions.flatMap { ["-oo", $0] } + [path])
        try #require(result.status == 0, "\(result.stderr)")
        var count = -1, extent: [Double] = [], fields: [String] = [], inFields = false
        for line in result.stdout.split(separator: "\n").map(String.init) {
            if line.hasPrefix("Feature Count: ") { count = Int(line.dropFirst("Feature Count: ".count)) ?? -1 }
            if line.hasPrefix("Extent: ") {
                extent = line.dropFirst("Extent: ".count).split(whereSeparator: { "(), -".contains($0) }).compactMap { Double($0) }
            }
            if inFields, let colon = line.range(of: ": ") {
                fields.append(line[..<colon.lowerBound] + ": " + line[colon.upperBound...].split(separator: " ")[0])
            }
            // The field list follows the layer's CRS ("(unknown)" for these points).
            if line == "(unknown)" { inFields = true }
        }
        return OGRSummary(featureCount: count, extent: extent, fields: fields)
    }

    @Test func meusePointsMatchOgrinfo() throws {
        let path = "CSV:" + Repository.path("samples/meuse/meuse.txt")
        let expected = try Self.ogrinfo(path)
        #expect(expected.featureCount == 155 && expected.fields.count == 14)

        let result = try runSoilmap(["info", "--json", path] + Self.openOptions.flatMap { ["--oo", $0] })
        try #require(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let layers = try #require(json["layers"] as? [[String: Any]])
        try #require(layers.count == 1)
        let layer = layers[0]
        #expect(layer["name"] as? String == "meuse")
        #expect(layer["geometryType"] as? String == "Point")
        #expect(layer["crs"] == nil)
        let extent = try #require(layer["extent"] as? [String: Double])
        let fields = try #require(layer["fields"] as? [[String: Any]])
        let actual = OGRSummary(featureCount: layer["featureCount"] as? Int ?? -1,
                                extent: [extent["minX"], extent["minY"], extent["maxX"], extent["maxY"]].map { $0 ?? .nan },
                                fields: fields.map { "\($0["name"] as? String ?? "?"): \($0["type"] as? String ?? "?")" })
        #expect(actual == expected)

        // The text form says the same.
        let text = try runSoilmap(["info", path] + Self.openOptions.flatMap { ["--oo", $0] })
        #expect(text.status == 0 && text.stderr.isEmpty)
        #expect(text.stdout.contains("layer \"meuse\": 155 features, Point"))
        #expect(text.stdout.contains("extent: west 178605, south 329714, east 181390, north 333611"))
    }

    /// Without the `CSV:` prefix GDAL has no driver for a `.txt` (ogrinfo fails too): one line, exit 1.
    @Test func meuseWithoutPrefixIsOneLine() throws {
        let path = Repository.path("samples/meuse/meuse.txt")
        let ogr = try run("/usr/bin/ogrinfo", ["-so", "-al"] + Self.openOptions.flatMap { ["-oo", $0] } + [path])
        #expect(ogr.status != 0)
        let result = try runSoilmap(["info", path] + Self.openOptions.flatMap { ["--oo", $0] })
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(result.stderr == "soilmap: \(path): not a format GDAL can read\n")
    }
}
