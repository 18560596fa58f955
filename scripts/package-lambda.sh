#!/usr/bin/env bash
# Builds the AWS Lambda package: dist/trailwall-lambda-<arch>.zip with `bootstrap` (trailwall,
# linked to use the loader and libraries in lib/ beside it) and lib/ (the glibc loader and every
# shared library bootstrap needs, from this machine). Runs on provided.al2023 whatever that
# image's glibc, and on provided.al2; needs nothing from the image but the kernel.
#
#   scripts/package-lambda.sh [--build-dir DIR] [--out FILE] [--no-build]
#
# DIR defaults to build/release (configured with `cmake --preset release`). arm64: configure a
# build directory with an aarch64 cross toolchain and Debian's arm64 libraries (multiarch), then
# pass it as DIR; the loader and the libraries are taken from the binary's own architecture
# (README "Deploy").
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build/release
out=
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "package-lambda: unknown argument $1" >&2; exit 2 ;;
  esac
done

die() { echo "package-lambda: $*" >&2; exit 1; }

if [ "$build" = 1 ]; then
  cmake --build "$build_dir" --target trailwall-bootstrap -j2 >&2
fi
binary=$(find "$build_dir/src/lambda" -maxdepth 1 -name trailwall-bootstrap -type f | head -n1)
[ -n "$binary" ] || die "no $build_dir/src/lambda/trailwall-bootstrap (build the trailwall-bootstrap target)"

# What the binary was linked for: its loader path (/var/task/lib/<loader>) and architecture.
interp=$(readelf -l "$binary" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
case "$interp" in
  /var/task/lib/*) loader_name=${interp#/var/task/lib/} ;;
  *) die "$binary asks for the loader '$interp', not one in /var/task/lib" ;;
esac
case "$(readelf -h "$binary" | sed -n 's/.*Machine: *//p')" in
  *X86-64*) arch=x86_64; system_loader=/lib64/ld-linux-x86-64.so.2 ;;
  *AArch64*) arch=arm64; system_loader=/lib/ld-linux-aarch64.so.1 ;;
  *) die "$binary: unknown architecture" ;;
esac
[ -n "$out" ] || out=dist/trailwall-lambda-$arch.zip
[ -x "$system_loader" ] || die "no $system_loader to list and bundle the libraries with"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib"
cp "$binary" "$stage/bootstrap"
chmod 0755 "$stage/bootstrap"
cp -L "$system_loader" "$stage/lib/$loader_name"

# Every shared library the loader resolves for the binary (their dependencies included), under
# its soname. The loader lists them without running the program.
"$system_loader" --list "$binary" | while read -r name arrow path _; do
  [ "$arrow" = "=>" ] || continue   # the vDSO
  [ "$name" != "$interp" ] || continue  # the loader itself, copied above
  [ -n "$path" ] && [ "$path" != "not" ] || die "library $name not found"
  cp -L "$path" "$stage/lib/$name"
done
chmod 0644 "$stage"/lib/*
chmod 0755 "$stage/lib/$loader_name"

# The package must run with its own files only: through bootstrap's $ORIGIN/lib path, every
# library the bundled loader resolves is in lib/.
missing=$(LD_LIBRARY_PATH= "$stage/lib/$loader_name" --list "$stage/bootstrap" \
  | awk -v lib="$stage/lib/" '$2 == "=>" && index($3, lib) != 1 {print $1 " => " $3}' || true)
[ -z "$missing" ] || die "libraries resolved outside the package: $missing"

mkdir -p "$(dirname "$out")"
rm -f "$out"
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
# -X: no extra file attributes (reproducible); Unix modes are kept, so bootstrap stays executable.
(cd "$stage" && TZ=UTC find . -exec touch -h -d 2000-01-01T00:00:00 {} + &&
   zip -q -X -9 -r "$out_abs" bootstrap lib)
size=$(stat -c %s "$out")
limit=$((15 * 1024 * 1024))
[ "$size" -le "$limit" ] || die "$out is $size bytes, over the 15 MB budget"
echo "$out: $size bytes ($(ls "$stage/lib" | wc -l) files in lib/, loader $loader_name, $arch)"
