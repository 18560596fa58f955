"""The firewall side of the fault matrix (issue 10): panos-sim's faults — HTTP 5xx, dropped
connections (after the device acted), slow answers, a failing commit, a commit whose answer is
lost, another administrator's locks, an endpoint that never answers. For each: the exit code is
honest, the JSON report says what was and was not done, the candidate is left clean (no
uncommitted change of trailwall's administrator, no lock of it), and the next run converges.
One pair of servers for the whole matrix; each case opens a new port, so each has work to do.
"""
import json

from e2e_case import E2eCase, main
from scenario import firewall
from scenario.aws import tcp

SOURCE = "198.51.100.0/24"
JSON = ["--output", "json"]

# (name, faults, [firewall] keys, exit code, outcome, text the error or report holds). A dropped
# answer on a kept-alive connection is resent once by libcurl, so "remaining": 2 loses both.
CASES = [
    ("http-503-everywhere", {"http_error_rate": 1.0, "http_error_status": 503}, {}, 1,
     {"written": False, "committed": False}, "HTTP 503"),
    ("commit-answer-dropped", {"drops": [{"type": "commit", "remaining": 2}]}, {}, 0,
     {"written": True, "committed": True}, "found among the firewall's jobs and followed"),
    # The transport never re-sends a POST (the device may have acted on it): the run looks its
    # commit job up by run id instead.
    ("commit-answer-dropped-once",
     {"drops": [{"type": "commit", "remaining": 1}]}, {}, 0,
     {"written": True, "committed": True}, "the POST request was not re-sent"),
    ("commit-answer-slower-than-the-timeout", {"slow": [{"type": "commit", "latency_ms": 3000}]},
     {"request_timeout_seconds": 1}, 0, {"written": True, "committed": True},
     "found among the firewall's jobs and followed"),
    ("write-answer-dropped",
     {"drops": [{"type": "config", "action": "multi-config", "remaining": 2}]}, {}, 1,
     {"written": True, "committed": False, "reverted": True},
     "trailwall reverted admin's uncommitted changes"),
    ("lock-answer-dropped",
     {"drops": [{"type": "op", "action": "request config-lock add", "remaining": 2}]}, {}, 0,
     {"written": True, "committed": True}, ""),
    ("slow-answers", {"latency_ms": 150}, {}, 0, {"written": True, "committed": True}, ""),
    ("commit-fails", {"fail_commits": 1}, {}, 1,
     {"written": True, "committed": False, "reverted": True}, "FAIL"),
    ("another-administrators-config-lock", {"config_lock_holder": "operator"},
     {"lock_wait_seconds": 2}, 1, {"written": False, "committed": False},
     "config lock held by operator"),
    ("another-administrators-commit-lock", {"commit_lock_holder": "operator"},
     {"lock_wait_seconds": 2}, 1, {"written": True, "committed": False, "reverted": True},
     "holding device wide commit locks"),
    ("commit-never-answered", {"hangs": [{"type": "commit"}]}, {"request_timeout_seconds": 1}, 1,
     {"written": True, "committed": False, "reverted": True},
     "the commit request failed twice and no commit job of run"),
]


class FirewallFaults(E2eCase):
    def assertCandidateClean(self, label):
        """No uncommitted change and no lock of trailwall's administrator."""
        running, candidate = self.s.running(), self.s.candidate()
        self.assertEqual({n: r.xml for n, r in self.s.managed_rules(candidate).items()},
                         {n: r.xml for n, r in self.s.managed_rules(running).items()}, label)
        self.assertEqual(firewall.services(candidate), firewall.services(running), label)
        self.assertEqual(firewall.tags(candidate), firewall.tags(running), label)
        key = self.s.api_key
        pending = self.s.sim.api({"type": "op", "cmd": "<check><pending-changes/></check>"}, key)
        self.assertIn("<result>no</result>", pending, label)
        locks = self.s.sim.api({"type": "op",
                                "cmd": "<show><config-locks><vsys>all</vsys></config-locks></show>"},
                               key)
        self.assertNotIn('name="admin"', locks, label)

    def test_every_firewall_fault_leaves_an_honest_exit_a_clean_candidate_and_converges(self):
        self.reconcileSnapshot()
        web = self.s.topology.groups["web"]
        for i, (name, faults, settings, code, outcome, text) in enumerate(CASES):
            with self.subTest(name):
                port = 45000 + i
                rule = f"{web}-tcp-{port}"
                log_file = self.s.log_file(self.s.ec2.authorize(web, tcp(port, SOURCE)))
                self.s.reconfigure(firewall=settings)
                self.s.sim.set_faults(faults)
                run = self.tw.handle(log_file, global_args=JSON, timeout=120)
                self.s.sim.clear_faults()
                self.assertEqual(run.code, code, f"{name}: {run}")
                report = json.loads(run.stdout)  # one JSON object, failure or not
                self.assertEqual(report["ok"], code == 0, run)
                for key, value in outcome.items():
                    self.assertEqual(report["outcome"][key], value, f"{name} {key}: {run}")
                if code == 0:
                    self.assertIsNone(report["error"], run)
                    self.assertIn(rule, self.managed(), name)
                else:
                    self.assertIn(report["error"]["kind"],
                                  ("network", "timeout", "conflict", "remote", "throttled"), run)
                    self.assertTrue(report["outcome"]["not_done"], run)
                    self.assertIn("trailwall: not done: ", run.stderr, run)
                    self.assertNotIn(rule, self.managed(), f"{name}: reported not done")
                if text:
                    self.assertIn(text, run.stdout, f"{name}: {run}")
                self.assertCandidateClean(name)

                # The event delivered again converges.
                self.s.reconfigure()
                self.ok(self.tw.handle(log_file))
                self.assertIn(rule, self.managed(), name)
                self.ok(self.tw.reconcile(dry_run=True), code=0)
                self.assertCandidateClean(name)
                self.assertAdministratorRulesUnchanged()


RULES = ("/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"
         "/rulebase/security/rules")


class RulebaseProblems(E2eCase):
    def test_found_before_anything_is_written_and_every_failure_is_one_json_object(self):
        self.reconcileSnapshot()
        log_file = self.s.log_file(self.s.ec2.start(self.s.topology.instances["web-2"]))

        # A bottom rule that is not there: an error before any write, in both modes.
        self.s.reconfigure(bottom_rule="no-such-rule")
        self.s.sim.reset_counters()
        for run in (self.tw.handle(log_file, global_args=JSON), self.tw.plan(global_args=JSON)):
            self.assertEqual(run.code, 1, run)
            report = json.loads(run.stdout)
            self.assertEqual(report["error"]["kind"], "config", run)
            self.assertIn("the bottom rule 'no-such-rule' (policy.bottom_rule) is not in the "
                          "firewall's rulebase: managed rules go directly above it, so nothing "
                          "was written", report["error"]["message"])
            self.assertFalse(report["outcome"]["written"])
        self.assertEqual(self.writes(self.counters()), {})
        self.assertEqual(self.commits(self.counters()), 0)

        # A failure before the engine runs is one JSON object too.
        self.s.reconfigure()
        run = self.tw.handle(log_file, global_args=JSON, env={"TRAILWALL_DEMO_API_KEY": ""})
        self.assertEqual(run.code, 1, run)
        report = json.loads(run.stdout)
        self.assertEqual(report["ok"], False)
        self.assertEqual(report["outcome"]["not_done"], "nothing was written to the firewall")

        # A deny-all for the managed zones above the bottom rule is reported.
        operator = self.s.sim.keygen("operator", "operator")
        self.s.sim.api({"type": "config", "action": "set",
                        "xpath": RULES + "/entry[@name='block-all-inbound']",
                        "element": "<from><member>untrust</member></from><to><member>trust"
                                   "</member></to><source><member>any</member></source>"
                                   "<destination><member>any</member></destination>"
                                   "<application><member>any</member></application><service>"
                                   "<member>any</member></service><action>deny</action>"},
                       operator)
        self.s.sim.api({"type": "config", "action": "move", "where": "top",
                        "xpath": RULES + "/entry[@name='block-all-inbound']"}, operator)
        warning = ("rule 'block-all-inbound' (deny) above the bottom rule 'Clean up' matches all "
                   "traffic from zone untrust to zone trust: the managed rules below it would "
                   "never match")
        run = self.tw.plan(global_args=JSON)
        self.assertIn(run.code, (0, 2), run)
        self.assertEqual(json.loads(run.stdout)["warnings"], [warning])
        self.assertIn("warning: " + warning, self.tw.plan().stdout)


if __name__ == "__main__":
    main()
