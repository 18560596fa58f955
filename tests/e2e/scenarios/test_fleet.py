"""Many firewalls (issue 13): two demo VPCs in moto, each routed through its own firewall of one
`panos-sim --firewalls 2`, and trailwall configured with two [[firewall]] entries. One batch
touching both VPCs gives each firewall exactly its own rules and one commit; with one firewall
failing its commit the other still commits, the report, JSON and exit code say which failed, and
`trailwall serve` leaves only the failing firewall's SQS message in the queue."""
import json
import time

from e2e_case import PANOS_SIM, TRAILWALL, main
import unittest

from scenario import cloudtrail
from scenario.fleet import FleetScenario, FleetServers
from test_serve import Daemon, value, wait_for


class Fleet(unittest.TestCase):
    def setUp(self):
        self.servers = FleetServers(PANOS_SIM)
        self.servers.__enter__()
        self.addCleanup(self.servers.close)
        self.f = FleetScenario(self.servers, TRAILWALL)
        self.tw = self.f.trailwall

    def ok(self, run, code=0):
        self.assertEqual(run.code, code, f"{run}\n{self.servers.logs()}")
        return run

    def commits(self, name):
        return self.f.devices[name].counters()["commits"]["enqueued"]

    def starts(self):
        """StartInstances of web-2 in each VPC: one record per firewall."""
        return {name: self.f.ec2.start(self.f.vpcs[name].instances["web-2"])
                for name in ("east", "west")}

    def assertOnlyOwnRules(self, name):
        """Firewall `name` has managed rules, each for a group of its own VPC."""
        rules = self.f.managed_rules(name)
        self.assertTrue(rules, f"no managed rule on {name}")
        own = self.f.group_ids(name)
        for rule in rules:  # <group-id>-<proto>-<ports>
            self.assertIn("-".join(rule.split("-")[:2]), own, f"{rule} on {name} is not its VPC's")

    def test_one_batch_touching_both_commits_each_firewall_once_with_its_own_rules(self):
        records = self.starts()
        before = {name: self.commits(name) for name in ("east", "west")}
        run = self.ok(self.tw.run("--output", "json", "handle",
                                  self.f.log_file(*records.values())))
        report = json.loads(run.stdout)
        self.assertTrue(report["ok"], run)
        self.assertEqual(report["failed"], [])
        self.assertEqual([f["firewall"] for f in report["firewalls"]], ["east", "west"])
        for name in ("east", "west"):
            self.assertEqual(self.commits(name) - before[name], 1, name)
            self.assertOnlyOwnRules(name)
        web = {name: f"{self.f.vpcs[name].groups['web']}-tcp-443" for name in ("east", "west")}
        self.assertIn(web["east"], self.f.managed_rules("east"))
        self.assertNotIn(web["west"], self.f.managed_rules("east"))
        self.assertIn(web["west"], self.f.managed_rules("west"))
        # The same batch again changes nothing: no commit anywhere.
        self.ok(self.tw.handle(self.f.log_file(*records.values())))
        for name in ("east", "west"):
            self.assertEqual(self.commits(name) - before[name], 1, name)
        # plan, verify and why name the firewalls (the groups no event named are still to do).
        plan = self.ok(self.tw.plan(), code=2)
        self.assertIn("== firewall east ==", plan.stdout)
        self.assertIn("== firewall west ==", plan.stdout)
        self.assertIn("firewalls: all 2 done", plan.stdout)
        verify = json.loads(self.ok(self.tw.run("--output", "json", "verify",
                                                "--firewall", "west"), code=2).stdout)
        self.assertEqual([f["firewall"] for f in verify["firewalls"]], ["west"])
        why = self.ok(self.tw.run("why", "--firewall", "west",
                                  self.f.vpcs["west"].addresses["web-2"] + ":443"))
        self.assertTrue(why.stdout.startswith("firewall: west\n"), why)
        self.assertIn(web["west"], why.stdout)

    def test_a_failing_firewall_does_not_stop_the_other_and_only_its_messages_come_back(self):
        records = self.starts()
        self.f.devices["west"].set_faults({"fail_commits": 1})
        run = self.ok(self.tw.run("--output", "json", "handle",
                                  self.f.log_file(*records.values())), code=1)
        report = json.loads(run.stdout)
        self.assertFalse(report["ok"])
        self.assertEqual(report["failed"], ["west"])
        self.assertIn("firewall west", report["error"]["message"])
        by_name = {f["firewall"]: f for f in report["firewalls"]}
        self.assertTrue(by_name["east"]["outcome"]["committed"])
        self.assertFalse(by_name["west"]["outcome"]["committed"])
        self.assertIn("trailwall: firewall west:", run.stderr)
        self.assertTrue(self.f.managed_rules("east"))
        self.assertFalse(self.f.managed_rules("west"))
        text = self.ok(self.tw.handle(self.f.log_file(*records.values())), code=0)
        self.assertIn("== firewall west ==", text.stdout)

        # serve: one message per VPC in one batch; west fails its commit again.
        self.f.devices["west"].set_faults({"fail_commits": 1})
        sqs = self.servers.moto.client("sqs")
        queue = sqs.create_queue(QueueName="trailwall-fleet",
                                 Attributes={"VisibilityTimeout": "600"})["QueueUrl"]
        with open(self.f.config_path, "a") as f:
            f.write(f'\n[serve]\nqueue_url = "{queue}"\nbatch_window_seconds = 1\n'
                    "reconcile_period_seconds = 0\nshutdown_timeout_seconds = 30\n")
        stop = {name: self.f.ec2.stop(self.f.vpcs[name].instances["web-2"])
                for name in ("east", "west")}
        for name in ("east", "west"):
            sqs.send_message(QueueUrl=queue,
                             MessageBody=json.dumps(cloudtrail.eventbridge_event(stop[name])))
        daemon = Daemon(self.f, self.servers.workdir)
        self.addCleanup(daemon.kill)
        web_east = f"{self.f.vpcs['east'].groups['web']}-tcp-443"
        wait_for("east's rule gone", lambda: web_east not in self.f.managed_rules("east"))
        samples = wait_for("both firewalls' runs in the metrics", lambda: (
            lambda s: s if value(s, "trailwall_firewall_runs_total", firewall="west",
                                 outcome="failed") else None)(daemon.metrics()[0]))
        self.assertEqual(value(samples, "trailwall_firewall_runs_total", firewall="east",
                               outcome="ok"), 1)
        # East's message is deleted; west's stays (in flight until its visibility ends).
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages",
                                            "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        self.assertEqual(int(attributes["ApproximateNumberOfMessages"]) +
                         int(attributes["ApproximateNumberOfMessagesNotVisible"]), 1,
                         daemon.log())
        self.assertIn('event=delivery', daemon.log())
        self.assertRegex(daemon.log(), r"status=retry .*firewall west")
        code, _ = daemon.terminate()
        self.assertEqual(code, 0, daemon.log())


if __name__ == "__main__":
    main()
