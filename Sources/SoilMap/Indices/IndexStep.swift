import Foundation

/// `soilmap index` and the pipeline's `index` step: the same parameters, the same rules.
public struct IndexParameters: RasterStepParameters {
    /// Catalogue ids ("NDVI", "SAVI", ...).
    public var indices: [String]?
    /// Band math beyond the catalogue, "NAME=formula".
    public var expressions: [String]?
    /// A multi-band stack that band numbers refer to.
    public var stack: String?
    /// A downloaded product (Sentinel-2 L2A .SAFE or .zip, Landsat C2 L2 folder or .tar) that fills the bands the
    /// indices need, their reflectance conversion, the mask and the fill value from its metadata.
    public var scene: String?
    /// "ROLE=N" (a band of the stack) or "ROLE=FILE[:N]", in order (the first finest band sets the grid).
    public var bands: [String]?
    public var sensor: String?
    public var scale: Double?
    public var offset: Double?
    /// Constant overrides: "L" for every index with L, "SAVI.L" for one.
    public var constants: [String: Double]?
    /// A mask raster FILE[:N], with the values or bits that remove a pixel (default: the sensor's rule).
    public var mask: String?
    public var maskValues: [Double]?
    public var maskBits: [Int]?
    public var nodata: Double?
    public var resampling: String?
    public var output: String
    public var format: String?
    public var creationOptions: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case indices, expressions, stack, scene, bands, sensor, scale, offset, constants, mask
        case maskValues = "mask_values", maskBits = "mask_bits", nodata, resampling, output, format
        case creationOptions = "creation_options"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(indices: [String]? = nil, expressions: [String]? = nil, stack: String? = nil, scene: String? = nil, bands: [String]? = nil,
                sensor: String? = nil, scale: Double? = nil, offset: Double? = nil, constants: [String: Double]? = nil,
                mask: String? = nil, maskValues: [Double]? = nil, maskBits: [Int]? = nil, nodata: Double? = nil,
                resampling: String? = nil, output: String, format: String? = nil, creationOptions: [String]? = nil) {
        self.indices = indices
        self.expressions = expressions
        self.stack = stack
        self.scene = scene
        self.bands = bands
        self.sensor = sensor
        self.scale = scale
        self.offset = offset
        self.constants = constants
        self.mask = mask
        self.maskValues = maskValues
        self.maskBits = maskBits
        self.nodata = nodata
        self.resampling = resampling
        self.output = output
        self.format = format
        self.creationOptions = creationOptions
    }

    public var inputPaths: [String] {
        var paths: [String] = stack.map { [$0] } ?? []
        for text in bands ?? [] {
            if let source = try? BandSource.parse(text, stack: stack), !paths.contains(source.path) { paths.append(source.path) }
        }
        if let mask, let source = try? BandSource.parse("mask=\(mask)", stack: nil), !paths.contains(source.path) { paths.append(source.path) }
        if let scene {
            // The files the run reads from the product (the archive itself for a .zip or .tar); the product's
            // folder when it cannot be read yet, so that the runner reports it.
            if let product = try? SatelliteProduct.open(scene), let request = try? request(product: product) {
                let read = request.sources.map(\.path) + (request.mask.map { [$0.path] } ?? [])
                for file in product.localFiles(reading: read) where !paths.contains(file) { paths.append(file) }
            } else if !paths.contains(scene) {
                paths.append(scene)
            }
        }
        return paths
    }

    public var outputPaths: [String] { [output] }

    public func mappingPaths(_ transform: (String) -> String) -> IndexParameters {
        var copy = self
        copy.stack = stack.map(transform)
        copy.scene = scene.map(transform)
        copy.bands = bands?.map { text in
            guard let source = try? BandSource.parse(text, stack: stack), source.path != stack else { return text }
            return "\(source.role)=\(transform(source.path)):\(source.band)"
        }
        copy.mask = mask.flatMap { try? BandSource.parse("mask=\($0)", stack: nil) }.map { "\(transform($0.path)):\($0.band)" }
        copy.output = transform(output)
        return copy
    }

    public func resolved() throws -> IndexParameters {
        var copy = self
        let request = try self.request()
        copy.indices = indices ?? []
        copy.expressions = expressions ?? []
        // A scene's bands stay the scene's: the product is read again when the step runs.
        let explicitRoles = Set(try (bands ?? []).map { try BandSource.parse($0, stack: stack).role })
        copy.bands = request.sources.filter { scene == nil || explicitRoles.contains($0.role) }
            .map { $0.path == stack ? "\($0.role)=\($0.band)" : "\($0.role)=\($0.path):\($0.band)" }
        copy.scale = request.scale
        copy.offset = request.offset
        copy.constants = constants ?? [:]
        if let rule = request.mask?.rule {
            switch rule {
            case .values(let values): copy.maskValues = values
            case .bits(let bits): copy.maskBits = bits
            case .keepValues: break
            }
        }
        copy.nodata = request.noData
        copy.resampling = request.resampling
        copy.format = try outputOptions(overwrite: false).format.rawValue
        copy.creationOptions = creationOptions ?? []
        return copy
    }

    /// The request's own checks (formulas, constants, nodata, band roles); band numbers exist, bands on other grids
    /// overlap the reference grid and can be aligned to it.
    public func validate() throws {
        let request = try resolved().request()
        _ = try request.compiled()
        _ = try InputPlan.make(sources: request.sources, mask: request.mask, scale: request.scale, offset: request.offset,
                               noData: request.inputNoData, resampling: request.resampling)
    }

    /// The engine request these parameters mean: catalogue entries looked up, bands parsed, the sensor's stack
    /// layout, scale, offset, fill value and default mask rule applied, or the scene's bands, conversions and mask.
    public func request() throws -> IndexRequest {
        if scene != nil && (stack != nil || sensor != nil) {
            throw SoilMapError.invalidArgument("--scene reads the bands, their scale and the mask from the product's metadata: leave out -i and --sensor")
        }
        return try request(product: try scene.map(SatelliteProduct.open))
    }

    func request(product: SatelliteProduct?) throws -> IndexRequest {
        var outputs = try (indices ?? []).map { try IndexOutput.catalogue($0.trimmingCharacters(in: .whitespaces)) }
        outputs += try (expressions ?? []).map(IndexOutput.expression)
        var request = IndexRequest(outputs: outputs, sources: try (bands ?? []).map { try BandSource.parse($0, stack: stack) },
                                   parameters: constants ?? [:], noData: nodata ?? -9999, resampling: resampling ?? "near")
        request.scale = scale
        request.offset = offset
        let preset = try sensor.map(SensorPreset.named)
        if let preset { request.apply(sensor: preset, stack: stack) }
        if let product { try request.apply(product: product, maskValues: maskValues, maskBits: maskBits, maskGiven: mask != nil) }
        if let mask {
            let source = try BandSource.parse("mask=\(mask)", stack: nil)
            let rule: MaskSource.Rule
            if let maskValues { rule = .values(maskValues) }
            else if let maskBits { rule = .bits(maskBits) }
            else if let preset { rule = preset.mask }
            else if let productRule = product?.mask?.rule { rule = productRule }
            else { throw SoilMapError.invalidArgument("--mask needs --mask-values or --mask-bits (or a --sensor that knows its mask)") }
            request.mask = MaskSource(path: source.path, band: source.band, rule: rule)
        }
        return request
    }

}

public struct IndexStep: Step {
    public static let kind = "index"
    public var parameters: IndexParameters

    public init(_ parameters: IndexParameters) { self.parameters = parameters }

    public func run(in context: RunContext, transaction: OutputTransaction) throws -> IndexRunSummary {
        let summary = try IndexJob.run(try parameters.request(), to: parameters.output,
                                       output: try parameters.outputOptions(overwrite: context.overwrite, provenanceOf: Self.kind), engine: context.engine,
                                       transaction: transaction)
        summary.warnings.forEach(context.diagnostics.warn)
        return summary
    }
}

extension RasterOutputOptions {
    /// Options from a format name ("GTiff", "COG", any case) and "KEY=VALUE" creation options.
    public init(formatName: String, creationOptions: [String], overwrite: Bool) throws {
        guard let parsed = Format.allCases.first(where: { $0.rawValue.lowercased() == formatName.lowercased() }) else {
            throw SoilMapError.invalidArgument("--format \(formatName): use GTiff or COG")
        }
        for option in creationOptions where !option.contains("=") {
            throw SoilMapError.invalidArgument("--co \(option): expected KEY=VALUE")
        }
        self.init(format: parsed, creationOptions: creationOptions, overwrite: overwrite)
        // A value the driver does not take is refused here already, so that `soilmap validate` catches it.
        _ = try validateCreationOptions()
    }
}
