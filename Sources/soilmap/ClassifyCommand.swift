import ArgumentParser
import Foundation
import GDAL
import SoilMap

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify a raster into named, coloured classes (a Byte map QGIS shows with its legend).",
        discussion: """
        One of: --scheme NAME|FILE.yaml, --breaks a,b,..., or --method quantile|equal-interval|natural-breaks|mean-std --classes K.
        Examples:
          soilmap classify ec.tif --scheme salinity-ec --labels vi -o salinity.tif
          soilmap classify ndvi.tif --breaks 0,0.2,0.4 -o ndvi_classes.tif
          soilmap classify ndvi.tif --method natural-breaks --classes 5 -o ndvi_jenks.tif
        """
    )

    @Argument(help: "The raster to classify.")
    var input: String

    @Option(help: "Band of the input, from 1.")
    var band: Int = 1

    @Option(help: "A built-in scheme (see `soilmap schemes`) or a YAML scheme file.")
    var scheme: String?

    @Option(parsing: .unconditional, help: "Ascending breaks b1,b2,...: classes (-inf,b1), [b1,b2), ..., [bn,inf), numbered 1... as numpy.digitize(x, breaks) + 1.")
    var breaks: String?

    @Flag(name: .customLong("right-closed"), help: "With --breaks: classes (-inf,b1], (b1,b2], ... instead.")
    var rightClosed = false

    @Option(help: "Breaks from the data: quantile, equal-interval, natural-breaks (Jenks), mean-std.")
    var method: String?

    @Option(help: "Number of classes for --method.")
    var classes: Int = 5

    @Option(help: "Category names in this language where the scheme has it: en or vi.")
    var labels: String = "en"

    @Option(name: [.customShort("o"), .customLong("output")], help: "The classified raster (.tif).")
    var output: String

    @Option(help: "Also draw the map as a PNG: classes in their colours, legend, title, scale bar.")
    var quicklook: String?

    @Option(help: "Title of the quicklook (default: the scheme's title).")
    var title: String?

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            let parameters = ClassifyParameters(input: input, band: band, scheme: scheme,
                                                breaks: try breaks.map { try parseNumbers($0, option: "--breaks") },
                                                rightClosed: breaks != nil ? rightClosed : nil, method: method,
                                                classes: method != nil ? classes : nil, labels: labels, output: output,
                                                quicklook: quicklook, title: title, format: writing.format,
                                                creationOptions: writing.creationOptions)
            let (summary, _) = try ClassifyStep(parameters).run(in: writing.context)
            if !writing.quiet {
                var lines = ["\(summary.path): \(summary.scheme.title)"]
                if let description = summary.breaksDescription { lines.append("  breaks from \(description)") }
                for item in summary.scheme.classes {
                    lines.append("  \(item.value)  \(item.interval.padding(toLength: 24, withPad: " ", startingAt: 0)) \(labels == "vi" ? item.labelVi ?? item.label : item.label)")
                }
                Console.error(lines.joined(separator: "\n"))
            }
        }
    }
}

struct SchemesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schemes",
        abstract: "List the built-in class schemes: classes, intervals, labels, colours and sources."
    )

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try runReportingErrors {
            if json {
                try printJSON(BuiltInSchemes.all)
                return
            }
            for scheme in BuiltInSchemes.all {
                print("\(scheme.id): \(scheme.title)\(scheme.unit.isEmpty ? "" : " (\(scheme.unit))")")
                print("  source: \(scheme.source)")
                for item in scheme.classes {
                    let code = item.code.map { " code \($0)" } ?? ""
                    print("  \(item.value)\(code)  \(item.interval.padding(toLength: 14, withPad: " ", startingAt: 0)) \(item.color)  \(item.label)" + (item.labelVi.map { " / \($0)" } ?? ""))
                }
            }
        }
    }
}

struct CombineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "combine",
        abstract: "Combine classified maps: one-out-all-out, worst-of, count of degraded, or a rule table.",
        discussion: """
        Examples:
          soilmap combine productivity.tif landcover.tif soc.tif --method one-out-all-out -o sdg1531.tif
          soilmap combine trajectory.tif state.tif performance.tif --table sdg-productivity -o lpd.tif
          soilmap combine erosion.tif salinity.tif acidity.tif --method count --degraded-value 1 -o count.tif
        """
    )

    @Argument(help: "Classified maps (integer), in the order the method or table expects.")
    var inputs: [String]

    @Option(help: "one-out-all-out (sdg-15.3.1 maps), worst-of (the worst class, as the maps' scheme orders them), count (inputs equal to --degraded-value).")
    var method: String?

    @Option(help: "A rule table: built in (sdg-productivity, sdg-productivity-3) or a YAML file.")
    var table: String?

    @Option(name: .customLong("degraded-value"), help: "With --method count or weighted: the value that means degraded.")
    var degradedValue: Int = 1

    @Option(help: "With --method weighted: one weight per map, comma-separated (default 1 each).")
    var weights: String?

    @Option(help: "With --method weighted: three increasing breaks of the weighted score: slight, moderate, heavy degradation from each (default 0.5,1.5,2.5).")
    var breaks: String?

    @Option(name: .customLong("input-codes"),
            help: "How input values are read: auto (class values; Int16 maps in -1..1 with nodata -32768 as Trends.Earth codes), classes, trends-earth (-1 degraded, 0 stable, 1 improved).")
    var inputCodes: String = "auto"

    @Option(name: [.customShort("o"), .customLong("output")], help: "The combined map (.tif).")
    var output: String

    @OptionGroup var writing: RasterWritingOptions

    func run() throws {
        try runReportingErrors {
            func numbers(_ text: String?, _ option: String) throws -> [Double]? {
                try text.map { text in
                    try text.split(separator: ",", omittingEmptySubsequences: false).map { word in
                        guard let value = Double(word.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                            throw SoilMapError.invalidArgument("\(option) \(text): '\(word)' is not a number")
                        }
                        return value
                    }
                }
            }
            let parameters = CombineParameters(inputs: inputs, method: method, table: table,
                                               degradedValue: method == "count" || method == "weighted" ? degradedValue : nil,
                                               weights: try numbers(weights, "--weights"), breaks: try numbers(breaks, "--breaks"), inputCodes: inputCodes,
                                               output: output, format: writing.format, creationOptions: writing.creationOptions)
            try CombineStep(parameters).run(in: writing.context)
        }
    }
}
