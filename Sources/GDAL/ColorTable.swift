import CGDAL

/// An RGBA colour, 0...255 per channel.
public struct RGBA: Sendable, Hashable, Codable {
    public var red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8 = 255) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// From "#RRGGBB" or "#RRGGBBAA"; nil when malformed.
    public init?(hex: String) {
        var digits = Substring(hex)
        if digits.hasPrefix("#") { digits = digits.dropFirst() }
        guard digits.count == 6 || digits.count == 8, let value = UInt32(digits, radix: 16) else { return nil }
        if digits.count == 6 {
            self.init(red: UInt8(value >> 16 & 0xFF), green: UInt8(value >> 8 & 0xFF), blue: UInt8(value & 0xFF))
        } else {
            self.init(red: UInt8(value >> 24 & 0xFF), green: UInt8(value >> 16 & 0xFF), blue: UInt8(value >> 8 & 0xFF),
                      alpha: UInt8(value & 0xFF))
        }
    }

    public var hex: String {
        let parts = alpha == 255 ? [red, green, blue] : [red, green, blue, alpha]
        return "#" + parts.map { byte in
            let text = String(byte, radix: 16, uppercase: true)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }
}

/// A palette: entry i is the colour of pixel value i. A value; written to a band with `RasterBand.setColorTable`.
public struct ColorTable: Sendable, Hashable {
    public var entries: [RGBA]

    public init(entries: [RGBA]) { self.entries = entries }

    init(handle: GDALColorTableH) {
        entries = (0..<GDALGetColorEntryCount(handle)).map { index in
            let entry = GDALGetColorEntry(handle, index)!.pointee
            return RGBA(red: UInt8(clamping: entry.c1), green: UInt8(clamping: entry.c2),
                        blue: UInt8(clamping: entry.c3), alpha: UInt8(clamping: entry.c4))
        }
    }
}

/// A raster attribute table as read from a band: column names and every cell as text.
public struct RasterAttributeTable: Sendable, Hashable {
    public var columnNames: [String]
    /// GDAL's usage of each column ("Name", "MinMax", "Red", "Generic", ...).
    public var columnUsages: [String]
    public var rows: [[String]]
}

extension RasterBand {
    public var colorTable: ColorTable? {
        GDALGetRasterColorTable(handle).map(ColorTable.init(handle:))
    }

    public func setColorTable(_ table: ColorTable?) throws {
        guard let table else {
            try check("GDALSetRasterColorTable", path: path) { GDALSetRasterColorTable(handle, nil) }
            return
        }
        let native = GDALCreateColorTable(GPI_RGB)
        defer { GDALDestroyColorTable(native) }
        for (index, colour) in table.entries.enumerated() {
            var entry = GDALColorEntry(c1: Int16(colour.red), c2: Int16(colour.green), c3: Int16(colour.blue), c4: Int16(colour.alpha))
            GDALSetColorEntry(native, Int32(index), &entry)
        }
        try check("GDALSetRasterColorTable", path: path) { GDALSetRasterColorTable(handle, native) }
    }

    /// Category names: entry i names pixel value i (empty for values without a name).
    public var categoryNames: [String] {
        // GDAL 3.6's GTiff loads the .aux.xml sidecar (where category names live) lazily, and asking for category
        // names alone does not trigger it; asking for metadata does.
        _ = GDALGetMetadata(handle, nil)
        return stringArray(GDALGetRasterCategoryNames(handle))
    }

    public func setCategoryNames(_ names: [String]) throws {
        try withCStringList(names) { list in
            try check("GDALSetRasterCategoryNames", path: path) { GDALSetRasterCategoryNames(handle, list) }
        }
    }

    /// The band's raster attribute table, when it has one.
    public var attributeTable: RasterAttributeTable? {
        guard let table = GDALGetDefaultRAT(handle) else { return nil }
        let columnCount = GDALRATGetColumnCount(table), rowCount = GDALRATGetRowCount(table)
        guard columnCount > 0 else { return nil }
        let names = (0..<columnCount).map { String(cString: GDALRATGetNameOfCol(table, $0)) }
        let usages = (0..<columnCount).map { column -> String in
            switch GDALRATGetUsageOfCol(table, column) {
            case GFU_Name: return "Name"
            case GFU_MinMax: return "MinMax"
            case GFU_Min: return "Min"
            case GFU_Max: return "Max"
            case GFU_PixelCount: return "PixelCount"
            case GFU_Red: return "Red"
            case GFU_Green: return "Green"
            case GFU_Blue: return "Blue"
            case GFU_Alpha: return "Alpha"
            default: return "Generic"
            }
        }
        let rows = (0..<rowCount).map { row in
            (0..<columnCount).map { column in String(cString: GDALRATGetValueAsString(table, row, column)) }
        }
        return RasterAttributeTable(columnNames: names, columnUsages: usages, rows: rows)
    }
}
