import GDAL

/// Square tiles over a raster, row-major, the last row and column trimmed at the edges.
public struct TileGrid: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let tileSize: Int

    public init(width: Int, height: Int, tileSize: Int) {
        precondition(tileSize > 0, "tile size must be positive")
        self.width = width
        self.height = height
        self.tileSize = tileSize
    }

    public var columns: Int { (width + tileSize - 1) / tileSize }
    public var rows: Int { (height + tileSize - 1) / tileSize }
    public var count: Int { columns * rows }

    public func window(_ index: Int) -> PixelWindow {
        let column = (index % columns) * tileSize, row = (index / columns) * tileSize
        return PixelWindow(column: column, row: row, width: min(tileSize, width - column), height: min(tileSize, height - row))
    }

    /// True for the last tile of a row of tiles.
    public func endsRow(_ index: Int) -> Bool { index % columns == columns - 1 }
}
