#!/usr/bin/python3
"""Floor A: read and decode every pixel of the given rasters (band 1), 512-row full-width strips,
nothing else. GDAL_NUM_THREADS in the environment lets GDAL decode the blocks of a strip in parallel.
Prints a checksum-ish sum so the read cannot be optimised away."""
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
total = 0
for path in sys.argv[1:]:
    ds = gdal.Open(path)
    b = ds.GetRasterBand(1)
    w, h = ds.RasterXSize, ds.RasterYSize
    for y in range(0, h, 512):
        a = b.ReadAsArray(0, y, w, min(512, h - y))
        total += int(a[::97, ::89].sum())
print(total)
