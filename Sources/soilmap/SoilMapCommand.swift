import ArgumentParser
import Foundation
import GDAL
import SoilMap

@main
struct SoilMapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soilmap",
        abstract: "Soil-health maps and per-commune statistics from satellite imagery and soil surveys.",
        version: SoilMapVersion.string,
        subcommands: [InfoCommand.self, IndicesCommand.self, IndexCommand.self, SchemesCommand.self, ClassifyCommand.self, CombineCommand.self, ZonalCommand.self]
    )
}

/// Runs a command body; a failure becomes one line on stderr naming the file and the problem, and exit status 1.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        FileHandle.standardError.write(Data("soilmap: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// Prints a run's warnings on stderr, one line each, unless the user asked for quiet.
func printWarnings(_ warnings: [String], quiet: Bool) {
    guard !quiet else { return }
    for warning in warnings { FileHandle.standardError.write(Data("soilmap: warning: \(warning)\n".utf8)) }
}

/// Prints a value as stable JSON: sorted keys, indented, slashes unescaped.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
