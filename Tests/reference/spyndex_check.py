#!/opt/soilmap-venv/bin/python
"""Cross-check indices_reference.py against spyndex (Awesome Spectral Indices).

For the vegetation / moisture / bare-soil indices whose meaning is the same in ASI,
compute them with spyndex on the same input and compare with the GeoTIFFs written by
indices_reference.py: max relative / absolute error over pixels valid in both, and
whether the nodata masks agree.

  /opt/soilmap-venv/bin/python Tests/reference/spyndex_check.py \
      --band blue=STACK.tif:1 ... --band swir2=STACK.tif:6 [--scale S] [--offset O] \
      [--param L=0.5] [--ref DIR]

Without --ref it runs indices_reference.py (with /usr/bin/python3) into a temporary
directory first. spyndex is given every constant explicitly (its ASI defaults from
spyndex.constants, overridden by --param NAME=V), so a changed default shows up as a
disagreement. Exit status 1 if any index disagrees beyond float32 rounding.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from osgeo import gdal

gdal.UseExceptions()

HERE = os.path.dirname(os.path.abspath(__file__))

try:
    import spyndex
except Exception as exc:  # report the exact error, as asked
    sys.exit("cannot import spyndex: %s: %s" % (type(exc).__name__, exc))

# soilmap id -> ASI / spyndex id
PAIRS = [("NDVI", "NDVI"), ("SAVI", "SAVI"), ("OSAVI", "OSAVI"), ("MSAVI", "MSAVI"),
         ("EVI", "EVI"), ("EVI2", "EVI2"), ("NDMI", "NDMI"), ("NDWI", "NDWI"),
         ("MNDWI", "MNDWI"), ("BSI", "BI"), ("NDSoI", "NDSoI"), ("DBSI", "DBSI"),
         ("MBI", "MBI"), ("BaI", "BaI"), ("NSDS", "NSDS")]
ROLE_TO_ASI = {"blue": "B", "green": "G", "red": "R", "nir": "N", "swir1": "S1", "swir2": "S2"}

# float32 has a 24-bit significand: rounding a float64 to float32 changes it by at
# most 2^-24 ~ 6e-8 relative.
REL_TOL = 1.2e-7


def read_bands(specs, scale, offset):
    out, bad = {}, None
    for spec in specs:
        role, rest = spec.split("=", 1)
        path, _, bno = rest.rpartition(":")
        ds = gdal.Open(path)  # keep a reference: GDAL 3.6 bindings segfault on a band of a freed dataset
        band = ds.GetRasterBand(int(bno))
        dn = band.ReadAsArray().astype(np.float64)
        inv = np.isnan(dn)
        ndv = band.GetNoDataValue()
        if ndv is not None and not np.isnan(ndv):
            inv |= dn == ndv
        out[ROLE_TO_ASI[role.lower()]] = (dn * scale + offset, inv)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--band", action="append", required=True, metavar="ROLE=FILE:BAND")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--offset", type=float, default=0.0)
    ap.add_argument("--param", action="append", default=[], metavar="NAME=V")
    ap.add_argument("--ref", help="directory of GeoTIFFs written by indices_reference.py")
    ap.add_argument("--show-formulas", action="store_true")
    ap.add_argument("--rel-tol", type=float, default=REL_TOL,
                    help="largest relative error that still agrees (default %g: float64 maths rounded to float32; "
                         "soilmap computes in float32, so its tests pass 1e-6)" % REL_TOL)
    a = ap.parse_args()

    print("spyndex %s" % spyndex.__version__)
    given = {ROLE_TO_ASI[b.split("=", 1)[0].lower()] for b in a.band}
    ref = a.ref
    if ref is None:
        ref = tempfile.mkdtemp(prefix="spyndex_check_")
        cmd = ["/usr/bin/python3", os.path.join(HERE, "indices_reference.py"), "--out", ref,
               "--scale", repr(a.scale), "--offset", repr(a.offset),
               "--ids", ",".join(o for o, asi in PAIRS if asi in spyndex.indices and all(
                   b in given for b in spyndex.indices[asi].bands if b in ROLE_TO_ASI.values()))]
        for b in a.band:
            cmd += ["--band", b]
        for p in a.param:
            cmd += ["--param", p]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    bands = read_bands(a.band, a.scale, a.offset)
    consts = {k: float(spyndex.constants[k].default) for k in ("L", "g", "C1", "C2")}
    for p in a.param:
        k, v = p.split("=", 1)
        if "." in k:
            sys.exit("spyndex_check only supports unscoped --param NAME=V (ASI has one shared L)")
        consts[k] = float(v)
    print("constants given to spyndex: %s" % ", ".join("%s=%g" % kv for kv in consts.items()))

    hdr = "%-6s %-6s %-44s %7s %7s %7s %7s %10s %10s  %s" % (
        "ours", "ASI", "ASI formula", "valid_o", "valid_s", "m_diff", "both", "max_rel", "max_abs", "verdict")
    print(hdr)
    print("-" * len(hdr))
    failures = 0
    for ours, asi in PAIRS:
        if asi not in spyndex.indices:
            print("%-6s %-6s MISSING from spyndex catalogue" % (ours, asi))
            failures += 1
            continue
        idx = spyndex.indices[asi]
        missing = [b for b in idx.bands if b in ROLE_TO_ASI.values() and b not in bands]
        if missing:
            print("%-6s %-6s skipped: band(s) %s not given" % (ours, asi, ",".join(missing)))
            continue
        kw = {}
        inv = None
        for b in idx.bands:
            if b in bands:
                kw[b] = bands[b][0]
                inv = bands[b][1] if inv is None else (inv | bands[b][1])
            elif b in consts:
                kw[b] = consts[b]
            else:
                sys.exit("%s needs %s which is neither a given band nor a known constant" % (asi, b))
        with np.errstate(all="ignore"):
            s = np.asarray(spyndex.computeIndex(asi, params=kw), dtype=np.float64)
        s_valid = np.isfinite(s) & ~inv

        ds = gdal.Open(os.path.join(ref, ours + ".tif"))
        band = ds.GetRasterBand(1)
        o = band.ReadAsArray().astype(np.float64)
        o_valid = o != band.GetNoDataValue()

        both = o_valid & s_valid
        mdiff = int(np.count_nonzero(o_valid != s_valid))
        if both.any():
            s32 = s[both]
            absdiff = np.abs(o[both] - s32)
            rel = absdiff / np.maximum(np.abs(s32), np.finfo(np.float32).tiny)
            max_rel, max_abs = float(rel.max()), float(absdiff.max())
        else:
            max_rel = max_abs = float("nan")
        ok = mdiff == 0 and (not both.any() or max_rel <= a.rel_tol)
        if not ok:
            failures += 1
        print("%-6s %-6s %-44s %7d %7d %7d %7d %10.3g %10.3g  %s" % (
            ours, asi, idx.formula[:44], o_valid.sum(), s_valid.sum(), mdiff, both.sum(),
            max_rel, max_abs, "agree" if ok else "DISAGREE"))
        if a.show_formulas:
            print("        bands=%s  long_name=%s" % (idx.bands, idx.long_name))
    print("%d disagreement(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
