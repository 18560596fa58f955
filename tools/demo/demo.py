#!/usr/bin/env python3
"""trailwall's demo (README command 1; scripts/demo.sh builds the binaries and runs this).

Starts moto_server (AWS, signatures verified) and panos-sim (the firewall, HTTPS with a
certificate made by openssl; trailwall verifies it) on free loopback ports, builds a VPC whose
internet gateway is a firewall instance, and walks through AWS changes: for each it makes the
change in moto, writes the CloudTrail record AWS would write (as a gzip'd log file, an EventBridge
event, a log file in S3 or an S3 notification), runs `trailwall handle` on it and shows the
firewall's rulebase. A final `trailwall reconcile` finds nothing to do. With `--layout tag` it
shows the tag layout instead: one commit for the rules and dynamic address groups, then instances
come and go with User-ID registrations only, the firewall's commit count staying at zero.
With `--fleet` it runs two VPCs behind two firewalls ([[firewall]] entries, one panos-sim
--firewalls 2): one batch split by gateway, and one firewall failing without holding the other.
Everything it started is stopped on success, failure and Ctrl-C. The scenario machinery (tools/demo/scenario) is the one
the end-to-end tests (tests/e2e) use.
"""
import argparse
import dataclasses
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scenario import cli, firewall  # noqa: E402
from scenario.aws import ANYWHERE, OFFICE, tcp  # noqa: E402
from scenario.fleet import NAMES, FleetScenario, FleetServers  # noqa: E402
from scenario.harness import Scenario  # noqa: E402
from scenario.servers import ServerError, Servers  # noqa: E402

BOLD, DIM, RESET = ("\033[1m", "\033[2m", "\033[0m") if sys.stdout.isatty() else ("", "", "")


class Clock:
    def __init__(self):
        self.start = time.monotonic()

    def __str__(self):
        return f"[{time.monotonic() - self.start:6.1f}s]"


@dataclasses.dataclass
class Step:
    title: str
    change: object    # () -> CloudTrail record, made in moto
    delivery: str     # "log file", "EventBridge", "S3 URL", "S3 notification"
    expect: str       # what should happen, for the reader


class Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so the with-blocks stop the servers."""


def on_sigterm(*_):
    raise Terminated()


def say(text=""):
    print(text, flush=True)


def indent(text, prefix="      "):
    return "\n".join(prefix + line for line in text.rstrip("\n").splitlines())


def report(run, verbose):
    """trailwall's report; without --verbose, without each rule's detail (the table shows it)."""
    lines = run.stdout.splitlines()
    if not verbose:
        lines = [line for line in lines if not line.startswith("    ")]
    text = "\n".join(lines)
    if verbose or run.code:
        text += "\n" + run.stderr
    return text


def deliver(s, record, how):
    """Writes `record` in the delivery shape `how`; the argument for `trailwall handle`."""
    return {"log file": s.log_file, "EventBridge": s.eventbridge, "S3 URL": s.s3_log_file,
            "S3 notification": s.s3_notification}[how](record)


def describe_vpc(s):
    t, a = s.topology, s.topology.addresses
    return "\n".join([
        f"VPC {t.vpc} 10.0.0.0/16, Internet Gateway {t.igw}, firewall instance {t.firewall}",
        f"  subnet public   10.0.0.0/24  0.0.0.0/0 -> Internet Gateway    firewall untrust ENI "
        f"{a['firewall-untrust']}, bastion {a['bastion']}",
        f"  subnet web      10.0.1.0/24  0.0.0.0/0 -> firewall instance   web-1 {a['web-1']} "
        f"(running), web-2 {a['web-2']} (stopped)",
        f"  subnet app      10.0.2.0/24  main table: 0.0.0.0/0 -> firewall trust ENI "
        f"{t.firewall_enis['trust']}   app-1 {a['app-1']}",
        f"  subnet fw-trust 10.0.3.0/24  local only                    firewall trust ENI "
        f"{a['firewall-trust']}",
        f"  groups: web {t.groups['web']} (tcp 80, 443 from anywhere), admin-ssh "
        f"{t.groups['admin-ssh']} (tcp 22 from {OFFICE}),",
        f"          monitoring {t.groups['monitoring']} (ping), app {t.groups['app']} "
        f"(tcp 8443 from the partners prefix list, 5432 from web),",
        f"          bastion {t.groups['bastion']} (tcp 22 from anywhere), firewall "
        f"{t.groups['firewall']} (all from the VPC)",
        "  web-1: web + admin-ssh + monitoring; web-2: web + admin-ssh; app-1: app + admin-ssh",
    ])


def steps(s):
    t = s.topology
    ec2 = s.ec2
    return [
        Step("StartInstances: web-2 starts", lambda: ec2.start(t.instances["web-2"]), "log file",
             "web rules for web-2 (web-1 is already allowed by web-servers-inbound), "
             "web-2 joins the ssh rule"),
        Step("AuthorizeSecurityGroupIngress: app opens tcp 443 to the internet",
             lambda: ec2.authorize(t.groups["app"], tcp(443, ANYWHERE)), "EventBridge",
             "a new rule for app's tcp 443 (App-ID ssl)"),
        Step("RevokeSecurityGroupIngress: admin-ssh stops admitting the office",
             lambda: ec2.revoke(t.groups["admin-ssh"], tcp(22, OFFICE)), "S3 URL",
             "the ssh rule goes"),
        Step("StopInstances: web-2 stops", lambda: ec2.stop(t.instances["web-2"]), "EventBridge",
             "web-2's web rules go"),
        Step("ReplaceRoute: the web subnet's default route now goes to the Internet Gateway",
             lambda: ec2.replace_route(t.route_tables["web"], ANYWHERE, GatewayId=t.igw),
             "log file", "web-1 no longer sits behind the firewall: the ping rule goes"),
        Step("RunInstances: app-2 launched in the app subnet (main table)",
             lambda: ec2.run("app-2", t.subnets["app"], [t.groups["app"]], "10.0.2.20")[1],
             "S3 notification", "app-2 joins the app rules"),
        Step("TerminateInstances: app-1 terminated",
             lambda: ec2.terminate(t.instances["app-1"]), "log file",
             "app-1 leaves the app rules"),
    ]


def run_demo(args, clock):
    timings = []
    with Servers(args.panos_sim, commit_ms=args.commit_ms) as servers:
        say(f"{clock} moto_server {servers.moto.endpoint} (pid {servers.moto.child.process.pid},"
            f" signatures verified), panos-sim {servers.sim.base_url} "
            f"(pid {servers.sim.child.process.pid}, TLS certificate made by openssl)")
        started = time.monotonic()
        s = Scenario(servers, args.trailwall)
        timings.append(("build the VPC in moto", time.monotonic() - started, None))
        say(f"{clock} built through the EC2 API:\n{indent(describe_vpc(s), '   ')}")
        say(f"\n{BOLD}The firewall before trailwall{RESET} (panos-sim's running configuration)")
        say(s.table())

        def trailwall(run, previous):
            say(f"{clock} $ trailwall {' '.join(run.args)}   "
                f"{DIM}(exit {run.code}, {run.seconds:.2f} s){RESET}")
            say(indent(report(run, args.verbose)))
            if run.code != 0:
                raise RuntimeError(f"trailwall {' '.join(run.args)} failed with {run.code}")
            say(s.table(previous))
            admin = firewall.administrator_rules(s.running())
            if admin != s.baseline_admin:
                raise RuntimeError("an administrator rule changed")

        say(f"\n{BOLD}0. trailwall takes over: an API key, then a full reconcile{RESET}")
        run = s.trailwall.keygen("admin", "admin")
        say(f"{clock} $ TRAILWALL_PASSWORD=… trailwall keygen --user admin   "
            f"{DIM}(exit {run.code}, {run.seconds:.2f} s){RESET}")
        if run.code != 0:
            raise RuntimeError(f"trailwall keygen failed:\n{run.stderr}")
        key = run.stdout.strip()
        s.trailwall.use_api_key(key)
        say(f"      an API key of {len(key)} characters, passed to trailwall in "
            f"${cli.API_KEY_VARIABLE} (configuration: api_key = {{ env = ... }})")
        previous = s.running()
        run = s.trailwall.reconcile()
        trailwall(run, previous)
        timings.append(("0. reconcile (everything)", None, run.seconds))
        first_delivery = None

        for number, step in enumerate(steps(s), 1):
            say(f"\n{BOLD}{number}. {step.title}{RESET}")
            started = time.monotonic()
            record = step.change()
            aws_seconds = time.monotonic() - started
            target = deliver(s, record, step.delivery)
            first_delivery = first_delivery or target
            say(f"{clock} changed in moto ({aws_seconds * 1000:.0f} ms); CloudTrail record "
                f"{record['eventName']} {record['eventID']} delivered as {step.delivery}:")
            say(indent(target, "      "))
            say(f"      expect: {step.expect}")
            previous = s.running()
            run = s.trailwall.handle(target)
            trailwall(run, previous)
            timings.append((f"{number}. {record['eventName']}", aws_seconds, run.seconds))

        number = len(timings) - 1
        say(f"\n{BOLD}{number}. CloudTrail delivers at least once: step 1's log file "
            f"again{RESET}")
        say("      expect: AWS says web-2 is stopped now, so nothing changes and nothing is "
            "committed")
        s.sim.reset_counters()
        previous = s.running()
        run = s.trailwall.handle(first_delivery)
        trailwall(run, previous)
        commits = s.sim.counters()["by_type"].get("commit", 0)
        say(f"      commits on the firewall: {commits}")
        timings.append((f"{number}. duplicate delivery", None, run.seconds))

        say(f"\n{BOLD}{number + 1}. A final full reconcile finds nothing to do{RESET}")
        s.sim.reset_counters()
        previous = s.running()
        run = s.trailwall.reconcile()
        trailwall(run, previous)
        counters = s.sim.counters()
        if counters["by_type"].get("commit", 0) != 0 or commits != 0:
            raise RuntimeError(f"expected no commit, the firewall counted {counters}")
        timings.append((f"{number + 1}. reconcile", None, run.seconds))
    return timings


def registrations_table(s):
    """panos-sim's User-ID registrations, group tags shown with the group's name."""
    answer = s.sim.control("GET", "/sim/userid?vsys=vsys1")
    names = s.topology.names
    lines = []
    for entry in sorted(answer["entries"], key=lambda e: tuple(int(x) for x in e["ip"].split("."))):
        tags = []
        for t in entry["tags"]:
            group = t["tag"].split(".", 1)[1] if t["tag"].startswith("trailwall.") else None
            label = names.get(group, t["tag"]) if group else t["tag"]
            expires = t["expires_in_s"]
            tags.append(f"{label} ({expires} s)" if expires is not None else label)
        lines.append(f"      {entry['ip']:<12} {', '.join(tags)}")
    return "\n".join(lines) if lines else "      (none)"


def tag_steps(s):
    t, ec2 = s.topology, s.ec2
    return [
        Step("StartInstances: web-2 starts", lambda: ec2.start(t.instances["web-2"]), "log file",
             "web-2 registered with the web and admin-ssh tags; no commit"),
        Step("StopInstances: app-1 stops", lambda: ec2.stop(t.instances["app-1"]), "EventBridge",
             "app-1's registrations go; no commit"),
        Step("RunInstances: app-2 launched in the app subnet",
             lambda: ec2.run("app-2", t.subnets["app"], [t.groups["app"]], "10.0.2.20")[1],
             "S3 notification", "app-2 registered with the app tag; no commit"),
        Step("StartInstances: app-1 starts again", lambda: ec2.start(t.instances["app-1"]),
             "log file", "app-1 registered again; no commit"),
        Step("TerminateInstances: web-2 terminated",
             lambda: ec2.terminate(t.instances["web-2"]), "log file",
             "web-2's registrations go; no commit"),
    ]


def run_tag_demo(args, clock):
    timings = []
    with Servers(args.panos_sim, commit_ms=args.commit_ms) as servers:
        say(f"{clock} moto_server {servers.moto.endpoint} (pid {servers.moto.child.process.pid},"
            f" signatures verified), panos-sim {servers.sim.base_url} "
            f"(pid {servers.sim.child.process.pid}, TLS certificate made by openssl)")
        s = Scenario(servers, args.trailwall, layout="tag")
        say(f"{clock} built through the EC2 API:\n{indent(describe_vpc(s), '   ')}")
        say(f"{clock} trailwall configured with [policy] layout = \"tag\"")

        def trailwall(run, previous, what):
            say(f"{clock} $ trailwall {' '.join(run.args)}   "
                f"{DIM}(exit {run.code}, {run.seconds:.2f} s){RESET}")
            say(indent(report(run, args.verbose)))
            if run.code != 0:
                raise RuntimeError(f"trailwall {' '.join(run.args)} failed with {run.code}")
            counters = s.sim.counters()
            commits = counters["by_type"].get("commit", 0)
            userid = counters["by_type"].get("user-id", 0)
            say(f"      {what}: commits on the firewall {commits}, User-ID requests {userid}")
            if firewall.administrator_rules(s.running()) != s.baseline_admin:
                raise RuntimeError("an administrator rule changed")
            return commits

        say(f"\n{BOLD}0. A full reconcile: rules per group permission, one dynamic address group "
            f"per group, the addresses registered{RESET}")
        s.sim.reset_counters()
        previous = s.running()
        run = s.trailwall.reconcile()
        trailwall(run, previous, "reconcile")
        say(s.table(previous))
        say(f"      registrations (tag, time left):\n{registrations_table(s)}")
        timings.append(("0. reconcile (everything)", None, run.seconds))
        rules_after_reconcile = firewall.rules(s.running())

        total_commits = 0
        for number, step in enumerate(tag_steps(s), 1):
            say(f"\n{BOLD}{number}. {step.title}{RESET}")
            started = time.monotonic()
            record = step.change()
            aws_seconds = time.monotonic() - started
            target = deliver(s, record, step.delivery)
            say(f"{clock} changed in moto ({aws_seconds * 1000:.0f} ms); CloudTrail record "
                f"{record['eventName']} delivered as {step.delivery}")
            say(f"      expect: {step.expect}")
            s.sim.reset_counters()
            run = s.trailwall.handle(target)
            total_commits += trailwall(run, None, "this step")
            say(f"      registrations:\n{registrations_table(s)}")
            timings.append((f"{number}. {record['eventName']}", aws_seconds, run.seconds))

        say(f"\n{BOLD}{len(timings)}. A final full reconcile refreshes every registration's "
            f"timeout and commits nothing{RESET}")
        s.sim.reset_counters()
        run = s.trailwall.reconcile()
        total_commits += trailwall(run, None, "reconcile")
        timings.append((f"{len(timings)}. reconcile", None, run.seconds))
        if firewall.rules(s.running()) != rules_after_reconcile:
            raise RuntimeError("the rulebase changed while instances came and went")
        say(f"      rulebase unchanged since step 0; commits since step 0: {total_commits}")
        if total_commits != 0:
            raise RuntimeError(f"expected no commit after step 0, counted {total_commits}")
    return timings


def run_fleet_demo(args, clock):
    """Two VPCs, each behind its own firewall of one panos-sim process (issue 13): one batch of
    events touching both gives each firewall its own rules and one commit; a commit that fails on
    one firewall leaves the other committed, and trailwall's exit code names the failed one."""
    timings = []
    with FleetServers(args.panos_sim, commit_ms=args.commit_ms) as servers:
        devices = ", ".join(f"{d.name} {d.base_url}" for d in servers.fleet.devices)
        say(f"{clock} moto_server {servers.moto.endpoint} (pid {servers.moto.child.process.pid},"
            f" signatures verified), panos-sim --firewalls 2: {devices} "
            f"(pid {servers.fleet.child.process.pid})")
        f = FleetScenario(servers, args.trailwall)
        for name in NAMES:
            say(f"{clock} VPC {f.vpcs[name].vpc} -> firewall instance {f.vpcs[name].firewall} -> "
                f"[[firewall]] name = \"{name}\" ({f.devices[name].name})")

        def trailwall(run, expected=0):
            say(f"{clock} $ trailwall {' '.join(run.args)}   "
                f"{DIM}(exit {run.code}, {run.seconds:.2f} s){RESET}")
            say(indent(report(run, args.verbose)))
            if run.code != expected:
                raise RuntimeError(f"trailwall {' '.join(run.args)}: exit {run.code}, "
                                   f"expected {expected}")
            for name in NAMES:
                admin = firewall.administrator_rules(f.devices[name].running_config())
                if admin != f.baseline_admin[name]:
                    raise RuntimeError(f"an administrator rule changed on {name}")

        def commits():
            return {name: f.devices[name].counters()["commits"]["enqueued"] for name in NAMES}

        say(f"\n{BOLD}1. web-2 starts in both VPCs: one log file, one trailwall run{RESET}")
        say("      expect: each firewall gets the rules of its own VPC, with one commit each")
        records = [f.ec2.start(f.vpcs[name].instances["web-2"]) for name in NAMES]
        before, previous = commits(), {n: f.devices[n].running_config() for n in NAMES}
        run = f.trailwall.handle(f.log_file(*records))
        trailwall(run)
        after = commits()
        for name in NAMES:
            say(f"      firewall {name}: commits {after[name] - before[name]}")
            say(f.table(name, previous[name]))
            if after[name] - before[name] != 1:
                raise RuntimeError(f"expected one commit on {name}")
        timings.append(("1. StartInstances x2", None, run.seconds))

        say(f"\n{BOLD}2. web-2 stops in both VPCs, and west's commit fails{RESET}")
        say("      expect: east commits; west reports the failure; exit code 1 names west")
        f.devices["west"].set_faults({"fail_commits": 1})
        records = [f.ec2.stop(f.vpcs[name].instances["web-2"]) for name in NAMES]
        target = f.log_file(*records)
        run = f.trailwall.handle(target)
        trailwall(run, expected=1)
        if "firewall west" not in run.stderr:
            raise RuntimeError("the failure does not name firewall west")
        timings.append(("2. StopInstances x2, west fails", None, run.seconds))

        say(f"\n{BOLD}3. The same log file again (SQS or Lambda would deliver it again){RESET}")
        say("      expect: east has nothing to do; west commits now")
        run = f.trailwall.handle(target)
        trailwall(run)
        timings.append(("3. redelivery", None, run.seconds))

        say(f"\n{BOLD}4. A final full reconcile of the fleet{RESET}")
        run = f.trailwall.reconcile()
        trailwall(run)
        timings.append(("4. reconcile", None, run.seconds))
        before = commits()
        run = f.trailwall.reconcile()
        trailwall(run)
        if commits() != before:
            raise RuntimeError("a second reconcile committed")
        say("      a second reconcile: nothing to do on either firewall")
    return timings


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trailwall", required=True, help="the trailwall binary")
    parser.add_argument("--panos-sim", required=True, help="the panos-sim binary")
    parser.add_argument("--commit-ms", type=int, default=500,
                        help="how long panos-sim's commit jobs run (default 500)")
    parser.add_argument("--verbose", action="store_true",
                        help="show trailwall's whole report and its log lines")
    parser.add_argument("--layout", choices=("group", "tag"), default="group",
                        help="group (default): the walk through AWS changes; tag: instance churn "
                             "in the tag layout, with no commit")
    parser.add_argument("--fleet", action="store_true",
                        help="two VPCs behind two firewalls of one panos-sim ([[firewall]] "
                             "entries): one batch split by gateway, one firewall failing")
    args = parser.parse_args()
    # Ctrl-C and SIGTERM end the demo through the with-blocks, which stop the servers (SIGINT is
    # set explicitly: a shell starting the demo in the background would have it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_sigterm)
    clock = Clock()
    say(f"{BOLD}trailwall demo{RESET}: AWS changes become firewall rules\n")
    try:
        if args.fleet:
            timings = run_fleet_demo(args, clock)
        elif args.layout == "tag":
            timings = run_tag_demo(args, clock)
        else:
            timings = run_demo(args, clock)
    except KeyboardInterrupt:
        say(f"\n{clock} interrupted: moto_server and panos-sim stopped")
        return 130
    except Terminated:
        say(f"\n{clock} terminated: moto_server and panos-sim stopped")
        return 143
    except (RuntimeError, ServerError, OSError) as e:
        say(f"\n{clock} demo failed: {e}\n(moto_server and panos-sim stopped)")
        return 1
    say(f"\n{BOLD}Timings{RESET}  {'step':<34} {'AWS change':>10} {'trailwall':>10}")
    for name, aws_seconds, tw_seconds in timings:
        a = f"{aws_seconds * 1000:.0f} ms" if aws_seconds is not None else ""
        w = f"{tw_seconds * 1000:.0f} ms" if tw_seconds is not None else ""
        say(f"         {name:<34} {a:>10} {w:>10}")
    say(f"{clock} done; moto_server and panos-sim stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
