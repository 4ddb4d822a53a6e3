#!/usr/bin/env bash
# Output-encoding study: which lossless GeoTIFF encoding should soilmap write Float32 results with?
#
# Input: a real Float32 NDVI of the 10980 × 10980 benchmark tile (bench/work/ndvi_ref.tif, uncompressed,
# tiled 512, values in [-1, 1], ~4.5 % nodata -9999; made by bench/ndvi_numpy.py from bench/work/s2/).
# For every candidate: gdal_translate with 2 threads (GDAL_NUM_THREADS=2 and -co NUM_THREADS=2), tiled
# 512 × 512, BENCH_REPEAT (3) runs -> median/min/max write time, file size, peak RSS; then a bit-exact
# comparison with the reference (bench/encoding_verify.py) and the time to read + decode the file back
# (fresh process each time, median of BENCH_REPEAT, bench/floor_read.py, GDAL_NUM_THREADS=2).
# Result: bench/results/encoding.md (+ encoding.tsv, encoding_verify.tsv).
#
# Usage: bash bench/encoding_study.sh            (BENCH_REPEAT, BENCH_THREADS as in run.sh)
#        ENC_ONLY="ZSTD" bash bench/encoding_study.sh   (only candidates whose label contains ZSTD)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bench_init
if [[ ${BENCH_NO_INSTALL:-0} != 1 ]]; then ensure_apt gdal-bin python3-gdal python3-numpy time; fi
ensure_s2_input
ensure_ndvi_ref

# label | creation options (besides TILED=YES BLOCKXSIZE=512 BLOCKYSIZE=512 NUM_THREADS=N)
CANDIDATES=(
    "NONE|COMPRESS=NONE"
    "DEFLATE 1, pred 1|COMPRESS=DEFLATE ZLEVEL=1 PREDICTOR=1"
    "DEFLATE 1, pred 3|COMPRESS=DEFLATE ZLEVEL=1 PREDICTOR=3"
    "DEFLATE 6, pred 1|COMPRESS=DEFLATE ZLEVEL=6 PREDICTOR=1"
    "DEFLATE 6, pred 3|COMPRESS=DEFLATE ZLEVEL=6 PREDICTOR=3"
    "ZSTD 1, pred 1|COMPRESS=ZSTD ZSTD_LEVEL=1 PREDICTOR=1"
    "ZSTD 1, pred 3|COMPRESS=ZSTD ZSTD_LEVEL=1 PREDICTOR=3"
    "ZSTD 3, pred 1|COMPRESS=ZSTD ZSTD_LEVEL=3 PREDICTOR=1"
    "ZSTD 3, pred 3|COMPRESS=ZSTD ZSTD_LEVEL=3 PREDICTOR=3"
    "ZSTD 9, pred 1|COMPRESS=ZSTD ZSTD_LEVEL=9 PREDICTOR=1"
    "ZSTD 9, pred 3|COMPRESS=ZSTD ZSTD_LEVEL=9 PREDICTOR=3"
    "LZW, pred 1|COMPRESS=LZW PREDICTOR=1"
    "LZW, pred 3|COMPRESS=LZW PREDICTOR=3"
    "LERC, MAX_Z_ERROR=0|COMPRESS=LERC MAX_Z_ERROR=0"
    "LERC_DEFLATE, MAX_Z_ERROR=0|COMPRESS=LERC_DEFLATE MAX_Z_ERROR=0"
    "LERC_ZSTD, MAX_Z_ERROR=0|COMPRESS=LERC_ZSTD MAX_Z_ERROR=0"
)
SUPPORTED=$(gdalinfo --format GTiff | sed -n '/name="COMPRESS"/,/<\/Option>/p' | sed -n 's/.*<Value>\(.*\)<\/Value>.*/\1/p' | tr '\n' ' ')
bench_log "GTiff compressions in this GDAL: $SUPPORTED"

bench_begin encoding
VERIFY=$BENCH_RESULTS/encoding_verify.tsv
: >"$VERIFY"
bench_section "Float32 NDVI 10980 × 10980 re-encoded with gdal_translate, $BENCH_THREADS threads, tiled 512" "NONE" "DEFLATE 6, pred 1"
export BENCH_KEEP_OUT=1
for c in "${CANDIDATES[@]}"; do
    label=${c%%|*}
    [[ -n ${ENC_ONLY:-} && $label != *"$ENC_ONLY"* ]] && continue
    read -r -a opts <<<"${c#*|}"
    co=(-co TILED=YES -co BLOCKXSIZE=512 -co BLOCKYSIZE=512 -co "NUM_THREADS=$BENCH_THREADS")
    for o in "${opts[@]}"; do co+=(-co "$o"); done
    out=$BENCH_OUT/enc.tif
    time_row "$label" gdal_translate -q --config GDAL_NUM_THREADS "$BENCH_THREADS" "${co[@]}" "$NDVI_REF" "$out"
    if [[ -s $out ]]; then
        v=$("$SYS_PY" bench/encoding_verify.py "$NDVI_REF" "$out" 2>&1 | tail -1 | tr -d '\r')
        reads=""
        for ((i = 1; i <= BENCH_REPEAT; i++)); do
            t0=$(date +%s.%N)
            "$SYS_PY" bench/floor_read.py "$out" >/dev/null
            t1=$(date +%s.%N)
            reads+="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}'),"
        done
        printf '%s\t%s\t%s\n' "$label" "$v" "${reads%,}" >>"$VERIFY"
        bench_log "$label: lossless=$v reads=${reads%,}"
    else
        printf '%s\tn/a\t\t\t\t\n' "$label" >>"$VERIFY"
    fi
    rm -f "$out"
done
"$SYS_PY" bench/encoding_table.py "$BENCH_TSV" "$VERIFY" "$BENCH_RESULTS/encoding.md" "$SUPPORTED"
