#!/usr/bin/python3
"""Correctness line of the trend benchmark: soilmap's trend bands against trend_numpy.py's on the same window.

Usage: trend_compare.py SOILMAP.tif NUMPY.tif   -> one line: per band, pixels compared and the largest difference
(Float32 values; nodata masks must agree). Exit 1 when a mask differs or a difference exceeds 1e-5 relative.
"""
import sys

import numpy as np
from osgeo import gdal

a, b = gdal.Open(sys.argv[1]), gdal.Open(sys.argv[2])
parts, bad = [], False
for k in range(1, a.RasterCount + 1):
    name = a.GetRasterBand(k).GetDescription()
    x = a.GetRasterBand(k).ReadAsArray().astype(np.float64)
    y = b.GetRasterBand(k).ReadAsArray().astype(np.float64)
    mx, my = x == -9999, y == -9999
    if not np.array_equal(mx, my):
        bad = True
        parts.append(f"{name}: nodata differs at {(mx != my).sum()} px")
        continue
    d = np.abs(x - y)[~mx]
    scale = np.maximum(np.abs(y[~mx]), 1e-3)
    worst = float(d.max()) if d.size else 0.0
    if d.size and float((d / scale).max()) > 1e-5:
        bad = True
    parts.append(f"{name} max|Δ| {worst:.3g}" + (f" ({int((d > 0).sum())} px differ)" if worst > 0 else ""))
valid = int((a.GetRasterBand(1).ReadAsArray() != -9999).sum())
print(f"{'EQUAL' if not bad else 'DIFFER'} on {valid} valid px of {a.RasterXSize}x{a.RasterYSize}: " + "; ".join(parts))
sys.exit(1 if bad else 0)
