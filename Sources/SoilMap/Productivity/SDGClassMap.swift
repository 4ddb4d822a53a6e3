import Foundation
import GDAL

/// Writes an SDG 15.3.1 sub-indicator as `classify` writes a class map: Byte values of the sdg-15.3.1 scheme
/// (1 degraded, 2 stable, 3 improved; reporting codes -1/0/+1 in its metadata), colour table, category names and
/// a QGIS style beside it. `combine` reads these maps directly.
enum SDGClassMap {
    /// The nodata value of the optional Float32 detail files.
    static let detailNoData = -9999.0

    /// The sdg-15.3.1 pixel value of a Trends.Earth code (-1, 0, 1).
    static func value(ofCode code: Int) -> Int { code + 2 }

    static func write(path: String, plan: InputPlan, metadata extra: [String: String], output: RasterOutputOptions, engine: EngineOptions,
                      transaction: OutputTransaction, makeKernel: @escaping @Sendable () throws -> TileKernel) throws -> [String] {
        let scheme = BuiltInSchemes.sdg1531
        try transaction.check(path)
        try transaction.check(QGISStyle.stylePath(for: path))
        var metadata = scheme.metadata.merging(extra) { _, own in own }
        metadata["SOILMAP_VERSION"] = SoilMapVersion.string
        let names = scheme.categoryNames()
        let warnings = try RasterResultWriter.write(
            path: path, plan: plan, bandDescriptions: [scheme.title], noData: Double(scheme.noData), metadata: metadata,
            output: output, engine: engine, transaction: transaction, dataType: .byte,
            bandSetup: { band, _ in
                try band.setColorTable(scheme.colorTable)
                try band.setCategoryNames(names)
            }, makeKernel: makeKernel)
        try QGISStyle.write(QGISStyle.palettedRaster(scheme: scheme), besides: path, transaction: transaction)
        return warnings
    }
}
