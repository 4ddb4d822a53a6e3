import CGDAL

/// An OGR field's type, as the project uses it.
public enum FieldType: Sendable, Hashable, Codable {
    case integer, integer64, real, string, date, time, dateTime, binary, integerList, realList, stringList, other

    init(ogr: OGRFieldType) {
        switch ogr {
        case OFTInteger: self = .integer
        case OFTInteger64: self = .integer64
        case OFTReal: self = .real
        case OFTString: self = .string
        case OFTDate: self = .date
        case OFTTime: self = .time
        case OFTDateTime: self = .dateTime
        case OFTBinary: self = .binary
        case OFTIntegerList: self = .integerList
        case OFTRealList: self = .realList
        case OFTStringList: self = .stringList
        default: self = .other
        }
    }

    var ogr: OGRFieldType {
        switch self {
        case .integer: return OFTInteger
        case .integer64: return OFTInteger64
        case .real: return OFTReal
        case .date: return OFTDate
        case .time: return OFTTime
        case .dateTime: return OFTDateTime
        case .binary: return OFTBinary
        case .integerList: return OFTIntegerList
        case .realList: return OFTRealList
        case .stringList: return OFTStringList
        case .string, .other: return OFTString
        }
    }

    /// OGR's own name ("Integer", "Real", "String", ...).
    public var name: String { String(cString: OGR_GetFieldTypeName(ogr)) }
}

/// A field of a layer: name, type, width and precision.
public struct FieldDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var type: FieldType
    public var width: Int
    public var precision: Int

    public init(name: String, type: FieldType, width: Int = 0, precision: Int = 0) {
        self.name = name
        self.type = type
        self.width = width
        self.precision = precision
    }
}

/// A layer of a vector data set. Keeps its dataset alive. Reading is sequential: one iteration at a time.
public struct Layer {
    public let dataset: Dataset
    let handle: OGRLayerH

    var path: String { dataset.path }

    public var name: String { String(cString: OGR_L_GetName(handle)) }

    /// The number of features, counted if the driver does not know it.
    public var featureCount: Int { Int(OGR_L_GetFeatureCount(handle, 1)) }

    /// OGR's name of the geometry type ("Polygon", "Multi Polygon", "Point", "None", ...).
    public var geometryTypeName: String {
        String(cString: OGRGeometryTypeToName(OGR_L_GetGeomType(handle)))
    }

    /// The dimension of the layer's declared geometry type: 0 points, 1 lines, 2 areas; nil when the layer
    /// declares no single kind (Unknown, GeometryCollection) or no geometry at all (see `hasGeometry`).
    public var geometryDimension: Int? {
        switch OGR_GT_Flatten(OGR_L_GetGeomType(handle)) {
        case wkbPoint, wkbMultiPoint: return 0
        case wkbLineString, wkbMultiLineString, wkbCircularString, wkbCompoundCurve, wkbMultiCurve: return 1
        case wkbPolygon, wkbMultiPolygon, wkbCurvePolygon, wkbMultiSurface, wkbPolyhedralSurface, wkbTIN, wkbTriangle: return 2
        default: return nil
        }
    }

    /// False for a table without a geometry column.
    public var hasGeometry: Bool { OGR_L_GetGeomType(handle) != wkbNone }

    public var spatialReference: SpatialReference? {
        OGR_L_GetSpatialRef(handle).map { SpatialReference(cloning: $0) }
    }

    /// The layer's extent in its CRS, or nil for a layer without geometries.
    public var extent: Envelope? {
        var envelope = OGREnvelope()
        CPLErrorReset()
        guard OGR_L_GetExtent(handle, &envelope, 1) == OGRERR_NONE else {
            CPLErrorReset()
            return nil
        }
        return Envelope(minX: envelope.MinX, minY: envelope.MinY, maxX: envelope.MaxX, maxY: envelope.MaxY)
    }

    public var fields: [FieldDefinition] {
        let definition = OGR_L_GetLayerDefn(handle)
        return (0..<OGR_FD_GetFieldCount(definition)).map { index in
            let field = OGR_FD_GetFieldDefn(definition, index)
            return FieldDefinition(name: String(cString: OGR_Fld_GetNameRef(field)), type: FieldType(ogr: OGR_Fld_GetType(field)),
                                   width: Int(OGR_Fld_GetWidth(field)), precision: Int(OGR_Fld_GetPrecision(field)))
        }
    }

    /// The index of a field, or an error naming the file and the fields it has.
    public func fieldIndex(_ name: String) throws -> Int {
        let index = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(handle), name)
        guard index >= 0 else {
            let available = fields.map(\.name).joined(separator: ", ")
            throw GDALError(function: "OGR_FD_GetFieldIndex", path: path,
                            message: "layer '\(self.name)' has no field '\(name)' (fields: \(available))",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        return Int(index)
    }

    /// Restricts iteration to features matching an OGR SQL WHERE clause; nil clears it.
    public func setAttributeFilter(_ filter: String?) throws {
        try checkOGR("OGR_L_SetAttributeFilter", path: path) { OGR_L_SetAttributeFilter(handle, filter) }
    }

    /// The features, from the first; each iteration starts again at the beginning. A feature that cannot be read
    /// ends the iteration as if the layer ended there: `forEachFeature` reports it instead.
    public var features: FeatureSequence { FeatureSequence(layer: self) }

    /// Calls `body` with each feature, from the first, and throws GDAL's error when one cannot be read. In a
    /// truncated or damaged file OGR_L_GetNextFeature returns NULL, or a feature without its geometry or
    /// attributes, after raising an error: without this check a layer would end early or have empty features.
    public func forEachFeature(_ body: (Feature) throws -> Void) throws {
        GDALRuntime.ensureInitialized()
        OGR_L_ResetReading(handle)
        var number = 0
        while true {
            CPLErrorReset()
            let feature = OGR_L_GetNextFeature(handle).map { Feature(handle: $0, layer: self) }
            number += 1
            if CPLGetLastErrorType().rawValue >= CE_Failure.rawValue {
                let error = GDALError.fromLastError(function: "OGR_L_GetNextFeature", path: path, fallback: "read error")
                throw GDALError(function: error.function, path: path, message: "feature \(number) of layer '\(name)' cannot be read: \(error.message)",
                                errorNumber: error.errorNumber)
            }
            guard let feature else { return }
            try body(feature)
        }
    }

    /// The feature with this id (FID).
    public func feature(id: Int64) throws -> Feature {
        let feature = try checkHandle("OGR_L_GetFeature", path: path) { OGR_L_GetFeature(handle, GIntBig(id)) }
        return Feature(handle: feature, layer: self)
    }

    // MARK: Writing

    public func createField(_ field: FieldDefinition) throws {
        let definition = OGR_Fld_Create(field.name, field.type.ogr)
        defer { OGR_Fld_Destroy(definition) }
        if field.width > 0 { OGR_Fld_SetWidth(definition, Int32(field.width)) }
        if field.precision > 0 { OGR_Fld_SetPrecision(definition, Int32(field.precision)) }
        try checkOGR("OGR_L_CreateField", path: path) { OGR_L_CreateField(handle, definition, 1) }
    }

    /// Adds a feature with the given field values (by field name) and geometry.
    public func addFeature(_ values: [String: FieldValue], geometry: Geometry? = nil) throws {
        let feature = OGR_F_Create(OGR_L_GetLayerDefn(handle))!
        defer { OGR_F_Destroy(feature) }
        for (name, value) in values {
            let index = try fieldIndex(name)
            Feature.set(value, at: Int32(index), on: feature)
        }
        if let geometry {
            try checkOGR("OGR_F_SetGeometry", path: path) { OGR_F_SetGeometry(feature, geometry.handle) }
        }
        try checkOGR("OGR_L_CreateFeature", path: path) { OGR_L_CreateFeature(handle, feature) }
    }

    /// Adds a feature with values in field order; faster than by name for many rows. `fid`: the feature id to
    /// give it, where the format lets the writer choose (GeoPackage); nil lets the driver number it.
    public func addFeature(values: [FieldValue], geometry: Geometry? = nil, fid: Int64? = nil) throws {
        let feature = OGR_F_Create(OGR_L_GetLayerDefn(handle))!
        defer { OGR_F_Destroy(feature) }
        if let fid { _ = OGR_F_SetFID(feature, GIntBig(fid)) }
        for (index, value) in values.enumerated() { Feature.set(value, at: Int32(index), on: feature) }
        if let geometry {
            try checkOGR("OGR_F_SetGeometry", path: path) { OGR_F_SetGeometry(feature, geometry.handle) }
        }
        try checkOGR("OGR_L_CreateFeature", path: path) { OGR_L_CreateFeature(handle, feature) }
    }
}

/// Iterates a layer's features; each `makeIterator()` rewinds the layer.
public struct FeatureSequence: Sequence {
    let layer: Layer

    public struct Iterator: IteratorProtocol {
        let layer: Layer
        public mutating func next() -> Feature? {
            OGR_L_GetNextFeature(layer.handle).map { Feature(handle: $0, layer: layer) }
        }
    }

    public func makeIterator() -> Iterator {
        OGR_L_ResetReading(layer.handle)
        return Iterator(layer: layer)
    }
}

extension Dataset {
    public var layerCount: Int { Int(GDALDatasetGetLayerCount(handle)) }

    /// True for a data set with at least one vector layer.
    public var isVector: Bool { layerCount > 0 }

    public func layer(_ index: Int) throws -> Layer {
        guard index >= 0, index < layerCount else {
            throw GDALError(function: "GDALDatasetGetLayer", path: path,
                            message: "layer \(index) does not exist (the data set has \(layerCount) layer\(layerCount == 1 ? "" : "s"))",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        let layer = try checkHandle("GDALDatasetGetLayer", path: path) { GDALDatasetGetLayer(handle, Int32(index)) }
        return Layer(dataset: self, handle: layer)
    }

    public func layer(named name: String) throws -> Layer {
        guard let layer = GDALDatasetGetLayerByName(handle, name) else {
            throw GDALError(function: "GDALDatasetGetLayerByName", path: path,
                            message: "no layer named '\(name)' (layers: \(layers.map(\.name).joined(separator: ", ")))",
                            errorNumber: Int32(CPLE_IllegalArg))
        }
        return Layer(dataset: self, handle: layer)
    }

    public var layers: [Layer] { (0..<layerCount).compactMap { try? layer($0) } }

    /// Creates a layer. `geometryType` is an OGR name: "Polygon", "MultiPolygon", "Point", "None", ...
    public func createLayer(name: String, spatialReference: SpatialReference?, geometryType: GeometryType,
                            options: [String] = []) throws -> Layer {
        let layer = try withCStringList(options) { list in
            try checkHandle("GDALDatasetCreateLayer", path: path) {
                GDALDatasetCreateLayer(handle, name, spatialReference?.handle, geometryType.ogr, list)
            }
        }
        return Layer(dataset: self, handle: layer)
    }

    /// Runs `body` in a transaction where the format has them (GeoPackage: much faster bulk writes).
    public func withTransaction<R>(_ body: () throws -> R) throws -> R {
        let started = GDALDatasetStartTransaction(handle, 0) == OGRERR_NONE
        CPLErrorReset()
        do {
            let result = try body()
            if started { try checkOGR("GDALDatasetCommitTransaction", path: path) { GDALDatasetCommitTransaction(handle) } }
            return result
        } catch {
            if started { _ = GDALDatasetRollbackTransaction(handle) }
            throw error
        }
    }
}
