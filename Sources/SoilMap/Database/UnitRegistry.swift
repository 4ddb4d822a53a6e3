import GDAL

/// The `units` table during a publish: finds the version of a unit valid in a period, or adds one. Versions of a
/// unit (same code and level) never overlap: [valid_from, valid_to), valid_to empty for the current one.
final class UnitRegistry {
    struct Version {
        var fid: Int64
        var name: String
        var parentCode: String
        var validFrom: Int
        var validTo: Int?
        var geometry: [UInt8]?
    }

    private let database: SoilHealthDatabase
    private let layer: Layer
    /// By "level/code".
    private var versions: [String: [Version]] = [:]
    private var nextFID: Int64

    init(database: SoilHealthDatabase) throws {
        self.database = database
        layer = try database.layer("units")
        nextFID = try database.nextFID("units")
        try layer.forEachFeature { feature in
            func text(_ name: String) -> String { (try? feature.value(named: name))?.stringValue ?? "" }
            func number(_ name: String) -> Int? { (try? feature.value(named: name))?.doubleValue.map { Int($0) } }
            let version = Version(fid: feature.id, name: text("name"), parentCode: text("parent_code"), validFrom: number("valid_from") ?? 0,
                                  validTo: number("valid_to"), geometry: feature.geometry.map(\.wkb))
            versions["\(text("level"))/\(text("code"))", default: []].append(version)
        }
    }

    /// The unit's row for `period`: the version valid then when it is the same unit (name, parent and boundary),
    /// else a new version from `period` (closing the one it replaces).
    func unit(code: String, name: String, level: String, rank: Int, parentCode: String, geometry: [UInt8]?, period: Int) throws
        -> (fid: Int64, added: Bool, newVersion: Bool) {
        let key = "\(level)/\(code)"
        let known = versions[key] ?? []
        func same(_ version: Version) -> Bool {
            version.name == name && version.parentCode == parentCode && (geometry == nil || version.geometry == geometry)
        }
        let containing = known.firstIndex { $0.validFrom <= period && ($0.validTo.map { period < $0 } ?? true) }
        if let containing, same(known[containing]) { return (known[containing].fid, false, false) }
        var validTo: Int? = nil
        if let containing {
            // The unit changed in this period: the old version ends where the new one starts.
            validTo = known[containing].validTo
            try database.dataset.executeSQL("UPDATE units SET valid_to = \(period) WHERE fid = \(known[containing].fid)")
            versions[key]![containing].validTo = period
        } else if let later = known.filter({ $0.validFrom > period }).min(by: { $0.validFrom < $1.validFrom }) {
            // An earlier period of a unit already known from a later one: the same unit reaches back.
            if same(later) {
                try database.dataset.executeSQL("UPDATE units SET valid_from = \(period) WHERE fid = \(later.fid)")
                let index = known.firstIndex { $0.fid == later.fid }!
                versions[key]![index].validFrom = period
                return (later.fid, false, false)
            }
            validTo = later.validFrom
        }
        let fid = nextFID
        nextFID += 1
        try layer.addFeature([
            "code": .string(code), "name": .string(name), "level": .string(level), "rank": .integer(Int64(rank)),
            "parent_code": .string(parentCode), "valid_from": .integer(Int64(period)), "valid_to": validTo.map { .integer(Int64($0)) } ?? .null,
        ], geometry: try geometry.map { try Geometry(wkb: $0) }, fid: fid)
        versions[key, default: []].append(Version(fid: fid, name: name, parentCode: parentCode, validFrom: period, validTo: validTo, geometry: geometry))
        return (fid, known.isEmpty, !known.isEmpty)
    }

    /// Every version's fid of the units named "level/code".
    func fids(ofCodes keys: Set<String>) -> [Int64] {
        keys.flatMap { versions[$0]?.map(\.fid) ?? [] }
    }
}
