import Digest
import Foundation
import GDAL

/// `soilmap publish --samples POINTS --fields om:%,zinc:mg/kg --source TEXT --to DB`: survey samples into the
/// database's `samples` table, one row per sample and measured property (point in WGS 84, depth, date, value,
/// unit, source), in one transaction. The batch is recorded in `runs` (its key: the file's SHA-256 and the
/// options), so publishing it again changes nothing; a corrected file of the same source supersedes the rows
/// of the same samples and properties (kept, not current).
public enum SamplePublisher {
    public struct Options: Sendable {
        public var points: PointSource
        /// Field name -> unit of measure, in the order given.
        public var properties: [(field: String, unit: String)]
        public var source: String
        public var idField: String?
        /// A depth for every sample (cm), or fields holding each sample's top and bottom.
        public var depth: (top: Double, bottom: Double)?
        public var depthFields: (top: String, bottom: String)?
        /// A date for every sample (YYYY, YYYY-MM or YYYY-MM-DD), or a field holding each sample's.
        public var date: String?
        public var dateField: String?

        public init(points: PointSource, properties: [(field: String, unit: String)], source: String, idField: String? = nil,
                    depth: (top: Double, bottom: Double)? = nil, depthFields: (top: String, bottom: String)? = nil,
                    date: String? = nil, dateField: String? = nil) {
            self.points = points
            self.properties = properties
            self.source = source
            self.idField = idField
            self.depth = depth
            self.depthFields = depthFields
            self.date = date
            self.dateField = dateField
        }
    }

    public struct Summary: Sendable {
        public var batchKey: String
        public var alreadyPublished: Bool
        public var samples: Int
        public var rows: Int
        public var superseded: Int

        public var line: String {
            alreadyPublished ? "sample batch \(batchKey.prefix(12)) is already published; nothing changed"
                : "sample batch \(batchKey.prefix(12)) published: \(samples) samples, \(rows) measurements, \(superseded) earlier measurements superseded"
        }
    }

    /// `--fields om:%,zinc:mg/kg`: each measured field with its unit.
    public static func parseFields(_ text: String) throws -> [(field: String, unit: String)] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let parsed = try items.map { item -> (String, String) in
            guard let colon = item.firstIndex(of: ":"), colon != item.startIndex, item.index(after: colon) != item.endIndex else {
                throw SoilMapError.invalidArgument("--fields \(text): expected FIELD:UNIT,..., e.g. om:%,zinc:mg/kg ('\(item)' has no unit)")
            }
            return (String(item[..<colon]), String(item[item.index(after: colon)...]))
        }
        guard !parsed.isEmpty, Set(parsed.map(\.0)).count == parsed.count else {
            throw SoilMapError.invalidArgument("--fields \(text): give each measured field once, with its unit")
        }
        return parsed
    }

    /// A date as the survey gives it: YYYY, YYYY-MM or YYYY-MM-DD (a real calendar date).
    static func checkDate(_ text: String, where place: String) throws -> String {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let numbers = parts.map { Int($0) }
        let widths = [4, 2, 2]
        guard (1...3).contains(parts.count), !numbers.contains(nil), zip(parts, widths).allSatisfy({ $0.count == $1 }) else {
            throw SoilMapError.invalidArgument("\(place): date '\(text)' is not YYYY, YYYY-MM or YYYY-MM-DD")
        }
        var components = DateComponents(year: numbers[0], month: parts.count > 1 ? numbers[1] : 1, day: parts.count > 2 ? numbers[2] : 1)
        components.calendar = Calendar(identifier: .gregorian)
        guard components.isValidDate, (1800...2200).contains(numbers[0]!) else {
            throw SoilMapError.invalidArgument("\(place): date '\(text)' is not a calendar date")
        }
        return text
    }

    struct Measurement {
        var sampleID: String
        var x: Double, y: Double
        var top: Double?, bottom: Double?
        var date: String?
        var property: String
        var value: Double
        var unit: String
    }

    public static func publish(_ options: Options, to location: String) throws -> Summary {
        // Everything is read and checked before the database is touched.
        guard !options.source.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw SoilMapError.invalidArgument("--source: say where the samples come from (survey, laboratory, year)")
        }
        if let date = options.date { _ = try checkDate(date, where: "--date") }
        if let depth = options.depth, !(depth.top >= 0 && depth.bottom > depth.top) {
            throw SoilMapError.invalidArgument("--depth \(depth.top)-\(depth.bottom): expected TOP-BOTTOM in cm, top below bottom, e.g. 0-20")
        }
        let points = try SurveyPoints.read(options.points)
        guard !points.crsWKT.isEmpty else {
            throw SoilMapError.invalidInput(path: options.points.path, "declares no CRS: give --points-crs (e.g. EPSG:28992)")
        }
        let (longitudes, latitudes) = try points.coordinates(inCRS: SpatialReference(epsg: SoilHealthSchema.epsg).wkt())
        func column(_ name: String) throws -> Int {
            guard let index = points.fields.firstIndex(where: { $0.name == name }) else {
                throw SoilMapError.invalidInput(path: options.points.path, "has no field '\(name)' (fields: \(points.fields.map(\.name).joined(separator: ", ")))")
            }
            return index
        }
        let ids: [String]
        if let idField = options.idField {
            let index = try column(idField)
            ids = points.attributes.map { $0[index].stringValue ?? "" }
            if let row = ids.firstIndex(where: { $0.isEmpty }) {
                throw SoilMapError.invalidInput(path: options.points.path, "point \(row + 1) has no '\(idField)'")
            }
            if Set(ids).count != ids.count {
                let duplicate = Dictionary(grouping: ids, by: { $0 }).first { $0.value.count > 1 }!.key
                throw SoilMapError.invalidInput(path: options.points.path, "'\(idField)' \(duplicate) names more than one point")
            }
        } else {
            ids = (1...points.count).map(String.init)  // the row number, as the file orders them
        }
        var tops: [Double?] = Array(repeating: options.depth?.top, count: points.count)
        var bottoms: [Double?] = Array(repeating: options.depth?.bottom, count: points.count)
        if let fields = options.depthFields {
            tops = try points.numericValues(of: fields.top)
            bottoms = try points.numericValues(of: fields.bottom)
        }
        var dates: [String?] = Array(repeating: options.date, count: points.count)
        if let dateField = options.dateField {
            let index = try column(dateField)
            dates = try points.attributes.enumerated().map { row, values in
                guard let text = values[index].stringValue, !text.isEmpty else { return nil }
                return try checkDate(text, where: "\(options.points.path), point \(row + 1), field '\(dateField)'")
            }
        }
        var measurements: [Measurement] = []
        for (field, unit) in options.properties {
            let values = try points.numericValues(of: field)
            for (row, value) in values.enumerated() {
                guard let value else { continue }  // not measured on this sample
                measurements.append(Measurement(sampleID: ids[row], x: longitudes[row], y: latitudes[row], top: tops[row], bottom: bottoms[row],
                                                date: dates[row], property: field, value: value, unit: unit))
            }
        }
        guard !measurements.isEmpty else {
            throw SoilMapError.invalidInput(path: options.points.path, "has no value in \(options.properties.map(\.field).joined(separator: ", "))")
        }

        // The batch's identity: the file's bytes and every option that changes what is stored.
        let digest: String
        do { digest = try SHA256.file(atPath: options.points.path).sha256 } catch {
            throw SoilMapError.invalidInput(path: options.points.path, "cannot be read (\(error))")
        }
        let description: [String: String] = [
            "file": (options.points.path as NSString).lastPathComponent, "sha256": digest, "source": options.source,
            "fields": options.properties.map { "\($0.field):\($0.unit)" }.joined(separator: ","),
            "id_field": options.idField ?? "", "depth": options.depth.map { "\($0.top)-\($0.bottom)" } ?? "",
            "depth_fields": options.depthFields.map { "\($0.top),\($0.bottom)" } ?? "", "date": options.date ?? "",
            "date_field": options.dateField ?? "", "crs": options.points.crs ?? "", "layer": options.points.layer ?? "",
            "x_field": options.points.xField ?? "", "y_field": options.points.yField ?? "",
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let descriptionText = String(decoding: try encoder.encode(description), as: UTF8.self)
        let key = SHA256.hex(Array(("samples\n" + descriptionText).utf8))

        let database = try SoilHealthDatabase(location, update: true, create: true)
        let summary = try ConfigOptions.with(["PG_USE_COPY": "YES"]) {
            try database.inTransaction { try write(measurements, key: key, description: descriptionText, options: options, into: database) }
        }
        try database.close()
        return summary
    }

    static func write(_ measurements: [Measurement], key: String, description: String, options: Options,
                      into database: SoilHealthDatabase) throws -> Summary {
        var summary = Summary(batchKey: key, alreadyPublished: false, samples: Set(measurements.map(\.sampleID)).count,
                              rows: measurements.count, superseded: 0)
        // The key is a hash soilmap formatted: hexadecimal digits only.
        if try !database.dataset.executeSQL("SELECT fid FROM runs WHERE run_key = '\(key)'").rows.isEmpty {
            summary.alreadyPublished = true
            summary.rows = 0
            return summary
        }
        let now = SoilHealthDatabase.now()
        let runFID = try database.nextFID("runs")
        try database.layer("runs").addFeature([
            "run_key": .string(key), "pipeline": .string("samples: \(options.points.path)"), "status": .string("samples"),
            "started_at": .string(now), "finished_at": .string(now), "published_at": .string(now),
            "soilmap_version": .string(SoilMapVersion.string), "parameters": .string(description), "manifest": .string(description),
        ], geometry: nil, fid: runFID)

        // Earlier measurements of the same source, samples and properties become history.
        let layer = try database.layer("samples")
        let replaced = Set(measurements.map { "\($0.sampleID)\u{1F}\($0.property)" })
        var supersededFIDs: [Int64] = []
        try layer.forEachFeature { feature in
            guard (try? feature.value(named: "is_current"))?.doubleValue == 1,
                  (try? feature.value(named: "source"))?.stringValue == options.source else { return }
            let id = (try? feature.value(named: "sample_id"))?.stringValue ?? "", property = (try? feature.value(named: "property"))?.stringValue ?? ""
            if replaced.contains("\(id)\u{1F}\(property)") { supersededFIDs.append(feature.id) }
        }
        var start = 0
        while start < supersededFIDs.count {
            let batch = supersededFIDs[start..<min(start + 500, supersededFIDs.count)]
            try database.dataset.executeSQL("UPDATE samples SET is_current = 0 WHERE fid IN (\(batch.map(String.init).joined(separator: ",")))")
            start += batch.count
        }
        summary.superseded = supersededFIDs.count

        // Text and points through OGR's feature API; a value OGR's PostgreSQL writer would round (it keeps 15
        // significant digits) is set again exactly with a numeric UPDATE.
        let wgs84 = try SpatialReference(epsg: SoilHealthSchema.epsg)
        var fid = try database.nextFID("samples")
        var exactUpdates: [(Int64, Double)] = []
        for measurement in measurements {
            try layer.addFeature([
                "sample_id": .string(measurement.sampleID), "depth_top_cm": measurement.top.map { .real($0) } ?? .null,
                "depth_bottom_cm": measurement.bottom.map { .real($0) } ?? .null, "sampled_on": measurement.date.map { .string($0) } ?? .null,
                "property": .string(measurement.property), "value": .real(measurement.value), "unit_of_measure": .string(measurement.unit),
                "source": .string(options.source), "run_fid": .integer(runFID), "is_current": .integer(1),
            ], geometry: Geometry(pointX: measurement.x, y: measurement.y, spatialReference: wgs84), fid: fid)
            if Double(String(format: "%.15g", measurement.value)) != measurement.value { exactUpdates.append((fid, measurement.value)) }
            fid += 1
        }
        if database.backend == .postgreSQL {
            for (fid, value) in exactUpdates { try database.dataset.executeSQL("UPDATE samples SET value = \(value) WHERE fid = \(fid)") }
        }
        return summary
    }
}
