#!/usr/bin/env bash
# Runs every libFuzzer target of the `fuzz` preset (clang++-16, ASan+UBSan) at length and prints
# one Markdown row per target: executions, seconds, executions per second, corpus units added,
# crashes (crash-, leak-, oom- artifacts, and timeout- artifacts that time out again when run
# alone) and peak RSS. Each target starts from a copy of its seed corpus (the folders its
# <target>_corpus test replays), so the repository is not changed; the grown corpora, logs and
# artifacts stay under the output folder.
#
#   bench/fuzz/run_fuzzers.sh [--preset fuzz|fuzz-ubsan] [--runs N] [--max-time SECONDS]
#                             [--timeout SECONDS] [--out DIR] [TARGET...]
#
# Defaults: --runs 10000000 (the goal per target), --max-time 3600 (whichever comes first),
# --timeout 60 (one input; libFuzzer measures wall time, so a starved process on a busy machine
# can time out on an input that takes milliseconds: such timeouts are run again alone and
# listed apart when they do not reproduce), --out build/<preset>/fuzz-runs, every target.
# --preset fuzz-ubsan builds the targets with UBSan alone, for volume (1.5x the executions per
# second of ASan+UBSan on sqs_message_fuzz, 20 s each: 3,477 against 2,271). A crash
# stops that target (libFuzzer's default) and the script goes on with the next; the exit code
# is 1 when any target crashed. The machine is shared: run it under `nice -n 19`.
set -euo pipefail

runs=10000000
max_time=3600
timeout=60
root=$(cd "$(dirname "$0")/../.." && pwd)
preset=fuzz
out=""
wanted=()
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --max-time) max_time=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    -*) echo "run_fuzzers: unknown option $1" >&2; exit 2 ;;
    *) wanted+=("$1"); shift ;;
  esac
done

case "$preset" in fuzz|fuzz-ubsan) ;; *) echo "run_fuzzers: unknown preset $preset" >&2; exit 2 ;; esac
build="build/$preset"
out=${out:-$root/$build/fuzz-runs}
cd "$root"
cmake --preset "$preset" >/dev/null
# target<TAB>binary<TAB>corpus paths (|-separated), from the replay tests CMake defined.
listing=$(find "$build" -name CTestTestfile.cmake -print0 | xargs -0 cat | python3 -c '
import os, re, sys
for line in sys.stdin:
    m = re.match(r"add_test\(\[=\[(\w+)_corpus\]=\] (.*)\)$", line.strip())
    if not m or not m.group(1).endswith("_fuzz"):
        continue
    replay, *corpus = re.findall(r"\"([^\"]*)\"", m.group(2))
    print(m.group(1), os.path.join(os.path.dirname(replay), m.group(1)), "|".join(corpus),
          sep="\t")
' | sort)
targets=()
while IFS=$'\t' read -r target _ _; do
  if ((${#wanted[@]} == 0)) || [[ " ${wanted[*]} " == *" $target "* ]]; then targets+=("$target"); fi
done <<<"$listing"
if ((${#targets[@]} == 0)); then echo "run_fuzzers: no such target: ${wanted[*]}" >&2; exit 2; fi
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null

mkdir -p "$out"
echo "| target | executions | seconds | exec/s | units added | crashes | peak RSS MB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
status=0
while IFS=$'\t' read -r target binary corpora; do
  [[ " ${targets[*]} " == *" $target "* ]] || continue
  work="$out/$target"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  IFS='|' read -ra seeds <<<"$corpora"
  n=0
  for seed in "${seeds[@]}"; do
    while IFS= read -r -d '' f; do
      cp "$f" "$work/corpus/seed-$((n++))-$(basename "$f")"
    done < <(find "$seed" -type f -print0)
  done
  rc=0
  "$binary" -runs="$runs" -max_total_time="$max_time" -timeout="$timeout" -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || rc=$?
  stat() { awk -v k="stat::$1:" '$1 == k { print $2 }' "$work/log" | tail -1; }
  seconds=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$work/log" | tail -1)
  crashes=0
  notes=""
  for artifact in "$work"/artifacts/*; do
    [[ -f "$artifact" ]] || continue
    case "$(basename "$artifact")" in
      slow-unit-*) ;;  # reported as slow, not a failure
      timeout-*)
        if "$binary" -runs=1 -timeout="$timeout" "$artifact" >"$artifact.rerun" 2>&1; then
          notes+=" $(basename "$artifact") did not time out alone;"
        else
          crashes=$((crashes + 1))
        fi ;;
      *.rerun) ;;
      *) crashes=$((crashes + 1)) ;;
    esac
  done
  if ((crashes != 0)); then status=1; fi
  echo "| $target | $(stat number_of_executed_units) | ${seconds:-?} | $(stat average_exec_per_sec) |" \
       "$(stat new_units_added) | $crashes$( ((rc != 0)) && echo " (exit $rc)")${notes:+ ($notes)} |" \
       "$(stat peak_rss_mb) |"
done <<<"$listing"
exit $status
