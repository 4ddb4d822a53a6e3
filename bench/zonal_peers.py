#!/usr/bin/env python3
"""Zonal-statistics peers for the soilmap bench: mean/count/sum/min/max of band 1 of RASTER per commune.

Run with the venv interpreter ($SOILMAP_VENV/bin/python, default /opt/soilmap-venv), which has exactextract and
rasterstats and sees Debian's GDAL through --system-site-packages.

zonal_peers.py exactextract RASTER VECTOR OUT.csv   # coverage mode: pixels weighted by covered fraction
zonal_peers.py rasterstats  RASTER VECTOR OUT.csv   # centre mode: pixels whose centre is inside (all_touched=False)
zonal_peers.py compare A.csv B.csv                  # agreement of two result files (by commune_code)

Nodata of the raster (e.g. -9999) is excluded by both tools. exactextract's count and sum are coverage-weighted
(fractional), rasterstats' are whole pixels. Prints the elapsed seconds of the computation to stderr.
"""
import csv
import sys
import time

STATS = ["mean", "count", "sum", "min", "max"]
KEYS = ["commune_code", "commune_name", "province_code", "province_name"]


def write_csv(path, recs):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(KEYS + STATS)
        for props, st in recs:
            w.writerow([props[k] for k in KEYS] + ["" if st.get(s) is None else repr(float(st[s])) for s in STATS])


def run_exactextract(raster, vector, out):
    from exactextract import exact_extract
    t0 = time.perf_counter()
    feats = exact_extract(raster, vector, STATS, include_cols=KEYS, output="geojson")
    recs = [(f["properties"], f["properties"]) for f in feats]
    dt = time.perf_counter() - t0
    write_csv(out, recs)
    return dt, len(recs)


def run_rasterstats(raster, vector, out):
    from rasterstats import gen_zonal_stats
    t0 = time.perf_counter()
    recs = []
    for f in gen_zonal_stats(vector, raster, stats=STATS, all_touched=False, geojson_out=True):
        recs.append((f["properties"], f["properties"]))
    dt = time.perf_counter() - t0
    write_csv(out, recs)
    return dt, len(recs)


def compare(a, b):
    def load(p):
        with open(p, encoding="utf-8") as fh:
            return {r["commune_code"]: r for r in csv.DictReader(fh)}
    ra, rb = load(a), load(b)
    common = sorted(set(ra) & set(rb))
    print(f"{len(ra)} vs {len(rb)} rows, {len(common)} common commune codes")
    for s in STATS:
        diffs = []
        for k in common:
            x, y = ra[k][s], rb[k][s]
            if x and y:
                x, y = float(x), float(y)
                diffs.append(abs(x - y) / max(abs(x), abs(y), 1e-12))
        if diffs:
            diffs.sort()
            print(f"{s:6s} relative difference: median {diffs[len(diffs) // 2]:.2e}, max {diffs[-1]:.2e}")


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    tool = sys.argv[1]
    if tool == "compare":
        compare(sys.argv[2], sys.argv[3])
        return
    raster, vector, out = sys.argv[2:5]
    fn = {"exactextract": run_exactextract, "rasterstats": run_rasterstats}[tool]
    dt, n = fn(raster, vector, out)
    print(f"{tool}: {n} zones in {dt:.2f} s -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
