#!/usr/bin/env python3
"""What provenance costs a run, and what `trailwall why` costs (issue 12), measured on the
trailwall binary as a user runs it, against moto_server and panos-sim (tools/demo/scenario).

Audit comments: one `handle` of a batch of N RunInstances events (N new instances, each in its own
group opening one port), so the run adds N rules and sets N audit comments. Per N, three runs on
fresh servers: panos-sim answering at once; every `set audit-comment` delayed by LATENCY ms (a
management plane's answer time) and nothing else; the difference is what the audit comments add
to the run's wall time at that latency.

why: after a reconcile of the demo VPC, `trailwall why ADDRESS:PORT` and `trailwall why ADDRESS`
(web-1: four exposed permissions) REPEAT times each, wall time from outside, and once under
/usr/bin/time -v for peak RSS and page faults; then the same with every operational request
(policy-match tests) delayed by LATENCY ms.

    bench/provenance/provenance_bench.py BUILD_DIR [--repeat 5] [--sizes 1,10] [--latency 100]

Prints Markdown tables for bench/RESULTS.md.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "demo"))

from scenario.harness import Scenario  # noqa: E402
from scenario.servers import Servers  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "..", "proof"))
from proof_bench import batch  # noqa: E402  (N RunInstances, each in its own group)


def audit_run(build, n, latency_ms):
    with Servers(os.path.join(build, "tools/panos-sim/panos-sim")) as servers:
        s = Scenario(servers, os.path.join(build, "src/cli/trailwall"))
        run = s.trailwall.reconcile()
        assert run.code == 0, run
        log_file = batch(s, n, 20000)
        if latency_ms:
            s.sim.set_faults({"slow": [{"type": "op", "xpath_contains": "<audit-comment>",
                                        "latency_ms": latency_ms}]})
        run = s.trailwall.handle(log_file, global_args=("--output", "json"))
        assert run.code == 0, run
        report = json.loads(run.stdout)
        audit = report["applied"]["audit_comments"]
        assert audit["set"] >= n and audit["supported"], audit
        return {"set": audit["set"], "requests": report["firewall_requests"]["by_kind"]["op/set"],
                "wall_s": run.seconds}


def time_v(s, args):
    argv = ["/usr/bin/time", "-v", s.trailwall.binary, "--config", s.trailwall.config_path, *args]
    done = subprocess.run(argv, env=s.trailwall.env, capture_output=True, text=True, check=True)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    minor = int(re.search(r"Minor \(reclaiming a frame\) page faults: (\d+)", done.stderr).group(1))
    major = int(re.search(r"Major \(requiring I/O\) page faults: (\d+)", done.stderr).group(1))
    return rss, minor, major


def why_runs(build, repeat, latency_ms):
    rows = []
    with Servers(os.path.join(build, "tools/panos-sim/panos-sim")) as servers:
        s = Scenario(servers, os.path.join(build, "src/cli/trailwall"))
        assert s.trailwall.reconcile().code == 0
        for latency in (0, latency_ms):
            if latency:
                s.sim.set_faults({"slow": [{"type": "op", "latency_ms": latency}]})
            for target in (s.topology.addresses["web-1"] + ":22", s.topology.addresses["web-1"]):
                walls, tests = [], 0
                for _ in range(repeat):
                    run = s.trailwall.run("why", target, global_args=("--output", "json"))
                    assert run.code == 0, run
                    tests = json.loads(run.stdout)["tests"]
                    walls.append(run.seconds)
                rss, minor, major = time_v(s, ["why", target])
                rows.append((target, latency, tests, statistics.median(walls), min(walls),
                             max(walls), rss, minor, major))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="1,10")
    parser.add_argument("--latency", type=int, default=100)
    args = parser.parse_args()
    print("| rules written (N) | audit comments set | op/set requests | run wall, no latency "
          "(median) | run wall, set audit-comment +%d ms (median) | added by audit comments |"
          % args.latency)
    print("|---|---|---|---|---|---|")
    for n in (int(x) for x in args.sizes.split(",")):
        fast = [audit_run(args.build, n, 0) for _ in range(args.repeat)]
        slow = [audit_run(args.build, n, args.latency) for _ in range(args.repeat)]
        f = statistics.median(r["wall_s"] for r in fast)
        sl = statistics.median(r["wall_s"] for r in slow)
        print(f"| {n} | {fast[0]['set']} | {fast[0]['requests']} | {f:.2f} s | {sl:.2f} s "
              f"| {sl - f:+.2f} s |")
    print()
    print("| why | op latency | policy-match tests | wall median (min–max) | peak RSS | "
          "minor / major page faults |")
    print("|---|---|---|---|---|---|")
    for target, latency, tests, med, lo, hi, rss, minor, major in why_runs(
            args.build, args.repeat, args.latency):
        print(f"| `why {target}` | {latency} ms | {tests} | {med * 1000:.0f} ms "
              f"({lo * 1000:.0f}–{hi * 1000:.0f}) | {rss / 1024:.1f} MiB | {minor} / {major} |")


if __name__ == "__main__":
    main()
