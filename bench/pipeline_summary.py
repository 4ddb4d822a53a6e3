#!/usr/bin/python3
"""The summary under the pipeline tables (bench/rows.d/60-pipeline.sh): the overhead of `soilmap run` over the
same commands, the no-change re-runs against their targets, and the hashing throughput in MB/s.

pipeline_summary.py ROWS.tsv RUN_DIR WORK_DIR KEY=LABEL...   (Markdown on stdout)

KEY: demo_commands demo_run commands fresh force first warm cold sha256sum openssl, each naming its row's label.
RUN_DIR is the run directory kept between the rows (its manifest lists the files a re-run hashes); WORK_DIR holds
commands.sha256 (the commands' outputs) and run.log.{first,warm,cold} (the log after each re-run row).
"""
import json
import os
import statistics
import sys

OVERHEAD_TARGET = 3.0   # percent, soilmap run --force over the commands
RERUN_TARGET = 2.0      # seconds, a re-run with nothing changed


def medians(tsv):
    """label -> (median wall s, median CPU s or None)"""
    result = {}
    for line in open(tsv, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "SECTION" or len(f) < 4 or f[2] != "ok":
            continue
        wall = statistics.median(float(t) for t in f[3].split(",") if t)
        cpus = [float(t) for t in (f[7] if len(f) > 7 else "").split(",") if t]
        result[f[1]] = (wall, statistics.median(cpus) if cpus else None)
    return result


def last_line(path):
    try:
        lines = [line.strip() for line in open(path, encoding="utf-8") if line.strip()]
        return lines[-1] if lines else ""
    except OSError:
        return ""


def main():
    tsv, run_dir, work_dir = sys.argv[1:4]
    labels = dict(arg.split("=", 1) for arg in sys.argv[4:])
    med = medians(tsv)
    wall = {key: med[label][0] for key, label in labels.items() if label in med}
    cpu = {key: med[label][1] for key, label in labels.items() if label in med and med[label][1] is not None}

    def change(times, key, ref):
        return (times[key] / times[ref] - 1) * 100 if key in times and times.get(ref) else None

    out = ["", "### Summary", ""]
    if "demo_run" in wall and "demo_commands" in wall:
        out.append(f"- Demo pipeline: `soilmap run --force` {wall['demo_run']:.2f} s against {wall['demo_commands']:.2f} s for its "
                   f"4 commands ({change(wall, 'demo_run', 'demo_commands'):+.1f} %)"
                   + (f"; CPU {cpu['demo_run']:.2f} s against {cpu['demo_commands']:.2f} s." if "demo_run" in cpu and "demo_commands" in cpu else "."))
    if "commands" in wall:
        out += ["", f"Overhead of `soilmap run --force` over the 3 commands, 10980² (target < {OVERHEAD_TARGET:.0f} %); "
                "CPU = user + system time, which the other sessions' load disturbs much less than wall time:", "",
                "| | wall s | overhead | CPU s | overhead |", "|---|---:|---:|---:|---:|"]
        for key, what in (("commands", "3 commands"), ("fresh", "run --force, new run directory (every input hashed)"),
                          ("force", "run --force, run directory of an earlier run (input hashes cached)")):
            if key not in wall:
                continue
            w, c = change(wall, key, "commands"), change(cpu, key, "commands")
            def verdict(p):
                return "met" if p < OVERHEAD_TARGET else "missed"
            wall_change = "" if key == "commands" else f"{w:+.1f} % ({wall[key] - wall['commands']:+.2f} s), {verdict(w)}"
            cpu_text = f"{cpu[key]:.2f}" if key in cpu else "n/a"
            cpu_change = ("" if key == "commands" or c is None
                          else f"{c:+.1f} % ({cpu[key] - cpu['commands']:+.2f} s), {verdict(c)}")
            out.append(f"| {what} | {wall[key]:.2f} | {wall_change} | {cpu_text} | {cpu_change} |")
        out.append("")

    manifest = {}
    try:
        manifest = json.load(open(os.path.join(run_dir, "manifest.json"), encoding="utf-8"))
    except (OSError, ValueError):
        pass
    recorded = {f["path"]: f["sha256"] for step in manifest.get("steps", []) for f in step["outputs"]}
    try:
        commands = dict(reversed(line.split()) for line in open(os.path.join(work_dir, "commands.sha256"), encoding="utf-8"))
    except OSError:
        commands = {}
    if commands and recorded:
        same = [name for name in sorted(commands) if recorded.get(name) == commands[name]]
        differ = [name for name in sorted(commands) if recorded.get(name) != commands[name]]
        out.append(f"- Outputs of the commands and of the run: {len(same)} of {len(commands)} byte-identical (SHA-256)"
                   + (f"; different: {', '.join(differ)}." if differ else "."))

    if "warm" in wall:
        verdict = "met" if wall["warm"] < RERUN_TARGET else "missed"
        first = f"{wall['first']:.2f} s" if "first" in wall else "n/a"
        cold = f"{wall['cold']:.2f} s" if "cold" in wall else "n/a"
        out.append(f"- Re-run with nothing changed: {wall['warm']:.2f} s (target < {RERUN_TARGET:.0f} s: {verdict}); "
                   f"the first re-run after a computing run, which hashes that run's outputs once more, {first}; "
                   f"with the hash cache deleted {cold}.")
    for key in ("first", "warm", "cold"):
        line = last_line(os.path.join(work_dir, f"run.log.{key}"))
        if line and "0 computed, 3 reused" not in line:
            out.append(f"- WARNING: the '{labels.get(key)}' row did not reuse every step: {line}")

    # Throughput: bytes of the files each row hashes, over the time (wall, and CPU) the hashing adds.
    inputs = sum(f["size"] for f in manifest.get("inputs", []))
    outputs = sum(f["size"] for step in manifest.get("steps", []) for f in step["outputs"])
    total = inputs + outputs
    if total:
        rows = []

        def add(label, nbytes, key, minus=None):
            if key not in wall or (minus and minus not in wall):
                return
            w = wall[key] - (wall[minus] if minus else 0)
            c = cpu[key] - (cpu[minus] if minus else 0) if key in cpu and (not minus or minus in cpu) else None
            rows.append((label, nbytes, w, c))

        add("soilmap (OpenSSL's SHA-256): re-run without hash cache − re-run with it", total, "cold", "warm")
        add("soilmap: first re-run after a computing run − re-run with every hash cached (outputs only)", outputs, "first", "warm")
        add("soilmap: the whole re-run without hash cache (start, load, checks, hashing, manifest)", total, "cold")
        add("sha256sum (GNU coreutils)", total, "sha256sum")
        add("openssl dgst -sha256", total, "openssl")
        out += ["", f"### Hashing throughput (inputs {inputs / 1e6:.0f} MB + outputs {outputs / 1e6:.0f} MB, page cache warm, one thread)", "",
                "| hasher | MB hashed | wall s | MB/s | CPU s | MB/s of CPU |", "|---|---:|---:|---:|---:|---:|"]
        for label, nbytes, w, c in rows:
            ws = f"{nbytes / 1e6 / w:.0f}" if w > 0 else "n/a"
            cs = f"{c:.2f} | {nbytes / 1e6 / c:.0f}" if c and c > 0 else "n/a | n/a"
            out.append(f"| {label} | {nbytes / 1e6:.0f} | {w:.2f} | {ws} | {cs} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
