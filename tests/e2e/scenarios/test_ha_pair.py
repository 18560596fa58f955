"""End to end: trailwall against an HA pair (`panos-sim --ha`: fw1-a active, fw1-b passive, two
listeners sharing the pair's state) with the example inventory (no AWS needed), issue 13.

- writes, locks and the commit go to the active peer only; config sync brings the rules to the
  passive;
- the active peer dying mid-run (at the write or at the commit) is a failover: the run is retried
  once on the new active peer, with a fresh read, and ends with every rule exactly once;
- check_passive reports a passive peer that config sync (turned off) did not reach;
- a standalone firewall without `peer` sends no HA request at all.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import shutil
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "tools", "demo"))

from scenario.servers import Child, _http  # noqa: E402

TRAILWALL = os.environ.get("TRAILWALL_BIN", "")
PANOS_SIM = os.environ.get("PANOS_SIM_BIN", "")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
INVENTORY = os.path.join(ROOT, "examples", "inventory.json")

# Actions that change the configuration or a lock.
CHANGES = ("config/set", "config/edit", "config/delete", "config/move", "config/rename",
           "config/multi-config", "config/clone", "commit/partial", "commit/full",
           "op/request config-lock add", "op/set audit-comment xpath")

MANAGED = re.compile(r'<entry name="((?:sg|i)-[0-9a-f]+-[^"]+)"')


class Sim:
    """One panos-sim process (plain HTTP), its listeners by device name."""

    def __init__(self, workdir, ha):
        argv = [PANOS_SIM, "--http", "--port", "0", "--commit-ms", "0", "--quiet"]
        if ha:
            argv.append("--ha")
        self.child = Child("panos-sim", argv, os.path.join(workdir, "panos-sim.log"))
        if ha:
            self.child.wait_for_line(r"\bready\b", 30)
            self.urls = dict((m[1], m[0]) for m in re.findall(
                r"listening on (http://127\.0\.0\.1:\d+) (\S+)", self.child.log()))
        else:
            url = self.child.wait_for_line(r"listening on (http://127\.0\.0\.1:\d+)", 30).group(1)
            self.urls = {"fw1": url}

    def control(self, device, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        status, text = _http(method, self.urls[device] + path, data,
                             {"Content-Type": "application/json"} if data else None)
        assert status == 200, f"{method} {path} on {device}: HTTP {status} {text[:300]!r}"
        return json.loads(text) if text.strip().startswith((b"{", b"[")) else text.decode()

    def counters(self, device):
        return self.control(device, "GET", "/sim/counters")

    def changes(self, device):
        return {a: n for a, n in self.counters(device)["by_action"].items()
                if a in CHANGES and n}

    def managed_running(self, device):
        """Managed rule names in the running configuration, duplicates kept."""
        return MANAGED.findall(self.control(device, "GET", "/sim/config/running"))

    def key(self):
        device = next(iter(self.urls))
        body = urllib.parse.urlencode({"type": "keygen", "user": "admin",
                                       "password": "admin"}).encode()
        with urllib.request.urlopen(self.urls[device] + "/api/", body, timeout=30) as reply:
            return re.search(r"<key>([^<]+)</key>", reply.read().decode()).group(1)

    def stop(self):
        self.child.stop()


class HaPairTest(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="trailwall-ha-")
        self.addCleanup(shutil.rmtree, self.workdir, True)

    def start(self, ha=True, **firewall):
        self.sim = Sim(self.workdir, ha)
        self.addCleanup(self.sim.stop)
        self.env = dict(os.environ, PANKEY=self.sim.key())
        hosts = {"host": self.sim.urls["fw1-a"], "peer": self.sim.urls["fw1-b"]} if ha else {
            "host": self.sim.urls["fw1"]}
        hosts.update(firewall)
        lines = ["[policy]", 'bottom_rule = "Clean up"', "[gateway]",
                 'instance_id = "i-0f1e2d3c4b5a60001"', 'eni_ids = ["eni-0f1e2d3c4b5a60002"]',
                 "[firewall]", 'admin = "admin"', 'api_key = { env = "PANKEY" }',
                 "job_poll_seconds = 0.05"]
        lines += [f"{k} = {json.dumps(v)}" for k, v in hosts.items()]
        self.config = os.path.join(self.workdir, "trailwall.toml")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        for device in self.sim.urls:
            self.sim.control(device, "POST", "/sim/counters/reset")

    def apply(self, code=0):
        run = subprocess.run([TRAILWALL, "--config", self.config, "apply", "--inventory",
                              INVENTORY], env=self.env, capture_output=True, text=True,
                             timeout=120)
        self.assertEqual(run.returncode, code,
                         f"stdout:\n{run.stdout}\nstderr:\n{run.stderr[-4000:]}\n"
                         f"panos-sim:\n{self.sim.child.log()[-2000:]}")
        return run

    def assertEachOnce(self, names):
        self.assertTrue(names, "the example inventory gives managed rules")
        self.assertEqual(len(names), len(set(names)), f"duplicate managed rules: {names}")

    def test_writes_and_commits_only_on_the_active_peer(self):
        self.start()
        self.apply()
        self.assertEqual(self.sim.changes("fw1-b"), {}, "nothing changed on the passive peer")
        active = self.sim.changes("fw1-a")
        self.assertEqual(active.get("commit/partial"), 1)
        self.assertEqual(active.get("config/multi-config"), 1)
        # Config sync brought exactly the committed rules to the passive peer.
        rules = self.sim.managed_running("fw1-a")
        self.assertEachOnce(rules)
        self.assertEqual(sorted(self.sim.managed_running("fw1-b")), sorted(rules))
        # Each peer was asked its HA state once.
        for device in ("fw1-a", "fw1-b"):
            self.assertEqual(self.sim.counters(device)["by_action"].get(
                "op/show high-availability state"), 1, device)

    def test_failover_mid_run_converges_on_the_new_active_peer(self):
        for rule in ({"type": "commit"}, {"type": "config", "action": "multi-config"}):
            with self.subTest(failover_at=rule):
                self.start()
                self.sim.control("fw1-a", "PUT", "/sim/faults", {"failover": [rule]})
                run = self.apply()
                self.assertRegex(run.stdout, r"warning: retried after .*HA failover: "
                                 + re.escape(self.sim.urls["fw1-a"]) + " is no longer the active")
                self.assertEqual(self.sim.control("fw1-b", "GET", "/sim/ha")["state"], "active")
                changes = self.sim.changes("fw1-b")
                self.assertEqual(changes.get("commit/partial"), 1, changes)
                rules = self.sim.managed_running("fw1-b")
                self.assertEachOnce(rules)
                # Converged: a second run finds nothing to do and does not write.
                self.sim.control("fw1-b", "POST", "/sim/counters/reset")
                again = self.apply()
                self.assertEqual(self.sim.changes("fw1-b"), {}, again.stdout)
                self.assertEqual(self.sim.managed_running("fw1-b"), rules)
                self.sim.stop()

    def test_check_passive_reports_a_passive_peer_config_sync_did_not_reach(self):
        # Sync on: the passive peer's running rulebase matches and the run succeeds.
        self.start(check_passive=True)
        self.apply()
        self.assertEachOnce(self.sim.managed_running("fw1-b"))
        self.sim.stop()
        # Sync off: the commit stands on the active peer and the run says the passive lacks it.
        self.start(check_passive=True)
        self.sim.control("fw1-a", "PUT", "/sim/ha/sync", {"enabled": False})
        run = self.apply(code=1)
        self.assertIn("the passive peer", run.stderr)
        self.assertIn("not synchronized", run.stderr)
        self.assertIn(self.sim.urls["fw1-b"], run.stderr)
        self.assertEqual(self.sim.changes("fw1-a").get("commit/partial"), 1)
        self.assertEqual(self.sim.changes("fw1-b"), {})
        self.assertEachOnce(self.sim.managed_running("fw1-a"))
        self.assertEqual(self.sim.managed_running("fw1-b"), [])

    def test_standalone_firewall_sends_no_ha_request(self):
        self.start(ha=False)
        self.apply()
        by_action = self.sim.counters("fw1")["by_action"]
        self.assertNotIn("op/show high-availability state", by_action)
        self.assertEqual(by_action.get("commit/partial"), 1)


if __name__ == "__main__":
    if not TRAILWALL or not PANOS_SIM:
        print("TRAILWALL_BIN and PANOS_SIM_BIN must be set", file=sys.stderr)
        sys.exit(2)
    unittest.main()
