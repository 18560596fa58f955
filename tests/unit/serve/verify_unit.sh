#!/bin/sh
# deploy/trailwall.service: `systemd-analyze verify` accepts it (with ExecStart pointed at the
# built binary, as it would be once installed), and it keeps the hardening README "Deploy"
# promises. Skipped (77) where systemd-analyze is not installed.
# Usage: verify_unit.sh UNIT TRAILWALL_BINARY
set -eu
unit=$1
binary=$2
for key in 'DynamicUser=yes' 'ProtectSystem=strict' 'NoNewPrivileges=yes' 'PrivateTmp=yes' \
    'ProtectHome=yes' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'CapabilityBoundingSet=' \
    'Restart=on-failure' 'KillSignal=SIGTERM' 'EnvironmentFile=-/etc/trailwall/trailwall.env'; do
  if ! grep -qx "$key" "$unit"; then
    echo "missing from $unit: $key"
    exit 1
  fi
done
grep -q '^ExecStart=/usr/local/bin/trailwall --config /etc/trailwall/trailwall.toml .* serve$' "$unit" || {
  echo "ExecStart does not run 'trailwall --config /etc/trailwall/trailwall.toml … serve'"
  exit 1
}
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "systemd-analyze is not installed: verify skipped"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|^ExecStart=/usr/local/bin/trailwall |ExecStart=$binary |" "$unit" > "$dir/trailwall.service"
out=$(systemd-analyze verify "$dir/trailwall.service" 2>&1) || {
  echo "$out"
  exit 1
}
# verify also prints warnings without failing: any line about our unit is a failure.
if printf '%s\n' "$out" | grep -q 'trailwall.service'; then
  echo "$out"
  exit 1
fi
echo "systemd-analyze verify: ok"
