import ArgumentParser
import Foundation
import SoilMap

struct RasterizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rasterize",
        abstract: "Soil-map polygons onto a grid by an attribute, through GDAL's rasterizer: values, or classes with names and colours.",
        discussion: """
        A numeric attribute gives a Float32 map (nodata -9999 outside the polygons); a text attribute, or --categorical,
        gives a class map (codes 1...K in the code-point order of the values, with their names, a colour table and a
        QGIS style; 0 is nodata). A cell is burnt when a polygon contains its centre (--all-touched: when it touches
        it); where polygons overlap, the later feature wins, as in gdal_rasterize.
        Examples:
          soilmap rasterize soil_types.gpkg --field SOIL_TYPE --like ndvi.tif -o soil_types.tif
          soilmap rasterize soil_survey.gpkg --field SOM_PCT --te 500000 1100000 520000 1120000 --tr 10 10 --t-srs EPSG:32648 -o som.tif
        """
    )

    @Argument(help: "The polygons (any OGR source, any CRS).")
    var polygons: String

    @Option(help: "The layer (default: the first).")
    var layer: String?

    @Option(help: "The attribute to burn.")
    var field: String

    @Flag(help: "Classes from the attribute's distinct values, even when it is numeric (a soil-type code).")
    var categorical = false

    @Flag(name: .customLong("all-touched"), help: "Burn every cell a polygon touches, not only those whose centre it contains.")
    var allTouched = false

    @OptionGroup var target: TargetGridOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "The map (.tif).")
    var output: String

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            let parameters = RasterizeParameters(polygons: polygons, layer: layer, field: field, categorical: categorical ? true : nil,
                                                 allTouched: allTouched ? true : nil, like: target.like, extent: target.givenExtent,
                                                 resolution: target.givenResolution, targetCRS: target.targetCRS, output: output,
                                                 format: writing.format, creationOptions: writing.creationOptions)
            let (summary, _) = try RasterizeStep(parameters).run(in: writing.context)
            guard !writing.quiet else { return }
            let what = summary.classes.isEmpty ? "values of \(field)" : "\(summary.classes.count) classes of \(field)"
            Console.error("\(output): \(summary.burntFeatures) polygons burnt, \(what)")
        }
    }
}
