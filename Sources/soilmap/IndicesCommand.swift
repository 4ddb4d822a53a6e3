import ArgumentParser
import Foundation
import SoilMap

struct IndicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indices",
        abstract: "List the index catalogue: id, formula, bands, constants, source and name clashes."
    )

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try runReportingErrors {
            if json {
                struct Entry: Encodable {
                    var id, name, family, formula, source, note: String
                    var bands: [String]
                    var constants: [String: Double]
                }
                let entries = IndexCatalogue.all.map {
                    Entry(id: $0.id, name: $0.name, family: $0.family.rawValue, formula: $0.formula, source: $0.source, note: $0.note,
                          bands: $0.bands, constants: $0.constants)
                }
                try printJSON(entries)
                return
            }
            for index in IndexCatalogue.all {
                var line = "\(index.id.padding(toLength: 9, withPad: " ", startingAt: 0)) \(index.family.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(index.formula)"
                if !index.constants.isEmpty {
                    line += "   [" + index.constants.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "]"
                }
                print(line)
                print("          \(index.name). Bands: \(index.bands.joined(separator: ", ")). Source: \(index.source)." + (index.note.isEmpty ? "" : " Note: \(index.note)."))
            }
        }
    }
}
