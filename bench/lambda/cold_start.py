#!/usr/bin/env python3
"""The Lambda runtime as Lambda runs it, timed from outside: `trailwall lambda` (or the package's
bootstrap in an empty root, --package) started against the tests' Runtime API emulator with
moto_server and panos-sim (tools/demo/scenario), N times. Per start: init (process start → its
first GET /next: configuration, the API key, the AWS session), the first invocation (a scheduled
reconcile that writes the demo VPC's rules: one rulebase read, the Describe calls, the policy
tests, one write and one commit), a second scheduled reconcile (nothing to change), and the
process's peak RSS and page faults (/usr/bin/time -v). Prints the medians.

    bench/lambda/cold_start.py --trailwall build/release/src/cli/trailwall \
        --panos-sim build/release/tools/panos-sim/panos-sim [--runs 5] [--package BUILD_DIR]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e", "lambda"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e", "scenarios"))
sys.path.insert(0, os.path.join(ROOT, "tools", "demo"))

from runtime_api import RuntimeApi  # noqa: E402
from scenario.harness import Scenario  # noqa: E402
from scenario.servers import Servers  # noqa: E402
from lambda_case import scheduled_event  # noqa: E402


def wait_for(predicate, timeout):
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError("timed out")
        time.sleep(0.001)


def one_run(args, servers, scenario, package_root):
    api = RuntimeApi()
    timing = os.path.join(servers.workdir, "time.txt")
    try:
        if package_root:
            import test_package
            case = test_package.Package.__new__(test_package.Package)
            case.s, case.servers = scenario, servers
            env = case.function_env(api)
            flags, reason = test_package.namespaces_usable()
            if flags is None:
                raise SystemExit(reason)
            argv = ["unshare", *flags, "--", "sh", "-c", test_package.ENTER_ROOT, "enter-root",
                    package_root]
        else:
            env = dict(scenario.trailwall.env, AWS_LAMBDA_RUNTIME_API=api.address,
                       TRAILWALL_CONFIG=scenario.config_path, AWS_LAMBDA_LOG_FORMAT="JSON")
            argv = [args.trailwall, "lambda"]
        started = time.monotonic()
        process = subprocess.Popen(["/usr/bin/time", "-v", "-o", timing, *argv], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: api.next_calls >= 1, 60)
        init = time.monotonic() - started
        t0 = time.monotonic()
        _, first = api.invoke(scheduled_event())
        first_s = time.monotonic() - t0
        t0 = time.monotonic()
        _, second = api.invoke(scheduled_event())
        second_s = time.monotonic() - t0
        assert first.kind == "response" and second.kind == "response", (first, second)
        api.fail_next()  # a 500 ends the runtime
        process.wait(timeout=60)
        text = open(timing).read()
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
        minor = int(re.search(r"Minor \(reclaiming a frame\) page faults: (\d+)", text).group(1))
        return init, first_s, second_s, rss, minor
    finally:
        api.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trailwall", required=True)
    parser.add_argument("--panos-sim", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--package", metavar="BUILD_DIR",
                        help="run the package's bootstrap in an empty root instead")
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        with Servers(args.panos_sim) as servers:
            scenario = Scenario(servers, args.trailwall)
            root = None
            if args.package:
                import test_package
                zip_path = os.path.join(servers.workdir, "p.zip")
                subprocess.run([test_package.PACKAGE, "--build-dir", args.package, "--no-build",
                                "--out", zip_path], check=True, capture_output=True)
                case = test_package.Package.__new__(test_package.Package)
                case.zip, case.servers = zip_path, servers
                case.assertIn = lambda a, b: None
                case.assertTrue = lambda a: None
                root = case.make_root(servers.sim.ca_bundle)
            results.append(one_run(args, servers, scenario, root))
    names = ("init s", "first invocation s", "second invocation s", "peak RSS KiB",
             "minor faults")
    for i, name in enumerate(names):
        values = [r[i] for r in results]
        print(f"{name}: median {statistics.median(values):.3f} "
              f"(min {min(values):.3f}, max {max(values):.3f}, n={len(values)})")


if __name__ == "__main__":
    main()
