"""Base of the Lambda end-to-end tests: the scenario's servers (moto_server with signatures
verified, panos-sim over TLS) and the demo VPC from tests/e2e/scenarios, a Runtime API emulator
of the tests' own (runtime_api.py), and `trailwall lambda` started against it as Lambda starts a
custom runtime: configuration from the environment, logs on stdout."""
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scenarios"))

from e2e_case import E2eCase, main  # noqa: E402,F401
from runtime_api import RuntimeApi  # noqa: E402
from scenario import cloudtrail  # noqa: E402
from scenario.servers import ACCOUNT, REGION  # noqa: E402

TRAILWALL = os.environ.get("TRAILWALL_BIN", "")


def scheduled_event():
    """EventBridge's Scheduled Event (shared/reference/lambda/eventbridge-scheduled-event)."""
    return {"version": "0", "account": ACCOUNT, "region": REGION, "detail": {},
            "detail-type": "Scheduled Event", "source": "aws.events",
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "id": "cdc73f9d-aea9-11e3-9d5a-835b769c0d9c",
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/trailwall-reconcile"]}


def sqs_event(*messages):
    """A Lambda SQS event: one record per (message id, body)."""
    return {"Records": [{
        "messageId": message_id, "receiptHandle": "AQEB" + message_id, "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183",
                       "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                       "ApproximateFirstReceiveTimestamp": "1545082649185"},
        "messageAttributes": {}, "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:trailwall",
        "awsRegion": REGION} for message_id, body in messages]}


class LambdaCase(E2eCase):
    def setUp(self):
        super().setUp()
        self.api = self.runtime_api()
        self._runs = 0

    def runtime_api(self):
        api = RuntimeApi()
        self.addCleanup(api.close)
        return api

    def lambda_env(self, api, **extra):
        """What Lambda and the function's configuration give the runtime: the Runtime API, AWS
        (moto), the scenario's trailwall configuration, JSON logs."""
        env = dict(self.tw.env, AWS_LAMBDA_RUNTIME_API=api.address,
                   TRAILWALL_CONFIG=self.s.config_path, AWS_LAMBDA_LOG_FORMAT="JSON",
                   AWS_LAMBDA_LOG_LEVEL="INFO", LAMBDA_TASK_ROOT="/var/task", _HANDLER="bootstrap")
        env.update(extra)
        return env

    def start(self, argv, env, **popen):
        """Starts the runtime (its own process group, stopped at cleanup); (process, log path)."""
        self._runs += 1
        log_path = os.path.join(self.servers.workdir, f"lambda-{self._runs}.log")
        with open(log_path, "wb") as log:
            process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True, **popen)

        def stop():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.addCleanup(stop)
        return process, log_path

    def start_lambda(self, api=None, **extra_env):
        return self.start([TRAILWALL, "lambda"], self.lambda_env(api or self.api, **extra_env))

    @staticmethod
    def read(path):
        with open(path, errors="replace") as f:
            return f.read()

    @staticmethod
    def log_lines(log_path):
        with open(log_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def wait_exit(self, process, timeout=30):
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"the runtime did not exit within {timeout} s")

    # The shapes events reach the function in.
    def eventbridge_body(self, record):
        return cloudtrail.eventbridge_event(record)

    def s3_notification_body(self, *records):
        path = self.s.s3_notification(*records)
        with open(path) as f:
            return json.load(f)
