#!/usr/bin/env python3
"""`trailwall serve` measured as it runs: the daemon process against moto's SQS and panos-sim
(tools/demo/scenario), timed and sampled from outside.

  bench/serve/run_serve_bench.py --trailwall build/release/src/cli/trailwall \
      --panos-sim build/release/tools/panos-sim/panos-sim [--messages 1000] [--rounds 3]

Per round, on fresh servers:
  start      exec of `trailwall serve` → its "status on" line (reads the config, resolves the API
             key, GetQueueAttributes, binds the status endpoint)
  burst      N EventBridge messages (copies of one StartInstances record with distinct event ids),
             waiting in the queue when the daemon starts (a burst that arrived while it was
             down, or during a long commit) → every message deleted; runs, commits, firewall
             and AWS requests from /metrics
  idle       60 s with an empty queue: the daemon's CPU time and SQS requests
  scrape     GET /metrics and GET / (median of 50, from a keep-alive client)
  stop       SIGTERM while idle → exit
and the daemon's peak RSS (VmHWM) and minor/major page faults over the whole round.
"""
import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "demo"))

from scenario import cloudtrail  # noqa: E402
from scenario.harness import Scenario  # noqa: E402
from scenario.servers import Servers  # noqa: E402


def proc_stat(pid):
    """(utime+stime seconds, minor faults, major faults, VmHWM kB)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    minflt, majflt = int(fields[7]), int(fields[9])
    with open(f"/proc/{pid}/status") as f:
        hwm = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))
    return cpu, minflt, majflt, hwm


def metrics(url):
    host, port = url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def total(m, prefix):
    return sum(v for k, v in m.items() if k.startswith(prefix))


def scrape_ms(url, path, n=50):
    host, port = url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request("GET", path)
        conn.getresponse().read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def round_(args):
    with Servers(args.panos_sim) as servers:
        s = Scenario(servers, args.trailwall)
        sqs = servers.moto.client("sqs")
        queue = sqs.create_queue(QueueName="bench-events",
                                 Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
        with open(s.config_path, "a") as f:
            f.write(f'\n[serve]\nqueue_url = "{queue}"\nreconcile_period_seconds = 0\n'
                    f'batch_window_seconds = {args.window}\n')
        record = s.ec2.start(s.topology.instances["web-2"])
        sent = time.perf_counter()
        for i in range(0, args.messages, 10):
            entries = []
            for j in range(i, min(i + 10, args.messages)):
                r = dict(record, eventID=f"bench-{j:06d}")
                entries.append({"Id": str(j - i),
                                "MessageBody": json.dumps(cloudtrail.eventbridge_event(r))})
            sqs.send_message_batch(QueueUrl=queue, Entries=entries)
        send_s = time.perf_counter() - sent
        log = open(os.path.join(servers.workdir, "serve.log"), "wb")
        started = time.perf_counter()
        p = subprocess.Popen([args.trailwall, "--config", s.config_path, "--log-level", "info",
                              "serve", "--listen", "127.0.0.1:0"], env=s.trailwall.env,
                             stdout=subprocess.PIPE, stderr=log, text=True,
                             start_new_session=True)
        try:
            line = p.stdout.readline()
            start_ms = (time.perf_counter() - started) * 1000
            url = re.search(r"(http://127\.0\.0\.1:\d+)", line).group(1)

            deadline = time.monotonic() + max(600, 3 * args.window + 300)
            while True:  # every message settled as deleted, and the queue empty
                m = metrics(url)
                attributes = sqs.get_queue_attributes(
                    QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages",
                                                    "ApproximateNumberOfMessagesNotVisible"])
                left = sum(int(v) for v in attributes["Attributes"].values())
                if m.get('trailwall_messages_total{outcome="deleted"}', 0) >= args.messages \
                        and left == 0:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("the burst was not handled in time")
                time.sleep(0.05)
            burst_s = time.perf_counter() - started
            m = metrics(url)  # after the deletes
            runs = total(m, "trailwall_runs_total{")
            commits = m.get('trailwall_commits_total{outcome="ok"}', 0)
            firewall = total(m, "trailwall_firewall_requests_total{")
            ec2 = m.get('trailwall_aws_requests_total{kind="ec2"}', 0)
            receives = m.get('trailwall_aws_requests_total{kind="ReceiveMessage"}', 0)
            deletes = m.get('trailwall_aws_requests_total{kind="DeleteMessageBatch"}', 0)

            cpu0, *_ = proc_stat(p.pid)
            sqs0 = total(metrics(url), "trailwall_aws_requests_total{")
            time.sleep(args.idle)
            cpu1, *_ = proc_stat(p.pid)
            idle_sqs = total(metrics(url), "trailwall_aws_requests_total{") - sqs0
            metrics_ms = scrape_ms(url, "/metrics")
            page_ms = scrape_ms(url, "/")
            cpu, minflt, majflt, hwm = proc_stat(p.pid)

            stop_started = time.perf_counter()
            os.kill(p.pid, signal.SIGTERM)
            code = p.wait(timeout=60)
            stop_ms = (time.perf_counter() - stop_started) * 1000
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            log.close()
        return {
            "start_ms": start_ms, "send_s": send_s, "burst_s": burst_s, "runs": runs,
            "commits": commits, "firewall_requests": firewall, "ec2_requests": ec2,
            "receives": receives, "delete_batches": deletes,
            "idle_cpu_ms_per_min": (cpu1 - cpu0) * 1000 * 60 / args.idle,
            "idle_sqs_requests_per_min": idle_sqs * 60 / args.idle,
            "metrics_ms": metrics_ms, "page_ms": page_ms, "cpu_s": cpu, "minflt": minflt,
            "majflt": majflt, "peak_rss_mb": hwm / 1024, "stop_ms": stop_ms, "exit": code,
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trailwall", required=True)
    ap.add_argument("--panos-sim", required=True)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--idle", type=float, default=60)
    ap.add_argument("--window", type=float, default=10,
                    help="batch_window_seconds (moto answers a receive in ~0.1-1 s, far slower "
                         "than SQS: a long window shows the count-based close)")
    args = ap.parse_args()
    results = [round_(args) for _ in range(args.rounds)]
    print(f"{args.rounds} rounds, {args.messages} messages each, window {args.window} s; "
          "median (min-max)")
    for key in results[0]:
        values = [r[key] for r in results]
        median = statistics.median(values)
        print(f"  {key:28} {median:10.2f}  ({min(values):.2f}-{max(values):.2f})")


if __name__ == "__main__":
    main()
