#!/usr/bin/python3
"""Peer (c) of the trend benchmark: scipy per pixel, the plain loop: for every pixel with at least four valid
years, scipy.stats.theilslopes (Theil-Sen slope) and scipy.stats.kendalltau (tau-b and its p); writes those three
bands (Float32, nodata -9999). Meant for a small window (the loop costs ~1 ms a pixel).

Usage: trend_scipy.py --years 2001,...,2020 OUT.tif IN.tif...
"""
import argparse

import numpy as np
from osgeo import gdal
from scipy import stats

gdal.UseExceptions()
parser = argparse.ArgumentParser()
parser.add_argument("--years", required=True)
parser.add_argument("output")
parser.add_argument("inputs", nargs="+")
a = parser.parse_args()
years = np.array([float(y) for y in a.years.split(",")])
stack = []
for path in a.inputs:
    dataset = gdal.Open(path)   # kept while its band is read (a band outlives a dropped dataset in GDAL's Python)
    band = dataset.GetRasterBand(1)
    v = band.ReadAsArray().astype(np.float64)
    if band.GetNoDataValue() is not None:
        v[v == band.GetNoDataValue()] = np.nan
    stack.append(v)
stack = np.stack(stack)
_, height, width = stack.shape
result = np.full((3, height, width), -9999.0)
for row in range(height):
    for column in range(width):
        series = stack[:, row, column]
        keep = ~np.isnan(series)
        if keep.sum() < 4:
            continue
        y, x = series[keep], years[keep]
        result[0, row, column] = stats.theilslopes(y, x)[0]
        tau = stats.kendalltau(x, y)
        result[1, row, column] = tau.statistic
        result[2, row, column] = tau.pvalue
reference = gdal.Open(a.inputs[0])
out = gdal.GetDriverByName("GTiff").Create(a.output, width, height, 3, gdal.GDT_Float32, ["TILED=YES", "COMPRESS=DEFLATE"])
out.SetGeoTransform(reference.GetGeoTransform())
out.SetProjection(reference.GetProjection())
for k in range(3):
    out.GetRasterBand(k + 1).SetNoDataValue(-9999)
    out.GetRasterBand(k + 1).WriteArray(result[k].astype(np.float32))
out = None
