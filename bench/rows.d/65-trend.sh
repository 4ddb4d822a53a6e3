# shellcheck shell=bash
# Trend rows (sourced by bench/run.sh; or run alone: `bash bench/rows.d/65-trend.sh`). On when BENCH_TREND=1
# (default: BENCH_FULL). `soilmap trend` over BENCH_TREND_YEARS (20) annual Float32 rasters of BENCH_TREND_SIZE²
# (10980², bench/trend_setup.py, ~8 GB in bench/work/trend_SIZE), all ten statistics in one pass, against
#   (a) numpy, vectorised block-wise (bench/trend_numpy.py): ~1 h at full size, so timed on a BENCH_TREND_WINDOW²
#       (1024²) window of the same inputs (GeoTIFFs cut in their layout), soilmap on that window beside it; once with a sort for Theil-Sen,
#       once with np.nanmedian (a'), as most scripts write it;
#   (b) GRASS r.series method=slope (OLS slope only; grass-core, inputs linked with r.external in a throwaway
#       location made here), at full size and on the window, beside soilmap with `--statistics ols_slope` (the
#       same single statistic), each writing its own compressed format (GRASS: DCELL with ZSTD; soilmap: its
#       default GeoTIFF, ZSTD level 1);
#   (c) scipy per pixel (theilslopes + kendalltau in a loop, bench/trend_scipy.py) on a BENCH_TREND_SCIPY_WINDOW²
#       (512²) window, soilmap beside it;
# and the read floor (decoding the 20 inputs, bench/floor_read.py). BENCH_TREND_FULLSIZE=0 skips the full-size
# rows (windows only). Results: bench/results/trend.md, with a correctness line (soilmap's bands against numpy's
# on the window, bench/trend_compare.py) and the targets (bench/trend_summary.py).
if [[ -z ${BENCH_DIR:-} ]]; then    # run alone
    set -euo pipefail
    cd "$(dirname "${BASH_SOURCE[0]}")/../.."
    source bench/lib.sh
    bench_init
fi
if [[ ${BENCH_TREND:-${BENCH_FULL:-0}} == 1 ]]; then
    [[ ${BENCH_NO_INSTALL:-0} == 1 ]] || ensure_apt grass-core python3-scipy gdal-bin python3-gdal time
    TSIZE=${BENCH_TREND_SIZE:-10980}
    TCOUNT=${BENCH_TREND_YEARS:-20}
    TWIN=${BENCH_TREND_WINDOW:-1024}
    SWIN=${BENCH_TREND_SCIPY_WINDOW:-512}
    TDIR=$BENCH_WORK/trend_$TSIZE
    "$SYS_PY" bench/trend_setup.py "$TDIR" "$TSIZE" "$TCOUNT" >&2
    TYEARS=$(seq -s, 2001 $((2000 + TCOUNT)))
    TFULL=()
    for y in $(seq 2001 $((2000 + TCOUNT))); do TFULL+=("$TDIR/ndvi_$y.tif"); done

    # Windows of the same inputs near the middle of the raster, clear of the nodata swath, starting on a 512 block
    # boundary, cut as GeoTIFFs with the inputs' own layout (tiled 512, ZSTD level 1, floating-point predictor): the
    # same pixels and encoding as the full-size files, so that each tool reads them as it reads those (through a
    # VRT, soilmap's own decoder would not be used and every tool would pay GDAL's VRT layer).
    trend_window() {  # $1 = side; fills $TDIR/win$1/*.tif
        local side=$1 d=$TDIR/win$1 off=$(((TSIZE - $1) / 2 / 512 * 512)) y
        mkdir -p "$d"
        for y in $(seq 2001 $((2000 + TCOUNT))); do
            [[ -s $d/ndvi_$y.tif ]] || gdal_translate -q -srcwin "$off" "$off" "$side" "$side" -co TILED=YES -co BLOCKXSIZE=512 \
                -co BLOCKYSIZE=512 -co COMPRESS=ZSTD -co ZSTD_LEVEL=1 -co PREDICTOR=3 "$TDIR/ndvi_$y.tif" "$d/ndvi_$y.tif"
        done
    }
    trend_window "$TWIN"
    trend_window "$SWIN"
    TW=() TS=()
    for y in $(seq 2001 $((2000 + TCOUNT))); do TW+=("$TDIR/win$TWIN/ndvi_$y.tif"); TS+=("$TDIR/win$SWIN/ndvi_$y.tif"); done

    # A throwaway GRASS location on the inputs' CRS, with every input (full and window) linked by r.external.
    GLOC=$BENCH_WORK/grass_trend/loc
    GRASS_OK=0
    if command -v grass >/dev/null; then
        rm -rf "$BENCH_WORK/grass_trend" && mkdir -p "$BENCH_WORK/grass_trend"
        if grass -c EPSG:32725 -e "$GLOC" >&2 &&
            grass "$GLOC/PERMANENT" --exec bash -c 'k=0; for f in "$@"; do k=$((k + 1)); r.external input="$f" output="full_y$k" --quiet --overwrite -o || exit 1; done' \
                _ "${TFULL[@]}" >&2 &&
            grass "$GLOC/PERMANENT" --exec bash -c 'k=0; for f in "$@"; do k=$((k + 1)); r.external input="$f" output="win_y$k" --quiet --overwrite -o || exit 1; done' \
                _ "${TW[@]}" >&2; then
            GRASS_OK=1
        fi
    fi
    GFULL=$(seq -s, -f "full_y%g" 1 "$TCOUNT")
    GWIN=$(seq -s, -f "win_y%g" 1 "$TCOUNT")
    grass_slope() {  # $1 = comma-separated inputs, $2 = output name: the region of the first, then r.series
        grass "$GLOC/PERMANENT" --exec bash -c "g.region raster=${1%%,*} --quiet && r.series input=$1 output=$2 method=slope --overwrite --quiet"
    }
    export -f grass_slope
    export GLOC

    TCO=("${CO_ARGS[@]:-}")
    [[ -n ${TCO[0]:-} ]] || { TCO=(); for kv in "${BENCH_CO[@]}"; do TCO+=(--co "$kv"); done; }
    O=$BENCH_OUT
    bench_begin trend
    bench_section "Trend, $TCOUNT years × ${TWIN}² window of the ${TSIZE}² inputs (all statistics; GRASS: OLS slope only)" \
        "soilmap trend (window)" "floor: read+decode $TCOUNT inputs (window)"
    time_row "floor: read+decode $TCOUNT inputs (window)" "$SYS_PY" bench/floor_read.py "${TW[@]}"
    BENCH_KEEP_OUT=1 time_row_soilmap "soilmap trend (window)" trend "${TW[@]}" --years "$TYEARS" -o "$O/soilmap_win.tif" \
        --threads "$BENCH_THREADS" --overwrite -q "${TCO[@]}"
    cp -f "$O/soilmap_win.tif" "$TDIR/soilmap_win.tif" 2>/dev/null || true
    BENCH_KEEP_OUT=1 time_row "numpy block-wise (a)" "$SYS_PY" bench/trend_numpy.py --years "$TYEARS" "${TCO[@]}" "$O/numpy_win.tif" "${TW[@]}"
    cp -f "$O/numpy_win.tif" "$TDIR/numpy_win.tif" 2>/dev/null || true
    # The same numpy with np.nanmedian for Theil-Sen, as most scripts write it; the issue's "about 35 s" peer.
    time_row "numpy block-wise, np.nanmedian (a')" "$SYS_PY" bench/trend_numpy.py --nanmedian --years "$TYEARS" "${TCO[@]}" "$O/numpy_nan_win.tif" "${TW[@]}"
    # Against GRASS each tool writes its own compressed format: GRASS 8.2 a DCELL raster with ZSTD, soilmap its
    # default GeoTIFF encoding (ZSTD level 1), not the DEFLATE the numpy rows share.
    time_row_soilmap "soilmap trend --statistics ols_slope (window)" trend "${TW[@]}" --years "$TYEARS" --statistics ols_slope \
        -o "$O/soilmap_win_slope.tif" --threads "$BENCH_THREADS" --overwrite -q
    if [[ $GRASS_OK == 1 ]]; then
        time_row "GRASS r.series method=slope (b, window)" grass_slope "$GWIN" win_slope
    else
        _bench_record "failed: GRASS not available" "" "" "" "GRASS r.series method=slope (b, window)" "grass_slope"
    fi

    bench_section "Trend, $TCOUNT years × ${SWIN}² window: scipy per pixel (c)" "soilmap trend (${SWIN}² window)" ""
    time_row_soilmap "soilmap trend (${SWIN}² window)" trend "${TS[@]}" --years "$TYEARS" -o "$O/soilmap_s.tif" \
        --threads "$BENCH_THREADS" --overwrite -q "${TCO[@]}"
    BENCH_REPEAT_SAVED=$BENCH_REPEAT
    BENCH_REPEAT=1
    time_row "scipy per pixel: theilslopes + kendalltau (c)" "$SYS_PY" bench/trend_scipy.py --years "$TYEARS" "$O/scipy.tif" "${TS[@]}"

    if [[ ${BENCH_TREND_FULLSIZE:-1} == 1 ]]; then
        BENCH_REPEAT=${BENCH_TREND_FULL_REPEAT:-1}
        bench_section "Trend, $TCOUNT years × ${TSIZE}² (all statistics; GRASS: OLS slope only)" \
            "soilmap trend" "floor: read+decode $TCOUNT inputs"
        time_row "floor: read+decode $TCOUNT inputs" "$SYS_PY" bench/floor_read.py "${TFULL[@]}"
        time_row_soilmap "soilmap trend" trend "${TFULL[@]}" --years "$TYEARS" -o "$O/soilmap_full.tif" \
            --threads "$BENCH_THREADS" --overwrite -q "${TCO[@]}"
        time_row_soilmap "soilmap trend --statistics ols_slope" trend "${TFULL[@]}" --years "$TYEARS" --statistics ols_slope \
            -o "$O/soilmap_full_slope.tif" --threads "$BENCH_THREADS" --overwrite -q
        if [[ $GRASS_OK == 1 ]]; then
            time_row "GRASS r.series method=slope (b)" grass_slope "$GFULL" full_slope
        else
            _bench_record "failed: GRASS not available" "" "" "" "GRASS r.series method=slope (b)" "grass_slope"
        fi
    fi
    BENCH_REPEAT=$BENCH_REPEAT_SAVED
    bench_render
    {
        echo
        echo "### Correctness"
        echo
        echo "soilmap's bands against numpy's (a) on the ${TWIN}² window: $("$SYS_PY" bench/trend_compare.py "$TDIR/soilmap_win.tif" "$TDIR/numpy_win.tif" 2>&1 || true)"
        echo
        "$SYS_PY" bench/trend_summary.py "$BENCH_RESULTS/trend.tsv" "$TSIZE" "$TWIN" "$SWIN" 2>&1 || true
    } >>"$BENCH_RESULTS/trend.md"
    rm -rf "$BENCH_WORK/grass_trend"
fi
