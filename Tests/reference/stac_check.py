#!/usr/bin/env python3
"""Checks a run directory's STAC catalog independently of soilmap, offline:

  /opt/soilmap-venv/bin/python Tests/reference/stac_check.py RUN_DIR

1. Core: pystac reads catalog.json and every Item through its links, and pystac's own validator checks the
   catalog and each Item against the STAC 1.0.0 JSON schemas pystac 1.11 ships (catalog.json, item.json and the
   GeoJSON Feature/Geometry schemas they use). The network is cut off first: a schema that is not bundled fails
   the check instead of being downloaded.
2. Extensions (file v2.1.0, processing v1.1.0, projection v1.1.0): their JSON schemas are not shipped by any
   package, so each field is checked against what the extension's specification says, with values recomputed
   here: file:size and file:checksum (multihash 0x12 0x20 + SHA-256) from the file's bytes; proj:epsg, proj:shape,
   proj:transform (rasterio/affine order) and proj:bbox from GDAL's Python bindings; the footprint's corners
   reprojected to WGS 84 with OSR; a declared COG profile by GDAL's validate_cloud_optimized_geotiff.
3. Links: every href is relative and resolves inside RUN_DIR; root and parent are the catalog.

Prints a JSON summary (ids, assets, bbox, datetime, validated schemas) on success; exits 1 with the reasons
otherwise.
"""
import hashlib
import json
import math
import os
import socket
import sys
import urllib.request

import pystac
from pystac.stac_object import STACObjectType
from pystac.validation.stac_validator import JsonSchemaSTACValidator

EXTENSIONS = {
    "file": "https://stac-extensions.github.io/file/v2.1.0/schema.json",
    "processing": "https://stac-extensions.github.io/processing/v1.1.0/schema.json",
    "projection": "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
}
MEDIA_TYPES = {
    ".tif": "image/tiff; application=geotiff",
    ".csv": "text/csv",
    ".gpkg": "application/geopackage+sqlite3",
    ".geojson": "application/geo+json",
    ".png": "image/png",
    ".qml": "application/xml",
    ".xml": "application/xml",
}

problems = []


def fail(message):
    problems.append(message)


def offline():
    def refuse(*args, **kwargs):
        raise OSError("network access refused by stac_check.py")
    urllib.request.urlopen = refuse
    socket.socket.connect = refuse
    from pystac.stac_io import DefaultStacIO
    original = DefaultStacIO.read_text_from_href

    def local_only(self, href):
        if str(href).startswith(("http://", "https://")):
            raise OSError(f"not bundled, and the network is off: {href}")
        return original(self, href)
    DefaultStacIO.read_text_from_href = local_only


def close(a, b, tolerance=1e-9):
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))


def check_raster(item, path, cog_expected):
    from osgeo import gdal, osr
    from osgeo_utils.samples import validate_cloud_optimized_geotiff as cog
    gdal.UseExceptions()
    ds = gdal.Open(path)
    props = item.properties
    if props.get("proj:shape") != [ds.RasterYSize, ds.RasterXSize]:
        fail(f"{item.id}: proj:shape {props.get('proj:shape')} != {[ds.RasterYSize, ds.RasterXSize]}")
    gt = ds.GetGeoTransform()
    affine = [gt[1], gt[2], gt[0], gt[4], gt[5], gt[3]]
    if not all(close(a, b) for a, b in zip(props.get("proj:transform", []), affine)) or len(props.get("proj:transform", [])) != 6:
        fail(f"{item.id}: proj:transform {props.get('proj:transform')} != {affine}")
    srs = ds.GetSpatialRef()
    srs.AutoIdentifyEPSG()
    epsg = int(srs.GetAuthorityCode(None))
    if props.get("proj:epsg") != epsg or not isinstance(props.get("proj:epsg"), int):
        fail(f"{item.id}: proj:epsg {props.get('proj:epsg')} != {epsg}")
    xs = [gt[0], gt[0] + ds.RasterXSize * gt[1]]
    ys = [gt[3] + ds.RasterYSize * gt[5], gt[3]]
    if not all(close(a, b) for a, b in zip(props.get("proj:bbox", []), [min(xs), min(ys), max(xs), max(ys)])):
        fail(f"{item.id}: proj:bbox {props.get('proj:bbox')}")
    # Footprint: the four corners in WGS 84 (lon, lat), each a vertex of the geometry and inside the bbox.
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    for s in (srs, wgs84):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(srs, wgs84)
    corners = [transform.TransformPoint(x, y)[:2] for x in xs for y in ys]
    ring = item.geometry["coordinates"][0] if item.geometry else []
    for lon, lat in corners:
        if not any(close(lon, v[0], 1e-12) and close(lat, v[1], 1e-12) for v in ring):
            fail(f"{item.id}: corner {lon}, {lat} is not a vertex of the footprint {ring}")
        w, s, e, n = item.bbox
        if not (w <= lon <= e and s <= lat <= n):
            fail(f"{item.id}: corner {lon}, {lat} outside bbox {item.bbox}")
    # A declared COG must pass GDAL's COG validator; a tiled GeoTIFF not declared one may pass it too.
    is_cog = not cog.validate(path, full_check=True)[1]
    if cog_expected and not is_cog:
        fail(f"{item.id}: declared cloud-optimized, but GDAL's COG validator refuses it")
    return ring


def ring_area(ring):
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:])) / 2


def main():
    run = os.path.realpath(sys.argv[1])
    offline()
    validator = JsonSchemaSTACValidator()
    validated = set()
    catalog_path = os.path.join(run, "catalog.json")
    catalog = pystac.Catalog.from_file(catalog_path)
    with open(catalog_path, encoding="utf-8") as f:
        catalog_dict = json.load(f)
    validated.add(validator.validate_core(catalog_dict, STACObjectType.CATALOG, "1.0.0", catalog_path))
    if any(link["rel"] == "self" for link in catalog_dict["links"]):
        fail("catalog has a self link")

    summary = {"catalog": catalog.id, "items": {}}
    items = list(catalog.get_items(recursive=True))
    software = None
    for item in items:
        href = item.get_self_href()
        with open(href, encoding="utf-8") as f:
            item_dict = json.load(f)
        validated.add(validator.validate_core(item_dict, STACObjectType.ITEM, "1.0.0", href))
        for link in item_dict["links"]:
            if link["href"].startswith(("/", "http")):
                fail(f"{item.id}: link {link} is not relative")
            if link["rel"] in ("root", "parent") and os.path.realpath(os.path.join(os.path.dirname(href), link["href"])) != catalog_path:
                fail(f"{item.id}: {link['rel']} link {link['href']} is not the catalog")
            if link["rel"] == "self":
                fail(f"{item.id}: has a self link")
        if item.get_root().id != catalog.id:
            fail(f"{item.id}: root is not the catalog")
        used = set(item_dict.get("stac_extensions", []))
        props = item.properties
        is_raster = "proj:shape" in props
        expected = {EXTENSIONS["file"], EXTENSIONS["processing"]} | ({EXTENSIONS["projection"]} if is_raster else set())
        if used != expected:
            fail(f"{item.id}: stac_extensions {sorted(used)} != {sorted(expected)}")

        # processing: lineage a string, software an object of strings with GDAL's real version.
        if not isinstance(props.get("processing:lineage"), str) or not props["processing:lineage"]:
            fail(f"{item.id}: processing:lineage missing")
        software = props.get("processing:software")
        if not isinstance(software, dict) or not all(isinstance(v, str) for v in software.values()):
            fail(f"{item.id}: processing:software {software} is not an object of strings")
        else:
            from osgeo import gdal
            if software.get("GDAL") != gdal.__version__:
                fail(f"{item.id}: processing:software GDAL {software.get('GDAL')} != {gdal.__version__}")

        assets = {}
        main_raster = None
        for key, asset in item.assets.items():
            path = asset.get_absolute_href()
            raw = item_dict["assets"][key]["href"]
            if raw.startswith(("/", "http")):
                fail(f"{item.id}/{key}: href {raw} is not relative")
            if not os.path.realpath(path).startswith(run + os.sep) or not os.path.isfile(path):
                fail(f"{item.id}/{key}: {raw} does not resolve to a file in the run directory")
                continue
            with open(path, "rb") as f:
                data = f.read()
            fields = asset.extra_fields
            if fields.get("file:size") != len(data) or not isinstance(fields.get("file:size"), int):
                fail(f"{item.id}/{key}: file:size {fields.get('file:size')} != {len(data)}")
            if fields.get("file:checksum") != "1220" + hashlib.sha256(data).hexdigest():
                fail(f"{item.id}/{key}: file:checksum is not the SHA-256 multihash of the file")
            extension = ".xml" if path.endswith(".aux.xml") else os.path.splitext(path)[1].lower()
            media = asset.media_type or ""
            if not media.startswith(MEDIA_TYPES.get(extension, "?")):
                fail(f"{item.id}/{key}: type {media} for {extension}")
            if extension == ".tif" and "data" in asset.roles:
                main_raster = (path, media.endswith("; profile=cloud-optimized"))
            assets[key] = {"href": raw, "type": media, "roles": asset.roles}
        ring = None
        if is_raster:
            if main_raster is None:
                fail(f"{item.id}: projection fields without a GeoTIFF data asset")
            else:
                ring = check_raster(item, *main_raster)
        if item.geometry is not None:
            ring = item.geometry["coordinates"][0]
            if ring[0] != ring[-1] or ring_area(ring) <= 0:
                fail(f"{item.id}: the footprint is not a closed counter-clockwise ring")
            w, s, e, n = item.bbox
            if not all(w <= x <= e and s <= y <= n for x, y in ring) or not all(math.isfinite(v) for v in item.bbox):
                fail(f"{item.id}: geometry outside bbox {item.bbox}")
        summary["items"][item.id] = {
            "href": os.path.relpath(href, run),
            "assets": assets,
            "bbox": item.bbox,
            "geometry": None if item.geometry is None else item.geometry["type"],
            "datetime": props.get("datetime"),
            "start_datetime": props.get("start_datetime"),
            "end_datetime": props.get("end_datetime"),
            "proj:epsg": props.get("proj:epsg"),
            "lineage": props.get("processing:lineage"),
        }
    summary["software"] = software
    summary["validated"] = sorted(v for v in validated if v)
    if problems:
        sys.exit("\n".join(problems))
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
