"""What trailwall must never do to the people who run the firewall: touch their rules, commit
their half-done changes, leave its own changes pending after a failed commit, or add a rule for a
flow one of their rules already allows."""
from e2e_case import E2eCase, main
from scenario import firewall

VSYS = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"


class AdministratorSafety(E2eCase):
    def operatorEdits(self):
        """Another administrator's uncommitted candidate changes: a new address object and a
        description on one of the administrator rules."""
        key = self.s.sim.keygen("operator", "operator")
        self.s.sim.api({"type": "config", "action": "set",
                        "xpath": VSYS + "/address/entry[@name='operator-draft']",
                        "element": "<ip-netmask>192.0.2.99/32</ip-netmask>"}, key)
        self.s.sim.api({"type": "config", "action": "set",
                        "xpath": VSYS + "/rulebase/security/rules/entry[@name='partner-alt-web']",
                        "element": "<description>operator: half done</description>"}, key)

    def assertOperatorEditsPending(self):
        running, candidate = self.s.running(), self.s.candidate()
        self.assertNotIn("operator-draft", running)
        self.assertIn("operator-draft", candidate)
        self.assertNotIn("operator: half done", running)
        self.assertIn("operator: half done", candidate)

    def test_another_administrators_uncommitted_change_stays_uncommitted(self):
        self.operatorEdits()
        self.ok(self.tw.reconcile())
        self.assertTrue(self.managed())
        self.assertOperatorEditsPending()
        self.assertAdministratorRulesUnchanged(candidate=False)

        record = self.s.ec2.start(self.s.topology.instances["web-2"])
        self.ok(self.tw.handle(self.s.log_file(record)))
        self.assertIn(self.s.rule_name("web", "tcp-443"), self.managed())
        self.assertOperatorEditsPending()
        self.assertAdministratorRulesUnchanged(candidate=False)
        # trailwall's own rules are committed: nothing of it is left in the candidate only.
        self.assertEqual(self.s.managed_rules(self.s.candidate()).keys(), self.managed().keys())

    def test_a_failing_commit_leaves_the_candidate_clean(self):
        before = self.reconcileSnapshot()
        self.operatorEdits()
        self.s.sim.set_faults({"fail_commits": 1})
        record = self.s.ec2.start(self.s.topology.instances["web-2"])
        log_file = self.s.log_file(record)

        failed = self.ok(self.tw.handle(log_file), code=1)
        self.assertIn("commit", (failed.stdout + failed.stderr).lower())
        self.assertEqual(self.snapshot(), before)
        candidate = self.s.candidate()
        running = self.s.running()
        # No trailwall change pending: the candidate's managed rules, service objects and tags
        # are the running ones; the operator's edits are still there.
        self.assertEqual({n: r.xml for n, r in self.s.managed_rules(candidate).items()}, before)
        self.assertEqual(firewall.services(candidate), firewall.services(running))
        self.assertEqual(firewall.tags(candidate), firewall.tags(running))
        self.assertOperatorEditsPending()
        self.assertAdministratorRulesUnchanged(candidate=False)

        # The next delivery of the same event succeeds.
        self.s.sim.clear_faults()
        self.ok(self.tw.handle(log_file))
        self.assertIn(self.s.rule_name("web", "tcp-443"), self.managed())
        self.assertOperatorEditsPending()

    def test_a_flow_an_administrator_rule_allows_gets_no_managed_rule(self):
        # web-1 (10.0.1.10) is in the administrator's web-servers group, whose rule
        # web-servers-inbound allows web-browsing and ssl from anywhere.
        self.ok(self.tw.reconcile())
        web_rules = [n for n in self.managed() if n.startswith(self.s.topology.groups["web"])]
        self.assertEqual(web_rules, [])

        # Without the check the same truth would give web rules: the administrator rule is why.
        self.s.reconfigure(check_already_allowed=False)
        plan = self.ok(self.tw.reconcile(dry_run=True), code=2)
        self.assertIn(self.s.rule_name("web", "tcp-443"), plan.stdout)
        self.assertIn(self.s.rule_name("web", "tcp-80"), plan.stdout)
        self.assertAdministratorRulesUnchanged()


if __name__ == "__main__":
    main()
