#!/usr/bin/python3
"""Independent numpy reference implementation of soilmap's spectral indices.

Formulas are taken from /work/shared/INDICES.md (Awesome Spectral Indices names and
constants for vegetation / moisture / bare-soil indices; SoilSaltIndex for the 24
salinity indices). It is written without reference to soilmap's Swift sources so
that the Swift tests can compare against it.

Run it with Debian's interpreter, which has the GDAL bindings:

  /usr/bin/python3 Tests/reference/indices_reference.py --out OUTDIR \
      --band blue=STACK.tif:1 --band green=STACK.tif:2 --band red=STACK.tif:3 \
      --band nir=STACK.tif:4 --band swir1=STACK.tif:5 --band swir2=STACK.tif:6 \
      [--scale S] [--offset O] [--param L=0.5] [--param SAVI.L=0.5] \
      [--nodata -9999] [--ids NDVI,SAVI,...]
  /usr/bin/python3 Tests/reference/indices_reference.py --list

Semantics
- Each band is read as float64; reflectance = DN * scale + offset (defaults 1, 0).
- A pixel is invalid for an index if any band that index needs is NaN or equals that
  band's declared nodata value (compared on the raw DN, before scale/offset).
- Every index is computed in float64, exactly as written in INDICES.md. Where the
  formula has no value (zero denominator, negative number under a square root,
  +-inf or NaN anywhere, invalid input) the output is the nodata value.
- Output: one single-band Float32 GeoTIFF per index, OUTDIR/<ID>.tif, on the input
  grid and CRS, with the nodata value declared. The float64 result is rounded to
  float32 only at the end (a finite float64 that overflows float32 becomes nodata).
- Parameters: L (SAVI, EVI, EVI2; ASI default 1.0), g (EVI, EVI2; 2.5), C1 (EVI; 6),
  C2 (EVI; 7.5). `--param NAME=V` sets the constant for every index that uses it
  (ASI/spyndex semantics: one shared L); `--param ID.NAME=V` (e.g. SAVI.L=0.5) sets
  it for one index only and wins over the unscoped form.
"""

import argparse
import os
import sys

import numpy as np

try:
    from osgeo import gdal
except ImportError as exc:  # pragma: no cover
    sys.exit("indices_reference.py needs the GDAL Python bindings; run it with /usr/bin/python3 "
             "(Debian python3-gdal). Import error: %s" % exc)

gdal.UseExceptions()

ROLES = ("blue", "green", "red", "nir", "swir1", "swir2")
# Short symbols used in INDICES.md.
SYM = {"B": "blue", "G": "green", "R": "red", "N": "nir", "S1": "swir1", "S2": "swir2"}

DEFAULT_PARAMS = {"L": 1.0, "g": 2.5, "C1": 6.0, "C2": 7.5}


# When a list, div() and sqrt() append a boolean mask of the pixels whose denominator or
# square-root argument is within FRAGILE_TOL of zero: there the result (a value, or
# nodata) depends on float rounding order, e.g. a mathematically zero EVI denominator
# can come out as 0.0 or +-4.4e-16 depending on how the sum is evaluated.
_FRAGILE = None
FRAGILE_TOL = 1e-9


def _note_fragile(x):
    if _FRAGILE is not None:
        with np.errstate(all="ignore"):
            _FRAGILE.append(np.abs(x) <= FRAGILE_TOL)


def div(a, b):
    """a / b in float64; NaN where b == 0 (a zero denominator has no value)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    _note_fragile(b)
    out = np.full(np.broadcast(a, b).shape, np.nan, dtype=np.float64)
    nz = b != 0
    np.divide(a, b, out=out, where=nz)
    return out


def sqrt(x):
    """Square root; NaN where the argument is negative (or NaN)."""
    x = np.asarray(x, dtype=np.float64)
    _note_fragile(x)
    out = np.full(x.shape, np.nan, dtype=np.float64)
    ok = x >= 0
    np.sqrt(x, out=out, where=ok)
    return out


def nd(a, b):
    return div(a - b, a + b)


# ---------------------------------------------------------------------------
# Index catalogue: id -> (bands, params, formula text, function(b, p) -> float64)
# b maps short symbols (B, G, R, N, S1, S2) to float64 reflectance arrays,
# p maps parameter names to floats.
# ---------------------------------------------------------------------------
INDICES = {}
ORDER = []


def index(iid, bands, formula, params=(), group="vegetation"):
    def deco(fn):
        INDICES[iid] = {"bands": tuple(bands), "params": tuple(params), "formula": formula,
                        "fn": fn, "group": group}
        ORDER.append(iid)
        return fn
    return deco


# --- vegetation, moisture, bare soil (Awesome Spectral Indices) ------------
@index("NDVI", "NR", "(N-R)/(N+R)")
def _ndvi(b, p):
    return nd(b["N"], b["R"])


@index("SAVI", "NR", "(1+L)*(N-R)/(N+R+L)", params=("L",))
def _savi(b, p):
    L = p["L"]
    return (1.0 + L) * div(b["N"] - b["R"], b["N"] + b["R"] + L)


@index("OSAVI", "NR", "(N-R)/(N+R+0.16)")
def _osavi(b, p):
    return div(b["N"] - b["R"], b["N"] + b["R"] + 0.16)


@index("MSAVI", "NR", "0.5*(2*N+1-sqrt((2*N+1)^2-8*(N-R)))")
def _msavi(b, p):
    N, R = b["N"], b["R"]
    return 0.5 * (2.0 * N + 1.0 - sqrt((2.0 * N + 1.0) ** 2 - 8.0 * (N - R)))


@index("EVI", "NRB", "g*(N-R)/(N+C1*R-C2*B+L)", params=("g", "C1", "C2", "L"))
def _evi(b, p):
    N, R, B = b["N"], b["R"], b["B"]
    return p["g"] * div(N - R, N + p["C1"] * R - p["C2"] * B + p["L"])


@index("EVI2", "NR", "g*(N-R)/(N+2.4*R+L)", params=("g", "L"))
def _evi2(b, p):
    N, R = b["N"], b["R"]
    return p["g"] * div(N - R, N + 2.4 * R + p["L"])


@index("NDMI", ("N", "S1"), "(N-S1)/(N+S1)")
def _ndmi(b, p):
    return nd(b["N"], b["S1"])


@index("NDWI", "GN", "(G-N)/(G+N)  [McFeeters]")
def _ndwi(b, p):
    return nd(b["G"], b["N"])


@index("MNDWI", ("G", "S1"), "(G-S1)/(G+S1)")
def _mndwi(b, p):
    return nd(b["G"], b["S1"])


@index("BSI", ("S1", "R", "N", "B"), "((S1+R)-(N+B))/((S1+R)+(N+B))  [ASI 'BI', bare soil index]")
def _bsi(b, p):
    a = b["S1"] + b["R"]
    c = b["N"] + b["B"]
    return div(a - c, a + c)


@index("NDSoI", ("S2", "G"), "(S2-G)/(S2+G)")
def _ndsoi(b, p):
    return nd(b["S2"], b["G"])


@index("DBSI", ("S1", "G", "N", "R"), "(S1-G)/(S1+G) - (N-R)/(N+R)")
def _dbsi(b, p):
    return nd(b["S1"], b["G"]) - nd(b["N"], b["R"])


@index("MBI", ("S1", "S2", "N"), "(S1-S2-N)/(S1+S2+N) + 0.5")
def _mbi(b, p):
    S1, S2, N = b["S1"], b["S2"], b["N"]
    return div(S1 - S2 - N, S1 + S2 + N) + 0.5


@index("BaI", ("R", "S1", "N"), "R+S1-N")
def _bai(b, p):
    return b["R"] + b["S1"] - b["N"]


@index("NSDS", ("S1", "S2"), "(S1-S2)/(S1+S2)")
def _nsds(b, p):
    return nd(b["S1"], b["S2"])


# --- salinity (SoilSaltIndex) -----------------------------------------------
def sal(iid, bands, formula):
    return index(iid, bands, formula, group="salinity")


@sal("NDSI", "RN", "(R-N)/(R+N)  [salinity NDSI, not ASI's snow index]")
def _ndsi(b, p):
    return nd(b["R"], b["N"])


@sal("BI", "RN", "sqrt(R^2+N^2)  [brightness index, not ASI's bare soil BI]")
def _bi(b, p):
    return sqrt(b["R"] ** 2 + b["N"] ** 2)


@sal("SI1", "GR", "sqrt(G*R)")
def _si1(b, p):
    return sqrt(b["G"] * b["R"])


@sal("SI2", "GRN", "sqrt(G^2+R^2+N^2)")
def _si2(b, p):
    return sqrt(b["G"] ** 2 + b["R"] ** 2 + b["N"] ** 2)


@sal("SI3", "GR", "sqrt(G^2+R^2)")
def _si3(b, p):
    return sqrt(b["G"] ** 2 + b["R"] ** 2)


@sal("SI4", ("S1", "S2"), "S1/S2")
def _si4(b, p):
    return div(b["S1"], b["S2"])


@sal("SI5", ("N", "S1"), "(N-S1)/(N+S1)")
def _si5(b, p):
    return nd(b["N"], b["S1"])


@sal("SI6", ("S1", "S2"), "(S1-S2)/(S1+S2)")
def _si6(b, p):
    return nd(b["S1"], b["S2"])


@sal("SI7", "BR", "B/R")
def _si7(b, p):
    return div(b["B"], b["R"])


@sal("SI8", "BR", "(B-R)/(B+R)")
def _si8(b, p):
    return nd(b["B"], b["R"])


@sal("SI9", "GRB", "G*R/B")
def _si9(b, p):
    return div(b["G"] * b["R"], b["B"])


@sal("SI10", "BR", "sqrt(B*R)")
def _si10(b, p):
    return sqrt(b["B"] * b["R"])


@sal("SI11", "BRG", "B*R/G")
def _si11(b, p):
    return div(b["B"] * b["R"], b["G"])


@sal("SI12", "RNG", "R*N/G")
def _si12(b, p):
    return div(b["R"] * b["N"], b["G"])


@sal("SI13", "RN", "sqrt(R*N)")
def _si13(b, p):
    return sqrt(b["R"] * b["N"])


@sal("SI14", "RN", "100*R/N")
def _si14(b, p):
    return 100.0 * div(b["R"], b["N"])


@sal("SIT", ("N", "S1"), "N/S1")
def _sit(b, p):
    return div(b["N"], b["S1"])


@sal("CSRI", "RNGB", "sqrt((R*N-G*B)/(R*N+G*B))  [negative ratio -> nodata]")
def _csri(b, p):
    rn = b["R"] * b["N"]
    gb = b["G"] * b["B"]
    return sqrt(div(rn - gb, rn + gb))


@sal("COSRI", "BGRN", "((B+G)/(R+N))*((N-R)/(N+R))")
def _cosri(b, p):
    B, G, R, N = b["B"], b["G"], b["R"], b["N"]
    return div(B + G, R + N) * nd(N, R)


@sal("NSI", ("S1", "S2", "N"), "(S1-S2)/(S1-N)")
def _nsi(b, p):
    return div(b["S1"] - b["S2"], b["S1"] - b["N"])


@sal("SI_ASTER", ("S1", "N", "S2"), "(S1-N)/(S1+S2)")
def _si_aster(b, p):
    return div(b["S1"] - b["N"], b["S1"] + b["S2"])


@sal("SSSI1", ("S1", "S2"), "S1-S2")
def _sssi1(b, p):
    return b["S1"] - b["S2"]


@sal("SSSI2", ("S1", "S2"), "(S1*S2-S2^2)/S1")
def _sssi2(b, p):
    S1, S2 = b["S1"], b["S2"]
    return div(S1 * S2 - S2 ** 2, S1)


@sal("VSSI", "GRN", "2*G-5*(R+N)")
def _vssi(b, p):
    return 2.0 * b["G"] - 5.0 * (b["R"] + b["N"])


# ---------------------------------------------------------------------------
# Library API (also used by spyndex_check.py and the synthetic test)
# ---------------------------------------------------------------------------
def params_for(iid, params):
    """Resolve the parameter values of one index from a {name or ID.name: value} dict."""
    out = {}
    for name in INDICES[iid]["params"]:
        v = DEFAULT_PARAMS[name]
        if name in params:
            v = params[name]
        if "%s.%s" % (iid, name) in params:
            v = params["%s.%s" % (iid, name)]
        out[name] = float(v)
    return out


def compute(iid, refl, invalid, params=None, with_fragile=False):
    """Compute one index in float64.

    refl: {role: float64 array of reflectance}; invalid: {role: bool array}.
    Returns a float64 array with NaN wherever the index has no value; with
    with_fragile=True returns (values, fragile) where fragile marks valid-input pixels
    whose outcome depends on rounding (see FRAGILE_TOL).
    """
    global _FRAGILE
    d = INDICES[iid]
    b = {s: refl[SYM[s]] for s in d["bands"]}
    shape = next(iter(b.values())).shape
    bad = np.zeros(shape, dtype=bool)
    for s in d["bands"]:
        bad |= invalid[SYM[s]]
    _FRAGILE = []
    try:
        with np.errstate(all="ignore"):
            v = np.asarray(d["fn"](b, params_for(iid, params or {})), dtype=np.float64)
        fragile = np.zeros(shape, dtype=bool)
        for m in _FRAGILE:
            fragile |= np.broadcast_to(m, shape)
    finally:
        _FRAGILE = None
    fragile &= ~bad
    v = np.where(bad | ~np.isfinite(v), np.nan, v)
    return (v, fragile) if with_fragile else v


def to_float32(v, nodata):
    """Round float64 -> float32 at the very end; non-finite (incl. float32 overflow) -> nodata."""
    with np.errstate(all="ignore"):
        f = v.astype(np.float32)
    return np.where(np.isfinite(f), f, np.float32(nodata)).astype(np.float32)


def read_band(path, bandno):
    ds = gdal.Open(path)
    band = ds.GetRasterBand(bandno)
    dn = band.ReadAsArray().astype(np.float64)
    nd_ = band.GetNoDataValue()
    invalid = np.isnan(dn)
    if nd_ is not None:
        if np.isnan(nd_):
            pass  # NaN nodata: already covered
        else:
            invalid |= dn == nd_
    return ds, dn, invalid


def parse_band_spec(spec):
    if "=" not in spec:
        raise ValueError("--band expects ROLE=FILE:BAND, got %r" % spec)
    role, rest = spec.split("=", 1)
    role = role.strip().lower()
    if role not in ROLES:
        raise ValueError("unknown band role %r (expected one of %s)" % (role, ", ".join(ROLES)))
    path, sep, bno = rest.rpartition(":")
    if not sep or not bno.isdigit():
        path, bno = rest, "1"
    return role, path, int(bno)


def parse_param(spec):
    if "=" not in spec:
        raise ValueError("--param expects NAME=VALUE or ID.NAME=VALUE, got %r" % spec)
    k, v = spec.split("=", 1)
    k = k.strip()
    name = k.split(".", 1)[-1]
    if name not in DEFAULT_PARAMS:
        raise ValueError("unknown parameter %r (known: %s)" % (name, ", ".join(DEFAULT_PARAMS)))
    if "." in k and k.split(".", 1)[0] not in INDICES:
        raise ValueError("unknown index in parameter %r" % k)
    return k, float(v)


def list_indices(params=None):
    lines = []
    for iid in ORDER:
        d = INDICES[iid]
        pv = params_for(iid, params or {})
        ptxt = ("  {" + ", ".join("%s=%g" % (k, pv[k]) for k in d["params"]) + "}") if d["params"] else ""
        lines.append("%s\t%s%s" % (iid, d["formula"], ptxt))
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="output directory (created if missing)")
    ap.add_argument("--band", action="append", default=[], metavar="ROLE=FILE:BAND",
                    help="roles: " + ", ".join(ROLES))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--offset", type=float, default=0.0)
    ap.add_argument("--param", action="append", default=[], metavar="NAME=V|ID.NAME=V")
    ap.add_argument("--nodata", type=float, default=-9999.0, help="output nodata value (default -9999)")
    ap.add_argument("--ids", default=None, help="comma-separated index ids (default: every index whose bands are given)")
    ap.add_argument("--list", action="store_true", help="print id and formula, one per line, and exit")
    ap.add_argument("--fragile", action="store_true",
                    help="also write OUTDIR/<ID>.fragile.tif (Byte, 1 = result depends on float rounding: "
                         "a denominator or square-root argument within %g of zero); tests should skip "
                         "those pixels" % FRAGILE_TOL)
    ap.add_argument("--stats", action="store_true",
                    help="print per index: valid pixel count, min, max, mean (of the Float32 output)")
    a = ap.parse_args(argv)

    try:
        params = dict(parse_param(s) for s in a.param)
    except ValueError as exc:
        ap.error(str(exc))

    if a.list:
        for line in list_indices(params):
            print(line)
        return 0

    if not a.out or not a.band:
        ap.error("--out and at least one --band are required (or use --list)")

    try:
        specs = [parse_band_spec(s) for s in a.band]
    except ValueError as exc:
        ap.error(str(exc))

    refl, invalid = {}, {}
    ref_ds = None
    for role, path, bno in specs:
        ds, dn, inv = read_band(path, bno)
        if ref_ds is None:
            ref_ds = ds
        elif (ds.RasterXSize, ds.RasterYSize) != (ref_ds.RasterXSize, ref_ds.RasterYSize):
            ap.error("band %s (%s:%d) is %dx%d, expected %dx%d" % (role, path, bno, ds.RasterXSize,
                     ds.RasterYSize, ref_ds.RasterXSize, ref_ds.RasterYSize))
        with np.errstate(all="ignore"):
            refl[role] = dn * a.scale + a.offset
        invalid[role] = inv

    available = set(refl)
    if a.ids:
        ids = [s.strip() for s in a.ids.split(",") if s.strip()]
        unknown = [i for i in ids if i not in INDICES]
        if unknown:
            ap.error("unknown index id(s): %s" % ", ".join(unknown))
        for iid in ids:
            missing = [SYM[s] for s in INDICES[iid]["bands"] if SYM[s] not in available]
            if missing:
                ap.error("%s needs band(s) %s" % (iid, ", ".join(missing)))
    else:
        ids = [i for i in ORDER if all(SYM[s] in available for s in INDICES[i]["bands"])]

    os.makedirs(a.out, exist_ok=True)
    drv = gdal.GetDriverByName("GTiff")
    gt = ref_ds.GetGeoTransform(can_return_null=True)
    srs = ref_ds.GetProjection()
    if a.stats:
        print("%-9s %8s %15s %15s %15s %8s" % ("id", "valid", "min", "max", "mean", "fragile"))
    for iid in ids:
        v, fragile = compute(iid, refl, invalid, params, with_fragile=True)
        f = to_float32(v, a.nodata)
        path = os.path.join(a.out, iid + ".tif")
        out = drv.Create(path, ref_ds.RasterXSize, ref_ds.RasterYSize, 1, gdal.GDT_Float32)
        if gt is not None:
            out.SetGeoTransform(gt)
        if srs:
            out.SetProjection(srs)
        ob = out.GetRasterBand(1)
        ob.SetNoDataValue(a.nodata)
        ob.SetDescription(iid)
        ob.WriteArray(f)
        out.SetMetadataItem("SOILMAP_REFERENCE_FORMULA", INDICES[iid]["formula"])
        pv = params_for(iid, params)
        if pv:
            out.SetMetadataItem("SOILMAP_REFERENCE_PARAMS", ",".join("%s=%r" % kv for kv in pv.items()))
        out.FlushCache()
        out = None
        if a.fragile:
            fp = os.path.join(a.out, iid + ".fragile.tif")
            fo = drv.Create(fp, ref_ds.RasterXSize, ref_ds.RasterYSize, 1, gdal.GDT_Byte)
            if gt is not None:
                fo.SetGeoTransform(gt)
            if srs:
                fo.SetProjection(srs)
            fo.GetRasterBand(1).WriteArray(fragile.astype(np.uint8))
            fo = None
        ok = f != np.float32(a.nodata)
        nvalid = int(np.count_nonzero(ok))
        if a.stats:
            if nvalid:
                x = f[ok].astype(np.float64)
                print("%-9s %8d %15.7g %15.7g %15.7g %8d" % (iid, nvalid, x.min(), x.max(), x.mean(),
                                                           int(fragile.sum())))
            else:
                print("%-9s %8d %15s %15s %15s %8d" % (iid, 0, "-", "-", "-", int(fragile.sum())))
        else:
            print("%s\t%s\tvalid=%d\tfragile=%d" % (iid, path, nvalid, int(fragile.sum())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
