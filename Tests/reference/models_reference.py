#!/usr/bin/env python3
"""Independent checks of `soilmap train` / `soilmap predict`, written from the published methods:
ordinary least squares (numpy.linalg.lstsq, statsmodels OLS), scikit-learn's RandomForestClassifier and KMeans.
Training cells are extracted here with GDAL's own tools (RasterizeLayer, inverse geotransform), not soilmap's code.

  models_reference.py linear MODEL.json MAP.tif POINTS FIELD RASTER[:BAND]...
  models_reference.py forest MODEL.json MAP.tif POLYGONS POINTS FIELD RASTER...
  models_reference.py kmeans MODEL.json MAP.tif RASTER...

Prints what it compared; exits 1 on a disagreement."""
import json
import sys

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()


def fail(message):
    print("MISMATCH: " + message)
    sys.exit(1)


def read_bands(specs):
    """Each RASTER[:BAND] (ROLE= prefix allowed) as float64 with NaN at nodata; the first one's grid."""
    arrays, grid = [], None
    for spec in specs:
        if "=" in spec.split(":")[0]:
            spec = spec.split("=", 1)[1]
        path, band = spec, 1
        if ":" in spec and spec.rsplit(":", 1)[1].isdigit():
            path, band = spec.rsplit(":", 1)[0], int(spec.rsplit(":", 1)[1])
        dataset = gdal.Open(path)
        raster = dataset.GetRasterBand(band)
        values = raster.ReadAsArray().astype(np.float64)
        nodata = raster.GetNoDataValue()
        if nodata is not None:
            values[values == nodata] = np.nan
        scale, offset = raster.GetScale() or 1.0, raster.GetOffset() or 0.0
        values = values * scale + offset
        arrays.append(values)
        if grid is None:
            grid = (dataset.GetGeoTransform(), dataset.RasterXSize, dataset.RasterYSize, dataset.GetProjection())
    return np.stack(arrays), grid


def read_map(path, band=1):
    dataset = gdal.Open(path)
    return dataset.GetRasterBand(band).ReadAsArray()


def transformer(layer, grid):
    source = layer.GetSpatialRef()
    target = osr.SpatialReference(wkt=grid[3])
    for srs in (source, target):
        if srs is not None:
            srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    if source is None or source.IsSame(target):
        return None
    return osr.CoordinateTransformation(source, target)


def point_cells(path, field, grid, numeric):
    """(row, column, value, fid) of each point inside the grid: the cell the point falls in."""
    transform, width, height, _ = grid
    dataset = ogr.Open(path)
    layer = dataset.GetLayer(0)
    ct = transformer(layer, grid)
    out = []
    for feature in layer:
        geometry = feature.GetGeometryRef().Clone()
        if ct is not None:
            geometry.Transform(ct)
        x, y = geometry.GetX(), geometry.GetY()
        column = int(np.floor((x - transform[0]) / transform[1]))
        row = int(np.floor((y - transform[3]) / transform[5]))
        if 0 <= column < width and 0 <= row < height:
            value = feature.GetField(field)
            out.append((row, column, float(value) if numeric else str(value), feature.GetFID()))
    return out


def polygon_cells(path, field, grid, skip_fids):
    """Cells whose centre is inside each polygon, by GDAL's rasterizer (gdal_rasterize's rule), polygon by polygon."""
    transform, width, height, wkt = grid
    dataset = ogr.Open(path)
    layer = dataset.GetLayer(0)
    rows, columns, labels, fids = [], [], [], []
    for feature in layer:
        if feature.GetFID() in skip_fids:
            continue
        memory = gdal.GetDriverByName("MEM").Create("", width, height, 1, gdal.GDT_Byte)
        memory.SetGeoTransform(transform)
        memory.SetProjection(wkt)
        vector = ogr.GetDriverByName("Memory").CreateDataSource("")
        single = vector.CreateLayer("one", layer.GetSpatialRef(), ogr.wkbPolygon)
        copy = ogr.Feature(single.GetLayerDefn())
        copy.SetGeometry(feature.GetGeometryRef().Clone())
        single.CreateFeature(copy)
        gdal.RasterizeLayer(memory, [1], single, burn_values=[1])
        mask = memory.GetRasterBand(1).ReadAsArray()
        r, c = np.nonzero(mask)
        rows += list(r)
        columns += list(c)
        labels += [str(feature.GetField(field))] * len(r)
        fids += [feature.GetFID()] * len(r)
    return np.array(rows, dtype=int), np.array(columns, dtype=int), np.array(labels), np.array(fids)


def linear(model_path, map_path, points, field, specs):
    import statsmodels.api as sm
    model = json.load(open(model_path))
    stack, grid = read_bands(specs)
    cells = point_cells(points, field, grid, numeric=True)
    X = np.array([[stack[j, r, c] for j in range(len(specs))] for r, c, _, _ in cells])
    y = np.array([v for _, _, v, _ in cells])
    keep = ~np.isnan(X).any(axis=1)
    X, y = X[keep], y[keep]
    linear = model["linear"]
    if linear["log_target"]:
        y = np.log(y)
    if model["training"]["samples"] != len(y):
        fail("samples: soilmap %d, reference %d" % (model["training"]["samples"], len(y)))
    design = np.column_stack([np.ones(len(y)), X])
    coefficients = np.linalg.lstsq(design, y, rcond=None)[0]
    ours = np.array(linear["coefficients"])
    relative = np.max(np.abs(ours - coefficients) / np.maximum(np.abs(coefficients), 1e-300))
    if relative > 1e-9:
        fail("coefficients %s vs numpy %s (relative %.3g)" % (ours, coefficients, relative))
    fit = sm.OLS(y, design).fit()
    checks = {
        "standard_errors": (np.array(linear["standard_errors"]), fit.bse),
        "t_values": (np.array(linear["t_values"]), fit.tvalues),
        "p_values": (np.array(linear["p_values"]), fit.pvalues),
        "r_squared": (linear["statistics"]["r_squared"], fit.rsquared),
        "adjusted_r_squared": (linear["statistics"]["adjusted_r_squared"], fit.rsquared_adj),
        "f_statistic": (linear["statistics"]["f_statistic"], fit.fvalue),
        "f_p_value": (linear["statistics"]["f_p_value"], fit.f_pvalue),
        "residual_standard_error": (linear["statistics"]["residual_standard_error"], np.sqrt(fit.scale)),
        "rmse": (linear["statistics"]["rmse"], np.sqrt(np.mean(fit.resid ** 2))),
    }
    for name, (a, b) in checks.items():
        a, b = np.atleast_1d(a).astype(float), np.atleast_1d(b).astype(float)
        if not np.allclose(a, b, rtol=1e-8, atol=1e-14):
            fail("%s: soilmap %s, statsmodels %s" % (name, a, b))
    cv = linear.get("cross_validation")
    if cv:
        folds = np.array(cv["fold_of_sample"])
        predicted = np.empty(len(y))
        for k in range(cv["folds"]):
            train, test = folds != k, folds == k
            b = np.linalg.lstsq(design[train], y[train], rcond=None)[0]
            predicted[test] = design[test] @ b
        rmse = np.sqrt(np.mean((y - predicted) ** 2))
        r2 = 1 - np.sum((y - predicted) ** 2) / np.sum((y - y.mean()) ** 2)
        if not (np.isclose(rmse, cv["rmse"], rtol=1e-9) and np.isclose(r2, cv["r_squared"], rtol=1e-9)):
            fail("cross-validation: soilmap rmse %r r2 %r, numpy %r %r" % (cv["rmse"], cv["r_squared"], rmse, r2))
    # The map: the model applied with numpy, in float32 as written.
    expected = coefficients[0] + np.tensordot(coefficients[1:], stack, axes=1)
    if linear["log_target"]:
        expected = np.exp(expected)
    written = read_map(map_path).astype(np.float64)
    valid = ~np.isnan(expected)
    if not np.array_equal(written == -9999, ~valid):
        fail("nodata cells differ: %d soilmap, %d numpy" % ((written == -9999).sum(), (~valid).sum()))
    error = np.max(np.abs(written[valid] - expected[valid]) / np.maximum(np.abs(expected[valid]), 1e-6))
    if error > 1e-6:
        fail("map differs from numpy's by %.3g (relative)" % error)
    print("samples=%d coefficients_relative=%.2e r2=%.6f cv_rmse=%.6f map_cells=%d map_relative=%.2e"
          % (len(y), relative, fit.rsquared, cv["rmse"] if cv else float("nan"), valid.sum(), error))


def forest(model_path, map_path, polygons, points, field, specs):
    from sklearn.ensemble import RandomForestClassifier
    model = json.load(open(model_path))
    stack, grid = read_bands(specs)
    held = set(model["training"].get("validation_plots") or [])
    rows, columns, labels, fids = polygon_cells(polygons, field, grid, held)
    X = stack[:, rows, columns].T
    keep = ~np.isnan(X).any(axis=1)
    X, labels = X[keep], labels[keep]
    if model["training"]["samples"] != len(labels):
        fail("training cells: soilmap %d, reference %d" % (model["training"]["samples"], len(labels)))
    h = model["forest"]["hyper_parameters"]
    classifier = RandomForestClassifier(n_estimators=h["trees"], max_depth=h.get("max_depth"), min_samples_split=h["min_samples_split"],
                                        min_samples_leaf=h["min_samples_leaf"], max_features=h["max_features"], bootstrap=h["bootstrap"],
                                        class_weight=None if h["class_weight"] == "none" else "balanced",
                                        random_state=h["seed"], n_jobs=2)
    classifier.fit(X, labels)
    value_of = {c["label"]: c["value"] for c in model["classes"]}
    cells = point_cells(points, field, grid, numeric=False)
    point_rows = np.array([r for r, _, _, _ in cells])
    point_columns = np.array([c for _, c, _, _ in cells])
    truth = np.array([v for _, _, v, _ in cells])
    features = stack[:, point_rows, point_columns].T
    valid = ~np.isnan(features).any(axis=1)
    written = read_map(map_path)[point_rows, point_columns]
    if np.any((written == 0) != ~valid):
        fail("the map's nodata at the points differs from where a band has no value")
    ours = np.mean(written[valid] == np.array([value_of.get(t, -1) for t in truth[valid]]))
    theirs = np.mean(classifier.predict(features[valid]) == truth[valid])
    print("training_cells=%d points=%d soilmap_accuracy=%.4f sklearn_accuracy=%.4f difference=%.4f"
          % (len(labels), valid.sum(), ours, theirs, ours - theirs))
    if abs(ours - theirs) > 0.02:
        fail("overall accuracy on the points: soilmap %.4f, scikit-learn %.4f" % (ours, theirs))


def kmeans(model_path, map_path, specs):
    from sklearn.cluster import KMeans
    model = json.load(open(model_path))
    stack, grid = read_bands(specs)
    step = model["kmeans"]["sample_step"]
    lattice = stack[:, ::step, ::step].reshape(len(specs), -1).T
    keep = ~np.isnan(lattice).any(axis=1)
    X = lattice[keep]
    if len(X) != model["kmeans"]["samples"]:
        fail("sampled cells: soilmap %d, reference %d" % (model["kmeans"]["samples"], len(X)))
    initial = np.array(model["kmeans"]["initial_centres"])
    reference = KMeans(n_clusters=len(initial), init=initial, n_init=1, max_iter=model["kmeans"]["max_iterations"], tol=0,
                       algorithm="lloyd").fit(X)
    centres = np.array(model["kmeans"]["centres"])
    if not np.allclose(centres, reference.cluster_centers_, rtol=1e-9, atol=1e-9):
        fail("centres: soilmap %s, scikit-learn %s" % (centres, reference.cluster_centers_))
    written = read_map(map_path)[::step, ::step].reshape(-1)[keep]
    values = np.array([c["value"] for c in model["classes"]])
    if not np.array_equal(written, values[reference.labels_]):
        fail("partition: %d of %d lattice cells differ" % ((written != values[reference.labels_]).sum(), len(X)))
    print("samples=%d k=%d iterations_sklearn=%d partition=identical inertia_soilmap=%.6g inertia_sklearn=%.6g"
          % (len(X), len(initial), reference.n_iter_, model["kmeans"]["inertia"], reference.inertia_))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "linear":
        linear(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:])
    elif command == "forest":
        forest(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7:])
    elif command == "kmeans":
        kmeans(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit("unknown check " + command)
