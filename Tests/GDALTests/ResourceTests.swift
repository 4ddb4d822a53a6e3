import Foundation
import Testing
import GDAL

/// Opening and closing thousands of datasets must leave descriptors and memory flat.
@Suite(.serialized) struct ResourceTests {
    @Test func openAndCloseThousandsOfTimes() throws {
        let directory = TemporaryDirectory()
        // A private copy, so descriptors on it are ours alone even with other tests running.
        let raster = directory.path("leak.tif"), shapefile = directory.path("leak.shp")
        try FileManager.default.copyItem(atPath: Samples.landsat, toPath: raster)
        for ext in ["shp", "shx", "dbf", "prj"] {
            try FileManager.default.copyItem(atPath: Samples.path("olinda/olinda1.\(ext)"), toPath: directory.path("leak.\(ext)"))
        }
        func cycle() throws {
            let dataset = try Dataset.open(raster)
            let _: [UInt8] = try dataset.band(2).read(window: PixelWindow(column: 10, row: 10, width: 64, height: 64))
            _ = dataset.spatialReference?.epsgCode
            let vector = try Dataset.open(shapefile)
            _ = try vector.layer(0).features.first { _ in true }?.geometry?.wkb
            _ = try? Dataset.open(directory.path("missing.tif"))
        }
        for _ in 0..<100 { try cycle() }
        let descriptorsBefore = openDescriptors(under: directory.url.path)
        let memoryBefore = residentBytes()
        for _ in 0..<600 { try cycle() }
        #expect(openDescriptors(under: directory.url.path) == descriptorsBefore)
        #expect(descriptorsBefore == 0)
        let growth = residentBytes() - memoryBefore
        // 600 cycles leaking even 4 KiB each would add 2.4 MiB.
        #expect(growth < 2 << 20, "resident memory grew by \(growth) bytes")
    }

    private func openDescriptors(under directory: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter { entry in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)"))?.hasPrefix(directory) == true
        }.count
    }

    private func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
