#!/usr/bin/env python3
"""Independent zonal statistics with the tools GIS users run: rasterstats (centre and all-touched, which rasterize
with GDAL) and exactextract (exact coverage fractions).

  $SOILMAP_VENV/bin/python Tests/reference/zonal_reference.py RASTER ZONES ID_FIELD MODE OUT.csv [--band N]
      [--stats count,sum,mean,min,max,std] [--categorical]

MODE is center, all-touched or coverage. The zones are first reprojected to the raster's CRS with OGR
(rasterstats does not reproject). Writes one CSV row per zone, in layer order: id, then the statistics
(rasterstats' names mapped to soilmap's: std = population standard deviation; exactextract's stdev likewise),
or with --categorical the cells of every class as class_<value> (in coverage mode, coverage-weighted: exactextract's
frac x count).

With --group-field FIELD: one row per group instead, in order of first appearance, with id = the
group's value: count, sum, mean, min, max, std of the pooled pixels of its zones, each weighted by its coverage
fraction in its zone (exactextract's values and coverage, pooled with numpy); in centre and all-touched mode the
pooled pixels of rasterstats' per-zone arrays, also with median and pNN (numpy.percentile, linear). Zones with an
empty group are left out.
"""
import argparse
import csv
import os
import sys
import tempfile

from osgeo import gdal, ogr, osr

gdal.UseExceptions()


def reproject(zones, raster):
    source = ogr.Open(zones)
    layer = source.GetLayer(0)
    target_srs = osr.SpatialReference(wkt=gdal.Open(raster).GetProjection())
    target_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    out_path = os.path.join(tempfile.mkdtemp(prefix="zonal_ref_"), "zones.gpkg")
    options = gdal.VectorTranslateOptions(format="GPKG", dstSRS=target_srs, reproject=True)
    gdal.VectorTranslate(out_path, zones, options=options)
    return out_path


def pooled_groups(args, zones, stats):
    import numpy as np
    source = ogr.Open(zones)
    group_of = {f.GetField(args.id_field): f.GetField(args.group_field) for f in source.GetLayer(0)}
    pooled = {}
    if args.mode == "coverage":
        from exactextract import exact_extract
        features = exact_extract(args.raster, zones, ["values", "coverage"], include_cols=[args.id_field], output="geojson")
        pieces = [(f["properties"][args.id_field], f["properties"]["values"], f["properties"]["coverage"]) for f in features]
    else:
        from rasterstats import zonal_stats
        features = zonal_stats(zones, args.raster, band=args.band, stats=["count"], raster_out=True,
                               all_touched=args.mode == "all-touched", geojson_out=True)
        pieces = []
        for f in features:
            array = f["properties"]["mini_raster_array"]
            values = array.compressed() if array is not None else np.array([])
            pieces.append((f["properties"][args.id_field], values, np.ones(len(values))))
    for zone_id, values, weights in pieces:
        group = group_of[zone_id]
        if group is None or group == "":
            continue  # soilmap puts zones with an empty group field in no group row (only in the total)
        v, w = pooled.setdefault(group, ([], []))
        v.append(np.asarray(values, dtype=np.float64))
        w.append(np.asarray(weights, dtype=np.float64))
    rows = []
    for group, (values, weights) in pooled.items():
        v, w = np.concatenate(values), np.concatenate(weights)
        keep = w > 0
        v, w = v[keep], w[keep]
        mean = np.sum(w * v) / np.sum(w)
        row = {"count": np.sum(w), "sum": np.sum(w * v), "mean": mean, "min": v.min(), "max": v.max(),
               "std": np.sqrt(np.sum(w * (v - mean) ** 2) / np.sum(w))}
        for s in stats:
            if s == "median":
                row[s] = np.percentile(v, 50)
            elif s.startswith("p") and s[1:].isdigit():
                row[s] = np.percentile(v, float(s[1:]))
        rows.append({"id": group, **{s: repr(float(row[s])) for s in stats}})
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("raster")
    parser.add_argument("zones")
    parser.add_argument("id_field")
    parser.add_argument("mode", choices=["center", "all-touched", "coverage"])
    parser.add_argument("output")
    parser.add_argument("--band", type=int, default=1)
    parser.add_argument("--stats", default="count,sum,mean,min,max,std")
    parser.add_argument("--categorical", action="store_true")
    parser.add_argument("--group-field")
    args = parser.parse_args()
    stats = args.stats.split(",")
    zones = reproject(args.zones, args.raster)
    rows = []
    if args.group_field:
        rows = pooled_groups(args, zones, stats)
    elif args.mode == "coverage":
        from exactextract import exact_extract
        names = {"count": "count", "sum": "sum", "mean": "mean", "min": "min", "max": "max", "std": "stdev",
                 "variance": "variance", "median": "median", "majority": "majority", "minority": "minority", "variety": "variety"}
        ops = ["unique", "frac", "count"] if args.categorical else [names[s] for s in stats]
        features = exact_extract(args.raster, zones, ops, include_cols=[args.id_field], output="geojson")
        for feature in features:
            props = feature["properties"]
            if args.categorical:
                # Covered cells per class: the class's share of the zone's covered valid cells (frac) times their
                # covered total (count), both weighted by coverage fractions.
                row = {"id": props[args.id_field]}
                for value, fraction in zip(props["unique"], props["frac"]):
                    row["class_%d" % int(value)] = float(fraction) * props["count"]
                rows.append(row)
            else:
                rows.append({"id": props[args.id_field], **{s: props[names[s]] for s in stats}})
    else:
        from rasterstats import zonal_stats
        rs_names = {"count": "count", "sum": "sum", "mean": "mean", "min": "min", "max": "max", "std": "std",
                    "median": "median", "majority": "majority", "minority": "minority", "variety": "unique"}
        wanted = [rs_names.get(s, s.replace("p", "percentile_") if s.startswith("p") else s) for s in stats]
        results = zonal_stats(zones, args.raster, band=args.band, stats=None if args.categorical else wanted,
                              categorical=args.categorical, all_touched=args.mode == "all-touched", geojson_out=True)
        for feature in results:
            props = feature["properties"]
            if args.categorical:
                rows.append({"id": props[args.id_field], **{"class_%s" % k: v for k, v in props.items() if isinstance(k, int)}})
            else:
                rows.append({"id": props[args.id_field], **{s: props[w] for s, w in zip(stats, wanted)}})
    columns = sorted({key for row in rows for key in row}, key=lambda k: (k != "id", k))
    with open(args.output, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})


if __name__ == "__main__":
    sys.exit(main())
