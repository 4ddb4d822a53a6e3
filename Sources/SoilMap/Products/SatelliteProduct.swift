import Foundation
import GDAL

/// A downloaded satellite product (a Sentinel-2 L2A `.SAFE`, a Landsat Collection 2 Level-2 scene), recognised
/// by its metadata file and read from it: which file holds each band, how stored values become reflectance,
/// the cloud mask, the date and the place.
public struct SatelliteProduct: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case sentinel2L2A = "Sentinel-2 L2A"
        case landsatC2L2 = "Landsat C2 L2"
    }

    /// One band of the product: its name in the product ("B04", "SR_B4"), its file and its conversion.
    public struct Band: Sendable, Equatable, Codable {
        public var name: String
        /// A GDAL path: a file of the folder, or /vsitar/, /vsizip/ into the archive.
        public var path: String
        public var conversion: ReflectanceConversion
    }

    public var kind: Kind
    /// The folder or archive as given.
    public var path: String
    /// The metadata file the product was read from (a GDAL path).
    public var metadataPath: String
    public var productID: String
    public var spacecraft: String
    /// YYYY-MM-DD (UTC).
    public var acquisitionDate: String
    /// Sentinel-2 MGRS tile ("T31UFQ").
    public var tileID: String?
    /// Landsat WRS-2 path and row ("214/065").
    public var pathRow: String?
    /// Cloud share of the scene in percent, as the metadata states it.
    public var cloudCover: Double?
    /// Sentinel-2 processing baseline ("04.00").
    public var processingBaseline: String?
    /// Role ("red", "nir", ...) -> band, for the bands the metadata lists.
    public var bands: [String: Band]
    /// The cloud, shadow and snow mask the product ships (SCL, QA_PIXEL), if listed.
    public var mask: MaskSource?
    /// Fill value of the band files.
    public var noData: Double

    /// The archive itself when the product is one, else nil (the bands are files of the folder).
    public var archivePath: String? { metadataPath.hasPrefix("/vsi") ? path : nil }

    /// Opens the product at `path`: a folder (a `.SAFE`, a Landsat scene folder), a `.zip` of a `.SAFE`, a `.tar`
    /// of a Landsat scene, or the metadata file itself.
    public static func open(_ path: String) throws -> SatelliteProduct {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SoilMapError.invalidInput(path: path, "no such product (a .SAFE folder or .zip, a Landsat scene folder or .tar)")
        }
        let lower = path.lowercased()
        var root: String
        if isDirectory.boolValue { root = path }
        else if lower.hasSuffix(".zip") { root = "/vsizip/" + path }
        else if lower.hasSuffix(".tar") || lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz") { root = "/vsitar/" + path }
        else { root = OutputTransaction.folder(of: path).isEmpty ? "." : OutputTransaction.folder(of: path) }
        guard var names = VirtualFiles.contents(of: root) else {
            throw SoilMapError.invalidInput(path: path, "cannot be listed (not a folder or a readable archive)")
        }
        // A zip holds the .SAFE folder; some tars hold the scene in one folder.
        if recognised(names) == nil, names.count == 1, VirtualFiles.isDirectory(root + "/" + names[0]),
           let inner = VirtualFiles.contents(of: root + "/" + names[0]) {
            root += "/" + names[0]
            names = inner
        }
        switch recognised(names) {
        case .sentinel2L2A(let file): return try Sentinel2Reader.read(path: path, root: root, metadata: root + "/" + file)
        case .sentinel2L1C:
            throw SoilMapError.invalidInput(path: path, "is a Sentinel-2 Level-1C product (MTD_MSIL1C.xml, top-of-atmosphere); soilmap reads Level-2A surface reflectance (MTD_MSIL2A.xml)")
        case .landsat(let file): return try LandsatReader.read(path: path, root: root, metadata: root + "/" + file)
        case nil:
            throw SoilMapError.invalidInput(path: path, "is not a recognised product: no MTD_MSIL2A.xml (Sentinel-2 L2A) or *_MTL.txt / *_MTL.xml (Landsat Collection 2) found")
        }
    }

    private enum MetadataFile { case sentinel2L2A(String), sentinel2L1C, landsat(String) }

    private static func recognised(_ names: [String]) -> MetadataFile? {
        if names.contains("MTD_MSIL2A.xml") { return .sentinel2L2A("MTD_MSIL2A.xml") }
        if names.contains("MTD_MSIL1C.xml") { return .sentinel2L1C }
        if let mtl = names.sorted().first(where: { $0.hasSuffix("_MTL.txt") }) ?? names.sorted().first(where: { $0.hasSuffix("_MTL.xml") }) {
            return .landsat(mtl)
        }
        return nil
    }

    /// The band of `role`, its file checked to exist; the error names the product and what is missing.
    public func band(for role: String) throws -> Band {
        guard let band = bands[role] else {
            let known = bands.keys.sorted().joined(separator: ", ")
            throw SoilMapError.invalidInput(path: path, "\(kind.rawValue) product \(productID) has no \(role) band (it has: \(known.isEmpty ? "none" : known))")
        }
        guard VirtualFiles.exists(band.path) else {
            throw SoilMapError.invalidInput(path: path, "\(kind.rawValue) product \(productID): the \(role) band \(band.name) is listed in its metadata but its file is missing (\(band.path))")
        }
        return band
    }

    /// What the output of a run on this product records: date, product, tile or path/row.
    public var outputMetadata: [String: String] {
        var metadata = ["ACQUISITION_DATE": acquisitionDate, "PRODUCT_ID": productID, "PRODUCT_TYPE": kind.rawValue,
                        "SPACECRAFT": spacecraft]
        if let tileID { metadata["TILE_ID"] = tileID }
        if let pathRow { metadata["WRS_PATH_ROW"] = pathRow }
        if let cloudCover { metadata["CLOUD_COVER"] = String(cloudCover) }
        return metadata
    }

    /// Files on disk the product's bands and metadata come from: the archive, or the metadata file and `paths`.
    public func localFiles(reading paths: [String]) -> [String] {
        if let archivePath { return [archivePath] }
        var files = [metadataPath]
        for path in paths where !files.contains(path) { files.append(path) }
        return files
    }

    /// Reads the metadata file, the error naming the product.
    static func readMetadata(_ file: String, product: String) throws -> Data {
        do { return try VirtualFiles.read(file) } catch {
            throw SoilMapError.invalidInput(path: product, "its metadata \((file as NSString).lastPathComponent) cannot be read (\(error))")
        }
    }
}

/// The products found in a folder, sorted by date; the ones whose metadata is broken, with their error.
public struct ProductListing: Sendable {
    public var products: [SatelliteProduct]
    public var problems: [String]

    /// Looks at each entry of `directory`: folders, .zip and .tar files holding a product's metadata.
    public static func scan(_ directory: String) throws -> ProductListing {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw SoilMapError.invalidInput(path: directory, "cannot be listed (not a folder?)")
        }
        var products: [SatelliteProduct] = []
        var problems: [String] = []
        for name in names.sorted() {
            let path = (directory as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            let lower = name.lowercased()
            guard isDirectory.boolValue || lower.hasSuffix(".zip") || lower.hasSuffix(".tar") else { continue }
            do { products.append(try SatelliteProduct.open(path)) } catch {
                // Folders and archives that are no product at all are not worth a word; a broken product is.
                let text = "\(error)"
                if !text.contains("is not a recognised product") && !text.contains("cannot be listed") { problems.append(text) }
            }
        }
        products.sort { ($0.acquisitionDate, $0.productID) < ($1.acquisitionDate, $1.productID) }
        return ProductListing(products: products, problems: problems)
    }
}

extension ProductListing {
    /// One line a product: date, type, tile or path/row, cloud share, id, path.
    public var text: String {
        products.map { product in
            let place = product.tileID ?? product.pathRow.map { "WRS \($0)" } ?? "-"
            let cloud = product.cloudCover.map { String(format: "%.1f%% cloud", $0) } ?? "cloud ?"
            return "\(product.acquisitionDate)  \(product.kind.rawValue)  \(place)  \(cloud)  \(product.productID)  \(product.path)"
        }.joined(separator: "\n")
    }

    /// Stable JSON (sorted keys): one object a product, by date.
    public func json() throws -> String {
        struct Entry: Encodable {
            var path, type, productID, spacecraft, date: String
            var tile, pathRow, baseline: String?
            var cloudCover: Double?
            var bands: [String: String]
            enum CodingKeys: String, CodingKey {
                case path, type, productID = "product_id", spacecraft, date, tile, pathRow = "path_row", baseline = "processing_baseline"
                case cloudCover = "cloud_cover", bands
            }
        }
        let entries = products.map {
            Entry(path: $0.path, type: $0.kind.rawValue, productID: $0.productID, spacecraft: $0.spacecraft, date: $0.acquisitionDate,
                  tile: $0.tileID, pathRow: $0.pathRow, baseline: $0.processingBaseline, cloudCover: $0.cloudCover,
                  bands: $0.bands.mapValues(\.name))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(entries), as: UTF8.self)
    }
}

extension IndexParameters {
    /// A folder of products given as the scene: one set of parameters per product, sorted by date, each writing
    /// `DATE_TILE.tif` (`DATE_PATHROW.tif` for Landsat) into `output`, which must then be a folder. nil when the
    /// scene is a product itself (or no scene is given). A second product of the same date and tile gets its
    /// product id in the name, so no map overwrites another.
    public func perSceneOfFolder() throws -> (runs: [IndexParameters], problems: [String])? {
        guard let scene else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: scene, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        // A product, or a broken one (the step reports what is wrong with it), is one scene; only a folder with no
        // product metadata of its own is a folder of scenes.
        do { _ = try SatelliteProduct.open(scene); return nil } catch {
            guard "\(error)".contains("is not a recognised product") else { return nil }
        }
        let listing = try ProductListing.scan(scene)
        guard !listing.products.isEmpty else {
            throw SoilMapError.invalidInput(path: scene, "holds no Sentinel-2 L2A or Landsat C2 L2 product"
                                            + (listing.problems.isEmpty ? "" : " that can be read (\(listing.problems[0]))"))
        }
        var outputIsFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: output, isDirectory: &outputIsFolder), outputIsFolder.boolValue else {
            throw SoilMapError.invalidInput(path: output, "with a folder of scenes, -o names the folder the maps go to (DATE_TILE.tif each); it is not a folder")
        }
        var used = Set<String>()
        let runs = listing.products.map { product -> IndexParameters in
            // Path/row as "214065" (a "/" would make a folder).
            let place = product.tileID ?? product.pathRow.map { $0.replacingOccurrences(of: "/", with: "") } ?? product.productID
            var stem = "\(product.acquisitionDate)_\(place)"
            if !used.insert(stem).inserted { stem += "_\(product.productID)" }
            var copy = self
            copy.scene = product.path
            copy.output = (output as NSString).appendingPathComponent(stem + ".tif")
            return copy
        }
        return (runs, listing.problems)
    }
}
