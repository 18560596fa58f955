#!/usr/bin/env bash
# Whole-process figures for panos-sim's multi-device modes (fleet.h): time from exec to the last
# "listening on"/"ready" line, and the process's peak RSS and page faults once it has served a
# Panorama push (Panorama topologies) or one request per device.
#   bench/panos_sim/run_fleet_bench.sh [PANOS_SIM_BINARY] [RUNS]
set -euo pipefail
sim=${1:-build/release/tools/panos-sim/panos-sim}
runs=${2:-10}
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

# Starts panos-sim with the given options; waits for its last startup line; sets `pid` and
# `elapsed_us`.
start() {
  local want=$1
  shift
  local t0 t1
  rm -f "$work/out"
  : >"$work/out"
  t0=$(date +%s%N)
  "$sim" --http --port 0 --commit-ms 0 --quiet "$@" >"$work/out" 2>&1 &
  pid=$!
  until grep -q "^$want" "$work/out"; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/out"; exit 1; }
    sleep 0.002
  done
  t1=$(date +%s%N)
  elapsed_us=$(((t1 - t0) / 1000))
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

api() {  # url, then form fields for curl
  local url=$1
  shift
  curl -s -u admin:admin "$url/api/" "$@" >/dev/null
}

measure() {
  local label=$1 want=$2
  shift 2
  local times=()
  for _ in $(seq "$runs"); do
    start "$want" "$@"
    times+=("$elapsed_us")
    stop
  done
  start "$want" "$@"
  local urls
  urls=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/out")
  for u in $urls; do
    api "$u" --data-urlencode 'type=op' --data-urlencode 'cmd=<show><system><info/></system></show>'
  done
  if grep -q ' panorama panorama ' "$work/out"; then
    local pan dg
    pan=$(grep ' panorama panorama ' "$work/out" | grep -o 'http://127.0.0.1:[0-9]*')
    dg="/config/devices/entry[@name='localhost.localdomain']/device-group/entry[@name='dg1']"
    api "$pan" --data-urlencode type=config --data-urlencode action=set \
      --data-urlencode "xpath=$dg/pre-rulebase/security/rules/entry[@name='bench']" \
      --data-urlencode 'element=<action>allow</action>'
    api "$pan" --data-urlencode type=commit --data-urlencode 'cmd=<commit></commit>'
    api "$pan" --data-urlencode type=commit --data-urlencode action=all \
      --data-urlencode 'cmd=<commit-all><shared-policy><device-group><entry name="dg1"/></device-group></shared-policy></commit-all>'
    api "$pan" --data-urlencode type=op --data-urlencode 'cmd=<show><jobs><all/></jobs></show>'
  fi
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  printf '%-58s start median %5d µs (min %d, max %d); %s, minor faults %s\n' "$label" \
    "$(echo "$sorted" | sed -n "$(((runs + 1) / 2))p")" "$(echo "$sorted" | head -1)" \
    "$(echo "$sorted" | tail -1)" "$(grep VmHWM /proc/$pid/status | tr -s ' \t' ' ')" \
    "$(awk '{print $10}' /proc/$pid/stat)"
  stop
}

measure "1 firewall" "listening on"
measure "--firewalls 4" "ready" --firewalls 4
measure "--firewalls 2 --ha (4 listeners)" "ready" --firewalls 2 --ha
measure "--firewalls 4 + Panorama (2 device groups)" "ready" --firewalls 4 \
  --device-group dg1=fw1,fw2 --device-group dg2=fw3,fw4
measure "--firewalls 2 --ha + Panorama (dg1=fw1 pair, dg2=fw2 pair)" "ready" --firewalls 2 --ha \
  --device-group dg1=fw1 --device-group dg2=fw2
