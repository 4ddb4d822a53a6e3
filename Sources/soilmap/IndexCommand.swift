import ArgumentParser
import Foundation
import GDAL
import SoilMap

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Compute spectral indices (and band math) in one tiled, multi-threaded pass.",
        discussion: """
        Bands come from a stack (-i STACK --band red=3 --band nir=4, or --sensor to know the numbers) or from one \
        file per band (--band red=B04.tif --band nir=B08.tif[:N]), or from a downloaded product (--scene: a Sentinel-2 \
        L2A .SAFE or .zip, a Landsat C2 L2 folder or .tar). Bands on other grids are warped onto the finest one.
        Examples:
          soilmap index NDVI,NDMI -i L7.tif --band blue=1 --band red=3 --band nir=4 --band swir1=5 -o indices.tif
          soilmap index NDVI --sensor sentinel2 --band red=B04.tif --band nir=B08.tif -o ndvi.tif
          soilmap index --expr 'RATIO=nir/red' -i stack.tif --band red=3 --band nir=4 -o ratio.tif
          soilmap index NDVI --scene S2B_MSIL2A_20220301T032601_N0400_R018_T48PXS_20220301T062208.SAFE -o ndvi.tif
        """
    )

    @Argument(help: "Catalogue index ids, comma-separated (see `soilmap indices`).")
    var ids: String?

    @Option(name: [.customShort("i"), .customLong("input")], help: "A multi-band stack that --band ROLE=N refers to.")
    var stack: String?

    @Option(help: "A downloaded product (Sentinel-2 L2A .SAFE/.zip, Landsat C2 L2 folder/.tar): bands, scale/offset, mask and fill value from its metadata.")
    var scene: String?

    @Option(name: .customLong("band"), help: "ROLE=N (band of the stack) or ROLE=FILE[:N]. Repeatable.")
    var bands: [String] = []

    @Option(name: .customLong("expr"), help: "Band math beyond the catalogue: NAME=formula, e.g. 'NDVI=(nir-red)/(nir+red)'. Repeatable.")
    var expressions: [String] = []

    @Option(help: "Sensor preset: band numbers in a stack, reflectance scale/offset, fill value, mask rule (sentinel2, landsat8, landsat9, landsat7, landsat5).")
    var sensor: String?

    @Option(parsing: .unconditional, help: "Reflectance = stored x scale + offset (default: the band's metadata, the sensor's, or 1).")
    var scale: Double?

    @Option(parsing: .unconditional, help: "Reflectance offset (default: the band's metadata, the sensor's, or 0).")
    var offset: Double?

    @Option(name: .customLong("param"), parsing: .unconditionalSingleValue, help: "Override a constant: L=0.5 (every index with L) or SAVI.L=0.5. Repeatable.")
    var parameters: [String] = []

    @Option(help: "A mask raster FILE[:N] whose listed values or bits remove pixels (Sentinel-2 SCL, Landsat QA_PIXEL).")
    var mask: String?

    @Option(name: .customLong("mask-values"), help: "Mask values that remove a pixel, comma-separated (default with --sensor sentinel2: SCL 0,1,3,8,9,10,11).")
    var maskValues: String?

    @Option(name: .customLong("mask-bits"), help: "Mask bits that remove a pixel when set, comma-separated (default with a Landsat --sensor: QA_PIXEL bits).")
    var maskBits: String?

    @Option(parsing: .unconditional, help: "Nodata value of the output.")
    var nodata: Double = -9999

    @Option(help: "Resampling for bands on another grid: near, bilinear, cubic, average, ...")
    var resampling: String = "near"

    @Option(name: [.customShort("o"), .customLong("output")], help: "The output raster (.tif); with --scene FOLDER of products, the folder for one DATE_TILE.tif per scene.")
    var output: String

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            let parameters = IndexParameters(
                indices: (ids ?? "").split(separator: ",").map(String.init), expressions: expressions, stack: stack, scene: scene, bands: bands,
                sensor: sensor, scale: scale, offset: offset, constants: try parseParameters(parameters), mask: mask,
                maskValues: try maskValues.map { try parseNumbers($0, option: "--mask-values") },
                maskBits: try maskBits.map { try parseNumbers($0, option: "--mask-bits").map { Int($0) } },
                nodata: nodata, resampling: resampling, output: output, format: writing.format, creationOptions: writing.creationOptions)
            // A folder of scenes: one map per scene, named by date and tile, each committed on its own.
            let runs = try parameters.perSceneOfFolder()
            for problem in runs?.problems ?? [] where !writing.quiet { Console.warning("\(problem); skipped") }
            for run in runs?.runs ?? [parameters] {
                let (summary, _) = try IndexStep(run).run(in: writing.context)
                if !writing.quiet {
                    Console.error("\(summary.path): \(summary.bandDescriptions.joined(separator: ", ")), \(summary.width) x \(summary.height)")
                }
            }
        }
    }
}

/// Output and engine options shared by the commands that write rasters.
struct RasterWritingOptions: ParsableArguments {
    @Option(name: .customLong("co"), help: "A GDAL creation option KEY=VALUE, replacing soilmap's default for KEY. Repeatable.")
    var creationOptions: [String] = []

    @Option(help: "Output format: GTiff or COG.")
    var format: String = "GTiff"

    @Flag(help: "Replace the output if it exists.")
    var overwrite = false

    @Option(help: "Worker threads, 1...\(EngineOptions.maxThreads) (default: the number of cores).")
    var threads: Int = EngineOptions.defaultThreads

    @Option(name: .customLong("tile-size"),
            help: "Pixels per side of the tiles the engine works on, 16 or more (default: 512, or the inputs' block size when larger; clamped to the raster and to 1 GiB of buffers).")
    var tileSize: Int?

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "No progress bar or summary.")
    var quiet = false

    /// The context a command's step runs in: warnings printed as they come unless -q.
    var context: RunContext {
        RunContext(threads: threads, tileSize: tileSize, overwrite: overwrite, progress: quiet ? nil : ProgressBar.makeIfTerminal(),
                   diagnostics: Console.diagnostics(quiet: quiet))
    }
}

func parseParameters(_ texts: [String]) throws -> [String: Double] {
    var result: [String: Double] = [:]
    for text in texts {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let value = Double(parts[1]) else {
            throw SoilMapError.invalidArgument("--param \(text): expected NAME=NUMBER, e.g. L=0.5")
        }
        result[parts[0]] = value
    }
    return result
}

func parseNumbers(_ text: String, option: String) throws -> [Double] {
    try text.split(separator: ",").map { item in
        guard let value = Double(item.trimmingCharacters(in: .whitespaces)) else {
            throw SoilMapError.invalidArgument("\(option) \(text): '\(item)' is not a number")
        }
        return value
    }
}

/// A one-line progress bar on stderr, only when stderr is a terminal.
enum ProgressBar {
    static func makeIfTerminal() -> (@Sendable (Double) -> Void)? {
        guard isatty(STDERR_FILENO) != 0 else { return nil }
        return { fraction in
            let width = 40, filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line = "\r[\(bar)] \(Int(fraction * 100))%" + (fraction >= 1 ? "\n" : "")
            Console.errorFragment(line)
        }
    }
}
