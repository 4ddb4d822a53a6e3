import Foundation
import GDAL

/// `soilmap grid` and the pipeline's `grid` step: survey points onto a raster grid.
public struct GridParameters: RasterStepParameters {
    public var points: String
    public var layer: String?
    public var xField: String?
    public var yField: String?
    public var pointsCRS: String?
    /// The attribute to grid (numeric).
    public var field: String
    /// gdal_grid syntax, or kriging:...
    public var algorithm: String
    /// The grid: an existing raster's, or extent + resolution (+ CRS, default the points').
    public var like: String?
    public var extent: [Double]?
    public var resolution: [Double]?
    public var targetCRS: String?
    /// Float32 (default) or Float64.
    public var outputType: String?
    /// Cross-validation: "loo" or "kfold:K" (with `seed`), written to `cvOutput` (default OUTPUT_cv.csv).
    public var crossValidation: String?
    public var seed: UInt64?
    public var cvOutput: String?
    /// Held-out points with the same field (read with the same x/y columns and CRS as `points`): each predicted
    /// from `points`, written to `validationOutput` (default OUTPUT_validation.csv).
    public var validation: String?
    public var validationOutput: String?
    public var output: String
    public var format: String?
    public var creationOptions: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case points, layer, xField = "x_field", yField = "y_field", pointsCRS = "points_crs", field, algorithm, like
        case extent, resolution, targetCRS = "t_srs", outputType = "output_type", crossValidation = "cv", seed
        case cvOutput = "cv_output", validation, validationOutput = "validation_output", output, format, creationOptions = "creation_options"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(points: String, layer: String? = nil, xField: String? = nil, yField: String? = nil, pointsCRS: String? = nil,
                field: String, algorithm: String, like: String? = nil, extent: [Double]? = nil, resolution: [Double]? = nil,
                targetCRS: String? = nil, outputType: String? = nil, crossValidation: String? = nil, seed: UInt64? = nil,
                cvOutput: String? = nil, validation: String? = nil, validationOutput: String? = nil, output: String,
                format: String? = nil, creationOptions: [String]? = nil) {
        self.points = points
        self.layer = layer
        self.xField = xField
        self.yField = yField
        self.pointsCRS = pointsCRS
        self.field = field
        self.algorithm = algorithm
        self.like = like
        self.extent = extent
        self.resolution = resolution
        self.targetCRS = targetCRS
        self.outputType = outputType
        self.crossValidation = crossValidation
        self.seed = seed
        self.cvOutput = cvOutput
        self.validation = validation
        self.validationOutput = validationOutput
        self.output = output
        self.format = format
        self.creationOptions = creationOptions
    }

    public var pointSource: PointSource { PointSource(path: points, layer: layer, xField: xField, yField: yField, crs: pointsCRS) }
    public var inputPaths: [String] { [points] + (like.map { [$0] } ?? []) + (validation.map { [$0] } ?? []) }
    public var outputPaths: [String] {
        [output] + (crossValidation != nil ? [resolvedCVOutput] : []) + (validation != nil ? [resolvedValidationOutput] : [])
    }

    var resolvedCVOutput: String {
        cvOutput ?? ((output as NSString).deletingPathExtension + "_cv.csv")
    }

    var resolvedValidationOutput: String {
        validationOutput ?? ((output as NSString).deletingPathExtension + "_validation.csv")
    }

    /// The held-out points: the same coordinate columns and CRS as the fitted ones, their own first layer.
    var validationSource: PointSource? {
        validation.map { PointSource(path: $0, xField: xField, yField: yField, crs: pointsCRS) }
    }

    public func mappingPaths(_ transform: (String) -> String) -> GridParameters {
        var copy = self
        copy.points = transform(points)
        copy.like = like.map(transform)
        copy.cvOutput = cvOutput.map(transform)
        copy.validation = validation.map(transform)
        copy.validationOutput = validationOutput.map(transform)
        copy.output = transform(output)
        return copy
    }

    public func parsedAlgorithm() throws -> (algorithm: GridAlgorithm, noData: Double) {
        let parsed = try GridAlgorithm.parse(algorithm)
        return (parsed.algorithm, parsed.noData ?? Self.defaultNoData)
    }

    public static let defaultNoData = -9999.0

    public func crossValidationPlan() throws -> CrossValidation.Plan? {
        guard let text = crossValidation else {
            guard seed == nil else { throw SoilMapError.invalidArgument("--seed is for --cv kfold:K") }
            return nil
        }
        if text == "loo" {
            guard seed == nil else { throw SoilMapError.invalidArgument("--seed is for --cv kfold:K (leave-one-out has no randomness)") }
            return .leaveOneOut
        }
        if text.hasPrefix("kfold:"), let folds = Int(text.dropFirst(6)), folds >= 2 {
            guard let seed else { throw SoilMapError.invalidArgument("--cv \(text): give --seed S so the folds can be drawn again") }
            return .kFold(folds, seed: seed)
        }
        throw SoilMapError.invalidArgument("--cv \(text): use loo or kfold:K (K >= 2)")
    }

    public func dataType() throws -> DataType {
        switch (outputType ?? "Float32").lowercased() {
        case "float32": return .float32
        case "float64": return .float64
        default: throw SoilMapError.invalidArgument("--ot \(outputType!): use Float32 or Float64")
        }
    }

    public func resolved() throws -> GridParameters {
        var copy = self
        _ = try parsedAlgorithm()
        _ = try crossValidationPlan()
        _ = try dataType()
        guard !field.isEmpty else { throw SoilMapError.invalidArgument("--field: give the attribute to grid") }
        if like != nil {
            guard extent == nil, resolution == nil, targetCRS == nil else {
                throw SoilMapError.invalidArgument("--like gives the grid: leave out --te, --tr and --t-srs")
            }
        } else {
            guard let extent, let resolution else {
                throw SoilMapError.invalidArgument("give the grid: --like RASTER, or --te XMIN YMIN XMAX YMAX and --tr XRES YRES")
            }
            guard extent.count == 4, extent.allSatisfy(\.isFinite), extent[2] > extent[0], extent[3] > extent[1] else {
                throw SoilMapError.invalidArgument("--te: give XMIN YMIN XMAX YMAX with XMAX > XMIN and YMAX > YMIN")
            }
            guard resolution.count == 2, resolution.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw SoilMapError.invalidArgument("--tr: give XRES YRES, both > 0")
            }
        }
        if crossValidation != nil, let cvOutput, !cvOutput.lowercased().hasSuffix(".csv") {
            throw SoilMapError.invalidArgument("--cv-output \(cvOutput): use .csv")
        }
        if validation == nil, validationOutput != nil {
            throw SoilMapError.invalidArgument("--validation-output is for --validation POINTS")
        }
        if validation != nil, let validationOutput, !validationOutput.lowercased().hasSuffix(".csv") {
            throw SoilMapError.invalidArgument("--validation-output \(validationOutput): use .csv")
        }
        copy.format = try outputOptions(overwrite: false).format.rawValue
        copy.creationOptions = creationOptions ?? []
        copy.outputType = try dataType() == .float64 ? "Float64" : "Float32"
        return copy
    }

    /// The output grid: size, geotransform (north-up) and CRS.
    func grid(pointsCRS: String) throws -> (width: Int, height: Int, transform: GeoTransform, crsWKT: String) {
        if let like {
            let dataset = try Dataset.open(like, kind: .raster)
            guard let transform = dataset.geoTransform else { throw SoilMapError.invalidInput(path: like, "has no geotransform") }
            return (dataset.width, dataset.height, transform, dataset.spatialReference?.wkt() ?? "")
        }
        let extent = extent!, resolution = resolution!
        // gdalwarp's rounding of -te / -tr to whole cells.
        let width = Int((extent[2] - extent[0]) / resolution[0] + 0.5), height = Int((extent[3] - extent[1]) / resolution[1] + 0.5)
        guard width > 0, height > 0 else { throw SoilMapError.invalidArgument("--te/--tr give an empty grid") }
        guard width <= 100_000, height <= 100_000 else { throw SoilMapError.invalidArgument("--te/--tr give \(width) x \(height) cells: too many (100,000 per side at most)") }
        var crs = pointsCRS
        if let targetCRS {
            do { crs = try SpatialReference(definition: targetCRS).wkt() } catch {
                throw SoilMapError.invalidArgument("--t-srs \(targetCRS): not a CRS GDAL understands")
            }
        }
        let transform = GeoTransform(originX: extent[0], pixelWidth: resolution[0], originY: extent[3], pixelHeight: -resolution[1])
        return (width, height, transform, crs)
    }
}

extension GridParameters {
    public var commandArguments: [String] {
        var words = [points, "--field", field, "--algorithm", algorithm]
        if let layer { words += ["--layer", layer] }
        if let xField { words += ["--x-field", xField] }
        if let yField { words += ["--y-field", yField] }
        if let pointsCRS { words += ["--points-crs", pointsCRS] }
        if let like { words += ["--like", like] }
        if let extent { words += ["--te"] + extent.map(numberText) }
        if let resolution { words += ["--tr"] + resolution.map(numberText) }
        if let targetCRS { words += ["--t-srs", targetCRS] }
        if let outputType { words += ["--ot", outputType] }
        if let crossValidation { words += ["--cv", crossValidation] }
        if let seed { words += ["--seed", String(seed)] }
        if let validation { words += ["--validation", validation] }
        if let format { words += ["--format", format] }
        for option in creationOptions ?? [] { words += ["--co", option] }
        return words
    }
}
