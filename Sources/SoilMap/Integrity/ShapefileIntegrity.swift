import Foundation
import GDAL

/// A shapefile whose .dbf is on disk but cannot be read (cut short by a copy, or damaged): GDAL then opens the
/// layer without attributes and says nothing, so zones would lose their ids and names and `info` would list no
/// fields. GDAL leaves such a file out of the data set's file list; the check compares that list with the disk.
/// (A missing or unreadable .shx already makes GDAL refuse the shapefile.)
public enum ShapefileIntegrity {
    /// Throws the one-line error naming the .dbf when `dataset` is a shapefile opened without its existing .dbf.
    public static func requireAttributes(of dataset: Dataset) throws {
        guard dataset.driverShortName == "ESRI Shapefile", dataset.path.lowercased().hasSuffix(".shp") else { return }
        let files = dataset.fileList
        guard !files.contains(where: { $0.lowercased().hasSuffix(".dbf") }) else { return }
        let stem = String(dataset.path.dropLast(4))
        for candidate in [stem + ".dbf", stem + ".DBF"] where FileManager.default.fileExists(atPath: candidate) {
            throw SoilMapError.invalidInput(path: candidate, "cannot be read (truncated or damaged), so the shapefile's attributes are missing")
        }
    }
}
