import ArgumentParser
import Foundation
import GDAL
import SoilMap

@main
struct SoilMapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soilmap",
        abstract: "Soil-health maps and per-commune statistics from satellite imagery and soil surveys.",
        version: SoilMapVersion.description,
        subcommands: [InfoCommand.self, IndicesCommand.self, IndexCommand.self, ScenesCommand.self, SchemesCommand.self, ClassifyCommand.self, CombineCommand.self, TrendCommand.self, CompositeCommand.self, StateCommand.self, PerformanceCommand.self, LandCoverChangeCommand.self, SOCChangeCommand.self, SDGSummaryCommand.self, RasterizeCommand.self, ZonalCommand.self, AssessCommand.self,
                      TrainCommand.self, PredictCommand.self,
                      SampleCommand.self, GridCommand.self,
                      ValidateCommand.self, RunCommand.self, VerifyCommand.self, MergeCommand.self, SlurmCommand.self,
                      PublishCommand.self, QueryCommand.self]
    )

    /// Exit statuses, documented in the README.
    enum Status {
        static let failure: Int32 = 1
        static let usage: Int32 = 2
        static let invalidPipeline: Int32 = 3
    }

    /// Parses and runs one command. A usage error is one line (the option and what is wrong, and where to read
    /// more), exit status 2; help and --version print as usual.
    static func main() {
        Console.installSignalHandlers()
        let arguments = Array(CommandLine.arguments.dropFirst())
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            let words = arguments.prefix { !$0.hasPrefix("-") }.prefix(1)
            let help = words.isEmpty ? "soilmap --help" : "soilmap \(words[0]) --help"
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            Console.error("soilmap: \(message) (see \(help))")
            Glibc.exit(Status.usage)
        }
        do {
            try command.run()
            Glibc.exit(0)
        } catch let error as ExitCode {
            Glibc.exit(error.rawValue)
        } catch {
            // `--help` on a subcommand arrives here (its help command "fails" with the text to print).
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            Console.error("soilmap: \(message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)")")
            Glibc.exit(Status.usage)
        }
    }
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
        Console.error("soilmap: \(error)\n")
        throw ExitCode(SoilMapCommand.Status.failure)
    }
}

/// Prints a value as stable JSON: sorted keys, indented, slashes unescaped.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
