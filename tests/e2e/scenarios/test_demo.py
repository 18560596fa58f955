"""README command 1's driver, tools/demo/demo.py, run as a user runs it (no TTY, no stdin): it
succeeds, its final reconcile finds nothing to do, and it leaves no process behind — also when
interrupted with Ctrl-C (SIGINT) or SIGTERM half-way."""
import os
import re
import signal
import subprocess
import sys
import time
import unittest

from e2e_case import PANOS_SIM, TRAILWALL, main

DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools",
                    "demo", "demo.py")


def server_pids(output):
    return [int(p) for p in re.findall(r"\(pid (\d+)", output)]


def alive(pid):
    try:
        os.killpg(pid, 0)  # the server's whole process group
        return True
    except ProcessLookupError:
        return False


class Demo(unittest.TestCase):
    def start(self, *extra):
        env = dict(os.environ, CI="true")
        return subprocess.Popen(
            [sys.executable, DEMO, "--trailwall", TRAILWALL, "--panos-sim", PANOS_SIM,
             "--commit-ms", "0", *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=env)

    def assertNothingLeft(self, output):
        pids = server_pids(output)
        self.assertEqual(len(pids), 2, output)  # moto_server and panos-sim
        for pid in pids:
            self.assertFalse(alive(pid), f"process group {pid} survived the demo\n{output}")

    def test_the_demo_runs_to_the_end_and_stops_its_servers(self):
        demo = self.start()
        output, _ = demo.communicate(timeout=300)
        self.assertEqual(demo.returncode, 0, output)
        for step in ("StartInstances", "AuthorizeSecurityGroupIngress",
                     "RevokeSecurityGroupIngress", "StopInstances", "ReplaceRoute",
                     "RunInstances", "TerminateInstances", "A final full reconcile"):
            self.assertIn(step, output)
        self.assertNotIn("CHANGED", output)  # every administrator rule stayed as it was
        self.assertIn("Timings", output)
        self.assertNothingLeft(output)

    def test_the_tag_layout_demo_commits_nothing_while_instances_come_and_go(self):
        demo = self.start("--layout", "tag")
        output, _ = demo.communicate(timeout=300)
        self.assertEqual(demo.returncode, 0, output)
        self.assertIn("reconcile: commits on the firewall 1, User-ID requests 1", output)
        steps = re.findall(r"this step: commits on the firewall (\d+), User-ID requests (\d+)",
                           output)
        self.assertEqual(len(steps), 5, output)  # start, stop, run, start, terminate
        for commits, requests in steps:
            self.assertEqual((commits, requests), ("0", "1"), output)
        self.assertIn("commits since step 0: 0", output)
        self.assertNothingLeft(output)

    def test_the_fleet_demo_splits_one_batch_over_two_firewalls(self):
        demo = self.start("--fleet")
        output, _ = demo.communicate(timeout=300)
        self.assertEqual(demo.returncode, 0, output)
        self.assertIn("firewall east: commits 1", output)
        self.assertIn("firewall west: commits 1", output)
        self.assertIn("firewalls: 1 of 2 failed: west", output)
        self.assertIn("nothing to do on either firewall", output)
        self.assertNothingLeft(output)

    def interrupt(self, sig, expected_code):
        demo = self.start()
        output = ""
        deadline = time.monotonic() + 120
        # Interrupt once the servers are up and trailwall is at work.
        while "1. StartInstances" not in output and time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            output += line
        self.assertIn("1. StartInstances", output)
        demo.send_signal(sig)
        rest, _ = demo.communicate(timeout=60)
        output += rest
        self.assertEqual(demo.returncode, expected_code, output)
        self.assertNothingLeft(output)

    def test_ctrl_c_stops_everything(self):
        self.interrupt(signal.SIGINT, 130)

    def test_sigterm_stops_everything(self):
        self.interrupt(signal.SIGTERM, 143)


if __name__ == "__main__":
    main()
