#!/usr/bin/env python3
"""Independent references for `soilmap sample` and `soilmap grid` (Tests/SoilMapTests/SurveyTests.swift).

Each case builds its inputs from the real samples, runs soilmap (path given), runs the reference (GDAL's own
tools, numpy written from the published method, PyKrige, R gstat) and compares. Prints one summary line of
counts, and exits 1 with the first differences when they disagree.

  survey_reference.py sample WORKDIR SOILMAP REPO
  survey_reference.py gdal-grid WORKDIR SOILMAP REPO
  survey_reference.py pykrige WORKDIR SOILMAP REPO
  survey_reference.py loo WORKDIR SOILMAP REPO
  survey_reference.py gstat-fit WORKDIR SOILMAP REPO
  survey_reference.py jura WORKDIR SOILMAP REPO
"""
import csv
import os
import subprocess
import sys

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
failures = []


def fail(message):
    failures.append(message)


def soilmap(binary, *arguments):
    result = subprocess.run([binary, *arguments, "-q"], capture_output=True, text=True)
    if result.returncode != 0:
        print(f"soilmap {' '.join(arguments)} failed: {result.stderr}", file=sys.stderr)
        sys.exit(2)
    return result


def srs(definition):
    reference = osr.SpatialReference()
    reference.SetFromUserInput(definition)
    reference.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return reference


def transform(xs, ys, source, target):
    transformation = osr.CoordinateTransformation(source, target)
    out = transformation.TransformPoints(list(zip(xs, ys)))
    return np.array([p[0] for p in out]), np.array([p[1] for p in out])


def read_csv(path):
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def meuse(repo):
    rows = read_csv(os.path.join(repo, "samples/meuse/meuse.txt"))
    return rows, np.array([float(r["x"]) for r in rows]), np.array([float(r["y"]) for r in rows])


# ---------------------------------------------------------------------------------------------------------- sample

def gdallocationinfo(raster, xs, ys, band_count):
    """Nearest values with gdallocationinfo -valonly -geoloc (points in the raster's CRS); None off the raster."""
    text = "".join(f"{x!r} {y!r}\n" for x, y in zip(xs, ys))
    result = subprocess.run(["gdallocationinfo", "-valonly", "-geoloc", raster], input=text, capture_output=True, text=True)
    lines = result.stdout.split("\n")
    values, position = [], 0
    for _ in xs:
        if lines[position] == "":  # off this file: one empty line
            values.append(None)
            position += 1
        else:
            values.append([float(v) for v in lines[position:position + band_count]])
            position += band_count
    return values


def bilinear(raster, xs, ys):
    """Bilinear between the four cell centres around each point; neighbours outside the raster or nodata are left
    out and the other weights renormalised; points outside the raster give None."""
    dataset = gdal.Open(raster)
    gt = dataset.GetGeoTransform()
    bands = [dataset.GetRasterBand(b + 1) for b in range(dataset.RasterCount)]
    arrays = [b.ReadAsArray().astype(np.float64) for b in bands]
    nodata = [b.GetNoDataValue() for b in bands]
    height, width = arrays[0].shape
    out = []
    for x, y in zip(xs, ys):
        column = (x - gt[0]) / gt[1]
        row = (y - gt[3]) / gt[5]
        if not (0 <= column < width and 0 <= row < height):
            out.append(None)
            continue
        u, v = column - 0.5, row - 0.5
        left, top = int(np.floor(u)), int(np.floor(v))
        fx, fy = u - left, v - top
        point = []
        for array, nd in zip(arrays, nodata):
            total = weights = 0.0
            for dx, dy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
                c, r = left + dx, top + dy
                if w <= 0 or not (0 <= c < width and 0 <= r < height):
                    continue
                value = array[r, c]
                if np.isnan(value) or (nd is not None and value == nd):
                    continue
                total += w * value
                weights += w
            point.append(total / weights if weights > 0 else None)
        out.append(point)
    return out


def compare_sample(name, output, columns, expected, nodata):
    rows = read_csv(output)
    compared = empty = 0
    for index, row in enumerate(rows):
        for band, column in enumerate(columns):
            text = row[column]
            want = None if expected[index] is None else expected[index][band]
            if want is not None and nodata[band] is not None and want == nodata[band]:
                want = None
            if want is None:
                empty += 1
                if text != "":
                    fail(f"{name}: point {index + 1} {column}: soilmap {text}, expected empty")
                continue
            compared += 1
            if text == "" or abs(float(text) - want) > 1e-9 * max(1.0, abs(want)):
                fail(f"{name}: point {index + 1} {column}: soilmap {text!r}, reference {want!r}")
    return compared, empty


def case_sample(work, binary, repo):
    rng = np.random.default_rng(20261202)
    landsat = os.path.join(repo, "samples/olinda/L7_ETMs.tif")
    dem = os.path.join(repo, "samples/olinda/olinda_dem_utm25s.tif")
    wgs84 = srs("EPSG:4326")
    # 400 points over the Landsat scene and a little beyond, given in lon/lat, with UTF-8 names.
    dataset = gdal.Open(landsat)
    gt = dataset.GetGeoTransform()
    columns = rng.uniform(-10, dataset.RasterXSize + 10, 400)
    rows = rng.uniform(-10, dataset.RasterYSize + 10, 400)
    xs, ys = gt[0] + columns * gt[1], gt[3] + rows * gt[5]
    lons, lats = transform(xs, ys, srs(dataset.GetProjection()), wgs84)
    points = os.path.join(work, "olinda_points.gpkg")
    driver = ogr.GetDriverByName("GPKG")
    source = driver.CreateDataSource(points)
    layer = source.CreateLayer("points", wgs84, ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("id", ogr.OFTInteger))
    layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    for index, (lon, lat) in enumerate(zip(lons, lats)):
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("id", index + 1)
        feature.SetField("name", f"Điểm đo số {index + 1}, xã Hòa Bình")
        geometry = ogr.Geometry(ogr.wkbPoint)
        geometry.AddPoint_2D(float(lon), float(lat))
        feature.SetGeometry(geometry)
        layer.CreateFeature(feature)
    source = None

    # Meuse: a zinc surface with nodata holes, in RD New; the points given in lon/lat in a CSV.
    meuse_raster = os.path.join(work, "meuse_zinc.tif")
    subprocess.run(["gdal_grid", "-q", "-of", "GTiff", "-ot", "Float32", "-zfield", "zinc", "-a_srs", "EPSG:28992",
                    "-a", "average:radius1=150:radius2=150:nodata=-1", "-txe", "178600", "181600", "-tye", "333700", "329700",
                    "-outsize", "75", "100", "-co", "TILED=YES", "-co", "BLOCKXSIZE=16", "-co", "BLOCKYSIZE=16",
                    meuse_vrt(work, repo), meuse_raster], check=True)
    updated = gdal.Open(meuse_raster, gdal.GA_Update)
    updated.GetRasterBand(1).SetNoDataValue(-1)
    updated = None
    meuse_rows, mx, my = meuse(repo)
    mlon, mlat = transform(mx, my, srs("EPSG:28992"), wgs84)
    meuse_points = os.path.join(work, "meuse_lonlat.csv")
    with open(meuse_points, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["lon", "lat", "zinc", "landuse"])
        for lon, lat, row in zip(mlon, mlat, meuse_rows):
            writer.writerow([repr(float(lon)), repr(float(lat)), row["zinc"], row["landuse"]])

    counts = {"compared": 0, "empty": 0}
    cases = [("olinda", points, [], [(landsat, "L7_ETMs"), (dem, "olinda_dem_utm25s")], (xs, ys, dataset.GetProjection())),
             ("meuse", meuse_points, ["--points-crs", "EPSG:4326"], [(meuse_raster, "meuse_zinc")], None)]
    for name, point_path, extra, rasters, _ in cases:
        for method in ("nearest", "bilinear"):
            output = os.path.join(work, f"{name}_{method}.csv")
            soilmap(binary, "sample", *[r for r, _ in rasters], "--points", point_path, *extra, "--method", method, "-o", output)
            table = read_csv(output)
            if name == "olinda" and (table[0]["name"] != "Điểm đo số 1, xã Hòa Bình" or table[399]["id"] != "400"):
                fail(f"{name}: attributes not kept: {table[0]}")
            for raster, stem in rasters:
                ds = gdal.Open(raster)
                count = ds.RasterCount
                nodata = [ds.GetRasterBand(b + 1).GetNoDataValue() for b in range(count)]
                target = srs(ds.GetProjection())
                if name == "olinda":
                    px, py = transform(lons, lats, wgs84, target)
                else:
                    px, py = transform(mlon, mlat, wgs84, target)
                expected = gdallocationinfo(raster, px, py, count) if method == "nearest" else bilinear(raster, px, py)
                compared, empty = compare_sample(f"{name} {method} {stem}", output, [f"{stem}_b{b + 1}" for b in range(count)], expected, nodata)
                counts["compared"] += compared
                counts["empty"] += empty
    print(" ".join(f"{k}={v}" for k, v in counts.items()))


# ------------------------------------------------------------------------------------------------------- gdal_grid

GRID = ["--te", "178600", "329700", "181600", "333700", "--tr", "40", "40"]


def read_grid(path, band=1):
    dataset = gdal.Open(path)
    gt = dataset.GetGeoTransform()
    array = dataset.GetRasterBand(band).ReadAsArray().astype(np.float64)
    if gt[5] > 0:  # a south-up grid: flip to north-up
        array = array[::-1, :]
    return array, dataset.GetRasterBand(band).GetNoDataValue()


def meuse_zinc_both(binary, work, repo, algorithm, grid, environment, ours, theirs):
    """Meuse zinc gridded by soilmap and by gdal_grid (exact mode) with the same algorithm string on the same
    75 x 100 grid: (soilmap's values, soilmap's declared nodata, gdal_grid's values)."""
    points = os.path.join(repo, "samples/meuse/meuse.txt")
    soilmap(binary, "grid", points, "--points-crs", "EPSG:28992", "--field", "zinc", "--algorithm", algorithm, *grid, "--ot", "Float64", "-o", ours)
    subprocess.run(["gdal_grid", "-q", "-ot", "Float64", "-zfield", "zinc", "-a", algorithm, "-txe", "178603.3", "181603.3",
                    "-tye", "333701.7", "329701.7", "-outsize", "75", "100", meuse_vrt(work, repo), theirs], check=True, env=environment, capture_output=True)
    a, nodata = read_grid(ours)
    b, _ = read_grid(theirs)
    return a, nodata, b


def meuse_vrt(work, repo):
    """The Meuse CSV as a point layer for GDAL 3.6's gdal_grid (it has no -oo)."""
    path = os.path.join(work, "meuse.vrt")
    with open(path, "w") as handle:
        handle.write(f"""<OGRVRTDataSource><OGRVRTLayer name="meuse">
<SrcDataSource>CSV:{os.path.join(repo, 'samples/meuse/meuse.txt')}</SrcDataSource><SrcLayer>meuse</SrcLayer>
<GeometryType>wkbPoint</GeometryType><LayerSRS>EPSG:28992</LayerSRS>
<GeometryField encoding="PointFromColumns" x="x" y="y"/>
<Field name="zinc" type="Real"/></OGRVRTLayer></OGRVRTDataSource>""")
    return path


def case_gdal_grid(work, binary, repo):
    algorithms = [
        "invdist:power=2:nodata=-9999",
        "invdist:power=3:smoothing=25:nodata=-9999",
        "invdist:power=2:radius1=600:radius2=350:angle=30:min_points=3:nodata=-9999",
        "invdistnn:power=2:radius=500:max_points=12:min_points=2:nodata=-9999",
        "invdistnn:power=2.5:smoothing=10:radius=800:max_points=5:nodata=-9999",
        "average:radius1=400:radius2=250:angle=20:min_points=2:nodata=-9999",
        "average:radius1=300:radius2=300:nodata=-9999",
        "nearest:nodata=-9999",
        "nearest:radius1=200:radius2=120:angle=45:nodata=-9999",
    ]
    # An origin off the survey's whole-metre coordinates: no cell centre is at exactly the same distance from
    # two points, where gdal_grid's choice among equals follows its quadtree's order.
    grid = ["--te", "178603.3", "329701.7", "181603.3", "333701.7", "--tr", "40", "40"]
    environment = dict(os.environ, GDAL_USE_AVX="NO", GDAL_USE_SSE="NO", GDAL_GRID_POINT_COUNT_THRESHOLD="100000000")
    points = os.path.join(repo, "samples/meuse/meuse.txt")
    report = []
    for index, algorithm in enumerate(algorithms):
        ours = os.path.join(work, f"grid{index}.tif")
        theirs = os.path.join(work, f"gdal{index}.tif")
        a, nodata, b = meuse_zinc_both(binary, work, repo, algorithm, grid, environment, ours, theirs)
        if nodata != -9999:
            fail(f"{algorithm}: nodata {nodata} not declared as -9999")
        if a.shape != b.shape:
            fail(f"{algorithm}: shape {a.shape} vs gdal_grid {b.shape}")
            continue
        same_nodata = (a == -9999) == (b == -9999)
        valid = (a != -9999) & (b != -9999)
        difference = np.abs(a - b)[valid]
        relative = difference / np.maximum(1.0, np.abs(b[valid]))
        worst = float(relative.max()) if relative.size else 0.0
        report.append(f"{algorithm.split(':')[0]}#{index}:cells={int(valid.sum())},nodata={int((a == -9999).sum())},max_rel={worst:.2e}")
        if not same_nodata.all():
            rows, cols = np.nonzero(~same_nodata)
            fail(f"{algorithm}: {len(rows)} cells nodata in one only, e.g. row {rows[0]} col {cols[0]}: soilmap {a[rows[0], cols[0]]} gdal_grid {b[rows[0], cols[0]]}")
        if worst > 1e-9:
            position = np.unravel_index(np.argmax(np.where(valid, np.abs(a - b) / np.maximum(1.0, np.abs(b)), -1)), a.shape)
            fail(f"{algorithm}: max relative difference {worst:.3e} at {position}: soilmap {a[position]} gdal_grid {b[position]}")
    # invdist with max_points: gdal_grid takes the first max_points + 1 points of the ellipse in file (or quadtree)
    # order; soilmap takes the max_points closest ones (README). Checked against numpy instead.
    rows, x, y = meuse(repo)
    z = np.array([float(r["zinc"]) for r in rows])
    algorithm = "invdist:power=1.5:radius1=500:radius2=300:angle=60:max_points=8:min_points=2:nodata=-9999"
    ours = os.path.join(work, "grid_max_points.tif")
    soilmap(binary, "grid", points, "--points-crs", "EPSG:28992", "--field", "zinc", "--algorithm", algorithm, *grid, "--ot", "Float64", "-o", ours)
    a, _ = read_grid(ours)
    angle = np.radians(60)
    expected = np.full(a.shape, -9999.0)
    for row in range(a.shape[0]):
        for column in range(a.shape[1]):
            cx, cy = 178603.3 + 40 * (column + 0.5), 333701.7 - 40 * (row + 0.5)
            dx, dy = x - cx, y - cy
            rx, ry = dx * np.cos(angle) + dy * np.sin(angle), dy * np.cos(angle) - dx * np.sin(angle)
            inside = np.nonzero((rx / 500) ** 2 + (ry / 300) ** 2 <= 1)[0]
            if len(inside) < 2:
                continue
            d2 = dx[inside] ** 2 + dy[inside] ** 2
            closest = inside[np.lexsort((inside, d2))][:8]
            w = 1 / (dx[closest] ** 2 + dy[closest] ** 2) ** 0.75
            expected[row, column] = np.sum(w * z[closest]) / np.sum(w)
    worst = float(np.max(np.abs(a - expected) / np.maximum(1, np.abs(expected))))
    if worst > 1e-9:
        fail(f"{algorithm}: differs from numpy's closest-points rule by {worst:.2e}")
    report.append(f"invdist-max_points(numpy):nodata={int((expected == -9999).sum())},max_rel={worst:.1e}")
    report += linear_against_gdal_grid(work, binary, repo, grid, environment)
    print(" ".join(report))


def linear_against_gdal_grid(work, binary, repo, grid, environment):
    """`linear`: inside the convex hull gdal_grid's own barycentric values (GDAL's Delaunay triangulation), cell
    by cell; `radius=0` is gdal_grid's map in full (nodata outside the hull). Outside the hull soilmap takes the
    exact nearest point within radius (any distance by default), checked against numpy; GDAL 3.6's gdal_grid takes
    the nearest of the points in the first non-empty square it searches (a square of half-side `radius`, or squares
    doubling from sqrt(area / n) by default), which is not always the nearest: that rule is checked too, so the
    README's account of the difference is a tested fact."""
    rows, x, y = meuse(repo)
    z = np.array([float(r["zinc"]) for r in rows])
    report = []
    hull = None
    for radius in (0, -1, 150, 1000):
        algorithm = "linear:nodata=-9999" if radius == -1 else f"linear:radius={radius}:nodata=-9999"
        ours = os.path.join(work, f"linear{radius}.tif")
        theirs = os.path.join(work, f"gdal_linear{radius}.tif")
        a, nodata, b = meuse_zinc_both(binary, work, repo, algorithm, grid, environment, ours, theirs)
        if nodata != -9999:
            fail(f"{algorithm}: nodata {nodata} not declared")
        if radius == 0:
            hull = b != -9999
            if not ((a == -9999) == (b == -9999)).all():
                fail(f"{algorithm}: {int(((a == -9999) != (b == -9999)).sum())} cells nodata in one only")
        inside = hull
        difference = np.abs(a - b)[inside] / np.maximum(1.0, np.abs(b[inside]))
        worst = float(difference.max())
        if worst > 1e-9:
            fail(f"{algorithm}: inside the hull differs from gdal_grid by {worst:.2e}")
        exact_misses = square_misses = 0
        if radius != 0:
            s0 = np.sqrt((x.max() - x.min()) * (y.max() - y.min()) / len(x))
            for row, column in np.argwhere(~hull):
                cx, cy = 178603.3 + 40 * (column + 0.5), 333701.7 - 40 * (row + 0.5)
                d2 = (x - cx) ** 2 + (y - cy) ** 2
                within = np.nonzero(d2 <= radius * radius)[0] if radius > 0 else np.arange(len(x))
                exact = z[within[np.argmin(d2[within])]] if len(within) else -9999.0
                if a[row, column] != exact:
                    exact_misses += 1
                half = radius if radius > 0 else s0
                while True:
                    square = np.nonzero((np.abs(x - cx) <= half) & (np.abs(y - cy) <= half))[0]
                    if len(square) or radius > 0:
                        break
                    half *= 2
                model = z[square[np.argmin(d2[square])]] if len(square) else -9999.0
                if b[row, column] != model:
                    square_misses += 1
            if exact_misses:
                fail(f"{algorithm}: {exact_misses} cells outside the hull are not the nearest point within the radius")
            if square_misses:
                fail(f"{algorithm}: gdal_grid's outside-hull values do not follow the square-search rule in {square_misses} cells")
        outside_differ = int((a != b)[~hull].sum())
        report.append(f"linear:radius={radius}:hull_cells={int(hull.sum())},max_rel={worst:.1e},outside_cells={int((~hull).sum())},gdal_grid_differs_outside={outside_differ}")
    return report


# --------------------------------------------------------------------------------------------------------- PyKrige

def case_pykrige(work, binary, repo):
    from pykrige.ok import OrdinaryKriging

    rows, x, y = meuse(repo)
    z = np.array([float(r["zinc"]) for r in rows])
    # The offset grid of the gdal_grid case: no ties in distance for the k closest points.
    gridx = 178603.3 + 40 * (np.arange(75) + 0.5)
    gridy = 333701.7 - 40 * (np.arange(100) + 0.5)
    grid = ["--te", "178603.3", "329701.7", "181603.3", "333701.7", "--tr", "40", "40"]
    cases = [("spherical", 150000, 900, 20000, 0), ("spherical", 150000, 900, 20000, 16),
             ("exponential", 160000, 1200, 10000, 0), ("gaussian", 140000, 800, 25000, 12)]
    report = []
    for model, sill, range_, nugget, closest in cases:
        algorithm = f"kriging:model={model}:sill={sill}:range={range_}:nugget={nugget}:max_points={closest}:nodata=-9999"
        ours = os.path.join(work, f"ok_{model}_{closest}.tif")
        soilmap(binary, "grid", os.path.join(repo, "samples/meuse/meuse.txt"), "--points-crs", "EPSG:28992", "--field", "zinc",
                "--algorithm", algorithm, *grid, "--ot", "Float64", "-o", ours)
        value, _ = read_grid(ours, 1)
        variance, _ = read_grid(ours, 2)
        ok = OrdinaryKriging(x, y, z, variogram_model=model, variogram_parameters={"sill": sill, "range": range_, "nugget": nugget})
        if closest:
            zk, sk = ok.execute("grid", gridx, gridy, backend="loop", n_closest_points=closest)
        else:
            zk, sk = ok.execute("grid", gridx, gridy, backend="vectorized")
        zk, sk = np.asarray(zk), np.asarray(sk)
        value_difference = np.abs(value - zk) / np.maximum(1.0, np.abs(zk))
        variance_difference = np.abs(variance - sk) / np.maximum(1.0, np.abs(sk))
        worst_value, worst_variance = float(value_difference.max()), float(variance_difference.max())
        report.append(f"{model}/{closest or 'all'}:max_rel_value={worst_value:.1e},max_rel_variance={worst_variance:.1e}")
        if worst_value > 1e-6 or worst_variance > 1e-6:
            position = np.unravel_index(np.argmax(value_difference), value.shape)
            fail(f"{algorithm}: differs from PyKrige by {worst_value:.2e} (variance {worst_variance:.2e}), worst at {position}: {value[position]} vs {zk[position]}")
    print(" ".join(report))


# ----------------------------------------------------------------------------------------------- leave-one-out

def spherical(h, sill, range_, nugget):
    g = np.where(h >= range_, sill, nugget + (sill - nugget) * (1.5 * h / range_ - 0.5 * (h / range_) ** 3))
    return np.where(h <= 1e-10, 0.0, g)


def case_loo(work, binary, repo):
    rows, x, y = meuse(repo)
    z = np.array([float(r["zinc"]) for r in rows])
    n = len(z)
    report = []
    # Inverse distance squared from all the other points.
    expected_idw = np.empty(n)
    for i in range(n):
        keep = np.arange(n) != i
        d2 = (x[keep] - x[i]) ** 2 + (y[keep] - y[i]) ** 2
        w = 1 / d2
        expected_idw[i] = np.sum(w * z[keep]) / np.sum(w)
    # Ordinary kriging from all the other points, solved with numpy (Cressie 1993, 3.2).
    sill, range_, nugget = 150000.0, 900.0, 20000.0
    expected_ok, expected_var = np.empty(n), np.empty(n)
    for i in range(n):
        keep = np.arange(n) != i
        xs, ys, zs = x[keep], y[keep], z[keep]
        h = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :])
        a = np.ones((n, n))
        a[:n - 1, :n - 1] = spherical(h, sill, range_, nugget)
        a[n - 1, n - 1] = 0
        b = np.ones(n)
        b[:n - 1] = spherical(np.hypot(xs - x[i], ys - y[i]), sill, range_, nugget)
        solution = np.linalg.solve(a, b)
        expected_ok[i] = solution[:n - 1] @ zs
        expected_var[i] = solution @ b
    # Linear: each point from scipy's Delaunay triangulation of the others (qhull, barycentric), or, outside their
    # hull, the nearest other point.
    from scipy.interpolate import LinearNDInterpolator
    expected_linear = np.empty(n)
    for i in range(n):
        keep = np.arange(n) != i
        value = LinearNDInterpolator(np.column_stack([x[keep], y[keep]]), z[keep])(x[i], y[i])
        value = float(np.asarray(value).ravel()[0])
        if np.isnan(value):
            d2 = (x[keep] - x[i]) ** 2 + (y[keep] - y[i]) ** 2
            value = z[keep][np.argmin(d2)]
        expected_linear[i] = value
    for algorithm, expected, variance in (("invdist:power=2", expected_idw, None), ("linear", expected_linear, None),
                                          (f"kriging:model=spherical:sill={sill:g}:range={range_:g}:nugget={nugget:g}", expected_ok, expected_var)):
        output = os.path.join(work, "loo.tif")
        table = os.path.join(work, "loo_cv.csv")
        for path in (output, table):
            if os.path.exists(path):
                os.remove(path)
        soilmap(binary, "grid", os.path.join(repo, "samples/meuse/meuse.txt"), "--points-crs", "EPSG:28992", "--field", "zinc",
                "--algorithm", algorithm, "--te", "178600", "329700", "181600", "333700", "--tr", "200", "200", "--cv", "loo", "-o", output)
        got = read_csv(table)
        predicted = np.array([float(r["predicted"]) for r in got])
        if [int(r["point"]) for r in got] != list(range(1, n + 1)):
            fail(f"{algorithm}: the table's points are not 1..{n}")
        worst = float(np.max(np.abs(predicted - expected) / np.maximum(1, np.abs(expected))))
        if worst > 1e-9:
            fail(f"{algorithm}: leave-one-out predictions differ from numpy by {worst:.2e}")
        if variance is not None:
            got_variance = np.array([float(r["variance"]) for r in got])
            worst_variance = float(np.max(np.abs(got_variance - variance) / np.maximum(1, variance)))
            if worst_variance > 1e-9:
                fail(f"{algorithm}: leave-one-out variances differ from numpy by {worst_variance:.2e}")
        errors = expected - z
        rmse = float(np.sqrt(np.mean(errors ** 2)))
        r2 = 1 - np.sum(errors ** 2) / np.sum((z - z.mean()) ** 2)
        metadata = gdal.Open(output).GetMetadata()
        statistics = dict(item.split("=") for item in metadata["CV_STATISTICS"].split())
        if abs(float(statistics["RMSE"]) - rmse) > 1e-4 * rmse or abs(float(statistics["R2"]) - r2) > 1e-5:
            fail(f"{algorithm}: CV_STATISTICS {metadata['CV_STATISTICS']} vs numpy RMSE={rmse} R2={r2}")
        report.append(f"{algorithm.split(':')[0]}:max_rel={worst:.1e},rmse={rmse:.4f}")
    print(" ".join(report))


# ------------------------------------------------------------------------------------------------------ gstat fit

def case_gstat_fit(work, binary, repo):
    script = os.path.join(work, "fit.R")
    with open(script, "w") as handle:
        handle.write(f"""
suppressMessages(library(gstat)); suppressMessages(library(sp))
m <- read.csv("{os.path.join(repo, 'samples/meuse/meuse.txt')}")
coordinates(m) <- ~x+y
v <- variogram(zinc~1, m)
f <- fit.variogram(v, vgm(150000, "Sph", 900, 20000))
write.csv(data.frame(np=v$np, dist=v$dist, gamma=v$gamma), "{os.path.join(work, 'gstat_empirical.csv')}", row.names=FALSE)
cat(f$psill[1], f$psill[2], f$range[2], "\\n")
""")
    result = subprocess.run(["Rscript", script], capture_output=True, text=True, check=True)
    nugget, partial, range_ = (float(v) for v in result.stdout.split())
    output = os.path.join(work, "fit.tif")
    soilmap(binary, "grid", os.path.join(repo, "samples/meuse/meuse.txt"), "--points-crs", "EPSG:28992", "--field", "zinc",
            "--algorithm", "kriging:model=spherical:max_points=16", *GRID, "-o", output)
    metadata = gdal.Open(output).GetMetadata()
    fitted = dict(item.split("=") for item in metadata["KRIGING_VARIOGRAM"].split(":"))
    ours = {"sill": float(fitted["sill"]), "range": float(fitted["range"]), "nugget": float(fitted["nugget"])}
    theirs = {"sill": nugget + partial, "range": range_, "nugget": nugget}
    for key in theirs:
        if abs(ours[key] - theirs[key]) > 0.01 * abs(theirs[key]):
            fail(f"variogram {key}: soilmap {ours[key]}, gstat {theirs[key]} (more than 1 % apart)")
    # The empirical variogram, lag by lag.
    lags = [item.split(":") for item in metadata["KRIGING_EMPIRICAL_VARIOGRAM"].split()]
    expected = read_csv(os.path.join(work, "gstat_empirical.csv"))
    if len(lags) != len(expected):
        fail(f"empirical variogram: {len(lags)} lags, gstat {len(expected)}")
    for (distance, gamma, count), row in zip(lags, expected):
        if int(count) != int(row["np"]) or abs(float(distance) - float(row["dist"])) > 1e-6 * float(row["dist"]) \
                or abs(float(gamma) - float(row["gamma"])) > 1e-6 * float(row["gamma"]):
            fail(f"empirical variogram lag: soilmap {distance} {gamma} {count}, gstat {row}")
    print(" ".join(f"{k}:soilmap={ours[k]:.6g},gstat={theirs[k]:.6g}" for k in theirs))


# ------------------------------------------------------------------------------------------------------------ Jura

JURA_CRS = "EPSG:32632"  # UTM 32N: a plain projection of the survey's WGS84 lon/lat, no datum grid involved
JURA_GRID = ["--te", "335000", "5220200", "339600", "5225600", "--tr", "100", "100"]
JURA_METHODS = ["invdist:power=2", "invdistnn:power=2:radius=1500:max_points=16", "nearest", "average:radius1=500:radius2=500",
                "linear", "kriging:model=spherical:max_points=16", "kriging:model=exponential:max_points=16"]


def jura_points(repo, name, field):
    rows = read_csv(os.path.join(repo, f"samples/jura/{name}.csv"))
    lon = np.array([float(r["long"]) for r in rows])
    lat = np.array([float(r["lat"]) for r in rows])
    x, y = transform(lon, lat, srs("EPSG:4326"), srs(JURA_CRS))
    return x, y, np.array([float(r[field]) for r in rows])


def pykrige_variogram(kind, sill, range_, nugget):
    """PyKrige's models (sill = total sill, range = practical range), 0 at distance 0."""
    psill = sill - nugget
    def gamma(h):
        if kind == "spherical":
            g = np.where(h >= range_, sill, nugget + psill * (1.5 * h / range_ - 0.5 * (h / range_) ** 3))
        elif kind == "exponential":
            g = nugget + psill * (1 - np.exp(-h / (range_ / 3)))
        else:
            g = nugget + psill * (1 - np.exp(-(h ** 2) / (range_ * 4 / 7) ** 2))
        return np.where(h <= 1e-10, 0.0, g)
    return gamma


def numpy_predict(method, fx, fy, fz, px, py, variogram=None):
    """Each place predicted from the fit points by the published method (gdal_grid's documentation for the GDAL
    algorithms; ordinary kriging as in Cressie 1993, 3.2, on the 16 closest points)."""
    out = np.empty(len(px))
    name = method.split(":")[0]
    options = dict(part.split("=") for part in method.split(":")[1:])
    for i, (cx, cy) in enumerate(zip(px, py)):
        d2 = (fx - cx) ** 2 + (fy - cy) ** 2
        if name == "invdist":
            if d2.min() < 1e-13:
                out[i] = fz[np.argmin(d2)]
                continue
            w = 1 / d2 ** (float(options["power"]) / 2)
            out[i] = np.sum(w * fz) / np.sum(w)
        elif name == "invdistnn":
            radius, k = float(options["radius"]), int(options["max_points"])
            within = np.nonzero(d2 <= radius * radius)[0]
            closest = within[np.lexsort((within, d2[within]))][:k]
            if len(closest) == 0:
                out[i] = np.nan
            elif d2[closest].min() < 1e-13:
                out[i] = fz[closest[np.argmin(d2[closest])]]
            else:
                w = 1 / d2[closest] ** (float(options["power"]) / 2)
                out[i] = np.sum(w * fz[closest]) / np.sum(w)
        elif name == "nearest":
            out[i] = fz[np.argmin(d2)]
        elif name == "average":
            within = d2 <= float(options["radius1"]) ** 2
            out[i] = fz[within].mean() if within.any() else np.nan
        elif name == "kriging":
            closest = np.lexsort((np.arange(len(d2)), d2))[:int(options["max_points"])]
            xs, ys, zs = fx[closest], fy[closest], fz[closest]
            n = len(closest)
            a = np.ones((n + 1, n + 1))
            a[:n, :n] = variogram(np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :]))
            a[n, n] = 0
            b = np.ones(n + 1)
            b[:n] = variogram(np.sqrt(d2[closest]))
            out[i] = np.linalg.solve(a, b)[:n] @ zs
        else:
            raise ValueError(method)
    return out


def linear_predict(fx, fy, fz, px, py):
    """scipy's Delaunay (qhull) barycentric interpolation; outside the hull the nearest point."""
    from scipy.interpolate import LinearNDInterpolator
    values = np.asarray(LinearNDInterpolator(np.column_stack([fx, fy]), fz)(px, py), dtype=float).ravel()
    for i in np.nonzero(np.isnan(values))[0]:
        values[i] = fz[np.argmin((fx - px[i]) ** 2 + (fy - py[i]) ** 2)]
    return values


def case_jura(work, binary, repo):
    """Fit on the 259 Jura samples, predict the 100 held out (--validation) and each of the 259 from the others
    (--cv loo), for Cd and Ni and every method; soilmap's predictions and RMSE against numpy, scipy and PyKrige."""
    from pykrige.ok import OrdinaryKriging

    report = []
    for field in ("Cd", "Ni"):
        fx, fy, fz = jura_points(repo, "jura_prediction", field)
        vx, vy, vz = jura_points(repo, "jura_validation", field)
        for method in JURA_METHODS:
            stem = os.path.join(work, f"{field}_{method.split(':')[0]}_{len(report)}")
            soilmap(binary, "grid", os.path.join(repo, "samples/jura/jura_prediction.csv"), "--x-field", "long", "--y-field", "lat",
                    "--points-crs", "EPSG:4326", "--t-srs", JURA_CRS, *JURA_GRID, "--field", field, "--algorithm", method,
                    "--validation", os.path.join(repo, "samples/jura/jura_validation.csv"), "--cv", "loo", "-o", stem + ".tif")
            held_out = read_csv(stem + "_validation.csv")
            loo = read_csv(stem + "_cv.csv")
            ours_validation = np.array([float(r["predicted"]) if r["predicted"] else np.nan for r in held_out])
            ours_loo = np.array([float(r["predicted"]) if r["predicted"] else np.nan for r in loo])
            if [int(r["point"]) for r in held_out] != list(range(1, 101)) or {r["cv"] for r in held_out} != {"validation"}:
                fail(f"{field} {method}: the validation table is not the 100 points in order")
            if np.any(np.abs(np.array([float(r["observed"]) for r in held_out]) - vz) > 0):
                fail(f"{field} {method}: observed values differ from the file")
            tolerance = 1e-9
            if method.startswith("kriging"):
                metadata = gdal.Open(stem + ".tif").GetMetadata()
                fitted = dict(item.split("=") for item in metadata["KRIGING_VARIOGRAM"].split(":"))
                kind, sill, range_, nugget = fitted["model"], float(fitted["sill"]), float(fitted["range"]), float(fitted["nugget"])
                ok = OrdinaryKriging(fx, fy, fz, variogram_model=kind, variogram_parameters={"sill": sill, "range": range_, "nugget": nugget})
                expected_validation = np.asarray(ok.execute("points", vx, vy, backend="loop", n_closest_points=16)[0], dtype=float)
                variogram = pykrige_variogram(kind, sill, range_, nugget)
                expected_loo = np.array([numpy_predict(method, np.delete(fx, i), np.delete(fy, i), np.delete(fz, i), fx[i:i + 1], fy[i:i + 1], variogram)[0]
                                         for i in range(len(fz))])
                tolerance = 1e-6  # the variogram is read back with 10 significant digits
            elif method == "linear":
                expected_validation = linear_predict(fx, fy, fz, vx, vy)
                expected_loo = np.array([linear_predict(np.delete(fx, i), np.delete(fy, i), np.delete(fz, i), fx[i:i + 1], fy[i:i + 1])[0]
                                         for i in range(len(fz))])
            else:
                expected_validation = numpy_predict(method, fx, fy, fz, vx, vy)
                expected_loo = np.array([numpy_predict(method, np.delete(fx, i), np.delete(fy, i), np.delete(fz, i), fx[i:i + 1], fy[i:i + 1])[0]
                                         for i in range(len(fz))])
            rmses = []
            for name, ours, expected, observed in (("validation", ours_validation, expected_validation, vz), ("loo", ours_loo, expected_loo, fz)):
                if not np.array_equal(np.isnan(ours), np.isnan(expected)):
                    fail(f"{field} {method} {name}: points without a prediction differ")
                valid = ~np.isnan(expected)
                worst = float(np.max(np.abs(ours[valid] - expected[valid]) / np.maximum(1.0, np.abs(expected[valid]))))
                if worst > tolerance:
                    i = int(np.argmax(np.abs(ours - expected)))
                    fail(f"{field} {method} {name}: predictions differ by {worst:.2e}, e.g. point {i + 1}: soilmap {ours[i]} reference {expected[i]}")
                ours_rmse = float(np.sqrt(np.mean((ours[valid] - observed[valid]) ** 2)))
                expected_rmse = float(np.sqrt(np.mean((expected[valid] - observed[valid]) ** 2)))
                if abs(ours_rmse - expected_rmse) > 1e-6 * expected_rmse:
                    fail(f"{field} {method} {name}: RMSE {ours_rmse} vs reference {expected_rmse}")
                rmses.append(expected_rmse)
            statistics = dict(item.split("=") for item in gdal.Open(stem + ".tif").GetMetadata()["VALIDATION_STATISTICS"].split())
            if abs(float(statistics["RMSE"]) - rmses[0]) > 1e-5 * rmses[0]:
                fail(f"{field} {method}: VALIDATION_STATISTICS {statistics} vs reference RMSE {rmses[0]}")
            report.append(f"{field}|{method}|validation_rmse={rmses[0]:.4f}|loo_rmse={rmses[1]:.4f}|n={int((~np.isnan(expected_validation)).sum())}")
    print(" ".join(report))


if __name__ == "__main__":
    case, work, binary, repo = sys.argv[1:5]
    {"sample": case_sample, "gdal-grid": case_gdal_grid, "pykrige": case_pykrige, "loo": case_loo,
     "gstat-fit": case_gstat_fit, "jura": case_jura}[case](work, binary, repo)
    if failures:
        print(f"{len(failures)} differences; first ones:", file=sys.stderr)
        for message in failures[:15]:
            print("  " + message, file=sys.stderr)
        sys.exit(1)
