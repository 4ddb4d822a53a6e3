#!/usr/bin/env python3
"""Inputs and peers of the survey rows (bench/rows.d/70-survey.sh).

  survey_peers.py setup DIR POINTS KRIGE_POINTS SAMPLE_POINTS RASTERS SIZE
  survey_peers.py pykrige POINTS.csv SILL RANGE NUGGET CLOSEST SIZE ROWS OUT.npy
  survey_peers.py rasterio POINTS.csv OUT.csv RASTER...
  survey_peers.py compare-window SOILMAP.tif BAND PEER(.tif|.npy) ROWS
  survey_peers.py compare-sample SOILMAP.csv PEER.csv
All in UTM 48N (EPSG:32648) over a 50 km square: a smooth field plus noise, the layout of a province survey.
"""
import csv
import os
import sys

import numpy as np

EXTENT = (500000.0, 1200000.0, 550000.0, 1250000.0)  # xmin ymin xmax ymax


def field(x, y, rng):
    u, v = (x - EXTENT[0]) / 50000, (y - EXTENT[1]) / 50000
    return 2.5 + np.sin(6 * u) * np.cos(4 * v) + 0.5 * u + rng.normal(0, 0.2, np.shape(x))


def write_points(path, count, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(EXTENT[0], EXTENT[2], count)
    y = rng.uniform(EXTENT[1], EXTENT[3], count)
    z = field(x, y, rng)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x", "y", "om"])
        for row in zip(x, y, z):
            writer.writerow([f"{row[0]:.3f}", f"{row[1]:.3f}", f"{row[2]:.6f}"])
    with open(path[:-4] + ".vrt", "w") as handle:  # for gdal_grid 3.6, which has no -oo
        handle.write(f"""<OGRVRTDataSource><OGRVRTLayer name="{os.path.basename(path)[:-4]}">
<SrcDataSource>{path}</SrcDataSource><GeometryType>wkbPoint</GeometryType><LayerSRS>EPSG:32648</LayerSRS>
<GeometryField encoding="PointFromColumns" x="x" y="y"/><Field name="om" type="Real"/></OGRVRTLayer></OGRVRTDataSource>""")


def setup(directory, points, krige_points, sample_points, rasters, size):
    from osgeo import gdal, osr
    os.makedirs(directory, exist_ok=True)
    write_points(os.path.join(directory, "points.csv"), int(points), 1)
    write_points(os.path.join(directory, "krige_points.csv"), int(krige_points), 2)
    write_points(os.path.join(directory, "sample_points.csv"), int(sample_points), 3)
    size = int(size)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32648)
    cell = (EXTENT[2] - EXTENT[0]) / size
    u = np.linspace(0, 1, size, dtype=np.float32)
    for index in range(int(rasters)):
        path = os.path.join(directory, f"raster{index + 1:02d}.tif")
        if os.path.exists(path):
            continue
        dataset = gdal.GetDriverByName("GTiff").Create(path, size, size, 1, gdal.GDT_Float32,
                                                       ["TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=3"])
        dataset.SetGeoTransform((EXTENT[0], cell, 0, EXTENT[3], 0, -cell))
        dataset.SetProjection(srs.ExportToWkt())
        band = dataset.GetRasterBand(1)
        band.SetNoDataValue(-9999)
        for top in range(0, size, 512):
            rows = min(512, size - top)
            v = u[top:top + rows, None]
            band.WriteArray((np.sin((index + 3) * u[None, :]) * np.cos((index + 2) * v) * 100).astype(np.float32), 0, top)
        dataset = None


def pykrige(points, sill, range_, nugget, closest, size, rows, out):
    from pykrige.ok import OrdinaryKriging
    data = np.loadtxt(points, delimiter=",", skiprows=1)
    size, rows = int(size), int(rows)
    cell = (EXTENT[2] - EXTENT[0]) / size
    gridx = EXTENT[0] + cell * (np.arange(size) + 0.5)
    gridy = EXTENT[3] - cell * (np.arange(rows) + 0.5)
    ok = OrdinaryKriging(data[:, 0], data[:, 1], data[:, 2], variogram_model="spherical",
                         variogram_parameters={"sill": float(sill), "range": float(range_), "nugget": float(nugget)})
    z, s = ok.execute("grid", gridx, gridy, backend="C", n_closest_points=int(closest))
    np.save(out, np.stack([np.asarray(z), np.asarray(s)]))


def rasterio_sample(points, out, rasters):
    import rasterio
    data = np.loadtxt(points, delimiter=",", skiprows=1)
    coordinates = list(zip(data[:, 0], data[:, 1]))
    columns = []
    for path in rasters:
        with rasterio.open(path) as dataset:
            columns.append(np.array([v[0] for v in dataset.sample(coordinates)], dtype=np.float64))
    np.savetxt(out, np.stack(columns, axis=1), delimiter=",", fmt="%.9g")


def compare_window(ours, band, peer, rows):
    from osgeo import gdal
    rows = int(rows)
    dataset = gdal.Open(ours)  # kept: a band outlives no dataset in GDAL's Python bindings
    a = dataset.GetRasterBand(int(band)).ReadAsArray(0, 0, dataset.RasterXSize, rows).astype(np.float64)
    if peer.endswith(".npy"):
        b = np.load(peer)[int(band) - 1]
    else:
        other = gdal.Open(peer)
        b = other.GetRasterBand(1).ReadAsArray().astype(np.float64)
    relative = np.abs(a - b) / np.maximum(1e-9, np.abs(b))
    print(f"cells={a.size} max_abs={np.abs(a - b).max():.3e} max_rel={relative.max():.3e} (soilmap Float32 vs peer)")


def compare_sample(ours, peer):
    b = np.loadtxt(peer, delimiter=",", ndmin=2)
    with open(ours) as handle:
        reader = csv.reader(handle)
        header = next(reader)
        first = header.index("raster01_b1")
        a = np.array([[float(v) if v else np.nan for v in row[first:first + b.shape[1]]] for row in reader])
    print(f"values={a.size} max_abs={np.nanmax(np.abs(a - b)):.3e}")


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    {"setup": lambda: setup(*arguments), "pykrige": lambda: pykrige(*arguments),
     "rasterio": lambda: rasterio_sample(arguments[0], arguments[1], arguments[2:]),
     "compare-window": lambda: compare_window(*arguments), "compare-sample": lambda: compare_sample(*arguments)}[command]()
