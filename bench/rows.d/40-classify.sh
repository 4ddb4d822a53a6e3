# shellcheck shell=bash
# Classification rows (sourced by bench/run.sh): the 10980² NDVI into 5 classes, soilmap against gdal_calc.py
# computing the same classes (numpy.digitize semantics: class = 1 + number of breaks <= value). Memory matters most.
if [[ ${BENCH_CLASSIFY:-1} == 1 ]]; then
    bench_begin classify
    bench_section "Classification: NDVI 10980 × 10980 → 5 classes (Byte, colour table)" \
        "soilmap classify" "gdal_calc.py classes"
    time_row "gdal_calc.py classes" gdal_calc.py --quiet --overwrite -A "$NDVI_REF" --outfile="$BENCH_OUT/calc_classes.tif" \
        --calc="where(A==-9999,0,1+(A>=-0.2)+(A>=0)+(A>=0.2)+(A>=0.4))" --type=Byte --NoDataValue=0 \
        --co TILED=YES --co BLOCKXSIZE=512 --co BLOCKYSIZE=512 --co COMPRESS=ZSTD --co NUM_THREADS="$BENCH_THREADS"
    # same options as gdal_calc.py: COMPRESS=ZSTD at GDAL's default level, 9 (soilmap would keep its own level 3)
    time_row_soilmap "soilmap classify" classify "$NDVI_REF" --breaks -0.2,0,0.2,0.4 -o "$BENCH_OUT/soilmap_classes.tif" \
        --threads "$BENCH_THREADS" --overwrite -q --co COMPRESS=ZSTD --co ZSTD_LEVEL=9 --co NUM_THREADS="$BENCH_THREADS"
    time_row_soilmap "soilmap classify, own defaults (ZSTD 3)" classify "$NDVI_REF" --breaks -0.2,0,0.2,0.4 \
        -o "$BENCH_OUT/soilmap_classes_default.tif" --threads "$BENCH_THREADS" --overwrite -q
    bench_render
fi
