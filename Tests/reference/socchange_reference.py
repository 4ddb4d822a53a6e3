"""Checks `soilmap soc-change` outputs against numpy, written from the rules in ../shared/INDICES.md.

  /opt/soilmap-venv/bin/python Tests/reference/socchange_reference.py SOC.tif RECODE.csv YEARS FACTOR TIMING STATUS.tif PERCENT.tif LC.tif...

Rules: the reference stock is the stock in the first map's year. Each year after it has a land-cover class: with
TIMING end, the latest map at or before the year; with start, the first map at or after it. When the class
changes, the stock moves by a fixed yearly step (stock - stock x Fl) / 20, from the stock at the change, for 20
years or until the next change. Fl (f = FACTOR): tree/grass -> crop f, crop -> tree/grass 1/f, crop -> wet 1/0.71,
wet -> crop 0.71, tree/grass/crop/wet -> artificial/other 0.1, artificial/other -> tree/grass/crop/wet 2, else 1.
Change % = (final - reference) / reference x 100; <= -10 degraded (1), >= 10 improved (3), else stable (2);
nodata (0; -9999 in PERCENT) where the stock is nodata or <= 0, a map is nodata or unnamed, or the first map is water.
Prints counts; exits 1 on any disagreement (percent within 1e-4 + Float32 rounding).
"""
import csv
import sys

import numpy as np
from osgeo import gdal

CLASSES = {"tree-covered": 1, "grassland": 2, "cropland": 3, "wetland": 4, "artificial": 5, "other-land": 6, "water": 7}


def read(path):
    dataset = gdal.Open(path)
    band = dataset.GetRasterBand(1)
    values = band.ReadAsArray().astype(np.float64)
    if band.GetNoDataValue() is not None:
        values[values == band.GetNoDataValue()] = np.nan
    return values


def fl_matrix(f):
    m = np.ones((8, 8))
    m[1, 3] = m[2, 3] = f
    m[3, 1] = m[3, 2] = 1 / f
    m[3, 4] = 1 / 0.71
    m[4, 3] = 0.71
    for a in (1, 2, 3, 4):
        for b in (5, 6):
            m[a, b] = 0.1
            m[b, a] = 2
    return m


def main(argv):
    soc_path, recode_path, years_text, factor, timing, status_path, percent_path = argv[:7]
    maps = argv[7:]
    years = [int(y) for y in years_text.split(",")]
    with open(recode_path, encoding="utf-8") as handle:
        rows = [line for line in handle if line.strip() and not line.startswith("#")]
    table = {int(r["value"]): CLASSES.get(r["class"], 0) or int(r["class"]) for r in csv.DictReader(rows)}
    soc = read(soc_path)
    classes = []
    for path in maps:
        values = read(path)
        c = np.zeros(values.shape, dtype=np.int64)
        for value, landClass in table.items():
            c[values == value] = landClass
        classes.append(c)
    fl = fl_matrix(float(factor))
    valid = np.isfinite(soc) & (soc > 0) & np.all([c > 0 for c in classes], axis=0) & (classes[0] != 7)
    stock = np.where(valid, soc, 1.0)
    step = np.zeros(soc.shape)
    since = np.zeros(soc.shape, dtype=np.int64)
    previous = classes[0]
    for year in range(years[0] + 1, years[-1] + 1):
        index = max(i for i, y in enumerate(years) if y <= year) if timing == "end" else min(i for i, y in enumerate(years) if y >= year)
        current = classes[index]
        changed = current != previous
        step = np.where(changed, (stock - stock * fl[previous, current]) / 20, step)
        since = np.where(changed, 1, np.where(since > 0, since + 1, 0))
        step = np.where(since > 20, 0, step)
        stock = stock - step
        previous = current
    change = (stock - np.where(valid, soc, 1.0)) / np.where(valid, soc, 1.0) * 100
    expected = np.where(valid, np.where(change <= -10, 1, np.where(change >= 10, 3, 2)), 0)
    status_set = gdal.Open(status_path)
    status = status_set.GetRasterBand(1).ReadAsArray()
    percent_set = gdal.Open(percent_path)
    percent = percent_set.GetRasterBand(1).ReadAsArray().astype(np.float64)
    failures = 0
    if (status != expected).any():
        failures += 1
        print(f"status: {(status != expected).sum()} pixels differ, first at {np.argwhere(status != expected)[0]}")
    wanted = np.where(valid, change, -9999)
    tolerance = 1e-4 + np.abs(wanted) * 2 ** -23
    if (np.abs(percent - wanted) > tolerance).any():
        failures += 1
        print(f"percent: {(np.abs(percent - wanted) > tolerance).sum()} pixels differ")
    print(f"degraded={(expected == 1).sum()} stable={(expected == 2).sum()} improved={(expected == 3).sum()} nodata={(expected == 0).sum()}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
