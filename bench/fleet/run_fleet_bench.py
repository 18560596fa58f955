#!/usr/bin/env python3
"""Fleet figures (issue 13), measured as a user runs trailwall: whole processes, timed from outside.

Starts moto_server and `panos-sim --firewalls 2` (commit jobs of --commit-ms, default 500 ms, so
that commits dominate as on a real device), builds the two demo VPCs of tools/demo --fleet, and
measures:
  1. `trailwall handle FILE` with nothing to do (one AWS read, two firewalls read and asked),
     with hyperfine (2 warm-ups, --runs runs): the median;
  2. `trailwall handle FILE` whose batch changes both VPCs (a commit on each firewall, in parallel)
     against one whose batch changes only east (one commit): --rounds rounds each, the medians;
  3. peak RSS and page faults of one two-commit run (/usr/bin/time -v).

    python3 bench/fleet/run_fleet_bench.py --trailwall build/release/src/cli/trailwall \\
        --panos-sim build/release/tools/panos-sim/panos-sim
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                                "demo"))
from scenario.fleet import NAMES, FleetScenario, FleetServers  # noqa: E402


def timed(f, *args):
    started = time.monotonic()
    run = f.trailwall.handle(*args)
    seconds = time.monotonic() - started
    if run.code != 0:
        raise RuntimeError(str(run))
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trailwall", required=True)
    parser.add_argument("--panos-sim", required=True)
    parser.add_argument("--commit-ms", type=int, default=500)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with FleetServers(args.panos_sim, commit_ms=args.commit_ms) as servers:
        f = FleetScenario(servers, args.trailwall)
        run = f.trailwall.reconcile()
        if run.code != 0:
            raise RuntimeError(str(run))
        web2 = {n: f.vpcs[n].instances["web-2"] for n in NAMES}

        # 1. Nothing to do.
        idle = f.log_file(*[f.ec2.stop(web2[n]) for n in NAMES])
        timed(f, idle)
        env_file = os.path.join(servers.workdir, "env.json")
        with open(env_file, "w") as out:
            json.dump(f.trailwall.env, out)
        export = os.path.join(servers.workdir, "hyperfine.json")
        subprocess.run(["hyperfine", "--warmup", "2", "--runs", str(args.runs), "--export-json",
                        export, "-N", f"{args.trailwall} --config {f.config_path} handle {idle}"],
                       env=f.trailwall.env, check=True, stdout=subprocess.DEVNULL)
        with open(export) as result:
            idle_median = json.load(result)["results"][0]["median"]

        # 2. Commits on both firewalls (in parallel) against a commit on one.
        both, one = [], []
        for _ in range(args.rounds):
            both.append(timed(f, f.log_file(*[f.ec2.start(web2[n]) for n in NAMES])))
            both.append(timed(f, f.log_file(*[f.ec2.stop(web2[n]) for n in NAMES])))
            one.append(timed(f, f.log_file(f.ec2.start(web2["east"]))))
            one.append(timed(f, f.log_file(f.ec2.stop(web2["east"]))))

        # 3. Memory of one two-commit run.
        batch = f.log_file(*[f.ec2.start(web2[n]) for n in NAMES])
        timing = subprocess.run(["/usr/bin/time", "-v", args.trailwall, "--config",
                                 f.config_path, "handle", batch], env=f.trailwall.env,
                                capture_output=True, text=True)
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", timing.stderr).group(1)
        minor = re.search(r"Minor \(reclaiming a frame\) page faults: (\d+)", timing.stderr).group(1)
    load = os.getloadavg()
    print(f"commit_ms={args.commit_ms} load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"1. handle, nothing to do, 2 firewalls: median {idle_median * 1000:.0f} ms "
          f"({args.runs} runs)")
    print(f"2. handle, a commit on each of 2 firewalls: median {statistics.median(both) * 1000:.0f}"
          f" ms; a commit on 1 firewall: median {statistics.median(one) * 1000:.0f} ms "
          f"({2 * args.rounds} runs each)")
    print(f"3. two-commit run: peak RSS {rss} KiB, {minor} minor page faults")
    return 0


if __name__ == "__main__":
    sys.exit(main())
