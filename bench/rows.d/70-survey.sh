# shellcheck shell=bash
# Survey rows (sourced by bench/run.sh). On when BENCH_SURVEY=1 (default: BENCH_FULL).
# 1. invdistnn of SURVEY_POINTS (10,000) points onto SURVEY_GRID² (5000²) cells, against gdal_grid with the same
#    parameters (AVX/SSE off, exact search): gdal_grid takes ~17 s per 10^6 cells here, so it runs on the first
#    SURVEY_GDAL_ROWS rows only (soilmap beside it on the same window), and the full-grid time is scaled from it.
# 2. ordinary kriging of SURVEY_KRIGE_POINTS (2,000) onto SURVEY_KRIGE_GRID² (1000²), 16 closest points, given
#    variogram, against PyKrige's C backend on the first SURVEY_PYKRIGE_ROWS rows (scaled likewise).
# 3. sampling SURVEY_SAMPLE_POINTS (100,000) points from SURVEY_RASTERS (20) rasters, against rasterio's sample.
# Results: bench/results/survey.md; value checks in bench/results/survey_compare.txt.
if [[ ${BENCH_SURVEY:-${BENCH_FULL:-0}} == 1 ]]; then
    SVDIR=$BENCH_WORK/survey
    SV_POINTS=${SURVEY_POINTS:-10000} SV_GRID=${SURVEY_GRID:-5000} SV_GDAL_ROWS=${SURVEY_GDAL_ROWS:-100}
    SV_KPOINTS=${SURVEY_KRIGE_POINTS:-2000} SV_KGRID=${SURVEY_KRIGE_GRID:-1000} SV_PYKRIGE_ROWS=${SURVEY_PYKRIGE_ROWS:-100}
    SV_SPOINTS=${SURVEY_SAMPLE_POINTS:-100000} SV_RASTERS=${SURVEY_RASTERS:-20} SV_RSIZE=${SURVEY_RASTER_SIZE:-2500}
    SVPY=$SOILMAP_VENV/bin/python
    mkdir -p "$SVDIR"
    "$SVPY" bench/survey_peers.py setup "$SVDIR" "$SV_POINTS" "$SV_KPOINTS" "$SV_SPOINTS" "$SV_RASTERS" "$SV_RSIZE" >&2
    TE=(500000 1200000 550000 1250000)
    CELL=$(awk -v s="$SV_GRID" 'BEGIN{printf "%.10g", 50000 / s}')
    KCELL=$(awk -v s="$SV_KGRID" 'BEGIN{printf "%.10g", 50000 / s}')
    WINDOW_YMIN=$(awk -v c="$CELL" -v r="$SV_GDAL_ROWS" 'BEGIN{printf "%.10g", 1250000 - c * r}')
    KWINDOW_YMIN=$(awk -v c="$KCELL" -v r="$SV_PYKRIGE_ROWS" 'BEGIN{printf "%.10g", 1250000 - c * r}')
    IDW="invdistnn:power=2:radius=1500:max_points=12:nodata=-9999"
    OK="kriging:model=spherical:sill=0.7:range=15000:nugget=0.04:max_points=16"
    bench_begin survey
    bench_section "invdistnn (power 2, radius 1500 m, 12 points): ${SV_POINTS} points onto ${SV_GRID}² cells; gdal_grid on the first ${SV_GDAL_ROWS} rows" \
        "gdal_grid (window ${SV_GDAL_ROWS} rows)" "soilmap grid (window ${SV_GDAL_ROWS} rows)"
    BENCH_KEEP_OUT=1 time_row "gdal_grid (window ${SV_GDAL_ROWS} rows)" env GDAL_USE_AVX=NO GDAL_USE_SSE=NO GDAL_GRID_POINT_COUNT_THRESHOLD=100000000 \
        GDAL_NUM_THREADS="$BENCH_THREADS" gdal_grid -q -zfield om -a "$IDW" -ot Float32 -txe 500000 550000 -tye 1250000 "$WINDOW_YMIN" \
        -outsize "$SV_GRID" "$SV_GDAL_ROWS" "$SVDIR/points.vrt" "$BENCH_OUT/gdal_window.tif"
    cp -f "$BENCH_OUT/gdal_window.tif" "$SVDIR/" 2>/dev/null || true
    time_row_soilmap "soilmap grid (window ${SV_GDAL_ROWS} rows)" grid "$SVDIR/points.csv" --points-crs EPSG:32648 --field om -a "$IDW" \
        --te 500000 "$WINDOW_YMIN" 550000 1250000 --tr "$CELL" "$CELL" -o "$BENCH_OUT/window.tif" --threads "$BENCH_THREADS" --overwrite -q
    BENCH_KEEP_OUT=1 time_row_soilmap "soilmap grid (full ${SV_GRID}²)" grid "$SVDIR/points.csv" --points-crs EPSG:32648 --field om -a "$IDW" \
        --te "${TE[@]}" --tr "$CELL" "$CELL" -o "$BENCH_OUT/idw.tif" --threads "$BENCH_THREADS" --overwrite -q
    cp -f "$BENCH_OUT/idw.tif" "$SVDIR/" 2>/dev/null || true
    bench_section "ordinary kriging (spherical, 16 closest): ${SV_KPOINTS} points onto ${SV_KGRID}² cells; PyKrige (C backend) on the first ${SV_PYKRIGE_ROWS} rows" \
        "PyKrige C (window ${SV_PYKRIGE_ROWS} rows)" "soilmap grid (window ${SV_PYKRIGE_ROWS} rows)"
    BENCH_KEEP_OUT=1 time_row "PyKrige C (window ${SV_PYKRIGE_ROWS} rows)" "$SVPY" bench/survey_peers.py pykrige "$SVDIR/krige_points.csv" \
        0.7 15000 0.04 16 "$SV_KGRID" "$SV_PYKRIGE_ROWS" "$BENCH_OUT/pykrige.npy"
    cp -f "$BENCH_OUT/pykrige.npy" "$SVDIR/" 2>/dev/null || true
    time_row_soilmap "soilmap grid (window ${SV_PYKRIGE_ROWS} rows)" grid "$SVDIR/krige_points.csv" --points-crs EPSG:32648 --field om -a "$OK" \
        --te 500000 "$KWINDOW_YMIN" 550000 1250000 --tr "$KCELL" "$KCELL" -o "$BENCH_OUT/ok_window.tif" --threads "$BENCH_THREADS" --overwrite -q
    BENCH_KEEP_OUT=1 time_row_soilmap "soilmap grid (full ${SV_KGRID}²)" grid "$SVDIR/krige_points.csv" --points-crs EPSG:32648 --field om -a "$OK" \
        --te "${TE[@]}" --tr "$KCELL" "$KCELL" -o "$BENCH_OUT/ok.tif" --threads "$BENCH_THREADS" --overwrite -q
    cp -f "$BENCH_OUT/ok.tif" "$SVDIR/" 2>/dev/null || true
    RASTERS=()
    for ((i = 1; i <= SV_RASTERS; i++)); do RASTERS+=("$SVDIR/raster$(printf %02d "$i").tif"); done
    bench_section "sample: ${SV_SPOINTS} points × ${SV_RASTERS} rasters (${SV_RSIZE}², Float32, DEFLATE)" "rasterio sample" "soilmap sample"
    BENCH_KEEP_OUT=1 time_row "rasterio sample" "$SVPY" bench/survey_peers.py rasterio "$SVDIR/sample_points.csv" "$BENCH_OUT/rasterio.csv" "${RASTERS[@]}"
    cp -f "$BENCH_OUT/rasterio.csv" "$SVDIR/" 2>/dev/null || true
    BENCH_KEEP_OUT=1 time_row_soilmap "soilmap sample" sample "${RASTERS[@]}" --points "$SVDIR/sample_points.csv" --points-crs EPSG:32648 \
        -o "$BENCH_OUT/sample.csv" --threads "$BENCH_THREADS" --overwrite -q
    cp -f "$BENCH_OUT/sample.csv" "$SVDIR/" 2>/dev/null || true
    bench_render
    {
        echo "invdistnn, soilmap full grid vs gdal_grid window:"
        "$SVPY" bench/survey_peers.py compare-window "$SVDIR/idw.tif" 1 "$SVDIR/gdal_window.tif" "$SV_GDAL_ROWS"
        echo "kriging value, variance: soilmap full grid vs PyKrige window:"
        "$SVPY" bench/survey_peers.py compare-window "$SVDIR/ok.tif" 1 "$SVDIR/pykrige.npy" "$SV_PYKRIGE_ROWS"
        "$SVPY" bench/survey_peers.py compare-window "$SVDIR/ok.tif" 2 "$SVDIR/pykrige.npy" "$SV_PYKRIGE_ROWS"
        echo "sample, soilmap vs rasterio:"
        "$SVPY" bench/survey_peers.py compare-sample "$SVDIR/sample.csv" "$SVDIR/rasterio.csv"
    } >"$BENCH_RESULTS/survey_compare.txt" 2>&1 || true
fi
