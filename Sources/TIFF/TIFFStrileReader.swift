import CTIFF

/// Where the tiles or strips of a TIFF's directories lie in the file, as libtiff reads them from the offset and
/// byte-count arrays (loaded once per directory; no pixel is read). For checks of a file's integrity.
public final class TIFFStrileReader {
    private let tiff: OpaquePointer

    /// nil when libtiff cannot open the file (its first directory unreadable).
    public init?(path: String) {
        guard let tiff = soilmap_tiff_open_quietly(path) else { return nil }
        self.tiff = tiff
    }

    deinit { TIFFClose(tiff) }

    /// Makes the directory at byte `offset` the current one; false when libtiff cannot read it.
    public func select(directoryAt offset: UInt64) -> Bool { TIFFSetSubDirectory(tiff, offset) == 1 }

    /// Offset and length of every tile (tiled image) or strip of the current directory, up to the first one
    /// libtiff cannot give. TIFFNumberOfStrips counts from RowsPerStrip, so tiles are counted apart.
    public func striles() -> [(offset: UInt64, length: UInt64)] {
        let count = TIFFIsTiled(tiff) != 0 ? TIFFNumberOfTiles(tiff) : TIFFNumberOfStrips(tiff)
        var result: [(offset: UInt64, length: UInt64)] = []
        result.reserveCapacity(Int(count))
        for strile in 0..<count {
            var failed: Int32 = 0
            let start = TIFFGetStrileOffsetWithErr(tiff, strile, &failed)
            let length = TIFFGetStrileByteCountWithErr(tiff, strile, &failed)
            guard failed == 0 else { break }
            result.append((start, length))
        }
        return result
    }
}
