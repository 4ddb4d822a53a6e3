# shellcheck shell=bash
# Temporal composite rows (sourced by bench/run.sh): the mean of 23 "dates" (23 windows of the bench's 10980² NDVI,
# made from the real Olinda Landsat sample by gen_input.py;
# BENCH_COMPOSITE_SIZE² each, default 4096), soilmap composite against numpy.nanmean reading every band whole.
# Memory is what differs: numpy holds 23 Float64 planes, soilmap one tile of each per thread.
if [[ ${BENCH_COMPOSITE:-$BENCH_FULL} == 1 ]]; then
    size=${BENCH_COMPOSITE_SIZE:-4096}
    dates=$BENCH_WORK/composite_$size
    if [[ ! -s $dates/date23.tif ]]; then
        mkdir -p "$dates"
        for date in $(seq 1 23); do
            offset=$(( (date - 1) * (10980 - size) / 22 ))
            gdal_translate -q -srcwin "$offset" "$offset" "$size" "$size" -a_ullr 0 "$size" "$size" 0 \
                -co TILED=YES -co BLOCKXSIZE=512 -co BLOCKYSIZE=512 -co COMPRESS=DEFLATE "$NDVI_REF" "$dates/date$date.tif"
        done
    fi
    inputs=()
    for date in $(seq 1 23); do inputs+=("$dates/date$date.tif"); done
    bench_begin composite
    bench_section "Composite: mean of 23 dates of ${size} × ${size} (Float32, nodata skipped)" \
        "numpy nanmean" "numpy nanmean"
    time_row "numpy nanmean" "$SYS_PY" "$BENCH_DIR/composite_numpy.py" "$BENCH_OUT/numpy_mean.tif" "${inputs[@]}"
    time_row_soilmap "soilmap composite" composite "${inputs[@]}" --statistic mean -o "$BENCH_OUT/soilmap_mean.tif" \
        --threads "$BENCH_THREADS" --overwrite -q --co COMPRESS=DEFLATE --co PREDICTOR=1
    bench_render
fi
