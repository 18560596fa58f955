#!/usr/bin/env bash
# Builds trailwall and runs every test: the Release build with all ctest labels (unit,
# integration, e2e), then the ASan+UBSan build with trailwall's unit tests (fuzz corpora
# included; panos-sim, a test tool whose tests ran in the release build, is left out).
# Usage: scripts/test.sh [--no-asan] [--no-unity]
# Both builds are unity builds (16 sources per compiler run): the same headers are parsed and
# the same inline code generated once per batch instead of once per file, which takes about a
# third off the build's CPU time, and the build is most of CI's time. --no-unity builds file by
# file (what the presets do when run by hand).
set -euo pipefail
cd "$(dirname "$0")/.."

asan=1
unity=ON
for arg in "$@"; do
  case "$arg" in
    --no-asan) asan=0 ;;
    --no-unity) unity=OFF ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument $arg" >&2; exit 1 ;;
  esac
done

jobs=$(nproc)
step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }
start=$SECONDS

step "configure + build: release"
cmake --preset release -DCMAKE_UNITY_BUILD=$unity -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 >/dev/null
cmake --build --preset release -j "$jobs"
step "test: release (unit, integration, e2e)"
ctest --preset release -j "$jobs"

if ((asan)); then
  step "configure + build: asan"
  cmake --preset asan -DCMAKE_UNITY_BUILD=$unity -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 >/dev/null
  cmake --build --preset asan -j "$jobs"
  step "test: asan (unit)"
  ctest --preset asan -j "$jobs"
fi
printf '\nall tests passed in %ds\n' $((SECONDS - start))
