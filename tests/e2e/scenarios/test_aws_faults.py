"""trailwall against a faulty AWS (tools/demo/scenario/faulty_aws.py between trailwall and moto):
throttling and dropped connections are retried and the run succeeds; a run whose AWS reads fail
(errors that outlast the retries, an endpoint that never answers) exits 1 in bounded time,
says which endpoint and what went wrong, and writes nothing to the firewall."""
import time

from e2e_case import E2eCase, main
from scenario.faulty_aws import FaultyAws


class AwsFaults(E2eCase):
    def setUp(self):
        super().setUp()
        self.shim = FaultyAws(self.servers.moto.endpoint)
        self.addCleanup(self.shim.close)
        self.record = self.s.ec2.start(self.s.topology.instances["web-2"])
        self.rule = self.s.rule_name("web", "tcp-443")

    def handle(self, **env):
        """`trailwall handle` of web-2's start, its AWS calls through the proxy."""
        return self.tw.handle(self.s.log_file(self.record),
                              env=dict({"AWS_ENDPOINT_URL": self.shim.endpoint}, **env))

    def assertNothingWritten(self, counters, running):
        self.assertEqual(self.writes(counters), {}, counters)
        self.assertEqual(self.commits(counters), 0, counters)
        self.assertEqual(self.s.running(), running)
        self.assertEqual(self.s.candidate(), running)
        self.assertNotIn(self.rule, self.managed())
        self.assertAdministratorRulesUnchanged()

    def test_throttling_and_dropped_connections_are_retried_and_the_run_succeeds(self):
        self.shim.set_rules([{"service": "ec2", "fault": "throttle", "times": 2},
                             {"service": "ec2", "fault": "drop", "times": 1}])
        run = self.ok(self.handle())
        self.assertIn(self.rule, self.managed(), run)
        faults = self.shim.counters()["faults"]
        self.assertEqual(sum(n for k, n in faults.items() if k.endswith(":throttle")), 2, faults)
        self.assertEqual(sum(n for k, n in faults.items() if k.endswith(":drop")), 1, faults)
        self.assertAdministratorRulesUnchanged()

    def test_a_run_whose_aws_reads_fail_exits_1_and_writes_nothing(self):
        running = self.s.running()
        self.s.sim.reset_counters()
        self.shim.set_rules([{"service": "ec2", "fault": "status", "status": 503}])
        run = self.ok(self.handle(AWS_MAX_ATTEMPTS="2"), code=1)
        self.assertIn("Unavailable: The server is overloaded and can't handle the request.",
                      run.stderr)
        self.assertIn("gave up after 2 attempts", run.stderr)
        by_target = self.shim.counters()["by_target"]
        self.assertEqual(sum(by_target.values()), 2, by_target)  # the first call, twice; no more
        self.assertNothingWritten(self.counters(), running)

    def test_a_hung_endpoint_fails_in_bounded_time_naming_it(self):
        running = self.s.running()
        self.s.sim.reset_counters()
        self.shim.set_rules([{"service": "ec2", "fault": "hang"}])
        started = time.monotonic()
        run = self.ok(self.handle(AWS_MAX_ATTEMPTS="2", TRAILWALL_AWS_REQUEST_TIMEOUT_SECONDS="1"),
                      code=1)
        took = time.monotonic() - started
        self.assertIn(f"no answer from {self.shim.endpoint} after 2 attempts "
                      "(each limited to 1 s): no answer within 1000 ms", run.stderr)
        # 2 attempts of 1 s and at most 1 s of backoff, plus the process's own start and the
        # firewall's reads on a busy machine: far below the 301 s a hung endpoint used to cost.
        self.assertLess(took, 30, run)
        self.assertGreaterEqual(took, 2, run)
        self.assertNothingWritten(self.counters(), running)

    def test_a_bad_retry_setting_is_an_error_before_anything_is_read(self):
        run = self.ok(self.handle(AWS_RETRY_MODE="fast"), code=1)
        self.assertIn("AWS_RETRY_MODE is 'fast': expected standard, adaptive or legacy",
                      run.stderr)
        self.assertEqual(self.shim.counters()["requests"], 0)


if __name__ == "__main__":
    main()
