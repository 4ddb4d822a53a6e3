"""Run directories for the database bench: PERIODS finished runs of a national pipeline, each with 6 zonal
steps x 5 statistics (30 indicators) over COMMUNES communes in PROVINCES provinces, written as `soilmap zonal`
writes its CSV, with a manifest that records each table's SHA-256 (what `soilmap publish` checks).
    python database_runs.py OUT_DIR [COMMUNES] [PERIODS]"""
import hashlib
import json
import os
import random
import sys

out = sys.argv[1]
communes = int(sys.argv[2]) if len(sys.argv) > 2 else 3321
periods = int(sys.argv[3]) if len(sys.argv) > 3 else 10
provinces = 34 if communes >= 34 else 1
stats = ["count", "mean", "min", "max", "std"]
steps = ["som", "ph", "ec", "ndvi", "bsi", "si3"]
columns = ["level", "zone_id", "zone_name", "group_id", "group_name", "source_fid", "repaired", "zones", "cells"] + stats + ["area_ha"]


def fmt(value):
    return str(int(value)) if value == int(value) else repr(value)


for period_index in range(periods):
    period = 2025 + period_index
    run = os.path.join(out, f"run{period}")
    os.makedirs(run, exist_ok=True)
    records = []
    for step_index, step in enumerate(steps):
        rng = random.Random(period * 100 + step_index)
        rows, groups = [], {}
        for commune in range(communes):
            province = commune % provinces
            cells = rng.randint(200, 5000)
            mean = rng.uniform(-1, 5)
            values = [cells, mean, mean - rng.uniform(0, 2), mean + rng.uniform(0, 2), rng.uniform(0, 1)]
            area = cells * 0.09
            rows.append(["zone", f"{10000 + commune:05d}", f"Xã Đông Hòa {commune} \"Mới\"", f"{province + 1:02d}",
                         f"Tỉnh Thái Bình {province + 1}", str(commune), "0", "1", str(cells)] + [fmt(v) for v in values] + [fmt(area)])
            g = groups.setdefault(province, [0, 0.0, 0.0, float("inf"), float("-inf"), 0.0, 0])
            g[0] += cells; g[1] += cells * mean; g[2] += area; g[3] = min(g[3], values[2]); g[4] = max(g[4], values[3]); g[6] += 1
        for province, g in sorted(groups.items()):
            rows.append(["group", "", "", f"{province + 1:02d}", f"Tỉnh Thái Bình {province + 1}", "", "0", str(g[6]), str(g[0]),
                         fmt(g[0]), fmt(g[1] / g[0]), fmt(g[3]), fmt(g[4]), "0.5", fmt(g[2])])
        path = os.path.join(run, f"{step}_by_commune.csv")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(",".join(columns) + "\n")
            for row in rows:
                handle.write(",".join(f'"{v}"' if '"' in v or "," in v else v for v in (x.replace('"', '""') if '"' in x else x for x in row)) + "\n")
        data = open(path, "rb").read()
        records.append({"name": f"{step}_by_commune", "kind": "zonal",
                        "parameters": {"raster": f"{step}.tif", "band": 1, "stats": stats, "mode": "center", "id_field": "commune_code",
                                       "zones": "communes.gpkg", "output": f"{step}_by_commune.csv"},
                        "inputs": [f"{step}.tif"], "outputs": [{"path": f"{step}_by_commune.csv", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}],
                        "status": "computed", "cacheKey": "0" * 64, "seconds": 1.0, "warnings": []})
    manifest = {"formatVersion": 1, "pipeline": "bench/national.yaml", "pipelineSHA256": "0" * 64, "variables": {"period": str(period)},
                "startedAt": f"{period}-06-01T00:00:00Z", "finishedAt": f"{period}-06-01T01:00:00Z",
                "software": {"soilmap": "bench", "gdal": "3.6.2", "proj": "9.1.1"}, "threads": 2, "inputs": [], "steps": records, "status": "succeeded"}
    with open(os.path.join(run, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, sort_keys=True)
