import Foundation
import GDAL

extension DatasetInfo {
    /// The human-readable form of `soilmap info`.
    public var text: String {
        var lines = ["\(path)", "  driver: \(driver) (\(driverLongName))"]
        if let integrity { lines.append("  integrity: \(integrity)") }
        if let raster {
            lines.append("  raster: \(raster.width) x \(raster.height) pixels, \(raster.bandCount) band\(raster.bandCount == 1 ? "" : "s")")
            lines.append("  crs: " + crsLine(raster.crs))
            if let width = raster.pixelWidth, let height = raster.pixelHeight {
                lines.append("  pixel size: \(format(width)) x \(format(abs(height)))")
            }
            if let bounds = raster.bounds { lines.append("  bounds: " + envelopeLine(bounds)) }
            if let bounds = raster.boundsLonLat { lines.append("  bounds (lon/lat): " + envelopeLine(bounds)) }
            for band in raster.bands {
                var parts = ["\(band.dataType)", "block \(band.blockWidth)x\(band.blockHeight)", band.colorInterpretation]
                if !band.description.isEmpty { parts.insert("\"\(band.description)\"", at: 0) }
                parts.append("nodata " + (band.noData.map(format) ?? "none"))
                if band.scale != nil || band.offset != nil {
                    parts.append("scale \(format(band.scale ?? 1)) offset \(format(band.offset ?? 0))")
                }
                if band.overviewCount > 0 { parts.append("\(band.overviewCount) overviews") }
                if band.hasColorTable { parts.append("colour table") }
                if !band.categoryNames.isEmpty { parts.append("\(band.categoryNames.filter { !$0.isEmpty }.count) categories") }
                lines.append("  band \(band.number): " + parts.joined(separator: ", "))
            }
        }
        for layer in layers ?? [] {
            lines.append("  layer \"\(layer.name)\": \(layer.featureCount) features, \(layer.geometryType)")
            lines.append("    crs: " + crsLine(layer.crs))
            if let extent = layer.extent { lines.append("    extent: " + envelopeLine(extent)) }
            if let extent = layer.extentLonLat { lines.append("    extent (lon/lat): " + envelopeLine(extent)) }
            for field in layer.fields {
                lines.append("    field \(field.name): \(field.type)" + (field.width > 0 ? "(\(field.width)\(field.precision > 0 ? ".\(field.precision)" : ""))" : ""))
            }
        }
        return lines.joined(separator: "\n")
    }

    private func crsLine(_ crs: CRSInfo?) -> String {
        guard let crs else { return "none" }
        return crs.name + (crs.epsg.map { " (EPSG:\($0))" } ?? " (no EPSG code)")
    }

    private func envelopeLine(_ envelope: Envelope) -> String {
        "west \(format(envelope.minX)), south \(format(envelope.minY)), east \(format(envelope.maxX)), north \(format(envelope.maxY))"
    }

    private func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.10g", value)
    }
}
