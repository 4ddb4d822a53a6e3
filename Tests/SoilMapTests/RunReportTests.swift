import CCairo
import Foundation
import GDAL
import Testing
@testable import SoilMap

/// The run report of a real run, read back with Python's HTML parser (Tests/reference/report_read.py) and
/// compared with the CSV as Python's csv module reads it; its script run and its page drawn by headless Chromium.
@Suite(.serialized) struct RunReportTests {
    static let script = Repository.path("Tests/reference/report_read.py")
    static let chromium = "/usr/bin/chromium"

    struct Page: Decodable {
        struct Table: Decodable { var id: String?; var headers: [String]; var labels: [String]; var rows: [[String]]; var keys: [[String?]]; var hidden: [Bool] }
        struct Image: Decodable { var alt: String?; var sha256: String; var bytes: Int }
        struct CSV: Decodable { var columns: [String]; var levels: [String: Int]; var target_met: [String: Int]; var rows: [[String: String]] }
        var tables: [Table]
        var images: [Image]
        var external: [String]
        var text: String
        var csv: CSV?

        func table(withHeaders headers: [String], rows: Int? = nil) -> Table? {
            tables.first { table in headers.allSatisfy(table.headers.contains) && rows.map { $0 == table.rows.count } ?? true }
        }
    }

    static func read(_ html: String, csv: String? = nil) throws -> Page {
        let result = try run("/usr/bin/python3", [script, html] + (csv.map { ["--csv", $0] } ?? []))
        try #require(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode(Page.self, from: Data(result.stdout.utf8))
    }

    static func sha256(_ path: String) throws -> String { String(try run("/usr/bin/sha256sum", [path]).stdout.prefix(64)) }

    @Test func aRealRunReadsBackAsItsFiles() throws {
        let fixture = try RunFixture()
        let data = try RunReport.html(for: fixture.manifest, runDirectory: fixture.path)
        #expect(try RunReport.html(for: fixture.manifest, runDirectory: fixture.path) == data, "the same run gives the same bytes")
        try fixture.write(["report.html": data])
        let html = try #require(String(data: data, encoding: .utf8))
        let page = try Self.read(fixture.path + "/report.html", csv: fixture.path + "/by_tract.csv")
        let csv = try #require(page.csv)

        // Self-contained: no resource from a server, no external script or style sheet.
        #expect(page.external.isEmpty, "\(page.external)")
        // The header.
        #expect(page.text.contains("olinda-cover.yaml") && page.text.contains("succeeded"))
        let gdalVersion = try run("/usr/bin/gdalinfo", ["--version"]).stdout.split(separator: ",")[0].dropFirst("GDAL ".count)
        #expect(html.contains("<dt>GDAL</dt><dd>\(gdalVersion)</dd>"))

        // The class map: the step's own quicklook, byte for byte, with its legend in Vietnamese.
        #expect(page.images.count == 1)
        #expect(page.images.first?.sha256 == (try Self.sha256(fixture.path + "/classes.png")))
        for label in ["Nước / đất trống", "Thực vật thưa", "Thực vật trung bình", "Thực vật dày"] { #expect(page.text.contains(label)) }

        // The per-zone table: every zone row of the CSV, in its order, values as written (for sorting); the class
        // columns also carry their class's label.
        let zoneRows = csv.rows.filter { $0["level"] == "zone" }, rollUpRows = csv.rows.filter { $0["level"] != "zone" }
        #expect(zoneRows.count == 470 && csv.levels["total"] == 1 && rollUpRows.count == csv.levels["group"]! + 1)
        let zones = try #require(page.table(withHeaders: ["zone_id", "zone_name", "class_4_pct", "target_pct", "target_met"], rows: zoneRows.count))
        #expect(!zones.headers.contains("level"))
        #expect(zones.labels[zones.headers.firstIndex(of: "class_4_pct")!] == "Thực vật dày")
        #expect(zones.labels[zones.headers.firstIndex(of: "class_1_ha")!] == "Nước / đất trống")
        let idColumn = try #require(zones.headers.firstIndex(of: "zone_id")), pctColumn = try #require(zones.headers.firstIndex(of: "target_pct"))
        #expect(zones.rows.map { $0[idColumn] } == zoneRows.map { $0["zone_id"]! })
        #expect(zones.keys.map { $0[pctColumn] } == zoneRows.map { $0["target_pct"]! })
        #expect(zones.rows.contains { $0.contains("São Benedito") })

        // Roll-ups apart: the groups and the total, by the groups' own id column.
        let rollUps = try #require(page.table(withHeaders: ["level", "group_id", "group_name", "target_met"], rows: rollUpRows.count))
        #expect(rollUps.rows.map { $0[0] } == rollUpRows.map { $0["level"]! })
        #expect(rollUps.rows.map { $0[rollUps.headers.firstIndex(of: "group_id")!] } == rollUpRows.map { $0["group_id"]! })
        #expect(!rollUps.headers.contains("zone_id"), "a column empty in every roll-up row is left out")

        // The target check: one row per unit, failures first, as many passes and failures as the CSV says.
        let target = try #require(page.table(withHeaders: ["level", "id", "name", "group", "target_pct", "target_met"]))
        let failures = csv.target_met["no"]!, passes = csv.target_met["yes"]!
        #expect(failures > 10 && target.rows.count == csv.rows.count)
        #expect(target.rows.prefix(failures).allSatisfy { $0.last == "✗ not met" })
        #expect(target.rows.dropFirst(failures).allSatisfy { $0.last != "✗ not met" })
        #expect(target.rows.filter { $0.last == "✓ met" }.count == passes)
        let zoneFailures = zoneRows.filter { $0["target_met"] == "no" }.count
        #expect(page.text.contains("\(zoneRows.filter { $0["target_met"] == "yes" }.count) of 470 zones meet the target · \(zoneFailures) do not"))
        let ouroPreto = try #require(target.rows.first { $0[1] == "260960005000016" })
        #expect(ouroPreto == ["zone", "260960005000016", "Ouro Preto", "Ouro Preto", "60.25", "✗ not met"])
        let group = try #require(rollUpRows.first { $0["level"] == "group" })
        #expect(target.rows.contains { $0[0] == "group" && $0[1] == group["group_id"]! && $0[2] == group["group_name"]! })

        // The GeoPackage table: read through OGR's layers (zones, then groups and total).
        #expect(page.table(withHeaders: ["zone_id", "mean", "min", "max"], rows: 470) != nil)
        #expect(page.table(withHeaders: ["level", "group_id", "mean"], rows: rollUpRows.count) != nil)

        // Steps and inputs.
        let steps = try #require(page.table(withHeaders: ["Step", "Kind", "Status", "Time", "Outputs", "Warnings"]))
        #expect(steps.rows.map { $0[1] } == ["ndvi", "classes", "cover_by_tract", "ndvi_by_tract"])
        #expect(steps.rows.map { $0[3] } == ["computed", "computed", "reused", "computed"])
        #expect(steps.rows.map { $0[6] } == ["", "", "2", ""])
        let inputs = try #require(page.table(withHeaders: ["Path", "Size", "SHA-256"]))
        #expect(inputs.rows.map { $0[0] } == [Repository.landsat, RunFixture.zones, RunFixture.scheme])
        #expect(inputs.rows[0][2] == String(try Self.sha256(Repository.landsat).prefix(12)) + "…")
        #expect(inputs.keys[0][1] == (try FileManager.default.attributesOfItem(atPath: Repository.landsat)[.size] as! NSNumber).stringValue)

        // A warning with markup characters is shown as text, escaped in the source.
        #expect(page.text.contains("2 zones <outside> the raster & counted 0"))
        #expect(html.contains("2 zones &lt;outside&gt; the raster &amp; counted 0") && !html.contains("<outside>"))
    }

    @Test func aFailedRunWithoutQuicklookStillShowsItsMap() throws {
        let fixture = try RunFixture()
        var manifest = fixture.manifest!
        manifest.status = "failed"
        manifest.error = "step 'cover_by_tract': <zones.shp> & co: no such file"
        manifest.steps[1].outputs.removeAll { $0.path == "classes.png" }
        try FileManager.default.removeItem(atPath: fixture.path + "/classes.png")
        try fixture.write(["report.html": try RunReport.html(for: manifest, runDirectory: fixture.path)])
        let page = try Self.read(fixture.path + "/report.html")
        #expect(page.text.contains("failed") && page.text.contains("step 'cover_by_tract': <zones.shp> & co: no such file"))
        // Drawn now, as `classify --quicklook` would: 714 x 720 map, legend, title with a subtitle, scale bar.
        let image = try #require(page.images.first)
        #expect(image.bytes > 10_000)
        let html = try String(contentsOfFile: fixture.path + "/report.html", encoding: .utf8)
        let base64 = try #require(html.range(of: "data:image/png;base64,").map { html[$0.upperBound...].prefix { $0 != "\"" } })
        let png = try #require(Data(base64Encoded: String(base64)))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 24 * 3 + 714 + 320 && height == 24 * 2 + 64 + 720 + 56)
    }

    @Test func aMissingTableIsNamed() throws {
        let fixture = try RunFixture()
        try FileManager.default.removeItem(atPath: fixture.path + "/by_tract.csv")
        #expect(throws: SoilMapError.invalidInput(path: fixture.path + "/by_tract.csv",
                                                  "is an output of step 'cover_by_tract' in the manifest but is missing from the run directory")) {
            try RunReport.html(for: fixture.manifest, runDirectory: fixture.path)
        }
    }

    /// The demo pipeline as `soilmap run` leaves it: its manifest catalogued and reported, checked by the same
    /// independent readers.
    @Test func theDemoPipelineRunIsCataloguedAndReported() throws {
        let directory = TemporaryDirectory()
        let runDirectory = directory.path("run")
        var text = try String(contentsOfFile: Repository.path("pipelines/demo.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "  samples: samples", with: "  samples: \(Repository.path("samples"))")
            .replacingOccurrences(of: "  out: out/demo", with: "  out: \(runDirectory)")
        try text.write(toFile: directory.path("demo.yaml"), atomically: true, encoding: .utf8)
        let result = try runSoilmap(["run", directory.path("demo.yaml"), "--set", "date=2025-06"])
        try #require(result.status == 0, "\(result.stderr)")
        let manifest = try JSONDecoder().decode(RunManifest.self, from: Data(contentsOf: URL(fileURLWithPath: runDirectory + "/manifest.json")))

        for (path, data) in try StacCatalog.documents(for: manifest, runDirectory: runDirectory) {
            try data.write(to: URL(fileURLWithPath: "\(runDirectory)/\(path)"))
        }
        let catalog = try StacCatalogTests.check(runDirectory)
        #expect(Set(catalog.items.keys) == ["olinda_indices", "olinda_ndvi_classes", "olinda_ndvi_by_tract", "olinda_classes_by_tract"])
        #expect(Set(catalog.items["olinda_ndvi_classes"]?.assets.keys.map { $0 } ?? []) == ["data", "quicklook", "qgis-style", "aux-xml"])
        #expect(catalog.items.values.allSatisfy { $0.start_datetime == "2025-06-01T00:00:00Z" && $0.end_datetime == "2025-06-30T23:59:59Z" })
        #expect(catalog.items.values.allSatisfy { $0.geometry == "Polygon" })

        try RunReport.html(for: manifest, runDirectory: runDirectory).write(to: URL(fileURLWithPath: runDirectory + "/report.html"))
        let page = try Self.read(runDirectory + "/report.html")
        #expect(page.external.isEmpty && page.images.count == 1)
        #expect(page.images.first?.sha256 == (try Self.sha256(runDirectory + "/olinda_ndvi_classes.png")))
        let zones = try #require(page.table(withHeaders: ["zone_id", "class_3_pct", "target_met"], rows: 470))
        #expect(zones.labels[zones.headers.firstIndex(of: "class_3_pct")!] == "Thực vật trung bình", "from the GeoPackage's classes table")
        #expect(page.table(withHeaders: ["zone_id", "mean", "std"], rows: 470) != nil)
        #expect(page.text.contains("12 of 470 zones have an empty CD_GEOCODB"))
    }

    @Test func theGroupOfZonesWithoutOneIsNamed() {
        // Tables where the zones without a group are rolled up into a group row with no id or name.
        let columns = ["level", "zone_id", "zone_name", "group_id", "group_name", "target_met"]
        let rows = [["group", "", "", "", "", "no"], ["group", "", "", "7", "Bảy", "yes"], ["total", "", "", "", "", "yes"]]
        #expect(RunReport.Page.namingUngrouped(rows, columns: columns)
                == [["group", "", "", "", "(zones without a group)", "no"], rows[1], rows[2]])
        // Groups named in zone_name (the older layout): the name goes there.
        let older = [["group", "", "", "", "", "no"], ["group", "7", "Bảy", "", "", "yes"]]
        #expect(RunReport.Page.namingUngrouped(older, columns: columns)[0] == ["group", "", "(zones without a group)", "", "", "no"])
    }

    @Test func csvAsSoilmapWritesIt() throws {
        let text = "\u{FEFF}a,\"b, with comma\",c\r\n1,\"say \"\"hi\"\"\",\r\n\"line\nbreak\",Đà Nẵng\n"
        let (columns, rows) = try CSVTable.parse(Data(text.utf8), path: "t.csv")
        #expect(columns == ["a", "b, with comma", "c"])
        #expect(rows == [["1", "say \"hi\"", ""], ["line\nbreak", "Đà Nẵng", ""]])
        #expect(throws: SoilMapError.invalidInput(path: "t.csv", "ends inside a quoted field")) { try CSVTable.parse(Data("a\n\"open".utf8), path: "t.csv") }
    }

    /// Runs the page's own script in headless Chromium: clicks a header twice and types in a filter, then reads
    /// the resulting DOM; and draws the page, which must not be blank.
    @Test func sortsFiltersAndDrawsInChromium() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium), "no Chromium at \(Self.chromium): run `make setup`")
        let fixture = try RunFixture()
        let html = try RunReport.html(for: fixture.manifest, runDirectory: fixture.path)
        try fixture.write(["report.html": html])
        let page = try Self.read(fixture.path + "/report.html")
        let zones = try #require(page.tables.firstIndex { $0.headers.contains("class_4_pct") && $0.rows.count == 470 })
        let tableID = try #require(page.tables[zones].id)
        let column = try #require(page.tables[zones].headers.firstIndex(of: "class_4_pct"))
        // After the page's script: sort by the column (ascending, then descending), and filter without accents.
        let harness = """
        <script>
        (function(){
          var t = document.getElementById('\(tableID)'), th = t.tHead.rows[0].cells[\(column)], out = {};
          function column(){ return Array.prototype.map.call(t.tBodies[0].rows, function(r){ return r.cells[\(column)].getAttribute('data-v'); }); }
          th.click(); out.ascending = column(); th.click(); out.descending = column();
          var f = document.querySelector('input.filter[data-table="\(tableID)"]');
          f.value = 'sao benedito'; f.dispatchEvent(new Event('input'));
          out.visible = Array.prototype.filter.call(t.tBodies[0].rows, function(r){ return !r.hidden; }).map(function(r){ return r.textContent; });
          var pre = document.createElement('pre'); pre.id = 'harness'; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
        })();
        </script>
        """
        let harnessPage = fixture.path + "/harness.html"
        try (String(decoding: html, as: UTF8.self).replacingOccurrences(of: "</body>", with: harness + "</body>")).write(toFile: harnessPage, atomically: true, encoding: .utf8)
        let profile = fixture.path + "/chromium-profile"
        let arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)"]
        let dom = try run(Self.chromium, arguments + ["--dump-dom", "file://\(harnessPage)"])
        let json = try #require(dom.stdout.range(of: "<pre id=\"harness\">").flatMap { start in
            dom.stdout[start.upperBound...].range(of: "</pre>").map { dom.stdout[start.upperBound..<$0.lowerBound] }
        }, "\(dom.stderr)")
        struct Result: Decodable { var ascending: [String?]; var descending: [String?]; var visible: [String] }
        let unescaped = json.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        let result = try JSONDecoder().decode(Result.self, from: Data(unescaped.utf8))
        // Numbers in numeric order (not text order) both ways, and cells without a value last both ways.
        let valued = page.tables[zones].keys.filter { !($0[column] ?? "").isEmpty }.count
        #expect(valued > 400)
        for (order, increasing) in [(result.ascending, true), (result.descending, false)] {
            let numbers = order.prefix(valued).compactMap { $0.flatMap(Double.init) }
            #expect(numbers.count == valued && numbers == (increasing ? numbers.sorted() : numbers.sorted().reversed()))
            #expect(order.dropFirst(valued).allSatisfy { ($0 ?? "").isEmpty })
        }
        #expect(result.visible.count == page.tables[zones].rows.filter { $0.contains("São Benedito") }.count && !result.visible.isEmpty)
        #expect(result.visible.allSatisfy { $0.contains("São Benedito") })

        // The page as a picture: drawn, 1400 wide, with the header's colour and many colours (map, badges, text).
        let screenshot = fixture.path + "/report.png"
        let shot = try run(Self.chromium, arguments + ["--hide-scrollbars", "--screenshot=\(screenshot)", "--window-size=1400,2000",
                                                       "file://\(fixture.path)/report.html"])
        let surface = try #require(cairo_image_surface_create_from_png(screenshot), "\(shot.stderr)")
        defer { cairo_surface_destroy(surface) }
        try #require(cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, "\(shot.stderr)")
        #expect(cairo_image_surface_get_width(surface) == 1400 && cairo_image_surface_get_height(surface) == 2000)
        let rowBytes = Int(cairo_image_surface_get_stride(surface)), pixels = try #require(cairo_image_surface_get_data(surface))
        func pixel(_ x: Int, _ y: Int) -> UInt32 { UnsafeRawPointer(pixels + y * rowBytes).assumingMemoryBound(to: UInt32.self)[x] & 0xFF_FFFF }
        var colours = Set<UInt32>()
        for y in stride(from: 0, to: 2000, by: 4) { for x in stride(from: 0, to: 1400, by: 4) { colours.insert(pixel(x, y)) } }
        #expect(colours.count > 200, "a blank or unstyled page has few colours: \(colours.count)")
        let header = pixel(10, 10)
        #expect(header >> 16 < 0x40 && (header >> 8 & 0xFF) > header >> 16, "the header's dark green: \(String(header, radix: 16))")
        // Each class colour of the map is on the page.
        for colour: UInt32 in [0x2C7BB6, 0xFDAE61, 0xA6D96A, 0x1A9641] { #expect(colours.contains(colour) || colourNear(colour, in: colours)) }
    }

    private func colourNear(_ colour: UInt32, in colours: Set<UInt32>) -> Bool {
        colours.contains { other in
            [16, 8, 0].allSatisfy { shift in abs(Int(colour >> UInt32(shift) & 0xFF) - Int(other >> UInt32(shift) & 0xFF)) <= 2 }
        }
    }
}
