#!/usr/bin/python3
"""Training samples for the model benchmark: COUNT random cells (numpy, seeded) of the 10980² S2-like stack where
every band has a value, with a SYNTHETIC class (the stack has no labels): NDVI in five bins, water where B11 is in
its lowest 8 %, then 5 % of the labels flipped at random so the trees grow deep like real, noisy field data.

Writes a GeoPackage of points (cell centres, EPSG of the stack) with `class` and the six band values as fields
(b02 ... b12): soilmap reads the points, scikit-learn and OTB read the fields (the same numbers).

Usage: models_setup.py S2DIR OUT.gpkg COUNT SEED"""
import os
import sys

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
BANDS = ["B02", "B03", "B04", "B08", "B11", "B12"]


def main():
    folder, out, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if os.path.exists(out):
        print("exists:", out)
        return
    datasets = [gdal.Open(os.path.join(folder, b + ".tif")) for b in BANDS]
    width, height = datasets[0].RasterXSize, datasets[0].RasterYSize
    transform = datasets[0].GetGeoTransform()
    generator = np.random.default_rng(seed)
    # Twice as many as needed: cells with nodata are dropped.
    cells = np.unique(generator.choice(width * height, size=2 * count, replace=False))
    rows, columns = cells // width, cells % width
    values = np.zeros((len(cells), len(BANDS)), dtype=np.int32)
    for start in range(0, height, 512):
        inside = (rows >= start) & (rows < start + 512)
        if not inside.any():
            continue
        strip = min(512, height - start)
        for j, dataset in enumerate(datasets):
            block = dataset.GetRasterBand(1).ReadAsArray(0, start, width, strip)
            values[inside, j] = block[rows[inside] - start, columns[inside]]
    keep = np.nonzero((values > 0).all(axis=1))[0]
    keep = np.sort(generator.choice(keep, size=count, replace=False))
    rows, columns, values = rows[keep], columns[keep], values[keep]
    red, nir, swir = values[:, 2].astype(float), values[:, 3].astype(float), values[:, 4].astype(float)
    ndvi = (nir - red) / (nir + red)
    labels = 1 + np.digitize(ndvi, np.quantile(ndvi, [0.2, 0.4, 0.6, 0.8]))
    labels[swir <= np.quantile(swir, 0.08)] = 6
    flip = generator.random(count) < 0.05
    labels[flip] = generator.integers(1, 7, size=flip.sum())
    srs = osr.SpatialReference(wkt=datasets[0].GetProjection())
    driver = ogr.GetDriverByName("GPKG")
    source = driver.CreateDataSource(out + ".part.gpkg")
    layer = source.CreateLayer("samples", srs, ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("class", ogr.OFTInteger))
    for b in BANDS:
        layer.CreateField(ogr.FieldDefn(b.lower(), ogr.OFTInteger))
    layer.StartTransaction()
    for i in range(count):
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("class", int(labels[i]))
        for j, b in enumerate(BANDS):
            feature.SetField(b.lower(), int(values[i, j]))
        x = transform[0] + (columns[i] + 0.5) * transform[1]
        y = transform[3] + (rows[i] + 0.5) * transform[5]
        point = ogr.Geometry(ogr.wkbPoint)
        point.AddPoint_2D(float(x), float(y))
        feature.SetGeometry(point)
        layer.CreateFeature(feature)
    layer.CommitTransaction()
    source = None
    os.rename(out + ".part.gpkg", out)
    print("wrote", out, count, "samples, classes", np.bincount(labels)[1:].tolist())


if __name__ == "__main__":
    main()
