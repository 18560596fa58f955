"""DESIGN §1: events only choose what to look at; AWS says what is true. So the same event twice
changes nothing the second time, a Stop that arrives before its Start leaves the right rules, and
a lost event is repaired by the next reconcile."""
import json

from e2e_case import E2eCase, main
from scenario.aws import ANYWHERE, tcp


class EventConsequences(E2eCase):
    def test_the_same_event_twice_changes_nothing_the_second_time(self):
        self.reconcileSnapshot()
        record = self.s.ec2.start(self.s.topology.instances["web-2"])
        log_file = self.s.log_file(record)
        self.ok(self.tw.handle(log_file))
        self.assertIn(self.s.rule_name("web", "tcp-443"), self.managed())
        running = self.s.running()

        self.s.sim.reset_counters()
        again = self.ok(self.tw.handle(log_file, global_args=["--output", "json"]))
        self.assertIsNone(json.loads(again.stdout).get("applied"), again.stdout)
        counters = self.counters()
        self.assertEqual(self.commits(counters), 0, counters)
        self.assertEqual(counters["commits"]["enqueued"], 0, counters)
        self.assertEqual(self.writes(counters), {}, counters)
        self.assertEqual(self.s.running(), running)
        self.assertEqual(self.s.candidate(), running)
        self.assertAdministratorRulesUnchanged()

    def test_a_stop_that_arrives_before_its_start_leaves_no_rule(self):
        before = self.reconcileSnapshot()
        web2 = self.s.topology.instances["web-2"]
        start = self.s.ec2.start(web2)
        stop = self.s.ec2.stop(web2)  # AWS: stopped at the end

        self.ok(self.tw.handle(self.s.eventbridge(stop)))
        self.ok(self.tw.handle(self.s.eventbridge(start)))  # late: must not add web-2 back
        self.assertEqual(self.snapshot(), before)
        self.assertAdministratorRulesUnchanged()

    def test_a_stop_that_arrives_after_the_next_start_keeps_the_rules(self):
        web2 = self.s.topology.instances["web-2"]
        self.s.ec2.start(web2)
        stop = self.s.ec2.stop(web2)
        start_again = self.s.ec2.start(web2)  # AWS: running at the end
        self.ok(self.tw.handle(self.s.log_file(start_again)))
        running = self.snapshot()
        self.assertIn(self.s.rule_name("web", "tcp-443"), running)

        # The earlier Stop arrives last, in a log file of its own (records are not ordered).
        self.ok(self.tw.handle(self.s.log_file(stop)))
        self.assertEqual(self.snapshot(), running)
        self.assertAdministratorRulesUnchanged()

    def test_a_lost_event_is_repaired_by_reconcile(self):
        self.reconcileSnapshot()
        self.s.ec2.authorize(self.s.topology.groups["app"], tcp(443, ANYWHERE))  # record lost
        name = self.s.rule_name("app", "tcp-443")

        # `plan` (AWS and the live firewall) and `reconcile --dry-run` see the change pending,
        # and write nothing.
        self.s.sim.reset_counters()
        for dry_run in (self.tw.plan(), self.tw.reconcile(dry_run=True)):
            self.assertIn(name, self.ok(dry_run, code=2).stdout)
        counters = self.counters()
        self.assertEqual(self.writes(counters), {}, counters)
        self.assertEqual(self.commits(counters), 0, counters)
        self.assertNotIn(name, self.managed())

        self.ok(self.tw.reconcile())
        self.assertIn(name, self.managed())
        self.ok(self.tw.plan(), code=0)
        self.s.sim.reset_counters()
        self.ok(self.tw.reconcile())
        self.assertEqual(self.commits(self.counters()), 0)
        self.assertAdministratorRulesUnchanged()


if __name__ == "__main__":
    main()
