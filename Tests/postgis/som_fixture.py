"""Inputs for the database tests' SOM target: a soil organic matter map (%) over four communes in two provinces,
with values chosen so that each commune's and province's mean can be computed by hand.

    som_fixture.py DIR     writes DIR/som_2025.tif, DIR/som_2026.tif (Float32, EPSG:32648, 10 m, 40 x 20 cells)
                           and DIR/communes.gpkg (4 squares of 10 x 20 cells; code, name, province, province name)

Commune columns (cells):   C01 0-9 | C02 10-19 | C03 20-29 | C04 30-39 (left half 30-34, right half 35-39)
SOM 2025:                  2.5     | 3.0       | 4.5       | 2.0 and 4.0 (mean 3.0)
SOM 2026:                  3.5     | 3.0       | 4.5       | 2.0 and 4.0
"""
import sys
import numpy as np
from osgeo import gdal, ogr, osr

out = sys.argv[1]
srs = osr.SpatialReference()
srs.ImportFromEPSG(32648)
x0, y0, size = 500000.0, 1200000.0, 10.0
for year, first in (("2025", 2.5), ("2026", 3.5)):
    values = np.zeros((20, 40), dtype=np.float32)
    values[:, 0:10] = first
    values[:, 10:20] = 3.0
    values[:, 20:30] = 4.5
    values[:, 30:35] = 2.0
    values[:, 35:40] = 4.0
    dataset = gdal.GetDriverByName("GTiff").Create(f"{out}/som_{year}.tif", 40, 20, 1, gdal.GDT_Float32)
    dataset.SetGeoTransform((x0, size, 0, y0, 0, -size))
    dataset.SetProjection(srs.ExportToWkt())
    band = dataset.GetRasterBand(1)
    band.SetNoDataValue(-9999)
    band.WriteArray(values)
    dataset = None

source = ogr.GetDriverByName("GPKG").CreateDataSource(f"{out}/communes.gpkg")
layer = source.CreateLayer("communes", srs, ogr.wkbPolygon)
for name in ("code", "name", "province", "province_name"):
    layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
communes = [("C01", "Xã Tân Hòa", "P1", "Tỉnh An Giang"), ("C02", "Phường Mỹ \"Bình\"", "P1", "Tỉnh An Giang"),
            ("C03", "Xã Đồng Tháp Mười", "P2", "Tỉnh Đồng Tháp"), ("C04", "Xã Hòa An", "P2", "Tỉnh Đồng Tháp")]
for index, (code, name, province, province_name) in enumerate(communes):
    left, right = x0 + index * 100, x0 + (index + 1) * 100
    ring = f"POLYGON(({left} {y0},{right} {y0},{right} {y0 - 200},{left} {y0 - 200},{left} {y0}))"
    feature = ogr.Feature(layer.GetLayerDefn())
    for field, value in zip(("code", "name", "province", "province_name"), (code, name, province, province_name)):
        feature.SetField(field, value)
    feature.SetGeometry(ogr.CreateGeometryFromWkt(ring))
    layer.CreateFeature(feature)
source = None
