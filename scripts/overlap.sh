#!/usr/bin/env bash
# Full-size runs of the overlap, fault and property tests (CI runs them small):
#   - tests/e2e/scenarios/test_overlap.py with the burst of 8 handles + plan + reconcile
#     repeated TRAILWALL_OVERLAP_REPEAT times (default 20);
#   - tests/e2e/scenarios/test_firewall_faults.py once;
#   - the engine property test with TRAILWALL_PROPERTY_SEQUENCES sequences (default 1000).
# Usage: scripts/overlap.sh [BUILD_DIR]   (default build/release, built with the e2e tests)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
export TRAILWALL_BIN=$PWD/$build/src/cli/trailwall
export PANOS_SIM_BIN=$PWD/$build/tools/panos-sim/panos-sim
export TRAILWALL_SHARED_DIR=${TRAILWALL_SHARED_DIR:-$(sed -n 's/^TRAILWALL_SHARED_DIR:[A-Z]*=//p' "$build/CMakeCache.txt")}
export PYTHONDONTWRITEBYTECODE=1
export TRAILWALL_OVERLAP_REPEAT=${TRAILWALL_OVERLAP_REPEAT:-20}
export TRAILWALL_PROPERTY_SEQUENCES=${TRAILWALL_PROPERTY_SEQUENCES:-1000}

echo "== overlap: burst x $TRAILWALL_OVERLAP_REPEAT"
start=$(date +%s)
(cd tests/e2e/scenarios && python3 test_overlap.py)
echo "   overlap: $(( $(date +%s) - start )) s"

echo "== firewall faults"
start=$(date +%s)
(cd tests/e2e/scenarios && python3 test_firewall_faults.py)
echo "   faults: $(( $(date +%s) - start )) s"

echo "== property: $TRAILWALL_PROPERTY_SEQUENCES sequences"
start=$(date +%s)
"$build/tests/integration/panos/engine_property_test"
echo "   property: $(( $(date +%s) - start )) s"
