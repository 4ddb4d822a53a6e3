import Foundation
import GDAL

/// A class map read once, whole: the area of every class (counted exactly over all its cells, nodata left out),
/// the names of its classes, and the map's class at given cells (the reference sample's).
struct ClassMapCensus {
    let path: String
    let grid: RasterGrid
    /// Class code -> (cells, hectares), for the codes present in the map.
    let classes: [Int: (cells: Int, hectares: Double)]
    /// Class code -> name, from the band's category names, else from the class scheme in its metadata
    /// (CLASS_SCHEME of `soilmap classify`).
    let names: [Int: String]
    /// The map's value at each requested cell; nil on nodata.
    let sampled: [Int?]

    /// Reads band 1 of `path` strip by strip. `cells` are (column, row) inside the grid. `progress` gets 0...1.
    static func read(_ path: String, grid: RasterGrid, cells: [(column: Int, row: Int)],
                     progress: (@Sendable (Double) -> Void)?) throws -> ClassMapCensus {
        let dataset = try Dataset.open(path, kind: .raster)
        let band = try dataset.band(1)
        let noData = band.noDataValue.flatMap { $0.isFinite && $0 == $0.rounded() && abs($0) < 1e15 ? Int($0) : nil }
        let crs = dataset.spatialReference
        let ellipsoid: (semiMajorAxis: Double, inverseFlattening: Double) = crs?.ellipsoid ?? (6_378_137, 298.257223563)
        let cellArea = CellArea(grid: grid, isGeographic: crs?.isGeographic ?? false,
                                metresPerUnit: crs.map { $0.isGeographic ? 1 : $0.linearUnitsInMetres } ?? 1,
                                semiMajorAxis: ellipsoid.semiMajorAxis, inverseFlattening: ellipsoid.inverseFlattening)
        // The sample's cells by row, so that the one pass over the map also reads them.
        var cellsByRow: [Int: [(column: Int, index: Int)]] = [:]
        for (index, cell) in cells.enumerated() { cellsByRow[cell.row, default: []].append((cell.column, index)) }
        var sampled = [Int?](repeating: nil, count: cells.count)

        // Values of 8- and 16-bit maps index an array; wider types go through a dictionary.
        let small = [DataType.byte, .int16, .uint16].contains(band.dataType)
        let offset = 32_768
        var smallCells = [Int](repeating: 0, count: small ? 65_536 + offset : 0)
        var smallHectares = [Double](repeating: 0, count: small ? 65_536 + offset : 0)
        var wide: [Int: (cells: Int, hectares: Double)] = [:]
        let stripRows = max(1, min(grid.height, (1 << 22) / max(1, grid.width)))
        var buffer = [Int32](repeating: 0, count: stripRows * grid.width)
        var row0 = 0
        while row0 < grid.height {
            let rows = min(stripRows, grid.height - row0)
            let count = rows * grid.width
            try buffer.withUnsafeMutableBufferPointer { pointer in
                try band.read(window: PixelWindow(column: 0, row: row0, width: grid.width, height: rows),
                              into: UnsafeMutableBufferPointer(rebasing: pointer[0..<count]))
            }
            for r in 0..<rows {
                let row = row0 + r, hectares = cellArea.hectares(row: row), start = r * grid.width
                for (column, index) in cellsByRow[row] ?? [] {
                    let value = Int(buffer[start + column])
                    sampled[index] = value == noData ? nil : value
                }
                if small {
                    for column in 0..<grid.width {
                        let value = Int(buffer[start + column])
                        if value == noData { continue }
                        smallCells[value + offset] += 1
                        smallHectares[value + offset] += hectares
                    }
                } else {
                    for column in 0..<grid.width {
                        let value = Int(buffer[start + column])
                        if value == noData { continue }
                        wide[value, default: (0, 0)].cells += 1
                        wide[value, default: (0, 0)].hectares += hectares
                    }
                }
            }
            row0 += rows
            progress?(Double(row0) / Double(grid.height))
        }
        var classes = wide
        if small {
            for (slot, cellCount) in smallCells.enumerated() where cellCount > 0 {
                classes[slot - offset] = (cellCount, smallHectares[slot])
            }
        }
        // A projected grid's cells all have one area: cells x area, exact, rather than a long sum.
        if !(crs?.isGeographic ?? false), grid.height > 0 {
            let hectares = cellArea.hectares(row: 0)
            for (code, entry) in classes { classes[code] = (entry.cells, Double(entry.cells) * hectares) }
        }

        var names: [Int: String] = [:]
        for (code, name) in band.categoryNames.enumerated() where !name.trimmingCharacters(in: .whitespaces).isEmpty {
            names[code] = name
        }
        if names.isEmpty, let schemeID = dataset.metadata()["CLASS_SCHEME"], let scheme = BuiltInSchemes.all.first(where: { $0.id == schemeID }) {
            for item in scheme.classes { names[item.value] = item.label }
        }
        return ClassMapCensus(path: path, grid: grid, classes: classes, names: names, sampled: sampled)
    }

    /// Opens the map and checks it is a class map (an integer band on a north-up grid); returns its grid.
    static func grid(of path: String) throws -> RasterGrid {
        try GeoTIFFIntegrity.requireIntact(path)
        let dataset = try Dataset.open(path, kind: .raster)
        let band = try dataset.band(1)
        guard band.dataType.isInteger else {
            throw SoilMapError.invalidInput(path: path, "is a \(band.dataType.name) raster, not a class map: assess takes integer class codes (classify it first with `soilmap classify`, or convert it with gdal_translate -ot Byte)")
        }
        if [.uint32, .int64, .uint64].contains(band.dataType), let range = try band.minimumMaximum(approximate: false),
           range.minimum < Double(Int32.min) || range.maximum > Double(Int32.max) {
            throw SoilMapError.invalidInput(path: path, "holds class codes outside \(Int32.min)...\(Int32.max)")
        }
        let grid = try dataset.grid()
        guard grid.geoTransform.isNorthUp else {
            throw SoilMapError.invalidInput(path: path, "has a rotated geotransform: assess needs a north-up map")
        }
        return grid
    }
}
