#!/usr/bin/env python3
"""`trailwall events` as a user runs it: files, stdin, gzip, JSON output, the filter, --verbose,
and the exit codes (0 = every input decoded, 1 = an input had errors, after printing the rest).

usage: events_cli_test.py TRAILWALL_BINARY TESTS_DATA_DIR"""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import unittest

TRAILWALL, DATA = sys.argv[1], os.path.join(sys.argv[2], "cloudtrail")
MIXED = os.path.join(DATA, "cases", "logfile-mixed-reasons.json")
MALFORMED = os.path.join(DATA, "cases", "logfile-malformed-record-in-the-middle.json")


def run(*args, stdin=None):
    return subprocess.run([TRAILWALL, *args], input=stdin, capture_output=True, timeout=60)


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


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
