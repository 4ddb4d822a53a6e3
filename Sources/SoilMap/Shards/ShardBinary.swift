import Foundation

/// The little binary format of shard part files: integers and the bit patterns of doubles, little-endian, so a
/// partial result comes back exactly as it was computed (text would round doubles).
struct ShardBinaryWriter {
    private(set) var bytes: [UInt8] = []

    mutating func int(_ value: Int) { uint(UInt64(bitPattern: Int64(value))) }

    mutating func uint(_ value: UInt64) {
        var little = value.littleEndian
        withUnsafeBytes(of: &little) { bytes.append(contentsOf: $0) }
    }

    mutating func double(_ value: Double) { uint(value.bitPattern) }
}

struct ShardBinaryReader {
    let bytes: [UInt8]
    let path: String
    private(set) var offset = 0

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    var atEnd: Bool { offset == bytes.count }

    mutating func uint() throws -> UInt64 {
        guard offset + 8 <= bytes.count else { throw SoilMapError.invalidInput(path: path, "shard part ends early (at byte \(offset))") }
        var value: UInt64 = 0
        for shift in 0..<8 { value |= UInt64(bytes[offset + shift]) << (8 * UInt64(shift)) }
        offset += 8
        return value
    }

    mutating func int() throws -> Int { Int(Int64(bitPattern: try uint())) }

    mutating func double() throws -> Double { Double(bitPattern: try uint()) }
}

extension ZoneAccumulator {
    /// Every field, exactly: the merge folds these as the single run folds the ones it computes.
    func encode(into writer: inout ShardBinaryWriter) {
        writer.double(weight)
        writer.double(sum)
        writer.double(mean)
        writer.double(squaredDeviations)
        writer.double(minimum)
        writer.double(maximum)
        writer.int(cells)
        writer.double(hectares)
        writer.int(noDataCells)
        writer.double(noDataWeight)
        writer.double(noDataHectares)
        writer.double(zoneWeight)
        writer.double(zoneHectares)
        if let histogram {
            writer.int(histogram.count)
            for key in histogram.keys.sorted() {
                writer.int(Int(key))
                writer.double(histogram[key]!.weight)
                writer.double(histogram[key]!.hectares)
            }
        } else {
            writer.int(-1)
        }
        if let values {
            writer.int(values.count)
            for entry in values {
                writer.double(entry.value)
                writer.double(entry.weight)
            }
        } else {
            writer.int(-1)
        }
    }

    static func decode(from reader: inout ShardBinaryReader) throws -> ZoneAccumulator {
        let weight = try reader.double(), sum = try reader.double(), mean = try reader.double()
        let squaredDeviations = try reader.double(), minimum = try reader.double(), maximum = try reader.double()
        let cells = try reader.int(), hectares = try reader.double()
        let noDataCells = try reader.int(), noDataWeight = try reader.double(), noDataHectares = try reader.double()
        let zoneWeight = try reader.double(), zoneHectares = try reader.double()
        var histogram: [Int64: (weight: Double, hectares: Double)]?
        let histogramCount = try reader.int()
        if histogramCount >= 0 {
            histogram = [:]
            for _ in 0..<histogramCount {
                let key = Int64(try reader.int())
                histogram![key] = (try reader.double(), try reader.double())
            }
        }
        var values: [(value: Double, weight: Double)]?
        let valueCount = try reader.int()
        if valueCount >= 0 {
            values = []
            values!.reserveCapacity(valueCount)
            for _ in 0..<valueCount { values!.append((try reader.double(), try reader.double())) }
        }
        var accumulator = ZoneAccumulator(weight: weight, sum: sum, mean: mean, squaredDeviations: squaredDeviations, minimum: minimum,
                                          maximum: maximum, cells: cells, hectares: hectares, histogram: histogram, values: values)
        accumulator.setExtent(noDataCells: noDataCells, noDataWeight: noDataWeight, noDataHectares: noDataHectares,
                              zoneWeight: zoneWeight, zoneHectares: zoneHectares)
        return accumulator
    }
}
