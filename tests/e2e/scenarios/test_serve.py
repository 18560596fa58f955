"""`trailwall serve` as it runs in production: the daemon against moto's SQS (signatures
verified) and panos-sim. Messages become rules within the batch window; a failed commit leaves
them undeleted (and a later delivery finishes the job); /metrics parses as Prometheus text; the
status page, loaded in headless Chromium, shows the run and the rule the message caused;
visibility is extended while a slow commit runs; SIGTERM mid-batch exits 0 with the candidate
clean."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from e2e_case import E2eCase, PANOS_SIM, TRAILWALL, main
from scenario import cloudtrail
from scenario.harness import Scenario
from scenario.servers import Servers

DEADLINE = 90  # seconds: generous, for a busy 2-core machine; the waits end as soon as possible


def wait_for(what, predicate, timeout=DEADLINE, interval=0.1):
    """Polls `predicate` until it returns something true; its value. AssertionError on timeout."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def http_get(url, timeout=10):
    """(status, body text); HTTP errors are answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def parse_prometheus(text):
    """The Prometheus text format, line by line (the test's own parser): {(name, labels): value}
    and {family: type}; AssertionError naming the first line that is not valid."""
    samples, types, helps = {}, {}, {}
    assert text.endswith("\n"), "the text must end with a newline"
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if not line:
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            assert len(parts) == 4, f"line {n}: {line!r}"
            if parts[1] == "TYPE":
                assert parts[3] in ("counter", "gauge", "histogram", "summary", "untyped"), line
                assert parts[2] not in types, f"line {n}: second TYPE for {parts[2]}"
                types[parts[2]] = parts[3]
            else:
                helps[parts[2]] = parts[3]
            continue
        if line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, f"line {n} is not a sample: {line!r}"
        name, _, label_text, value = m.group(1), m.group(2), m.group(3), m.group(4)
        labels = {}
        if label_text:
            pos = 0
            while pos < len(label_text):
                lm = _LABEL.match(label_text, pos)
                assert lm, f"line {n}: bad labels: {line!r}"
                labels[lm.group(1)] = re.sub(
                    r'\\(.)', lambda e: {"n": "\n"}.get(e.group(1), e.group(1)), lm.group(2))
                pos = lm.end()
        family = next((f for f in (name, re.sub(r'_(bucket|sum|count)$', '', name)) if f in types),
                      None)
        assert family, f"line {n}: {name} has no TYPE line before it"
        float(value.replace("+Inf", "inf"))
        samples[(name, tuple(sorted(labels.items())))] = float(value.replace("+Inf", "inf"))
    for family in types:
        assert family in helps, f"{family} has no HELP line"
    return samples, types


def value(samples, metric, /, **labels):
    return samples.get((metric, tuple(sorted(labels.items()))))


class Daemon:
    """`trailwall serve --listen 127.0.0.1:0` in its own process group, always stopped."""

    def __init__(self, scenario, workdir):
        self.log_path = os.path.join(workdir, "serve.log")
        self._log = open(self.log_path, "wb")
        argv = [TRAILWALL, "--config", scenario.config_path, "--log-level", "info", "serve",
                "--listen", "127.0.0.1:0"]
        self.process = subprocess.Popen(argv, env=scenario.trailwall.env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=self._log, text=True,
                                        start_new_session=True)
        line = self.process.stdout.readline()
        m = re.search(r"status on (http://127\.0\.0\.1:\d+)/", line)
        if not m:
            self.kill()
            raise AssertionError(f"serve did not announce its address: {line!r}\n{self.log()}")
        self.url = m.group(1)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def get(self, path):
        return http_get(self.url + path)

    def metrics(self):
        status, text, headers = self.get("/metrics")
        assert status == 200, (status, text)
        assert headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"), headers
        return parse_prometheus(text)

    def terminate(self, timeout=DEADLINE):
        """SIGTERM; the exit code and how long it took to exit."""
        started = time.monotonic()
        os.kill(self.process.pid, signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started

    def kill(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        self.process.stdout.close()
        self._log.close()


class ServeCase(E2eCase):
    COMMIT_MS = 0

    def setUp(self):
        # As E2eCase, with the simulator's commit time chosen per test class.
        self.servers = Servers(PANOS_SIM, commit_ms=self.COMMIT_MS)
        self.servers.__enter__()
        self.addCleanup(self.servers.close)
        self.s = Scenario(self.servers, TRAILWALL)
        self.tw = self.s.trailwall
        self.sqs = self.servers.moto.client("sqs")
        self.daemon = None

    def queue(self, fifo=False, visibility=30):
        """A queue with a dead-letter queue after 5 receives; its URL."""
        suffix = ".fifo" if fifo else ""
        fifo_attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
        dlq = self.sqs.create_queue(QueueName="trailwall-dlq" + suffix,
                                    Attributes=fifo_attributes)["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})
        attributes = dict(fifo_attributes, VisibilityTimeout=str(visibility),
                          RedrivePolicy=redrive)
        self.queue_url = self.sqs.create_queue(QueueName="trailwall-events" + suffix,
                                               Attributes=attributes)["QueueUrl"]
        self.fifo = fifo
        return self.queue_url

    def configure(self, **serve):
        """Appends a [serve] section to the scenario's configuration."""
        settings = {"queue_url": self.queue_url, "batch_window_seconds": 2,
                    "reconcile_period_seconds": 0, "shutdown_timeout_seconds": 30}
        settings.update(serve)
        lines = ["", "[serve]"] + [
            f"{k} = {json.dumps(v)}" for k, v in settings.items()]
        with open(self.s.config_path, "a") as f:
            f.write("\n".join(lines) + "\n")

    def start(self):
        self.daemon = Daemon(self.s, self.servers.workdir)
        self.addCleanup(self.daemon.kill)
        return self.daemon

    def send(self, record):
        """The record as EventBridge delivers it to SQS; the message id."""
        body = json.dumps(cloudtrail.eventbridge_event(record))
        extra = {"MessageGroupId": "firewall-1"} if self.fifo else {}
        sent = self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body, **extra)
        return sent["MessageId"]

    def in_queue(self):
        """Messages the queue still holds: (visible, in flight)."""
        a = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return (int(a["ApproximateNumberOfMessages"]),
                int(a["ApproximateNumberOfMessagesNotVisible"]))

    def assertExitedCleanly(self, code, seconds, bound):
        self.assertEqual(code, 0, self.daemon.log())
        self.assertLess(seconds, bound, self.daemon.log())
        self.assertIn("event=stopped", self.daemon.log())

    def assertCandidateClean(self):
        self.assertEqual(self.s.candidate(), self.s.running(), "uncommitted changes were left")


class ServeEvents(ServeCase):
    def test_messages_become_rules_in_the_window_and_a_failed_commit_keeps_them(self):
        self.queue(fifo=True, visibility=5)
        self.configure()
        daemon = self.start()
        status, body, _ = daemon.get("/healthz")
        self.assertEqual(status, 200, body)

        # 1. A message becomes rules within the window, and is deleted.
        web2 = self.s.topology.instances["web-2"]
        sent_at = time.monotonic()
        self.send(self.s.ec2.start(web2))
        name = self.s.rule_name("web", "tcp-443")
        wait_for(f"{name} on the firewall", lambda: name in self.managed())
        # The 2 s window and a run of milliseconds; a 15 s long poll may have been in flight
        # when the message arrived (moto answers it at its end): well under half a minute.
        self.assertLess(time.monotonic() - sent_at, 30, daemon.log())
        wait_for("the message deleted", lambda: self.in_queue() == (0, 0))
        self.assertCandidateClean()
        self.assertAdministratorRulesUnchanged()

        samples, types = daemon.metrics()
        self.assertEqual(types["trailwall_runs_total"], "counter")
        self.assertEqual(types["trailwall_commit_duration_seconds"], "histogram")
        self.assertEqual(value(samples, "trailwall_runs_total", kind="scoped", outcome="ok"), 1)
        self.assertEqual(value(samples, "trailwall_commits_total", outcome="ok"), 1)
        self.assertEqual(value(samples, "trailwall_commit_duration_seconds_count"), 1)
        self.assertEqual(value(samples, "trailwall_events_total", name="StartInstances",
                               outcome="done"), 1)
        self.assertEqual(value(samples, "trailwall_messages_total", outcome="deleted"), 1)
        self.assertGreaterEqual(value(samples, "trailwall_aws_requests_total",
                                      kind="ReceiveMessage"), 1)
        self.assertGreaterEqual(value(samples, "trailwall_aws_requests_total", kind="ec2"), 1)
        self.assertEqual(value(samples, "trailwall_managed_rules"), len(self.managed()))
        firewall_requests = sum(v for (n, _), v in samples.items()
                                if n == "trailwall_firewall_requests_total")
        self.assertGreater(firewall_requests, 0)

        dom = self.status_page_in_chromium(daemon.url + "/")
        runs = re.search(r'<table id="runs">(.*?)</table>', dom, re.S)
        self.assertIsNotNone(runs, dom)
        self.assertIn("StartInstances", runs.group(1))
        self.assertIn("+ " + name, runs.group(1))
        rules = re.search(r'<table id="rules">(.*?)</table>', dom, re.S)
        self.assertIsNotNone(rules, dom)
        self.assertIn(name, rules.group(1))
        group = self.s.topology.groups["web"]
        self.assertIn(f"trailwall: {group} (web)", rules.group(1), "where the rule came from")
        self.assertIn(self.s.topology.addresses["web-2"], rules.group(1))
        self.assertNotIn("<script", dom)

        # 2. A failed commit leaves the next message undeleted; once its visibility timeout runs
        # out it comes again, and this time the commit works.
        self.s.sim.set_faults({"fail_commits": 1})
        self.send(self.s.ec2.stop(web2))
        wait_for("the failed run", lambda: value(daemon.metrics()[0], "trailwall_runs_total",
                                                  kind="scoped", outcome="failed"))
        self.assertCandidateClean()
        self.assertIn(name, self.managed(), "nothing changed on the firewall")
        self.assertEqual(sum(self.in_queue()), 1, "the message is still in the queue")
        samples, _ = daemon.metrics()
        self.assertEqual(value(samples, "trailwall_commits_total", outcome="failed"), 1)
        self.assertEqual(value(samples, "trailwall_messages_total", outcome="retry"), 1)
        self.assertEqual(value(samples, "trailwall_messages_total", outcome="deleted"), 1)
        wait_for(f"{name} removed after the redelivery", lambda: name not in self.managed())
        wait_for("the message deleted", lambda: self.in_queue() == (0, 0))
        self.assertEqual(value(daemon.metrics()[0], "trailwall_messages_total", outcome="deleted"),
                         2)
        self.assertCandidateClean()

        # 3. SIGTERM while idle (a long poll in flight): out at once, exit 0.
        code, seconds = daemon.terminate()
        self.assertExitedCleanly(code, seconds, 10)

    def status_page_in_chromium(self, url):
        chromium = shutil.which("chromium")
        if chromium is None:
            self.skipTest("chromium is not installed (scripts/setup.sh installs it)")
        with tempfile.TemporaryDirectory(prefix="trailwall-chromium-") as profile:
            run = subprocess.run(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                 "--dump-dom", url],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
                start_new_session=True)
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assertIn("<h1>trailwall</h1>", run.stdout, run.stderr[-3000:])
        return run.stdout


class ServeShutdown(ServeCase):
    COMMIT_MS = 12000  # longer than the queue's 5 s visibility timeout

    def test_sigterm_mid_batch_exits_0_with_the_candidate_clean(self):
        self.queue(visibility=5)
        self.configure()
        name = self.s.rule_name("web", "tcp-443")

        # 1. SIGTERM during a slow commit: the commit finishes (its messages' visibility was
        # extended all along), the message is deleted, exit 0.
        daemon = self.start()
        self.send(self.s.ec2.start(self.s.topology.instances["web-2"]))
        wait_for("the commit to start",
                 lambda: self.s.sim.counters()["commits"]["enqueued"] > 0, interval=0.05)
        time.sleep(7)  # past the 5 s visibility timeout: only extensions keep it invisible
        self.assertEqual(self.in_queue(), (0, 1), "in flight, not visible to others")
        self.assertIn("event=visibility_extended", daemon.log())
        code, seconds = daemon.terminate()
        self.assertExitedCleanly(code, seconds, 30)
        self.assertCandidateClean()
        self.assertIn(name, self.managed())
        self.assertEqual(self.in_queue(), (0, 0), "committed, so deleted")

        # 2. SIGTERM before the write (every firewall request is slow, so the run is still
        # reading): nothing is written, the message stays for the next consumer, exit 0.
        daemon = self.start()
        running = self.s.running()
        self.s.sim.set_faults({"latency_ms": 1500})
        self.s.sim.reset_counters()
        self.send(self.s.ec2.stop(self.s.topology.instances["web-2"]))
        wait_for("the run to read the firewall",
                 lambda: "event=run_started" in daemon.log() and
                 self.s.sim.counters()["requests"] > 0, interval=0.05)
        code, seconds = daemon.terminate()
        self.assertExitedCleanly(code, seconds, 30)
        self.s.sim.clear_faults()
        self.assertIn("trailwall is stopping: nothing was written", daemon.log())
        self.assertCandidateClean()
        self.assertEqual(self.s.running(), running, "nothing committed")
        self.assertEqual(self.s.sim.counters()["commits"]["enqueued"], 0)
        self.assertEqual(sum(self.in_queue()), 1, "the message is left for the next consumer")


if __name__ == "__main__":
    main()
