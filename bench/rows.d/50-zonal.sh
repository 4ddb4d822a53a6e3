# shellcheck shell=bash
# Zonal-statistics rows (sourced by bench/run.sh). On when BENCH_ZONAL=1 (default: BENCH_FULL).
# 3,321 Voronoi "communes" (bench/zonal_setup.py) over the 10980² NDVI (DEFLATE, tiled 512):
# mean/count/sum/min/max per commune. Results: bench/results/zonal.md, CSVs in bench/work/zonal/.
if [[ ${BENCH_ZONAL:-${BENCH_FULL:-0}} == 1 ]]; then
    ZDIR=$BENCH_WORK/zonal
    mkdir -p "$ZDIR"
    ZVEC=$BENCH_WORK/communes.gpkg
    ZRAS=$BENCH_WORK/ndvi_deflate.tif
    [[ -s $ZVEC ]] || "$SYS_PY" bench/zonal_setup.py "$S2_DIR/B04.tif" "$ZVEC" >&2
    if [[ ! -s $ZRAS ]]; then
        gdal_translate -q -co TILED=YES -co BLOCKXSIZE=512 -co BLOCKYSIZE=512 -co COMPRESS=DEFLATE \
            -co NUM_THREADS="$BENCH_THREADS" "$NDVI_REF" "$ZRAS.part.tif" && mv "$ZRAS.part.tif" "$ZRAS"
    fi
    ZPY=$SOILMAP_VENV/bin/python
    bench_begin zonal
    bench_section "Zonal statistics: 3,321 communes × NDVI 10980 × 10980 (mean, count, sum, min, max)" \
        "soilmap zonal" "exactextract (coverage)"
    BENCH_KEEP_OUT=1 time_row "exactextract (coverage)" "$ZPY" bench/zonal_peers.py exactextract "$ZRAS" "$ZVEC" "$BENCH_OUT/exactextract.csv"
    cp -f "$BENCH_OUT/exactextract.csv" "$ZDIR/" 2>/dev/null || true
    BENCH_KEEP_OUT=1 time_row "rasterstats (centre)" "$ZPY" bench/zonal_peers.py rasterstats "$ZRAS" "$ZVEC" "$BENCH_OUT/rasterstats.csv"
    cp -f "$BENCH_OUT/rasterstats.csv" "$ZDIR/" 2>/dev/null || true
    BENCH_KEEP_OUT=1 time_row_soilmap "soilmap zonal" zonal "$ZRAS" --zones "$ZVEC" --id-field commune_code \
        --mode coverage --stats mean,count,sum,min,max -o "$BENCH_OUT/soilmap.csv" --threads "$BENCH_THREADS" --overwrite -q
    cp -f "$BENCH_OUT/soilmap.csv" "$ZDIR/soilmap_coverage.csv" 2>/dev/null || true
    BENCH_KEEP_OUT=1 time_row_soilmap "soilmap zonal (centre)" zonal "$ZRAS" --zones "$ZVEC" --id-field commune_code \
        --mode center --stats mean,count,sum,min,max -o "$BENCH_OUT/soilmap_center.csv" --threads "$BENCH_THREADS" --overwrite -q
    cp -f "$BENCH_OUT/soilmap_center.csv" "$ZDIR/soilmap_center.csv" 2>/dev/null || true
    bench_render
    if [[ -s $ZDIR/exactextract.csv && -s $ZDIR/rasterstats.csv ]]; then
        "$ZPY" bench/zonal_peers.py compare "$ZDIR/exactextract.csv" "$ZDIR/rasterstats.csv" \
            >"$BENCH_RESULTS/zonal_compare.txt" 2>&1 || true
    fi
fi
