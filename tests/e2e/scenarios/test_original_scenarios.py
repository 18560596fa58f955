"""The original Lambda's four events — StartInstances, AuthorizeSecurityGroupIngress,
RevokeSecurityGroupIngress, StopInstances — through `trailwall handle`: the rules DESIGN §3
describes appear, and go again, leaving every administrator rule as it was."""
import json
import os
import re

from e2e_case import E2eCase, main
from scenario import cloudtrail, firewall
from scenario.aws import ANYWHERE, MONITORING, OFFICE, PARTNERS, tcp


class OriginalScenarios(E2eCase):
    def baseline(self):
        """The managed rules a full reconcile of the demo VPC makes (web-1 and app-1 running;
        web-1's web traffic is already allowed by the administrator rule web-servers-inbound;
        the bastion's subnet goes to the Internet Gateway; group references and VPC sources
        never cross the gateway)."""
        a = self.s.topology.addresses
        g = self.s.topology.groups
        return {
            self.s.rule_name("admin-ssh", "tcp-22"): dict(
                source=[OFFICE], destination=[a["web-1"], a["app-1"]], application=["ssh"],
                service=["application-default"], owner_text=[g["admin-ssh"], "22"]),
            self.s.rule_name("monitoring", "icmp-8"): dict(
                source=[MONITORING], destination=[a["web-1"]], application=["ping"],
                service=["application-default"], owner_text=[g["monitoring"], "icmp"]),
            self.s.rule_name("app", "tcp-8443"): dict(
                source=PARTNERS, destination=[a["app-1"]], application=["any"],
                service=["tw-tcp-8443"], owner_text=[g["app"], "8443"]),
        }

    def assertRules(self, expected):
        managed = self.managed()
        self.assertEqual(sorted(managed), sorted(expected))
        for name, fields in expected.items():
            self.assertRule(managed[name], **fields)
        self.assertPlacement()
        self.assertAdministratorRulesUnchanged()

    def reconcileBaseline(self):
        self.ok(self.tw.reconcile())
        self.assertRules(self.baseline())
        return {name: rule.xml for name, rule in self.managed().items()}

    def test_reconcile_writes_the_rules_design_describes(self):
        self.reconcileBaseline()
        services = firewall.services(self.s.running())
        self.assertEqual(services["tw-tcp-8443"], ("tcp", "8443", ["trailwall"]))
        self.assertIn("trailwall", firewall.tags(self.s.running()))

    def test_apply_from_an_inventory_file_writes_what_reconcile_would(self):
        inventory = self.ok(self.tw.run("inventory"))
        path = os.path.join(self.servers.workdir, "inventory.json")
        with open(path, "w") as f:
            f.write(inventory.stdout)
        self.ok(self.tw.apply("--inventory", path))
        self.assertRules(self.baseline())
        self.ok(self.tw.reconcile(dry_run=True), code=0)  # AWS agrees: nothing to do

    def test_start_adds_rules_and_stop_removes_them_again(self):
        before = self.reconcileBaseline()
        a = self.s.topology.addresses
        g = self.s.topology.groups

        record = self.s.ec2.start(self.s.topology.instances["web-2"])
        self.ok(self.tw.handle(self.s.log_file(record)))
        expected = self.baseline()
        expected[self.s.rule_name("admin-ssh", "tcp-22")]["destination"].append(a["web-2"])
        # web-1 (10.0.1.10) is already allowed by web-servers-inbound: only web-2 is added.
        expected[self.s.rule_name("web", "tcp-443")] = dict(
            source=["any"], destination=[a["web-2"]], application=["ssl"],
            service=["application-default"], owner_text=[g["web"], "443"])
        expected[self.s.rule_name("web", "tcp-80")] = dict(
            source=["any"], destination=[a["web-2"]], application=["web-browsing"],
            service=["application-default"], owner_text=[g["web"], "80"])
        self.assertRules(expected)
        after_start = self.managed()
        for name in (self.s.rule_name("monitoring", "icmp-8"), self.s.rule_name("app", "tcp-8443")):
            self.assertEqual(after_start[name].xml, before[name], "a rule out of scope changed")

        record = self.s.ec2.stop(self.s.topology.instances["web-2"])
        self.ok(self.tw.handle(self.s.eventbridge(record)))
        # The same rules as before, except that the rules the stop rewrote name it as their last
        # change (provenance).
        without_provenance = lambda xml: re.sub(r" \| last change: [^<]*", "", xml)  # noqa: E731
        after = {n: r.xml for n, r in self.managed().items()}
        self.assertEqual({n: without_provenance(x) for n, x in after.items()},
                         {n: without_provenance(x) for n, x in before.items()})
        self.assertIn("last change: StopInstances", after[self.s.rule_name("admin-ssh", "tcp-22")])
        self.assertPlacement()
        self.assertAdministratorRulesUnchanged()

    def test_authorize_adds_rules_and_revoke_removes_them_again(self):
        before = self.reconcileBaseline()
        a = self.s.topology.addresses
        g = self.s.topology.groups
        permissions = [tcp(443, ANYWHERE), tcp(9000, OFFICE, to_port=9100)]

        record = self.s.ec2.authorize(g["app"], *permissions)
        self.ok(self.tw.handle(self.s.eventbridge(record)))
        expected = self.baseline()
        expected[self.s.rule_name("app", "tcp-443")] = dict(
            source=["any"], destination=[a["app-1"]], application=["ssl"],
            service=["application-default"], owner_text=[g["app"], "443"])
        # A range outside the App-ID table: application any with a service object for it.
        expected[self.s.rule_name("app", "tcp-9000-9100")] = dict(
            source=[OFFICE], destination=[a["app-1"]], application=["any"],
            service=["tw-tcp-9000-9100"], owner_text=[g["app"], "9000"])
        self.assertRules(expected)
        services = firewall.services(self.s.running())
        self.assertEqual(services["tw-tcp-9000-9100"], ("tcp", "9000-9100", ["trailwall"]))

        # This time from standard input, as an EventBridge event.
        record = self.s.ec2.revoke(g["app"], *permissions)
        event = json.dumps(cloudtrail.eventbridge_event(record))
        self.ok(self.tw.handle("-", stdin=event))
        self.assertEqual({n: r.xml for n, r in self.managed().items()}, before)
        services = firewall.services(self.s.running())
        self.assertNotIn("tw-tcp-9000-9100", services, "an unused managed service object stays")
        self.assertPlacement()
        self.assertAdministratorRulesUnchanged()


if __name__ == "__main__":
    main()
