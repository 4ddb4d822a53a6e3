#!/usr/bin/env python3
"""Independent reference for soilmap's classification: numpy.digitize, numpy.quantile and jenkspy.

  /usr/bin/python3 Tests/reference/classify_reference.py digitize IN.tif OUT.tif --breaks a,b,c [--right]
      Class of x = numpy.digitize(x, breaks, right=RIGHT) + 1; nodata (the band's nodata or NaN) -> 0.
      Writes a Byte GeoTIFF on the input grid.
  /usr/bin/python3 Tests/reference/classify_reference.py quantile IN.tif --classes K
      Prints numpy.quantile(valid values, i/K) for i = 1..K-1, comma-separated.
  /opt/soilmap-venv/bin/python Tests/reference/classify_reference.py jenks VALUES.txt --classes K
      Prints jenkspy.jenks_breaks(values, K)[1:-1] (the largest value of each class but the last).
"""
import argparse
import sys

import numpy as np


def read_valid(path):
    from osgeo import gdal
    gdal.UseExceptions()
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    values = band.ReadAsArray().astype(np.float64)
    invalid = np.isnan(values)
    nodata = band.GetNoDataValue()
    if nodata is not None:
        invalid |= values == nodata
    return ds, values, invalid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["digitize", "quantile", "jenks"])
    parser.add_argument("input")
    parser.add_argument("output", nargs="?")
    parser.add_argument("--breaks")
    parser.add_argument("--right", action="store_true")
    parser.add_argument("--classes", type=int, default=5)
    args = parser.parse_args()

    if args.mode == "jenks":
        import jenkspy
        values = np.loadtxt(args.input, dtype=np.float64)
        breaks = jenkspy.jenks_breaks(values.tolist(), n_classes=args.classes)
        print(",".join(repr(float(b)) for b in breaks[1:-1]))
        return

    from osgeo import gdal
    ds, values, invalid = read_valid(args.input)
    if args.mode == "quantile":
        valid = values[~invalid]
        print(",".join(repr(float(np.quantile(valid, i / args.classes))) for i in range(1, args.classes)))
        return

    breaks = np.array([float(b) for b in args.breaks.split(",")])
    classes = (np.digitize(values, breaks, right=args.right) + 1).astype(np.uint8)
    classes[invalid] = 0
    driver = gdal.GetDriverByName("GTiff")
    out = driver.Create(args.output, ds.RasterXSize, ds.RasterYSize, 1, gdal.GDT_Byte)
    out.SetGeoTransform(ds.GetGeoTransform())
    out.SetProjection(ds.GetProjection())
    out.GetRasterBand(1).WriteArray(classes)
    out.GetRasterBand(1).SetNoDataValue(0)
    out = None


if __name__ == "__main__":
    sys.exit(main())
