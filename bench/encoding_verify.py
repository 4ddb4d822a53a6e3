#!/usr/bin/python3
"""encoding_verify.py REF CANDIDATE: bit-exact comparison of band 1 (as raw 32-bit words, so NaN/-0.0/-9999
all count), plus data type, size and nodata. Prints: identical(yes/no) \\t differing pixels \\t max |diff| of valid
pixels \\t nodata of candidate."""
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
ref, cand = gdal.Open(sys.argv[1]), gdal.Open(sys.argv[2])
rb, cb = ref.GetRasterBand(1), cand.GetRasterBand(1)
assert (ref.RasterXSize, ref.RasterYSize) == (cand.RasterXSize, cand.RasterYSize), "size differs"
same_type = rb.DataType == cb.DataType
w, h = ref.RasterXSize, ref.RasterYSize
ndiff, maxerr = 0, 0.0
for y in range(0, h, 512):
    n = min(512, h - y)
    a = rb.ReadAsArray(0, y, w, n)
    b = cb.ReadAsArray(0, y, w, n)
    d = a.view(np.uint32) != b.view(np.uint32)
    k = int(d.sum())
    if k:
        ndiff += k
        valid = d & (a != -9999)
        if valid.any():
            maxerr = max(maxerr, float(np.abs(a[valid].astype(np.float64) - b[valid]).max()))
ok = ndiff == 0 and same_type and rb.GetNoDataValue() == cb.GetNoDataValue()
print(f"{'yes' if ok else 'no'}\t{ndiff}\t{maxerr:.3g}\t{cb.GetNoDataValue()}")
