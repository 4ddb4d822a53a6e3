import Foundation
import GDAL
import Testing
@testable import SoilMap

/// The QGIS style written beside every class map (issue 9), read back with Python's own XML parser
/// (Tests/reference/qml_read.py, which follows QgsPalettedRasterRenderer::create) and compared with the scheme.
@Suite(.serialized) struct QGISStyleTests {
    static let script = Repository.path("Tests/reference/qml_read.py")

    struct Style: Decodable {
        struct Entry: Decodable, Equatable {
            var value: Double
            var color: String
            var alpha: Int
            var label: String
        }
        var renderer: String
        var band: Int
        var nodataColor: String?
        var resampling: [String]?
        var entries: [Entry]
    }

    static func read(_ qml: String) throws -> Style {
        let result = try run("/usr/bin/python3", [script, qml])
        try #require(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode(Style.self, from: Data(result.stdout.utf8))
    }

    /// The entries a scheme should give: value, "#rrggbb" in lower case as QGIS writes it, opaque, the label.
    static func expected(_ scheme: ClassScheme, vietnamese: Bool) -> [Style.Entry] {
        scheme.classes.map { Style.Entry(value: Double($0.value), color: $0.color.lowercased(), alpha: 255,
                                         label: vietnamese ? $0.labelVi! : $0.label) }
    }

    @Test func aClassMapFromTheCommandLineHasItsStyleWithVietnameseLabels() throws {
        let directory = TemporaryDirectory()
        let classes = directory.path("copper.tif")
        let result = try runSoilmap(["classify", Repository.landsat, "--band", "1", "--scheme", "qcvn03-cu", "--labels", "vi",
                                     "-o", classes, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Set(directory.files) == ["copper.tif", "copper.tif.aux.xml", "copper.qml"])

        let style = try Self.read(directory.path("copper.qml"))
        let scheme = try BuiltInSchemes.named("qcvn03-cu")
        #expect(style.renderer == "paletted" && style.band == 1)
        // Nodata (0) has no entry and the nodata colour is empty (transparent); classes are never blended.
        #expect(style.nodataColor == "")
        #expect(style.resampling == ["nearestNeighbour", "nearestNeighbour"])
        #expect(style.entries == Self.expected(scheme, vietnamese: true))
        #expect(style.entries.map(\.label) == ["Đạt giới hạn loại 1 (đất nông nghiệp)", "Vượt loại 1, đạt loại 2",
                                               "Vượt loại 2, đạt loại 3", "Vượt mọi giới hạn"])
        // The same legend as the map's own colour table and category names.
        let band = try Dataset.open(classes).band(1)
        let table = try #require(band.colorTable)
        for entry in style.entries {
            let value = Int(entry.value)
            #expect(QGISStyle.hexColour(table.entries[value]) == entry.color)
            #expect(band.categoryNames[value] == entry.label)
        }
    }

    @Test func labelsAreEscapedAndReadBackExactly() throws {
        let directory = TemporaryDirectory()
        let labels = ["Đất <mặn> & \"chua\" 'phèn'", "line one\nline two\tand a tab", "bell\u{07} dropped", ""]
        let entries = labels.enumerated().map { QGISStyle.Entry(value: $0.offset + 1, color: RGBA(red: 10, green: 200, blue: 255, alpha: 128), label: $0.element) }
        let qml = directory.path("style.qml")
        try Data(QGISStyle.palettedRaster(entries: entries.reversed(), band: 2).utf8).write(to: URL(fileURLWithPath: qml))
        let style = try Self.read(qml)
        #expect(style.band == 2)
        #expect(style.entries.map(\.value) == [1, 2, 3, 4])
        #expect(style.entries.map(\.label) == ["Đất <mặn> & \"chua\" 'phèn'", "line one\nline two\tand a tab", "bell dropped", ""])
        #expect(style.entries.allSatisfy { $0.color == "#0ac8ff" && $0.alpha == 128 })
    }

    @Test func entriesFromAColourTableAsGTiffPadsIt() {
        let transparent = RGBA(red: 0, green: 0, blue: 0, alpha: 0), black = RGBA(red: 0, green: 0, blue: 0)
        let red = RGBA(red: 255, green: 0, blue: 0), green = RGBA(red: 0, green: 255, blue: 0)
        // Value 3 is black on purpose: it is a class, since a coloured class follows it.
        let table = ColorTable(entries: [transparent, red, transparent, black, green] + Array(repeating: black, count: 251))
        #expect(QGISStyle.entries(colorTable: table, categoryNames: [], noData: 0)
                == [.init(value: 1, color: red, label: ""), .init(value: 3, color: black, label: ""), .init(value: 4, color: green, label: "")])
        // With names, exactly the named values; nodata left out even when named.
        #expect(QGISStyle.entries(colorTable: table, categoryNames: ["none", "", "", "Ba", "Bốn", "", "Sáu"], noData: 0)
                == [.init(value: 3, color: black, label: "Ba"), .init(value: 4, color: green, label: "Bốn"), .init(value: 6, color: black, label: "Sáu")])
        #expect(QGISStyle.palettedRaster(colorTable: nil, categoryNames: ["", ""], noData: 0) == nil)
    }

    @Test func combinedMapsHaveTheirStyle() throws {
        let directory = TemporaryDirectory()
        // One-out-all-out: the SDG 15.3.1 scheme's classes.
        var a: [UInt8] = [], b: [UInt8] = []
        for x in 1...3 { for y in 1...3 { a.append(UInt8(x)); b.append(UInt8(y)) } }
        try writeRaster(directory.path("a.tif"), width: 9, height: 1, values: a, noData: 0)
        try writeRaster(directory.path("b.tif"), width: 9, height: 1, values: b, noData: 0)
        try CombineJob.run(inputs: [directory.path("a.tif"), directory.path("b.tif")], method: .oneOutAllOut, to: directory.path("sdg.tif"))
        #expect(try Self.read(directory.path("sdg.qml")).entries == Self.expected(BuiltInSchemes.sdg1531, vietnamese: false))
        // Count of degraded inputs: values 0...2, nodata 255 left out.
        try CombineJob.run(inputs: [directory.path("a.tif"), directory.path("b.tif")], method: .count(degradedValue: 1), to: directory.path("count.tif"))
        #expect(try Self.read(directory.path("count.qml")).entries.map(\.label) == ["0 of 2 degraded", "1 of 2 degraded", "2 of 2 degraded"])
        // Worst-of: the first input's colours and (Vietnamese) names.
        let scheme = try BuiltInSchemes.named("qcvn03-zn")
        for band in [1, 2] {
            try ClassifyJob.run(ClassifyRequest(input: Repository.landsat, band: band, rule: .scheme(scheme), vietnameseLabels: true),
                                to: directory.path("zn\(band).tif"))
        }
        try CombineJob.run(inputs: [directory.path("zn1.tif"), directory.path("zn2.tif")], method: .worstOf, to: directory.path("worst.tif"))
        #expect(try Self.read(directory.path("worst.qml")).entries == Self.expected(scheme, vietnamese: true))
        // Maps without a legend give a map without a style.
        try CombineJob.run(inputs: [directory.path("a.tif"), directory.path("b.tif")], method: .worstOf, to: directory.path("plain.tif"))
        #expect(FileManager.default.fileExists(atPath: directory.path("plain.tif")))
        #expect(!FileManager.default.fileExists(atPath: directory.path("plain.qml")))
    }

    @Test func aFailedClassifyLeavesNoStyle() throws {
        let directory = TemporaryDirectory()
        let classes = directory.path("classes.tif")
        // A band that does not exist: nothing is written.
        let missingBand = try runSoilmap(["classify", Repository.landsat, "--band", "9", "--breaks", "50,100", "-o", classes, "-q"])
        #expect(missingBand.status == 1 && missingBand.stderr.split(separator: "\n").count == 1)
        #expect(directory.files.isEmpty)
        // A directory where the style would go: refused before any work, and neither file is written.
        try FileManager.default.createDirectory(atPath: directory.path("classes.qml"), withIntermediateDirectories: false)
        let blocked = try runSoilmap(["classify", Repository.landsat, "--breaks", "50,100", "-o", classes, "-q"])
        #expect(blocked.status == 1)
        #expect(blocked.stderr == "soilmap: \(directory.path("classes.qml")): is a directory; give a file name for the output (a directory is never replaced)\n")
        #expect(directory.files == ["classes.qml"])
        // An existing style is kept without --overwrite, and the map is not written either.
        try FileManager.default.removeItem(atPath: directory.path("classes.qml"))
        try Data("mine".utf8).write(to: URL(fileURLWithPath: directory.path("classes.qml")))
        let kept = try runSoilmap(["classify", Repository.landsat, "--breaks", "50,100", "-o", classes, "-q"])
        #expect(kept.status == 1 && kept.stderr == "soilmap: \(directory.path("classes.qml")): already exists (use --overwrite to replace it)\n")
        #expect(directory.files == ["classes.qml"])
        #expect(try String(contentsOfFile: directory.path("classes.qml"), encoding: .utf8) == "mine")
    }
}
