#!/usr/bin/env bash
# Cold start of `trailwall handle` (issue 11): exec → first request to its first peer (the
# firewall: it reads the rulebase before AWS), median of N runs, with RSS and shared objects.
#   bench/cold_start/run.sh [BUILD_DIR] [RUNS]     (default build/release, 20)
# Three cases: HTTPS with the firewall's CA bundle configured (the usual deployment), HTTPS with
# the system CA store, plain HTTP. `ldd` of the binary is printed first.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
runs=${2:-20}
bin=$build/src/cli/trailwall
bench=$build/bench/cold_start/cold_start_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== ldd $bin: $(ldd "$bin" | wc -l) lines"
ldd "$bin"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cat >"$work/tw.toml" <<TOML
[policy]
bottom_rule = "Clean up"
[gateway]
instance_id = "i-0f0000000000000f1"
[firewall]
host = "127.0.0.1:1"
api_key = { env = "PANOS_KEY" }
admin = "admin"
TOML
event=$root/tests/data/shared/reference/cloudtrail/StartInstances-stratus-2024.json
common=(--env PANOS_KEY=not-a-real-key --env AWS_ACCESS_KEY_ID=AKIDEXAMPLE
        --env AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
        --env AWS_REGION=us-east-1 --env AWS_ENDPOINT_URL=http://127.0.0.1:9)

echo "== handle, firewall over HTTPS, firewall.ca_bundle set"
"$bench" --runs "$runs" "${common[@]}" --env "TRAILWALL_FIREWALL_HOST=127.0.0.1:{port}" \
  --env "TRAILWALL_FIREWALL_CA_BUNDLE=$work/cert.pem" \
  -- "$bin" -c "$work/tw.toml" handle "$event" | tail -1
echo "== handle, firewall over HTTPS, the system CA store"
"$bench" --runs "$runs" "${common[@]}" --env "TRAILWALL_FIREWALL_HOST=127.0.0.1:{port}" \
  -- "$bin" -c "$work/tw.toml" handle "$event" | tail -1
echo "== handle, firewall over plain HTTP"
"$bench" --runs "$runs" "${common[@]}" --env "TRAILWALL_FIREWALL_HOST=http://127.0.0.1:{port}" \
  -- "$bin" -c "$work/tw.toml" handle "$event" | tail -1
