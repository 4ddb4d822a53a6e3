import CCairo
import Foundation
import Testing
import GDAL
@testable import SoilMap

@Suite struct QuicklookTests {
    /// The Olinda NDVI classified with Vietnamese labels: the PNG has the expected size, and the legend shows
    /// every class in its colour.
    @Test func olindaQuicklookWithVietnameseLabels() throws {
        let directory = TemporaryDirectory()
        let ndvi = directory.path("ndvi.tif"), classes = directory.path("classes.tif"), png = directory.path("map.png")
        try IndexJob.run(IndexRequest(outputs: [try IndexOutput.catalogue("NDVI")], sources: Repository.landsatSources(["red", "nir"])), to: ndvi)
        let scheme = ClassScheme(id: "ndvi-cover", title: "Lớp phủ thực vật", unit: "NDVI", source: "test", classes: [
            ClassDefinition(value: 1, label: "Nước / đất trống", color: "#2C7BB6", max: 0),
            ClassDefinition(value: 2, label: "Thực vật thưa", color: "#FDAE61", min: 0, max: 0.2),
            ClassDefinition(value: 3, label: "Thực vật trung bình", color: "#A6D96A", min: 0.2, max: 0.4),
            ClassDefinition(value: 4, label: "Thực vật dày", color: "#1A9641", min: 0.4),
        ])
        try ClassifyJob.run(ClassifyRequest(input: ndvi, rule: .scheme(scheme)), to: classes)
        let legend = try Quicklook.render(classified: classes, to: png, options: .init(title: "Olinda — chỉ số NDVI"))
        #expect(legend.entries.map(\.label) == scheme.classes.map(\.label))
        // 349 x 352 enlarged to 720 on the long side: 714 x 720, plus margins, legend, title and scale bar.
        #expect(legend.width == Int(24.0 * 3 + 714 + 320) && legend.height == Int(24.0 * 2 + 44 + 720 + 56))
        // 9.9 km wide map: a quarter is 2.5 km, so a 2 km bar.
        #expect(legend.scaleBarMetres == 2000)

        let surface = try #require(cairo_image_surface_create_from_png(png))
        defer { cairo_surface_destroy(surface) }
        #expect(cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS)
        #expect(Int(cairo_image_surface_get_width(surface)) == legend.width)
        #expect(Int(cairo_image_surface_get_height(surface)) == legend.height)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = try #require(cairo_image_surface_get_data(surface))
        func pixel(_ x: Int, _ y: Int) -> UInt32 {
            UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)[x] & 0x00FF_FFFF
        }
        for (entry, centre) in zip(legend.entries, legend.swatchCentres) {
            let expected = UInt32(entry.color.red) << 16 | UInt32(entry.color.green) << 8 | UInt32(entry.color.blue)
            #expect(pixel(centre.x, centre.y) == expected, "legend swatch of \(entry.label)")
        }
        // Every class also appears on the map itself.
        var seen = Set<UInt32>()
        for y in (24 + 44)..<(24 + 44 + 720) { for x in 24..<(24 + 714) { seen.insert(pixel(x, y)) } }
        for entry in legend.entries {
            #expect(seen.contains(UInt32(entry.color.red) << 16 | UInt32(entry.color.green) << 8 | UInt32(entry.color.blue)))
        }
    }

    @Test func refusesARasterWithoutColours() throws {
        let error = #expect(throws: SoilMapError.self) {
            try Quicklook.render(classified: Repository.landsat, to: "/tmp/never.png", options: .init(title: "x"))
        }
        #expect(error?.description.contains("has no colour table") == true)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never.png"))
    }
}
