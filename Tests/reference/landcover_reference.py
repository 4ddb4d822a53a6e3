"""Checks `soilmap landcover-change` outputs against numpy, written from the rules in ../shared/INDICES.md.

  /opt/soilmap-venv/bin/python Tests/reference/landcover_reference.py BASELINE TARGET RECODE.csv STATUS.tif
      [--matrix MATRIX.csv] [--transition-map T.tif] [--baseline-classes B.tif] [--target-classes C.tif] [--transition-table T.csv]

Rules: both maps recoded through the table (CSV value,class; classes 1 tree-covered, 2 grassland, 3 cropland,
4 wetland, 5 artificial, 6 other land, 7 water); a pixel nodata (or NaN) in either year, or with a value the table
does not name, is nodata (0); otherwise the effect is the UNCCD default matrix's entry (rows from, columns to),
written as 1 degraded, 2 stable, 3 improved; transitions from x 10 + to. Hectares: pixel counts x |pixel width x
pixel height| / 10,000 (projected grids only). Prints counts; exits 1 on any disagreement.
"""
import csv
import sys

import numpy as np
from osgeo import gdal

CLASSES = {"tree-covered": 1, "grassland": 2, "cropland": 3, "wetland": 4, "artificial": 5, "other-land": 6, "water": 7}
# UNCCD default, ../shared/INDICES.md: rows from, columns to (tree, grass, crop, wet, artificial, other, water).
DEFAULT_MATRIX = np.array([
    [0, -1, -1, -1, -1, -1, 0],
    [1, 0, 1, -1, -1, -1, 0],
    [1, -1, 0, -1, -1, -1, 0],
    [-1, -1, -1, 0, -1, -1, 0],
    [1, 1, 1, 1, 0, 1, 0],
    [1, 1, 1, 1, -1, 0, 0],
    [0, 0, 0, 0, 0, 0, 0],
])


def read(path):
    dataset = gdal.Open(path)
    band = dataset.GetRasterBand(1)
    values = band.ReadAsArray().astype(np.float64)
    nodata = band.GetNoDataValue()
    if nodata is not None:
        values[values == nodata] = np.nan
    return values, dataset.GetGeoTransform()


def recode_table(path):
    table = {}
    with open(path, encoding="utf-8") as handle:
        rows = [line for line in handle if line.strip() and not line.startswith("#")]
    for row in csv.DictReader(rows):
        name = row["class"].strip()
        table[int(row["value"])] = int(name) if name.isdigit() else CLASSES[name]
    return table


def matrix_file(path):
    with open(path, encoding="utf-8") as handle:
        rows = [r for r in csv.reader(line for line in handle if line.strip() and not line.startswith("#"))]
    rows = [r[-7:] for r in rows if all(f.strip().lstrip("+-").isdigit() for f in r[-7:])]
    return np.array([[int(f) for f in r] for r in rows])


def main(argv):
    baseline, target, recode, status_path = argv[:4]
    options = dict(zip(argv[4::2], argv[5::2]))
    matrix = matrix_file(options["--matrix"]) if "--matrix" in options else DEFAULT_MATRIX
    table = recode_table(recode)
    a, transform = read(baseline)
    b, _ = read(target)
    def lookup(values):
        classes = np.zeros(values.shape, dtype=np.int64)
        for value, landClass in table.items():
            classes[values == value] = landClass  # NaN equals nothing; 1.5 equals no whole value
        return classes

    from_class, to_class = lookup(a), lookup(b)
    valid = (from_class > 0) & (to_class > 0)
    expected = np.zeros(a.shape, dtype=np.int64)
    expected[valid] = matrix[from_class[valid] - 1, to_class[valid] - 1] + 2
    failures = 0

    def compare(name, path, wanted):
        nonlocal failures
        dataset = gdal.Open(path)
        got = dataset.GetRasterBand(1).ReadAsArray().astype(np.int64)
        bad = int((got != wanted).sum())
        if bad:
            failures += 1
            print(f"{name}: {bad} pixels differ, first at {np.argwhere(got != wanted)[0]}")

    compare("status", status_path, expected)
    if "--transition-map" in options:
        compare("transitions", options["--transition-map"], np.where(valid, from_class * 10 + to_class, 0))
    if "--baseline-classes" in options:
        compare("baseline classes", options["--baseline-classes"], from_class)
    if "--target-classes" in options:
        compare("target classes", options["--target-classes"], to_class)
    if "--transition-table" in options:
        cell = abs(transform[1] * transform[5]) / 10000
        with open(options["--transition-table"], encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        for f in range(1, 8):
            row = rows[f]
            for t in range(1, 8):
                wanted = float(((from_class == f) & (to_class == t)).sum()) * cell
                if abs(float(row[1 + t]) - wanted) > 1e-9 * max(1.0, wanted):
                    failures += 1
                    print(f"table {f}->{t}: {row[1 + t]} ha, numpy {wanted}")
        nodata = float((~valid).sum()) * cell
        if abs(float(rows[9][-1]) - nodata) > 1e-9 * max(1.0, nodata):
            failures += 1
            print(f"table no data: {rows[9][-1]} ha, numpy {nodata}")
        total = float(rows[8][-1]) + float(rows[9][-1])
        if abs(total - a.size * cell) > 1e-9 * a.size * cell:
            failures += 1
            print(f"table total {total} ha, grid {a.size * cell}")
    counts = {"degraded": int((expected == 1).sum()), "stable": int((expected == 2).sum()),
              "improved": int((expected == 3).sum()), "nodata": int((expected == 0).sum()),
              "changed": int((valid & (from_class != to_class)).sum())}
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
