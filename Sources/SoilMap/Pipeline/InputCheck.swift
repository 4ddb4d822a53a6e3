import Foundation
import GDAL

/// Cheap checks of an input before a long run: can GDAL open it at all.
enum InputCheck {
    /// What is wrong with the file, or nil. Rasters and vector files are opened (headers only), a GeoTIFF's tiles
    /// compared with its size (a truncated copy opens without a word); other files (YAML schemes, rule tables) are
    /// left to the step, which reads them whole anyway.
    static func damage(of path: String) -> String? {
        let lower = path.lowercased()
        guard [".tif", ".tiff", ".gpkg", ".shp", ".geojson", ".json", ".vrt", ".img", ".jp2"].contains(where: lower.hasSuffix) else { return nil }
        if let problem = GeoTIFFIntegrity.check(path: path) { return problem.description }
        do {
            _ = try Dataset.open(path, kind: .any)
            return nil
        } catch {
            let text = "\(error)"
            return text.hasPrefix(path + ": ") ? String(text.dropFirst(path.count + 2)) : text
        }
    }
}
