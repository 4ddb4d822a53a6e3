# shellcheck shell=bash
# Shared helpers for the soilmap benchmarks. Source it from bash scripts run with `set -euo pipefail`:
#
#   source bench/lib.sh
#   bench_init                                  # paths, thread env
#   bench_begin NAME                            # new results file set: results/NAME.tsv -> results/NAME.md
#   bench_section "Title" "ref label" "floor label"   # start a table; ratios are against these rows
#   time_row "label" cmd args...                # BENCH_REPEAT timed runs under /usr/bin/time -v
#   time_row_soilmap "label" args...            # same, but "n/a (failed: binary not found)" if $SOILMAP missing
#   bench_render                                # results/NAME.md from the rows recorded since bench_begin
#
# time_row never aborts the caller: a failing command gives a "failed" row and the bench goes on.
# Before every repetition $BENCH_OUT (bench/work/out) is emptied, so commands should write there
# (and after the last one, unless BENCH_KEEP_OUT=1).
# A command may also be a shell function (it then runs in a `bash -c` child so /usr/bin/time can measure it;
# export it with `export -f`).

BENCH_ROOT=${BENCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BENCH_DIR=$BENCH_ROOT/bench
BENCH_WORK=${BENCH_WORK:-$BENCH_DIR/work}
BENCH_OUT=$BENCH_WORK/out
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
BENCH_REPEAT=${BENCH_REPEAT:-3}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
SOILMAP=${SOILMAP:-$BENCH_ROOT/.build/release/soilmap}
SOILMAP_VENV=${SOILMAP_VENV:-/opt/soilmap-venv}
SYS_PY=/usr/bin/python3   # Debian's GDAL bindings only work with this interpreter

# Creation options used for every comparison row (see bench/README.md "Fairness").
# PREDICTOR=1 is spelled out because soilmap adds its default PREDICTOR=3 to a user COMPRESS unless told otherwise,
# while GDAL tools default to no predictor: without it the rows would not write the same encoding.
BENCH_CO=(TILED=YES BLOCKXSIZE=512 BLOCKYSIZE=512 COMPRESS=DEFLATE PREDICTOR=1 NUM_THREADS=$BENCH_THREADS)

bench_log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

bench_init() {
    mkdir -p "$BENCH_WORK" "$BENCH_OUT" "$BENCH_RESULTS"
    export GDAL_NUM_THREADS=$BENCH_THREADS
    export ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS=$BENCH_THREADS
    export OMP_NUM_THREADS=$BENCH_THREADS OPENBLAS_NUM_THREADS=$BENCH_THREADS
    BENCH_TSV=${BENCH_TSV:-}
}

# bench_begin NAME: rows recorded from now on go to results/NAME.tsv (truncated), rendered to results/NAME.md
# TSV: section \t label \t status \t times(csv) \t maxrss_kb \t out_bytes \t cmd \t cpu_times(csv, user+sys s)
bench_begin() {
    BENCH_NAME=$1
    BENCH_TSV=$BENCH_RESULTS/$1.tsv
    : >"$BENCH_TSV"
    BENCH_SECTION=Benchmark
}

# bench_section TITLE [REF_LABEL] [FLOOR_LABEL]
bench_section() {
    [[ -n ${BENCH_TSV:-} ]] || bench_begin rows
    BENCH_SECTION=$1
    printf 'SECTION\t%s\t%s\t%s\n' "$1" "${2:-}" "${3:-}" >>"$BENCH_TSV"
    bench_log "== $1"
}

_bench_clean_out() { rm -rf "${BENCH_OUT:?}" && mkdir -p "$BENCH_OUT"; }

# first useful line of a stderr file: the first line mentioning an error, else the first non-empty line
_bench_first_err() {
    local f=$1 line
    line=$(grep -m1 -iE 'error|fail|not found|no such|usage|unknown|invalid' "$f" 2>/dev/null || true)
    [[ -z $line ]] && line=$(grep -m1 -v '^[[:space:]]*$' "$f" 2>/dev/null || true)
    line=${line//$'\t'/ }
    line=${line//|/\/}
    printf '%s' "${line:0:160}"
}

_bench_cmdstr() {  # shell-quoted command line, paths relative to the repository root
    local s
    s=$(printf '%q ' "$@"); s=${s% }
    printf '%s' "${s//$BENCH_ROOT\//}"
}

_bench_record() {  # status times rss bytes label cmd [cpu_times]
    [[ -n ${BENCH_TSV:-} ]] || bench_begin rows
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$BENCH_SECTION" "$5" "$1" "$2" "$3" "$4" "$6" "${7:-}" >>"$BENCH_TSV"
}

# time_row LABEL CMD [ARGS...]
time_row() {
    local label=$1; shift
    local cmdstr i rc t0 t1 times="" cpu cpus="" maxrss=0 rss bytes=0 tf ef of
    cmdstr=$(_bench_cmdstr "$@")
    tf=$(mktemp) ef=$BENCH_WORK/last.stderr of=$BENCH_WORK/last.stdout
    local run=("$@")
    if [[ $(type -t "$1") == function ]]; then run=(bash -c "$(printf '%q ' "$@")"); fi
    for ((i = 1; i <= BENCH_REPEAT; i++)); do
        _bench_clean_out
        sync
        t0=$(date +%s.%N)
        rc=0
        /usr/bin/time -v -o "$tf" timeout "$BENCH_TIMEOUT" "${run[@]}" >"$of" 2>"$ef" || rc=$?
        t1=$(date +%s.%N)
        if ((rc != 0)); then
            local why
            why=$(_bench_first_err "$ef")
            [[ -z $why ]] && why=$(_bench_first_err "$tf")
            ((rc == 124)) && why="timeout after ${BENCH_TIMEOUT}s"
            bench_log "FAILED ($rc) $label: $why"
            _bench_record "failed: exit $rc: ${why:-no stderr}" "" "" "" "$label" "$cmdstr"
            rm -f "$tf"; _bench_clean_out
            return 0
        fi
        local dt
        dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
        times+="$dt,"
        # CPU time (user + system) of the command and its children: steadier than wall time on a busy machine
        cpu=$(awk -F': ' '/User time \(seconds\)/{u=$2} /System time \(seconds\)/{s=$2} END{printf "%.2f", u+s}' "$tf")
        cpus+="$cpu,"
        rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tf")
        ((rss > maxrss)) && maxrss=$rss
        bytes=$(du -sb "$BENCH_OUT" | awk '{print $1}')
        bench_log "$label run $i/$BENCH_REPEAT: $dt s (CPU $cpu s), RSS $((rss / 1024)) MB, output $((bytes / 1048576)) MB"
    done
    _bench_record ok "${times%,}" "$maxrss" "$bytes" "$label" "$cmdstr" "${cpus%,}"
    rm -f "$tf"
    [[ ${BENCH_KEEP_OUT:-0} == 1 ]] || _bench_clean_out   # BENCH_KEEP_OUT=1: keep the last run's output
}

# time_row_soilmap LABEL ARGS...   (runs "$SOILMAP" ARGS...)
time_row_soilmap() {
    local label=$1; shift
    if [[ ! -x $SOILMAP ]]; then
        bench_log "n/a $label: $SOILMAP not found"
        _bench_record "failed: binary not found: ${SOILMAP#"$BENCH_ROOT"/}" "" "" "" "$label" \
            "$(_bench_cmdstr "$SOILMAP" "$@")"
        return 0
    fi
    time_row "$label" "$SOILMAP" "$@"
}

bench_render() {
    "$SYS_PY" "$BENCH_DIR/render_table.py" "$BENCH_TSV" "${1:-$BENCH_RESULTS/$BENCH_NAME.md}"
}

# ---- installation helpers -------------------------------------------------------------------

_APT_UPDATED=0
_sudo() { if ((EUID == 0)); then "$@"; else sudo "$@"; fi; }

# ensure_apt PKG...: install the missing ones (apt-get update once per process)
ensure_apt() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    bench_log "apt-get install ${missing[*]}"
    if ((_APT_UPDATED == 0)); then _sudo apt-get update -qq; _APT_UPDATED=1; fi
    _sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# ensure_venv: $SOILMAP_VENV with numpy==1.24.2 rasterstats exactextract (system site packages for osgeo)
ensure_venv() {
    if [[ ! -x $SOILMAP_VENV/bin/python ]]; then
        bench_log "creating venv $SOILMAP_VENV"
        ensure_apt python3-venv
        "$SYS_PY" -m venv --system-site-packages "$SOILMAP_VENV"
    fi
    if ! "$SOILMAP_VENV/bin/python" -c 'import numpy, rasterstats, exactextract; from osgeo import gdal' 2>/dev/null; then
        bench_log "pip install into $SOILMAP_VENV"
        "$SOILMAP_VENV/bin/pip" install -q numpy==1.24.2 rasterstats exactextract >&2
    fi
}

# ---- shared inputs --------------------------------------------------------------------------

S2_DIR=$BENCH_WORK/s2
GIGA_DIR=$BENCH_WORK/giga
NDVI_REF=$BENCH_WORK/ndvi_ref.tif   # uncompressed Float32 NDVI of the 10980² input (encoding study, floor B')

ensure_s2_input() {
    "$SYS_PY" "$BENCH_DIR/gen_input.py" "$S2_DIR" 10980 B02=1 B04=3 B08=4 B11=5 >&2
}

ensure_giga_input() {
    "$SYS_PY" "$BENCH_DIR/gen_input.py" "$GIGA_DIR" 32768 B04=3 B08=4 >&2
}

ensure_ndvi_ref() {
    [[ -s $NDVI_REF ]] && return 0
    bench_log "making $NDVI_REF"
    "$SYS_PY" "$BENCH_DIR/ndvi_numpy.py" --mode strip --co TILED=YES --co BLOCKXSIZE=512 --co BLOCKYSIZE=512 \
        --co COMPRESS=NONE "$S2_DIR/B04.tif" "$S2_DIR/B08.tif" "$NDVI_REF.part.tif"
    mv "$NDVI_REF.part.tif" "$NDVI_REF"
}
