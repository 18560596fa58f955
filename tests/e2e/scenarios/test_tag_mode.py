"""Tag mode (issue 12, `policy.layout = "tag"`) against moto + panos-sim: rules per security-group
permission whose destination is a dynamic address group; instance churn only changes User-ID
registrations, so it costs no commit. Registrations expire on panos-sim's clock unless a reconcile
refreshes them; mappings with other tag prefixes are never touched; a firewall moves from the
group layout to the tag layout with every intended flow open at every step."""
import re

from e2e_case import E2eCase, main
from scenario import firewall

VSYS = "vsys1"
JSON = ("--output", "json")


class TagMode(E2eCase):
    def useTags(self, **policy):
        self.s.reconfigure(layout="tag", **policy)

    # panos-sim as a person (or another tool) would ask it.
    def decide(self, source, destination, port, application):
        """The rule that decides a tcp flow from the untrust to the trust zone (first match)."""
        cmd = ("<test><security-policy-match><from>untrust</from><to>trust</to>"
               f"<source>{source}</source><destination>{destination}</destination>"
               f"<protocol>6</protocol><destination-port>{port}</destination-port>"
               f"<application>{application}</application></security-policy-match></test>")
        reply = self.s.sim.api({"type": "op", "cmd": cmd}, self.s.api_key)
        found = re.search(r"<entry name=['\"]([^'\"]+)['\"]", reply)
        if found:
            return found.group(1)
        found = re.search(r"^\s*(\S[^;\n]*?);\s*index", reply, re.M)
        return found.group(1) if found else None

    def registrations(self):
        """address -> {tag: expires_in_s} from the simulator's control endpoint."""
        answer = self.s.sim.control("GET", f"/sim/userid?vsys={VSYS}")
        return {e["ip"]: {t["tag"]: t["expires_in_s"] for t in e["tags"]}
                for e in answer["entries"] if e["tags"]}

    def register_other(self, address, tag):
        """Another tool's registration (no trailwall prefix)."""
        cmd = (f"<uid-message><type>update</type><payload><register><entry ip=\"{address}\">"
               f"<tag><member>{tag}</member></tag></entry></register></payload></uid-message>")
        self.s.sim.api({"type": "user-id", "cmd": cmd}, self.s.api_key)

    def advance(self, seconds):
        self.s.sim.control("POST", "/sim/clock/advance", {"seconds": seconds})

    def group_tag(self, group):
        return f"trailwall.{self.s.topology.groups[group]}"

    # The flows AWS exposes in the demo VPC (aws.py): (address, port, application) per instance.
    def web_flows(self, name):
        address = self.s.topology.addresses[name]
        return [("198.18.0.1", address, 80, "web-browsing"), ("198.18.0.1", address, 443, "ssl")]

    def ssh_flow(self, name):
        return ("203.0.113.5", self.s.topology.addresses[name], 22, "ssh")

    def assertOpen(self, flow, rule_prefix=None):
        rule = self.decide(*flow)
        self.assertIsNotNone(rule, f"{flow}: no rule matches")
        self.assertNotEqual(rule, "Clean up", f"{flow}: closed")
        if rule_prefix:
            self.assertTrue(rule.startswith(rule_prefix), f"{flow}: decided by {rule}")
        return rule

    def assertClosed(self, flow):
        rule = self.decide(*flow)
        self.assertIn(rule, (None, "Clean up"), f"{flow}: open through {rule}")

    def tagRules(self):
        return {n: r for n, r in self.managed().items() if "-dag-" in n}

    def reconcileTags(self, **policy):
        self.useTags(**policy)
        run = self.ok(self.tw.reconcile())
        rules = self.tagRules()
        self.assertTrue(rules, run)
        for name, rule in rules.items():
            group = name.split("-dag-")[0]
            self.assertEqual(rule.get("destination"), [f"tw-dag-{group}"], rule.xml)
            self.assertEqual(rule.get("tag"), ["trailwall"], rule.xml)
        return run

    def test_rules_follow_permissions_and_point_at_dags(self):
        # A dry run sends nothing: no User-ID request, no write, no commit.
        self.useTags()
        self.s.sim.reset_counters()
        dry = self.tw.reconcile(dry_run=True)
        self.assertEqual(dry.code, 2, dry)
        self.assertIn("to register", dry.stdout)
        counters = self.counters()
        self.assertEqual(counters["by_type"].get("user-id", 0), 0, dry)
        self.assertEqual(self.writes(counters), {}, dry)
        self.assertEqual(self.commits(counters), 0, dry)
        self.assertEqual(self.registrations(), {})
        run = self.reconcileTags()
        web = self.s.topology.groups["web"]
        names = set(self.tagRules())
        self.assertIn(f"{web}-dag-tcp-80", names)
        self.assertIn(f"{web}-dag-tcp-443", names)
        # The DAG of the web group, written and committed with the rules.
        running = self.s.running()
        self.assertIn(f"tw-dag-{web}", running)
        self.assertIn(f"'trailwall.{web}'", running)
        # Addresses registered with their groups' tags; the stopped web-2 is not.
        regs = self.registrations()
        self.assertIn(self.group_tag("web"), regs[self.s.topology.addresses["web-1"]])
        self.assertNotIn(self.s.topology.addresses["web-2"], regs)
        self.assertIn("registered:", run.stdout)
        # Exactly the exposed flows are open: web-1's web flows are its administrator rule's
        # (panos-sim's web-servers-inbound), app-1's ssh is open by the DAG rule, web-2 closed.
        self.assertOpen(self.ssh_flow("app-1"), rule_prefix=self.s.topology.groups["admin-ssh"])
        self.assertOpen(self.ssh_flow("web-1"), rule_prefix=self.s.topology.groups["admin-ssh"])
        self.assertClosed(self.ssh_flow("web-2"))
        for flow in self.web_flows("web-2"):
            self.assertClosed(flow)
        self.assertPlacement()
        self.assertAdministratorRulesUnchanged()
        # A second reconcile refreshes the registrations and commits nothing.
        self.s.sim.reset_counters()
        again = self.ok(self.tw.reconcile(global_args=JSON))
        counters = self.counters()
        self.assertEqual(self.commits(counters), 0, again)
        self.assertEqual(self.writes(counters), {}, again)

    def test_hundred_starts_and_stops_cost_no_commit(self):
        self.reconcileTags()
        before = self.s.running()
        web2, app1 = (self.s.topology.instances[n] for n in ("web-2", "app-1"))
        records = []
        for i in range(50):
            # web-2 ends started, app-1 ends stopped.
            records.append(self.s.ec2.start(web2) if i % 2 == 0 else self.s.ec2.stop(web2))
            records.append(self.s.ec2.stop(app1) if i % 2 == 0 else self.s.ec2.start(app1))
        records[-2] = self.s.ec2.start(web2)
        records[-1] = self.s.ec2.stop(app1)
        self.assertEqual(len(records), 100)
        self.s.sim.reset_counters()
        run = self.ok(self.tw.handle(self.s.log_file(*records), global_args=JSON))
        counters = self.counters()
        self.assertEqual(self.commits(counters), 0, run)
        self.assertEqual(self.writes(counters), {}, run)
        self.assertLessEqual(counters["by_type"].get("user-id", 0), 2, run)
        self.assertGreaterEqual(counters["by_type"].get("user-id", 0), 1, run)
        # The running rulebase is byte for byte what it was.
        self.assertEqual(firewall.rules(self.s.running()), firewall.rules(before))
        # Exactly the exposed flows: web-2 (running now) open, app-1 (stopped) closed.
        for flow in self.web_flows("web-2") + [self.ssh_flow("web-2")]:
            self.assertOpen(flow, rule_prefix="sg-")
        self.assertClosed(self.ssh_flow("app-1"))
        self.assertOpen(self.ssh_flow("web-1"))

    def test_expiry_refresh_and_other_prefixes(self):
        web1 = self.s.topology.addresses["web-1"]
        web2 = self.s.topology.addresses["web-2"]
        others = {web1: {"malicious"}, web2: {"trailwallish.sg-0123", "quarantine"}}
        for address, tags in others.items():
            for tag in tags:
                self.register_other(address, tag)
        self.reconcileTags(registration_timeout_seconds=3600)
        regs = self.registrations()
        self.assertIn("malicious", regs[web1])
        self.assertEqual(set(regs[web2]), others[web2])
        # A registration with trailwall's prefix that AWS does not call for goes.
        self.register_other(web2, "trailwall.sg-0badc0de")
        self.ok(self.tw.reconcile())
        self.assertEqual(set(self.registrations()[web2]), others[web2])
        expiry = self.registrations()[web1][self.group_tag("admin-ssh")]
        self.assertIsNotNone(expiry)
        self.assertLessEqual(expiry, 3600)
        self.advance(3000)
        self.ok(self.tw.reconcile())  # refreshes every timeout
        self.assertGreater(self.registrations()[web1][self.group_tag("admin-ssh")], 3000)
        self.advance(3000)  # 6000 s after the first registration: alive thanks to the refresh
        self.assertOpen(self.ssh_flow("web-1"))
        self.advance(700)  # past the refreshed timeout: trailwall did not run, exposure ends
        self.assertClosed(self.ssh_flow("web-1"))
        self.assertClosed(self.ssh_flow("app-1"))
        self.s.sim.reset_counters()
        self.ok(self.tw.reconcile())  # and comes back with the next reconcile, no commit
        self.assertEqual(self.commits(self.counters()), 0)
        self.assertOpen(self.ssh_flow("web-1"))
        # Other tools' mappings (no timeout) were never touched.
        regs = self.registrations()
        self.assertIn("malicious", regs[web1])
        self.assertEqual(set(regs[web2]), others[web2])

    def test_migration_from_group_layout_keeps_flows_open(self):
        self.reconcileSnapshot()  # the group layout
        intended = [self.ssh_flow("web-1"), self.ssh_flow("app-1"),
                    ("198.51.100.5", self.s.topology.addresses["app-1"], 8443, "web-browsing")]
        for flow in intended:
            self.assertOpen(flow)
        self.useTags()
        plan = self.tw.plan()
        self.assertEqual(plan.code, 2, plan)
        self.assertIn("migration to the tag layout in two commits", plan.stdout)
        # Step 1 only: the firewall cannot be asked to prove the new rules, so step 2 waits.
        self.s.sim.set_faults({"api_errors": [
            {"type": "op", "action": "test security-policy-match", "code": 13,
             "message": "busy", "rate": 1.0, "remaining": -1}]})
        self.s.sim.reset_counters()
        stopped = self.tw.reconcile()
        self.assertEqual(stopped.code, 1, stopped)
        self.assertEqual(self.commits(self.counters()), 1, stopped)
        self.s.sim.clear_faults()
        names = set(self.managed())
        self.assertTrue(any("-dag-" in n for n in names), names)
        self.assertTrue(any("-dag-" not in n for n in names), names)  # old rules still there
        for flow in intended:
            self.assertOpen(flow)
        # Step 2 on the next run: the old rules go, every flow stays open.
        self.ok(self.tw.reconcile())
        self.assertTrue(all("-dag-" in n for n in self.managed()), self.managed())
        for flow in intended:
            self.assertOpen(flow, rule_prefix="sg-")
        self.assertClosed(self.ssh_flow("web-2"))
        self.assertAdministratorRulesUnchanged()

    def test_migration_in_one_run_commits_twice(self):
        self.reconcileSnapshot()
        self.useTags()
        self.s.sim.reset_counters()
        run = self.ok(self.tw.reconcile())
        self.assertEqual(self.commits(self.counters()), 2, run)
        self.assertIn("(done)", run.stdout)
        self.assertTrue(all("-dag-" in n for n in self.managed()), self.managed())
        self.assertOpen(self.ssh_flow("app-1"), rule_prefix="sg-")
        # And back to the group layout in one commit; trailwall's registrations go after it.
        self.s.reconfigure()
        self.s.sim.reset_counters()
        back = self.ok(self.tw.reconcile())
        self.assertEqual(self.commits(self.counters()), 1, back)
        self.assertFalse(any("-dag-" in n for n in self.managed()), self.managed())
        self.assertNotIn("tw-dag-", self.s.running())
        self.assertEqual(self.registrations(), {})
        self.assertOpen(self.ssh_flow("app-1"), rule_prefix="sg-")


if __name__ == "__main__":
    main()
