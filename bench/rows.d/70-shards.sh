# shellcheck shell=bash
# Shard rows (sourced by bench/run.sh). On when BENCH_SHARDS=1 (default: BENCH_FULL).
# The benchmark pipeline (bench/pipeline-10980.yaml: NDVI -> classes -> class shares of 3,321 communes) run once on
# one machine, then as N = 1, 2, 4, 8 shards one after another + the merge, on this one node: what each shard and
# the merge cost (wall, CPU, peak memory), the total CPU against the single run (the overhead of sharding), and
# whether the merged outputs are byte-identical. One node: this shows overhead and balance, not speed-up.
# BENCH_SHARDS_SIZE=4096 runs it on a 4096 x 4096 tile made the same way (a reduced size under load).
# BENCH_SHARDS_PIPELINE=trend runs bench/pipeline-trend.yaml instead: 20 annual rasters -> every trend statistic ->
# the Theil-Sen slope per commune, about 25x the work per pixel (results: bench/results/shards-trend.md).
# BENCH_SHARDS_REPEAT=R (default 1) repeats the whole sequence (single run, then every N) R times, interleaved, so
# that a changing load weighs on the single run and the shards alike; the table gives medians.
# Results: bench/results/shards.md.
if [[ ${BENCH_SHARDS:-${BENCH_FULL:-0}} == 1 ]]; then
    SSIZE=${BENCH_SHARDS_SIZE:-10980}
    SPIPE=${BENCH_SHARDS_PIPELINE:-index}
    SDIR=$BENCH_WORK/shards-$SSIZE
    [[ $SPIPE == index ]] || SDIR=$BENCH_WORK/shards-$SPIPE-$SSIZE
    mkdir -p "$SDIR"
    if [[ $SPIPE == trend ]]; then
        # 20 annual rasters (the trend row's inputs, shared with it) and communes on their grid.
        STREND=$BENCH_WORK/trend_$SSIZE
        "$SYS_PY" bench/trend_setup.py "$STREND" "$SSIZE" 20 >&2
        [[ -s $SDIR/communes.gpkg ]] || "$SYS_PY" bench/zonal_setup.py "$STREND/ndvi_2001.tif" "$SDIR/communes.gpkg" >&2
        mkdir -p "$SDIR/work" && ln -sfn "$STREND" "$SDIR/work/trend" && ln -sf "$SDIR/communes.gpkg" "$SDIR/work/communes.gpkg"
        SFILE=bench/pipeline-trend.yaml
        SOUTPUTS=(trend.tif slope_by_commune.csv)
    elif [[ $SSIZE == 10980 ]]; then
        # The benchmark tile's red and NIR bands (the same files ensure_s2_input makes; the other bands are not read).
        "$SYS_PY" "$BENCH_DIR/gen_input.py" "$S2_DIR" 10980 B04=3 B08=4 >&2
        SINPUT=$S2_DIR
    else
        SINPUT=$SDIR/s2
        [[ -s $SINPUT/B08.tif ]] || "$SYS_PY" "$BENCH_DIR/gen_input.py" "$SINPUT" "$SSIZE" B04=3 B08=4 >&2
    fi
    if [[ $SPIPE != trend ]]; then
        [[ -s $SDIR/communes.gpkg ]] || "$SYS_PY" bench/zonal_setup.py "$SINPUT/B04.tif" "$SDIR/communes.gpkg" >&2
        # The pipeline reads ${work}/s2 and ${work}/communes.gpkg.
        mkdir -p "$SDIR/work" && ln -sfn "$SINPUT" "$SDIR/work/s2" && ln -sf "$SDIR/communes.gpkg" "$SDIR/work/communes.gpkg"
        SFILE=bench/pipeline-10980.yaml
        SOUTPUTS=(ndvi.tif ndvi_classes.tif classes_by_commune.csv)
    fi
    STSV=$SDIR/times.tsv
    : >"$STSV"
    # One timed command: label, then the command; appends "label wall user sys maxrss_kb status" to $STSV.
    shard_time() {
        local label=$1 status=0
        shift
        /usr/bin/time -f "%e %U %S %M" -o "$SDIR/time.out" "$@" >/dev/null 2>"$SDIR/stderr.out" || status=$?
        echo "$label $(cat "$SDIR/time.out" | tail -1) $status" >>"$STSV"
        ((status == 0)) || bench_log "shards: $label failed: $(tail -c 300 "$SDIR/stderr.out")"
    }
    for ((rep = 1; rep <= ${BENCH_SHARDS_REPEAT:-1}; rep++)); do
        rm -rf "$SDIR/single"
        bench_log "shards: single run ($SSIZE x $SSIZE), round $rep"
        shard_time "single@$rep" "$SOILMAP" run "$SFILE" --set work="$SDIR/work" --set out="$SDIR/single" --threads "$BENCH_THREADS" -q
        for count in ${BENCH_SHARDS_COUNTS:-1 2 4 8}; do
            rm -rf "$SDIR/run$count"
            for ((index = 0; index < count; index++)); do
                bench_log "shards: shard $index/$count, round $rep"
                shard_time "shard$count/$index@$rep" "$SOILMAP" run "$SFILE" --set work="$SDIR/work" --set out="$SDIR/run$count" \
                    --shard "$index/$count" --threads "$BENCH_THREADS" -q
            done
            bench_log "shards: merge of $count, round $rep"
            shard_time "merge$count@$rep" "$SOILMAP" merge "$SDIR/run$count" --threads "$BENCH_THREADS" -q
            if (cd "$SDIR/single" && sha256sum "${SOUTPUTS[@]}") |
                (cd "$SDIR/run$count" && sha256sum -c --quiet) >/dev/null 2>&1; then
                echo "identical$count@$rep yes" >>"$STSV"
            else
                echo "identical$count@$rep NO" >>"$STSV"
            fi
            du -sb "$SDIR/run$count/.shards" | awk -v n="$count" -v r="$rep" '{print "parts" n "@" r, $1}' >>"$STSV"
            rm -rf "$SDIR/run$count"
        done
    done
    mkdir -p "$BENCH_RESULTS"
    SRESULT=shards.md
    [[ $SPIPE == index ]] || SRESULT=shards-$SPIPE.md
    "$SYS_PY" bench/shards_summary.py "$STSV" "$SSIZE" "$BENCH_THREADS" "$(nproc)" "$(uptime | sed 's/.*load average: //')" "$SFILE" \
        >"$BENCH_RESULTS/$SRESULT"
    cat "$BENCH_RESULTS/$SRESULT"
fi
