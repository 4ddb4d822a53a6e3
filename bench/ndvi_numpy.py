#!/usr/bin/python3
"""NDVI with numpy, block by block (the "numpy" peer row, and the NDVI reference of the encoding study).

ndvi_numpy.py [--mode tile|strip] [--co KEY=VALUE ...] RED NIR OUT

--mode tile : read/compute/write 512x512 windows (one GTiff block at a time).
--mode strip: read/compute/write 512-row full-width strips (a row of blocks: lets GDAL decode and
              compress several blocks in parallel with GDAL_NUM_THREADS / NUM_THREADS).
NDVI = (nir - red) / (nir + red) in float32; -9999 (declared nodata) where either input is nodata
or nir + red == 0. Output Float32 GTiff, geotransform/projection copied from RED.
"""
import argparse

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
NODATA = -9999.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["tile", "strip"], default="tile")
    p.add_argument("--co", action="append", default=[])
    p.add_argument("--block", type=int, default=512)
    p.add_argument("red")
    p.add_argument("nir")
    p.add_argument("out")
    a = p.parse_args()
    rds, nds = gdal.Open(a.red), gdal.Open(a.nir)
    rb, nb = rds.GetRasterBand(1), nds.GetRasterBand(1)
    rnd, nnd = rb.GetNoDataValue(), nb.GetNoDataValue()
    w, h = rds.RasterXSize, rds.RasterYSize
    out = gdal.GetDriverByName("GTiff").Create(a.out, w, h, 1, gdal.GDT_Float32, a.co)
    out.SetGeoTransform(rds.GetGeoTransform())
    out.SetProjection(rds.GetProjection())
    ob = out.GetRasterBand(1)
    ob.SetNoDataValue(NODATA)
    bs = a.block
    for y in range(0, h, bs):
        ny = min(bs, h - y)
        xsteps = range(0, w, bs) if a.mode == "tile" else [0]
        for x in xsteps:
            nx = min(bs, w - x) if a.mode == "tile" else w
            r = rb.ReadAsArray(x, y, nx, ny).astype(np.float32)
            n = nb.ReadAsArray(x, y, nx, ny).astype(np.float32)
            s = n + r
            bad = s == 0
            if rnd is not None:
                bad |= r == rnd
            if nnd is not None:
                bad |= n == nnd
            with np.errstate(divide="ignore", invalid="ignore"):
                v = (n - r) / s
            v[bad] = NODATA
            ob.WriteArray(v, x, y)
    out = None


if __name__ == "__main__":
    main()
