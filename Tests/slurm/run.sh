#!/usr/bin/env bash
# A real one-node Slurm cluster on localhost, for `soilmap slurm`: Debian's slurm-wlm (22.05) with a private munge,
# started without systemd, as root; the demo pipeline run as 4 shards (one job array) + the merge (afterok); the
# merged maps and tables compared byte for byte with a single run; then shard 2's output damaged and `soilmap slurm`
# run again: only shard 2 is submitted again, and the merge gives the same bytes; then a submission held in the queue:
# submitting again is refused, and once released it gives the same bytes. Every daemon is stopped by its PID and the
# scratch folder removed, whatever happens.
#   Tests/slurm/run.sh            (as root; installs slurm-wlm and munge when missing; SOILMAP=path to use a build)
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ $(id -u) == 0 ]] || { echo "Tests/slurm/run.sh: needs root (it starts slurmctld, slurmd and munged)" >&2; exit 1; }

missing=""
for package in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
if [[ -n $missing ]]; then
    echo "slurm test: installing$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [[ -z ${SOILMAP:-} ]]; then
    swift build --product soilmap 2>&1 | grep -E "error|warning" || true
    SOILMAP=$(swift build --show-bin-path)/soilmap
fi
[[ -x $SOILMAP ]] || { echo "slurm test: no soilmap executable at $SOILMAP" >&2; exit 1; }

work=$(mktemp -d /tmp/soilmap-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    if [[ $status != 0 ]]; then
        echo "slurm test: FAILED; the daemons' logs:" >&2
        tail -n 20 "$work"/log/*.log "$work"/run/.shards/slurm/*.out 2>/dev/null >&2 || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work"/{munge,state,spool,log}

# munge, private: its own key and socket; -F keeps it in the foreground so that its PID is ours to stop.
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
chmod 711 "$work/munge"   # clients need to reach the socket
munged -F --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.sock" --pid-file="$work/munge/munged.pid" \
    --seed-file="$work/munge/munged.seed" --log-file="$work/log/munged.log" >"$work/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S $work/munge/munge.sock ]] && break; sleep 0.1; done
[[ -S $work/munge/munge.sock ]] || { echo "slurm test: munged did not start" >&2; exit 1; }

# The node as slurmd sees it; ports away from a system Slurm's.
node=$(slurmd -C | head -1 | sed -e 's/^NodeName=[^ ]*/NodeName=localhost/' -e 's/ UpTime=.*//')
cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$node")
export SLURM_CONF=$work/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=soilmaptest
SlurmctldHost=localhost
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.sock
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=600
$node State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -i -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$work/log/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    state=$(sinfo -h -n localhost -o %t 2>/dev/null || true)
    [[ $state == idle ]] && break
    sleep 0.2
done
[[ $state == idle ]] || { echo "slurm test: the node did not come up (state '${state}')" >&2; exit 1; }
echo "slurm test: cluster up ($cpus CPUs), SLURM_CONF=$SLURM_CONF"

# Waits until none of the given jobs is queued or running; fails unless each ended COMPLETED (no accounting:
# read from scontrol while the controller remembers them).
wait_jobs() {
    local deadline=$((SECONDS + 300))
    while [[ -n $(squeue -h -j "$(IFS=,; echo "$*")" 2>/dev/null) ]]; do
        ((SECONDS < deadline)) || { echo "slurm test: jobs $* still queued after 300 s" >&2; squeue >&2; return 1; }
        sleep 0.5
    done
    local job bad=0
    for job in "$@"; do
        while read -r state; do
            [[ $state == COMPLETED ]] || { echo "slurm test: job $job ended $state" >&2; bad=1; }
        done < <(scontrol -o show job "$job" | sed -n 's/.* JobState=\([A-Z_]*\) .*/\1/p')
    done
    return "$bad"
}

# Runs `soilmap slurm` and waits for the jobs it printed.
submit_and_wait() {
    local output
    output=$("$SOILMAP" slurm pipelines/demo.yaml --shards 4 --set out="$work/run" --partition debug --time 00:10:00)
    echo "$output" | sed 's/^/  /'
    mapfile -t jobs < <(sed -n 's/^[a-z]*: job \([0-9]*\).*/\1/p' <<<"$output")
    [[ ${#jobs[@]} -ge 1 ]] || { echo "slurm test: no job ids printed" >&2; return 1; }
    wait_jobs "${jobs[@]}"
    submitted=$output
}

outputs() { (cd "$1" && sha256sum olinda_indices.tif olinda_ndvi_classes.tif olinda_ndvi_classes.tif.aux.xml olinda_ndvi_classes.png \
    olinda_ndvi_classes.qml olinda_ndvi_by_tract.csv olinda_classes_by_tract.gpkg); }

"$SOILMAP" run pipelines/demo.yaml --set out="$work/single" -q
submit_and_wait
grep -q "array 0-3" <<<"$submitted" || { echo "slurm test: the first submission is not the array 0-3" >&2; exit 1; }
diff <(outputs "$work/single") <(outputs "$work/run") || { echo "slurm test: merged outputs differ from the single run" >&2; exit 1; }
echo "slurm test: 4 shards + merge through Slurm: 7 outputs byte-identical to the single run"

# Shard 2 as a killed task leaves it: a part cut short, no shard manifest. Only it runs again.
rm "$work/run/.shards/2-of-4/shard.json"
truncate -s 1000 "$work/run/.shards/2-of-4/parts/indices-0.tiles"
rm "$work"/run/olinda_*
submit_and_wait
grep -q "array 2 of 0-3" <<<"$submitted" || { echo "slurm test: expected only shard 2 to be submitted again" >&2; exit 1; }
diff <(outputs "$work/single") <(outputs "$work/run") || { echo "slurm test: outputs after the re-run differ" >&2; exit 1; }
echo "slurm test: shard 2 damaged, submitted again alone, merged: byte-identical"

# A submission still in the queue (held here, so that it cannot end before the check): submitting again is refused
# with one line naming the jobs, and nothing else is submitted; released, it runs to the same outputs.
output=$("$SOILMAP" slurm pipelines/demo.yaml --shards 4 --set out="$work/held" --partition debug --time 00:10:00 --hold 2>/dev/null)
mapfile -t held < <(sed -n 's/^[a-z]*: job \([0-9]*\).*/\1/p' <<<"$output")
[[ ${#held[@]} -eq 2 ]] || { echo "slurm test: the held submission printed no two job ids" >&2; exit 1; }
if "$SOILMAP" slurm pipelines/demo.yaml --shards 4 --set out="$work/held" --partition debug --time 00:10:00 >"$work/again.out" 2>"$work/again.err"; then
    echo "slurm test: a second submission was accepted while the first was still queued" >&2; exit 1
fi
grep -q "still in the queue" "$work/again.err" && grep -q "scancel ${held[0]} ${held[1]}" "$work/again.err" ||
    { echo "slurm test: the refusal does not name the queued jobs: $(cat "$work/again.err")" >&2; exit 1; }
[[ $(squeue -h -o %i | grep -c .) -le 2 ]] || { echo "slurm test: the refused submission queued jobs anyway" >&2; squeue >&2; exit 1; }
echo "slurm test: a second submission while the first is queued is refused: $(cat "$work/again.err")"
scontrol release "$(IFS=,; echo "${held[*]}")"
wait_jobs "${held[@]}"
diff <(outputs "$work/single") <(outputs "$work/held") || { echo "slurm test: outputs of the released jobs differ" >&2; exit 1; }
echo "slurm test: released, merged: byte-identical"
