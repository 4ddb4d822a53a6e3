import Foundation
import GDAL

/// Exact fractions of cells covered by a polygon, as exactextract computes them: for every cell, the area of
/// the cell inside the polygon divided by the cell's area.
///
/// How: every edge adds, row by row, the signed area between itself and each cell's right side; a prefix sum
/// along the row then gives each cell's covered area (the winding number integrated over the cell). Edges left
/// of the window still count (they change the winding of everything to their right); edges right of it do not.
enum CoverageFraction {
    /// Fractions for the cells of `window` (row-major), for polygon `rings` in raster pixel coordinates.
    static func compute(rings: [[(x: Double, y: Double)]], window: PixelWindow) -> [Double] {
        let width = window.width, height = window.height
        var accumulated = [Double](repeating: 0, count: width * height)
        accumulated.withUnsafeMutableBufferPointer { buffer in
            for ring in rings {
                for index in 0..<ring.count {
                    let a = ring[index], b = ring[(index + 1) % ring.count]
                    addEdge(from: (a.x - Double(window.column), a.y - Double(window.row)),
                            to: (b.x - Double(window.column), b.y - Double(window.row)),
                            into: buffer, width: width, height: height)
                }
            }
            for row in 0..<height {
                var running = 0.0
                for column in 0..<width {
                    running += buffer[row * width + column]
                    let fraction = abs(running)
                    // Sums of many small areas leave rounding dust: snap it.
                    buffer[row * width + column] = fraction < 1e-9 ? 0 : fraction > 1 - 1e-9 ? 1 : fraction
                }
            }
        }
        return accumulated
    }

    /// Area to the left of position z under a unit ramp: ∫_{-∞}^{z} clamp(u, 0, 1) du.
    @inline(__always)
    private static func ramp(_ z: Double) -> Double {
        z <= 0 ? 0 : z >= 1 ? z - 0.5 : z * z / 2
    }

    private static func addEdge(from p: (Double, Double), to q: (Double, Double), into buffer: UnsafeMutableBufferPointer<Double>,
                                width: Int, height: Int) {
        guard p.1 != q.1 else { return }
        let direction: Double = p.1 < q.1 ? 1 : -1
        let top = p.1 < q.1 ? p : q, bottom = p.1 < q.1 ? q : p
        let slope = (bottom.0 - top.0) / (bottom.1 - top.1)
        let firstRow = max(0, Int(floor(top.1))), endRow = min(height, Int(ceil(bottom.1)))
        guard firstRow < endRow else { return }
        for row in firstRow..<endRow {
            let y0 = max(Double(row), top.1), y1 = min(Double(row + 1), bottom.1)
            let dy = y1 - y0
            guard dy > 0 else { continue }
            let xa = top.0 + (y0 - top.1) * slope, xb = top.0 + (y1 - top.1) * slope
            let x0 = min(xa, xb), x1 = max(xa, xb)
            let signed = dy * direction
            // cover(c): the part of this segment's strip lying left of the right side of cell c, as area.
            func cover(_ column: Int) -> Double {
                let right = Double(column + 1)
                if x1 - x0 < 1e-12 { return signed * min(max(right - x0, 0), 1) }
                return signed * (ramp(right - x0) - ramp(right - x1)) / (x1 - x0)
            }
            let start = Int(floor(x0)), end = Int(ceil(x1))
            let line = row * width
            var previous = 0.0
            for column in start...end {
                let current = cover(column)
                let delta = current - previous
                previous = current
                if column >= width { break }
                buffer[line + max(column, 0)] += delta
            }
            // Right of `end` the cover stays `signed`: nothing more to add.
        }
    }
}
