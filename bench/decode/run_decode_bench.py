#!/usr/bin/env python3
"""Runs the CloudTrail decoding benchmark and the original's Python way in the same run.

Generates the 100 MB log with ../shared/bench/gen_cloudtrail.py (and its gzip'd copy) under
build/bench-data/ unless present, runs decode_bench on both, runs seed_decode.py on the .gz,
and prints MB/s (10^6 bytes of JSON per second, wall clock, median of the repetitions) and the
ratio gzip / seed. Targets (issue 2): plain >= 800 MB/s, gzip >= 5x seed.

usage: run_decode_bench.py [--bench PATH] [--data-dir DIR] [--size-mb N] [--repetitions N]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_BENCH = os.path.join(os.path.dirname(REPO), "shared", "bench")


def find_bench():
    for build in ("release", "cloudtrail"):
        path = os.path.join(REPO, "build", build, "bench", "decode", "decode_bench")
        if os.access(path, os.X_OK):
            return path
    sys.exit("decode_bench not found; build it (target decode_bench) and pass --bench PATH")


def ensure_inputs(data_dir, size_mb):
    os.makedirs(data_dir, exist_ok=True)
    json_path = os.path.join(data_dir, f"cloudtrail-{size_mb}mb.json")
    gz_path = json_path + ".gz"
    if not os.path.exists(json_path):
        subprocess.run([sys.executable, os.path.join(SHARED_BENCH, "gen_cloudtrail.py"), json_path,
                        str(size_mb)], check=True)
    if not os.path.exists(gz_path):
        subprocess.run(["gzip", "-k", "-f", json_path], check=True)
    return json_path, gz_path


def run_bench(bench, json_path, gz_path, repetitions):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([bench, f"--benchmark_repetitions={repetitions}",
                        "--benchmark_report_aggregates_only=true",
                        f"--benchmark_out={out.name}", "--benchmark_out_format=json",
                        json_path, gz_path], check=True, stdout=subprocess.DEVNULL)
        report = json.load(open(out.name))
    # Wall-clock MB/s (the benchmark's bytes_per_second counter) and, for a loaded machine,
    # the same bytes over CPU time.
    medians = {}
    for b in report["benchmarks"]:
        if b.get("aggregate_name") == "median":
            wall = b["bytes_per_second"] / 1e6
            cpu = wall * b["real_time"] / b["cpu_time"]
            medians[b["run_name"].split("/")[0]] = (wall, cpu)
    return medians, report["context"]


def run_seed(gz_path, repetitions):
    speeds = []
    for _ in range(repetitions):
        out = subprocess.run([sys.executable, os.path.join(SHARED_BENCH, "seed_decode.py"), gz_path],
                             check=True, capture_output=True, text=True).stdout
        speeds.append(float(re.search(r"MBps=([0-9.]+)", out).group(1)))
    return statistics.median(speeds), out.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default=None)
    parser.add_argument("--data-dir", default=os.path.join(REPO, "build", "bench-data"))
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    bench = args.bench or find_bench()
    json_path, gz_path = ensure_inputs(args.data_dir, args.size_mb)

    medians, context = run_bench(bench, json_path, gz_path, args.repetitions)
    seed, seed_line = run_seed(gz_path, max(1, args.repetitions // 2))
    plain, gz = medians["DecodePlain"][0], medians["DecodeGzip"][0]
    print(f"input: {json_path} ({os.path.getsize(json_path)} bytes; gzip "
          f"{os.path.getsize(gz_path)} bytes); {context.get('num_cpus')} CPUs, "
          f"load {context.get('load_avg')}")
    print(f"  {'':<18} {'wall MB/s':>10} {'CPU-time MB/s':>14}   (MB = 10^6 bytes of JSON)")
    for name in ("DecodePlain", "WalkOnlyOnDemand", "DecodeGzip", "InflateOnly"):
        print(f"  {name:<18} {medians[name][0]:10.1f} {medians[name][1]:14.1f}")
    print(f"  {'seed_decode.py':<18} {seed:10.1f} {'':>14}   ({seed_line})")
    print(f"plain: {plain:.0f} MB/s, target >= 800: {'PASS' if plain >= 800 else 'FAIL'}")
    print(f"gzip / seed: {gz / seed:.1f}x, target >= 5x: {'PASS' if gz >= 5 * seed else 'FAIL'}")
    return 0 if plain >= 800 and gz >= 5 * seed else 1


if __name__ == "__main__":
    sys.exit(main())
