#!/usr/bin/env python3
"""`sync ROOT COPY` brings the copy up to date (changed files only, times kept, so rebuilds stay incremental).
Reads bench/mutants.txt; `list` prints name<TAB>file<TAB>line<TAB>kill for each mutant (checking that each
`from` text is found), `apply NAME ROOT` writes that mutant into the tree at ROOT."""
import filecmp, os, shutil, subprocess, sys

def sync(root, copy):
    """Copies the checkout's files (git's tracked and untracked, not ignored, plus Package.resolved) into `copy`
    where they differ, and removes files of Sources/ and Tests/ that the checkout no longer has."""
    listed = subprocess.run(["git", "-C", root, "ls-files", "-co", "--exclude-standard"], check=True,
                            capture_output=True, text=True).stdout.splitlines()
    files = [f for f in listed if os.path.isfile(os.path.join(root, f))]
    if os.path.isfile(os.path.join(root, "Package.resolved")):
        files.append("Package.resolved")
    for name in files:
        source, target = os.path.join(root, name), os.path.join(copy, name)
        if not os.path.isfile(target) or not filecmp.cmp(source, target, shallow=False):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(source, target)
    wanted = set(files)
    for top in ("Sources", "Tests"):
        for folder, _, names in os.walk(os.path.join(copy, top)):
            for n in names:
                relative = os.path.relpath(os.path.join(folder, n), copy)
                if relative not in wanted:
                    os.remove(os.path.join(copy, relative))

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
    if command == "sync":
        sync(path, sys.argv[3])
        sys.exit(0)
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
