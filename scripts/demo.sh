#!/usr/bin/env bash
# README command 1: builds trailwall and panos-sim (the `release` CMake preset, only those two
# targets), then runs the demo, tools/demo/demo.py: moto_server and panos-sim on free loopback
# ports, a VPC built through the AWS API, CloudTrail events handled by trailwall, the firewall's
# rules after each. Usage: scripts/demo.sh [--commit-ms N] [--verbose]
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in -h|--help) sed -n '2,5p' "$0"; exit 0 ;; esac
python3 -c 'import boto3, moto.server' 2>/dev/null ||
  { echo "demo: python3 cannot import boto3 and moto (python3 with moto[server] provides them" \
      "and moto_server)" >&2; exit 1; }

echo "demo: building trailwall and panos-sim (release preset; the first build takes minutes)"
log=$(mktemp)
if ! cmake --preset release >"$log" 2>&1; then
  cat "$log" >&2
  echo "demo: configuring the release preset failed (run ./scripts/setup.sh first)" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
cmake --build --preset release --target trailwall panos-sim -j "$(nproc)"
exec python3 tools/demo/demo.py --trailwall build/release/src/cli/trailwall \
  --panos-sim build/release/tools/panos-sim/panos-sim "$@"
