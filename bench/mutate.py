#!/usr/bin/env python3
"""Reads bench/mutants.txt; `list` prints name<TAB>file<TAB>line<TAB>kill for each mutant (checking that each
`from` text is found), `apply NAME ROOT` writes that mutant into the tree at ROOT."""
import sys

def mutants(path):
    result, current = [], None
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "name":
            current = {"name": value, "nth": 0}
            result.append(current)
        elif key in ("file", "from", "to", "kill"):
            current[key] = value
        elif key == "nth":
            current["nth"] = int(value)
        else:
            sys.exit(f"{path}: unknown key '{key}' in mutant {current and current['name']}")
    return result

def locate(mutant, root):
    text = open(f"{root}/{mutant['file']}", encoding="utf-8").read()
    count = text.count(mutant["from"])
    if count == 0:
        sys.exit(f"mutant {mutant['name']}: '{mutant['from']}' not found in {mutant['file']}")
    if count > 1 and mutant["nth"] == 0:
        sys.exit(f"mutant {mutant['name']}: '{mutant['from']}' found {count} times in {mutant['file']}: say which with nth")
    position = -1
    for _ in range(max(mutant["nth"], 1)):
        position = text.index(mutant["from"], position + 1)
    return text, position, text.count("\n", 0, position) + 1

if __name__ == "__main__":
    command, path = sys.argv[1], sys.argv[2]
    all_mutants = mutants(path)
    if command == "list":
        root = sys.argv[3]
        names = set()
        for m in all_mutants:
            if m["name"] in names:
                sys.exit(f"mutant {m['name']} listed twice")
            names.add(m["name"])
            _, _, line = locate(m, root)
            print(f"{m['name']}\t{m['file']}\t{line}\t{m.get('kill', '')}")
    elif command == "apply":
        name, root = sys.argv[3], sys.argv[4]
        m = next((m for m in all_mutants if m["name"] == name), None) or sys.exit(f"no mutant {name}")
        text, position, _ = locate(m, root)
        text = text[:position] + m["to"] + text[position + len(m["from"]):]
        open(f"{root}/{m['file']}", "w", encoding="utf-8").write(text)
