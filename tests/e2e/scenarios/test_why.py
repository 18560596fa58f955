"""`trailwall why ADDRESS[:PORT[/PROTO]]` (issue 12) on the demo's addresses, against moto_server
and panos-sim: the instance and ENI that hold the address, the group and permission that expose
it, the rule that decides each flow on the firewall now and the CloudTrail change that last
touched it; read-only; clear errors with exit code 1."""
import json

from e2e_case import E2eCase, main
from test_enforcement import Operator
from test_overlap import changing

JSON = ("--output", "json")


class Why(Operator, E2eCase):
    def why(self, target, code=0, **kw):
        return self.ok(self.tw.run("why", target, **kw), code=code)

    def whyJson(self, target, code=0):
        run = self.why(target, code=code, global_args=JSON)
        return json.loads(run.stdout), run

    def test_names_the_holder_group_permission_rule_and_event_and_writes_nothing(self):
        t = self.s.topology
        # Before anything: web-2 is stopped; it is held but not exposed, and nothing allows it.
        report, run = self.whyJson(t.addresses["web-2"] + ":443")
        holder = report["holders"][0]
        self.assertEqual(holder["instance"], t.instances["web-2"], run)
        self.assertFalse(holder["exposed"], run)
        self.assertIn("is stopped", holder["reason"], run)
        self.assertEqual(report["rules"], [], run)
        self.assertEqual([f["allowed"] for f in report["flows"]], [False], run)

        self.ok(self.tw.reconcile())
        record = self.s.ec2.start(t.instances["web-2"])
        self.ok(self.tw.handle(self.s.log_file(record)))
        seq = self.s.sim.control("GET", "/sim/log")[-1]["seq"]

        rule = self.s.rule_name("web", "tcp-443")
        report, run = self.whyJson(t.addresses["web-2"] + ":443/tcp")
        self.assertTrue(report["ok"], run)
        self.assertEqual(report["target"], {"address": t.addresses["web-2"], "protocol": "tcp",
                                            "port": 443})
        [holder] = report["holders"]
        self.assertEqual(holder["instance"], t.instances["web-2"], run)
        self.assertEqual(holder["instance_name"], "web-2", run)
        self.assertTrue(holder["network_interface"].startswith("eni-"), run)
        self.assertTrue(holder["exposed"], run)
        self.assertIn({"id": t.groups["web"], "name": "web"}, holder["groups"], run)
        # Only the permissions that cover tcp/443: web's, not admin-ssh's port 22.
        self.assertEqual([(p["group"], p["protocol"], p["ports"], p["sources"])
                          for p in report["permissions"]],
                         [(t.groups["web"], "tcp", "443", ["0.0.0.0/0"])], run)
        [managed] = report["rules"]
        self.assertEqual(managed["rule"], rule, run)
        self.assertEqual(managed["owner"], t.groups["web"], run)
        self.assertTrue(managed["on_firewall"], run)
        event = {"name": "StartInstances", "id": record["eventID"], "time": record["eventTime"],
                 "principal": record["userIdentity"]["arn"]}
        self.assertEqual(managed["event"], event, run)
        [flow] = report["flows"]
        self.assertEqual((flow["rule"], flow["destination"], flow["port"]),
                         (rule, t.addresses["web-2"], 443), run)
        self.assertEqual((flow["matched_rule"], flow["matched_action"], flow["matched_managed"],
                          flow["allowed"]), (rule, "allow", True, True), run)
        self.assertEqual(flow["event"], event, run)
        self.assertEqual(report["tests"], 1, run)

        # The text form says the same for people; without a port every exposed permission of the
        # address is shown (web-1: web 80 and 443, admin-ssh 22, monitoring icmp).
        run = self.why(t.addresses["web-2"] + ":443")
        self.assertIn(f"held by {holder['network_interface']} of {t.instances['web-2']} (web-2, "
                      "running)", run.stdout)
        self.assertIn(f"allowed by managed rule '{rule}'; last change: StartInstances "
                      f"({record['eventID']})", run.stdout)
        report, run = self.whyJson(t.addresses["web-1"])
        self.assertEqual(sorted(r["rule"] for r in report["rules"]),
                         sorted([self.s.rule_name("web", "tcp-80"), rule,
                                 self.s.rule_name("admin-ssh", "tcp-22"),
                                 self.s.rule_name("monitoring", "icmp-8")]), run)
        # Each flow is allowed: by its managed rule (which names its last change), or by the
        # administrator's web-servers-inbound rule above the managed block (port 80).
        for flow in report["flows"]:
            self.assertTrue(flow["allowed"], run)
            if flow["matched_managed"]:
                self.assertEqual(flow["matched_rule"], flow["rule"], run)
                self.assertTrue(flow["last_change"], run)
            else:
                self.assertEqual(flow["matched_rule"], "web-servers-inbound", run)
        # A port nothing exposes: the firewall's bottom rule decides it.
        report, run = self.whyJson(t.addresses["web-1"] + ":8080")
        self.assertEqual(report["rules"], [], run)
        [flow] = report["flows"]
        self.assertFalse(flow["allowed"], run)
        self.assertEqual(flow["matched_rule"], "Clean up", run)

        # Read-only: nothing but reads and policy-match tests reached the firewall.
        entries = self.s.sim.control("GET", f"/sim/log?after={seq}")
        self.assertTrue([e for e in entries if e["type"] == "op"])
        self.assertEqual([e for e in entries if changing(e)], [])

    def test_a_shadowing_deny_is_named_and_errors_exit_1(self):
        t = self.s.topology
        self.ok(self.tw.reconcile())
        self.addDenyOnTop()
        report, run = self.whyJson(t.addresses["web-1"] + ":22")
        [flow] = report["flows"]
        self.assertEqual((flow["rule"], flow["matched_rule"], flow["matched_action"],
                          flow["allowed"]),
                         (self.s.rule_name("admin-ssh", "tcp-22"), "block-inbound", "deny", False),
                         run)
        run = self.why(t.addresses["web-1"] + ":22")
        self.assertIn("NOT allowed by an administrator's rule 'block-inbound' (deny)", run.stdout)

        # An address nobody holds, a malformed argument, an unreachable firewall: exit 1, one
        # JSON object naming the error.
        for target, kind, text, env in (
                ("10.0.9.99", "not_found", "no network interface in AWS holds 10.0.9.99", None),
                ("10.0.1.10:http", "invalid_input", "the port is not a number", None),
                ("10.0.1.10:22/icmp", "invalid_input", "icmp has no ports", None),
                ("10.0.1.10:22", "network", "", {"TRAILWALL_FIREWALL_HOST": "https://127.0.0.1:9"})):
            with self.subTest(target):
                run = self.ok(self.tw.run("why", target, global_args=JSON, env=env), code=1)
                report = json.loads(run.stdout)
                self.assertFalse(report["ok"], run)
                self.assertEqual(report["error"]["kind"], kind, run)
                self.assertIn(text, report["error"]["message"], run)
                self.assertIn("trailwall: ", run.stderr, run)


if __name__ == "__main__":
    main()
