"""Base class of the end-to-end tests: each test gets its own moto_server (signatures verified)
and panos-sim on free loopback ports, the demo VPC (tools/demo/scenario/aws.py) and a configured
trailwall; the servers are stopped when the test ends, pass or fail.

The binaries come from TRAILWALL_BIN and PANOS_SIM_BIN (set by this folder's CMakeLists.txt).
Without moto (moto_server's Python package) the tests are skipped (exit code 77, which ctest
reports as skipped).
"""
import importlib.util
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "tools", "demo"))

from scenario import firewall  # noqa: E402
from scenario.harness import Scenario  # noqa: E402
from scenario.servers import Servers  # noqa: E402

TRAILWALL = os.environ.get("TRAILWALL_BIN", "")
PANOS_SIM = os.environ.get("PANOS_SIM_BIN", "")

# Actions that change the configuration (type=config); reads are get/show.
WRITE_ACTIONS = ("config/set", "config/edit", "config/delete", "config/move", "config/rename",
                 "config/multi-config", "config/clone")


class E2eCase(unittest.TestCase):
    def setUp(self):
        self.servers = Servers(PANOS_SIM)
        self.servers.__enter__()
        self.addCleanup(self.servers.close)
        self.s = Scenario(self.servers, TRAILWALL)
        self.tw = self.s.trailwall

    def ok(self, run, code=0):
        """Asserts trailwall's exit code; the message holds its output and the servers' logs."""
        self.assertEqual(run.code, code, f"{run}\n{self.servers.logs()}")
        return run

    def managed(self):
        return self.s.managed_rules()

    def snapshot(self):
        """The managed rules as name -> XML."""
        return {name: rule.xml for name, rule in self.managed().items()}

    def reconcileSnapshot(self):
        """A full reconcile (the starting point of most tests); the managed rules after it."""
        self.ok(self.tw.reconcile())
        snapshot = self.snapshot()
        self.assertTrue(snapshot, "the demo VPC gives managed rules")
        return snapshot

    def managedServices(self):
        """Names of the service objects carrying the managed tag, in running."""
        return sorted(n for n, (_, _, tags) in firewall.services(self.s.running()).items()
                      if "trailwall" in tags)

    def counters(self):
        return self.s.sim.counters()

    def writes(self, counters):
        return {a: n for a, n in counters["by_action"].items() if a in WRITE_ACTIONS and n}

    def commits(self, counters):
        return counters["by_type"].get("commit", 0)

    def assertRule(self, rule, *, source, destination, application, service, owner_text):
        """A managed rule as DESIGN §3 says: zones, addresses, App-IDs, service, allow, the
        profile group, the managed tag and a description naming where it comes from."""
        self.assertEqual(rule.get("from"), ["untrust"], rule.xml)
        self.assertEqual(rule.get("to"), ["trust"], rule.xml)
        self.assertEqual(sorted(rule.get("source")), sorted(source), rule.xml)
        self.assertEqual(sorted(rule.get("destination")), sorted(destination), rule.xml)
        self.assertEqual(sorted(rule.get("application")), sorted(application), rule.xml)
        self.assertEqual(rule.get("service"), service, rule.xml)
        self.assertEqual(rule.action, "allow", rule.xml)
        self.assertEqual(rule.profile_group, ["default-protection"], rule.xml)
        self.assertEqual(rule.get("tag"), ["trailwall"], rule.xml)
        for text in owner_text:
            self.assertIn(text, rule.description, rule.xml)
        self.assertFalse(rule.disabled, rule.xml)

    def assertPlacement(self, config_xml=None):
        """Managed rules sit together directly above the bottom rule."""
        rules = firewall.rules(config_xml or self.s.running())
        names = [r.name for r in rules]
        bottom = names.index("Clean up")
        managed_positions = [i for i, r in enumerate(rules) if r.managed]
        if managed_positions:
            self.assertEqual(managed_positions,
                             list(range(bottom - len(managed_positions), bottom)), names)

    def assertAdministratorRulesUnchanged(self, candidate=True):
        """Every rule trailwall does not manage is byte for byte what it was, in the same order,
        in the running and (unless another administrator is editing it) the candidate
        configuration."""
        configs = [("running", self.s.running())]
        if candidate:
            configs.append(("candidate", self.s.candidate()))
        for which, config in configs:
            self.assertEqual(list(firewall.administrator_rules(config).items()),
                             list(self.s.baseline_admin.items()), which)


def main():
    if importlib.util.find_spec("moto") is None:
        print(f"moto is not installed for {sys.executable}: end-to-end tests skipped")
        sys.exit(77)
    for name, path in (("TRAILWALL_BIN", TRAILWALL), ("PANOS_SIM_BIN", PANOS_SIM)):
        if not os.access(path, os.X_OK):
            print(f"{name} does not name an executable: {path!r}")
            sys.exit(1)
    unittest.main(module="__main__", verbosity=2)
