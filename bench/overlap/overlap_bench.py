#!/usr/bin/env python3
"""Figures for issues 10 and 11, measured on the trailwall binary as a user runs it, against
moto_server and panos-sim (tools/demo/scenario):

1. Commit wait: one `handle` on a firewall whose commit takes D seconds (D = 0.5, 2, 4.5, 6, 10);
   how long after the commit's end the run noticed it (the report's commit_ms minus D), with
   the device-friendly job_poll_seconds = 2.
2. Overlap: N `handle` runs started together on N different events, commits of C seconds;
   the wall time of the whole burst, and the time the firewall was held from the first hold to
   the last release, per run (the target: about C + 0.5 s per run).

    bench/overlap/overlap_bench.py BUILD_DIR [--repeat 5]

Prints a Markdown table for bench/RESULTS.md.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "demo"))

from scenario.aws import tcp  # noqa: E402
from scenario.harness import Scenario  # noqa: E402
from scenario.servers import Servers  # noqa: E402

SOURCE = "198.51.100.0/24"


def log_time(line):
    return datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f")


def events(s, n, first_port):
    """n new instances, each with its own group opening one port: their log files."""
    ec2 = s.ec2
    files = []
    for i in range(n):
        port = first_port + i
        group = ec2.create_security_group(GroupName=f"bench-{port}", Description="bench",
                                          VpcId=s.topology.vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[tcp(port, SOURCE)])
        _, record = ec2.run(f"bench-{port}", s.topology.subnets["app"], [group],
                            f"10.0.2.{port % 200 + 40}")
        files.append(s.log_file(record))
    return files


def commit_wait(s, seconds, port):
    s.servers.sim.set_faults({"commit_ms": int(seconds * 1000)})
    log_file, = events(s, 1, port)
    run = s.trailwall.handle(log_file, global_args=["--output", "json"])
    if run.code != 0:
        raise RuntimeError(str(run))
    applied = json.loads(run.stdout)["applied"]
    return applied["commit_ms"] / 1000.0 - seconds


def overlap(s, n, commit_seconds, port):
    s.servers.sim.set_faults({"commit_ms": int(commit_seconds * 1000)})
    files = events(s, n, port)
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        runs = list(pool.map(lambda f: s.trailwall.handle(f, global_args=["--log-level", "info"]),
                             files))
    wall = time.monotonic() - started
    taken, released = [], []
    for run in runs:
        if run.code != 0:
            raise RuntimeError(str(run))
        for line in run.stderr.splitlines():
            if "event=hold_taken" in line:
                taken.append(log_time(line))
            if "event=hold_released" in line:
                released.append(log_time(line))
    held = (max(released) - min(taken)).total_seconds()
    return wall, held / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    trailwall = os.path.join(args.build_dir, "src", "cli", "trailwall")
    panos_sim = os.path.join(args.build_dir, "tools", "panos-sim", "panos-sim")
    port = 46000
    with Servers(panos_sim) as servers:
        s = Scenario(servers, trailwall)
        s.reconfigure(firewall={"job_poll_seconds": 2})
        if s.trailwall.reconcile().code != 0:
            raise RuntimeError("first reconcile failed")
        print("| commit takes | noticed after its end (median of %d) | worst |" % args.repeat)
        print("|---|---|---|")
        for seconds in (0.5, 2.0, 4.5, 6.0, 10.0):
            late = []
            for _ in range(args.repeat):
                late.append(commit_wait(s, seconds, port))
                port += 1
            print(f"| {seconds:.1f} s | {statistics.median(late) * 1000:.0f} ms | "
                  f"{max(late) * 1000:.0f} ms |", flush=True)
        print()
        print("| runs | commit | burst wall time (median) | firewall held per run (median) |")
        print("|---|---|---|---|")
        for n, commit in ((6, 0.3), (8, 0.3), (6, 1.0)):
            walls, per_run = [], []
            for _ in range(args.repeat):
                wall, held = overlap(s, n, commit, port)
                port += n
                walls.append(wall)
                per_run.append(held)
            print(f"| {n} | {commit:.1f} s | {statistics.median(walls):.2f} s | "
                  f"{statistics.median(per_run):.2f} s (target {commit + 0.5:.1f} s) |",
                  flush=True)


if __name__ == "__main__":
    main()
