import CGDAL

/// A field's value, typed. Text is always valid UTF-8.
public enum FieldValue: Sendable, Hashable, Codable {
    case null
    case integer(Int64)
    case real(Double)
    case string(String)

    public var stringValue: String? {
        switch self {
        case .null: return nil
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .string(let value): return value
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .null: return nil
        case .integer(let value): return Double(value)
        case .real(let value): return value
        case .string(let value): return Double(value)
        }
    }
}

/// One feature of a layer: id, attributes and geometry. Owns its OGR handle.
public final class Feature {
    let handle: OGRFeatureH
    public let layer: Layer

    init(handle: OGRFeatureH, layer: Layer) {
        self.handle = handle
        self.layer = layer
    }

    deinit { OGR_F_Destroy(handle) }

    /// The feature id (FID).
    public var id: Int64 { Int64(OGR_F_GetFID(handle)) }

    public var fieldCount: Int { Int(OGR_F_GetFieldCount(handle)) }

    /// The value of field `index` (from 0), typed by the field's definition.
    public func value(at index: Int) -> FieldValue {
        let position = Int32(index)
        guard index >= 0, index < fieldCount, OGR_F_IsFieldSetAndNotNull(handle, position) != 0 else { return .null }
        switch OGR_Fld_GetType(OGR_F_GetFieldDefnRef(handle, position)) {
        case OFTInteger, OFTInteger64: return .integer(Int64(OGR_F_GetFieldAsInteger64(handle, position)))
        case OFTReal: return .real(OGR_F_GetFieldAsDouble(handle, position))
        default: return .string(Feature.decodeText(OGR_F_GetFieldAsString(handle, position)))
        }
    }

    /// The value of a named field; throws when the layer has no such field.
    public func value(named name: String) throws -> FieldValue {
        value(at: try layer.fieldIndex(name))
    }

    /// The field as text ("" when null).
    public func string(at index: Int) -> String { value(at: index).stringValue ?? "" }

    /// A copy of the feature's geometry, or nil when it has none.
    public var geometry: Geometry? {
        OGR_F_GetGeometryRef(handle).map { Geometry(owning: OGR_G_Clone($0)) }
    }

    /// OGR recodes text to UTF-8 where the source says its encoding (a shapefile's .cpg or DBF code page);
    /// bytes that are still not UTF-8 are read as Latin-1 rather than mangled into replacement characters.
    static func decodeText(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        if let text = String(validatingCString: pointer) { return text }
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
        return String(bytes.map { Character(Unicode.Scalar($0)) })
    }

    static func set(_ value: FieldValue, at index: Int32, on feature: OGRFeatureH) {
        switch value {
        case .null: OGR_F_SetFieldNull(feature, index)
        case .integer(let number): OGR_F_SetFieldInteger64(feature, index, GIntBig(number))
        case .real(let number): OGR_F_SetFieldDouble(feature, index, number)
        case .string(let text): OGR_F_SetFieldString(feature, index, text)
        }
    }
}
