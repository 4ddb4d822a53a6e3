import Foundation
import GDAL

/// `soilmap rasterize` and the pipeline's `rasterize` step: soil-map polygons onto an analysis grid by an
/// attribute, through GDAL's own rasterizer (what gdal_rasterize does): a numeric attribute as values, a text (or
/// `--categorical`) attribute as classes with their names, colours and a QGIS style.
public struct RasterizeParameters: RasterStepParameters {
    public var polygons: String
    public var layer: String?
    public var field: String
    /// Classes from the attribute's distinct values, even when it is numeric (a soil-type code).
    public var categorical: Bool?
    /// Burn every cell a polygon touches, not only those whose centre it contains.
    public var allTouched: Bool?
    /// The grid: an existing raster's, or extent + resolution (+ CRS, default the polygons').
    public var like: String?
    public var extent: [Double]?
    public var resolution: [Double]?
    public var targetCRS: String?
    public var output: String
    public var format: String?
    public var creationOptions: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case polygons, layer, field, categorical, allTouched = "all_touched", like, extent, resolution, targetCRS = "t_srs", output, format
        case creationOptions = "creation_options"
    }

    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(polygons: String, layer: String? = nil, field: String, categorical: Bool? = nil, allTouched: Bool? = nil, like: String? = nil,
                extent: [Double]? = nil, resolution: [Double]? = nil, targetCRS: String? = nil, output: String, format: String? = nil,
                creationOptions: [String]? = nil) {
        self.polygons = polygons
        self.layer = layer
        self.field = field
        self.categorical = categorical
        self.allTouched = allTouched
        self.like = like
        self.extent = extent
        self.resolution = resolution
        self.targetCRS = targetCRS
        self.output = output
        self.format = format
        self.creationOptions = creationOptions
    }

    public var inputPaths: [String] { [polygons] + (like.map { [$0] } ?? []) }
    public var outputPaths: [String] { [output] }

    public func mappingPaths(_ transform: (String) -> String) -> RasterizeParameters {
        var copy = self
        copy.polygons = transform(polygons)
        copy.like = like.map(transform)
        copy.output = transform(output)
        return copy
    }

    /// The same grid rules as `grid` (gdalwarp's habits).
    var gridParameters: GridParameters {
        GridParameters(points: polygons, field: field, algorithm: "nearest", like: like, extent: extent, resolution: resolution,
                       targetCRS: targetCRS, output: output)
    }

    public func resolved() throws -> RasterizeParameters {
        var copy = self
        guard !field.isEmpty else { throw SoilMapError.invalidArgument("--field: give the attribute to burn") }
        _ = try gridParameters.resolved()
        copy.categorical = categorical ?? false
        copy.allTouched = allTouched ?? false
        copy.format = try outputOptions(overwrite: false).format.rawValue
        copy.creationOptions = creationOptions ?? []
        return copy
    }

    public var commandArguments: [String] {
        var words = [polygons, "--field", field]
        if let layer { words += ["--layer", layer] }
        if categorical == true { words.append("--categorical") }
        if allTouched == true { words.append("--all-touched") }
        if let like { words += ["--like", like] }
        if let extent { words += ["--te"] + extent.map(numberText) }
        if let resolution { words += ["--tr"] + resolution.map(numberText) }
        if let targetCRS { words += ["--t-srs", targetCRS] }
        if let format { words += ["--format", format] }
        for option in creationOptions ?? [] { words += ["--co", option] }
        return words
    }
}

public struct RasterizeSummary: Sendable {
    public var path: String
    /// Classes written (categorical), code order: code 1 is the first.
    public var classes: [String]
    public var burntFeatures: Int
    public var featuresWithoutValue: Int
    public var warnings: [String]
}

public struct RasterizeStep: Step {
    public static let kind = "rasterize"
    public var parameters: RasterizeParameters

    public init(_ parameters: RasterizeParameters) { self.parameters = parameters }

    public static let numericNoData = -9999.0

    @discardableResult
    public func run(in context: RunContext, transaction: OutputTransaction) throws -> RasterizeSummary {
        let resolved = try parameters.resolved()
        let output = try parameters.outputOptions(overwrite: context.overwrite, provenanceOf: Self.kind)
        try transaction.check(parameters.output)
        try transaction.check(QGISStyle.stylePath(for: parameters.output))
        let source = try Dataset.open(parameters.polygons, kind: .vector)
        let layer = try parameters.layer.map { try source.layer(named: $0) } ?? source.layer(0)
        let fieldIndex = try layer.fieldIndex(parameters.field)
        let fieldType = layer.fields[fieldIndex].type
        let categorical = resolved.categorical == true || fieldType == .string
        let grid = try resolved.gridParameters.grid(pointsCRS: layer.spatialReference?.wkt() ?? "")
        // Without a CRS GDAL would take the polygons' coordinates as the grid's and burn nothing (or the wrong cells).
        if layer.spatialReference == nil, !grid.crsWKT.isEmpty {
            throw SoilMapError.invalidInput(path: parameters.polygons, "layer '\(layer.name)' has no CRS (a shapefile without its .prj?), so its polygons cannot be placed on the grid")
        }

        // Every feature with a value, in layer order (a later polygon covers an earlier one, as in gdal_rasterize).
        var features: [(value: FieldValue, geometry: Geometry)] = []
        var withoutValue = 0
        try layer.forEachFeature { feature in
            let value = feature.value(at: fieldIndex)
            guard value != .null, let geometry = feature.geometry else { withoutValue += 1; return }
            guard geometry.dimension == 2 else {
                throw SoilMapError.invalidInput(path: parameters.polygons, "feature \(feature.id) is not a polygon: rasterize burns polygons")
            }
            if !categorical, value.doubleValue == nil {
                throw SoilMapError.invalidInput(path: parameters.polygons, "feature \(feature.id): '\(value.stringValue ?? "")' in \(parameters.field) is not a number (use --categorical for classes)")
            }
            features.append((value, geometry))
        }
        // Classes in the code-point order of their text, so the codes do not depend on the features' order.
        let classes = categorical
            ? Array(Set(features.map { $0.value.stringValue ?? "" })).sorted { Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }
            : []
        guard classes.count <= 65_535 else {
            throw SoilMapError.invalidInput(path: parameters.polygons, "\(parameters.field) has \(classes.count) distinct values: too many classes (65,535 at most)")
        }
        let codeOf = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Double($0 + 1)) })

        // A scratch layer holding each feature's burn value: GDAL's rasterizer burns numeric attributes only.
        let scratch = try Driver("Memory").createVector(path: "")
        let burnLayer = try scratch.createLayer(name: "burn", spatialReference: layer.spatialReference, geometryType: .unknown)
        try burnLayer.createField(FieldDefinition(name: "burn", type: .real, width: 0, precision: 0))
        for feature in features {
            let value = categorical ? codeOf[feature.value.stringValue ?? ""]! : feature.value.doubleValue!
            try burnLayer.addFeature(["burn": .real(value)], geometry: feature.geometry)
        }

        let dataType: DataType = categorical ? (classes.count <= 255 ? .byte : .uint16) : .float32
        let noData = categorical ? 0.0 : Self.numericNoData
        let threads = max(1, context.threads)
        let colours = categorical ? Self.palette(count: classes.count) : nil
        let names = categorical ? [""] + classes : []
        var warnings: [String] = []
        if withoutValue > 0 {
            warnings.append("\(parameters.polygons): \(withoutValue) of \(withoutValue + features.count) features have no value of \(parameters.field) (or no geometry); they are left out")
        }
        try transaction.write(parameters.output, pathExtension: "tif", rasterSidecar: true) { temporary in
            let gtiffPath = output.format == .cog ? transaction.scratch(besides: temporary, pathExtension: "tif") : temporary
            let gtiffOptions = output.format == .cog
                ? ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "BIGTIFF=IF_SAFER", "COMPRESS=NONE"]
                : output.gtiffOptions(threads: threads, encoding: categorical ? ["COMPRESS=ZSTD", "ZSTD_LEVEL=9"] : RasterOutputOptions.defaultFloatEncoding)
            let dataset = try Driver("GTiff").createRaster(path: gtiffPath, width: grid.width, height: grid.height, bandCount: 1,
                                                           dataType: dataType, options: gtiffOptions)
            try dataset.setGeoTransform(grid.transform)
            if !grid.crsWKT.isEmpty { try dataset.setSpatialReference(try SpatialReference(wkt: grid.crsWKT)) }
            let band = try dataset.band(1)
            band.setBandDescription(categorical ? "\(parameters.field) (classes)" : parameters.field)
            try band.setNoDataValue(noData)
            try band.fill(noData)
            if let colours {
                try band.setColorTable(colours)
                try band.setCategoryNames(names)
            }
            var metadata = output.metadata
            metadata["RASTERIZE_SOURCE"] = (parameters.polygons as NSString).lastPathComponent
            metadata["RASTERIZE_FIELD"] = parameters.field
            metadata["RASTERIZE_RULE"] = resolved.allTouched == true ? "every cell a polygon touches" : "cells whose centre a polygon contains"
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) { try dataset.setMetadataItem(key, value) }
            try dataset.rasterize(burnLayer, burn: .attribute("burn"), allTouched: resolved.allTouched == true)
            try dataset.close()
            if output.format == .cog {
                let staged = try Dataset.open(gtiffPath)
                let cogOptions = RasterResultWriter.mergedCOGOptions(output.creationOptions, threads: threads, dataType: dataType)
                try Driver("COG").createCopy(path: temporary, from: staged, options: cogOptions).close()
            }
        }
        if let colours, let style = QGISStyle.palettedRaster(colorTable: colours, categoryNames: names, noData: 0) {
            try QGISStyle.write(style, besides: parameters.output, transaction: transaction)
        }
        context.progress?(1)
        warnings.forEach(context.diagnostics.warn)
        return RasterizeSummary(path: parameters.output, classes: classes, burntFeatures: features.count, featuresWithoutValue: withoutValue,
                                warnings: warnings)
    }

    /// Distinct colours for K classes (golden-angle hues), entry 0 transparent for nodata: the same for the same K.
    static func palette(count: Int) -> ColorTable {
        var entries = [RGBA(red: 0, green: 0, blue: 0, alpha: 0)]
        for index in 0..<count {
            let hue = (Double(index) * 137.508).truncatingRemainder(dividingBy: 360) / 60
            let saturation = 0.55 + 0.3 * Double(index % 3) / 2, value = 0.95 - 0.25 * Double(index / 3 % 2)
            let chroma = value * saturation, x = chroma * (1 - abs(hue.truncatingRemainder(dividingBy: 2) - 1)), m = value - chroma
            let (r, g, b): (Double, Double, Double)
            switch Int(hue) {
            case 0: (r, g, b) = (chroma, x, 0)
            case 1: (r, g, b) = (x, chroma, 0)
            case 2: (r, g, b) = (0, chroma, x)
            case 3: (r, g, b) = (0, x, chroma)
            case 4: (r, g, b) = (x, 0, chroma)
            default: (r, g, b) = (chroma, 0, x)
            }
            entries.append(RGBA(red: UInt8(((r + m) * 255).rounded()), green: UInt8(((g + m) * 255).rounded()), blue: UInt8(((b + m) * 255).rounded())))
        }
        return ColorTable(entries: entries)
    }
}
