/// GDAL's affine geotransform: the six numbers in GDAL's order, behind names.
/// x = originX + column * pixelWidth + row * rowRotation; y = originY + column * columnRotation + row * pixelHeight,
/// with (column, row) the pixel/line position of a corner (integers) or a point (fractions; centres at +0.5).
public struct GeoTransform: Sendable, Hashable, Codable {
    public var originX: Double
    public var pixelWidth: Double
    public var rowRotation: Double
    public var originY: Double
    public var columnRotation: Double
    /// Negative for the usual north-up image.
    public var pixelHeight: Double

    public init(originX: Double, pixelWidth: Double, rowRotation: Double = 0,
                originY: Double, columnRotation: Double = 0, pixelHeight: Double) {
        self.originX = originX
        self.pixelWidth = pixelWidth
        self.rowRotation = rowRotation
        self.originY = originY
        self.columnRotation = columnRotation
        self.pixelHeight = pixelHeight
    }

    /// From GDAL's six-number array.
    public init(_ coefficients: [Double]) {
        precondition(coefficients.count == 6, "a geotransform has six coefficients")
        self.init(originX: coefficients[0], pixelWidth: coefficients[1], rowRotation: coefficients[2],
                  originY: coefficients[3], columnRotation: coefficients[4], pixelHeight: coefficients[5])
    }

    /// The six numbers in GDAL's order.
    public var coefficients: [Double] { [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight] }

    public var isNorthUp: Bool { rowRotation == 0 && columnRotation == 0 }

    /// World coordinates of a pixel/line position.
    public func world(column: Double, row: Double) -> (x: Double, y: Double) {
        (originX + column * pixelWidth + row * rowRotation, originY + column * columnRotation + row * pixelHeight)
    }

    /// World coordinates of a pixel's centre.
    public func centre(column: Int, row: Int) -> (x: Double, y: Double) {
        world(column: Double(column) + 0.5, row: Double(row) + 0.5)
    }

    /// Pixel/line position (fractional) of a world point; nil when the transform cannot be inverted.
    public func pixel(x: Double, y: Double) -> (column: Double, row: Double)? {
        let determinant = pixelWidth * pixelHeight - rowRotation * columnRotation
        guard determinant != 0, determinant.isFinite else { return nil }
        let dx = x - originX, dy = y - originY
        return ((pixelHeight * dx - rowRotation * dy) / determinant, (-columnRotation * dx + pixelWidth * dy) / determinant)
    }

    /// The world envelope of a raster of the given size.
    public func bounds(width: Int, height: Int) -> Envelope {
        let corners = [world(column: 0, row: 0), world(column: Double(width), row: 0),
                       world(column: 0, row: Double(height)), world(column: Double(width), row: Double(height))]
        return Envelope(minX: corners.map(\.x).min()!, minY: corners.map(\.y).min()!,
                        maxX: corners.map(\.x).max()!, maxY: corners.map(\.y).max()!)
    }
}
