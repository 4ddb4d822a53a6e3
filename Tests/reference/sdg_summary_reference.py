#!/usr/bin/env python3
"""Independent reference for `soilmap sdg-summary`: the area tables of Trends.Earth's SDG 15.3.1 summary
workbook, computed with numpy from the rasters, written as CSV in the layout the README documents.

Every input is on one grid here (the test makes them so). Areas: a projected grid's cells all have
|pixel width x pixel height| m²; a geographic grid's cells take their area on the WGS 84 ellipsoid from
pyproj's geodesic polygon area of one cell per row (parallel edges densified). Shares are of the whole area
(no data included). Stocks are t/ha x cell hectares. Water (UNCCD class 7) is left out of stocks by year.

Usage: sdg_summary_reference.py OUT_PREFIX YEAR0,YEAR1 role=path ...
  roles: aoi sdg productivity landcover soc productivity_classes landcover_baseline landcover_target soc_baseline soc_target
Writes OUT_PREFIX.csv and OUT_PREFIX_<table>.csv for the tables the inputs allow.
"""
import sys

import numpy as np
from osgeo import gdal
from pyproj import Geod

gdal.UseExceptions()
CLASSES = ["Tree-covered", "Grassland", "Cropland", "Wetland", "Artificial", "Other land", "Water body"]
IDS = ["tree_covered", "grassland", "cropland", "wetland", "artificial", "other_land", "water"]


def read(path):
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    data = band.ReadAsArray().astype(np.float64)
    nodata = band.GetNoDataValue()
    valid = ~np.isnan(data)
    if nodata is not None:
        valid &= data != nodata
    return data, valid, ds


def cell_km2(ds):
    gt = ds.GetGeoTransform()
    srs = ds.GetSpatialRef()
    rows = ds.RasterYSize
    if srs is None or not srs.IsGeographic():
        return np.full(rows, abs(gt[1] * gt[5]) / 1e6)
    geod = Geod(ellps="WGS84")
    areas = np.empty(rows)
    west, east = gt[0], gt[0] + gt[1]
    for r in range(rows):
        north, south = gt[3] + r * gt[5], gt[3] + (r + 1) * gt[5]
        along = np.linspace(west, east, 50)
        lons = np.concatenate([along, along[::-1]])
        lats = np.concatenate([np.full(50, south), np.full(50, north)])
        area, _ = geod.polygon_area_perimeter(lons, lats)
        areas[r] = abs(area) / 1e6
    return areas


def fmt(value):
    if value == round(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def pct(part, whole):
    return fmt(100 * part / whole) if whole != 0 else ""


def main():
    prefix, years = sys.argv[1], sys.argv[2].split(",")
    paths = dict(arg.split("=", 1) for arg in sys.argv[3:])
    first = next(iter(paths.values()))
    _, _, ds = read(first)
    row_km2 = cell_km2(ds)
    shape = (ds.RasterYSize, ds.RasterXSize)
    area = np.broadcast_to(row_km2[:, None], shape)
    if "aoi" in paths:
        # Outside the area of interest (nodata or 0) a cell counts for nothing.
        aoi, aoi_valid, _ = read(paths.pop("aoi"))
        area = np.where(aoi_valid & (aoi != 0), area, 0.0)
    total = area.sum()

    def codes(role):
        data, valid, _ = read(paths[role])
        return np.where(valid, data, 0).astype(int)

    tables = {}
    status = [(name, role) for name, role in [("SDG 15.3.1", "sdg"), ("Productivity", "productivity"),
                                              ("Land cover", "landcover"), ("Soil organic carbon", "soc")] if role in paths]
    if status:
        lines = ["indicator,class,area_km2,percent"]
        for name, role in status:
            c = codes(role)
            for code, label in [(3, "Improved"), (2, "Stable"), (1, "Degraded"), (0, "No data")]:
                a = area[c == code].sum()
                lines.append(f"{name},{label},{fmt(a)},{pct(a, total)}")
            lines.append(f"{name},Total,{fmt(total)},100")
        tables[""] = lines
    if "landcover_baseline" in paths:
        b, t = codes("landcover_baseline"), codes("landcover_target")
        order = list(range(1, 8)) + [0]
        label = lambda k: "No data" if k == 0 else CLASSES[k - 1]
        lines = ["from_code,from_class," + ",".join(i + "_km2" for i in IDS) + ",no_data_km2,total_km2"]
        matrix = {(f, to): area[(b == f) & (t == to)].sum() for f in order for to in order}
        for f in order:
            row = [matrix[(f, to)] for to in order]
            lines.append(",".join(["" if f == 0 else str(f), label(f)] + [fmt(v) for v in row] + [fmt(sum(row))]))
        lines.append(",".join(["", "Total"] + [fmt(sum(matrix[(f, to)] for f in order)) for to in order] + [fmt(total)]))
        tables["_landcover_transitions"] = lines
        lines = [f"code,class,area_km2_{years[0]},area_km2_{years[1]},change_km2,change_pct"]
        for k in order:
            a0, a1 = area[b == k].sum(), area[t == k].sum()
            lines.append(",".join(["" if k == 0 else str(k), label(k), fmt(a0), fmt(a1), fmt(a1 - a0), pct(a1 - a0, a0)]))
        lines.append(f",Total,{fmt(total)},{fmt(total)},0,0")
        tables["_landcover_by_year"] = lines
        if "productivity_classes" in paths:
            p = codes("productivity_classes")
            names = ["declining", "moderate_decline", "stable_but_stressed", "stable", "increasing"]
            lines = ["from_code,from_class,to_code,to_class," + ",".join(n + "_km2" for n in names) + ",no_data_km2,total_km2"]
            for f in range(1, 8):
                for to in range(1, 8):
                    sel = (b == f) & (t == to)
                    row = [area[sel & (p == k)].sum() for k in [1, 2, 3, 4, 5, 0]]
                    lines.append(",".join([str(f), CLASSES[f - 1], str(to), CLASSES[to - 1]] + [fmt(v) for v in row] + [fmt(sum(row))]))
            sel = (b == 0) | (t == 0)
            row = [area[sel & (p == k)].sum() for k in [1, 2, 3, 4, 5, 0]]
            lines.append(",".join(["", "No data", "", "No data"] + [fmt(v) for v in row] + [fmt(sum(row))]))
            tables["_productivity_by_transition"] = lines
        if "soc_baseline" in paths:
            s0, v0, _ = read(paths["soc_baseline"])
            s1, v1, _ = read(paths["soc_target"])
            ha = area * 100
            both = v0 & v1
            lines = ["from_code,from_class,to_code,to_class,area_km2,initial_stock_t,final_stock_t,change_t,change_pct"]
            sums = [0.0, 0.0, 0.0]
            for f in range(1, 8):
                for to in range(1, 8):
                    sel = both & (b == f) & (t == to)
                    a, i, o = area[sel].sum(), (s0 * ha)[sel].sum(), (s1 * ha)[sel].sum()
                    sums = [sums[0] + a, sums[1] + i, sums[2] + o]
                    lines.append(",".join([str(f), CLASSES[f - 1], str(to), CLASSES[to - 1], fmt(a), fmt(i), fmt(o), fmt(o - i), pct(o - i, i)]))
            lines.append(",".join(["", "Total", "", "", fmt(sums[0]), fmt(sums[1]), fmt(sums[2]), fmt(sums[2] - sums[1]), pct(sums[2] - sums[1], sums[1])]))
            tables["_soc_by_transition"] = lines
            lines = [f"code,class,stock_t_{years[0]},stock_t_{years[1]},change_t,change_pct"]
            totals = [0.0, 0.0]
            for k in range(1, 7):
                x0, x1 = (s0 * ha)[v0 & (b == k)].sum(), (s1 * ha)[v1 & (t == k)].sum()
                totals = [totals[0] + x0, totals[1] + x1]
                lines.append(",".join([str(k), CLASSES[k - 1], fmt(x0), fmt(x1), fmt(x1 - x0), pct(x1 - x0, x0)]))
            lines.append(",".join(["", "Total", fmt(totals[0]), fmt(totals[1]), fmt(totals[1] - totals[0]), pct(totals[1] - totals[0], totals[0])]))
            tables["_soc_by_year"] = lines
    for suffix, lines in tables.items():
        with open(prefix + suffix + ".csv", "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
    print(" ".join(sorted(tables)))


main()
