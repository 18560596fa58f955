#!/usr/bin/env python3
"""Whole-process `trailwall events` on a large generated log: throughput, peak RSS (the kernel's,
through tests/unit/cloudtrail's peak_rss) and minor page faults, for a mapped file, stdin (a pipe)
and gzip. The log repeats the mixed sample's records, about 1 in 100 a change.

usage: run_events_memory.py TRAILWALL PEAK_RSS [--size-mb N] [--dir DIR] [--gzip]"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MIXED = os.path.join(HERE, "..", "..", "tests", "data", "cloudtrail", "cases",
                     "logfile-mixed-reasons.json")


def write_log(path, size):
    with open(MIXED) as f:
        records = json.load(f)["Records"]
    change = [r for r in records if r["eventName"] == "StartInstances"][0]
    ignored = [r for r in records if r["eventSource"] != "ec2.amazonaws.com"][0]
    block = b",".join(json.dumps(r, separators=(",", ":")).encode() for r in [change] + [ignored] * 99)
    with open(path, "wb") as f:
        f.write(b'{"Records":[')
        written = 0
        first = True
        while written < size:
            if not first:
                f.write(b",")
            f.write(block)
            written += len(block) + 1
            first = False
        f.write(b"]}")


def run(trailwall, peak_rss, args, stdin_path=None):
    with tempfile.NamedTemporaryFile() as rss:
        feeder = None
        stdin = subprocess.DEVNULL
        if stdin_path:
            feeder = subprocess.Popen(["cat", stdin_path], stdout=subprocess.PIPE)
            stdin = feeder.stdout
        started = time.monotonic()
        result = subprocess.run(["/usr/bin/time", "-f", "%U %S %R", peak_rss, rss.name, trailwall,
                                 *args], stdin=stdin, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        wall = time.monotonic() - started
        if feeder:
            feeder.stdout.close()
            feeder.wait()
        user, system, faults = result.stderr.decode().split()[-3:]
        with open(rss.name) as f:
            return wall, float(user) + float(system), int(f.read()) * 1024, int(faults), result.returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("trailwall")
    parser.add_argument("peak_rss")
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--gzip", action="store_true")
    args = parser.parse_args()
    log = os.path.join(args.dir, f"events-{args.size_mb}mb.json")
    if not os.path.exists(log):
        write_log(log, args.size_mb << 20)
    size = os.path.getsize(log)
    cases = [("mapped file", [log], None), ("stdin (pipe)", ["-"], log)]
    if args.gzip:
        gz = log + ".gz"
        if not os.path.exists(gz):
            subprocess.run(["gzip", "-1", "-k", "-f", log], check=True)
        cases.append(("gzip file", [gz], None))
    print(f"log: {size / 1e6:.0f} MB")
    print("| input | wall | CPU | MB/s (wall) | peak RSS | minor faults | exit |")
    print("|---|---|---|---|---|---|---|")
    for name, inputs, stdin_path in cases:
        wall, cpu, rss, faults, code = run(args.trailwall, args.peak_rss,
                                           ["events", "--max-input-size", "4G", *inputs], stdin_path)
        print(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {size / 1e6 / wall:.0f} | "
              f"{rss / 1e6:.0f} MB | {faults} | {code} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
