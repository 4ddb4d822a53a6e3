import TIFF
import Foundation

/// Finds a truncated GeoTIFF (an interrupted download or scp) from its directories alone, before a run.
///
/// GDAL opens a truncated copy without a word: only the first directory must be intact, and the missing tiles
/// fail when a run reaches them, possibly after minutes. Every directory (overviews and masks included) says where
/// its tiles or strips lie, so comparing their ends with the file's size finds the damage at once, reading only the
/// directories: libtiff loads each one's offset and byte-count arrays once, and a small reader of the directory
/// tables covers what libtiff does not report (where a directory and its tag values end, and the next directory,
/// even when libtiff cannot read it). Pixel data is never read. Only what reaches past the end of the file is
/// reported (a missing tail, or a damaged directory offset); other damage is left to GDAL's own errors.
public enum GeoTIFFIntegrity {
    /// A file shorter than its directories say.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public enum Part: Sendable, Equatable {
            /// The tiles or strips reach past the end: the bytes missing are known.
            case blocks
            /// A directory (its table or tag values) reaches past the end: the file was cut in its directories, or a
            /// directory offset is damaged (a flipped byte in the header points anywhere); what is missing is unknown.
            case directory
        }

        public var part: Part
        /// The size the file needs: the end of its furthest tile, strip or directory.
        public var requiredBytes: UInt64
        public var fileBytes: UInt64

        public init(part: Part, requiredBytes: UInt64, fileBytes: UInt64) {
            self.part = part
            self.requiredBytes = requiredBytes
            self.fileBytes = fileBytes
        }

        public var missingBytes: UInt64 { requiredBytes - fileBytes }

        /// One line, e.g. "truncated: tiles/strips reach byte 812,345 but the file has 500,000 bytes (312,345 bytes missing)".
        public var description: String {
            let sizes = "byte \(grouped(requiredBytes)) but the file has \(grouped(fileBytes)) bytes"
            switch part {
            case .blocks: return "truncated: tiles/strips reach \(sizes) (\(grouped(missingBytes)) bytes missing)"
            case .directory: return "truncated or damaged: a TIFF directory reaches \(sizes)"
            }
        }
    }

    /// What the check found in a TIFF file.
    public struct Inspection: Sendable, Equatable {
        public var fileBytes: UInt64
        /// Directories whose blocks were compared with the file's size.
        public var directories: Int
        /// Tiles or strips compared, sparse ones (offset and byte count 0) included.
        public var blocks: Int
        public var problem: Problem?
        /// A directory neither truncated nor readable by libtiff: the check stopped there (GDAL reports it if needed).
        public var unreadableDirectory: Int?

        /// "ok: 484 tiles/strips in 3 directories lie within the file's 1,234,567 bytes", or the problem.
        public var summary: String {
            if let problem { return problem.description }
            var text = "ok: \(blocks) tiles/strips in \(directories) director\(directories == 1 ? "y" : "ies") lie within the file's \(grouped(fileBytes)) bytes"
            if let unreadableDirectory { text += " (directory \(unreadableDirectory) cannot be read, not checked)" }
            return text
        }
    }

    /// The problem with `path`, or nil when it is intact, not a TIFF, or not a plain file.
    public static func check(path: String) -> Problem? { inspect(path: path)?.problem }

    /// Throws the one-line error naming `path` when it is a truncated TIFF.
    public static func requireIntact(_ path: String) throws {
        if let problem = check(path: path) { throw SoilMapError.invalidInput(path: path, problem.description) }
    }

    /// Inspects `path`; nil when it is not a plain file starting with a TIFF header.
    public static func inspect(path: String) -> Inspection? {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        guard let fileBytes = try? file.seekToEnd(), let layout = TIFFLayout(file: file, fileBytes: fileBytes) else { return nil }
        var inspection = Inspection(fileBytes: fileBytes, directories: 0, blocks: 0, problem: nil, unreadableDirectory: nil)
        var furthestBlock: UInt64 = 0, furthestDirectory: UInt64 = 0
        // libtiff reads the strile arrays; it may refuse the first directory (then only the tables are checked).
        let striles = TIFFStrileReader(path: path)
        var offset = layout.firstDirectory
        var visited = Set<UInt64>()
        // A loop in the chain, or absurdly many directories, is damage for GDAL to report.
        while offset != 0, visited.insert(offset).inserted, visited.count <= 100_000 {
            let directory = layout.directory(at: offset)
            furthestDirectory = max(furthestDirectory, directory.end)
            guard directory.end <= fileBytes else { break }
            guard let striles, striles.select(directoryAt: offset) else {
                inspection.unreadableDirectory = visited.count - 1
                break
            }
            let extents = striles.striles()
            for (start, length) in extents {
                let (end, overflow) = start.addingReportingOverflow(length)
                furthestBlock = max(furthestBlock, overflow ? .max : end)
            }
            inspection.directories += 1
            inspection.blocks += extents.count
            offset = directory.next
        }
        if furthestBlock > fileBytes {
            inspection.problem = Problem(part: .blocks, requiredBytes: furthestBlock, fileBytes: fileBytes)
        } else if furthestDirectory > fileBytes {
            inspection.problem = Problem(part: .directory, requiredBytes: furthestDirectory, fileBytes: fileBytes)
        }
        return inspection
    }

    /// 812345 -> "812,345", whatever the locale.
    static func grouped(_ value: UInt64) -> String {
        var digits = Array(String(value))
        var index = digits.count - 3
        while index > 0 {
            digits.insert(",", at: index)
            index -= 3
        }
        return String(digits)
    }
}

/// The byte order and directory tables of a classic or Big TIFF, read straight from the file.
private struct TIFFLayout {
    let file: FileHandle
    let fileBytes: UInt64
    let littleEndian: Bool
    let big: Bool
    let firstDirectory: UInt64

    init?(file: FileHandle, fileBytes: UInt64) {
        self.file = file
        self.fileBytes = fileBytes
        guard (try? file.seek(toOffset: 0)) != nil, let header = try? file.read(upToCount: 16), header.count >= 8 else { return nil }
        let bytes = [UInt8](header)
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        let version = TIFFLayout.integer(bytes, at: 2, size: 2, littleEndian: littleEndian)
        switch version {
        case 42:
            big = false
            firstDirectory = TIFFLayout.integer(bytes, at: 4, size: 4, littleEndian: littleEndian)
        case 43:
            guard bytes.count >= 16 else { return nil }
            big = true
            firstDirectory = TIFFLayout.integer(bytes, at: 8, size: 8, littleEndian: littleEndian)
        default:
            return nil
        }
    }

    /// Where a directory ends (its table, and the tag values stored outside it) and the next directory's offset
    /// (0 when unknown or last). The end is computed without reading past the end of the file.
    func directory(at offset: UInt64) -> (end: UInt64, next: UInt64) {
        let countSize: UInt64 = big ? 8 : 2, entrySize: UInt64 = big ? 20 : 12, pointerSize: UInt64 = big ? 8 : 4
        guard offset <= fileBytes, fileBytes - offset >= countSize else { return (offset > .max - countSize ? .max : offset + countSize, 0) }
        guard let countBytes = read(at: offset, count: Int(countSize)) else { return (offset + countSize, 0) }
        let entries = TIFFLayout.integer(countBytes, at: 0, size: Int(countSize), littleEndian: littleEndian)
        // A classic directory holds at most 65,535 entries; more in a BigTIFF one is damage, not truncation.
        guard entries <= 65_535 else { return (0, 0) }
        let tableEnd = offset + countSize + entries * entrySize + pointerSize
        guard tableEnd <= fileBytes, let table = read(at: offset + countSize, count: Int(tableEnd - offset - countSize)) else {
            return (tableEnd, 0)
        }
        var end = tableEnd
        for entry in 0..<Int(entries) {
            let base = entry * Int(entrySize)
            let type = TIFFLayout.integer(table, at: base + 2, size: 2, littleEndian: littleEndian)
            let valueCount = TIFFLayout.integer(table, at: base + 4, size: Int(pointerSize), littleEndian: littleEndian)
            guard let typeSize = TIFFLayout.typeSizes[type] else { continue }
            let (bytes, overflow) = valueCount.multipliedReportingOverflow(by: typeSize)
            guard overflow || bytes > pointerSize else { continue }  // the value fits in the entry itself
            let valueOffset = TIFFLayout.integer(table, at: base + 4 + Int(pointerSize), size: Int(pointerSize), littleEndian: littleEndian)
            let (valueEnd, endOverflow) = valueOffset.addingReportingOverflow(bytes)
            end = max(end, overflow || endOverflow ? .max : valueEnd)
        }
        let next = TIFFLayout.integer(table, at: Int(entries * entrySize), size: Int(pointerSize), littleEndian: littleEndian)
        return (end, next)
    }

    /// Bytes per value of each TIFF field type (TIFF 6.0 and BigTIFF).
    private static let typeSizes: [UInt64: UInt64] = [1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4,
                                                      16: 8, 17: 8, 18: 8]

    private func read(at offset: UInt64, count: Int) -> [UInt8]? {
        guard (try? file.seek(toOffset: offset)) != nil, let data = try? file.read(upToCount: count), data.count == count else { return nil }
        return [UInt8](data)
    }

    private static func integer(_ bytes: [UInt8], at offset: Int, size: Int, littleEndian: Bool) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<size {
            let byte = UInt64(bytes[offset + (littleEndian ? size - 1 - index : index)])
            value = value << 8 | byte
        }
        return value
    }
}
