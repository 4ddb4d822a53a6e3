"""Inputs for a second period of the demo pipeline, for the database tests: the Olinda stack with its near
infrared (band 4) at 90 % (less vegetation: other NDVI values and classes), and the census tracts with one
neighbourhood renamed (a unit that changes name: a new version of it from that period), to a name with quotes,
an apostrophe and Vietnamese and Portuguese letters.
    python second_period.py SAMPLES_DIR OUT_DIR NEW_NAME"""
import os
import shutil
import sys

from osgeo import gdal, ogr

gdal.UseExceptions()
samples, out, new_name = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(os.path.join(out, "olinda"), exist_ok=True)
shutil.copytree(os.path.join(samples, "schemes"), os.path.join(out, "schemes"), dirs_exist_ok=True)

stack = gdal.Translate(os.path.join(out, "olinda", "L7_ETMs.tif"), os.path.join(samples, "olinda", "L7_ETMs.tif"))
band = stack.GetRasterBand(4)
values = band.ReadAsArray()
band.WriteArray((values * 0.9).round().astype(values.dtype))
stack = None

zones = gdal.VectorTranslate(os.path.join(out, "olinda", "olinda1.shp"), os.path.join(samples, "olinda", "olinda1.shp"),
                             layerCreationOptions=["ENCODING=UTF-8"])
zones = None
source = ogr.Open(os.path.join(out, "olinda", "olinda1.shp"), update=1)
layer = source.GetLayer(0)
renamed = 0
for feature in layer:
    if feature.GetField("NM_BAIR") == "Jardim Atlântico":
        feature.SetField("NM_BAIR", new_name)
        layer.SetFeature(feature)
        renamed += 1
source = None
assert renamed > 0, "no tract of Jardim Atlântico"
print(renamed)
