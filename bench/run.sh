#!/usr/bin/env bash
# soilmap benchmark: `make bench` runs `bash bench/run.sh`.
#
# Environment:
#   SOILMAP=path          soilmap binary (default .build/release/soilmap)
#   BENCH_REPEAT=3        timed repetitions per row (median, min-max reported)
#   BENCH_THREADS=2       threads for every tool
#   BENCH_FULL=1          also the 32768² (1.07 Gpx) peak-memory rows (same as BENCH_GIGAPIXEL=1)
#   BENCH_GIGAPIXEL=0/1   force the gigapixel rows off/on
#   BENCH_INDICES=0       skip the index rows (e.g. to run only bench/rows.d/*.sh)
#   BENCH_ZONAL, BENCH_PIPELINE   zonal and pipeline rows (default: BENCH_FULL); BENCH_CLASSIFY=0 skips classify
#   BENCH_COMPOSITE=1     composite rows (default: BENCH_FULL), BENCH_COMPOSITE_SIZE=4096 the side of each date
#   BENCH_NO_INSTALL=1    never call apt-get/pip (fail rows instead)
#   BENCH_TIMEOUT=900     per-command timeout in seconds
#   SOILMAP_VENV=path     Python venv for exactextract/rasterstats (default /opt/soilmap-venv)
#
# Writes bench/results/indices.md (and .tsv). Generated inputs are cached in bench/work/.
# More rows: drop a bash file in bench/rows.d/ (sourced in name order after the index rows); it can use
# bench_begin / bench_section / time_row / time_row_soilmap / bench_render from bench/lib.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bench_init

BENCH_FULL=${BENCH_FULL:-0}
BENCH_GIGAPIXEL=${BENCH_GIGAPIXEL:-$BENCH_FULL}

# ---- 1. dependencies (only what is missing) ---------------------------------------------------
if [[ ${BENCH_NO_INSTALL:-0} != 1 ]]; then
    ensure_apt gdal-bin python3-gdal python3-numpy time otb-bin python3-scipy
    ensure_venv
fi

# ---- 2. inputs (generated once, cached) -----------------------------------------------------
ensure_s2_input
ensure_ndvi_ref
S2=$S2_DIR
# The same red and nir re-tiled in 1024 blocks, the block size of Sentinel-2 L2A COGs.
S2_1024=$BENCH_WORK/s2_1024
mkdir -p "$S2_1024"
for band in B04 B08; do
    if [[ ! -s $S2_1024/$band.tif ]]; then
        gdal_translate -q -co TILED=YES -co BLOCKXSIZE=1024 -co BLOCKYSIZE=1024 -co COMPRESS=DEFLATE -co PREDICTOR=2 \
            -co NUM_THREADS="$BENCH_THREADS" "$S2/$band.tif" "$S2_1024/$band.part.tif"
        mv "$S2_1024/$band.part.tif" "$S2_1024/$band.tif"
    fi
done
STACK=$BENCH_WORK/s2_stack.vrt    # OTB needs one multi-band input: 1 blue, 2 red, 3 nir, 4 swir1
[[ -s $STACK ]] || gdalbuildvrt -q -separate "$STACK" "$S2/B02.tif" "$S2/B04.tif" "$S2/B08.tif" "$S2/B11.tif"
if [[ $BENCH_GIGAPIXEL == 1 ]]; then
    ensure_giga_input
    GSTACK=$BENCH_WORK/giga_stack.vrt   # 1 red, 2 nir
    [[ -s $GSTACK ]] || gdalbuildvrt -q -separate "$GSTACK" "$GIGA_DIR/B04.tif" "$GIGA_DIR/B08.tif"
fi

# ---- 3. rows --------------------------------------------------------------------------------
CO_ARGS=()        # --co K=V ...    (soilmap, gdal_calc.py, ndvi_numpy.py)
GT_CO=()          # -co K=V ...     (gdal_translate)
OTB_EF=""         # ?&gdal:co:K=V   (OTB extended filename)
for kv in "${BENCH_CO[@]}"; do
    CO_ARGS+=(--co "$kv"); GT_CO+=(-co "$kv"); OTB_EF+="&gdal:co:$kv"
done
OTB_EF="?$OTB_EF"
CALC='(B.astype(float32)-A)/(B.astype(float32)+A)'
O=$BENCH_OUT

ndvi_rows() {  # $1 = input dir (B04/B08), $2 = OTB stack, $3 = red channel in stack, $4 = nir channel
    local d=$1 stack=$2 rc=$3 nc=$4
    time_row "floor A: read+decode red+nir" "$SYS_PY" bench/floor_read.py "$d/B04.tif" "$d/B08.tif"
    time_row "floor B: gdal_translate red → Float32" \
        gdal_translate -q -ot Float32 "${GT_CO[@]}" "$d/B04.tif" "$O/floorB.tif"
    time_row "gdal_calc.py NDVI" gdal_calc.py --quiet --overwrite -A "$d/B04.tif" -B "$d/B08.tif" \
        --outfile="$O/calc.tif" --calc="$CALC" --type=Float32 --NoDataValue=-9999 "${CO_ARGS[@]}"
    time_row "OTB RadiometricIndices NDVI" otbcli_RadiometricIndices -in "$stack" \
        -channels.red "$rc" -channels.nir "$nc" -list Vegetation:NDVI -ram 256 -out "$O/otb.tif$OTB_EF" float
    time_row "numpy 512×512 windows" "$SYS_PY" bench/ndvi_numpy.py --mode tile "${CO_ARGS[@]}" \
        "$d/B04.tif" "$d/B08.tif" "$O/numpy_tile.tif"
    time_row "numpy 512-row strips" "$SYS_PY" bench/ndvi_numpy.py --mode strip "${CO_ARGS[@]}" \
        "$d/B04.tif" "$d/B08.tif" "$O/numpy_strip.tif"
    time_row_soilmap "soilmap NDVI" index NDVI --band red="$d/B04.tif" --band nir="$d/B08.tif" \
        -o "$O/soilmap_ndvi.tif" --threads "$BENCH_THREADS" --tile-size 512 --overwrite "${CO_ARGS[@]}"
}

if [[ ${BENCH_INDICES:-1} == 1 ]]; then
    bench_begin indices
    bench_section "NDVI and indices, 10980 × 10980 (Sentinel-2 tile size), UInt16 bands → Float32" \
        "soilmap NDVI" "floor B: gdal_translate red → Float32"
    ndvi_rows "$S2" "$STACK" 2 3
    time_row "floor B′: gdal_translate NDVI → same options" gdal_translate -q "${GT_CO[@]}" "$NDVI_REF" "$O/floorB2.tif"
    # the encoding soilmap writes by default (RasterOutput.defaultFloatEncoding): the floor of the last row
    time_row "floor B″: gdal_translate NDVI → ZSTD 1 (soilmap's default encoding)" gdal_translate -q -co TILED=YES \
        -co BLOCKXSIZE=512 -co BLOCKYSIZE=512 -co COMPRESS=ZSTD -co ZSTD_LEVEL=1 \
        -co NUM_THREADS="$BENCH_THREADS" "$NDVI_REF" "$O/floorB3.tif"
    time_row_soilmap "soilmap 5 indices (NDVI,NDMI,SAVI,EVI,BSI)" index NDVI,NDMI,SAVI,EVI,BSI \
        --band blue="$S2/B02.tif" --band red="$S2/B04.tif" --band nir="$S2/B08.tif" --band swir1="$S2/B11.tif" \
        -o "$O/soilmap_5.tif" --threads "$BENCH_THREADS" --tile-size 512 --overwrite "${CO_ARGS[@]}"
    time_row_soilmap "soilmap NDVI, own defaults (no --co)" index NDVI --band red="$S2/B04.tif" \
        --band nir="$S2/B08.tif" -o "$O/soilmap_default.tif" --threads "$BENCH_THREADS" --overwrite
    time_row "gdal_calc.py NDVI, inputs in 1024 blocks" gdal_calc.py --quiet --overwrite -A "$S2_1024/B04.tif" \
        -B "$S2_1024/B08.tif" --outfile="$O/calc_1024.tif" --calc="$CALC" --type=Float32 --NoDataValue=-9999 "${CO_ARGS[@]}"
    time_row_soilmap "soilmap NDVI, own defaults, inputs in 1024 blocks" index NDVI --band red="$S2_1024/B04.tif" \
        --band nir="$S2_1024/B08.tif" -o "$O/soilmap_default_1024.tif" --threads "$BENCH_THREADS" --overwrite
    # two indices: 512 tiles over 1024 blocks, decoded once into the shared block cache
    time_row_soilmap "soilmap NDVI+SAVI, own defaults" index NDVI,SAVI --band red="$S2/B04.tif" \
        --band nir="$S2/B08.tif" -o "$O/soilmap_2.tif" --threads "$BENCH_THREADS" --overwrite
    time_row_soilmap "soilmap NDVI+SAVI, own defaults, inputs in 1024 blocks" index NDVI,SAVI --band red="$S2_1024/B04.tif" \
        --band nir="$S2_1024/B08.tif" -o "$O/soilmap_2_1024.tif" --threads "$BENCH_THREADS" --overwrite

    if [[ $BENCH_GIGAPIXEL == 1 ]]; then
        BENCH_REPEAT_SAVED=$BENCH_REPEAT
        BENCH_REPEAT=${BENCH_GIGA_REPEAT:-1}
        bench_section "Peak memory: NDVI of 32768 × 32768 (1.07 Gpx) red+nir" \
            "soilmap NDVI" "floor B: gdal_translate red → Float32"
        ndvi_rows "$GIGA_DIR" "$GSTACK" 1 2
        BENCH_REPEAT=$BENCH_REPEAT_SAVED
    fi
    bench_render
fi

# ---- 4. extra rows (classify, zonal, ...) -----------------------------------------------------
shopt -s nullglob
for f in bench/rows.d/*.sh; do
    bench_log "rows: $f"
    # shellcheck source=/dev/null
    source "$f"
done
