#!/usr/bin/env python3
"""The request cost of the proof of enforcement after a commit (issue 12), measured on the
trailwall binary as a user runs it, against moto_server and panos-sim (tools/demo/scenario):
one `handle` of a batch of N RunInstances events (N new instances, each in its own group opening
one port), so the commit adds N rules and the proof asks N sample flows. Per N: the proof's
security-policy-match requests, its time inside the run, the run's wall time from outside, and
the firewall requests of the whole run; with panos-sim answering at once and with every
operational request delayed by LATENCY ms (a management plane's answer time).

    bench/proof/proof_bench.py BUILD_DIR [--repeat 3] [--sizes 1,10,50] [--latency 100]

Prints a Markdown table for bench/RESULTS.md.
"""
import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "demo"))

from scenario.aws import tcp  # noqa: E402
from scenario.harness import Scenario  # noqa: E402
from scenario.servers import Servers  # noqa: E402

SOURCE = "198.51.100.0/24"


def batch(s, n, first_port):
    ec2 = s.ec2
    records = []
    for i in range(n):
        port = first_port + i
        group = ec2.create_security_group(GroupName=f"bench-{port}", Description="bench",
                                          VpcId=s.topology.vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[tcp(port, SOURCE)])
        _, record = ec2.run(f"bench-{port}", s.topology.subnets["app"], [group],
                            f"10.0.2.{i % 200 + 20}")
        records.append(record)
    return s.log_file(*records)


def one(build, n, latency_ms):
    with Servers(os.path.join(build, "tools/panos-sim/panos-sim")) as servers:
        s = Scenario(servers, os.path.join(build, "src/cli/trailwall"))
        run = s.trailwall.reconcile()
        assert run.code == 0, run
        log_file = batch(s, n, 20000)
        if latency_ms:
            s.sim.set_faults({"slow": [{"type": "op", "latency_ms": latency_ms}]})
        run = s.trailwall.handle(log_file, global_args=("--output", "json"))
        assert run.code == 0, run
        report = json.loads(run.stdout)
        proof = report["proof"]
        assert proof["enforced"] and proof["flows"] >= n, proof
        return {"flows": proof["flows"], "tests": proof["tests"], "proof_ms": proof["ms"],
                "wall_s": run.seconds, "requests": report["firewall_requests"]["total"],
                "tests_run": report["firewall_requests"]["by_kind"].get("op/test", 0)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="1,10,50")
    parser.add_argument("--latency", type=int, default=100)
    args = parser.parse_args()
    print("| rules written (N) | op latency | proof flows | proof policy-match requests | "
          "proof time in run (median) | run wall (median) | firewall requests in the run "
          "(all op/test) |")
    print("|---|---|---|---|---|---|---|")
    for latency in (0, args.latency):
        for n in [int(x) for x in args.sizes.split(",")]:
            runs = [one(args.build, n, latency) for _ in range(args.repeat)]
            med = lambda k: statistics.median(r[k] for r in runs)  # noqa: E731
            print(f"| {n} | {latency} ms | {runs[0]['flows']} | {runs[0]['tests']} | "
                  f"{med('proof_ms'):.0f} ms | {med('wall_s'):.2f} s | "
                  f"{runs[0]['requests']} ({runs[0]['tests_run']}) |", flush=True)


if __name__ == "__main__":
    main()
