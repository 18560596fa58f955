#!/usr/bin/env bash
# Installs every Debian package trailwall needs to build, test and run its demo.
# Idempotent: packages already present are left as they are. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang clang-format clang-tidy clang-16 libclang-rt-16-dev
  libssl-dev zlib1g-dev libdeflate-dev
  libpugixml-dev libsimdjson-dev nlohmann-json3-dev
  libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 openssl curl procps
  hyperfine chromium ccache unzip zip libisal-dev libjemalloc-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: not root and no sudo; install as root: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q || { echo "setup: apt-get update failed (is the Debian mirror reachable?)" >&2; exit 1; }
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" ||
    { echo "setup: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
else
  echo "setup: all ${#packages[@]} Debian packages present"
fi

# moto_server is the AWS emulator the integration tests and the demo use; it is not a Debian
# package and comes with the build machine's python3 (see README).
if ! command -v moto_server >/dev/null 2>&1; then
  echo "setup: warning: moto_server not found on PATH; integration tests and the demo need it" >&2
  echo "       (python3 with moto[server] installed provides it)" >&2
fi
