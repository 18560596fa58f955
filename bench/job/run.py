#!/usr/bin/env python3
"""The job, side by side (issue 11): one burst of EC2 changes, one CloudTrail log file, one
`trailwall handle`, measured as a user runs it against moto_server and panos-sim.

    bench/job/run.py BUILD_DIR [--events 1000] [--extra-instances 30] [--commit-ms 15000]
                     [--seed 7] [--json]

1. The demo VPC (tools/demo/scenario/aws.py) plus EXTRA instances (web-N in the web subnet, half
   of them stopped) is built in moto; a full reconcile puts the firewall in step with it (instant
   commits for that set-up).
2. EVENTS real EC2 calls against moto, each leaving the CloudTrail record AWS would write: a
   seeded random mix of StartInstances and StopInstances of the extra instances and
   AuthorizeSecurityGroupIngress / RevokeSecurityGroupIngress of tcp ports on the web and app
   groups. All records go into ONE gzip'd log file, laid out like CloudTrail's S3 delivery.
3. panos-sim's commits now take COMMIT_MS (a device's partial commit takes seconds to minutes;
   15 s by default); trailwall polls its jobs at the device-friendly default (job_poll_seconds
   = 2). moto's request recorder and panos-sim's counters are reset, then
   `/usr/bin/time -v trailwall --output json handle LOGFILE` runs once.
4. Printed (and with --json as one JSON object): EC2 calls by action as moto recorded them (and
   as trailwall counted them), firewall requests by kind as panos-sim counted them, commits,
   wall time, the rules the plan added / changed / deleted and the managed rules on the firewall
   after, peak RSS of the trailwall process.

The original (a Python 2 Lambda) handled each record on its own and committed after every one
(DESIGN.md): it is not run here. Its commit count is DERIVED, one per record of the four event
names it handled, and its commit time is that count times COMMIT_MS (commits on one device do not
overlap); nothing else about it is claimed.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "demo"))

from scenario import firewall  # noqa: E402
from scenario.aws import tcp  # noqa: E402
from scenario.harness import Scenario  # noqa: E402
from scenario.servers import Servers, _http  # noqa: E402

ORIGINAL_EVENTS = ("StartInstances", "StopInstances", "AuthorizeSecurityGroupIngress",
                   "RevokeSecurityGroupIngress")
SOURCES = ["198.51.100.0/24", "192.0.2.0/25", "0.0.0.0/0", "203.0.113.128/25"]
PORTS = list(range(9000, 9040))


def extra_instances(s, count):
    """`count` instances web-1xx in the web subnet (groups web, admin-ssh), every second one
    stopped: (running ids, stopped ids). No records: the state before the burst."""
    running, stopped = [], []
    groups = [s.topology.groups["web"], s.topology.groups["admin-ssh"]]
    for i in range(count):
        is_stopped = i % 2 == 1
        instance_id, _ = s.ec2.run(f"web-{100 + i}", s.topology.subnets["web"], groups,
                                   f"10.0.1.{100 + i}", stopped=is_stopped)
        (stopped if is_stopped else running).append(instance_id)
    return running, stopped


def burst(s, count, running, stopped, seed):
    """`count` EC2 changes made against moto; their CloudTrail records and a count by name."""
    rng = random.Random(seed)
    groups = [s.topology.groups["web"], s.topology.groups["app"]]
    granted = []  # (group, port, source) currently authorized by the burst
    records = []
    for _ in range(count):
        kinds = ["authorize"]
        if stopped:
            kinds.append("start")
        if running:
            kinds.append("stop")
        if granted:
            kinds.append("revoke")
        kind = rng.choice(kinds)
        if kind == "start":
            instance = stopped.pop(rng.randrange(len(stopped)))
            records.append(s.ec2.start(instance))
            running.append(instance)
        elif kind == "stop":
            instance = running.pop(rng.randrange(len(running)))
            records.append(s.ec2.stop(instance))
            stopped.append(instance)
        elif kind == "revoke":
            group, port, source = granted.pop(rng.randrange(len(granted)))
            records.append(s.ec2.revoke(group, tcp(port, source)))
        else:
            while True:
                grant = (rng.choice(groups), rng.choice(PORTS), rng.choice(SOURCES))
                if grant not in granted:
                    break
            records.append(s.ec2.authorize(grant[0], tcp(grant[1], grant[2])))
            granted.append(grant)
    by_name = {}
    for r in records:
        by_name[r["eventName"]] = by_name.get(r["eventName"], 0) + 1
    return records, by_name


def moto_api(s, path):
    status, body = _http("POST", s.moto.endpoint + "/moto-api/recorder/" + path)
    if status != 200:
        raise RuntimeError(f"moto recorder {path}: HTTP {status}")
    return body


def recorded_ec2_calls(s):
    """EC2 actions moto recorded since the last reset: {action: count}."""
    status, body = _http("GET", s.moto.endpoint + "/moto-api/recorder/download-recording")
    if status != 200:
        raise RuntimeError(f"moto recorder download: HTTP {status}")
    calls = {}
    for line in body.decode().splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        text = entry.get("body") or ""
        if entry.get("body_encoded"):
            import base64
            text = base64.b64decode(text).decode(errors="replace")
        query = urllib.parse.parse_qs(text) | urllib.parse.parse_qs(
            urllib.parse.urlsplit(entry.get("url", "")).query)
        action = (query.get("Action") or ["(no action)"])[0]
        calls[action] = calls.get(action, 0) + 1
    return calls


def timed_handle(s, log_file):
    """`/usr/bin/time -v trailwall --output json handle LOGFILE`: (report, exit code, wall s,
    peak RSS KB, stderr)."""
    tw = s.trailwall
    argv = ["/usr/bin/time", "-v", tw.binary, "--config", tw.config_path, "--output", "json",
            "handle", log_file]
    started = time.monotonic()
    done = subprocess.run(argv, env=tw.env, capture_output=True, text=True, timeout=1800,
                          stdin=subprocess.DEVNULL)
    wall = time.monotonic() - started
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    report = json.loads(done.stdout) if done.stdout.strip().startswith("{") else None
    return report, done.returncode, wall, int(rss.group(1)) if rss else None, done.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--extra-instances", type=int, default=30)
    parser.add_argument("--commit-ms", type=int, default=15000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    trailwall = os.path.join(args.build_dir, "src", "cli", "trailwall")
    panos_sim = os.path.join(args.build_dir, "tools", "panos-sim", "panos-sim")
    for binary in (trailwall, panos_sim):
        if not os.access(binary, os.X_OK):
            sys.exit(f"not built: {binary}")
    try:
        import moto  # noqa: F401
    except ImportError:
        print("skipped: python3 has no moto (moto_server)")
        sys.exit(77)

    servers = Servers(panos_sim)
    # moto's request recorder writes here (moto_server inherits the environment); it records
    # only between start-recording and stop-recording.
    os.environ["MOTO_RECORDER_FILEPATH"] = os.path.join(servers.workdir, "moto-recording")
    with servers:
        s = Scenario(servers, trailwall)
        setup_started = time.monotonic()
        running, stopped = extra_instances(s, args.extra_instances)
        first = s.trailwall.reconcile()
        if first.code != 0:
            sys.exit(f"the first reconcile failed:\n{first}")
        records, by_name = burst(s, args.events, running, stopped, args.seed)
        log_file = s.log_file(*records)
        log_bytes = os.path.getsize(log_file)
        setup_seconds = time.monotonic() - setup_started
        managed_before = len(s.managed_rules())

        # A device's commit, and the device-friendly job polling (the default).
        s.reconfigure(firewall={"job_poll_seconds": 2})
        servers.sim.set_faults({"commit_ms": args.commit_ms})
        servers.sim.reset_counters()
        moto_api(s, "reset-recording")
        moto_api(s, "start-recording")
        report, code, wall, rss_kb, stderr = timed_handle(s, log_file)
        moto_api(s, "stop-recording")
        if report is None or code not in (0,):
            sys.exit(f"trailwall handle exited {code}:\n{stderr[-4000:]}\n{servers.logs()}")
        ec2_calls = recorded_ec2_calls(s)
        counters = servers.sim.counters()
        managed_after = len(s.managed_rules())
        plan = report.get("plan") or {}
        applied = report.get("applied") or {}

    handled = sum(n for name, n in by_name.items() if name in ORIGINAL_EVENTS)
    figures = {
        "events": len(records),
        "events_by_name": by_name,
        "log_file_bytes": log_bytes,
        "commit_ms": args.commit_ms,
        "trailwall": {
            "exit_code": code,
            "wall_seconds": round(wall, 3),
            "peak_rss_kb": rss_kb,
            "ec2_calls_moto": sum(ec2_calls.values()),
            "ec2_calls_moto_by_action": dict(sorted(ec2_calls.items())),
            "ec2_calls_own_count": report.get("aws", {}).get("calls"),
            "ec2_calls_own_summary": report.get("aws", {}).get("summary"),
            "firewall_requests_panos_sim": counters.get("requests"),
            "firewall_requests_by_action": dict(sorted(counters.get("by_action", {}).items())),
            "commits_panos_sim": counters.get("commits"),
            "firewall_requests_own": report.get("firewall_requests"),
            "rules_added": applied.get("rules_added"),
            "rules_changed": applied.get("rules_edited"),
            "rules_deleted": applied.get("rules_deleted"),
            "plan_changes": plan.get("changes"),
            "managed_rules_before": managed_before,
            "managed_rules_after": managed_after,
            "timings_ms": report.get("timings_ms"),
        },
        "original_derived": {
            "records_it_handles": handled,
            "commits": handled,
            "commit_seconds_at_least": round(handled * args.commit_ms / 1000, 1),
        },
        "setup_seconds": round(setup_seconds, 1),
    }
    t = figures["trailwall"]
    print(f"scenario: {len(records)} events in one log file of {log_bytes:,} bytes (gzip) "
          f"({', '.join(f'{k} {v}' for k, v in sorted(by_name.items()))}); "
          f"commit {args.commit_ms / 1000:g} s; set-up {setup_seconds:.0f} s")
    print(f"trailwall handle: exit {code}, wall {wall:.2f} s, peak RSS {rss_kb / 1024:.1f} MB")
    print(f"  EC2 calls (moto's recorder): {t['ec2_calls_moto']} "
          f"({', '.join(f'{k} {v}' for k, v in t['ec2_calls_moto_by_action'].items())}); "
          f"trailwall counted {t['ec2_calls_own_count']}")
    print(f"  firewall requests (panos-sim): {t['firewall_requests_panos_sim']} "
          f"({', '.join(f'{k} {v}' for k, v in t['firewall_requests_by_action'].items())})")
    print(f"  commits (panos-sim): {t['commits_panos_sim']}")
    print(f"  rules: {t['rules_added']} added, {t['rules_changed']} changed, "
          f"{t['rules_deleted']} deleted; managed rules {managed_before} -> {managed_after}")
    print(f"  timings (trailwall's report, ms): {t['timings_ms']}")
    o = figures["original_derived"]
    print(f"original (DERIVED, not run): one commit per handled record = {o['commits']} commits, "
          f">= {o['commit_seconds_at_least']:g} s of commits at {args.commit_ms / 1000:g} s each")
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
