# shellcheck shell=bash
# Pipeline rows (sourced by bench/run.sh). On when BENCH_PIPELINE=1 (default: BENCH_FULL).
# What `soilmap run` costs beside the same steps run as commands, what a re-run with nothing changed costs, what
# its hash cache saves, and how fast it hashes. Results: bench/results/pipeline.md (tables, then a summary with
# the overhead, the re-run times against their targets and the hashing throughput, bench/pipeline_summary.py).
if [[ ${BENCH_PIPELINE:-${BENCH_FULL:-0}} == 1 ]]; then
    PDIR=$BENCH_WORK/pipeline
    PRUN=$PDIR/run                       # the run directory kept between rows (not under $BENCH_OUT)
    PFILE=bench/pipeline-10980.yaml
    PVEC=$BENCH_WORK/communes.gpkg
    PSCHEME=samples/schemes/ndvi-cover.yaml
    mkdir -p "$PDIR"
    [[ -s $PVEC ]] || "$SYS_PY" bench/zonal_setup.py "$S2_DIR/B04.tif" "$PVEC" >&2
    export SOILMAP BENCH_THREADS

    # The demo's four steps as commands, with the parameters of pipelines/demo.yaml.
    demo_commands() {
        local d=$1 zones=(--zones samples/olinda/olinda1.shp --id-field CD_GEOCODI --name-field NM_BAIR
            --group-field CD_GEOCODB --group-name-field NM_BAIR --threads "$BENCH_THREADS" --overwrite -q)
        mkdir -p "$d" &&
            "$SOILMAP" index NDVI,NDMI,BSI,NDSI,SI3 -i samples/olinda/L7_ETMs.tif --band blue=1 --band green=2 --band red=3 \
                --band nir=4 --band swir1=5 --scale 0.01 -o "$d/olinda_indices.tif" --threads "$BENCH_THREADS" --overwrite -q &&
            "$SOILMAP" classify "$d/olinda_indices.tif" --band 1 --scheme samples/schemes/ndvi-cover.yaml --labels vi \
                -o "$d/olinda_ndvi_classes.tif" --quicklook "$d/olinda_ndvi_classes.png" --title "Olinda — NDVI (Landsat 7)" \
                --threads "$BENCH_THREADS" --overwrite -q &&
            "$SOILMAP" zonal "$d/olinda_indices.tif" --band 1 "${zones[@]}" --mode coverage --stats count,mean,min,max,std \
                -o "$d/olinda_ndvi_by_tract.csv" &&
            "$SOILMAP" zonal "$d/olinda_ndvi_classes.tif" "${zones[@]}" --target '>=3:50%' -o "$d/olinda_classes_by_tract.gpkg"
    }
    # The steps of bench/pipeline-10980.yaml as commands, one after another.
    pipeline_commands() {
        local d=$1
        mkdir -p "$d" &&
            "$SOILMAP" index NDVI --band red="$S2_DIR/B04.tif" --band nir="$S2_DIR/B08.tif" -o "$d/ndvi.tif" \
                --threads "$BENCH_THREADS" --overwrite -q &&
            "$SOILMAP" classify "$d/ndvi.tif" --scheme "$PSCHEME" -o "$d/ndvi_classes.tif" --threads "$BENCH_THREADS" --overwrite -q &&
            "$SOILMAP" zonal "$d/ndvi_classes.tif" --zones "$PVEC" --id-field commune_code --name-field commune_name \
                --group-field province_code --group-name-field province_name -o "$d/classes_by_commune.csv" \
                --threads "$BENCH_THREADS" --overwrite -q
    }
    # A re-run with the hash cache as a computing run leaves it (outputs written in its last second are not in it,
    # like git's "racy" files): restored from the copy taken after such a run, before every repetition.
    pipeline_rerun_after_run() {
        cp "$PDIR/hashes.after-run.json" "$PRUN/.soilmap/hashes.json" && "$SOILMAP" "$@"
    }
    # A re-run with no hash cache: every input and output hashed again.
    pipeline_rerun_cold() {
        rm -f "$PRUN/.soilmap/hashes.json" && "$SOILMAP" "$@"
    }
    export -f demo_commands pipeline_commands pipeline_rerun_after_run pipeline_rerun_cold
    export S2_DIR PVEC PSCHEME PDIR PRUN
    PSET=(--set work="$BENCH_WORK" --set out="$PRUN")
    L_DEMO_CMDS="4 commands: index, classify + quicklook, zonal, zonal"
    L_DEMO_RUN="soilmap run --force, new run directory"
    L_CMDS="3 commands: index, classify, zonal"
    L_FRESH="soilmap run --force, new run directory (every input hashed)"
    L_FORCE="soilmap run --force, run directory of an earlier run (input hashes cached)"
    L_FIRST="soilmap run, nothing changed, first re-run after a computing run"
    L_WARM="soilmap run, nothing changed"
    L_COLD="soilmap run, nothing changed, hash cache deleted"
    L_SHA256SUM="sha256sum (coreutils) of the same files"
    L_OPENSSL="openssl dgst -sha256 of the same files"

    bench_begin pipeline
    bench_section "Demo pipeline (pipelines/demo.yaml on the Olinda sample, 4 steps) against its steps as commands" \
        "$L_DEMO_CMDS" ""
    time_row "$L_DEMO_CMDS" demo_commands "$BENCH_OUT/demo"
    time_row_soilmap "$L_DEMO_RUN" run pipelines/demo.yaml --run-dir "$BENCH_OUT/demo" --force --threads "$BENCH_THREADS" -q

    bench_section "10980 × 10980 pipeline ($PFILE): NDVI → classes → class shares of 3,321 communes, against the same commands" \
        "$L_CMDS" ""
    BENCH_KEEP_OUT=1 time_row "$L_CMDS" pipeline_commands "$BENCH_OUT/commands"
    sha256sum "$BENCH_OUT"/commands/{ndvi.tif,ndvi_classes.tif,classes_by_commune.csv} 2>/dev/null |
        sed "s|$BENCH_OUT/commands/||" >"$PDIR/commands.sha256" || true
    time_row_soilmap "$L_FRESH" run "$PFILE" "${PSET[@]}" --run-dir "$BENCH_OUT/run" --force --threads "$BENCH_THREADS" -q
    rm -rf "$PRUN"
    if "$SOILMAP" run "$PFILE" "${PSET[@]}" --threads "$BENCH_THREADS" -q >/dev/null 2>"$PDIR/setup.stderr"; then
        time_row_soilmap "$L_FORCE" run "$PFILE" "${PSET[@]}" --force --threads "$BENCH_THREADS" -q
        # One more computing run, untimed: the state of the hash cache that the next row starts from.
        "$SOILMAP" run "$PFILE" "${PSET[@]}" --force --threads "$BENCH_THREADS" -q >/dev/null 2>>"$PDIR/setup.stderr" &&
            cp "$PRUN/.soilmap/hashes.json" "$PDIR/hashes.after-run.json"
    else
        bench_log "pipeline: the setup run failed: $(head -c 300 "$PDIR/setup.stderr")"
    fi

    bench_section "Re-running the 10980 × 10980 pipeline with nothing changed (all 3 steps reused)" "$L_WARM" ""
    time_row "$L_FIRST" pipeline_rerun_after_run run "$PFILE" "${PSET[@]}" --threads "$BENCH_THREADS" -q
    cp -f "$PRUN/run.log" "$PDIR/run.log.first" 2>/dev/null || true
    time_row_soilmap "$L_WARM" run "$PFILE" "${PSET[@]}" --threads "$BENCH_THREADS" -q
    cp -f "$PRUN/run.log" "$PDIR/run.log.warm" 2>/dev/null || true
    time_row "$L_COLD" pipeline_rerun_cold run "$PFILE" "${PSET[@]}" --threads "$BENCH_THREADS" -q
    cp -f "$PRUN/run.log" "$PDIR/run.log.cold" 2>/dev/null || true

    # The files a re-run without hash cache reads: the run's inputs and outputs (from its manifest).
    mapfile -t PHASHED < <("$SYS_PY" -c '
import json, os, sys
run = sys.argv[1]
m = json.load(open(os.path.join(run, "manifest.json")))
for f in m["inputs"]: print(f["path"])
for s in m["steps"]:
    for f in s["outputs"]: print(os.path.join(run, f["path"]))' "$PRUN" 2>/dev/null || true)
    if ((${#PHASHED[@]} > 0)); then
        PHASHED_MB=$(du -cb "${PHASHED[@]}" 2>/dev/null | awk 'END{printf "%.0f", $1/1e6}')
        bench_section "Hashing the ${#PHASHED[@]} files a re-run without hash cache hashes (${PHASHED_MB} MB, page cache warm), one thread" \
            "$L_SHA256SUM" ""
        time_row "$L_SHA256SUM" sha256sum "${PHASHED[@]}"
        if command -v openssl >/dev/null; then
            time_row "$L_OPENSSL" openssl dgst -sha256 "${PHASHED[@]}"
        fi
    else
        bench_log "pipeline: no manifest in $PRUN: no hashing rows"
    fi
    bench_render
    "$SYS_PY" bench/pipeline_summary.py "$BENCH_TSV" "$PRUN" "$PDIR" \
        demo_commands="$L_DEMO_CMDS" demo_run="$L_DEMO_RUN" commands="$L_CMDS" fresh="$L_FRESH" force="$L_FORCE" \
        first="$L_FIRST" warm="$L_WARM" cold="$L_COLD" sha256sum="$L_SHA256SUM" openssl="$L_OPENSSL" \
        >>"$BENCH_RESULTS/pipeline.md" || bench_log "pipeline: summary failed"
    sed -n '/^### Summary/,$p' "$BENCH_RESULTS/pipeline.md"
fi
