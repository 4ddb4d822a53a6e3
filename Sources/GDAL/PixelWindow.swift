/// A rectangle of pixels: column and row of its top-left corner, width and height. A value, freely copied.
public struct PixelWindow: Sendable, Hashable, Codable, CustomStringConvertible {
    public var column: Int
    public var row: Int
    public var width: Int
    public var height: Int

    public init(column: Int, row: Int, width: Int, height: Int) {
        self.column = column
        self.row = row
        self.width = width
        self.height = height
    }

    /// The whole of a raster of this size.
    public init(width: Int, height: Int) {
        self.init(column: 0, row: 0, width: width, height: height)
    }

    public var pixelCount: Int { width * height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public var endColumn: Int { column + width }
    public var endRow: Int { row + height }

    /// The part both windows share, or nil when they do not overlap.
    public func intersection(_ other: PixelWindow) -> PixelWindow? {
        let left = max(column, other.column), top = max(row, other.row)
        let right = min(endColumn, other.endColumn), bottom = min(endRow, other.endRow)
        guard right > left, bottom > top else { return nil }
        return PixelWindow(column: left, row: top, width: right - left, height: bottom - top)
    }

    /// True when the window lies wholly inside a raster of the given size.
    public func isInside(width rasterWidth: Int, height rasterHeight: Int) -> Bool {
        column >= 0 && row >= 0 && width > 0 && height > 0 && endColumn <= rasterWidth && endRow <= rasterHeight
    }

    public var description: String { "\(width)x\(height) at column \(column), row \(row)" }
}
