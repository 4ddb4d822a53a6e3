import Drawing
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

        let canvas: Canvas
        do { canvas = try Canvas(width: width, height: height) } catch { throw SoilMapError.invalidArgument(error.description) }
        let ink = Colour(grey: 0.1), frame = Colour(grey: 0.3)

        // Title.
        canvas.text(options.title, x: margin, y: margin + 22, size: 22, bold: true, colour: ink)
        if !options.subtitle.isEmpty {
            canvas.text(options.subtitle, x: margin, y: margin + 46, size: 14, colour: Colour(grey: 0.35))
        }

        // The map: one image pixel per sample, drawn at its place; nodata light grey.
        let mapX = margin, mapY = margin + titleHeight
        let lookup: [UInt32] = (0..<256).map { value in
            guard value != noData, value < colours.entries.count, colours.entries[value].alpha > 0 else { return 0xFFEE_EEEE }
            let colour = colours.entries[value]
            return 0xFF00_0000 | UInt32(colour.red) << 16 | UInt32(colour.green) << 8 | UInt32(colour.blue)
        }
        do {
            try canvas.image(pixels: values.map { lookup[Int($0)] }, width: mapWidth, height: mapHeight, x: mapX, y: mapY)
        } catch {
            throw SoilMapError.invalidArgument(error.description)
        }
        canvas.strokeRectangle(x: mapX - 0.5, y: mapY - 0.5, width: Double(mapWidth) + 1, height: Double(mapHeight) + 1, colour: frame)

        // Legend.
        let legendX = mapX + Double(mapWidth) + margin
        canvas.text(band.bandDescription.isEmpty ? "Legend" : band.bandDescription, x: legendX, y: mapY + 14, size: 15, bold: true, colour: ink)
        for (index, entry) in entries.enumerated() {
            let y = mapY + 30 + Double(index) * rowHeight
            canvas.fillRectangle(x: legendX, y: y, width: 28, height: 18,
                                 colour: Colour(red: entry.color.red, green: entry.color.green, blue: entry.color.blue), outline: frame)
            canvas.text(entry.label, x: legendX + 38, y: y + 14, size: 13, colour: ink)
        }

        // Scale bar: a round length near a quarter of the map's width.
        let metresPerPixel = try groundPixelSize(dataset) * factor
        let target = metresPerPixel * Double(mapWidth) / 4
        let magnitude = pow(10, (log10(max(target, 1e-9))).rounded(.down))
        let length = [1.0, 2, 5, 10].map { $0 * magnitude }.last { $0 <= target } ?? magnitude
        let barPixels = length / metresPerPixel
        let barY = mapY + max(Double(mapHeight), legendHeight) + 24
        canvas.fillRectangle(x: mapX, y: barY, width: barPixels / 2, height: 6, colour: ink)
        canvas.strokeRectangle(x: mapX + barPixels / 2, y: barY, width: barPixels / 2, height: 6, colour: ink)
        let unitLabel = length >= 1000 ? "\(formatNumber(length / 1000)) km" : "\(formatNumber(length)) m"
        for (x, text) in [(mapX, "0"), (mapX + barPixels, unitLabel)] {
            canvas.text(text, x: x - 3, y: barY + 22, size: 12, colour: ink)
        }

        try transaction.write(png, pathExtension: "png") { temporary in
            do { try canvas.writePNG(to: temporary) } catch { throw SoilMapError.invalidInput(path: png, "cannot be written (\(error))") }
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
