import ArgumentParser
import Foundation
import SoilMap

struct ScenesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenes",
        abstract: "List the Sentinel-2 L2A and Landsat C2 L2 products in a folder, by date.",
        discussion: """
        Products are recognised by their metadata file: a .SAFE folder or .zip with MTD_MSIL2A.xml, a Landsat scene \
        folder or .tar with *_MTL.txt (or _MTL.xml). Each can be given to `soilmap index --scene`.
        """
    )

    @Argument(help: "A folder holding downloaded products.")
    var directory: String

    @Flag(help: "Print stable JSON (sorted keys) instead of text.")
    var json = false

    func run() throws {
        try runReportingErrors {
            let listing = try ProductListing.scan(directory)
            listing.problems.forEach(Console.warning)
            if json { Console.output(try listing.json()) } else if !listing.products.isEmpty { Console.output(listing.text) }
        }
    }
}
