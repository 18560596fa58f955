"""`trailwall lambda` (issue 9) driven through the Runtime API by an emulator of the tests' own,
against moto_server and panos-sim: a scheduled reconcile, an S3 notification for a log file in
moto's S3, an EventBridge event, an SQS batch with one unreadable body, a deadline too short to
commit, and init errors — each checked against panos-sim's rulebase and counters."""
import json

from lambda_case import LambdaCase, main, scheduled_event, sqs_event
from scenario.aws import ANYWHERE, tcp

SECRET = "trailwall/panos-api-key"


class LambdaRuntime(LambdaCase):
    def test_invocations_of_every_kind_through_one_initialised_runtime(self):
        process, log_path = self.start_lambda()
        t = self.s.topology
        ids = {}

        # 1. A scheduled reconcile: the run report comes back as the response.
        ids["schedule"], posted = self.api.invoke(scheduled_event())
        self.assertEqual(posted.kind, "response", posted)
        report = posted.json()
        self.assertEqual(report["mode"], "apply")
        self.assertEqual(len(report["events"]["changes"]), 1)
        self.assertGreater(report["applied"]["rules_added"], 0)
        self.assertIsNotNone(report["applied"]["commit_job"])
        self.assertIn(self.s.rule_name("admin-ssh", "tcp-22"), self.managed())
        self.assertEqual(self.commits(self.counters()), 1)
        self.ok(self.tw.plan(), code=0)  # the CLI agrees: nothing left to do
        self.assertAdministratorRulesUnchanged()

        # 2. An S3 notification for a CloudTrail log file in moto's S3.
        self.s.sim.reset_counters()
        web2 = t.instances["web-2"]
        ids["s3"], posted = self.api.invoke(self.s3_notification_body(self.s.ec2.start(web2)))
        self.assertEqual(posted.kind, "response", posted)
        self.assertEqual(len(posted.json()["events"]["changes"]), 1)
        web_rule = self.managed()[self.s.rule_name("web", "tcp-443")]
        self.assertEqual(web_rule.get("destination"), [t.addresses["web-2"]])
        self.assertEqual(self.commits(self.counters()), 1)

        # 3. An EventBridge "AWS API Call via CloudTrail" event.
        self.s.sim.reset_counters()
        record = self.s.ec2.authorize(t.groups["app"], tcp(443, ANYWHERE))
        ids["eventbridge"], posted = self.api.invoke(self.eventbridge_body(record))
        self.assertEqual(posted.kind, "response", posted)
        self.assertIn(self.s.rule_name("app", "tcp-443"), self.managed())
        self.assertEqual(self.commits(self.counters()), 1)

        # 4. An SQS batch with one unreadable body: exactly that message comes back; the other
        # two messages' changes are committed, together.
        self.s.sim.reset_counters()
        authorize = self.s.ec2.authorize(t.groups["app"], tcp(9443, ANYWHERE))
        stop = self.s.ec2.stop(web2)
        batch = sqs_event(
            ("7b1a6f0e-0001-4c1e-9c55-000000000001", json.dumps(self.eventbridge_body(authorize))),
            ("7b1a6f0e-0002-4c1e-9c55-000000000002", "this body is not an event"),
            ("7b1a6f0e-0003-4c1e-9c55-000000000003", json.dumps(self.s3_notification_body(stop))))
        ids["sqs"], posted = self.api.invoke(batch)
        self.assertEqual(posted.kind, "response", posted)
        self.assertEqual(posted.json(), {"batchItemFailures": [
            {"itemIdentifier": "7b1a6f0e-0002-4c1e-9c55-000000000002"}]})
        managed = self.managed()
        self.assertIn(self.s.rule_name("app", "tcp-9443"), managed)
        self.assertNotIn(self.s.rule_name("web", "tcp-443"), managed)  # web-2 stopped
        self.assertEqual(self.commits(self.counters()), 1)

        # 5. A deadline too short for a commit: nothing is written, the candidate stays clean and
        # the invocation fails (Lambda delivers the event again).
        self.s.sim.reset_counters()
        before = self.snapshot()
        running = self.s.running()
        record = self.s.ec2.authorize(t.groups["app"], tcp(3389, ANYWHERE))
        ids["deadline"], posted = self.api.invoke(self.eventbridge_body(record), seconds_left=5)
        self.assertEqual(posted.kind, "error", posted)
        self.assertEqual(posted.error_type, "Function.DeadlineExceeded")
        error = posted.json()
        self.assertEqual(error["errorType"], "Function.DeadlineExceeded")
        self.assertRegex(error["errorMessage"],
                         r"^firewall default run failed: not writing 1 changes: \d+ ms left "
                         r"before the deadline, and a write and commit are given 60000 ms; "
                         r"nothing was written$")
        counters = self.counters()
        self.assertEqual(self.writes(counters), {}, counters)
        self.assertEqual(self.commits(counters), 0, counters)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(self.s.candidate(), running)
        # Delivered again with time enough, the same event is handled.
        ids["again"], posted = self.api.invoke(self.eventbridge_body(record))
        self.assertEqual(posted.kind, "response", posted)
        self.assertIn(self.s.rule_name("app", "tcp-3389"), self.managed())

        # One initialisation for all of it, and every line of an invocation names its request.
        self.assertIsNone(process.poll())
        lines = self.log_lines(log_path)
        self.assertEqual(sum(1 for line in lines if line.get("event") == "init_done"), 1)
        deliveries = [line for line in lines if line.get("event") == "delivery"]
        self.assertEqual(
            sorted((line["requestId"], line["status"]) for line in deliveries
                   if line["requestId"] in (ids["schedule"], ids["deadline"])),
            sorted([(ids["schedule"], "done"), (ids["deadline"], "retry")]))
        unreadable = [line for line in deliveries if line["status"] == "unreadable"]
        self.assertEqual([(u["requestId"], u["id"]) for u in unreadable],
                         [(ids["sqs"], "7b1a6f0e-0002-4c1e-9c55-000000000002")])
        for line in lines:
            self.assertEqual(list(line)[:2], ["timestamp", "level"], line)
            self.assertIn(line["level"], ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"))
            if line.get("event") in ("change", "delivery", "invocation", "invocation_done",
                                     "planned", "applied", "rulebase_read"):
                self.assertIn(line.get("requestId"), set(ids.values()), line)
        self.assertNotIn(self.s.api_key, self.read(log_path))

    def test_init_errors_are_reported_to_init_error_with_what_to_fix(self):
        # The API key's secret does not exist.
        api = self.runtime_api()
        process, log_path = self.start_lambda(
            api, TRAILWALL_FIREWALL_API_KEY=f'{{ secretsmanager = "{SECRET}" }}')
        posted = api.wait(lambda p: p.kind == "init_error", timeout=60)
        self.assertEqual(self.wait_exit(process), 1)
        self.assertEqual(posted.error_type, "Runtime.ApiKeyUnavailable")
        self.assertEqual(posted.json()["errorType"], "Runtime.ApiKeyUnavailable")
        message = posted.json()["errorMessage"]
        self.assertRegex(
            message,
            f"^trailwall could not start: not found: the firewall API key from Secrets Manager "
            f"{SECRET}: secret {SECRET}: Secrets Manager GetSecretValue: "
            r"ResourceNotFoundException: Secrets Manager can't find the specified secret\. "
            r"\(HTTP 404, request id \w+\)$")
        self.assertEqual(api.next_calls, 0)
        self.assertNotIn(self.s.api_key, message + self.read(log_path))

        # A configuration value that is wrong.
        api = self.runtime_api()
        process, _ = self.start_lambda(api, TRAILWALL_POLICY_LAYOUT="sideways")
        posted = api.wait(lambda p: p.kind == "init_error", timeout=60)
        self.assertEqual(self.wait_exit(process), 1)
        self.assertEqual(posted.error_type, "Runtime.ConfigInvalid")
        self.assertEqual(posted.json()["errorMessage"],
                         "trailwall could not start: configuration error: environment variable "
                         "TRAILWALL_POLICY_LAYOUT: policy.layout: unknown layout 'sideways' "
                         "(expected group, instance or tag)")

        # The Runtime API answers 500 (a container error): the runtime exits promptly.
        api = self.runtime_api()
        process, _ = self.start_lambda(api)
        api.fail_next()
        self.assertEqual(self.wait_exit(process, timeout=60), 1)
        self.assertEqual(api.posted, [])
        # No firewall request was made for any of it.
        self.assertEqual(self.writes(self.counters()), {})


if __name__ == "__main__":
    main()
