#!/usr/bin/python3
"""Tiny synthetic check of indices_reference.py's nodata handling.

Builds a 4x1, 6-band Float32 GeoTIFF (band order blue, green, red, nir, swir1, swir2,
declared nodata -1):
  pixel 0: ordinary reflectances    B .05 G .08 R .06 N .30 S1 .20 S2 .10
  pixel 1: red = nir = 0            (red+nir = 0: NDVI, NDSI, COSRI have no value;
                                     SAVI, MSAVI, BI are 0; CSRI ratio is -1 -> nodata)
  pixel 2: nir = -1 = band nodata   (every index using N is nodata; SI3, NSDS are not)
  pixel 3: nir = NaN                (same)
runs indices_reference.py on it (scale 1, then scale 0.5 / offset 0.01 to show the band
nodata is tested on the raw DN) and compares with values worked out by hand.

  /usr/bin/python3 Tests/reference/synthetic_test.py [--keep DIR]
"""

import argparse
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))
ND = -9999.0
X = None  # expected nodata

PIX = [  # B, G, R, N, S1, S2
    (0.05, 0.08, 0.06, 0.30, 0.20, 0.10),
    (0.05, 0.08, 0.00, 0.00, 0.20, 0.10),
    (0.05, 0.08, 0.06, -1.0, 0.20, 0.10),
    (0.05, 0.08, 0.06, float("nan"), 0.20, 0.10),
]


def expected(scale, offset):
    """Hand-written expectations (plain math, not the reference module)."""
    rows = {}
    for k in ("NDVI", "SAVI", "MSAVI", "NDSI", "BI", "SI14", "CSRI", "COSRI", "SI3", "NSDS", "EVI"):
        rows[k] = []
    for i, (B, G, R, N, S1, S2) in enumerate(PIX):
        nbad = (N == -1.0) or math.isnan(N)
        # the raster stores Float32: start from the float32-rounded DN, as the reader does
        B, G, R, N, S1, S2 = (float(np.float32(v)) * scale + offset for v in (B, G, R, N, S1, S2))
        def f(fn, uses_n=True):
            if uses_n and nbad:
                return X
            try:
                v = fn()
            except (ZeroDivisionError, ValueError):
                return X
            return v
        rows["NDVI"].append(f(lambda: (N - R) / (N + R)))
        rows["SAVI"].append(f(lambda: 2.0 * (N - R) / (N + R + 1.0)))
        rows["MSAVI"].append(f(lambda: 0.5 * (2 * N + 1 - math.sqrt((2 * N + 1) ** 2 - 8 * (N - R)))))
        rows["NDSI"].append(f(lambda: (R - N) / (R + N)))
        rows["BI"].append(f(lambda: math.sqrt(R * R + N * N)))
        rows["SI14"].append(f(lambda: 100 * R / N))
        rows["CSRI"].append(f(lambda: math.sqrt((R * N - G * B) / (R * N + G * B))))
        rows["COSRI"].append(f(lambda: ((B + G) / (R + N)) * ((N - R) / (N + R))))
        rows["SI3"].append(f(lambda: math.sqrt(G * G + R * R), uses_n=False))
        rows["NSDS"].append(f(lambda: (S1 - S2) / (S1 + S2), uses_n=False))
        rows["EVI"].append(f(lambda: 2.5 * (N - R) / (N + 6 * R - 7.5 * B + 1)))
    return rows


def make_input(path):
    drv = gdal.GetDriverByName("GTiff")
    ds = drv.Create(path, 4, 1, 6, gdal.GDT_Float32)
    ds.SetGeoTransform((500000.0, 30.0, 0.0, 1000000.0, 0.0, -30.0))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32648)
    ds.SetProjection(srs.ExportToWkt())
    arr = np.array(PIX, dtype=np.float32).T  # (6, 4)
    for k in range(6):
        b = ds.GetRasterBand(k + 1)
        b.SetNoDataValue(-1.0)
        b.WriteArray(arr[k].reshape(1, 4))
    ds = None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", help="write into this directory instead of a temporary one")
    a = ap.parse_args()
    d = a.keep or tempfile.mkdtemp(prefix="soilmap_synth_")
    os.makedirs(d, exist_ok=True)
    src = os.path.join(d, "synthetic_4x1.tif")
    make_input(src)
    fails = 0
    for scale, offset in ((1.0, 0.0), (0.5, 0.01)):
        out = os.path.join(d, "out_s%g_o%g" % (scale, offset))
        cmd = ["/usr/bin/python3", os.path.join(HERE, "indices_reference.py"), "--out", out,
               "--scale", repr(scale), "--offset", repr(offset)]
        for k, role in enumerate(("blue", "green", "red", "nir", "swir1", "swir2")):
            cmd += ["--band", "%s=%s:%d" % (role, src, k + 1)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        print("scale %g offset %g   (input %s, output %s)" % (scale, offset, src, out))
        print("  %-6s %-48s %-48s %s" % ("id", "reference output (p0..p3)", "expected", ""))
        for iid, exp in expected(scale, offset).items():
            ds = gdal.Open(os.path.join(out, iid + ".tif"))
            band = ds.GetRasterBand(1)
            assert band.DataType == gdal.GDT_Float32 and band.GetNoDataValue() == ND
            assert (ds.RasterXSize, ds.RasterYSize) == (4, 1)
            got = band.ReadAsArray()[0]
            ok = True
            for g, e in zip(got, exp):
                if e is None:
                    ok &= bool(g == np.float32(ND))
                else:
                    ok &= bool(g == np.float32(e))
            fails += not ok
            fmt = lambda vs: " ".join("%11s" % ("nodata" if v is None or v == ND else "%.7g" % v) for v in vs)
            print("  %-6s %-48s %-48s %s" % (iid, fmt(got), fmt(exp), "ok" if ok else "MISMATCH"))
    print("%d mismatch(es)" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
