import CGDAL

/// A raster's pixel type, as GDAL names them.
public enum DataType: Int32, Sendable, CaseIterable, Codable {
    case byte = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, float64 = 7
    case complexInt16 = 8, complexInt32 = 9, complexFloat32 = 10, complexFloat64 = 11
    case uint64 = 12, int64 = 13

    init?(gdal: GDALDataType) { self.init(rawValue: Int32(gdal.rawValue)) }

    var gdal: GDALDataType { GDALDataType(UInt32(rawValue)) }

    /// GDAL's own name ("Byte", "Float32", ...), as gdalinfo prints it.
    public var name: String { String(cString: GDALGetDataTypeName(gdal)) }

    public var byteSize: Int { Int(GDALGetDataTypeSizeBytes(gdal)) }

    public var isInteger: Bool {
        switch self {
        case .byte, .uint16, .int16, .uint32, .int32, .uint64, .int64: return true
        default: return false
        }
    }

    public var isComplex: Bool { GDALDataTypeIsComplex(gdal) != 0 }

    /// Looks a type up by GDAL's name, case-insensitively ("byte", "Float32").
    public init?(name: String) {
        guard let match = DataType.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        self = match
    }
}

/// A Swift scalar that GDAL can read into and write from: the buffer's type is part of every read and write.
public protocol RasterScalar: Numeric, Sendable {
    static var dataType: DataType { get }
}

extension UInt8: RasterScalar { public static var dataType: DataType { .byte } }
extension UInt16: RasterScalar { public static var dataType: DataType { .uint16 } }
extension Int16: RasterScalar { public static var dataType: DataType { .int16 } }
extension UInt32: RasterScalar { public static var dataType: DataType { .uint32 } }
extension Int32: RasterScalar { public static var dataType: DataType { .int32 } }
extension UInt64: RasterScalar { public static var dataType: DataType { .uint64 } }
extension Int64: RasterScalar { public static var dataType: DataType { .int64 } }
extension Float: RasterScalar { public static var dataType: DataType { .float32 } }
extension Double: RasterScalar { public static var dataType: DataType { .float64 } }
