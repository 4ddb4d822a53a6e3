#!/usr/bin/env python3
"""NDVI of a product's band files by the published formulas, compared with soilmap's output.

Sentinel-2 L2A: reflectance = (DN + BOA_ADD_OFFSET) / BOA_QUANTIFICATION_VALUE; Landsat C2 L2:
reflectance = DN x REFLECTANCE_MULT + REFLECTANCE_ADD. DN 0 is fill. The mask file (SCL, QA_PIXEL), on its own
grid, is sampled at each output pixel's centre (nearest); a pixel is removed when its class is one of
--mask-values or any of --mask-bits is set. NDVI = (nir - red) / (nir + red), in float64.
Prints JSON: max_abs_diff over pixels valid in both, nodata_mismatch (valid in one only), masked (pixels the
mask removes that are not fill), nodata (reference nodata pixels).
"""
import argparse
import json

import numpy as np
from osgeo import gdal

gdal.UseExceptions()


def reflectance(path, args):
    dn = gdal.Open(path).ReadAsArray().astype(np.float64)
    if args.quantification:
        value = (dn + args.add_offset) / args.quantification
    else:
        value = dn * args.mult + args.add
    return np.where(dn == 0, np.nan, value)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--red", required=True)
    parser.add_argument("--nir", required=True)
    parser.add_argument("--result", required=True)
    parser.add_argument("--quantification", type=float)
    parser.add_argument("--add-offset", type=float, default=0)
    parser.add_argument("--mult", type=float)
    parser.add_argument("--add", type=float)
    parser.add_argument("--mask")
    parser.add_argument("--mask-values", default="")
    parser.add_argument("--mask-bits", default="")
    args = parser.parse_args()

    red, nir = reflectance(args.red, args), reflectance(args.nir, args)
    with np.errstate(invalid="ignore", divide="ignore"):
        ndvi = (nir - red) / (nir + red)
    fill = np.isnan(ndvi)
    masked = np.zeros(ndvi.shape, dtype=bool)
    if args.mask:
        grid = gdal.Open(args.red).GetGeoTransform()
        mask_dataset = gdal.Open(args.mask)
        mask_grid = mask_dataset.GetGeoTransform()
        mask = mask_dataset.ReadAsArray().astype(np.int64)
        rows, columns = np.indices(ndvi.shape)
        x = grid[0] + (columns + 0.5) * grid[1]
        y = grid[3] + (rows + 0.5) * grid[5]
        mask_column = np.floor((x - mask_grid[0]) / mask_grid[1]).astype(int)
        mask_row = np.floor((y - mask_grid[3]) / mask_grid[5]).astype(int)
        sampled = mask[np.clip(mask_row, 0, mask.shape[0] - 1), np.clip(mask_column, 0, mask.shape[1] - 1)]
        for value in filter(None, args.mask_values.split(",")):
            masked |= sampled == int(value)
        for bit in filter(None, args.mask_bits.split(",")):
            masked |= (sampled >> int(bit)) & 1 == 1
    reference_nodata = fill | masked
    result_dataset = gdal.Open(args.result)
    result = result_dataset.ReadAsArray().astype(np.float64)
    result_nodata = result == result_dataset.GetRasterBand(1).GetNoDataValue()
    both = ~reference_nodata & ~result_nodata
    print(json.dumps({
        "max_abs_diff": float(np.max(np.abs(result[both] - ndvi[both]))) if both.any() else None,
        "nodata_mismatch": int(np.sum(reference_nodata != result_nodata)),
        "masked": int(np.sum(masked & ~fill)),
        "nodata": int(np.sum(reference_nodata)),
    }))


if __name__ == "__main__":
    main()
