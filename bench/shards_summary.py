#!/usr/bin/python3
"""bench/results/shards.md from the times bench/rows.d/70-shards.sh recorded (label@round wall user sys maxrss_kb
status; identicalN@round yes|NO; partsN@round bytes).

Every round is a single run followed by every N: the overhead of N shards is taken round by round against that
round's single run (so a load that changes between rounds weighs on both sides), and the table gives medians over
the rounds. Labels without @round (older files) are round 1.

Usage: shards_summary.py TIMES.tsv SIZE THREADS CORES LOAD [PIPELINE.yaml]
"""
import statistics
import sys


def split_label(label):
    name, _, round_text = label.partition("@")
    return name, int(round_text or 1)


def main():
    path, size, threads, cores, load = sys.argv[1:6]
    pipeline = sys.argv[6] if len(sys.argv) > 6 else "bench/pipeline-10980.yaml"
    times, identical, parts = {}, {}, {}
    for line in open(path):
        fields = line.split()
        if not fields:
            continue
        name, rnd = split_label(fields[0])
        if name.startswith("identical"):
            identical.setdefault(int(name[9:]), []).append(fields[1])
        elif name.startswith("parts"):
            parts.setdefault(int(name[5:]), []).append(int(fields[1]))
        elif len(fields) == 6:
            _, wall, user, system, rss, status = fields
            times[(name, rnd)] = (float(wall), float(user) + float(system), int(rss) / 1024, int(status))
    rounds = sorted({rnd for (name, rnd) in times if name == "single"})
    counts = sorted({int(name[5:].split("/")[0]) for (name, _) in times if name.startswith("shard")})
    med = statistics.median
    singles = [times[("single", r)] for r in rounds if times[("single", r)][3] == 0]
    if not singles:
        print("## Shards: the single run failed\n")
        return
    print(f"## Shards: {pipeline} on a {size} × {size} grid, N shards one after another + the merge\n")
    print(f"One node ({cores} cores shared with other work; load average at the end: {load}), --threads {threads} for "
          f"every process; {len(rounds)} round(s), each a single run then every N; medians over the rounds. Wall and "
          "CPU time (user + system) from /usr/bin/time, peak resident memory (RSS). \"vs single\": total CPU of the "
          "shards and the merge against the same round's single run.\n")
    print(f"Single run: {med(s[0] for s in singles):.1f} s wall, {med(s[1] for s in singles):.1f} s CPU "
          f"(rounds: {', '.join(f'{s[1]:.1f}' for s in singles)}), {max(s[2] for s in singles):.0f} MB.\n")
    print("| N | shard wall s (min / max) | shard CPU s (sum) | shard peak MB (max) | merge wall s | merge CPU s | merge MB "
          "| total CPU s | vs single (rounds) | parts MB | identical |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for count in counts:
        rows = []
        for r in rounds:
            shards = [times.get((f"shard{count}/{i}", r)) for i in range(count)]
            merge = times.get((f"merge{count}", r))
            single = times.get(("single", r))
            if any(s is None or s[3] != 0 for s in shards) or merge is None or merge[3] != 0 or single is None or single[3] != 0:
                continue
            cpu = sum(s[1] for s in shards)
            walls = [s[0] for s in shards]
            rows.append((min(walls), max(walls), cpu, max(s[2] for s in shards), merge[0], merge[1], merge[2],
                         cpu + merge[1], (cpu + merge[1]) / single[1] * 100 - 100))
        if not rows:
            print(f"| {count} | failed | | | | | | | | | |")
            continue
        column = lambda k: med(row[k] for row in rows)
        ratios = ", ".join(f"{row[8]:+.0f}" for row in rows)
        print(f"| {count} | {column(0):.1f} / {column(1):.1f} | {column(2):.1f} | {max(row[3] for row in rows):.0f} "
              f"| {column(4):.1f} | {column(5):.1f} | {max(row[6] for row in rows):.0f} | {column(7):.1f} "
              f"| {column(8):+.0f} % ({ratios}) | {med(parts.get(count, [0])) / 1e6:.0f} "
              f"| {'yes' if identical.get(count) and all(v == 'yes' for v in identical[count]) else 'NO'} |")


if __name__ == "__main__":
    main()
