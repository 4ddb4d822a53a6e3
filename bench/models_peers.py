#!/usr/bin/env python3
"""scikit-learn peers of the model benchmark (run with the venv's python).

  models_peers.py train SAMPLES.gpkg MODEL.joblib TREES MAX_DEPTH SEED
      RandomForestClassifier(n_estimators=TREES, max_depth=MAX_DEPTH, max_features="sqrt", n_jobs=2) on the
      samples' band fields.
  models_peers.py predict MODEL.joblib OUT.tif BAND.tif...
      predict(), n_jobs=2, block by block (strips of 512 rows), written as a tiled DEFLATE Byte GeoTIFF with
      nodata 0 where a band has no value."""
import sys

import joblib
import numpy as np
from osgeo import gdal, ogr
from sklearn.ensemble import RandomForestClassifier

gdal.UseExceptions()
FIELDS = ["b02", "b03", "b04", "b08", "b11", "b12"]


def train(samples, model, trees, depth, seed):
    source = ogr.Open(samples)
    layer = source.GetLayer(0)
    rows = [[f.GetField(name) for name in FIELDS] + [f.GetField("class")] for f in layer]
    data = np.array(rows, dtype=np.float64)
    classifier = RandomForestClassifier(n_estimators=int(trees), max_depth=int(depth), max_features="sqrt",
                                        n_jobs=2, random_state=int(seed))
    classifier.fit(data[:, :-1], data[:, -1].astype(int))
    joblib.dump(classifier, model)


def predict(model, out, bands):
    classifier = joblib.load(model)
    classifier.n_jobs = 2
    datasets = [gdal.Open(b) for b in bands]
    width, height = datasets[0].RasterXSize, datasets[0].RasterYSize
    driver = gdal.GetDriverByName("GTiff")
    target = driver.Create(out, width, height, 1, gdal.GDT_Byte,
                           ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=DEFLATE", "NUM_THREADS=2"])
    target.SetGeoTransform(datasets[0].GetGeoTransform())
    target.SetProjection(datasets[0].GetProjection())
    band = target.GetRasterBand(1)
    band.SetNoDataValue(0)
    for start in range(0, height, 512):
        rows = min(512, height - start)
        stack = np.stack([d.GetRasterBand(1).ReadAsArray(0, start, width, rows) for d in datasets], axis=-1)
        flat = stack.reshape(-1, len(datasets)).astype(np.float32)
        valid = (flat > 0).all(axis=1)
        classes = np.zeros(len(flat), dtype=np.uint8)
        if valid.any():
            classes[valid] = classifier.predict(flat[valid]).astype(np.uint8)
        band.WriteArray(classes.reshape(rows, width), 0, start)
    target = None


if __name__ == "__main__":
    if sys.argv[1] == "train":
        train(*sys.argv[2:7])
    else:
        predict(sys.argv[2], sys.argv[3], sys.argv[4:])
