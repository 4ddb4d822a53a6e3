import Foundation
import GDAL

/// How a raster result is written: format, creation options, nodata, and whether an existing file may be replaced.
public struct RasterOutputOptions: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable { case gtiff = "GTiff", cog = "COG" }

    public var format: Format
    /// User creation options, "KEY=VALUE"; each replaces the default of the same key.
    public var creationOptions: [String]
    public var overwrite: Bool
    /// More metadata for the output (a step's provenance: the command, resolved parameters, inputs).
    public var metadata: [String: String] = [:]

    public init(format: Format = .gtiff, creationOptions: [String] = [], overwrite: Bool = false) {
        self.format = format
        self.creationOptions = creationOptions
        self.overwrite = overwrite
    }

    /// soilmap's default encoding for Float32 results: lossless, chosen from the measurements in the README
    /// (10980² NDVI, 2 threads): ZSTD without predictor writes as small a file as DEFLATE (83 % of raw) in about
    /// half the time; the floating-point predictor saves another 7 % but doubles the write time.
    public static let defaultFloatEncoding = ["COMPRESS=ZSTD", "ZSTD_LEVEL=1"]
    /// For class maps (Byte): ZSTD level 3, no predictor (it does nothing useful for categories). Measured on the
    /// 10980² NDVI in 5 classes (README): as fast as level 1 and smaller; level 9 saves 12 % of the bytes for 2.3 x
    /// the run time.
    public static let defaultClassEncoding = ["COMPRESS=ZSTD", "ZSTD_LEVEL=3"]

    static func defaultEncoding(for type: DataType) -> [String] {
        type == .float32 || type == .float64 ? defaultFloatEncoding : defaultClassEncoding
    }

    /// The user's creation options checked by GDAL's own validation against the output driver (GTiff, or COG,
    /// which receives them): a value the driver does not take is an error naming the option and the values it
    /// takes; a key it does not know is ignored by GDAL, so it is returned as a warning, as gdal_translate warns.
    public func validateCreationOptions() throws -> [String] {
        let driver = try Driver(format.rawValue)
        var warnings: [String] = []
        for issue in driver.validateCreationOptions(creationOptions) {
            switch issue.kind {
            case .notKeyValue:
                throw SoilMapError.invalidArgument("--co \(issue.option): expected KEY=VALUE")
            case .invalidValue(let allowed) where !allowed.isEmpty:
                throw SoilMapError.invalidArgument("--co \(issue.option): \(driver.name) has no such \(issue.key) value (use \(allowed.joined(separator: ", ")))")
            case .invalidValue:
                throw SoilMapError.invalidArgument("--co \(issue.option): \(driver.name) refuses it (\(issue.gdalMessage))")
            case .unknownKey:
                warnings.append("--co \(issue.option): \(driver.name) has no creation option \(issue.key); it is ignored")
            }
        }
        return warnings
    }

    /// Tiled 512 x 512, the default encoding, multi-threaded compression; then the user's options on top.
    func gtiffOptions(threads: Int, encoding: [String]) -> [String] {
        var merged: [(String, String)] = []
        func set(_ option: String) {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            let key = parts[0].uppercased(), value = parts.count > 1 ? parts[1] : ""
            if let index = merged.firstIndex(where: { $0.0 == key }) { merged[index].1 = value } else { merged.append((key, value)) }
        }
        (["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "BIGTIFF=IF_SAFER", "NUM_THREADS=\(threads)"] + encoding)
            .forEach(set)
        creationOptions.forEach(set)
        // A compression the user chose brings its own settings: drop default ones that belong to another codec.
        let compression = merged.first { $0.0 == "COMPRESS" }?.1.uppercased() ?? "NONE"
        merged.removeAll { $0.0 == "ZSTD_LEVEL" && !compression.contains("ZSTD") && !creationOptions.contains { $0.uppercased().hasPrefix("ZSTD_LEVEL=") } }
        return merged.map { "\($0.0)=\($0.1)" }
    }
}

/// The engine run that writes a Float32 raster: creates the output on the plan's grid, streams the tiles into it,
/// sets band descriptions and metadata, converts to COG when asked, and commits the file atomically.
/// Returns warnings about the options (creation options GDAL ignores).
enum RasterResultWriter {
    @discardableResult
    static func write(path: String, plan: InputPlan, bandDescriptions: [String], noData: Double, metadata: [String: String],
                      output: RasterOutputOptions, engine: EngineOptions, transaction: OutputTransaction, dataType: DataType = .float32,
                      bandSetup: ((RasterBand, Int) throws -> Void)? = nil,
                      makeKernel: @escaping @Sendable () throws -> TileKernel) throws -> [String] {
        let engine = try engine.settled(for: plan, outputBands: bandDescriptions.count)
        let warnings = try output.validateCreationOptions()
        // A shard's maps are scratch that later steps of the shard read in the shard's rows: no COG copy, no
        // compression, only the shard's tiles written (the engine hands it no others) and the other blocks left out
        // of the file (SPARSE_OK: they read as nodata), and of the bands only those later steps of the shard read
        // (band-interleaved, so each band's blocks are left out on their own).
        let scratch = engine.shard?.isComputing == true
        let scratchBands = scratch ? engine.shard!.session.scratchBands(of: path, bandCount: bandDescriptions.count) : []
        let cog = output.format == .cog && !scratch
        try transaction.write(path, pathExtension: "tif", rasterSidecar: true) { temporary in
            try engine.withGDALCache(defaultBytes: plan.cacheBytes(tileSize: engine.tileSize)) {
                let gtiffPath = cog ? transaction.scratch(besides: temporary, pathExtension: "tif") : temporary
                let encoding = RasterOutputOptions.defaultEncoding(for: dataType)
                let gtiffOptions = scratch ? ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "BIGTIFF=IF_SAFER", "COMPRESS=NONE", "SPARSE_OK=TRUE",
                                              "INTERLEAVE=BAND"]
                    : cog
                    ? ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "BIGTIFF=IF_SAFER", "COMPRESS=NONE"]
                    : output.gtiffOptions(threads: engine.threads, encoding: encoding)
                let dataset = try Driver("GTiff").createRaster(path: gtiffPath, width: plan.grid.width, height: plan.grid.height,
                                                               bandCount: bandDescriptions.count, dataType: dataType,
                                                               options: gtiffOptions)
                try dataset.setGeoTransform(plan.grid.geoTransform)
                if !plan.grid.crsWKT.isEmpty { try dataset.setSpatialReference(try SpatialReference(wkt: plan.grid.crsWKT)) }
                for (index, description) in bandDescriptions.enumerated() {
                    let band = try dataset.band(index + 1)
                    band.setBandDescription(description)
                    try band.setNoDataValue(noData)
                    try bandSetup?(band, index)
                }
                let allMetadata = metadata.merging(output.metadata) { own, _ in own }
                for (key, value) in allMetadata.sorted(by: { $0.key < $1.key }) { try dataset.setMetadataItem(key, value) }
                let writer = scratch ? nil : try StripWriter(dataset: dataset, tileSize: engine.tileSize)
                let tiles = TileGrid(width: plan.grid.width, height: plan.grid.height, tileSize: engine.tileSize)
                let bands = Array(1...bandDescriptions.count)
                try TileEngine.run(plan: plan, outputBandCount: bandDescriptions.count, options: engine, makeKernel: makeKernel) {
                    window, index, planes, stride in
                    guard let writer else {
                        // A scratch map's bytes are never compared: a tile goes straight in, in whatever block order.
                        if scratchBands == bands {
                            try dataset.write(bands: bands, window: window, from: planes, lineStride: window.width, bandStride: stride)
                        } else {
                            for band in scratchBands {
                                try dataset.write(bands: [band], window: window, from: planes + (band - 1) * stride, lineStride: window.width,
                                                  bandStride: stride)
                            }
                        }
                        return
                    }
                    try writer.add(window: window, planes: planes, planeStride: stride, endsTileRow: tiles.endsRow(index))
                }
                try dataset.close()
                if cog {
                    let source = try Dataset.open(gtiffPath)
                    let cogOptions = mergedCOGOptions(output.creationOptions, threads: engine.threads, dataType: dataType)
                    try Driver("COG").createCopy(path: temporary, from: source, options: cogOptions).close()
                }
            }
        }
        return warnings
    }

    static func mergedCOGOptions(_ user: [String], threads: Int, dataType: DataType) -> [String] {
        // Overviews of classes must pick a class, never average two.
        let resampling = dataType == .float32 || dataType == .float64 ? "AVERAGE" : "NEAREST"
        var options = ["BLOCKSIZE=512", "NUM_THREADS=\(threads)", "OVERVIEWS=AUTO", "OVERVIEW_RESAMPLING=\(resampling)"]
            + RasterOutputOptions.defaultEncoding(for: dataType)
            .map { $0.hasPrefix("ZSTD_LEVEL=") ? "LEVEL=" + $0.dropFirst("ZSTD_LEVEL=".count) : $0 }
        for option in user {
            let key = option.split(separator: "=").first.map { String($0).uppercased() } ?? option
            options.removeAll { $0.uppercased().hasPrefix(key + "=") }
            options.append(option)
        }
        return options
    }
}
