#!/usr/bin/env bash
# Whole-process measurement of panos-sim as a client sees it: one curl process sends N
# configuration requests (alternating set and get of address objects, X-PAN-KEY header) over one
# keep-alive connection to a panos-sim binary on 127.0.0.1; hyperfine times the curl process.
#   bench/panos_sim/run_http_bench.sh [PANOS_SIM_BINARY] [N] [RUNS]
set -euo pipefail
sim=${1:-build/release/tools/panos-sim/panos-sim}
n=${2:-2000}
runs=${3:-10}
work=$(mktemp -d)
"$sim" --http --port 0 --commit-ms 0 --quiet >"$work/out" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  grep -q 'listening on' "$work/out" && break
  sleep 0.05
done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/out" | head -1)
key=$(curl -s "$url/api/?type=keygen&user=admin&password=admin" | sed -n 's:.*<key>\(.*\)</key>.*:\1:p')
vsys="/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"
{
  echo "header = \"X-PAN-KEY: $key\""
  echo "silent"
  for i in $(seq 0 $((n - 1))); do
    name="bench-$((i % 500))"
    xpath=$(printf '%s/address/entry[@name=%s]' "$vsys" "'$name'" | sed "s/'/%27/g; s/\[/%5B/g; s/\]/%5D/g; s/@/%40/g; s:/:%2F:g; s/=/%3D/g")
    if ((i % 2 == 0)); then
      echo "url = \"$url/api/?type=config&action=set&xpath=$xpath&element=%3Cip-netmask%3E10.20.$((i % 200)).1%3C%2Fip-netmask%3E\""
    else
      echo "url = \"$url/api/?type=config&action=get&xpath=$xpath\""
    fi
    echo "output = /dev/null"
  done
} >"$work/requests.cfg"
echo "panos-sim $url, $n requests per curl run"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
ticks0=$(cpu_ticks)
hyperfine --warmup 2 --runs "$runs" --export-json "$work/h.json" "curl -K $work/requests.cfg"
ticks1=$(cpu_ticks)
# The server's own CPU time (user + system) per request over all runs, warm-up included: a
# figure that other load on the machine disturbs much less than wall-clock time.
echo "panos-sim CPU: $(( (ticks1 - ticks0) * 1000000 / $(getconf CLK_TCK) / ((runs + 2) * n) )) µs per request"
python3 - "$work/h.json" "$n" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
n = int(sys.argv[2])
print(f"median {r['median']*1000:.1f} ms for {n} requests: {n / r['median']:.0f} requests/s")
PY
# The server's peak RSS and page faults after the runs (from /proc, before it is stopped).
echo "panos-sim: $(grep VmHWM /proc/$pid/status | tr -s ' \t' ' '), minor faults $(awk '{print $10}' /proc/$pid/stat), major faults $(awk '{print $12}' /proc/$pid/stat)"
