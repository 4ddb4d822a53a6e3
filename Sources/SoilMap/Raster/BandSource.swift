/// Where one band role comes from: a band of a file.
public struct BandSource: Sendable, Hashable, Codable {
    public var role: String
    public var path: String
    /// Band number in the file, from 1.
    public var band: Int
    /// This band's own reflectance conversion (a product's per-band metadata); nil: the run's scale and offset.
    public var conversion: ReflectanceConversion?

    public init(role: String, path: String, band: Int = 1, conversion: ReflectanceConversion? = nil) {
        self.role = role
        self.path = path
        self.band = band
        self.conversion = conversion
    }

    /// Parses `ROLE=N` (a band of `stack`) or `ROLE=FILE[:N]`.
    public static func parse(_ text: String, stack: String?) throws -> BandSource {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw SoilMapError.invalidArgument("--band \(text): expected ROLE=N or ROLE=FILE[:N]")
        }
        let role = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        let value = String(text[text.index(after: equals)...])
        guard role.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), role.first?.isLetter == true else {
            throw SoilMapError.invalidArgument("--band \(text): '\(role)' is not a valid role name (letters, digits, _)")
        }
        if let number = Int(value) {
            guard let stack else {
                throw SoilMapError.invalidArgument("--band \(text): a band number needs the stack given with -i")
            }
            return BandSource(role: role, path: stack, band: number)
        }
        // FILE:N, where N is digits after the last colon.
        if let colon = value.lastIndex(of: ":"), let number = Int(value[value.index(after: colon)...]), colon != value.startIndex {
            return BandSource(role: role, path: String(value[..<colon]), band: number)
        }
        return BandSource(role: role, path: value, band: 1)
    }
}

/// Reflectance = (stored + storedOffset) x scale + offset. Sentinel-2 defines its offset on the stored value
/// ((DN + BOA_ADD_OFFSET) / QUANTIFICATION), which keeps the integer sum exact: both processing baselines then
/// give the same reflectance bits.
public struct ReflectanceConversion: Sendable, Hashable, Codable {
    public var storedOffset: Double
    public var scale: Double
    public var offset: Double

    public init(storedOffset: Double = 0, scale: Double, offset: Double = 0) {
        self.storedOffset = storedOffset
        self.scale = scale
        self.offset = offset
    }
}

/// A cloud/quality mask: which values or bits of a raster remove a pixel.
public struct MaskSource: Sendable, Hashable, Codable {
    public enum Rule: Sendable, Hashable, Codable {
        /// The pixel is dropped when the mask equals one of these (Sentinel-2 SCL classes).
        case values([Double])
        /// The pixel is dropped when any of these bits is set (Landsat QA_PIXEL).
        case bits([Int])
        /// The pixel is kept only when the mask equals one of these (agricultural land in a land-use map).
        case keepValues([Double])
    }

    public var path: String
    public var band: Int
    public var rule: Rule

    public init(path: String, band: Int = 1, rule: Rule) {
        self.path = path
        self.band = band
        self.rule = rule
    }
}

import Foundation

/// Errors of the domain layer: bad arguments and inputs, each naming what is wrong.
public enum SoilMapError: Error, Equatable, CustomStringConvertible {
    case invalidArgument(String)
    case invalidInput(path: String, String)
    case outputExists(String)

    public var description: String {
        switch self {
        case .invalidArgument(let message): return message
        case .invalidInput(let path, let message): return "\(path): \(message)"
        case .outputExists(let path): return "\(path): already exists (use --overwrite to replace it)"
        }
    }
}
