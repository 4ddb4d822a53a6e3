#!/usr/bin/env python3
"""Independent reference for `soilmap rasterize`: GDAL's own rasterizer driven from Python, on the grid of a
given raster.

numeric:     the attribute's values, Float32, -9999 where no polygon burns (gdal_rasterize -a FIELD -init -9999).
categorical: classes numbered 1...K in the code-point order of the attribute's distinct text values (0 where no
             polygon burns); prints the class names, one per line, in code order.

Usage: rasterize_reference.py POLYGONS FIELD LIKE.tif OUT.tif numeric|categorical [all-touched]
"""
import sys

from osgeo import gdal, ogr

gdal.UseExceptions()


def main():
    polygons, field, like, out, mode = sys.argv[1:6]
    all_touched = len(sys.argv) > 6 and sys.argv[6] == "all-touched"
    grid = gdal.Open(like)
    categorical = mode == "categorical"
    dtype = gdal.GDT_Byte if categorical else gdal.GDT_Float32
    ds = gdal.GetDriverByName("GTiff").Create(out, grid.RasterXSize, grid.RasterYSize, 1, dtype)
    ds.SetGeoTransform(grid.GetGeoTransform())
    ds.SetProjection(grid.GetProjection())
    nodata = 0 if categorical else -9999
    ds.GetRasterBand(1).SetNoDataValue(nodata)
    ds.GetRasterBand(1).Fill(nodata)
    source = ogr.Open(polygons)
    layer = source.GetLayer(0)
    options = ["ALL_TOUCHED=TRUE"] if all_touched else []
    if not categorical:
        layer.SetAttributeFilter(f"{field} IS NOT NULL")
        gdal.RasterizeLayer(ds, [1], layer, options=options + [f"ATTRIBUTE={field}"])
    else:
        values = sorted({f.GetField(field) for f in layer if f.GetField(field) is not None})
        layer.ResetReading()
        memory = ogr.GetDriverByName("Memory").CreateDataSource("")
        burn = memory.CreateLayer("burn", layer.GetSpatialRef(), ogr.wkbUnknown)
        burn.CreateField(ogr.FieldDefn("code", ogr.OFTInteger))
        for feature in layer:
            value = feature.GetField(field)
            if value is None or feature.GetGeometryRef() is None:
                continue
            copy = ogr.Feature(burn.GetLayerDefn())
            copy.SetGeometry(feature.GetGeometryRef().Clone())
            copy.SetField("code", values.index(value) + 1)
            burn.CreateFeature(copy)
        gdal.RasterizeLayer(ds, [1], burn, options=options + ["ATTRIBUTE=code"])
        print("\n".join(values))
    ds = None


main()
