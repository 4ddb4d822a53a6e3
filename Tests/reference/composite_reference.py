"""Checks a `soilmap composite` map against numpy, pixel by pixel.

  /opt/soilmap-venv/bin/python Tests/reference/composite_reference.py OUT.tif --statistic mean|median|min|max|count
      [--min-valid K] [--by-year [--dates CSV] [--years FIRST-LAST]] RASTER[:N]...

RASTER means every band of it, RASTER:N band N. Nodata (the band's nodata value) and NaN are missing values.
Reference: numpy.nanmean, nanmedian, nanmin, nanmax, and the count of finite values, over each output band's input
bands, in Float64; fewer than K valid values: nodata (-9999). With --by-year, each band's year comes from its date,
independently of soilmap's rule: the band description parsed as X%Y.%m.%d (the bfast MODIS series), or, with
--dates CSV (npphen's Slovenia_dates.csv), the `date` (dd/mm/yyyy) of the row whose `Id` is in the file's name.
The map is Float32: each value must equal the reference rounded to Float32, within one Float32 step (sums in a
different order may differ in the last bit of the Float64). Prints counts; exits 1 on any disagreement.
"""
import argparse
import csv
import datetime
import os
import sys

import numpy as np
from osgeo import gdal

NODATA = -9999.0


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--statistic", default="mean")
    parser.add_argument("--min-valid", type=int, default=1)
    parser.add_argument("--by-year", action="store_true")
    parser.add_argument("--dates")
    parser.add_argument("--years")
    return parser.parse_args()


def bands_of(spec):
    path, band = spec, None
    if ":" in spec and spec.rsplit(":", 1)[1].isdigit():
        path, band = spec.rsplit(":", 1)[0], int(spec.rsplit(":", 1)[1])
    dataset = gdal.Open(path)
    numbers = [band] if band else list(range(1, dataset.RasterCount + 1))
    result = []
    for number in numbers:
        raster = dataset.GetRasterBand(number)
        values = raster.ReadAsArray().astype(np.float64)
        nodata = raster.GetNoDataValue()
        if nodata is not None and not np.isnan(nodata):
            values[values == nodata] = np.nan
        result.append((path, raster.GetDescription(), values))
    return result


def year_of(path, description, dates):
    if dates is not None:
        name = os.path.basename(path)
        matches = [date for identifier, date in dates.items() if identifier in name]
        assert len(matches) == 1, f"{name}: {len(matches)} rows of the date table"
        return datetime.datetime.strptime(matches[0], "%d/%m/%Y").year
    return datetime.datetime.strptime(description, "X%Y.%m.%d").year


def main():
    args = parse()
    bands = [band for spec in args.inputs for band in bands_of(spec)]
    dates = None
    if args.dates:
        with open(args.dates, newline="") as file:
            dates = {row["Id"]: row["date"] for row in csv.DictReader(file)}
    if args.by_year:
        years = [year_of(path, description, dates) for path, description, _ in bands]
        chosen = sorted(set(years))
        if args.years:
            first, last = (int(word) for word in args.years.split("-"))
            chosen = list(range(first, last + 1))
        groups = [[values for (_, _, values), year in zip(bands, years) if year == chosen_year] for chosen_year in chosen]
    else:
        chosen, groups = [], [[values for _, _, values in bands]]
    output = gdal.Open(args.output)
    assert output.RasterCount == len(groups), f"{output.RasterCount} bands, expected {len(groups)}"
    reducers = {"mean": np.nanmean, "median": np.nanmedian, "min": np.nanmin, "max": np.nanmax,
                "count": lambda stack, axis: np.sum(np.isfinite(stack), axis=axis).astype(np.float64)}
    failures = compared = nodata = 0
    for index, group in enumerate(groups):
        stack = np.stack(group)
        valid = np.sum(np.isfinite(stack), axis=0)
        with np.errstate(all="ignore"), __import__("warnings").catch_warnings():
            __import__("warnings").simplefilter("ignore")
            expected = reducers[args.statistic](stack, axis=0)
        expected = np.where(valid >= args.min_valid, expected, NODATA).astype(np.float32)
        band = output.GetRasterBand(index + 1)
        actual = band.ReadAsArray().astype(np.float32)
        if chosen and band.GetDescription() != str(chosen[index]):
            print(f"band {index + 1}: description {band.GetDescription()!r}, expected {chosen[index]}")
            failures += 1
        step = np.spacing(np.abs(expected))
        bad = np.abs(actual.astype(np.float64) - expected.astype(np.float64)) > step
        failures += int(bad.sum())
        for row, column in list(zip(*np.nonzero(bad)))[:5]:
            print(f"band {index + 1} ({row},{column}): soilmap {actual[row, column]!r}, numpy {expected[row, column]!r}")
        nodata += int((expected == NODATA).sum())
        compared += expected.size
    print(f"compared={compared} nodata={nodata} bands={len(groups)} per_band={','.join(str(len(g)) for g in groups)} failures={failures}")
    sys.exit(1 if failures else 0)


main()
