#!/usr/bin/env bash
# Refreshes tests/data/shared/reference from the steering repository's shared/reference
# (default ../shared), so the tests run from a clone alone.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-../shared/reference}
[ -d "$src" ] || { echo "sync-reference: no $src" >&2; exit 1; }
rm -rf tests/data/shared/reference
cp -r "$src" tests/data/shared/reference
git status --short tests/data/shared/reference | head
