import Foundation
import GDAL

/// Watches the reflectance bands of an index run for values that cannot be reflectance: digital numbers read
/// without their scale, or an offset applied to values that do not carry it. It looks at the values the kernels
/// receive (after scale, offset, nodata and mask), on every 8th row of the raster, so it costs little, reads
/// nothing more and changes no output; what it sees does not depend on the tile size or the thread count.
final class ReflectanceRangeCheck: @unchecked Sendable {
    /// Values beyond this are far from reflectance. Surface reflectance lies in 0...1; correctly scaled products
    /// stay above -0.15 (Sentinel-2 L2A's -0.1 offset leaves its smallest stored value at -0.0999, and Landsat
    /// Collection 2 marks values below 0 as out of range) and below 1.5 (bright snow and glint reach about 1.1).
    static let physicalRange = -0.15...1.5
    /// A band is suspect when more than this share of its valid pixels lies outside `physicalRange`. On the
    /// Olinda sample read with the Makefile demo's `--scale 0.01`, at most 1.1 % do (saturated pixels of SWIR 1);
    /// unscaled, or with the Landsat preset's scale and offset, all of them do.
    static let suspectShare = 0.10
    /// Rows looked at: those whose index in the raster is a multiple of this.
    static let rowStep = 8

    struct Tally {
        var valid = 0
        var below = 0
        var above = 0
        var minimum = Double.infinity
        var maximum = -Double.infinity

        mutating func merge(_ other: Tally) {
            valid += other.valid
            below += other.below
            above += other.above
            minimum = min(minimum, other.minimum)
            maximum = max(maximum, other.maximum)
        }
    }

    /// The kernel input planes checked (the reflectance roles).
    let planes: [Int]
    private let lock = NSLock()
    private var tallies: [Tally]

    init(planes: [Int]) {
        self.planes = planes
        tallies = Array(repeating: Tally(), count: planes.count)
    }

    /// Tallies the sampled rows of one tile (planes `planeStride` apart, `window.width` values per line).
    func add(window: PixelWindow, inputs: UnsafePointer<Double>, planeStride: Int) {
        let firstLine = (Self.rowStep - window.row % Self.rowStep) % Self.rowStep
        guard firstLine < window.height else { return }
        let low = Self.physicalRange.lowerBound, high = Self.physicalRange.upperBound
        var local = Array(repeating: Tally(), count: planes.count)
        for (slot, plane) in planes.enumerated() {
            var tally = Tally()
            for line in stride(from: firstLine, to: window.height, by: Self.rowStep) {
                let values = inputs + plane * planeStride + line * window.width
                for pixel in 0..<window.width {
                    let value = values[pixel]
                    guard !value.isNaN else { continue }
                    tally.valid += 1
                    if value < low { tally.below += 1 } else if value > high { tally.above += 1 }
                    tally.minimum = min(tally.minimum, value)
                    tally.maximum = max(tally.maximum, value)
                }
            }
            local[slot] = tally
        }
        lock.lock()
        for slot in planes.indices { tallies[slot].merge(local[slot]) }
        lock.unlock()
    }

    /// In a sharded run, the tallies of all the shards' tiles: a shard stores its own; the merge, whose kernels
    /// do not run on tiles the shards computed, adds the shards' (counts and extremes: the order does not matter),
    /// so its warnings are the single run's.
    func share(through shard: StepShard) throws {
        var writer = ShardBinaryWriter()
        lock.lock()
        for tally in tallies {
            writer.int(tally.valid)
            writer.int(tally.below)
            writer.int(tally.above)
            writer.double(tally.minimum)
            writer.double(tally.maximum)
        }
        lock.unlock()
        guard let stored = try shard.exchangeTallies(writer.bytes) else { return }
        var added = Array(repeating: Tally(), count: planes.count)
        for bytes in stored {
            var reader = ShardBinaryReader(bytes: bytes, path: "\(ShardedRun.folderName): tallies of step '\(shard.step)'")
            for slot in planes.indices {
                added[slot].merge(Tally(valid: try reader.int(), below: try reader.int(), above: try reader.int(),
                                        minimum: try reader.double(), maximum: try reader.double()))
            }
            guard reader.atEnd else {
                throw SoilMapError.invalidInput(path: reader.path, "holds tallies of another number of bands (run the shards again)")
            }
        }
        lock.lock()
        for slot in planes.indices { tallies[slot].merge(added[slot]) }
        lock.unlock()
    }

    /// One warning per suspect band, naming its role and file, what was seen and the likely cause.
    /// `inputs` and `roles` are the plan's value inputs and their roles, in plane order.
    func warnings(inputs: [PlannedInput], roles: [String]) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return zip(planes, tallies).compactMap { plane, tally in
            let outside = tally.below + tally.above
            guard tally.valid > 0, Double(outside) > Self.suspectShare * Double(tally.valid) else { return nil }
            let input = inputs[plane]
            let share = Int((Double(outside) / Double(tally.valid) * 100).rounded())
            var conversion = "x \(number(input.scale)) \(input.offset < 0 ? "-" : "+") \(number(abs(input.offset)))"
            if input.storedOffset != 0 {
                conversion = "\(input.storedOffset < 0 ? "-" : "+") \(number(abs(input.storedOffset))) then " + conversion
            }
            let cause = tally.above >= tally.below
                ? "these look like digital numbers without their scale (give --scale, e.g. 0.0001 for Sentinel-2 L2A, or --sensor)"
                : "an offset seems applied to values that do not carry it, or the scale is too small (check --sensor, --scale and --offset)"
            return "reflectance band \(roles[plane]) (\(input.path) band \(input.band)): \(share) % of the valid pixels lie outside "
                + "\(number(Self.physicalRange.lowerBound))...\(number(Self.physicalRange.upperBound)) "
                + "(\(number(tally.minimum))...\(number(tally.maximum)) after \(conversion)); \(cause)"
        }
    }

    private func number(_ value: Double) -> String { String(format: "%.5g", value) }
}
