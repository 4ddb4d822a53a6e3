"""Checks a `soilmap trend` map against scipy, pixel by pixel.

  /opt/soilmap-venv/bin/python Tests/reference/trend_reference.py TREND.tif --years Y,Y,... [--min-years K] RASTER[:N]...

Reference values: scipy.stats.linregress (OLS slope and intercept), scipy.stats.theilslopes (Theil-Sen slope),
scipy.stats.kendalltau (tau-b); Mann-Kendall S and its tie-corrected variance from the published formula
(Kendall 1975; Hirsch, Slack & Smith 1982): var = [n(n-1)(2n+5) - sum t(t-1)(2t+5)] / 18 over groups of t tied
values; Z = (S - sign S) / sqrt(var) (0 when S = 0 or var = 0); p = 2 (1 - Phi(|Z|)) (scipy.stats.norm.sf).
Tolerance: 1e-6 x max(1, |value|) for statistics, 1e-9 plus half a Float32 step for p (the map is Float32).
Also: scipy.stats.kendalltau(method='asymptotic').pvalue against the same S and var without continuity
correction (within 1e-9: the variance formula is scipy's), and the largest difference from kendalltau's default p, reported.
With --significance trends-earth [--small-slope X] (default 0.001), the trajectory is checked against
Trends.Earth's rule as ../shared/INDICES.md states it: critical |S| from its table at n = the number of years
(gaps or not); +/-1, 2, 3 for |S| >= the 90, 95, 99 % value with the OLS slope's sign; then 0 if |S| <= the 90 %
value; then 0 if |slope| <= X.
Prints counts of the cases seen; exits 1 on any disagreement.
"""
import math
import sys

import numpy as np
from osgeo import gdal
from scipy import stats

NODATA = -9999.0
# ../shared/INDICES.md, n = 4...
TE_90 = [4, 6, 7, 9, 10, 12, 15, 17, 18, 22, 23, 27, 28, 32, 35, 37, 40, 42, 45, 49, 52, 56, 59, 61, 66, 68, 73, 75, 80, 84, 87,
         91, 94, 98, 103, 107, 110, 114, 119, 123, 128, 132, 135, 141, 144, 150, 153, 159, 162, 168, 173, 177, 182, 186, 191, 197, 202]
TE_95 = [4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 31, 33, 36, 40, 43, 47, 50, 54, 59, 63, 66, 70, 75, 79, 84, 88, 93, 97, 102, 106, 111,
         115, 120, 126, 131, 137, 142, 146, 151, 157, 162, 168, 173, 179, 186, 190, 197, 203, 208, 214, 221, 227, 232, 240, 245, 251, 258]
TE_99 = [6, 8, 11, 18, 22, 25, 29, 34, 38, 41, 47, 50, 56, 61, 65, 70, 76, 81, 87, 92, 98, 105, 111, 116, 124, 129, 135, 142, 150, 155,
         163, 170, 176, 183, 191, 198, 206, 213, 221, 228, 236, 245, 253, 260, 268, 277, 285, 294, 302, 311, 319, 328, 336, 345, 355, 364]


def trends_earth_code(slope, s, years, small_slope):
    k90, k95, k99 = TE_90[years - 4], TE_95[years - 4], TE_99[years - 4]
    code = 0
    if slope > 0 or slope < 0:
        sign = 1 if slope > 0 else -1
        if abs(s) >= k99:
            code = 3 * sign
        elif abs(s) >= k95:
            code = 2 * sign
        elif abs(s) >= k90:
            code = sign
    if abs(s) <= k90:
        code = 0
    if abs(slope) <= small_slope:
        code = 0
    return code


BANDS = ["ols_slope", "ols_intercept", "sen_slope", "mk_s", "mk_var", "mk_z", "mk_p", "tau", "n", "trajectory"]


def read_band(band):
    return band.ReadAsArray().astype(np.float64)


def read_input(spec):
    path, band = spec, 1
    if ":" in spec and spec.rsplit(":", 1)[1].isdigit():
        path, band = spec.rsplit(":", 1)[0], int(spec.rsplit(":", 1)[1])
    dataset = gdal.Open(path)  # kept referenced: a band outlives no dataset
    raster = dataset.GetRasterBand(band)
    values = read_band(raster)
    nodata = raster.GetNoDataValue()
    if nodata is not None:
        values[values == nodata] = np.nan
    return values


def mann_kendall(y):
    n = len(y)
    s = sum(np.sign(y[j] - y[i]) for i in range(n) for j in range(i + 1, n))
    _, ties = np.unique(y, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18.0
    if s == 0 or var == 0:
        z = 0.0
    else:
        z = (s - np.sign(s)) / math.sqrt(var)
    return float(s), var, z, 2 * stats.norm.sf(abs(z)), bool((ties > 1).any())


def main(argv):
    trend_path = argv[0]
    years = [int(y) for y in argv[argv.index("--years") + 1].split(",")]
    min_years = int(argv[argv.index("--min-years") + 1]) if "--min-years" in argv else 4
    trends_earth = "--significance" in argv and argv[argv.index("--significance") + 1] == "trends-earth"
    small_slope = float(argv[argv.index("--small-slope") + 1]) if "--small-slope" in argv else 0.001
    skip = set()
    for option in ["--years", "--min-years", "--significance", "--small-slope"]:
        if option in argv:
            skip |= {argv.index(option), argv.index(option) + 1}
    specs = [a for i, a in enumerate(argv[1:], 1) if i not in skip]
    series = np.stack([read_input(s) for s in specs])
    trend = gdal.Open(trend_path)
    names = [trend.GetRasterBand(b + 1).GetDescription() for b in range(trend.RasterCount)]
    if names != BANDS:
        print(f"band descriptions {names}, expected {BANDS}")
        return 1
    ours = np.stack([read_band(trend.GetRasterBand(b + 1)) for b in range(len(BANDS))])
    x_all = np.array(years, dtype=np.float64)
    failures = []
    counts = {"compared": 0, "nodata": 0, "constant": 0, "ties": 0, "missing": 0, "significant": 0, "small_slope": 0}
    max_default_p_difference = 0.0

    def check(pixel, name, got, expected, tolerance):
        if not (abs(got - expected) <= tolerance):
            failures.append(f"pixel {pixel} {name}: {got!r} vs scipy {expected!r}")

    _, height, width = series.shape
    for row in range(height):
        for column in range(width):
            pixel = (row, column)
            got = dict(zip(BANDS, ours[:, row, column]))
            valid = ~np.isnan(series[:, row, column])
            y, x = series[valid, row, column], x_all[valid]
            n = len(y)
            if n < min_years:
                counts["nodata"] += 1
                if any(v != NODATA for v in got.values()):
                    failures.append(f"pixel {pixel}: {n} valid years but not nodata: {got}")
                continue
            counts["compared"] += 1
            counts["missing"] += n < len(years)
            constant = bool((y == y[0]).all())
            counts["constant"] += constant
            ols = stats.linregress(x, y)
            sen = stats.theilslopes(y, x)[0]
            s, var, z, p, tied = mann_kendall(y)
            counts["ties"] += tied and not constant
            tau = 0.0 if constant else stats.kendalltau(x, y).statistic
            direction = np.sign(ols.slope)
            if trends_earth:
                trajectory = trends_earth_code(ols.slope, s, len(years), small_slope)
            else:
                trajectory = direction * (3 if p < 0.01 else 2 if p < 0.05 else 1 if p < 0.10 else 0)
            counts["significant"] += trajectory != 0
            counts["small_slope"] += trends_earth and trajectory == 0 and trends_earth_code(ols.slope, s, len(years), 0) != 0
            for name, expected in [("ols_slope", ols.slope), ("ols_intercept", ols.intercept), ("sen_slope", sen),
                                   ("mk_s", s), ("mk_var", var), ("mk_z", z), ("tau", tau), ("n", n),
                                   ("trajectory", trajectory)]:
                check(pixel, name, got[name], expected, 1e-6 * max(1.0, abs(expected)))
            check(pixel, "mk_p", got["mk_p"], p, 1e-9 + float(np.spacing(np.float32(p))) / 2)
            if not constant:
                # kendalltau's asymptotic p: the same tie-corrected variance, no continuity correction.
                asymptotic = stats.kendalltau(x, y, method="asymptotic").pvalue
                # S and var as checked against the map above (its Float32 var is not exact for var = 26/3).
                uncorrected = math.erfc(abs(s) / math.sqrt(var) / math.sqrt(2))
                check(pixel, "kendalltau asymptotic p", uncorrected, asymptotic, 1e-9)
                max_default_p_difference = max(max_default_p_difference, abs(got["mk_p"] - stats.kendalltau(x, y).pvalue))
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    print(f"largest |mk_p - kendalltau default p| = {max_default_p_difference:.3g}")
    for failure in failures[:20]:
        print(failure)
    if failures:
        print(f"{len(failures)} disagreements")
        return 1
    print("agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
