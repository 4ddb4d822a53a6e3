"""Peer of `soilmap composite --statistic mean` for the bench: numpy.nanmean over single-band rasters, each read
whole (nodata to NaN), written as a tiled Float32 GeoTIFF with nodata -9999. Usage: composite_numpy.py OUT IN..."""
import sys
import warnings

import numpy as np
from osgeo import gdal

out, inputs = sys.argv[1], sys.argv[2:]
first = gdal.Open(inputs[0])
planes = []
for path in inputs:
    dataset = gdal.Open(path)
    band = dataset.GetRasterBand(1)
    values = band.ReadAsArray().astype(np.float64)
    if band.GetNoDataValue() is not None:
        values[values == band.GetNoDataValue()] = np.nan
    planes.append(values)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    mean = np.nanmean(np.stack(planes), axis=0)
mean[np.isnan(mean)] = -9999
target = gdal.GetDriverByName("GTiff").Create(out, first.RasterXSize, first.RasterYSize, 1, gdal.GDT_Float32,
                                              ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=DEFLATE", "PREDICTOR=1"])
target.SetGeoTransform(first.GetGeoTransform())
target.SetProjection(first.GetProjection())
target.GetRasterBand(1).SetNoDataValue(-9999)
target.GetRasterBand(1).WriteArray(mean.astype(np.float32))
target = None
