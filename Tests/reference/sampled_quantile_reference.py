"""numpy.quantile breaks of a raster, over all its valid pixels and over GDAL's nearest-neighbour decimation of it
to BUF_W x BUF_H, plus where each sample break falls among all the pixels (share below it, share at or below it).

usage: sampled_quantile_reference.py IN.tif CLASSES BUF_W BUF_H   (prints JSON)
"""
import json
import sys

import numpy as np
from osgeo import gdal

path, classes, buf_w, buf_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
dataset = gdal.Open(path)
band = dataset.GetRasterBand(1)
nodata = band.GetNoDataValue()


def valid(array):
    values = array.ravel().astype(np.float64)
    return values[~np.isnan(values) & (values != nodata)]


everything = valid(band.ReadAsArray())
sample = valid(band.ReadAsArray(buf_xsize=buf_w, buf_ysize=buf_h))  # nearest neighbour by default
levels = [i / classes for i in range(1, classes)]
sample_breaks = [float(v) for v in np.quantile(sample, levels)]
print(json.dumps({
    "pixels": int(everything.size),
    "samplePixels": int(sample.size),
    "all": [float(v) for v in np.quantile(everything, levels)],
    "sample": sample_breaks,
    "shareBelow": [float((everything < v).mean()) for v in sample_breaks],
    "shareAtOrBelow": [float((everything <= v).mean()) for v in sample_breaks],
}))
