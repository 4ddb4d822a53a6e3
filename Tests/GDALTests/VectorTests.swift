import Testing
import GDAL

/// Reference values from ogrinfo on the same files.
@Suite struct VectorTests {
    @Test func olindaTracts() throws {
        let dataset = try Dataset.open(Samples.tracts, kind: .vector)
        #expect(dataset.layerCount == 1)
        let layer = try dataset.layer(0)
        #expect(layer.name == "olinda1")
        #expect(layer.featureCount == 470)
        #expect(layer.geometryTypeName == "Polygon")
        let reference = try #require(layer.spatialReference)
        #expect(reference.isGeographic)
        #expect(reference.name == "GRS 1980(IUGG, 1980)")
        #expect(reference.ellipsoid.semiMajorAxis == 6378137)
        #expect(abs(reference.ellipsoid.inverseFlattening - 298.257222101) < 1e-9)
        #expect(layer.fields.map(\.name) == ["ID", "CD_GEOCODI", "TIPO", "CD_GEOCODB", "NM_BAIR", "V014"])
        #expect(layer.fields.map(\.type) == [.real, .string, .string, .string, .string, .integer64])
        let extent = try #require(layer.extent)
        #expect(abs(extent.minX - -34.916923) < 1e-6 && abs(extent.maxY - -7.954672) < 1e-6)
    }

    @Test func firstTractAttributesAndGeometry() throws {
        let layer = try Dataset.open(Samples.tracts, kind: .vector).layer(0)
        let feature = try #require(layer.features.first { _ in true })
        #expect(feature.id == 0)
        #expect(try feature.value(named: "ID") == .real(28801))
        #expect(try feature.value(named: "CD_GEOCODI") == .string("260960005000001"))
        #expect(try feature.value(named: "NM_BAIR") == .string("Ouro Preto"))
        #expect(try feature.value(named: "V014") == .integer(1119))
        let geometry = try #require(feature.geometry)
        #expect(geometry.typeName == "POLYGON")
        #expect(geometry.isValid)
        let rings = geometry.polygonRings
        #expect(rings.count == 1 && rings[0].count == 1 && rings[0][0].count == 27)
        #expect(rings[0][0][0].x == -34.864063 && rings[0][0][0].y == -7.992488)
        // The envelope ogr.Geometry.GetEnvelope() gives for this feature.
        #expect(geometry.envelope.minX == -34.864063 && geometry.envelope.maxY == -7.990956)
        #expect(abs(geometry.envelope.maxX - -34.8599633474295) < 1e-12 && abs(geometry.envelope.minY - -7.99436415064584) < 1e-12)
        // WKB round trip.
        let copy = try Geometry(wkb: geometry.wkb)
        #expect(copy.wkt == geometry.wkt)
        #expect(copy.area == geometry.area)
        #expect(throws: GDALError.self) { _ = try feature.value(named: "NO_SUCH_FIELD") }
    }

    @Test func portugueseNamesWithDiacriticsReadExactly() throws {
        let layer = try Dataset.open(Samples.tracts, kind: .vector).layer(0)
        let names = Set(layer.features.map { try! $0.value(named: "NM_BAIR").stringValue ?? "" })
        // The DBF declares code page 0x57 (Windows ANSI); OGR recodes to UTF-8.
        #expect(names.contains("Alto da Nação"))
        #expect(names.contains("São Benedito"))
        let nacao = try #require(names.first { $0.hasPrefix("Alto da Na") })
        #expect(Array(nacao.utf8) == Array("Alto da Na\u{00E7}\u{00E3}o".utf8))
    }

    @Test func luxembourgCantonsAndMeusePoints() throws {
        let cantons = try Dataset.open(Samples.cantons, kind: .vector).layer(0)
        #expect(cantons.featureCount == 12)
        #expect(cantons.spatialReference?.epsgCode == 4326)
        #expect(cantons.fields.map(\.name) == ["ID_1", "NAME_1", "ID_2", "NAME_2", "AREA", "POP"])

        let meuse = try Dataset.open(Samples.meuse, kind: .vector, openOptions: ["X_POSSIBLE_NAMES=x", "Y_POSSIBLE_NAMES=y"]).layer(0)
        #expect(meuse.featureCount == 155)
        let first = try #require(meuse.features.first { _ in true })
        #expect(try first.value(named: "cadmium").doubleValue == 11.7)
        let point = try #require(first.geometry)
        #expect(point.envelope.minX == 181072 && point.envelope.minY == 333611)
    }

    @Test(arguments: ["zones.gpkg", "zones.geojson", "zones.csv"])
    func writeAndReadBackVietnameseNames(file: String) throws {
        let directory = TemporaryDirectory()
        let path = directory.path(file)
        let wgs84 = SpatialReference.wgs84()
        do {
            let dataset = try Driver.forOutput(path: path, vector: true).createVector(path: path)
            let layer = try dataset.createLayer(name: "zones", spatialReference: wgs84, geometryType: .polygon,
                                                options: file.hasSuffix(".csv") ? ["GEOMETRY=AS_WKT"] : [])
            try layer.createField(FieldDefinition(name: "code", type: .integer))
            try layer.createField(FieldDefinition(name: "name", type: .string))
            try layer.createField(FieldDefinition(name: "mean", type: .real))
            try dataset.withTransaction {
                try layer.addFeature(["code": .integer(70), "name": .string("Phường Hoàn Kiếm"), "mean": .real(0.25)],
                                     geometry: try Geometry(wkt: "POLYGON ((105 21, 106 21, 106 22, 105 21))"))
                try layer.addFeature(values: [.integer(73), .string("Phường Cửa Nam"), .null],
                                     geometry: try Geometry(wkt: "POLYGON ((105 20, 106 20, 106 21, 105 20))"))
            }
            try dataset.close()
        }
        let layer = try Dataset.open(path, kind: .vector).layer(0)
        #expect(layer.featureCount == 2)
        let features = Array(layer.features)
        #expect(features[0].value(at: try layer.fieldIndex("name")) == .string("Phường Hoàn Kiếm"))
        #expect(try features[1].value(named: "name") == .string("Phường Cửa Nam"))
        #expect(try features[0].value(named: "code").doubleValue == 70)
        #expect(try features[0].value(named: "mean").doubleValue == 0.25)
        // A null real is null in GeoPackage and GeoJSON; CSV has no null (without a .csvt every column is text), so
        // OGR reads the empty cell back as an empty string, as ogrinfo shows it.
        #expect(try features[1].value(named: "mean") == (file.hasSuffix(".csv") ? .string("") : .null))
        #expect(abs((features[0].geometry?.area ?? 0) - 0.5) < 1e-12)
    }
}
