import Foundation
import GDAL

/// `soilmap zonal` and the pipeline's `zonal` step.
public struct ZonalParameters: StepParameters {
    public var raster: String
    public var band: Int?
    /// Zones: any OGR source, in any CRS.
    public var zones: String
    public var layer: String?
    public var idField: String
    public var nameField: String?
    public var groupField: String?
    public var groupNameField: String?
    /// center, all-touched or coverage.
    public var mode: String?
    /// count, sum, mean, min, max, std, variance, median, pNN, majority, minority, variety.
    public var stats: [String]?
    public var categorical: Bool?
    /// A raster FILE[:N] and the values to keep (e.g. agricultural land).
    public var mask: String?
    public var maskValues: [Double]?
    /// CLASSES:PERCENT%, e.g. ">=2:10%".
    public var target: String?
    /// .csv, .gpkg or .geojson.
    public var output: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case raster, band, zones, layer, idField = "id_field", nameField = "name_field", groupField = "group_field"
        case groupNameField = "group_name_field", mode, stats, categorical, mask, maskValues = "mask_values", target, output
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(raster: String, band: Int? = nil, zones: String, layer: String? = nil, idField: String, nameField: String? = nil,
                groupField: String? = nil, groupNameField: String? = nil, mode: String? = nil, stats: [String]? = nil,
                categorical: Bool? = nil, mask: String? = nil, maskValues: [Double]? = nil, target: String? = nil, output: String) {
        self.raster = raster
        self.band = band
        self.zones = zones
        self.layer = layer
        self.idField = idField
        self.nameField = nameField
        self.groupField = groupField
        self.groupNameField = groupNameField
        self.mode = mode
        self.stats = stats
        self.categorical = categorical
        self.mask = mask
        self.maskValues = maskValues
        self.target = target
        self.output = output
    }

    var maskPath: String? { mask.flatMap { try? BandSource.parse("mask=\($0)", stack: nil) }?.path }

    public var inputPaths: [String] { [raster] + ZoneSource.files(of: zones).filter { $0 == zones || FileManager.default.fileExists(atPath: $0) } + (maskPath.map { [$0] } ?? []) }
    public var outputPaths: [String] { [output] }

    /// The statistics' band of the raster and the mask's band: a shard writes no other band of a scratch map
    /// that only this step reads.
    public func bandsRead(from path: String) -> Set<Int>? {
        let standard = (path as NSString).standardizingPath
        func same(_ other: String) -> Bool { (other as NSString).standardizingPath == standard }
        var bands = Set<Int>()
        if same(raster) { bands.insert(band ?? 1) }
        if let source = mask.flatMap({ try? BandSource.parse("mask=\($0)", stack: nil) }), same(source.path) { bands.insert(source.band) }
        if ZoneSource.files(of: zones).contains(where: same) || same(zones) { return nil }
        return bands
    }

    public func mappingPaths(_ transform: (String) -> String) -> ZonalParameters {
        var copy = self
        copy.raster = transform(raster)
        copy.zones = transform(zones)
        copy.mask = mask.flatMap { try? BandSource.parse("mask=\($0)", stack: nil) }.map { "\(transform($0.path)):\($0.band)" }
        copy.output = transform(output)
        return copy
    }

    public func resolved() throws -> ZonalParameters {
        let request = try self.request()
        var copy = self
        copy.band = request.band
        copy.mode = request.mode.rawValue
        copy.stats = request.statistics
        return copy
    }

    /// The fields exist in the zones layer, and the zones overlap the raster.
    public func validate() throws {
        let request = try self.request()
        try ZonalWriter.checkFormat(output)
        let layer = try request.zones.openLayer()
        for field in [idField, nameField, groupField, groupNameField].compactMap({ $0 }) { _ = try layer.fieldIndex(field) }
        let dataset = try Dataset.open(raster, kind: .raster)
        _ = try dataset.band(request.band)
        guard let bounds = dataset.bounds, let extent = layer.extent, let rasterCRS = dataset.spatialReference,
              let zonesCRS = layer.spatialReference else { return }
        let zonesInRaster = try CoordinateTransformation(from: zonesCRS, to: rasterCRS).transform(extent)
        guard zonesInRaster.intersects(bounds) else {
            throw SoilMapError.invalidInput(path: zones, "does not overlap the raster \(raster): no zone can get a value")
        }
    }

    public func request() throws -> ZonalRequest {
        guard let zonalMode = ZonalMode(rawValue: mode ?? "center") else {
            throw SoilMapError.invalidArgument("--mode \(mode!): use center, all-touched or coverage")
        }
        var maskSpec: (path: String, band: Int, keep: [Double])?
        if let mask {
            guard let maskValues else { throw SoilMapError.invalidArgument("--mask needs --mask-values (the values to keep)") }
            let source = try BandSource.parse("mask=\(mask)", stack: nil)
            maskSpec = (source.path, source.band, maskValues)
        }
        var request = ZonalRequest(raster: raster, band: band ?? 1,
                                   zones: ZoneSource(path: zones, layer: layer, idField: idField, nameField: nameField,
                                                     groupField: groupField, groupNameField: groupNameField),
                                   mode: zonalMode, categorical: categorical, mask: maskSpec, target: try target.map(ZonalTarget.init(parsing:)))
        request.statistics = stats
        return request
    }
}

public struct ZonalStep: Step {
    public static let kind = "zonal"
    public var parameters: ZonalParameters

    public init(_ parameters: ZonalParameters) { self.parameters = parameters }

    public func run(in context: RunContext, transaction: OutputTransaction) throws -> ZonalResult {
        try ZonalWriter.checkFormat(parameters.output)
        try transaction.check(parameters.output)
        let result = try ZonalJob.run(try parameters.request(), engine: context.engine)
        for warning in result.warnings { context.diagnostics.warn(warning) }
        try ZonalWriter.write(result, to: parameters.output, overwrite: context.overwrite, inputs: parameters.inputPaths, transaction: transaction)
        return result
    }
}
