#!/usr/bin/python3
"""Generate a Sentinel-2-tile-sized benchmark input from the Olinda Landsat 7 sample.

One GeoTIFF per band (UInt16, tiled 512x512, DEFLATE + PREDICTOR=2, nodata 0), like
Sentinel-2 L2A COG band files. The 349x352 sample is tiled with alternating flips
(mirror tiling: no seams), DN is mapped to plausible L2A reflectance integers with
    value = DN * 40 + 1000 + noise,   noise uniform integer in [0, 40)
(the noise is deterministic, seeded per band and strip; it gives the continuous
value spread of real 12-bit reflectance instead of 256 levels, so that compression
behaves like real data). A triangle in the top-left corner (x + y < 0.3 * width,
about 4.5 % of the pixels) is set to 0 = nodata, like the partial swath of many
real Sentinel-2 tiles.

Grid: 10 m pixels in EPSG:32725 (WGS 84 / UTM 25S, the zone of Olinda), origin
(300000, 9200020), the usual Sentinel-2 tile origin pattern.

Memory stays low: one strip of 512 full-width rows per band at a time.

Usage: gen_input.py OUTDIR SIZE BAND=SRCBAND [BAND=SRCBAND ...]
e.g.   gen_input.py bench/work/s2 10980 B02=1 B04=3 B08=4 B11=5
"""
import os
import sys

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "samples", "olinda", "L7_ETMs.tif")
STRIP = 512
CO = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=DEFLATE",
      "PREDICTOR=2", "NUM_THREADS=2", "BIGTIFF=IF_SAFER"]


def mirror_index(n_out, n_src):
    i = np.arange(n_out) % (2 * n_src)
    return np.where(i < n_src, i, 2 * n_src - 1 - i)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    outdir, size = sys.argv[1], int(sys.argv[2])
    bands = [a.split("=") for a in sys.argv[3:]]
    os.makedirs(outdir, exist_ok=True)
    src = gdal.Open(SAMPLE)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32725)
    gt = (300000.0, 10.0, 0.0, 9200020.0, 0.0, -10.0)
    cols = mirror_index(size, src.RasterXSize)
    xs = np.arange(size)
    for name, sb in bands:
        sb = int(sb)
        final = os.path.join(outdir, name + ".tif")
        if os.path.exists(final):
            print("exists:", final)
            continue
        tmp = final + ".part.tif"
        data = src.GetRasterBand(sb).ReadAsArray().astype(np.uint16)
        ds = gdal.GetDriverByName("GTiff").Create(tmp, size, size, 1, gdal.GDT_UInt16, CO)
        ds.SetGeoTransform(gt)
        ds.SetProjection(srs.ExportToWkt())
        b = ds.GetRasterBand(1)
        b.SetNoDataValue(0)
        b.SetDescription(name)
        for r0 in range(0, size, STRIP):
            n = min(STRIP, size - r0)
            rows = mirror_index(r0 + n, src.RasterYSize)[r0:]
            strip = data[rows][:, cols] * 40 + 1000
            rng = np.random.default_rng(1000 * sb + r0 // STRIP)
            strip += rng.integers(0, 40, size=strip.shape, dtype=np.uint16)
            ys = np.arange(r0, r0 + n)[:, None]
            strip[(xs[None, :] + ys) < 0.3 * size] = 0
            b.WriteArray(strip, 0, r0)
        ds = None
        os.replace(tmp, final)
        print("wrote:", final)


if __name__ == "__main__":
    main()
