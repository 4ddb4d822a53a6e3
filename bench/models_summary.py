#!/usr/bin/python3
"""CPU times and targets of the model benchmark, from its rows (bench/results/models*.tsv): prediction faster than
OTB ImageClassifier and at least 3x faster than scikit-learn (n_jobs=2), peak memory under 500 MB; training time
against scikit-learn's and OTB's. Ratios of wall-clock medians, and in brackets of CPU-time medians (user + system
of the process and its children), steadier on a loaded machine.

Usage: models_summary.py models.tsv      (prints Markdown)
"""
import statistics
import sys

sections = []
for line in open(sys.argv[1], encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    if f[0] == "SECTION":
        sections.append((f[1], {}))
        continue
    if len(f) < 5 or f[2] != "ok" or not sections:
        continue
    wall = [float(t) for t in f[3].split(",") if t]
    cpu = [float(t) for t in (f[7] if len(f) > 7 else "").split(",") if t]
    sections[-1][1][f[1]] = (statistics.median(wall), statistics.median(cpu) if cpu else float("nan"), int(f[4]) / 1024, len(wall))


def find(rows, prefix):
    return next((v for k, v in rows.items() if k.startswith(prefix)), None)


lines = ["", "### CPU time and targets", ""]
for title, rows in sections:
    lines += [f"**{title}**", "", "| tool | runs | median wall s | median CPU s | peak RSS MB |", "|---|---:|---:|---:|---:|"]
    for label, (wall, cpu, rss, runs) in rows.items():
        lines.append(f"| {label} | {runs} | {wall:.2f} | {cpu:.2f} | {rss:.0f} |")
    lines.append("")
    soilmap = find(rows, "soilmap")
    if soilmap is None:
        lines += ["soilmap's row failed: no targets.", ""]
        continue
    predicting = "prediction" in title
    for prefix, factor in (("scikit-learn", 3.0 if predicting else 1.0), ("OTB", 1.0)):
        peer = find(rows, prefix)
        if peer is None:
            lines.append(f"- {prefix}: not measured in this run.")
            continue
        wall_ratio, cpu_ratio = peer[0] / soilmap[0], peer[1] / soilmap[1]
        verdict = "met" if wall_ratio >= factor else "NOT met"
        target = f"target >= {factor:g}x: {verdict}" if predicting or prefix == "scikit-learn" else "reported"
        lines.append(f"- soilmap is {wall_ratio:.2f}x faster than {prefix} ({cpu_ratio:.2f}x in CPU time); {target}.")
    if predicting:
        lines.append(f"- soilmap's peak memory {soilmap[2]:.0f} MB: target < 500 MB {'met' if soilmap[2] < 500 else 'NOT met'}.")
    lines.append("")
print("\n".join(lines))
