# shellcheck shell=bash
# Model rows (sourced by bench/run.sh). On when BENCH_MODELS=1 (default: BENCH_FULL).
# A 100-tree random forest (max depth 20, sqrt(6) = 2 predictors per split) trained on 100,000 samples with a
# SYNTHETIC class (bench/models_setup.py), then applied over the six-band S2-like stack:
# soilmap against scikit-learn 1.3 (n_jobs=2, block by block: bench/models_peers.py) and OTB 8.1
# (otbcli_TrainVectorClassifier / otbcli_ImageClassifier, Debian's otb-bin), all on the same samples.
# BENCH_MODELS_WINDOW=W: every tool predicts the same W x W window (VRTs of the band files) instead of the whole
# 10980² tile, for when a peer is too slow at full size; the table's title says so, and the results go to
# bench/results/models-window-W.md. BENCH_MODELS_PEERS=0: soilmap's rows only (e.g. soilmap at full size beside the
# peers' window run). BENCH_MODELS_TRAIN=0 skips the training rows; BENCH_MODELS_OTB_REPEAT=N times OTB's rows
# N times instead of BENCH_REPEAT (its training takes 4 minutes and its prediction over even a 1024² window over
# 10 minutes under load); BENCH_MODELS_OTB=0 leaves OTB's timed rows out (its model is still trained once). bench/models_summary.py adds CPU times
# and the targets under each table.
if [[ ${BENCH_MODELS:-${BENCH_FULL:-0}} == 1 ]]; then
    ensure_apt otb-bin
    "$SYS_PY" "$BENCH_DIR/gen_input.py" "$S2_DIR" 10980 B03=2 B12=6 >&2
    MDIR=$BENCH_WORK/models
    mkdir -p "$MDIR"
    MPY=$SOILMAP_VENV/bin/python
    MBANDS=(B02 B03 B04 B08 B11 B12)
    MWINDOW=${BENCH_MODELS_WINDOW:-10980}
    MINPUT=()
    for b in "${MBANDS[@]}"; do
        if ((MWINDOW < 10980)); then
            # the window in the tile's centre, as a VRT: every tool reads the same pixels
            gdal_translate -q -of VRT -srcwin $(((10980 - MWINDOW) / 2)) $(((10980 - MWINDOW) / 2)) "$MWINDOW" "$MWINDOW" \
                "$S2_DIR/$b.tif" "$MDIR/$b-$MWINDOW.vrt"
            MINPUT+=("$MDIR/$b-$MWINDOW.vrt")
        else
            MINPUT+=("$S2_DIR/$b.tif")
        fi
    done
    gdalbuildvrt -q -overwrite -separate "$MDIR/stack-$MWINDOW.vrt" "${MINPUT[@]}"
    "$SYS_PY" "$BENCH_DIR/models_setup.py" "$S2_DIR" "$MDIR/samples.gpkg" 100000 42 >&2
    MFULL=()
    for b in "${MBANDS[@]}"; do MFULL+=("$S2_DIR/$b.tif"); done
    MTRAIN=(train "$MDIR/samples.gpkg" --field class --predictors "${MFULL[@]}" --kind random-forest
            --trees 100 --max-depth 20 --seed 1 --threads "$BENCH_THREADS" -q --overwrite)
    # the models every prediction row applies, trained once outside the timed rows
    [[ -s $MDIR/soilmap_rf.json ]] || "$SOILMAP" "${MTRAIN[@]}" -o "$MDIR/soilmap_rf.json"
    [[ -s $MDIR/sklearn_rf.joblib ]] || "$MPY" "$BENCH_DIR/models_peers.py" train "$MDIR/samples.gpkg" "$MDIR/sklearn_rf.joblib" 100 20 1
    OTB_TRAIN=(otbcli_TrainVectorClassifier -io.vd "$MDIR/samples.gpkg" -feat b02 b03 b04 b08 b11 b12 -cfield class
               -classifier rf -classifier.rf.nbtrees 100 -classifier.rf.max 20 -classifier.rf.min 2 -classifier.rf.var 2 -classifier.rf.acc 0)
    [[ -s $MDIR/otb_rf.model ]] || "${OTB_TRAIN[@]}" -io.out "$MDIR/otb_rf.model" >&2
    # soilmap predicts with the roles it was trained on (the band files' names); a VRT window keeps them by ROLE=
    MPRED=()
    for i in "${!MBANDS[@]}"; do MPRED+=("${MBANDS[$i]}=${MINPUT[$i]}"); done

    MPEERS=${BENCH_MODELS_PEERS:-1}
    if ((MWINDOW < 10980)); then MNAME=models-window-$MWINDOW; else MNAME=models; fi
    bench_begin "$MNAME"
    if ((MWINDOW < 10980)); then what="a $MWINDOW × $MWINDOW window of the 10980² six-band stack"; else what="10980 × 10980 × 6 bands"; fi
    bench_section "Random forest prediction: 100 trees (max depth 20) over $what" "soilmap predict" "scikit-learn predict (n_jobs=2, by 512-row blocks)"
    time_row_soilmap "soilmap predict" predict "$MDIR/soilmap_rf.json" --predictors "${MPRED[@]}" -o "$BENCH_OUT/soilmap_rf.tif" \
        --threads "$BENCH_THREADS" -q --overwrite
    if ((MPEERS == 1)); then
    time_row "scikit-learn predict (n_jobs=2, by 512-row blocks)" "$MPY" "$BENCH_DIR/models_peers.py" predict "$MDIR/sklearn_rf.joblib" \
        "$BENCH_OUT/sklearn_rf.tif" "${MINPUT[@]}"
    if [[ ${BENCH_MODELS_OTB:-1} == 1 ]]; then
        BENCH_REPEAT=${BENCH_MODELS_OTB_REPEAT:-$BENCH_REPEAT} time_row "OTB ImageClassifier" otbcli_ImageClassifier \
            -in "$MDIR/stack-$MWINDOW.vrt" -model "$MDIR/otb_rf.model" -out "$BENCH_OUT/otb_rf.tif" uint8 -ram 256
    fi
    fi

    if [[ ${BENCH_MODELS_TRAIN:-1} == 1 ]]; then
    bench_section "Random forest training: 100 trees (max depth 20) on 100,000 samples × 6 bands" "soilmap train" "scikit-learn fit (n_jobs=2)"
    time_row_soilmap "soilmap train" "${MTRAIN[@]}" -o "$BENCH_OUT/rf.json"
    if ((MPEERS == 1)); then
    time_row "scikit-learn fit (n_jobs=2)" "$MPY" "$BENCH_DIR/models_peers.py" train "$MDIR/samples.gpkg" "$BENCH_OUT/rf.joblib" 100 20 1
    if [[ ${BENCH_MODELS_OTB:-1} == 1 ]]; then
        BENCH_REPEAT=${BENCH_MODELS_OTB_REPEAT:-$BENCH_REPEAT} time_row "OTB TrainVectorClassifier" "${OTB_TRAIN[@]}" -io.out "$BENCH_OUT/otb_rf.model"
    fi
    fi
    fi
    bench_render
    "$SYS_PY" "$BENCH_DIR/models_summary.py" "$BENCH_TSV" >>"$BENCH_RESULTS/$MNAME.md" || bench_log "models: summary failed"
fi
