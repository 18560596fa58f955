"""The request budget, counted by panos-sim: a batch of 100 rule changes (one log file of 100
AuthorizeSecurityGroupIngress records, then one of 100 RevokeSecurityGroupIngress records) costs
at most 5 configuration requests and exactly 1 commit, policy-match tests not counted. The
permissions are spread over two groups (AWS allows 60 inbound rules per group)."""
import json

from e2e_case import E2eCase, main
from scenario.aws import tcp

SOURCE = "198.51.100.0/24"
PORTS = range(20001, 20101)
JSON = ["--output", "json"]


class Budget(E2eCase):
    def assertBudget(self, label, run, counters):
        config = counters["by_type"].get("config", 0)
        print(f"\n  {label}: {config} config request(s), "
              f"{self.commits(counters)} commit(s), {counters['by_action']}", flush=True)
        self.assertLessEqual(config, 5, counters)
        self.assertEqual(self.commits(counters), 1, counters)
        self.assertEqual(counters["commits"]["enqueued"], 1, counters)
        self.assertEqual(counters["commits"]["ok"], 1, counters)
        # trailwall's own report says what the firewall counted.
        report = json.loads(run.stdout)
        self.assertEqual(report["firewall_requests"]["config"], config, run.stdout)
        self.assertEqual(report["firewall_requests"]["commits"], 1, run.stdout)

    def test_a_hundred_rule_changes_cost_at_most_five_config_requests_and_one_commit(self):
        ec2 = self.s.ec2
        bulk = [ec2.create_security_group(GroupName=f"bulk-{n}", Description="many ports",
                                          VpcId=self.s.topology.vpc)["GroupId"] for n in (1, 2)]
        ec2.run("bulk", self.s.topology.subnets["app"], bulk, "10.0.2.30")
        before = self.reconcileSnapshot()
        group_of = {port: bulk[i % 2] for i, port in enumerate(PORTS)}
        names = {f"{group_of[port]}-tcp-{port}" for port in PORTS}

        granted = [ec2.authorize(group_of[port], tcp(port, SOURCE)) for port in PORTS]
        self.s.sim.reset_counters()
        run = self.ok(self.tw.handle(self.s.log_file(*granted), global_args=JSON))
        self.assertBudget("100 authorized", run, self.counters())
        self.assertEqual(json.loads(run.stdout)["applied"]["rules_added"], len(PORTS))
        managed = self.managed()
        self.assertEqual(set(managed) - set(before), names)
        self.assertEqual(len(self.managedServices()), 1 + len(PORTS))  # tw-tcp-8443 + 100
        self.assertPlacement()

        revoked = [ec2.revoke(group_of[port], tcp(port, SOURCE)) for port in PORTS]
        self.s.sim.reset_counters()
        run = self.ok(self.tw.handle(self.s.log_file(*revoked), global_args=JSON))
        self.assertBudget("100 revoked", run, self.counters())
        self.assertEqual(json.loads(run.stdout)["applied"]["rules_deleted"], len(PORTS))
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(len(self.managedServices()), 1)
        self.assertAdministratorRulesUnchanged()


if __name__ == "__main__":
    main()
