import Foundation

/// Reads a Sentinel-2 Level-2A product from its MTD_MSIL2A.xml (S2 MSI Product Specification, the
/// Level-2A user product metadata): band files from Product_Organisation's IMAGE_FILE entries, reflectance from
/// BOA_QUANTIFICATION_VALUE and, from processing baseline 04.00, the per-band BOA_ADD_OFFSET.
enum Sentinel2Reader {
    /// The physical bands in the order of the metadata's band_id / bandId (0 = B01 ... 12 = B12).
    static let bandIDs = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]

    static func read(path: String, root: String, metadata: String) throws -> SatelliteProduct {
        let name = "MTD_MSIL2A.xml"
        func failure(_ problem: String) -> SoilMapError { .invalidInput(path: path, "\(name): \(problem)") }
        let xml: MetadataXML
        do { xml = try MetadataXML(data: try SatelliteProduct.readMetadata(metadata, product: path)) } catch let error as MetadataXMLError {
            throw failure("cannot be parsed (\(error))")
        }
        let document = xml.root
        guard document.name == "Level-2A_User_Product" else {
            throw failure("the root element is \(document.name), not Level-2A_User_Product")
        }
        guard let info = document.first("Product_Info") else { throw failure("has no Product_Info") }
        let productURI = info.value("PRODUCT_URI") ?? (path as NSString).lastPathComponent
        let productID = productURI.hasSuffix(".SAFE") ? String(productURI.dropLast(5)) : productURI
        guard let start = info.value("PRODUCT_START_TIME"), let date = isoDate(start) else {
            throw failure("has no valid PRODUCT_START_TIME")
        }
        let baseline = info.value("PROCESSING_BASELINE")
        guard let quantificationText = document.value("BOA_QUANTIFICATION_VALUE"), let quantification = Double(quantificationText),
              quantification > 0 else {
            throw failure("has no valid BOA_QUANTIFICATION_VALUE")
        }
        var addOffsets: [String: Double] = [:]
        for element in document.all("BOA_ADD_OFFSET") {
            guard let id = element.attributes["band_id"].flatMap(Int.init), bandIDs.indices.contains(id), let value = Double(element.text) else {
                throw failure("a BOA_ADD_OFFSET is not a number with a band_id 0...12")
            }
            addOffsets[bandIDs[id]] = value
        }
        // Baseline 04.00 introduced the offset: a product of that baseline without it is broken, not offset-free.
        let needsOffsets = (baseline.flatMap(Double.init) ?? 0) >= 4
        if needsOffsets && addOffsets.isEmpty { throw failure("processing baseline \(baseline ?? "?") but no BOA_ADD_OFFSET values") }

        // Each band at its finest listed resolution (R10m for B02-B04 and B08, R20m for SCL and the red edge).
        var files: [String: (file: String, resolution: Int)] = [:]
        for element in info.all("IMAGE_FILE") {
            let parts = (element.text as NSString).lastPathComponent.split(separator: "_")
            guard parts.count >= 2, parts.last!.hasSuffix("m"), let resolution = Int(parts.last!.dropLast()) else { continue }
            let band = String(parts[parts.count - 2])
            if let known = files[band], known.resolution <= resolution { continue }
            files[band] = (element.text, resolution)
        }
        guard !files.isEmpty else { throw failure("lists no IMAGE_FILE in Product_Organisation") }
        func location(_ file: String) -> String { root + "/" + file + ".jp2" }

        var bands: [String: SatelliteProduct.Band] = [:]
        for (role, bandName) in SensorPreset.sentinel2.bandNames {
            guard let file = files[bandName] else { continue }
            let storedOffset = addOffsets[bandName] ?? 0
            if needsOffsets && addOffsets[bandName] == nil { throw failure("processing baseline \(baseline ?? "?") but no BOA_ADD_OFFSET for \(bandName)") }
            bands[role] = SatelliteProduct.Band(name: bandName, path: location(file.file),
                                                conversion: ReflectanceConversion(storedOffset: storedOffset, scale: 1 / quantification))
        }
        let mask = files["SCL"].map { MaskSource(path: location($0.file), rule: SensorPreset.sentinel2.mask) }
        let tile = productID.split(separator: "_").first(where: isTileID).map(String.init)
            ?? files.values.lazy.compactMap { ($0.file as NSString).lastPathComponent.split(separator: "_").first(where: isTileID) }.first.map(String.init)
        let cloud = (document.value("Cloud_Coverage_Assessment") ?? document.value("CLOUDY_PIXEL_PERCENTAGE")).flatMap(Double.init)
        return SatelliteProduct(kind: .sentinel2L2A, path: path, metadataPath: metadata, productID: productID,
                                spacecraft: info.value("SPACECRAFT_NAME") ?? "Sentinel-2", acquisitionDate: date, tileID: tile,
                                pathRow: nil, cloudCover: cloud, processingBaseline: baseline, bands: bands, mask: mask, noData: 0)
    }

    /// "T31UFQ": T, two digits of UTM zone, three letters of the MGRS square.
    private static func isTileID(_ part: Substring) -> Bool {
        let characters = Array(part)
        return characters.count == 6 && characters[0] == "T" && characters[1].isNumber && characters[2].isNumber
            && characters[3...].allSatisfy { $0.isUppercase && $0.isLetter }
    }
}

/// The date of an ISO 8601 time ("2022-03-01T10:30:21.024Z" -> "2022-03-01"), nil when it is not one.
func isoDate(_ text: String) -> String? {
    let date = String(text.prefix(10))
    let parts = date.split(separator: "-")
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
          parts.allSatisfy({ $0.allSatisfy(\.isNumber) }), let month = Int(parts[1]), (1...12).contains(month),
          let day = Int(parts[2]), (1...31).contains(day) else { return nil }
    return date
}
