import Foundation

/// A gridding algorithm in gdal_grid's own syntax (`invdist:power=2:max_points=12`), plus `kriging:...`.
/// Defaults are gdal_grid's, except `nodata`, which soilmap declares in the output (default -9999).
public enum GridAlgorithm: Hashable, Sendable {
    /// gdal_grid `invdist`: all points (no radii) or those in the search ellipse; with max_points, the closest ones.
    case inverseDistance(power: Double, smoothing: Double, ellipse: SearchEllipse?, maxPoints: Int, minPoints: Int)
    /// gdal_grid `invdistnn`: the `maxPoints` closest points within `radius`.
    case inverseDistanceNearest(power: Double, smoothing: Double, radius: Double, maxPoints: Int, minPoints: Int)
    /// gdal_grid `average`: the mean of the points in the search ellipse (all points without radii).
    case movingAverage(ellipse: SearchEllipse?, minPoints: Int)
    /// gdal_grid `nearest`: the value of the closest point (within the ellipse, if given).
    case nearest(ellipse: SearchEllipse?)
    /// gdal_grid `linear`: barycentric interpolation in GDAL's Delaunay triangulation of the points. Outside the
    /// convex hull: the closest point's value if within `radius` (negative: any distance), nodata when `radius` is 0.
    case linear(radius: Double)
    /// Ordinary kriging with a variogram given or fitted.
    case kriging(KrigingOptions)

    /// Names as gdal_grid spells them.
    public static let names = ["invdist", "invdistnn", "average", "nearest", "linear", "kriging"]

    /// gdal_grid's search ellipse: semi-axes `radius1` (along x before rotation), `radius2`, rotated by `angle`
    /// degrees counter-clockwise. Points on the ellipse are inside.
    public struct SearchEllipse: Hashable, Sendable {
        public var radius1: Double
        public var radius2: Double
        public var angle: Double

        var boundingRadius: Double { max(radius1, radius2) }

        @inline(__always)
        func contains(dx: Double, dy: Double, cosine: Double, sine: Double) -> Bool {
            let rx = dx * cosine + dy * sine, ry = dy * cosine - dx * sine
            return radius2 * radius2 * rx * rx + radius1 * radius1 * ry * ry <= radius1 * radius1 * radius2 * radius2
        }
    }

    /// Parses `NAME[:KEY=VALUE]...`; returns the algorithm and the nodata value it gives (or nil).
    public static func parse(_ text: String) throws -> (algorithm: GridAlgorithm, noData: Double?) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let name = parts[0].lowercased()
        var values: [String: String] = [:]
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, !pair[0].isEmpty else {
                throw SoilMapError.invalidArgument("--algorithm \(text): '\(part)' is not KEY=VALUE")
            }
            values[pair[0].lowercased()] = pair[1]
        }
        func allowed(_ keys: [String]) throws {
            for key in values.keys.sorted() where !keys.contains(key) && key != "nodata" {
                throw SoilMapError.invalidArgument("--algorithm \(text): \(name) has no parameter '\(key)' (it takes \((keys + ["nodata"]).joined(separator: ", ")))")
            }
        }
        func number(_ key: String, _ fallback: Double, minimum: Double = 0) throws -> Double {
            guard let raw = values[key] else { return fallback }
            guard let value = Double(raw), value.isFinite, value >= minimum else {
                throw SoilMapError.invalidArgument("--algorithm \(text): \(key)=\(raw) must be a number >= \(numberText(minimum))")
            }
            return value
        }
        func count(_ key: String, _ fallback: Int) throws -> Int {
            guard let raw = values[key] else { return fallback }
            guard let value = Int(raw), value >= 0 else {
                throw SoilMapError.invalidArgument("--algorithm \(text): \(key)=\(raw) must be a whole number >= 0")
            }
            return value
        }
        func ellipse() throws -> SearchEllipse? {
            let r1 = try number("radius1", 0), r2 = try number("radius2", 0), angle = try number("angle", 0, minimum: -360)
            if r1 == 0 && r2 == 0 { return nil }
            guard r1 > 0, r2 > 0 else {
                throw SoilMapError.invalidArgument("--algorithm \(text): give both radius1 and radius2 (> 0), or neither")
            }
            return SearchEllipse(radius1: r1, radius2: r2, angle: angle)
        }
        let noData = values["nodata"].map { Double($0) } ?? nil
        if let raw = values["nodata"], noData == nil { throw SoilMapError.invalidArgument("--algorithm \(text): nodata=\(raw) is not a number") }
        switch name {
        case "invdist":
            try allowed(["power", "smoothing", "radius1", "radius2", "angle", "max_points", "min_points"])
            return (.inverseDistance(power: try number("power", 2), smoothing: try number("smoothing", 0), ellipse: try ellipse(),
                                     maxPoints: try count("max_points", 0), minPoints: try count("min_points", 0)), noData)
        case "invdistnn":
            try allowed(["power", "smoothing", "radius", "max_points", "min_points"])
            let radius = try number("radius", 1)
            guard radius > 0 else { throw SoilMapError.invalidArgument("--algorithm \(text): radius must be > 0") }
            let maxPoints = try count("max_points", 12)
            guard maxPoints > 0 else { throw SoilMapError.invalidArgument("--algorithm \(text): max_points must be 1 or more") }
            return (.inverseDistanceNearest(power: try number("power", 2), smoothing: try number("smoothing", 0), radius: radius,
                                            maxPoints: maxPoints, minPoints: try count("min_points", 0)), noData)
        case "average":
            try allowed(["radius1", "radius2", "angle", "min_points"])
            return (.movingAverage(ellipse: try ellipse(), minPoints: try count("min_points", 0)), noData)
        case "nearest":
            try allowed(["radius1", "radius2", "angle"])
            return (.nearest(ellipse: try ellipse()), noData)
        case "kriging":
            try allowed(KrigingOptions.keys)
            return (.kriging(try KrigingOptions(values: values, text: text)), noData)
        case "linear":
            try allowed(["radius"])
            // gdal_grid's default radius is -1: outside the hull, the closest point wherever it is.
            let radius = try number("radius", -1, minimum: -Double.greatestFiniteMagnitude)
            return (.linear(radius: radius < 0 ? -1 : radius), noData)
        default:
            throw SoilMapError.invalidArgument("--algorithm \(text): unknown algorithm '\(parts[0])' (use \(names.joined(separator: ", ")))")
        }
    }

    /// The fewest points the algorithm can work with.
    var minimumPointCount: Int {
        switch self {
        case .kriging(let options): return options.variogram == nil ? 10 : 2
        case .linear: return 3
        default: return 1
        }
    }
}

/// `kriging:model=spherical[:sill=S:range=R:nugget=N][:max_points=K][:radius=R][:lags=L:max_lag=D]`.
public struct KrigingOptions: Hashable, Sendable {
    public var model: VariogramModel.Kind
    /// Given in full (sill, range, and nugget defaulting to 0), or nil: fitted to the data.
    public var variogram: VariogramModel?
    /// Closest points used per cell (0: all, one global system).
    public var maxPoints: Int
    /// Only points within this distance (0: no limit).
    public var radius: Double
    /// Empirical variogram for the fit: lag classes, and the largest lag (0: half the largest distance).
    public var lagCount: Int
    public var maxLag: Double

    static let keys = ["model", "sill", "range", "nugget", "max_points", "radius", "lags", "max_lag"]

    init(values: [String: String], text: String) throws {
        guard let kind = VariogramModel.Kind(rawValue: (values["model"] ?? "spherical").lowercased()) else {
            throw SoilMapError.invalidArgument("--algorithm \(text): model=\(values["model"]!) is not one of \(VariogramModel.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        model = kind
        func number(_ key: String) throws -> Double? {
            guard let raw = values[key] else { return nil }
            guard let value = Double(raw), value.isFinite, value >= 0 else {
                throw SoilMapError.invalidArgument("--algorithm \(text): \(key)=\(raw) must be a number >= 0")
            }
            return value
        }
        let sill = try number("sill"), range = try number("range"), nugget = try number("nugget")
        if sill != nil || range != nil || nugget != nil {
            guard let sill, let range, range > 0, sill > (nugget ?? 0) else {
                throw SoilMapError.invalidArgument("--algorithm \(text): give sill and range (> 0) together, sill above the nugget, or none of them to fit the variogram")
            }
            variogram = VariogramModel(kind: kind, sill: sill, range: range, nugget: nugget ?? 0)
        }
        maxPoints = Int(try number("max_points") ?? 0)
        radius = try number("radius") ?? 0
        lagCount = Int(try number("lags") ?? 15)
        maxLag = try number("max_lag") ?? 0
        guard lagCount >= 3 else { throw SoilMapError.invalidArgument("--algorithm \(text): lags must be 3 or more") }
        guard maxPoints == 0 || maxPoints >= 2 else { throw SoilMapError.invalidArgument("--algorithm \(text): max_points must be 2 or more (or 0: all)") }
    }
}
