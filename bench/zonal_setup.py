#!/usr/bin/python3
"""Make bench/work/communes.gpkg: 3,321 Voronoi polygons tiling the extent of the 10980 × 10980 benchmark
raster (bench/work/s2/B04.tif), one per row of samples/vietnam/admin-units-2025.csv, carrying its real
commune_code, commune_name, division_type, province_code, province_name (UTF-8).

Seeds: uniform random points (numpy seed 20250701) in the raster extent, so cell areas vary like real
communes (mean ~3.6 km², i.e. ~36,000 10 m pixels). Voronoi cells are clipped exactly to the rectangle
with the mirror trick (seeds reflected across the four edges). Needs scipy (apt python3-scipy).

Usage: zonal_setup.py [RASTER] [OUT.gpkg]
"""
import csv
import os
import sys

import numpy as np
from osgeo import gdal, ogr, osr
from scipy.spatial import Voronoi

gdal.UseExceptions()
ogr.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))
CSV = os.path.join(HERE, "..", "samples", "vietnam", "admin-units-2025.csv")


def main():
    raster = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "work", "s2", "B04.tif")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "work", "communes.gpkg")
    ds = gdal.Open(raster)
    gt = ds.GetGeoTransform()
    x0, y1 = gt[0], gt[3]
    x1, y0 = x0 + gt[1] * ds.RasterXSize, y1 + gt[5] * ds.RasterYSize
    with open(CSV, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    n = len(rows)
    rng = np.random.default_rng(20250701)
    pts = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    mirrored = [pts,
                np.column_stack([2 * x0 - pts[:, 0], pts[:, 1]]), np.column_stack([2 * x1 - pts[:, 0], pts[:, 1]]),
                np.column_stack([pts[:, 0], 2 * y0 - pts[:, 1]]), np.column_stack([pts[:, 0], 2 * y1 - pts[:, 1]])]
    vor = Voronoi(np.vstack(mirrored))

    tmp = out + ".part.gpkg"
    if os.path.exists(tmp):
        os.remove(tmp)
    drv = ogr.GetDriverByName("GPKG")
    vds = drv.CreateDataSource(tmp)
    srs = osr.SpatialReference()
    srs.ImportFromWkt(ds.GetProjection())
    lyr = vds.CreateLayer("communes", srs, ogr.wkbPolygon, ["FID=fid", "GEOMETRY_NAME=geom"])
    fields = [("commune_code", ogr.OFTInteger), ("commune_name", ogr.OFTString), ("division_type", ogr.OFTString),
              ("province_code", ogr.OFTInteger), ("province_name", ogr.OFTString)]
    for name, typ in fields:
        lyr.CreateField(ogr.FieldDefn(name, typ))
    box = ogr.CreateGeometryFromWkt(f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))")
    lyr.StartTransaction()
    total = 0.0
    for i, row in enumerate(rows):
        region = vor.regions[vor.point_region[i]]
        assert region and -1 not in region, "unbounded cell"
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for v in region + [region[0]]:
            ring.AddPoint_2D(float(vor.vertices[v][0]), float(vor.vertices[v][1]))
        poly = ogr.Geometry(ogr.wkbPolygon)
        poly.AddGeometry(ring)
        poly = poly.Intersection(box)  # removes float noise at the edges; the mirror trick already clips
        total += poly.GetArea()
        f = ogr.Feature(lyr.GetLayerDefn())
        for name, typ in fields:
            f.SetField(name, int(row[name]) if typ == ogr.OFTInteger else row[name])
        f.SetGeometry(poly)
        lyr.CreateFeature(f)
    lyr.CommitTransaction()
    vds = None
    os.replace(tmp, out)
    print(f"wrote {out}: {n} polygons, total area {total / 1e6:.1f} km² "
          f"(raster extent {(x1 - x0) * (y1 - y0) / 1e6:.1f} km²)")


if __name__ == "__main__":
    main()
