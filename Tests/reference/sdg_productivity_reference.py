"""Checks soilmap's SDG 15.3.1 productivity sub-indicators against numpy, from Trends.Earth's rules as
../shared/INDICES.md states them (written from those rules, not from soilmap's code).

  state MAP.tif DETAILS.tif --years Y,Y,... --baseline A-B --comparison C-D --small-change X RASTER[:N]...
      Per pixel: the baseline years' values plus min - 5 % and max + 5 % of their range; numpy.percentile
      (default, linear) at 10, 20, ..., 90; a mean is class 1 when <= p10, k when in (p(10k-10), p(10k)], 10 when
      > p90; change = class(comparison mean) - class(baseline mean), 0 when |difference of means| <= X;
      <= -2 degraded (-1), >= +2 improved (+1), else stable (0). A period with no valid year: nodata.
  performance MAP.tif DETAILS.tif --years Y,Y,... --period A-B --units UNITS[:N] RASTER[:N]...
      Per pixel: the mean over the period's valid years (nodata when none, or when exactly 0, as Trends.Earth
      leaves NDVI 0 out); per land unit, numpy.percentile(means of its pixels, 90) over the whole raster; ratio =
      mean / that percentile; <= 0.5 degraded (-1), else stable (0); a unit whose percentile is <= 0: nodata.
  prod5 T.tif S.tif P.tif OUT5.tif OUT3.tif
      Trends.Earth's 5 classes from trajectory, state, performance codes (-1/0/1, Int16, nodata -32768): T -1 -> 1;
      T +1 -> 2 if S = P = -1 else 5; T 0 -> 1 if S = P = -1, 2 if S = -1 and P = 0, 3 if S = 0 and P = -1, 4 if
      S = 0 and P = 0 or S = +1; any nodata -> nodata. Three classes: 1-2 degraded, 3-4 stable, 5 improved.
      OUT5 holds sdg-productivity values 1-5 (nodata 0), OUT3 sdg-15.3.1 values (1 degraded, 2 stable, 3 improved).

Class maps hold sdg-15.3.1 values: code + 2 (1 degraded, 2 stable, 3 improved), nodata 0. Detail bands are Float32:
means within one Float32 step of numpy's, classes and ratios' classes exact. Prints counts; exits 1 on any
disagreement.
"""
import argparse
import sys

import numpy as np
from osgeo import gdal

NODATA = -9999.0


def read(spec):
    path, band = spec, 1
    if ":" in spec and spec.rsplit(":", 1)[1].isdigit():
        path, band = spec.rsplit(":", 1)[0], int(spec.rsplit(":", 1)[1])
    dataset = gdal.Open(path)
    raster = dataset.GetRasterBand(band)
    values = raster.ReadAsArray().astype(np.float64)
    nodata = raster.GetNoDataValue()
    if nodata is not None and not np.isnan(nodata):
        values[values == nodata] = np.nan
    return values


def read_raw(path, band=1):
    dataset = gdal.Open(path)  # kept referenced while the band is read: a band must not outlive its dataset
    return dataset.GetRasterBand(band).ReadAsArray()


def span(text):
    first, _, last = text.partition("-")
    return int(first), int(last or first)


def close(actual, expected):
    return abs(float(actual) - float(np.float32(expected))) <= np.spacing(np.float32(abs(expected)))


def decile_class(value, percentiles):
    if value <= percentiles[0]:
        return 1
    for k in range(2, 10):
        if percentiles[k - 2] < value <= percentiles[k - 1]:
            return k
    return 10


def state(args):
    years = [int(y) for y in args.years.split(",")]
    stack = np.stack([read(spec) for spec in args.inputs])
    b0, b1 = span(args.baseline)
    c0, c1 = span(args.comparison)
    base_rows = [i for i, y in enumerate(years) if b0 <= y <= b1]
    comp_rows = [i for i, y in enumerate(years) if c0 <= y <= c1]
    classes = read_raw(args.map)
    details = gdal.Open(args.details)
    detail = [details.GetRasterBand(b).ReadAsArray() for b in range(1, 6)] if details else None
    failures = 0
    counts = {-1: 0, 0: 0, 1: 0, "nodata": 0, "small": 0}
    for row in range(stack.shape[1]):
        for column in range(stack.shape[2]):
            base = stack[base_rows, row, column]
            base = base[np.isfinite(base)]
            comp = stack[comp_rows, row, column]
            comp = comp[np.isfinite(comp)]
            if base.size == 0 or comp.size == 0:
                expected, values = 0, [NODATA] * 5
                counts["nodata"] += 1
            else:
                base_mean, comp_mean = np.mean(base), np.mean(comp)
                widen = 0.05 * (base.max() - base.min())
                sample = np.concatenate([base, [base.min() - widen, base.max() + widen]])
                percentiles = np.percentile(sample, [10, 20, 30, 40, 50, 60, 70, 80, 90])
                base_class, comp_class = decile_class(base_mean, percentiles), decile_class(comp_mean, percentiles)
                change = comp_class - base_class
                if abs(comp_mean - base_mean) <= args.small_change:
                    change = 0
                    counts["small"] += 1
                code = -1 if change <= -2 else (1 if change >= 2 else 0)
                counts[code] += 1
                expected, values = code + 2, [base_mean, comp_mean, base_class, comp_class, change]
            if classes[row, column] != expected:
                failures += 1
                print(f"({row},{column}): class {classes[row, column]}, expected {expected} ({values})")
            if detail:
                for band, value in enumerate(values):
                    if not close(detail[band][row, column], value):
                        failures += 1
                        print(f"({row},{column}) band {band + 1}: {detail[band][row, column]!r}, expected {value!r}")
    print(f"compared={classes.size} degraded={counts[-1]} stable={counts[0]} improved={counts[1]} nodata={counts['nodata']} small_change={counts['small']} failures={failures}")
    return failures


def performance(args):
    years = [int(y) for y in args.years.split(",")]
    p0, p1 = span(args.period)
    rows = [i for i, y in enumerate(years) if p0 <= y <= p1]
    stack = np.stack([read(spec) for spec in args.inputs])[rows]
    units = read(args.units)
    with np.errstate(all="ignore"), __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore")
        means = np.nanmean(stack, axis=0)
    valid = np.isfinite(means) & (means != 0) & np.isfinite(units)
    potential = np.full(means.shape, np.nan)
    for unit in np.unique(units[valid]):
        members = valid & (units == unit)
        potential[members] = np.percentile(means[members], 90)
    valid &= potential > 0
    ratio = np.where(valid, means / np.where(valid, potential, 1), np.nan)
    expected = np.where(valid, np.where(ratio <= 0.5, 1, 2), 0)
    classes = read_raw(args.map)
    failures = int((classes != expected).sum())
    for row, column in list(zip(*np.nonzero(classes != expected)))[:5]:
        print(f"({row},{column}): class {classes[row, column]}, expected {expected[row, column]} (ratio {ratio[row, column]})")
    details = gdal.Open(args.details) if args.details else None
    if details:
        for band, reference in enumerate([means, potential, ratio]):
            actual = details.GetRasterBand(band + 1).ReadAsArray()
            for row, column in zip(*np.nonzero(valid)):
                if not close(actual[row, column], reference[row, column]):
                    failures += 1
                    if failures < 10:
                        print(f"({row},{column}) band {band + 1}: {actual[row, column]!r}, expected {reference[row, column]!r}")
            failures += int((actual[~valid] != NODATA).sum())
    print(f"compared={classes.size} degraded={int((expected == 1).sum())} stable={int((expected == 2).sum())} nodata={int((expected == 0).sum())} units={len(np.unique(units[valid]))} failures={failures}")
    return failures


def prod5(args):
    t, s, p = (read_raw(path).astype(int) for path in (args.t, args.s, args.p))
    five = np.zeros(t.shape, dtype=int)
    for index in np.ndindex(t.shape):
        tv, sv, pv = t[index], s[index], p[index]
        if -32768 in (tv, sv, pv):
            continue
        if tv == -1:
            five[index] = 1
        elif tv == 1:
            five[index] = 2 if (sv == -1 and pv == -1) else 5
        elif sv == -1 and pv == -1:
            five[index] = 1
        elif sv == -1 and pv == 0:
            five[index] = 2
        elif sv == 0 and pv == -1:
            five[index] = 3
        elif (sv == 0 and pv == 0) or sv == 1:
            five[index] = 4
        else:
            five[index] = -1  # not covered by the rules (P = +1, which performance never gives)
    covered = five >= 0
    three = np.select([five == 0, five <= 2, five <= 4], [0, 1, 2], 3)
    out5 = read_raw(args.out5)
    out3 = read_raw(args.out3)
    failures = int((out5[covered] != five[covered]).sum() + (out3[covered] != three[covered]).sum())
    for index in zip(*np.nonzero(covered & ((out5 != five) | (out3 != three)))):
        print(f"T={t[index]} S={s[index]} P={p[index]}: soilmap {out5[index]}/{out3[index]}, rules {five[index]}/{three[index]}")
    print(f"compared={int(covered.sum())} uncovered={int((~covered).sum())} nodata={int((five == 0).sum())} failures={failures}")
    return failures


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    s = commands.add_parser("state")
    s.add_argument("map")
    s.add_argument("details")
    s.add_argument("inputs", nargs="+")
    s.add_argument("--years", required=True)
    s.add_argument("--baseline", required=True)
    s.add_argument("--comparison", required=True)
    s.add_argument("--small-change", type=float, default=0.01)
    p = commands.add_parser("performance")
    p.add_argument("map")
    p.add_argument("details")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--years", required=True)
    p.add_argument("--period", required=True)
    p.add_argument("--units", required=True)
    f = commands.add_parser("prod5")
    for name in ("t", "s", "p", "out5", "out3"):
        f.add_argument(name)
    args = parser.parse_args()
    failures = {"state": state, "performance": performance, "prod5": prod5}[args.command](args)
    sys.exit(1 if failures else 0)


main()
