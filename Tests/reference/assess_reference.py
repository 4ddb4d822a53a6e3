"""Independent check of `soilmap assess`: recomputes its CSV from the map and the reference points.

    assess_reference.py MAP.tif POINTS FIELD SOILMAP.csv

- places the points on the map's grid with GDAL/OSR (transformed to the map's CRS, cell = floor of the pixel
  position), leaves out points outside the map or on nodata, and turns the field into class codes (a code of the
  map, or one of its category names, case ignored);
- the error matrix, overall accuracy, kappa, precision (user's accuracy), recall (producer's accuracy from counts)
  and F1 with scikit-learn (confusion_matrix, accuracy_score, cohen_kappa_score, precision_recall_fscore_support);
- the map's class areas with numpy over the whole band (nodata left out) x the cell area (projected grids);
- the stratified estimators written here from Olofsson et al. (2014), Remote Sensing of Environment 148:42-57,
  Eqs. 1-7 and 9-11, with z = 1.96.
Prints one line per disagreement and exits 1 if there is any; prints "ok N" (N units compared) otherwise.
"""
import csv
import math
import sys

import numpy as np
from osgeo import gdal, ogr, osr
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

map_path, points_path, field, table_path = sys.argv[1:5]

dataset = gdal.Open(map_path)
band = dataset.GetRasterBand(1)
values = band.ReadAsArray().astype(np.int64)
nodata = band.GetNoDataValue()
valid = np.ones(values.shape, bool) if nodata is None else values != int(nodata)
gt = dataset.GetGeoTransform()
names = {i: n for i, n in enumerate(band.GetCategoryNames() or []) if n.strip()}
code_of_name = {}
for code, name in sorted(names.items()):
    code_of_name.setdefault(name.lower(), code)
present, cell_counts = np.unique(values[valid], return_counts=True)
map_srs = osr.SpatialReference(wkt=dataset.GetProjection())
map_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
cell_ha = abs(gt[1] * gt[5]) * map_srs.GetLinearUnits() ** 2 / 10_000

source = ogr.Open(points_path)
layer = source.GetLayer(0)
layer_srs = layer.GetSpatialRef()
layer_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
transform = None if layer_srs.IsSame(map_srs) else osr.CoordinateTransformation(layer_srs, map_srs)
known = set(present.tolist()) | set(names)
map_labels, reference_labels = [], []
for feature in layer:
    label = feature.GetField(field)
    if label is None or str(label).strip() == "":
        continue
    text = str(label).strip()
    if isinstance(label, float) and label == int(label):
        text = str(int(label))
    code = int(text) if text.lstrip("-").isdigit() and int(text) in known else code_of_name.get(text.lower())
    assert code is not None, f"unknown class {text!r}"
    x, y = feature.GetGeometryRef().GetX(), feature.GetGeometryRef().GetY()
    if transform is not None:
        x, y, _ = transform.TransformPoint(x, y)
    column, row = math.floor((x - gt[0]) / gt[1]), math.floor((y - gt[3]) / gt[5])
    if not (0 <= column < values.shape[1] and 0 <= row < values.shape[0]) or not valid[row, column]:
        continue
    map_labels.append(int(values[row, column]))
    reference_labels.append(code)
map_labels, reference_labels = np.array(map_labels), np.array(reference_labels)
classes = sorted(set(present.tolist()) | set(reference_labels.tolist()))
k = len(classes)

# scikit-learn: y_true = reference, y_pred = map; its matrix has reference rows, ours map rows.
counts = confusion_matrix(reference_labels, map_labels, labels=classes).T
precision, recall, f1, _ = precision_recall_fscore_support(reference_labels, map_labels, labels=classes, zero_division=np.nan)
overall_sample = accuracy_score(reference_labels, map_labels)
kappa = cohen_kappa_score(reference_labels, map_labels, labels=classes)

# Olofsson et al. (2014).
area = np.array([cell_counts[present.tolist().index(c)] * cell_ha if c in present else 0.0 for c in classes])
total_area = area.sum()
W = area / total_area
n_i = counts.sum(axis=1).astype(float)
sampled = n_i > 0
all_sampled = bool(np.all(sampled | (area == 0)))
share = np.where(sampled[:, None], counts / np.where(sampled, n_i, 1)[:, None], 0.0)   # n_ij / n_i.
p = W[:, None] * share                                                               # Eq. 4
variance_ok = bool(np.all((n_i > 1) | (area == 0)))
den = np.where(n_i > 1, n_i - 1, np.inf)
users = np.where(sampled, np.diag(counts) / np.where(sampled, n_i, 1), np.nan)       # Eq. 2
users_ci = np.where(n_i > 1, 1.96 * np.sqrt(users * (1 - users) / den), np.nan)      # Eq. 6
overall = np.trace(p)                                                                # Eq. 1
overall_ci = 1.96 * math.sqrt(np.nansum(W ** 2 * users * (1 - users) / den))         # Eq. 5
column = p.sum(axis=0)
producers = np.diag(p) / np.where(column > 0, column, np.nan)                        # Eq. 3
N_hat = (area[:, None] * share).sum(axis=0)
producers_ci = np.full(k, np.nan)
for j in range(k):
    if column[j] <= 0:
        continue
    term = area[j] ** 2 * (1 - producers[j]) ** 2 * users[j] * (1 - users[j]) / den[j] if n_i[j] > 1 else 0.0
    others = sum(area[i] ** 2 * share[i, j] * (1 - share[i, j]) / den[i] for i in range(k) if i != j and n_i[i] > 1)
    producers_ci[j] = 1.96 * math.sqrt((term + producers[j] ** 2 * others) / N_hat[j] ** 2)   # Eq. 7
area_hat = total_area * column                                                       # Eq. 9-10
area_ci = 1.96 * total_area * np.sqrt((W[:, None] ** 2 * share * (1 - share) / den[:, None]).sum(axis=0))  # Eq. 11

with open(table_path, newline="", encoding="utf-8") as handle:
    rows = list(csv.DictReader(handle))
problems = []


def compare(what, got, expected, tolerance=1e-9):
    expected_missing = expected is None or (isinstance(expected, float) and math.isnan(expected))
    if got == "" or expected_missing:
        if not (got == "" and expected_missing):
            problems.append(f"{what}: soilmap {got!r}, reference {expected!r}")
        return
    if abs(float(got) - float(expected)) > tolerance * max(1.0, abs(float(expected))):
        problems.append(f"{what}: soilmap {got}, reference {expected!r}")


if [r["class"] for r in rows] != [str(c) for c in classes] + ["all"]:
    problems.append(f"classes: soilmap {[r['class'] for r in rows]}, reference {classes}")
else:
    for i, c in enumerate(classes):
        r = rows[i]
        for j, d in enumerate(classes):
            compare(f"count map {c} reference {d}", r[f"ref_{d}"], int(counts[i, j]), 0)
        compare(f"samples {c}", r["samples"], int(n_i[i]), 0)
        compare(f"map_ha {c}", r["map_ha"], area[i])
        compare(f"users_accuracy {c} (precision)", r["users_accuracy"], precision[i])
        compare(f"users_accuracy {c}", r["users_accuracy"], users[i])
        compare(f"users_accuracy_ci95 {c}", r["users_accuracy_ci95"], users_ci[i] if sampled[i] else None)
        compare(f"sample_producers_accuracy {c} (recall)", r["sample_producers_accuracy"], recall[i])
        compare(f"f1 {c}", r["f1"], f1[i])
        if all_sampled:
            compare(f"producers_accuracy {c}", r["producers_accuracy"], producers[i])
            compare(f"producers_accuracy_ci95 {c}", r["producers_accuracy_ci95"], producers_ci[i] if variance_ok else None)
            compare(f"area_ha {c}", r["area_ha"], area_hat[i])
            compare(f"area_ci95_ha {c}", r["area_ci95_ha"], area_ci[i] if variance_ok else None)
    total = rows[-1]
    compare("samples all", total["samples"], len(map_labels), 0)
    compare("map_ha all", total["map_ha"], total_area)
    compare("sample_overall_accuracy", total["sample_overall_accuracy"], overall_sample)
    compare("kappa", total["kappa"], kappa)
    if all_sampled:
        compare("overall_accuracy", total["overall_accuracy"], overall)
        compare("overall_accuracy_ci95", total["overall_accuracy_ci95"], overall_ci if variance_ok else None)
for line in problems:
    print(line)
if problems:
    sys.exit(1)
print(f"ok {len(map_labels)}")
