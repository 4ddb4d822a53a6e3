"""NDVI of red (band 3 of a stack) and a nir band on another grid or CRS, with nir warped onto red's grid by
GDAL's own gdalwarp (the given resampling), written as Float32 with nodata -9999 where nir has no value.

usage: aligned_ndvi_reference.py STACK NIR RESAMPLING OUT.tif
"""
import subprocess
import sys
import tempfile

import numpy as np
from osgeo import gdal

stack, nir_path, resampling, out = sys.argv[1:5]
red_ds = gdal.Open(stack)
gt = red_ds.GetGeoTransform()
width, height = red_ds.RasterXSize, red_ds.RasterYSize
te = [gt[0], gt[3] + height * gt[5], gt[0] + width * gt[1], gt[3]]
with tempfile.TemporaryDirectory() as tmp:
    warped = tmp + "/nir.tif"
    # Byte output, as the source band: GDAL's warper rounds its result to it. The alpha band marks the cells
    # the source covers.
    subprocess.run(["gdalwarp", "-q", "-et", "0", "-r", resampling, "-t_srs", red_ds.GetProjection(),
                    "-te", *map(repr, te), "-ts", str(width), str(height),
                    "-ot", "Byte", "-dstalpha", nir_path, warped], check=True)
    warped_ds = gdal.Open(warped)
    covered = warped_ds.GetRasterBand(2).ReadAsArray() > 0
    nir = np.where(covered, warped_ds.GetRasterBand(1).ReadAsArray().astype(np.float64), np.nan)
    warped_ds = None
red = red_ds.GetRasterBand(3).ReadAsArray().astype(np.float64)
with np.errstate(invalid="ignore", divide="ignore"):
    ndvi = (nir - red) / (nir + red)
ndvi = np.where(np.isfinite(ndvi), ndvi, -9999).astype(np.float32)
driver = gdal.GetDriverByName("GTiff")
result = driver.Create(out, width, height, 1, gdal.GDT_Float32)
result.SetGeoTransform(gt)
result.SetProjection(red_ds.GetProjection())
result.GetRasterBand(1).WriteArray(ndvi)
result.GetRasterBand(1).SetNoDataValue(-9999)
result = None
