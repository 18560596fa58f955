#!/usr/bin/env python3
"""`trailwall events` as a user runs it: files, stdin, gzip, JSON output, the filter, --verbose,
and the exit codes (0 = every input decoded, 1 = an input had errors, after printing the rest).

usage: events_cli_test.py TRAILWALL_BINARY TESTS_DATA_DIR PEAK_RSS_BINARY"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

TRAILWALL, DATA, PEAK_RSS = sys.argv[1], os.path.join(sys.argv[2], "cloudtrail"), sys.argv[3]
MIXED = os.path.join(DATA, "cases", "logfile-mixed-reasons.json")
MALFORMED = os.path.join(DATA, "cases", "logfile-malformed-record-in-the-middle.json")


def run(*args, stdin=None, env=None):
    return subprocess.run([TRAILWALL, *args], input=stdin, capture_output=True, timeout=60,
                          env=None if env is None else {**os.environ, **env})


def error_lines(result):
    """stderr's error messages without the 'trailwall: <kind>: ' prefix."""
    lines = result.stderr.decode().splitlines()
    return [re.sub(r"^trailwall: [a-z ]+: ", "", line) for line in lines if line.startswith("trailwall:")]


def records_of(path):
    with open(path, "rb") as f:
        text = f.read()
    return text[text.index(b"[") + 1:]


class EventsCommand(unittest.TestCase):
    def test_prints_each_change_with_its_scope_and_counts_the_ignored(self):
        result = run("events", MIXED)
        self.assertEqual(result.returncode, 0, result.stderr)
        out = result.stdout.decode()
        self.assertIn("StartInstances", out)
        self.assertIn("instances: i-DDd6c7B0e18F0E35f", out)
        self.assertIn("interface attachments: eni-attach-0c3d4e5f607182930", out)
        self.assertIn("records 7: changes 3", out)
        self.assertIn("egress-rule", out)
        self.assertNotIn("ignored AuthorizeSecurityGroupEgress", out)  # listed only with -v

    def test_verbose_lists_each_ignored_record_with_its_reason(self):
        out = run("-v", "events", MIXED).stdout.decode()
        self.assertIn("ignored RunInstances 1a4debbb-12e9-4bde-b8c7-ea29002bb2a7: failed-call "
                      "(errorCode Client.UnauthorizedOperation)", out)

    def test_json_output_for_machines(self):
        result = run("--output", "json", "events", MIXED)
        self.assertEqual(result.returncode, 0)
        report = json.loads(result.stdout)
        self.assertEqual(report["records"], 7)
        self.assertEqual([c["event"] for c in report["changes"]],
                         ["StartInstances", "DetachNetworkInterface", "StopInstances"])
        self.assertEqual(report["ignored"]["total"], 4)
        self.assertEqual(report["errors"], [])

    def test_reads_stdin_and_gzip(self):
        with open(MIXED, "rb") as f:
            compressed = gzip.compress(f.read())
        result = run("-o", "json", "events", "-", stdin=compressed)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["changes"][0]["source"], "stdin")
        with tempfile.NamedTemporaryFile(suffix=".json.gz") as f:
            f.write(compressed)
            f.flush()
            self.assertEqual(len(json.loads(run("-o", "json", "events", f.name).stdout)["changes"]), 3)

    def test_account_and_region_filter(self):
        report = json.loads(run("-o", "json", "events", "--account", "111122223333",
                                "--region", "eu-west-1", MIXED).stdout)
        self.assertEqual([c["event"] for c in report["changes"]], ["DetachNetworkInterface"])
        self.assertEqual(report["ignored"]["by_reason"]["account-not-configured"], 2)

    def test_bad_input_exits_1_after_printing_what_decoded(self):
        result = run("-o", "json", "events", MALFORMED, "/nonexistent/log.json", MIXED)
        self.assertEqual(result.returncode, 1)
        report = json.loads(result.stdout)
        self.assertEqual(len(report["changes"]), 2 + 3)
        err = result.stderr.decode()
        self.assertIn(MALFORMED + ": Records[1]: malformed JSON", err)
        self.assertIn("cannot open /nonexistent/log.json", err)

    def test_usage_error_exits_1(self):
        self.assertEqual(run("events").returncode, 1)
        self.assertIn(b"Exit codes", run("events", "--help").stdout)


class BoundedInputs(unittest.TestCase):
    """Issue 10: each bad input is one error naming it (and the record where there is one), never a
    crash; a bad input among several is reported by name and the others are still handled."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def path(self, name, content=None):
        path = os.path.join(self.dir, name)
        if content is not None:
            with open(path, "wb") as f:
                f.write(content)
        return path

    def events(self, *args, **kwargs):
        return run("-o", "json", "events", *args, **kwargs)

    def test_a_directory_is_one_error_and_the_other_inputs_are_decoded(self):
        directory = self.path("logs")
        os.mkdir(directory)
        result = self.events(MIXED, directory, MALFORMED)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(error_lines(result), [
            directory + ": is a directory; name the log files in it",
            MALFORMED + ": Records[1]: malformed JSON (The JSON document has an improper structure: "
            "missing or superfluous commas, braces, missing keys, etc.)"])
        self.assertEqual(len(json.loads(result.stdout)["changes"]), 3 + 2)

    def test_input_over_the_size_limit_is_rejected_whole(self):
        size = os.path.getsize(MIXED)
        result = self.events("--max-input-size", str(size - 1), MIXED)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(error_lines(result), [
            f"{MIXED}: larger than the input size limit of {size - 1} bytes"])
        self.assertEqual(json.loads(result.stdout)["records"], 0)
        with open(MIXED, "rb") as f:
            result = self.events("--max-input-size", "1K", "-", stdin=f.read())
        self.assertEqual(error_lines(result), [
            "stdin: larger than the input size limit of 1 KiB (1024 bytes)"])
        self.assertEqual(self.events("--max-input-size", str(size), MIXED).returncode, 0)

    def test_a_fifo_that_never_ends_stops_at_the_size_limit(self):
        fifo = self.path("endless")
        os.mkfifo(fifo)

        def write_forever():
            try:
                with open(fifo, "wb") as f:
                    f.write(b'{"Records":[')
                    while True:
                        f.write(b" " * 65536)
            except (BrokenPipeError, OSError):
                pass

        writer = threading.Thread(target=write_forever, daemon=True)
        writer.start()
        result = self.events("--max-input-size", "4M", fifo)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(error_lines(result), [
            fifo + ": larger than the input size limit of 4 MiB (4194304 bytes)"])
        writer.join(10)

    def test_a_silent_fifo_is_given_up_after_the_read_timeout(self):
        fifo = self.path("silent")
        os.mkfifo(fifo)
        started = time.monotonic()
        result = self.events("--read-timeout", "0.3", fifo, MIXED)  # nobody ever writes
        self.assertEqual(result.returncode, 1)
        self.assertEqual(error_lines(result), [fifo + ": no data for 0.3 s"])
        self.assertEqual(len(json.loads(result.stdout)["changes"]), 3)
        self.assertLess(time.monotonic() - started, 30)

    def test_a_fifo_that_ends_is_read_like_a_file(self):
        fifo = self.path("log.json")
        os.mkfifo(fifo)
        with open(MIXED, "rb") as f:
            log = f.read()

        def write_once():
            with open(fifo, "wb") as f:
                f.write(log)

        writer = threading.Thread(target=write_once, daemon=True)
        writer.start()
        result = self.events(fifo)
        writer.join(10)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(json.loads(result.stdout)["changes"]), 3)

    def test_truncated_gzip_keeps_the_records_before_the_cut_with_one_error(self):
        with open(MIXED, "rb") as f:
            log = f.read()
        compressed = gzip.compress(log)
        cut = self.path("cut.json.gz", compressed[:-4])  # the size field of the trailer is gone
        result = self.events(cut)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(error_lines(result), [
            f"{cut}: gzip: the compressed data is cut short (after {len(log)} inflated bytes)"])
        self.assertEqual(len(json.loads(result.stdout)["changes"]), 3)
        half = self.path("half.json.gz", compressed[:len(compressed) * 3 // 4])
        result = self.events(half)
        [line] = error_lines(result)
        self.assertRegex(line, "^" + re.escape(half) +
                         r": gzip: the compressed data is cut short \(after \d+ inflated bytes\)$")
        self.assertEqual(json.loads(result.stdout)["changes"][0]["event"], "StartInstances")

    def test_a_gzip_bomb_stops_at_the_limit(self):
        member = gzip.compress(bytes(8 << 20))
        bomb = self.path("bomb.json.gz", member * 130)  # 1 GiB of zeros in about 1 MB
        result = self.events(bomb)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(error_lines(result), [
            bomb + ': not a CloudTrail log file ({"Records": [...]}) and larger than 64 MiB '
            "(67108864 bytes), the limit for other input"])
        result = self.events("--max-input-size", "8M", bomb)
        self.assertEqual(error_lines(result), [
            bomb + ": gzip: inflates to more than the input size limit of 8 MiB (8388608 bytes)"])

    def test_bad_records_cost_only_themselves(self):
        deep = b"[" * 5000 + b"]" * 5000
        log = (b'{"Records":[42, {"eventName": "Start\xff"}, {"eventName": 7},'
               b'{"eventName":"RunInstances","eventSource":"ec2.amazonaws.com","awsRegion":"us-east-1",'
               b'"eventTime":"2024-01-01T00:00:00Z","responseElements":{"x":' + deep + b"}},"
               + records_of(MIXED))
        for name, content in (("bad.json", log), ("bad.json.gz", gzip.compress(log))):
            path = self.path(name, content)
            result = self.events(path)
            self.assertEqual(result.returncode, 1)
            self.assertEqual(error_lines(result), [
                f"{path}: Records[0]: expected an object, found a number",
                f"{path}: Records[1]: malformed JSON (The input is not valid UTF-8)",
                f"{path}: Records[2]: eventName: expected a string, found a number",
                f"{path}: Records[3]: responseElements: malformed JSON (The JSON document was too "
                "deep (too many nested objects and arrays))"])
            report = json.loads(result.stdout)
            self.assertEqual(len(report["changes"]), 3)
            self.assertEqual(report["records"], 4 + 7)

    def test_handle_reports_a_bad_file_by_name_and_handles_the_others(self):
        directory = self.path("logs")
        os.mkdir(directory)
        # Records of an account not configured: nothing in scope, so neither AWS nor a firewall
        # is needed to see how the inputs are read.
        env = {"TRAILWALL_AWS_ACCOUNTS": "000000000000", "TRAILWALL_AWS_MAX_INPUT_MIB": "1"}
        big = self.path("big.json", b'{"Records":[' + b" " * (1 << 20) + b"]}")
        bomb = self.path("bomb.json.gz", gzip.compress(bytes(2 << 20)))
        result = run("handle", "--dry-run", MIXED, directory, big, bomb, env=env)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(error_lines(result), [
            directory + ": is a directory; name the log files in it",
            big + ": larger than the input size limit of 1 MiB (1048576 bytes)",
            bomb + ": gzip: inflates to more than the input size limit of 1 MiB (1048576 bytes)"])
        self.assertIn("7 record(s), 0 acted on, 7 ignored", result.stdout.decode())
        # The same limit from the configuration file.
        config = self.path("trailwall.toml", b'[aws]\naccounts = ["000000000000"]\nmax_input_mib = 1\n')
        result = run("-c", config, "handle", "--dry-run", big, MIXED)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(error_lines(result), [
            big + ": larger than the input size limit of 1 MiB (1048576 bytes)"])


def write_log(path, size):
    """A log file of about `size` bytes: the mixed sample's records repeated, about 1 in 100 a
    change (as in a real trail). Returns (records, changes)."""
    with open(MIXED) as f:
        records = json.load(f)["Records"]
    changes = [r for r in records if r["eventName"] in ("StartInstances", "StopInstances")]
    ignored = [r for r in records if r["eventSource"] != "ec2.amazonaws.com"]
    block = [changes[0]] + [ignored[0]] * 99
    encoded = b",".join(json.dumps(r, separators=(",", ":")).encode() for r in block)
    blocks = max(1, size // len(encoded))
    with open(path, "wb") as f:
        f.write(b'{"Records":[')
        f.write(b",".join([encoded] * blocks))
        f.write(b"]}")
    return blocks * len(block), blocks


def run_measured(args, stdin_path=None):
    """Runs trailwall; returns (exit code, stdout, its peak RSS in bytes as the kernel counts it)."""
    with tempfile.NamedTemporaryFile() as rss_file:
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            if stdin_path:  # a pipe, not the file: a stream the reader cannot map
                feeder = subprocess.Popen(["cat", stdin_path], stdout=subprocess.PIPE)
                stdin.close()
                stdin = feeder.stdout
            result = subprocess.run([PEAK_RSS, rss_file.name, TRAILWALL, *args], stdin=stdin,
                                    capture_output=True, timeout=120)
        finally:
            if stdin_path:
                stdin.close()
                feeder.wait()
        with open(rss_file.name) as f:
            return result.returncode, result.stdout, int(f.read()) * 1024


@unittest.skipIf(os.environ.get("TW_TEST_SANITIZED_BUILD") == "1",
                 "peak RSS under ASan is the sanitizer's; checked by the Release build")
class BoundedMemory(unittest.TestCase):
    """Memory stays bounded on a large log (issue 11): peak RSS of the whole process, measured by
    the kernel (wait4), not by timing. A mapped file may be resident (page cache, not copied);
    streams and gzip are decoded a window at a time, so they stay small whatever the size."""

    SIZE = 64 << 20
    MIB = 1 << 20

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.log = os.path.join(cls.dir, "big.json")
        cls.records, cls.changes = write_log(cls.log, cls.SIZE)
        cls.size = os.path.getsize(cls.log)
        cls.gz = cls.log + ".gz"
        with open(cls.log, "rb") as f, gzip.open(cls.gz, "wb", compresslevel=1) as g:
            shutil.copyfileobj(f, g, 1 << 20)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def check(self, code, out):
        self.assertEqual(code, 0)
        report = json.loads(out)
        self.assertEqual(report["records"], self.records)
        self.assertEqual(len(report["changes"]), self.changes)

    def test_a_mapped_file_takes_at_most_its_size_and_64_mib(self):
        code, out, rss = run_measured(["-o", "json", "events", self.log])
        self.check(code, out)
        self.assertLess(rss, self.size + 64 * self.MIB, f"peak RSS {rss / self.MIB:.0f} MiB")

    def test_stdin_is_decoded_in_bounded_memory(self):
        code, out, rss = run_measured(["-o", "json", "events", "-"], stdin_path=self.log)
        self.check(code, out)
        self.assertLess(rss, 64 * self.MIB, f"peak RSS {rss / self.MIB:.0f} MiB")

    def test_gzip_is_decoded_in_bounded_memory(self):
        code, out, rss = run_measured(["-o", "json", "events", self.gz])
        self.check(code, out)
        self.assertLess(rss, 64 * self.MIB, f"peak RSS {rss / self.MIB:.0f} MiB")

    def test_a_smaller_size_limit_rejects_the_file_before_reading_it(self):
        for path in (self.log, self.gz):
            code, out, rss = run_measured(["-o", "json", "events", "--max-input-size", "16M", path])
            self.assertEqual(code, 1)
            self.assertEqual(json.loads(out)["records"], 0)
            self.assertLess(rss, 64 * self.MIB, f"peak RSS {rss / self.MIB:.0f} MiB")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[4:], verbosity=2)
