import Testing
import GDAL

@Suite struct SpatialReferenceTests {
    @Test func fromEPSGWKTAndPROJ() throws {
        let utm = try SpatialReference(epsg: 31985)
        #expect(utm.isProjected && !utm.isGeographic)
        #expect(utm.epsgCode == 31985)
        let fromWKT = try SpatialReference(wkt: utm.wkt())
        #expect(fromWKT.isSame(as: utm))
        #expect(fromWKT.epsgCode == 31985)
        let fromPROJ = try SpatialReference(definition: "+proj=utm +zone=25 +south +ellps=GRS80 +units=m +no_defs")
        // Same projection, but GRS80 alone is not the SIRGAS 2000 datum: not the same CRS.
        #expect(fromPROJ.isProjected && !fromPROJ.isSame(as: utm))
        #expect(fromPROJ.projString?.hasPrefix("+proj=utm +zone=25 +south +ellps=GRS80") == true)
        #expect(try SpatialReference(wkt: fromPROJ.wkt()).isSame(as: fromPROJ))
        #expect(try SpatialReference(definition: "EPSG:4326").isSame(as: .wgs84()))
        #expect(!utm.isSame(as: .wgs84()))
        #expect(utm.projString?.contains("+zone=25") == true)
    }

    @Test func transformsPointsInGISAxisOrder() throws {
        // gdaltransform -s_srs EPSG:4326 -t_srs EPSG:31985: -34.9 -8.0 -> 290584.397708799 9115218.77291869
        let transformation = try CoordinateTransformation(from: .wgs84(), to: try SpatialReference(epsg: 31985))
        let point = try transformation.transform(x: -34.9, y: -8.0)
        #expect(abs(point.x - 290584.397708799) < 1e-6)
        #expect(abs(point.y - 9115218.77291869) < 1e-6)
        let back = try CoordinateTransformation(from: try SpatialReference(epsg: 31985), to: .wgs84()).transform(x: point.x, y: point.y)
        #expect(abs(back.x - -34.9) < 1e-9 && abs(back.y - -8.0) < 1e-9)
    }

    @Test func transformsEnvelopes() throws {
        let transformation = try CoordinateTransformation(from: try SpatialReference(epsg: 31985), to: .wgs84())
        let envelope = try transformation.transform(Envelope(minX: 288776.25, minY: 9110728.75, maxX: 298722.75, maxY: 9120760.75))
        // gdalinfo corners: west 34d54'59.72"W, east 34d49'33.48"W.
        #expect(abs(envelope.minX - -(34 + 54 / 60.0 + 59.72 / 3600)) < 1e-5)
        #expect(abs(envelope.maxX - -(34 + 49 / 60.0 + 33.48 / 3600)) < 1e-5)
    }
}

@Suite struct RuntimeTests {
    @Test func versions() {
        #expect(GDALRuntime.gdalVersion.hasPrefix("3."))
        #expect(GDALRuntime.projVersion.split(separator: ".").count == 3)
        #expect(GDALRuntime.driverNames.contains("GTiff"))
        #expect(GDALRuntime.driverNames.contains("GPKG"))
    }

    @Test func scopedConfigOptionsAreRestored() throws {
        #expect(ConfigOptions.value("SOILMAP_TEST_OPTION") == nil)
        let inside = ConfigOptions.with(["SOILMAP_TEST_OPTION": "42", "GDAL_CACHEMAX": "64"]) {
            (ConfigOptions.value("SOILMAP_TEST_OPTION"), ConfigOptions.value("GDAL_CACHEMAX"))
        }
        #expect(inside.0 == "42" && inside.1 == "64")
        #expect(ConfigOptions.value("SOILMAP_TEST_OPTION") == nil)
        struct Failure: Error {}
        #expect(throws: Failure.self) {
            try ConfigOptions.with(["SOILMAP_TEST_OPTION": "1"]) { throw Failure() }
        }
        #expect(ConfigOptions.value("SOILMAP_TEST_OPTION") == nil)
    }
}
