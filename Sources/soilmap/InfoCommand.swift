import ArgumentParser
import Foundation
import GDAL
import SoilMap

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a raster or vector file: size, bands, CRS, bounds, layers, fields."
    )

    @Argument(help: "A raster or vector file GDAL can read.")
    var path: String

    @Flag(help: "Print stable JSON (sorted keys) instead of text.")
    var json = false

    @Option(name: .customLong("oo"), help: "A GDAL open option KEY=VALUE (repeatable), e.g. X_POSSIBLE_NAMES=x for CSV points.")
    var openOptions: [String] = []

    func run() throws {
        try runReportingErrors {
            let info = try DatasetInfo.describe(path: path, openOptions: openOptions)
            print(json ? try info.json() : info.text)
        }
    }
}
