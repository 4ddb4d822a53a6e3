#!/usr/bin/python3
"""bench/results/shards.md from the times bench/rows.d/70-shards.sh recorded (label wall user sys maxrss_kb status).

Usage: shards_summary.py TIMES.tsv SIZE THREADS CORES LOAD
"""
import sys


def main():
    path, size, threads, cores, load = sys.argv[1:6]
    times, identical, parts = {}, {}, {}
    for line in open(path):
        fields = line.split()
        if fields[0].startswith("identical"):
            identical[int(fields[0][9:])] = fields[1]
        elif fields[0].startswith("parts"):
            parts[int(fields[0][5:])] = int(fields[1])
        elif len(fields) == 6:
            label, wall, user, system, rss, status = fields
            times[label] = (float(wall), float(user) + float(system), int(rss) / 1024, int(status))
    single = times["single"]
    print(f"## Shards: the benchmark pipeline on a {size} × {size} tile, N shards one after another + the merge\n")
    print(f"One node ({cores} cores shared with other work; load average at the end: {load}), --threads {threads} for "
          "every process. Wall and CPU time (user + system) from /usr/bin/time, peak resident memory (RSS).\n")
    print(f"Single run: {single[0]:.1f} s wall, {single[1]:.1f} s CPU, {single[2]:.0f} MB.\n")
    print("| N | shard wall s (min / max) | shard CPU s (sum) | shard peak MB (max) | merge wall s | merge CPU s | merge MB "
          "| total CPU s | vs single | parts MB | identical |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for count in (1, 2, 4, 8):
        shards = [times.get(f"shard{count}/{i}") for i in range(count)]
        merge = times.get(f"merge{count}")
        if any(s is None or s[3] != 0 for s in shards) or merge is None or merge[3] != 0:
            print(f"| {count} | failed | | | | | | | | | |")
            continue
        walls = [s[0] for s in shards]
        cpu = sum(s[1] for s in shards)
        total = cpu + merge[1]
        print(f"| {count} | {min(walls):.1f} / {max(walls):.1f} | {cpu:.1f} | {max(s[2] for s in shards):.0f} | {merge[0]:.1f} "
              f"| {merge[1]:.1f} | {merge[2]:.0f} | {total:.1f} | {total / single[1] * 100 - 100:+.0f} % "
              f"| {parts.get(count, 0) / 1e6:.0f} | {identical.get(count, '?')} |")


if __name__ == "__main__":
    main()
