import Foundation
import GDAL

/// Writes tiles that arrive in row-major order into a tiled output, always in the order of the output's own
/// blocks (left to right, top to bottom), whatever the engine's tile size. A GeoTIFF's bytes depend on the order
/// its blocks are written, so this is what makes the output byte-identical for every tile size and thread count.
/// It holds at most one tile row plus one block row of full-width lines.
final class StripWriter {
    private let dataset: Dataset
    private let bandNumbers: [Int]
    private let width: Int
    private let height: Int
    private let blockWidth: Int
    private let blockHeight: Int
    private let capacityRows: Int
    private let buffer: UnsafeMutablePointer<Float>
    /// Tiles that are exactly the output's blocks, arriving in row-major order, already are the blocks in the
    /// order the strip path would write them (one block, every band): they are written as they come, unbuffered.
    private let direct: Bool
    /// A one-band Float32 output takes whole blocks through GDALWriteBlock, which hands them to the GTiff encoder
    /// without a trip through GDAL's block cache (a copy and a lock per block). Others go through RasterIO.
    private let writesBlocks: Bool
    /// An edge block, padded with zeros to the full block size, as GDAL pads the blocks it writes through its
    /// cache: the file is byte for byte what RasterIO would have written.
    private let edgeBlock: UnsafeMutablePointer<Float>
    /// The raster row held in the buffer's first line.
    private var firstRow = 0
    /// Rows below this one are complete (every tile covering them has arrived).
    private var completeRows = 0

    init(dataset: Dataset, tileSize: Int) throws {
        self.dataset = dataset
        bandNumbers = Array(1...dataset.bandCount)
        width = dataset.width
        height = dataset.height
        let block = try dataset.band(1).blockSize
        blockWidth = block.width
        blockHeight = block.height
        direct = tileSize == block.width && tileSize == block.height
        capacityRows = direct ? 0 : min(height, tileSize + blockHeight)
        // Not initialised: pages become resident only as lines are written into them.
        buffer = .allocate(capacity: max(1, capacityRows * width * bandNumbers.count))
        let first = try dataset.band(1)
        writesBlocks = bandNumbers.count == 1 && first.dataType == .float32
        edgeBlock = .allocate(capacity: writesBlocks ? blockWidth * blockHeight : 1)
    }

    deinit {
        buffer.deallocate()
        edgeBlock.deallocate()
    }

    /// Writes `window` (one block, or the part of an edge block inside the raster) from `planes`.
    private func write(window: PixelWindow, from planes: UnsafePointer<Float>, lineStride: Int, bandStride: Int) throws {
        guard writesBlocks else {
            try dataset.write(bands: bandNumbers, window: window, from: planes, lineStride: lineStride, bandStride: bandStride)
            return
        }
        let band = try dataset.band(1)
        let column = window.column / blockWidth, row = window.row / blockHeight
        let blockValues = blockWidth * blockHeight
        if window.width == blockWidth, window.height == blockHeight, lineStride == blockWidth {
            try band.writeBlock(column: column, row: row, from: UnsafeBufferPointer(start: planes, count: blockValues))
            return
        }
        edgeBlock.update(repeating: 0, count: blockValues)
        for line in 0..<window.height {
            (edgeBlock + line * blockWidth).update(from: planes + line * lineStride, count: window.width)
        }
        try band.writeBlock(column: column, row: row, from: UnsafeBufferPointer(start: edgeBlock, count: blockValues))
    }

    private var bandStride: Int { capacityRows * width }

    /// Adds one tile (planes `planeStride` apart, `window.width` values per line); writes the block rows it completes.
    func add(window: PixelWindow, planes: UnsafePointer<Float>, planeStride: Int, endsTileRow: Bool) throws {
        if direct {
            try write(window: window, from: planes, lineStride: window.width, bandStride: planeStride)
            return
        }
        for band in 0..<bandNumbers.count {
            for line in 0..<window.height {
                let source = planes + band * planeStride + line * window.width
                let target = buffer + band * bandStride + (window.row + line - firstRow) * width + window.column
                target.update(from: source, count: window.width)
            }
        }
        guard endsTileRow else { return }
        completeRows = window.endRow
        try writeCompleteBlockRows()
    }

    private func writeCompleteBlockRows() throws {
        while firstRow < height {
            let rows = min(blockHeight, height - firstRow)
            guard firstRow + rows <= completeRows else { break }
            var column = 0
            while column < width {
                let columns = min(blockWidth, width - column)
                try write(window: PixelWindow(column: column, row: firstRow, width: columns, height: rows), from: buffer + column,
                          lineStride: width, bandStride: bandStride)
                column += columns
            }
            firstRow += rows
            // Move the lines not yet written to the top of the buffer.
            let remaining = completeRows - firstRow
            if remaining > 0 {
                for band in 0..<bandNumbers.count {
                    let start = buffer + band * bandStride
                    memmove(start, start + rows * width, remaining * width * MemoryLayout<Float>.stride)
                }
            }
        }
    }
}
