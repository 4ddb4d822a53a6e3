import Foundation

/// Reads a Landsat Collection 2 Level-2 scene from its MTL file (Landsat C2 Level-2 Data Format Control Book):
/// band files from PRODUCT_CONTENTS, reflectance from LEVEL2_SURFACE_REFLECTANCE_PARAMETERS, the place and date
/// from IMAGE_ATTRIBUTES. The sensor decides which band number is which colour (OLI: SR_B4 red; TM/ETM+: SR_B3).
enum LandsatReader {
    static func read(path: String, root: String, metadata: String) throws -> SatelliteProduct {
        let name = (metadata as NSString).lastPathComponent
        func failure(_ problem: String) -> SoilMapError { .invalidInput(path: path, "\(name): \(problem)") }
        let data = try SatelliteProduct.readMetadata(metadata, product: path)
        let groups: [String: [String: String]]
        do { groups = name.hasSuffix(".xml") ? try xmlGroups(data) : try odlGroups(data) } catch let error as MetadataXMLError {
            throw failure("cannot be parsed (\(error))")
        }
        guard let contents = groups["PRODUCT_CONTENTS"], let attributes = groups["IMAGE_ATTRIBUTES"] else {
            throw failure("has no PRODUCT_CONTENTS or IMAGE_ATTRIBUTES group")
        }
        let productID = contents["LANDSAT_PRODUCT_ID"] ?? (name as NSString).deletingPathExtension
        let level = contents["PROCESSING_LEVEL"] ?? ""
        guard level.hasPrefix("L2") else {
            throw SoilMapError.invalidInput(path: path, "\(productID) is a Landsat \(level.isEmpty ? "scene without PROCESSING_LEVEL" : "Level-1 scene (\(level))"); soilmap reads Collection 2 Level-2 surface reflectance (L2SP, L2SR)")
        }
        let spacecraft = attributes["SPACECRAFT_ID"] ?? ""
        let preset: SensorPreset
        switch spacecraft {
        case "LANDSAT_8", "LANDSAT_9": preset = .landsat8
        case "LANDSAT_4", "LANDSAT_5", "LANDSAT_7": preset = .landsat7
        default: throw failure("SPACECRAFT_ID '\(spacecraft)' is not Landsat 4, 5, 7, 8 or 9")
        }
        guard let date = attributes["DATE_ACQUIRED"].flatMap(isoDate) else { throw failure("has no valid DATE_ACQUIRED") }
        guard let reflectance = groups["LEVEL2_SURFACE_REFLECTANCE_PARAMETERS"] else {
            throw failure("has no LEVEL2_SURFACE_REFLECTANCE_PARAMETERS group")
        }
        var bands: [String: SatelliteProduct.Band] = [:]
        for (role, bandName) in preset.bandNames {
            let number = bandName.dropFirst(4)   // "SR_B4" -> "4"
            guard let file = contents["FILE_NAME_BAND_\(number)"] else { continue }
            guard let scale = reflectance["REFLECTANCE_MULT_BAND_\(number)"].flatMap(Double.init),
                  let offset = reflectance["REFLECTANCE_ADD_BAND_\(number)"].flatMap(Double.init) else {
                throw failure("has no REFLECTANCE_MULT_BAND_\(number) / REFLECTANCE_ADD_BAND_\(number)")
            }
            bands[role] = SatelliteProduct.Band(name: bandName, path: root + "/" + file,
                                                conversion: ReflectanceConversion(scale: scale, offset: offset))
        }
        let mask = contents["FILE_NAME_QUALITY_L1_PIXEL"].map { MaskSource(path: root + "/" + $0, rule: preset.mask) }
        let pathRow = attributes["WRS_PATH"].flatMap { Int($0) }.flatMap { row in
            attributes["WRS_ROW"].flatMap { Int($0) }.map { String(format: "%03d/%03d", row, $0) }
        }
        let spacecraftName = spacecraft.replacingOccurrences(of: "_", with: " ").capitalized
        return SatelliteProduct(kind: .landsatC2L2, path: path, metadataPath: metadata, productID: productID,
                                spacecraft: spacecraftName, acquisitionDate: date, tileID: nil, pathRow: pathRow,
                                cloudCover: attributes["CLOUD_COVER"].flatMap(Double.init), processingBaseline: nil,
                                bands: bands, mask: mask, noData: 0)
    }

    /// The MTL.txt (ODL): `GROUP = NAME` ... `END_GROUP = NAME`, `KEY = VALUE` (strings quoted), `END`.
    /// Keys by their innermost group (Level-1 groups repeat REFLECTANCE_MULT_BAND_n with other values).
    static func odlGroups(_ data: Data) throws -> [String: [String: String]] {
        var groups: [String: [String: String]] = [:]
        var stack: [String] = []
        for (index, rawLine) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line == "END" { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw MetadataXMLError(line: index + 1, reason: "expected KEY = VALUE, found '\(line.prefix(40))'")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            switch key {
            case "GROUP": stack.append(value)
            case "END_GROUP":
                guard stack.last == value else {
                    throw MetadataXMLError(line: index + 1, reason: "END_GROUP = \(value) closes \(stack.last ?? "no group")")
                }
                stack.removeLast()
            default:
                guard let group = stack.last else { throw MetadataXMLError(line: index + 1, reason: "\(key) outside any GROUP") }
                groups[group, default: [:]][key] = value
            }
        }
        guard stack.isEmpty else { throw MetadataXMLError(line: 0, reason: "GROUP \(stack.last!) is never closed") }
        guard !groups.isEmpty else { throw MetadataXMLError(line: 0, reason: "no GROUP with values") }
        return groups
    }

    /// The MTL.xml: the same groups as elements under LANDSAT_METADATA_FILE, values as leaf elements.
    static func xmlGroups(_ data: Data) throws -> [String: [String: String]] {
        let xml = try MetadataXML(data: data)
        var groups: [String: [String: String]] = [:]
        for group in xml.root.children {
            for item in group.children where item.children.isEmpty { groups[group.name, default: [:]][item.name] = item.text }
        }
        return groups
    }
}
