#!/usr/bin/env python3
"""Reads a QGIS raster style (.qml) with Python's own XML parser, independently of soilmap, and prints what a
paletted renderer would draw, as JSON:

  /usr/bin/python3 Tests/reference/qml_read.py STYLE.qml
      {"renderer": "paletted", "band": 1, "nodataColor": "", "resampling": [...],
       "entries": [{"value": 1, "color": "#2c7bb6", "alpha": 255, "label": "..."}, ...]}

It follows QgsPalettedRasterRenderer::create: the renderer is qgis/pipe/rasterrenderer, its classes are the
paletteEntry elements of its colorPalette, a missing alpha is 255 and a missing label is empty. Exits 1 with a
message when the file is not such a style.
"""
import json
import sys
import xml.etree.ElementTree as ET


def main():
    path = sys.argv[1]
    root = ET.parse(path).getroot()
    if root.tag != "qgis":
        sys.exit(f"{path}: root element is {root.tag}, not qgis")
    renderer = root.find("./pipe/rasterrenderer")
    if renderer is None:
        sys.exit(f"{path}: no pipe/rasterrenderer")
    palette = renderer.find("colorPalette")
    entries = [] if palette is None else [
        {
            "value": float(entry.get("value", "0")),
            "color": entry.get("color", "#000000"),
            "alpha": int(entry.get("alpha", "255")),
            "label": entry.get("label", ""),
        }
        for entry in palette.iter("paletteEntry")
    ]
    resampling = root.find("./pipe/provider/resampling")
    print(json.dumps({
        "version": root.get("version"),
        "renderer": renderer.get("type"),
        "band": int(renderer.get("band", "-1")),
        "nodataColor": renderer.get("nodataColor"),
        "resampling": None if resampling is None else [resampling.get("zoomedInResamplingMethod"),
                                                       resampling.get("zoomedOutResamplingMethod")],
        "entries": entries,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
