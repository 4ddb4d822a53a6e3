import Foundation
import GDAL

/// A QGIS layer style (`.qml`) for a class map: QGIS's paletted ("unique values") raster renderer with each
/// class's value, colour and label. Saved as `MAP.qml` beside `MAP.tif`, QGIS loads it by itself as the layer's
/// default style, so a class map opens with its legend even where the `.aux.xml` sidecar (colour table aside,
/// the category names) was lost.
///
/// The structure is what QGIS 3 writes for a paletted raster (`QgsPalettedRasterRenderer::writeXml`): the band,
/// `<colorPalette>` with one `<paletteEntry value color alpha label>` per class, nearest-neighbour resampling so
/// classes are never blended. Nodata has no entry, and pixels without an entry are drawn in the renderer's
/// nodata colour, which is transparent when `nodataColor` is empty.
public enum QGISStyle {
    /// One class as QGIS draws it.
    public struct Entry: Sendable, Hashable {
        public var value: Int
        public var color: RGBA
        public var label: String

        public init(value: Int, color: RGBA, label: String) {
            self.value = value
            self.color = color
            self.label = label
        }
    }

    /// The style of a map classified with `scheme`: its classes in value order, labels in Vietnamese when asked
    /// for and present (as `ClassScheme.categoryNames` names them).
    public static func palettedRaster(scheme: ClassScheme, vietnameseLabels: Bool = false, band: Int = 1) -> String {
        let entries = scheme.classes.map { item in
            Entry(value: item.value, color: RGBA(hex: item.color) ?? RGBA(red: 0, green: 0, blue: 0),
                  label: vietnameseLabels ? item.labelVi ?? item.label : item.label)
        }
        return palettedRaster(entries: entries, band: band)
    }

    /// The style of a map known by its colour table and category names (entry v describes value v, as GDAL
    /// keeps them); nil when they describe no class.
    public static func palettedRaster(colorTable: ColorTable?, categoryNames: [String], noData: Int?, band: Int = 1) -> String? {
        let entries = entries(colorTable: colorTable, categoryNames: categoryNames, noData: noData)
        return entries.isEmpty ? nil : palettedRaster(entries: entries, band: band)
    }

    /// The classes a colour table and category names describe, in value order, nodata left out: the named
    /// values when there are names; otherwise the visible colours, up to the last one that is not opaque black
    /// (GTiff pads every Byte colour table to 256 entries with opaque black).
    public static func entries(colorTable: ColorTable?, categoryNames: [String], noData: Int?) -> [Entry] {
        let colours = colorTable?.entries ?? []
        let grey = RGBA(red: 128, green: 128, blue: 128)
        if categoryNames.contains(where: { !$0.isEmpty }) {
            // A named value without a colour still gets an entry: QGIS shows its label, in grey.
            return categoryNames.enumerated().compactMap { value, name in
                value == noData || name.isEmpty ? nil : Entry(value: value, color: value < colours.count ? colours[value] : grey, label: name)
            }
        }
        let padding = RGBA(red: 0, green: 0, blue: 0)
        let end = (colours.lastIndex { $0 != padding && $0.alpha > 0 } ?? -1) + 1
        return colours.prefix(end).enumerated().compactMap { value, colour in
            value == noData || colour.alpha == 0 ? nil : Entry(value: value, color: colour, label: "")
        }
    }

    /// The QML text for `entries` (sorted by value; a label left empty shows the value in QGIS's legend).
    public static func palettedRaster(entries: [Entry], band: Int = 1) -> String {
        let palette = entries.sorted { $0.value < $1.value }.map { entry in
            let label = entry.label.isEmpty ? "" : " label=\"\(entry.label.markupEscaped)\""
            return "        <paletteEntry value=\"\(entry.value)\" color=\"\(hexColour(entry.color))\" alpha=\"\(entry.color.alpha)\"\(label)/>"
        }
        return """
        <!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
        <qgis version="3.22.0" styleCategories="AllStyleCategories" hasScaleBasedVisibilityFlag="0" minScale="1e+08" maxScale="0">
          <pipe>
            <provider>
              <resampling enabled="false" maxOversampling="2" zoomedInResamplingMethod="nearestNeighbour" zoomedOutResamplingMethod="nearestNeighbour"/>
            </provider>
            <rasterrenderer type="paletted" band="\(band)" opacity="1" alphaBand="-1" nodataColor="">
              <rasterTransparency/>
              <colorPalette>
        \(palette.joined(separator: "\n"))
              </colorPalette>
            </rasterrenderer>
            <brightnesscontrast brightness="0" contrast="0" gamma="1"/>
            <huesaturation saturation="0" grayscaleMode="0" invertColors="0" colorizeOn="0" colorizeRed="255" colorizeGreen="128" colorizeBlue="128" colorizeStrength="100"/>
            <rasterresampler maxOversampling="2"/>
            <resamplingStage>resamplingFilter</resamplingStage>
          </pipe>
          <blendMode>0</blendMode>
        </qgis>

        """
    }

    /// Where QGIS looks for a raster's default style: the raster's path with `.qml` for its extension.
    public static func stylePath(for raster: String) -> String {
        let url = URL(fileURLWithPath: raster)
        let name = url.deletingPathExtension().lastPathComponent + ".qml"
        let folder = OutputTransaction.folder(of: raster)
        return folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name)
    }

    /// Stages `qml` beside `raster` in `transaction`, committed (or rolled back) with the map.
    static func write(_ qml: String, besides raster: String, transaction: OutputTransaction) throws {
        let path = stylePath(for: raster)
        try transaction.write(path, pathExtension: "qml") { temporary in
            do { try Data(qml.utf8).write(to: URL(fileURLWithPath: temporary)) } catch {
                throw SoilMapError.invalidInput(path: path, "cannot be written (\(error.localizedDescription))")
            }
        }
    }

    /// "#rrggbb" as QColor::name() writes it (lower case, alpha apart).
    static func hexColour(_ colour: RGBA) -> String {
        "#" + [colour.red, colour.green, colour.blue].map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }
}

extension String {
    /// Text safe inside XML or HTML, in content or in a quoted attribute: markup characters as entities, line
    /// breaks and tabs as character references (an attribute would otherwise turn them into spaces), and the
    /// control characters XML 1.0 forbids dropped.
    var markupEscaped: String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\n": result += "&#10;"
            case "\r": result += "&#13;"
            case "\t": result += "&#9;"
            default:
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
