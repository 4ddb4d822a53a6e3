import ArgumentParser

/// The output grid of a command that makes a raster from vector data (`grid`, `rasterize`), given as gdalwarp
/// takes it: an existing raster's grid, or an extent and a cell size in a CRS.
struct TargetGridOptions: ParsableArguments {
    @Option(help: "Take the grid (size, cells, CRS) from this raster.")
    var like: String?

    @Option(name: .customLong("te"), parsing: .upToNextOption, help: "The grid's extent: XMIN YMIN XMAX YMAX (with --tr).")
    var extent: [Double] = []

    @Option(name: .customLong("tr"), parsing: .upToNextOption, help: "The grid's cell size: XRES YRES (with --te).")
    var resolution: [Double] = []

    @Option(name: .customLong("t-srs"), help: "The grid's CRS with --te (default: the input's).")
    var targetCRS: String?

    var givenExtent: [Double]? { extent.isEmpty ? nil : extent }
    var givenResolution: [Double]? { resolution.isEmpty ? nil : resolution }
}
