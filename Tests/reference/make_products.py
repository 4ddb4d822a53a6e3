#!/usr/bin/env python3
"""Builds small Sentinel-2 L2A and Landsat C2 L2 products from the Olinda Landsat 7 stack, in the products' own
folder layout and with minimal but structurally faithful metadata files, for the tests of `soilmap index --scene`.

Sentinel-2: NAME.SAFE/MTD_MSIL2A.xml (S2 MSI Product Specification, Level-2A user product metadata) and
GRANULE/L2A_<tile>_.../IMG_DATA/R10m|R20m/<tile>_<time>_<band>_<res>.jp2, lossless JPEG 2000 (JP2OpenJPEG).
The "10 m" grid is the stack's own (28.5 m pixels), the "20 m" grid every second pixel of it (57 m).
DN = stack value x 20 (fill rows 0-4 stay 0); baseline >= 04.00 adds 1000 (BOA_ADD_OFFSET -1000), so both
baselines hold the same reflectance.

Landsat C2 L2: <id>_MTL.txt (Level-2 Data Format Control Book groups) and <id>_SR_B<n>.TIF, <id>_QA_PIXEL.TIF
(GeoTIFF), DN = stack value x 100 + 7273 (fill rows 0-4 stay 0), a folder or a flat .tar as USGS ships it.

Usage: make_products.py s2 OUT --baseline 04.00 [--level L1C] [--drop B08] [--corrupt] [--zip] [--quantification Q]
       make_products.py landsat OUT --spacecraft 8|7 [--level L1TP] [--tar] [--corrupt]
Prints the product's path.
"""
import argparse
import os
import shutil
import tarfile
import zipfile

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))
STACK = os.path.join(HERE, "..", "..", "samples", "olinda", "L7_ETMs.tif")
FILL_ROWS = 5


def stack():
    dataset = gdal.Open(STACK)
    bands = [dataset.GetRasterBand(i + 1).ReadAsArray().astype(np.int64) for i in range(6)]
    return dataset, bands  # 1 blue, 2 green, 3 red, 4 nir, 5 swir1, 6 swir2


def write(path, array, reference, driver, step=1, options=()):
    transform = list(reference.GetGeoTransform())
    transform[1] *= step
    transform[5] *= step
    memory = gdal.GetDriverByName("MEM").Create("", array.shape[1], array.shape[0], 1, gdal.GDT_UInt16)
    memory.SetGeoTransform(transform)
    memory.SetProjection(reference.GetProjection())
    memory.GetRasterBand(1).WriteArray(array.astype(np.uint16))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    gdal.GetDriverByName(driver).CreateCopy(path, memory, options=list(options))


def scene_classification(bands):
    """SCL on the 20 m grid: 4 vegetation, 5 bare soil where red > nir, 8 cloud (medium) where blue is bright,
    9 cloud (high) and 3 cloud shadow in two blocks, 0 no data over the fill rows."""
    blue, red, nir = (b[::2, ::2] for b in (bands[0], bands[2], bands[3]))
    scl = np.full(blue.shape, 4, dtype=np.int64)
    scl[red > nir] = 5
    scl[blue > 110] = 8
    scl[100:120, 50:90] = 9
    scl[20:30, 100:140] = 3
    scl[: (FILL_ROWS + 1) // 2, :] = 0
    return scl


def s2_metadata(product_uri, level, baseline, granule, files, tile, start, quantification_value):
    image_files = "\n".join(f"            <IMAGE_FILE>{f}</IMAGE_FILE>" for f in files)
    offsets = ""
    if float(baseline) >= 4:
        offsets = "\n".join(f'        <BOA_ADD_OFFSET band_id="{i}">-1000</BOA_ADD_OFFSET>' for i in range(13))
        offsets = f"      <BOA_ADD_OFFSET_VALUES_LIST>\n{offsets}\n      </BOA_ADD_OFFSET_VALUES_LIST>\n"
    physical = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12"]
    spectral = "\n".join(f'        <Spectral_Information bandId="{i}" physicalBand="{b}"/>' for i, b in enumerate(physical))
    root = "Level-2A_User_Product" if level == "L2A" else "Level-1C_User_Product"
    quantification = (f"<BOA_QUANTIFICATION_VALUE unit=\"none\">{quantification_value}</BOA_QUANTIFICATION_VALUE>" if level == "L2A"
                      else f"<QUANTIFICATION_VALUE unit=\"none\">{quantification_value}</QUANTIFICATION_VALUE>")
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<n1:{root} xmlns:n1="https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_Level-2A.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <n1:General_Info>
    <Product_Info>
      <PRODUCT_START_TIME>{start}</PRODUCT_START_TIME>
      <PRODUCT_STOP_TIME>{start}</PRODUCT_STOP_TIME>
      <PRODUCT_URI>{product_uri}</PRODUCT_URI>
      <PROCESSING_LEVEL>Level-2A</PROCESSING_LEVEL>
      <PRODUCT_TYPE>S2MSI2A</PRODUCT_TYPE>
      <PROCESSING_BASELINE>{baseline}</PROCESSING_BASELINE>
      <GENERATION_TIME>2022-03-01T12:00:00.000000Z</GENERATION_TIME>
      <Datatake datatakeIdentifier="GS2B_20220301T103021_026059_N{baseline.replace('.', '')}">
        <SPACECRAFT_NAME>Sentinel-2B</SPACECRAFT_NAME>
        <DATATAKE_TYPE>INS-NOBS</DATATAKE_TYPE>
        <DATATAKE_SENSING_START>{start}</DATATAKE_SENSING_START>
        <SENSING_ORBIT_NUMBER>108</SENSING_ORBIT_NUMBER>
        <SENSING_ORBIT_DIRECTION>DESCENDING</SENSING_ORBIT_DIRECTION>
      </Datatake>
      <Query_Options completeSingleTile="true">
        <PRODUCT_FORMAT>SAFE_COMPACT</PRODUCT_FORMAT>
      </Query_Options>
      <Product_Organisation>
        <Granule_List>
          <Granule datastripIdentifier="S2B_OPER_MSI_L2A_DS_2BPS_20220301T120000_S20220301T103514_N{baseline}" granuleIdentifier="{granule}" imageFormat="JPEG2000">
{image_files}
          </Granule>
        </Granule_List>
      </Product_Organisation>
    </Product_Info>
    <Product_Image_Characteristics>
      <Special_Values>
        <SPECIAL_VALUE_TEXT>NODATA</SPECIAL_VALUE_TEXT>
        <SPECIAL_VALUE_INDEX>0</SPECIAL_VALUE_INDEX>
      </Special_Values>
      <Special_Values>
        <SPECIAL_VALUE_TEXT>SATURATED</SPECIAL_VALUE_TEXT>
        <SPECIAL_VALUE_INDEX>65535</SPECIAL_VALUE_INDEX>
      </Special_Values>
      <QUANTIFICATION_VALUES_LIST>
        {quantification}
        <AOT_QUANTIFICATION_VALUE unit="none">1000.0</AOT_QUANTIFICATION_VALUE>
        <WVP_QUANTIFICATION_VALUE unit="cm">1000.0</WVP_QUANTIFICATION_VALUE>
      </QUANTIFICATION_VALUES_LIST>
{offsets}      <Spectral_Information_List>
{spectral}
      </Spectral_Information_List>
    </Product_Image_Characteristics>
  </n1:General_Info>
  <n1:Quality_Indicators_Info>
    <Cloud_Coverage_Assessment>12.345</Cloud_Coverage_Assessment>
  </n1:Quality_Indicators_Info>
</n1:{root}>
"""


def make_s2(out, baseline, level, drop, corrupt, as_zip, quantification):
    reference, bands = stack()
    tile, sensing = "T31UFQ", "20220301T103021"
    product_uri = f"S2B_MSI{level}_{sensing}_N{baseline.replace('.', '')}_R108_{tile}_20220301T120000.SAFE"
    granule = f"{level}_{tile}_A026059_20220301T103514"
    safe = os.path.join(out, product_uri)
    raise_by = 1000 if float(baseline) >= 4 else 0

    def dn(array):
        values = array * 20 + raise_by
        values[:FILL_ROWS, :] = 0
        return values

    # band -> (stack band index, resolution); the 20 m folder also holds B02-B04, as real products do.
    layout = [("B02", 0, 10), ("B03", 1, 10), ("B04", 2, 10), ("B08", 3, 10),
              ("B02", 0, 20), ("B03", 1, 20), ("B04", 2, 20), ("B8A", 3, 20), ("B11", 4, 20), ("B12", 5, 20), ("SCL", None, 20)]
    files = []
    for band, index, resolution in layout:
        relative = f"GRANULE/{granule}/IMG_DATA/R{resolution}m/{tile}_{sensing}_{band}_{resolution}m"
        files.append(relative)
        if band == drop:
            continue
        step = resolution // 10
        if index is None:
            array = scene_classification(bands)
        else:
            array = dn(bands[index])[::step, ::step]
        write(os.path.join(safe, relative + ".jp2"), array, reference, "JP2OpenJPEG", step,
              ["QUALITY=100", "REVERSIBLE=YES", "YCBCR420=NO"])
    text = s2_metadata(product_uri, level, baseline, granule, files, tile, "2022-03-01T10:30:21.024Z", quantification)
    if corrupt:
        text = text[: len(text) // 2]
    name = "MTD_MSIL2A.xml" if level == "L2A" else "MTD_MSIL1C.xml"
    with open(os.path.join(safe, name), "w") as handle:
        handle.write(text)
    if not as_zip:
        return safe
    # As the Copernicus Data Space ships it: NAME.zip holding the NAME.SAFE folder.
    archive = safe[: -len(".SAFE")] + ".zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for folder, _, names in sorted(os.walk(safe)):
            for file_name in sorted(names):
                full = os.path.join(folder, file_name)
                bundle.write(full, os.path.relpath(full, out))
    shutil.rmtree(safe)
    return archive


def landsat_mtl(product_id, level, spacecraft, sensor, band_files, qa_file, mtl_name):
    contents = "\n".join(f'    FILE_NAME_BAND_{n} = "{f}"' for n, f in band_files)
    sr = "\n".join(f"    REFLECTANCE_MULT_BAND_{n} = 2.75E-05\n    REFLECTANCE_ADD_BAND_{n} = -0.200000" for n, _ in band_files)
    # Level-1 rescaling repeats the key names with other values: a reader must take the Level-2 group's.
    l1 = "\n".join(f"    REFLECTANCE_MULT_BAND_{n} = 2.0000E-05\n    REFLECTANCE_ADD_BAND_{n} = -0.100000" for n, _ in band_files)
    return f"""GROUP = LANDSAT_METADATA_FILE
  GROUP = PRODUCT_CONTENTS
    ORIGIN = "Image courtesy of the U.S. Geological Survey"
    DIGITAL_OBJECT_IDENTIFIER = "https://doi.org/10.5066/P9OGBGM6"
    LANDSAT_PRODUCT_ID = "{product_id}"
    PROCESSING_LEVEL = "{level}"
    COLLECTION_NUMBER = 02
    COLLECTION_CATEGORY = "T1"
    OUTPUT_FORMAT = "GEOTIFF"
{contents}
    FILE_NAME_QUALITY_L1_PIXEL = "{qa_file}"
    FILE_NAME_METADATA_ODL = "{mtl_name}"
  END_GROUP = PRODUCT_CONTENTS
  GROUP = IMAGE_ATTRIBUTES
    SPACECRAFT_ID = "{spacecraft}"
    SENSOR_ID = "{sensor}"
    WRS_TYPE = 2
    WRS_PATH = 214
    WRS_ROW = 65
    DATE_ACQUIRED = 2020-01-05
    SCENE_CENTER_TIME = "12:30:15.1234560Z"
    CLOUD_COVER = 7.25
    CLOUD_COVER_LAND = 6.90
  END_GROUP = IMAGE_ATTRIBUTES
  GROUP = PROJECTION_ATTRIBUTES
    MAP_PROJECTION = "UTM"
    DATUM = "WGS84"
    UTM_ZONE = 25
  END_GROUP = PROJECTION_ATTRIBUTES
  GROUP = LEVEL2_SURFACE_REFLECTANCE_PARAMETERS
{sr}
  END_GROUP = LEVEL2_SURFACE_REFLECTANCE_PARAMETERS
  GROUP = LEVEL1_RADIOMETRIC_RESCALING
{l1}
  END_GROUP = LEVEL1_RADIOMETRIC_RESCALING
END_GROUP = LANDSAT_METADATA_FILE
END
"""


def quality(bands):
    """QA_PIXEL: 21824 clear land (bits 6 clear, 8/10/12/14 low confidences); cloud (bits 1 dilated, 3 cloud) where
    blue is bright; cloud shadow (bit 4) and cirrus (bit 2) in two blocks; fill (bit 0) over the fill rows."""
    qa = np.full(bands[0].shape, 21824, dtype=np.int64)
    qa[bands[0] > 110] = 21824 - 64 + 2 + 8
    qa[200:240, 100:180] |= 16
    qa[40:60, 200:260] = 21824 - 64 + 4
    qa[:FILL_ROWS, :] = 1
    return qa


def make_landsat(out, spacecraft, level, as_tar, corrupt):
    reference, bands = stack()
    prefix = "LC08" if spacecraft == "8" else "LE07"
    product_id = f"{prefix}_{level}_214065_20200105_20200113_02_T1"
    if spacecraft == "8":  # OLI: 1 coastal, 2 blue, 3 green, 4 red, 5 nir, 6 swir1, 7 swir2
        numbers = {1: 0, 2: 0, 3: 1, 4: 2, 5: 3, 6: 4, 7: 5}
        craft, sensor = "LANDSAT_8", "OLI_TIRS"
    else:  # ETM+: 1 blue, 2 green, 3 red, 4 nir, 5 swir1, 7 swir2 (6 is thermal)
        numbers = {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 7: 5}
        craft, sensor = "LANDSAT_7", "ETM"
    folder = os.path.join(out, product_id)
    band_files = []
    for number, index in numbers.items():
        name = f"{product_id}_SR_B{number}.TIF"
        band_files.append((number, name))
        values = bands[index] * 100 + 7273
        values[:FILL_ROWS, :] = 0
        write(os.path.join(folder, name), values, reference, "GTiff")
    qa_file = f"{product_id}_QA_PIXEL.TIF"
    write(os.path.join(folder, qa_file), quality(bands), reference, "GTiff")
    mtl_name = f"{product_id}_MTL.txt"
    text = landsat_mtl(product_id, level, craft, sensor, band_files, qa_file, mtl_name)
    if corrupt:
        text = text.replace("  END_GROUP = PRODUCT_CONTENTS\n", "  garbage line without equals\n", 1)
    with open(os.path.join(folder, mtl_name), "w") as handle:
        handle.write(text)
    if not as_tar:
        return folder
    archive = folder + ".tar"
    with tarfile.open(archive, "w") as tar:
        for name in sorted(os.listdir(folder)):
            tar.add(os.path.join(folder, name), arcname=name)
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
    os.rmdir(folder)
    return archive


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["s2", "landsat"])
    parser.add_argument("out")
    parser.add_argument("--baseline", default="04.00")
    parser.add_argument("--level")
    parser.add_argument("--drop")
    parser.add_argument("--spacecraft", default="8")
    parser.add_argument("--tar", action="store_true")
    parser.add_argument("--zip", action="store_true")
    parser.add_argument("--quantification", default="10000")
    parser.add_argument("--corrupt", action="store_true")
    args = parser.parse_args()
    if args.kind == "s2":
        print(make_s2(args.out, args.baseline, args.level or "L2A", args.drop, args.corrupt, args.zip, args.quantification))
    else:
        print(make_landsat(args.out, args.spacecraft, args.level or "L2SP", args.tar, args.corrupt))


if __name__ == "__main__":
    main()
