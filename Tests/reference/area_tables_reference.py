#!/usr/bin/env python3
"""Independent reference for the area columns of `soilmap zonal --categorical` over a geographic raster whose
zones are longitude/latitude rectangles (edges along meridians and parallels).

For every zone it writes:
  center_area_ha    hectares of the cells whose centre lies inside the rectangle (centre mode), each cell's area
                    taken on the WGS 84 ellipsoid from pyproj's geodesic polygon area of the cell (its
                    parallel edges densified, so that they follow the parallel, not the geodesic);
  center_nodata_ha  the same, for those cells that hold the raster's nodata value (or NaN);
  coverage_area_ha  the rectangle's own area on the ellipsoid (pyproj, edges along parallels densified): what
                    the cell fractions of coverage mode must add up to when the rectangle lies on the raster.

Usage: area_tables_reference.py RASTER ZONES.geojson ID_FIELD OUT.csv
"""
import csv
import sys

import numpy as np
from osgeo import gdal, ogr
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
DENSIFY = 200  # points along each parallel edge: the error of following geodesics instead is below 1e-10 here


def rectangle_hectares(west, east, south, north):
    """Area of the region between two meridians and two parallels, in hectares."""
    along = np.linspace(west, east, DENSIFY)
    lons = np.concatenate([along, along[::-1]])
    lats = np.concatenate([np.full(DENSIFY, south), np.full(DENSIFY, north)])
    area, _ = GEOD.polygon_area_perimeter(lons, lats)
    return abs(area) / 10_000


def main():
    raster_path, zones_path, id_field, out_path = sys.argv[1:5]
    dataset = gdal.Open(raster_path)
    band = dataset.GetRasterBand(1)
    values = band.ReadAsArray().astype(np.float64)
    nodata = band.GetNoDataValue()
    invalid = np.isnan(values)
    if nodata is not None:
        invalid |= values == nodata
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    height, width = values.shape
    centre_x = x0 + (np.arange(width) + 0.5) * dx
    centre_y = y0 + (np.arange(height) + 0.5) * dy
    # Every cell of a row has the same area on the ellipsoid.
    row_hectares = np.array([rectangle_hectares(x0, x0 + dx, y0 + (r + 1) * dy, y0 + r * dy) for r in range(height)])

    source = ogr.Open(zones_path)  # kept: the layer dies with its data source
    layer = source.GetLayer(0)
    with open(out_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "center_area_ha", "center_nodata_ha", "coverage_area_ha"])
        for feature in layer:
            geometry = feature.GetGeometryRef()
            west, east, south, north = geometry.GetEnvelope()
            ring = geometry.GetGeometryRef(0)
            if ring.GetPointCount() != 5 or abs(geometry.GetArea() - (east - west) * (north - south)) > 1e-12:
                sys.exit(f"{zones_path}: zone {feature.GetField(id_field)} is not a longitude/latitude rectangle")
            columns = (centre_x > west) & (centre_x < east)
            rows = (centre_y > south) & (centre_y < north)
            inside_rows = np.nonzero(rows)[0]
            cells_per_row = np.full(len(inside_rows), columns.sum(), dtype=np.float64)
            nodata_per_row = invalid[np.ix_(rows, columns)].sum(axis=1).astype(np.float64)
            writer.writerow([feature.GetField(id_field),
                             repr(float(np.sum(cells_per_row * row_hectares[inside_rows]))),
                             repr(float(np.sum(nodata_per_row * row_hectares[inside_rows]))),
                             repr(rectangle_hectares(west, east, south, north))])


if __name__ == "__main__":
    main()
