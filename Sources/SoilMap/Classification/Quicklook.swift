import CCairo
import Foundation
import GDAL

/// A map a planner can paste into a report: the classes in their colours, a legend with the labels, a title
/// and a scale bar, as a PNG. Drawn with cairo; text in DejaVu Sans, which covers Vietnamese.
public enum Quicklook {
    public struct Options: Sendable {
        public var title: String
        public var subtitle: String
        /// The longest side of the map, in pixels.
        public var mapSize: Int

        public init(title: String, subtitle: String = "", mapSize: Int = 720) {
            self.title = title
            self.subtitle = subtitle
            self.mapSize = mapSize
        }
    }

    /// What was drawn: the legend's entries, for callers and tests.
    public struct Legend: Sendable, Equatable {
        public var entries: [(value: Int, label: String, color: RGBA)]
        public var scaleBarMetres: Double
        /// Image size, and the centre of each legend swatch (same order as `entries`), in image pixels.
        public var width = 0, height = 0
        public var swatchCentres: [(x: Int, y: Int)] = []
        public static func == (a: Legend, b: Legend) -> Bool {
            a.scaleBarMetres == b.scaleBarMetres && a.entries.map(\.value) == b.entries.map(\.value) && a.entries.map(\.label) == b.entries.map(\.label)
        }
    }

    /// Renders a classified raster (colour table and category names, as `classify` writes) to `png`.
    /// A large raster is read through its overviews or decimated by GDAL (nearest neighbour: classes are never blended).
    @discardableResult
    public static func render(classified path: String, to png: String, options: Options, overwrite: Bool = true,
                              transaction: OutputTransaction? = nil) throws -> Legend {
        try OutputTransaction.within(transaction, overwrite: overwrite, inputs: [path]) { transaction in
            try transaction.check(png)
            return try draw(classified: path, to: png, options: options, transaction: transaction)
        }
    }

    private static func draw(classified path: String, to png: String, options: Options, transaction: OutputTransaction) throws -> Legend {
        let dataset = try Dataset.open(path, kind: .raster)
        let band = try dataset.band(1)
        guard let colours = band.colorTable else {
            throw SoilMapError.invalidInput(path: path, "has no colour table: classify it first (soilmap classify)")
        }
        let names = band.categoryNames
        let noData = band.noDataValue.map { Int($0) }
        // Source pixels per map pixel: below 1 a small raster is enlarged (nearest neighbour, so still crisp classes).
        let factor = Double(max(dataset.width, dataset.height)) / Double(options.mapSize)
        let mapWidth = max(1, Int((Double(dataset.width) / factor).rounded())), mapHeight = max(1, Int((Double(dataset.height) / factor).rounded()))
        let values: [UInt8] = try band.read(window: PixelWindow(width: dataset.width, height: dataset.height),
                                            bufferWidth: mapWidth, bufferHeight: mapHeight)
        let entries = colours.entries.enumerated().compactMap { value, colour -> (value: Int, label: String, color: RGBA)? in
            guard value != noData, value < names.count, !names[value].isEmpty else { return nil }
            return (value, names[value], colour)
        }

        // Layout.
        let margin = 24.0, titleHeight = options.subtitle.isEmpty ? 44.0 : 64.0, legendWidth = 320.0, rowHeight = 26.0
        let legendHeight = 30 + Double(entries.count) * rowHeight
        let scaleHeight = 56.0
        let width = Int(margin * 3 + Double(mapWidth) + legendWidth)
        let height = Int(margin * 2 + titleHeight + max(Double(mapHeight), legendHeight) + scaleHeight)

        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)) else {
            throw SoilMapError.invalidArgument("cannot create a \(width)x\(height) image")
        }
        defer { cairo_surface_destroy(surface) }
        let context = cairo_create(surface)!
        defer { cairo_destroy(context) }
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD)

        // Title.
        cairo_set_source_rgb(context, 0.1, 0.1, 0.1)
        cairo_set_font_size(context, 22)
        cairo_move_to(context, margin, margin + 22)
        cairo_show_text(context, options.title)
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        if !options.subtitle.isEmpty {
            cairo_set_font_size(context, 14)
            cairo_set_source_rgb(context, 0.35, 0.35, 0.35)
            cairo_move_to(context, margin, margin + 46)
            cairo_show_text(context, options.subtitle)
        }

        // The map: one image pixel per sample, drawn at its place; nodata light grey.
        let mapX = margin, mapY = margin + titleHeight
        guard let image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(mapWidth), Int32(mapHeight)) else {
            throw SoilMapError.invalidArgument("cannot create the map image")
        }
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        let pixels = cairo_image_surface_get_data(image)!
        let lookup: [UInt32] = (0..<256).map { value in
            guard value != noData, value < colours.entries.count, colours.entries[value].alpha > 0 else { return 0xFFEE_EEEE }
            let colour = colours.entries[value]
            return 0xFF00_0000 | UInt32(colour.red) << 16 | UInt32(colour.green) << 8 | UInt32(colour.blue)
        }
        for row in 0..<mapHeight {
            let line = UnsafeMutableRawPointer(pixels + row * stride).assumingMemoryBound(to: UInt32.self)
            for column in 0..<mapWidth { line[column] = lookup[Int(values[row * mapWidth + column])] }
        }
        cairo_surface_mark_dirty(image)
        cairo_set_source_surface(context, image, mapX, mapY)
        cairo_paint(context)
        cairo_set_source_rgb(context, 0.3, 0.3, 0.3)
        cairo_set_line_width(context, 1)
        cairo_rectangle(context, mapX - 0.5, mapY - 0.5, Double(mapWidth) + 1, Double(mapHeight) + 1)
        cairo_stroke(context)

        // Legend.
        let legendX = mapX + Double(mapWidth) + margin
        cairo_set_source_rgb(context, 0.1, 0.1, 0.1)
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD)
        cairo_set_font_size(context, 15)
        cairo_move_to(context, legendX, mapY + 14)
        cairo_show_text(context, band.bandDescription.isEmpty ? "Legend" : band.bandDescription)
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, 13)
        for (index, entry) in entries.enumerated() {
            let y = mapY + 30 + Double(index) * rowHeight
            cairo_set_source_rgb(context, Double(entry.color.red) / 255, Double(entry.color.green) / 255, Double(entry.color.blue) / 255)
            cairo_rectangle(context, legendX, y, 28, 18)
            cairo_fill_preserve(context)
            cairo_set_source_rgb(context, 0.3, 0.3, 0.3)
            cairo_stroke(context)
            cairo_set_source_rgb(context, 0.1, 0.1, 0.1)
            cairo_move_to(context, legendX + 38, y + 14)
            cairo_show_text(context, entry.label)
        }

        // Scale bar: a round length near a quarter of the map's width.
        let metresPerPixel = try groundPixelSize(dataset) * factor
        let target = metresPerPixel * Double(mapWidth) / 4
        let magnitude = pow(10, (log10(max(target, 1e-9))).rounded(.down))
        let length = [1.0, 2, 5, 10].map { $0 * magnitude }.last { $0 <= target } ?? magnitude
        let barPixels = length / metresPerPixel
        let barY = mapY + max(Double(mapHeight), legendHeight) + 24
        cairo_set_source_rgb(context, 0.1, 0.1, 0.1)
        cairo_rectangle(context, mapX, barY, barPixels / 2, 6)
        cairo_fill(context)
        cairo_rectangle(context, mapX + barPixels / 2, barY, barPixels / 2, 6)
        cairo_set_line_width(context, 1)
        cairo_stroke(context)
        cairo_set_font_size(context, 12)
        let unitLabel = length >= 1000 ? "\(formatNumber(length / 1000)) km" : "\(formatNumber(length)) m"
        for (x, text) in [(mapX, "0"), (mapX + barPixels, unitLabel)] {
            cairo_move_to(context, x - 3, barY + 22)
            cairo_show_text(context, text)
        }

        try transaction.write(png, pathExtension: "png") { temporary in
            let status = cairo_surface_write_to_png(surface, temporary)
            guard status == CAIRO_STATUS_SUCCESS else {
                throw SoilMapError.invalidInput(path: png, "cannot be written (\(String(cString: cairo_status_to_string(status))))")
            }
        }
        return Legend(entries: entries, scaleBarMetres: length, width: width, height: height,
                      swatchCentres: entries.indices.map { (Int(legendX + 14), Int(mapY + 30 + Double($0) * rowHeight + 9)) })
    }

    /// The size of a pixel on the ground, in metres (at the centre latitude for a geographic CRS).
    static func groundPixelSize(_ dataset: Dataset) throws -> Double {
        guard let transform = dataset.geoTransform else { return 1 }
        guard let crs = dataset.spatialReference else { return abs(transform.pixelWidth) }
        if crs.isGeographic {
            let centre = transform.world(column: Double(dataset.width) / 2, row: Double(dataset.height) / 2)
            return abs(transform.pixelWidth) * 111_320 * cos(centre.y * .pi / 180)
        }
        return abs(transform.pixelWidth) * crs.linearUnitsInMetres
    }
}
