import ArgumentParser
import Foundation
import SoilMap

struct AssessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assess",
        abstract: "Accuracy of a class map against reference points: error matrix, accuracies, kappa, F1, and class areas adjusted for map errors with 95 % intervals (Olofsson et al. 2014).",
        discussion: """
        The reference's field holds a class code of the map or a class name (the map's category names, case ignored).
        Points outside the map or on its nodata are left out (and counted in a warning).
        Examples:
          soilmap assess landcover.tif --reference checked_points.gpkg --field class -o accuracy.csv
          soilmap assess salinity_classes.tif --reference survey.shp --field ec_class -o salinity_accuracy.csv
        """
    )

    @Argument(help: "The class map (band 1: integer class codes).")
    var map: String

    @Option(help: "Reference points (one unit each) or polygons (every cell whose centre they contain): any OGR source, any CRS.")
    var reference: String

    @Option(help: "Layer of the reference source (default: the first).")
    var layer: String?

    @Option(help: "The reference class field: class codes or class names of the map.")
    var field: String

    @Option(name: [.customShort("o"), .customLong("output")], help: "The accuracy table (.csv): one row per class, then 'all' (layout in the README).")
    var output: String

    @Flag(help: "Replace the output if it exists.")
    var overwrite = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "No progress bar, warnings or summary.")
    var quiet = false

    func run() throws {
        try runReportingErrors {
            let parameters = AssessParameters(map: map, reference: reference, layer: layer, field: field, output: output)
            let context = RunContext(overwrite: overwrite, progress: quiet ? nil : ProgressBar.makeIfTerminal(), diagnostics: Diagnostics())
            let (summary, _) = try AssessStep(parameters).run(in: context)
            if !quiet {
                for warning in summary.warnings { Console.warning(warning) }
                let a = summary.assessment
                var line = "\(output): \(summary.units) reference \(summary.referenceKind == "points" ? "points" : "cells"), \(a.classes.count) classes; "
                line += String(format: "overall accuracy %.3f (sample), kappa %.3f", a.sampleOverallAccuracy, a.kappa)
                if let overall = a.overallAccuracy {
                    line += String(format: "; area-adjusted %.3f", overall.value) + (overall.ci95.map { String(format: " ± %.3f", $0) } ?? "")
                }
                Console.error(line)
            }
        }
    }
}
