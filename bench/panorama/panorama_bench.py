#!/usr/bin/env python3
"""A change through Panorama against the same change on a firewall, as a user runs it: each
`trailwall reconcile` a separate process, wall time from outside (the harness times the child),
peak RSS and minor page faults per run (/usr/bin/time), request counts from panos-sim.

Each repetition authorizes one new port on the demo VPC's web group, then reconciles: one rule
added, one write, one commit (and through Panorama one push of dg1 to fw1). panos-sim's commit
and push jobs take --commit-ms each.

    bench/panorama/panorama_bench.py build/release --repeat 5 --commit-ms 2000
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools", "demo"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e", "scenarios"))

from scenario.aws import tcp  # noqa: E402
from scenario.harness import Scenario  # noqa: E402
from scenario.servers import Servers  # noqa: E402
from test_panorama import BOTTOM, PanoramaSim  # noqa: E402


def measure(build, repeat, commit_ms, panorama):
    trailwall = os.path.join(build, "src", "cli", "trailwall")
    sim_binary = os.path.join(build, "tools", "panos-sim", "panos-sim")
    servers = Servers(sim_binary, commit_ms)
    if panorama:
        servers.sim = PanoramaSim(sim_binary, servers.workdir, "10.2.11", commit_ms)
    with servers:
        s = Scenario(servers, trailwall)
        # Every run under /usr/bin/time: its peak RSS (KiB) and minor faults, one line per run.
        stats = os.path.join(servers.workdir, "time.txt")
        wrapper = os.path.join(servers.workdir, "timed-trailwall")
        with open(wrapper, "w") as f:
            f.write(f'#!/bin/sh\nexec /usr/bin/time -a -o {stats} -f "%M %R" {trailwall} "$@"\n')
        os.chmod(wrapper, 0o755)
        s.trailwall.binary = wrapper
        if panorama:
            host = servers.sim.devices["fw1"].split("//")[1]
            s.reconfigure(firewall={"device_group": "dg1"}, bottom_rule=BOTTOM, profile_group="")
            with open(s.config_path) as f:
                text = f.read()
            with open(s.config_path, "w") as f:
                f.write(text.replace('device_group = "dg1"',
                                     f'device_group = "dg1"\ndevice_hosts = ["{host}"]'))
        first = s.trailwall.reconcile()
        assert first.code == 0, str(first)
        walls = []
        open(stats, "w").close()
        for i in range(repeat):
            s.ec2.authorize(s.topology.groups["web"], tcp(9000 + i, "0.0.0.0/0"))
            before = servers.sim.counters()
            run = s.trailwall.reconcile()
            assert run.code == 0, str(run)
            walls.append(run.seconds)
            after = servers.sim.counters()
        requests = after["requests"] - before["requests"] if "requests" in after else None
        with open(stats) as f:
            rows = [tuple(int(v) for v in line.split()) for line in f if line.strip()]
        return {"walls": walls, "rss_kib": max(r[0] for r in rows),
                "faults": statistics.median(r[1] for r in rows), "commits": after["commits"]["enqueued"] -
                before["commits"]["enqueued"],
                "pushes": after.get("pushes", {}).get("enqueued", 0) -
                before.get("pushes", {}).get("enqueued", 0),
                "requests": requests}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--commit-ms", type=int, default=2000)
    args = parser.parse_args()
    print("| target | run wall (median, min-max) | commits | pushes | requests to it (last run) "
          "| peak RSS (max) | minor faults (median) |")
    print("|---|---|---|---|---|---|---|")
    for name, panorama in (("firewall", False), ("Panorama dg1 -> fw1", True)):
        r = measure(args.build, args.repeat, args.commit_ms, panorama)
        w = r["walls"]
        print(f"| {name} | {statistics.median(w):.2f} s ({min(w):.2f}-{max(w):.2f}) | "
              f"{r['commits']} | {r['pushes']} | {r['requests']} | "
              f"{r['rss_kib'] / 1024:.1f} MiB | {r['faults']:.0f} |")


if __name__ == "__main__":
    main()
