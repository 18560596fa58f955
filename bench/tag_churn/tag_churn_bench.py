#!/usr/bin/env python3
"""Instance churn in the group and tag layouts (issue 12), measured on the trailwall binary as a
user runs it, against moto_server and panos-sim (tools/demo/scenario): after a full reconcile,
`trailwall handle` of one log file holding 100 StartInstances / StopInstances records (web-2 and
app-1 alternating, so the batch ends with both changed). Per layout and repeat: the run's wall time
from outside, its commits, configuration writes and User-ID requests (panos-sim's counters), and
its firewall requests. panos-sim's commit jobs take COMMIT_MS (a real commit takes 10-60 s).

    bench/tag_churn/tag_churn_bench.py BUILD_DIR [--repeat 3] [--commit-ms 2000]

Prints a Markdown table for bench/RESULTS.md.
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "demo"))

from scenario.harness import Scenario  # noqa: E402
from scenario.servers import Servers  # noqa: E402

WRITES = ("config/set", "config/edit", "config/delete", "config/move", "config/multi-config")


def churn(s, flip):
    """100 records; web-2 ends running and app-1 stopped when `flip`, the other way otherwise."""
    ec2, ids = s.ec2, s.topology.instances
    records = []
    for i in range(50):
        up = (i % 2 == 0) == flip if i < 49 else flip
        records.append(ec2.start(ids["web-2"]) if up else ec2.stop(ids["web-2"]))
        records.append(ec2.stop(ids["app-1"]) if up else ec2.start(ids["app-1"]))
    return s.log_file(*records)


def measure(build, layout, repeat, commit_ms):
    rows = []
    with Servers(os.path.join(build, "tools/panos-sim/panos-sim"), commit_ms=commit_ms) as servers:
        s = Scenario(servers, os.path.join(build, "src/cli/trailwall"), layout=layout)
        assert s.trailwall.reconcile().code == 0
        for r in range(repeat):
            log_file = churn(s, flip=(r % 2 == 0))
            s.sim.reset_counters()
            run = s.trailwall.handle(log_file)
            assert run.code == 0, run
            c = s.sim.counters()
            rows.append({"wall": run.seconds, "commits": c["by_type"].get("commit", 0),
                         "writes": sum(n for a, n in c["by_action"].items() if a in WRITES),
                         "userid": c["by_type"].get("user-id", 0), "requests": c["requests"]})
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--commit-ms", type=int, default=2000)
    args = parser.parse_args()
    print("| layout | run wall (median, min-max) | commits | config writes | User-ID requests "
          "| firewall requests |")
    print("|---|---|---|---|---|---|")
    for layout in ("group", "tag"):
        rows = measure(args.build, layout, args.repeat, args.commit_ms)
        walls = [r["wall"] for r in rows]
        one = rows[-1]
        print(f"| {layout} | {statistics.median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f}) "
              f"| {one['commits']} | {one['writes']} | {one['userid']} | {one['requests']} |")


if __name__ == "__main__":
    main()
