#!/usr/bin/env bash
# Builds trailwall and runs every test: the Release build with all ctest labels (unit,
# integration, e2e), then the ASan+UBSan build with the unit tests (fuzz corpora included).
# Usage: scripts/test.sh [--no-asan]
set -euo pipefail
cd "$(dirname "$0")/.."

asan=1
for arg in "$@"; do
  case "$arg" in
    --no-asan) asan=0 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument $arg" >&2; exit 1 ;;
  esac
done

jobs=$(nproc)
step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }
start=$SECONDS

step "configure + build: release"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
step "test: release (unit, integration, e2e)"
ctest --preset release -j "$jobs"

if ((asan)); then
  step "configure + build: asan"
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  step "test: asan (unit)"
  ctest --preset asan -j "$jobs"
fi
printf '\nall tests passed in %ds\n' $((SECONDS - start))
