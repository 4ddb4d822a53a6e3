#!/usr/bin/env python3
"""Independent reference for soilmap's GeoTIFF integrity check: where a GeoTIFF's blocks lie, as GDAL reports them.

  /usr/bin/python3 Tests/reference/tiff_block_ends.py FILE.tif
      Prints one line per resolution level (0: full resolution, then each overview):
      LEVEL BLOCKS FURTHEST_END
      BLOCKS counts the distinct blocks of the level (a block shared by the bands of a pixel-interleaved file
      counts once), FURTHEST_END is the largest BLOCK_OFFSET + BLOCK_SIZE (GDAL's "TIFF" metadata domain).
"""
import sys

from osgeo import gdal

gdal.UseExceptions()
dataset = gdal.Open(sys.argv[1])
levels = {}
for number in range(1, dataset.RasterCount + 1):
    band = dataset.GetRasterBand(number)
    for level, view in enumerate([band] + [band.GetOverview(i) for i in range(band.GetOverviewCount())]):
        width, height = view.GetBlockSize()
        columns = (view.XSize + width - 1) // width
        rows = (view.YSize + height - 1) // height
        for row in range(rows):
            for column in range(columns):
                offset = int(view.GetMetadataItem(f"BLOCK_OFFSET_{column}_{row}", "TIFF") or 0)
                size = int(view.GetMetadataItem(f"BLOCK_SIZE_{column}_{row}", "TIFF") or 0)
                levels.setdefault(level, set()).add((offset, size))
for level in sorted(levels):
    blocks = levels[level]
    print(level, len(blocks), max(offset + size for offset, size in blocks))
