"""Proof of enforcement (issue 12): after every commit trailwall asks panos-sim which rule decides
a sample flow of each rule it wrote; an administrator's deny rule above the managed block makes
the run exit 3 naming it. `trailwall verify` compares AWS with the firewall without writing:
exit 0 when they agree, 2 with the differences."""
import json
import re
import time
import xml.etree.ElementTree as ET

from e2e_case import E2eCase, main
from scenario import firewall
from scenario.aws import tcp
from scenario.cli import BOTTOM_RULE
from test_overlap import changing

VSYS = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"
RULES = VSYS + "/rulebase/security/rules"
JSON = ("--output", "json")
DENY = ("<from><member>any</member></from><to><member>trust</member></to>"
        "<source><member>any</member></source><destination><member>any</member></destination>"
        "<source-user><member>any</member></source-user><category><member>any</member></category>"
        "<application><member>any</member></application><service><member>any</member></service>"
        "<action>deny</action>")


class Operator:
    """A person at the firewall (the operator administrator): rules added by hand, full commits.
    Mixed into E2eCase tests."""

    def operator(self):
        if not hasattr(self, "_operator"):
            self._operator = self.s.sim.keygen("operator", "operator")
        return self._operator

    def operatorCommits(self):
        """The operator commits everything (a full commit), as a person at the web UI would."""
        reply = self.s.sim.api({"type": "commit", "cmd": "<commit></commit>"}, self.operator())
        job = re.search(r"<job>(\d+)</job>", reply).group(1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = self.s.sim.api(
                {"type": "op", "cmd": f"<show><jobs><id>{job}</id></jobs></show>"}, self.operator())
            if "<status>FIN</status>" in status:
                self.assertIn("<result>OK</result>", status)
                return
            time.sleep(0.05)
        self.fail("the operator's commit did not finish")

    def addDenyOnTop(self):
        self.s.sim.api({"type": "config", "action": "set",
                        "xpath": RULES + "/entry[@name='block-inbound']", "element": DENY},
                       self.operator())
        self.s.sim.api({"type": "config", "action": "move",
                        "xpath": RULES + "/entry[@name='block-inbound']", "where": "top"},
                       self.operator())
        self.operatorCommits()

    def addDenyAboveTheBottomRule(self):
        """The deny rule directly above the bottom rule, where new managed rules go."""
        self.s.sim.api({"type": "config", "action": "set",
                        "xpath": RULES + "/entry[@name='block-inbound']", "element": DENY},
                       self.operator())
        self.s.sim.api({"type": "config", "action": "move",
                        "xpath": RULES + "/entry[@name='block-inbound']", "where": "before",
                        "dst": BOTTOM_RULE}, self.operator())
        self.operatorCommits()

    def removeDeny(self):
        self.s.sim.api({"type": "config", "action": "delete",
                        "xpath": RULES + "/entry[@name='block-inbound']"}, self.operator())
        self.operatorCommits()


class Enforcement(Operator, E2eCase):
    def assertNoChangingRequest(self, after_seq):
        entries = self.s.sim.control("GET", f"/sim/log?after={after_seq}")
        self.assertTrue(entries)
        self.assertTrue([e for e in entries if e["type"] == "op"], "no policy-match test seen")
        self.assertEqual([e for e in entries if changing(e)], [],
                         "verify sent a request that changes the firewall")

    def logSeq(self):
        entries = self.s.sim.control("GET", "/sim/log")
        return entries[-1]["seq"] if entries else 0

    def test_every_committed_rule_is_proven_and_a_deny_above_makes_the_run_exit_3(self):
        run = self.ok(self.tw.reconcile(global_args=JSON))
        report = json.loads(run.stdout)
        proof = report["proof"]
        added = report["applied"]["rules_added"]
        self.assertGreater(added, 0)
        self.assertTrue(proof["enforced"], run)
        self.assertEqual(proof["flows"], added)
        self.assertLessEqual(proof["tests"], added)
        self.assertEqual(proof["not_enforced"], 0)
        for result in proof["results"]:
            self.assertEqual(result["verdict"], "enforced", result)
            self.assertEqual(result["matched_rule"], result["rule"], result)

        self.addDenyOnTop()
        record = self.s.ec2.start(self.s.topology.instances["web-2"])
        run = self.ok(self.tw.handle(self.s.log_file(record)), code=3)
        self.assertIn("NOT ENFORCED", run.stdout)
        self.assertIn("shadowed by rule 'block-inbound' (deny)", run.stdout)
        self.assertIn(self.s.rule_name("web", "tcp-443"), self.managed())  # it was committed

        # The same in JSON, for a stop: the changed rules' remaining flows are shadowed, the
        # removed ones are closed.
        record = self.s.ec2.stop(self.s.topology.instances["web-2"])
        run = self.ok(self.tw.handle(self.s.log_file(record), global_args=JSON), code=3)
        proof = json.loads(run.stdout)["proof"]
        self.assertFalse(proof["enforced"])
        intended = [r for r in proof["results"] if r["kind"] == "intended"]
        removed = [r for r in proof["results"] if r["kind"] == "removed"]
        self.assertTrue(intended and removed, run)
        self.assertEqual({r["verdict"] for r in intended}, {"not enforced"})
        self.assertEqual({r["matched_rule"] for r in intended}, {"block-inbound"})
        self.assertEqual({r["verdict"] for r in removed}, {"enforced"})

    def test_verify_is_read_only_and_exits_2_on_a_broken_rulebase_and_0_after_a_reconcile(self):
        before = self.logSeq()
        run = self.ok(self.tw.run("verify"), code=2)
        self.assertIn("missing managed rule", run.stdout)
        self.assertNoChangingRequest(before)
        self.ok(self.tw.reconcile())

        start = self.logSeq()
        run = self.ok(self.tw.run("verify", global_args=JSON))
        report = json.loads(run.stdout)
        self.assertTrue(report["verify"]["agree"])
        self.assertTrue(report["proof"]["enforced"])
        self.assertEqual(report["proof"]["flows"], report["inventory"]["desired_rules"])
        self.assertNoChangingRequest(start)

        # Broken by hand: a managed rule deleted and a deny rule above the managed block.
        victim = sorted(self.managed())[0]
        self.s.sim.api({"type": "config", "action": "delete",
                        "xpath": RULES + f"/entry[@name='{victim}']"}, self.operator())
        self.addDenyOnTop()
        start = self.logSeq()
        run = self.ok(self.tw.run("verify"), code=2)
        self.assertIn(f"missing managed rule '{victim}'", run.stdout)
        self.assertIn("shadowed by rule 'block-inbound' (deny)", run.stdout)
        run = self.ok(self.tw.run("verify", global_args=JSON), code=2)
        report = json.loads(run.stdout)
        self.assertFalse(report["verify"]["agree"])
        # (also the web rules: the deny now shadows the administrator rule that allowed them)
        self.assertIn(victim, report["verify"]["missing_rules"])
        self.assertGreater(report["verify"]["not_enforced"], 0)
        self.assertNoChangingRequest(start)

        self.removeDeny()
        self.ok(self.tw.reconcile())
        self.ok(self.tw.run("verify"))

    def test_rules_and_the_commit_name_the_change_that_last_touched_them(self):
        self.ok(self.tw.reconcile())
        reconciled = self.managed()
        for rule in reconciled.values():
            self.assertIn(" | last change: full reconcile at ", rule.description, rule.xml)

        record = self.s.ec2.start(self.s.topology.instances["web-2"])
        run = self.ok(self.tw.handle(self.s.log_file(record)))
        rules = self.managed()
        changed = [n for n in rules if rules[n].xml != reconciled.get(n, rules[n]).xml
                   or n not in reconciled]
        self.assertTrue(changed)
        self.assertIn(f"audit comments: {len(changed)} set", run.stdout)
        principal = record["userIdentity"]["arn"]
        for name in changed:
            description = rules[name].description
            self.assertIn(f"last change: StartInstances ({record['eventID']}) at "
                          f"{record['eventTime']} by {principal}", description)
            self.assertLessEqual(len(description.encode()), 1023)
        # Rules the event did not change keep their description (no rewrite, no churn).
        for name in set(rules) - set(changed):
            self.assertEqual(rules[name].xml, reconciled[name].xml)
        jobs = self.s.sim.api({"type": "op", "cmd": "<show><jobs><all/></jobs></show>"},
                              self.s.api_key)
        self.assertIn(f"1 event (StartInstances by {principal}), +", jobs)
        # Every rule written carries an audit comment naming the change, recorded by the commit.
        comments = self.s.sim.control("GET", "/sim/audit-comments")
        self.assertEqual(comments["pending"], [])
        latest = {}
        for c in comments["committed"]:
            latest[c["xpath"]] = c
        for name in changed:
            comment = latest[RULES + f"/entry[@name='{name}']"]
            self.assertIn(f"StartInstances ({record['eventID']}) at {record['eventTime']}",
                          comment["comment"])
            self.assertEqual(comment["admin"], "admin")
            self.assertLessEqual(len(comment["comment"].encode()), 256)
        # (the reconcile's rules got theirs too)
        self.assertEqual(len(comments["committed"]), len(reconciled) + len(changed))

        # The same event again changes nothing, and a later reconcile rewrites nothing either.
        before = self.snapshot()
        self.ok(self.tw.handle(self.s.log_file(record)))
        self.ok(self.tw.reconcile())
        self.assertEqual(self.snapshot(), before)


    def test_a_deny_inserted_directly_above_the_bottom_rule_makes_the_next_run_exit_3(self):
        self.ok(self.tw.reconcile())
        self.addDenyAboveTheBottomRule()
        web = self.s.topology.groups["web"]
        record = self.s.ec2.authorize(web, tcp(45000, "0.0.0.0/0"))
        run = self.ok(self.tw.handle(self.s.log_file(record), global_args=JSON), code=3)
        proof = json.loads(run.stdout)["proof"]
        rule = self.s.rule_name("web", "tcp-45000")
        self.assertIn(rule, self.managed())  # committed
        [result] = [r for r in proof["results"] if r["rule"] == rule]
        self.assertEqual((result["verdict"], result["matched_rule"], result["matched_action"]),
                         ("not enforced", "block-inbound", "deny"), run)

    def test_a_service_object_names_the_change_that_created_it(self):
        self.ok(self.tw.reconcile())
        web = self.s.topology.groups["web"]
        record = self.s.ec2.authorize(web, tcp(8000, "0.0.0.0/0", to_port=8099))
        run = self.ok(self.tw.handle(self.s.log_file(record), global_args=JSON))
        applied = json.loads(run.stdout)["applied"]
        self.assertEqual(applied["services_added"], 1, run)
        self.assertEqual(applied["audit_comments"], {"set": 1, "supported": True, "error": ""},
                         run)
        root = ET.fromstring(self.s.running())
        [service] = [e for e in root.findall(firewall.VSYS + "/service/entry")
                     if e.get("name") == "tw-tcp-8000-8099"]
        description = service.findtext("description")
        self.assertTrue(description.startswith("trailwall: tcp 8000-8099 | last change: "),
                        description)
        self.assertIn(f"AuthorizeSecurityGroupIngress ({record['eventID']}) at "
                      f"{record['eventTime']} by {record['userIdentity']['arn']}", description)
        rule = self.managed()[self.s.rule_name("web", "tcp-8000-8099")]
        self.assertIn(f"({record['eventID']})", rule.description)

    def test_a_failed_proof_request_is_reported_and_the_run_exits_3(self):
        # Without the already-allowed check the only policy-match tests are the proof's.
        self.s.reconfigure(check_already_allowed=False)
        self.ok(self.tw.reconcile())
        self.s.sim.set_faults({"api_errors": [{"type": "op",
                                               "action": "test security-policy-match",
                                               "code": 13, "message": "injected failure"}]})
        record = self.s.ec2.start(self.s.topology.instances["web-2"])
        run = self.ok(self.tw.handle(self.s.log_file(record), global_args=JSON), code=3)
        report = json.loads(run.stdout)
        self.assertTrue(report["ok"], run)  # the run did its job: the commit stands
        self.assertTrue(report["outcome"]["committed"], run)
        self.assertFalse(report["proof"]["enforced"], run)
        self.assertIn("injected failure", report["proof"]["error"], run)
        self.assertIn(self.s.rule_name("web", "tcp-443"), self.managed())
        record = self.s.ec2.stop(self.s.topology.instances["web-2"])  # the same in text
        run = self.ok(self.tw.handle(self.s.log_file(record)), code=3)
        self.assertIn("the firewall could not be asked", run.stdout)
        self.assertIn("injected failure", run.stdout)
        self.s.sim.clear_faults()
        self.ok(self.tw.run("verify"))


if __name__ == "__main__":
    main()
