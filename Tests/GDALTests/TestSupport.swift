import Foundation
import GDAL
@_exported import TestSupport

/// Paths to the real sample data in `samples/`.
enum Samples {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples")
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static let landsat = path("olinda/L7_ETMs.tif")
    static let olindaDEM = path("olinda/olinda_dem_utm25s.tif")
    static let tracts = path("olinda/olinda1.shp")
    static let luxembourgDEM = path("luxembourg/elev.tif")
    static let cantons = path("luxembourg/lux.shp")
    static let meuse = "CSV:" + path("meuse/meuse.txt")
}
