#!/usr/bin/python3
"""Inputs of the trend benchmark: COUNT annual NDVI rasters of SIZE x SIZE, Float32, nodata -9999.

Base NDVI from the Olinda Landsat 7 sample (bands 3 red, 4 NIR), mirror-tiled to SIZE as gen_input.py tiles it;
year k (0...COUNT-1) = base + slope x k + noise, where slope is a smooth field in -0.01...0.01 NDVI per year and
noise is normal (sd 0.03, seeded per year and strip), rounded to 1e-4 (NDVI's usual precision, which lets it
compress like real products). Nodata: the top-left triangle (x + y < 0.3 SIZE, a partial swath) in every year,
and 3 % of the pixels at random in each year (clouds), so series have gaps and some fall below four years.
GeoTIFF tiled 512 x 512, ZSTD level 1 with the floating-point predictor. Years 2001...2000+COUNT.

Usage: trend_setup.py OUTDIR SIZE COUNT      (files OUTDIR/ndvi_YEAR.tif; existing files are kept)
"""
import os
import sys

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "samples", "olinda", "L7_ETMs.tif")
STRIP = 512
CO = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=ZSTD", "ZSTD_LEVEL=1", "PREDICTOR=3",
      "NUM_THREADS=2", "BIGTIFF=IF_SAFER"]


def mirror_index(n_out, n_src):
    i = np.arange(n_out) % (2 * n_src)
    return np.where(i < n_src, i, 2 * n_src - 1 - i)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    outdir, size, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(outdir, exist_ok=True)
    years = [2001 + k for k in range(count)]
    finals = [os.path.join(outdir, f"ndvi_{y}.tif") for y in years]
    todo = [k for k, f in enumerate(finals) if not os.path.exists(f)]
    if not todo:
        return
    src = gdal.Open(SAMPLE)
    red = src.GetRasterBand(3).ReadAsArray().astype(np.float64)
    nir = src.GetRasterBand(4).ReadAsArray().astype(np.float64)
    ndvi_src = np.where(nir + red > 0, (nir - red) / np.maximum(nir + red, 1), 0)
    cols = mirror_index(size, src.RasterXSize)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32725)
    driver = gdal.GetDriverByName("GTiff")
    outs = []
    for k in todo:
        ds = driver.Create(finals[k] + ".part.tif", size, size, 1, gdal.GDT_Float32, CO)
        ds.SetGeoTransform((300000.0, 10.0, 0.0, 9200020.0, 0.0, -10.0))
        ds.SetProjection(srs.ExportToWkt())
        band = ds.GetRasterBand(1)
        band.SetNoDataValue(-9999)
        band.SetDescription(f"NDVI {years[k]}")
        outs.append((k, ds, band))
    x = np.arange(size)
    for y0 in range(0, size, STRIP):
        h = min(STRIP, size - y0)
        rows = mirror_index(size, src.RasterYSize)[y0:y0 + h]
        base = ndvi_src[np.ix_(rows, cols)]
        yy = np.arange(y0, y0 + h)[:, None]
        slope = 0.01 * np.sin(x[None, :] / 700.0) * np.cos(yy / 900.0)
        swath = (x[None, :] + yy) < 0.3 * size
        for k, ds, band in outs:
            rng = np.random.default_rng([k, y0])
            value = base + slope * k + rng.normal(0, 0.03, base.shape)
            value = np.round(value, 4).astype(np.float32)
            value[swath | (rng.random(base.shape) < 0.03)] = -9999
            band.WriteArray(value, 0, y0)
        print(f"\rtrend inputs: rows {y0 + h}/{size}", end="", file=sys.stderr)
    print(file=sys.stderr)
    for k, ds, band in outs:
        ds.FlushCache()
        del band
        ds = None
    outs.clear()
    for k in todo:
        os.replace(finals[k] + ".part.tif", finals[k])


if __name__ == "__main__":
    main()
