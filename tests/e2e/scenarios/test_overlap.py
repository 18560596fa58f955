"""Runs that overlap (DESIGN §4.7, §4.8; README "Runs that overlap"): many `handle` runs started
together with a `plan` and a `reconcile` among them lose nothing and duplicate nothing; a dry run
next to a run that is writing changes nothing; overlapping runs follow each other's commits
instead of sleeping.

TRAILWALL_OVERLAP_REPEAT (default 2) repeats the burst test; scripts/overlap.sh runs it 20 times.
"""
import concurrent.futures
import datetime
import json
import os
import re
import time

from e2e_case import E2eCase, main, WRITE_ACTIONS
from scenario import firewall
from scenario.aws import tcp

SOURCE = "198.51.100.0/24"
REPEAT = int(os.environ.get("TRAILWALL_OVERLAP_REPEAT", "2"))
JSON = ["--output", "json"]
INFO = ["--log-level", "info"]


def together(calls):
    """Runs every call (a function returning a Run) at the same time; their Runs in order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result() for f in [pool.submit(call) for call in calls]]


def changing(entry):
    """Whether a panos-sim request log entry changed the candidate, the running configuration or
    a lock."""
    action = f"{entry['type']}/{entry.get('action', '')}"
    words = entry.get("xpath", "")
    return (action in WRITE_ACTIONS or entry["type"] == "commit"
            or (entry["type"] == "op" and words.startswith(("request", "revert", "load", "set"))))


def log_time(line):
    return datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f")


class Overlap(E2eCase):
    def instances(self, n, first_port):
        """n new instances in the app subnet, each with its own group opening one port to
        SOURCE; their RunInstances records (one event each)."""
        ec2 = self.s.ec2
        records = []
        for i in range(n):
            port = first_port + i
            group = ec2.create_security_group(GroupName=f"burst-{port}", Description="burst",
                                              VpcId=self.s.topology.vpc)["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[tcp(port, SOURCE)])
            _, record = ec2.run(f"burst-{port}", self.s.topology.subnets["app"], [group],
                                f"10.0.2.{port % 200 + 40}")
            records.append((f"{group}-tcp-{port}", record))
        return records

    def assertConverged(self):
        """Running = what a fresh reconcile builds: a dry run finds nothing to do."""
        self.ok(self.tw.reconcile(dry_run=True), code=0)

    def assertNoDuplicates(self):
        names = [r.name for r in firewall.rules(self.s.running())]
        self.assertEqual(len(names), len(set(names)), names)
        definitions = [(p, port) for n, (p, port, tags) in
                       firewall.services(self.s.running()).items() if "trailwall" in tags]
        self.assertEqual(len(definitions), len(set(definitions)), definitions)

    def test_eight_handle_runs_a_plan_and_a_reconcile_overlap(self):
        self.reconcileSnapshot()
        for repetition in range(REPEAT):
            events = self.instances(8, 41000 + 10 * repetition)
            calls = [lambda f=self.s.log_file(r): self.tw.handle(f, global_args=JSON)
                     for _, r in events]
            calls.insert(3, lambda: self.tw.plan(global_args=JSON))
            calls.insert(6, lambda: self.tw.reconcile(global_args=JSON))
            runs = together(calls)

            reported = set()
            for run, call in zip(runs, calls):
                if run.args[-1] == "plan":
                    self.assertIn(run.code, (0, 2), run)
                    continue
                self.assertIn(run.code, (0, 1), run)
                report = json.loads(run.stdout)
                if run.code == 1:
                    # Nothing reported done that was not; the event delivered again converges.
                    self.assertFalse(report["ok"], run)
                    self.assertFalse(report["outcome"]["committed"], run)
                    self.ok(call())
                    continue
                self.assertTrue(report["ok"], run)
                if report.get("applied"):
                    self.assertTrue(report["applied"]["committed"], run)
                reported |= {r["name"] for r in report["plan"].get("add_rules", [])}
            managed = self.managed()
            self.assertEqual(reported - set(managed), set(),
                             "every rule a successful run reported is enforced")
            for name, _ in events:
                self.assertIn(name, managed)
            self.assertNoDuplicates()
            self.assertAdministratorRulesUnchanged()
            self.assertPlacement()
            self.assertConverged()

    def test_a_dry_run_next_to_a_run_that_is_committing_changes_nothing(self):
        self.reconcileSnapshot()
        (name, record), = self.instances(1, 42000)
        (other, plan_record), = self.instances(1, 42100)
        self.s.sim.set_faults({"commit_ms": 6000})
        writer = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        writing = writer.submit(self.tw.handle, self.s.log_file(record), global_args=INFO)
        # Wait until the writer holds the firewall and has written (its commit is running).
        deadline = time.monotonic() + 60
        while "sim-job" not in (status := self._commit_running()) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("sim-job", status, "the writer never started its commit")
        start = self._log_seq()
        dry_log = self.s.log_file(plan_record)
        dry = together([lambda: self.tw.handle(dry_log, dry_run=True, global_args=JSON),
                        lambda: self.tw.plan(global_args=JSON),
                        lambda: self.tw.reconcile(dry_run=True, global_args=JSON)])
        entries = self.s.sim.control("GET", f"/sim/log?after={start}")
        still_committing = "sim-job" in self._commit_running()
        run = writing.result()
        writer.shutdown()
        self.ok(run)
        self.assertTrue(still_committing, "the dry runs ended after the writer's commit")
        changes = [e for e in entries if changing(e)]
        self.assertEqual(changes, [], "a dry run sent a request that changes the firewall")
        for d in dry:
            self.assertIn(d.code, (0, 2), d)
            report = json.loads(d.stdout)
            self.assertEqual(report["mode"], "plan")
            self.assertFalse(report["outcome"]["written"])
            self.assertIsNone(report["hold"])
        # The dry runs saw the writer's uncommitted rule and said so.
        pending = json.loads(dry[1].stdout)["pending_changes"]
        self.assertIn(f"security rule '{name}'", pending["nodes"], dry[1].stdout)
        self.assertTrue(pending["left"])
        self.assertIn(name, self.managed())  # the writer's work is committed
        self.assertNotIn(other, self.managed())  # the dry run's was only planned
        self.assertAdministratorRulesUnchanged()

    def _log_seq(self):
        entries = self.s.sim.control("GET", "/sim/log")
        return entries[-1]["seq"] if entries else 0

    def _commit_running(self):
        """'sim-job' while a commit job of admin is running, else ''."""
        reply = self.s.sim.api({"type": "op", "cmd": "<show><jobs><all/></jobs></show>"},
                               self.s.api_key)
        jobs = re.findall(r"<job>.*?</job>", reply, re.S)
        running = [j for j in jobs if "<type>Commit</type>" in j and "<status>FIN" not in j]
        return "sim-job" if running else ""

    def test_six_overlapping_runs_follow_each_others_commits(self):
        self.reconcileSnapshot()
        # Realistic polling: job_poll_seconds 2 (fast polls for the first 5 s), 0.3 s commits.
        self.s.reconfigure(firewall={"job_poll_seconds": 2})
        self.s.sim.set_faults({"commit_ms": 300})
        events = self.instances(6, 43000)
        started = time.monotonic()
        runs = together([lambda f=self.s.log_file(r): self.tw.handle(f, global_args=INFO)
                         for _, r in events])
        wall = time.monotonic() - started
        for run in runs:
            self.ok(run)
        taken, released = [], []
        for run in runs:
            for line in run.stderr.splitlines():
                if "event=hold_taken" in line:
                    taken.append(log_time(line))
                if "event=hold_released" in line:
                    released.append(log_time(line))
        self.assertEqual((len(taken), len(released)), (6, 6), runs[0].stderr)
        span = (max(released) - min(taken)).total_seconds()
        per_run = span / 6
        print(f"\n  6 overlapping runs, 0.3 s commits: {wall:.2f} s in all; the firewall held "
              f"for {span:.2f} s from the first hold to the last release = {per_run:.2f} s per "
              f"run", flush=True)
        # About 6 × (0.3 + 0.5) s; the bound is generous for a busy 2-core machine, and far below
        # the 42 s of runs that slept 10 s per retry.
        self.assertLess(span, 6 * 2.0, runs)
        for name, _ in events:
            self.assertIn(name, self.managed())
        self.assertNoDuplicates()


if __name__ == "__main__":
    main()
