#!/usr/bin/env bash
# `make mutation`: applies each mutant of bench/mutants.txt alone to a copy of the tree, builds it (incrementally,
# the copy's .build is kept between runs) and runs the tests the mutant names (FULL=1: the whole suite); a mutant
# is killed when a test fails. Prints a table and the mutation score; exits 1 when a mutant survives.
#   MUTANTS=name,name  only these;  MUTATION_DIR  where the copy lives (default /tmp/soilmap-mutation).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
list="$root/bench/mutants.txt"
copy=${MUTATION_DIR:-${TMPDIR:-/tmp}/soilmap-mutation}
swift=${SWIFT:-swift}
mkdir -p "$copy"
# Only files that changed are copied (times kept), so only what changed since the last run is rebuilt.
python3 "$root/bench/mutate.py" sync "$root" "$copy" || exit 2
# The first run builds the copy from scratch (compiled modules remember their path, so the checkout's .build cannot
# be reused); the checked-out dependencies can, which saves fetching them.
if [ ! -d "$copy/.build" ] && [ -d "$root/.build/checkouts" ]; then
  mkdir -p "$copy/.build" && cp -a "$root/.build/checkouts" "$root/.build/repositories" "$root/.build/workspace-state.json" "$copy/.build/" 2>/dev/null
fi

mutants=$(python3 "$root/bench/mutate.py" list "$list" "$copy") || exit 2
if [ -n "${MUTANTS:-}" ]; then
  mutants=$(awk -F'\t' -v want=",$MUTANTS," 'index(want, "," $1 ",")' <<<"$mutants")
fi
[ -n "$mutants" ] || { echo "mutation: no mutant selected" >&2; exit 2; }

echo "mutation: unmutated build and the named tests must pass first"
( cd "$copy" && $swift build --build-tests >"$copy/build.log" 2>&1 ) || { echo "mutation: the unmutated tree does not build (see $copy/build.log)" >&2; exit 2; }
filters=$(cut -f4 <<<"$mutants" | tr '|' '\n' | sort -u | paste -sd'|')
if [ "${FULL:-0}" != 1 ]; then
  ( cd "$copy" && $swift test --skip-build --no-parallel --filter "$filters" >"$copy/baseline.log" 2>&1 ) ||
    { echo "mutation: the named tests fail on the unmutated tree (see $copy/baseline.log)" >&2; exit 2; }
fi

killed=0 total=0 survivors=()
printf '%-42s %-52s %-9s %s\n' MUTANT FILE:LINE RESULT "FAILING TESTS"
while IFS=$'\t' read -r name file line kill; do
  total=$((total + 1))
  cp -p "$root/$file" "$copy/$file.orig"
  python3 "$root/bench/mutate.py" apply "$list" "$name" "$copy"
  log="$copy/mutant-$name.log"
  if ! ( cd "$copy" && $swift build --build-tests >"$log" 2>&1 ); then
    result="NO-BUILD"; failing="(does not compile: fix the mutant)"
  else
    if [ "${FULL:-0}" = 1 ]; then filter=(); else filter=(--filter "$kill"); fi
    if ( cd "$copy" && timeout 900 $swift test --skip-build --no-parallel "${filter[@]}" >>"$log" 2>&1 ); then
      result="SURVIVED"; failing="-"; survivors+=("$name ($file:$line)")
    else
      result="killed"; killed=$((killed + 1))
      # Swift Testing marks a failed test "✘ Test name() ..."; XCTest "Test Case '...' failed".
      failing=$(grep -oE "✘ Test [A-Za-z0-9_]+\(" "$log" | sed 's/✘ Test //; s/($//' | sort -u | head -4 | paste -sd, -)
      [ -n "$failing" ] || failing="(see $log)"
    fi
  fi
  mv "$copy/$file.orig" "$copy/$file"
  printf '%-42s %-52s %-9s %s\n' "$name" "$file:$line" "$result" "$failing"
done <<<"$mutants"

echo
echo "mutation score: $killed/$total killed"
if [ ${#survivors[@]} -gt 0 ]; then
  echo "survivors:"; printf '  %s\n' "${survivors[@]}"; exit 1
fi
