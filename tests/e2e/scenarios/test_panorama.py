"""Panorama (issue 13): trailwall against panos-sim's Panorama managing fw1 (device group dg1) and
fw2 (dg2). Rules go to dg1's pre-rulebase above its bottom rule, one commit on Panorama and one
push of dg1 only; the pushed rules reach fw1 (policy-match there); another administrator's
committed-but-unpushed work is never pushed by trailwall: on Panorama before 10.2 the push is
deferred (exit code 4) and only push = "always" gets past it, on 10.2+ the push is admin-scoped."""
import json
import os
import re
import ssl
import time
import xml.etree.ElementTree as ET

from e2e_case import PANOS_SIM, TRAILWALL, main
import unittest

from scenario.aws import tcp
from scenario.harness import Scenario
from scenario.servers import Child, PanosSim, Servers, make_certificate

DG = "/config/devices/entry[@name='localhost.localdomain']/device-group/entry[@name='{}']"
PUSHED = "./panorama/vsys/entry[@name='vsys1']/pre-rulebase/security/rules/entry"
BOTTOM = "dg-block-inbound"
JSON = ("--output", "json")


class PanoramaSim(PanosSim):
    """panos-sim --firewalls 2 with a Panorama (dg1 = fw1, dg2 = fw2); `base_url` is the
    Panorama's, `devices` every device's URL by name."""

    def __init__(self, binary, workdir, sw_version, commit_ms=0):
        super().__init__(binary, workdir, commit_ms)
        self.sw_version = sw_version
        self.devices = {}

    def spawn(self):
        self.ca_bundle, key = make_certificate(self.workdir)
        self._tls = ssl.create_default_context(cafile=self.ca_bundle)
        argv = [self.binary, "--port", "0", "--cert", self.ca_bundle, "--key", key,
                "--commit-ms", str(self.commit_ms), "--quiet", "--firewalls", "2", "--device-group", "dg1=fw1",
                "--device-group", "dg2=fw2", "--sw-version", self.sw_version]
        self.child = Child("panos-sim", argv, os.path.join(self.workdir, "panos-sim.log"))

    def wait_ready(self, timeout=30):
        self.child.wait_for_line(r"(?m)^ready", timeout)
        for url, name in re.findall(r"listening on (https://127\.0\.0\.1:\d+) (\S+)",
                                    self.child.log()):
            self.devices[name] = url
        self.base_url = self.devices["panorama"]

    def on(self, device):
        """The same simulator API, aimed at one device."""
        other = PanosSim(self.binary, self.workdir)
        other.base_url = self.devices[device]
        other._tls = self._tls
        return other


def rules_of(config_xml, group):
    root = ET.fromstring(config_xml)
    dg = root.find(f"./devices/entry[@name='localhost.localdomain']/device-group/"
                   f"entry[@name='{group}']")
    return [e.get("name") for e in dg.findall("./pre-rulebase/security/rules/entry")]


def pushed_rules(config_xml):
    return [e.get("name") for e in ET.fromstring(config_xml).findall(PUSHED)]


def managed(names):
    return [n for n in names if n.startswith("sg-")]


class PanoramaCase(unittest.TestCase):
    SW_VERSION = "10.2.11"

    def setUp(self):
        self.servers = Servers(PANOS_SIM)
        self.servers.sim = PanoramaSim(PANOS_SIM, self.servers.workdir, self.SW_VERSION)
        self.servers.__enter__()
        self.addCleanup(self.servers.close)
        self.pan = self.servers.sim
        self.fw1 = self.pan.on("fw1")
        self.fw2 = self.pan.on("fw2")
        self.s = Scenario(self.servers, TRAILWALL)
        self.tw = self.s.trailwall
        self.configure()

    def configure(self, **firewall):
        settings = {"device_group": "dg1", "device_hosts": "DEVICE_HOSTS"}
        settings.update(firewall)
        self.s.reconfigure(firewall=settings, bottom_rule=BOTTOM, profile_group="")
        self.configure_hosts()

    def configure_hosts(self):
        """device_hosts is a list: written as TOML by hand (the harness writes scalars)."""
        with open(self.s.config_path) as f:
            text = f.read()
        host = self.pan.devices["fw1"].split("//")[1]
        text = text.replace('device_hosts = "DEVICE_HOSTS"', f'device_hosts = ["{host}"]')
        with open(self.s.config_path, "w") as f:
            f.write(text)

    def ok(self, run, code=0):
        self.assertEqual(run.code, code, f"{run}\n{self.servers.logs()}")
        return run

    def operator_commits_address(self, name):
        """The operator administrator adds an address to dg1 and commits it on Panorama (a
        partial commit of its own changes), without pushing."""
        key = self.pan.keygen("operator", "operator")
        self.pan.api({"type": "config", "action": "set",
                      "xpath": DG.format("dg1") + f"/address/entry[@name='{name}']",
                      "element": "<ip-netmask>192.0.2.77</ip-netmask>"}, key)
        reply = self.pan.api({"type": "commit", "action": "partial",
                              "cmd": "<commit><partial><admin><member>operator</member></admin>"
                                     "</partial></commit>"}, key)
        job = re.search(r"<job>(\d+)</job>", reply).group(1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = self.pan.api(
                {"type": "op", "cmd": f"<show><jobs><id>{job}</id></jobs></show>"}, key)
            if "<status>FIN</status>" in status:
                self.assertIn("<result>OK</result>", status)
                return
            time.sleep(0.05)
        self.fail("the operator's commit did not finish")

    def policy_match_fw1(self, source, destination, port):
        key = self.fw1.keygen("admin", "admin")
        return self.fw1.api({"type": "op", "cmd": (
            "<test><security-policy-match><from>untrust</from><to>trust</to>"
            f"<source>{source}</source><destination>{destination}</destination>"
            f"<protocol>6</protocol><destination-port>{port}</destination-port>"
            "</security-policy-match></test>")}, key)

    def push_json(self, run):
        return json.loads(run.stdout)["applied"]["push"]


class Panorama(PanoramaCase):
    def test_rules_in_pre_rulebase_one_commit_one_push_reaching_the_firewall(self):
        run = self.ok(self.tw.reconcile(global_args=JSON))
        push = self.push_json(run)
        self.assertEqual(push["device_group"], "dg1")
        self.assertEqual(push["action"], "admin-scoped push")
        self.assertTrue(push["pushed"], push)
        self.assertEqual([d["name"] for d in push["devices"]], ["fw1"])

        # On Panorama: in dg1's pre-rulebase, together, directly above the bottom rule.
        names = rules_of(self.pan.running_config(), "dg1")
        rules = managed(names)
        self.assertTrue(rules, names)
        bottom = names.index(BOTTOM)
        self.assertEqual(names[bottom - len(rules):bottom], rules, names)
        self.assertEqual(managed(rules_of(self.pan.running_config(), "dg2")), [])
        counters = self.pan.counters()
        self.assertEqual(counters["commits"]["enqueued"], 1, counters)
        self.assertEqual(counters["pushes"]["enqueued"], 1, counters)

        # Pushed to fw1 only; fw1 enforces it.
        self.assertEqual(sorted(managed(pushed_rules(self.fw1.running_config()))), sorted(rules))
        self.assertEqual(managed(pushed_rules(self.fw2.running_config())), [])
        web = self.s.topology.addresses["web-1"]
        answer = self.policy_match_fw1("198.51.100.7", web, 443)
        self.assertRegex(answer, r"sg-[0-9a-f]+-tcp-443", answer)

        # Nothing changed: no commit and no push.
        self.ok(self.tw.reconcile())
        counters = self.pan.counters()
        self.assertEqual(counters["commits"]["enqueued"], 1, counters)
        self.assertEqual(counters["pushes"]["enqueued"], 1, counters)

    def test_admin_scoped_push_leaves_another_administrators_work_on_panorama(self):
        self.operator_commits_address("operator-work")
        run = self.ok(self.tw.reconcile(global_args=JSON))
        self.assertEqual(self.push_json(run)["action"], "admin-scoped push")
        fw1 = self.fw1.running_config()
        self.assertTrue(managed(pushed_rules(fw1)))
        self.assertNotIn("operator-work", fw1)

    def test_push_failing_on_a_firewall_is_an_error_naming_it(self):
        self.fw1.set_faults({"fail_commits": 1})
        run = self.ok(self.tw.reconcile(), code=1)
        self.assertIn("push of device group dg1", run.stderr)
        self.assertIn("fw1", run.stderr)

    def test_push_never_commits_on_panorama_only(self):
        self.configure(push="never")
        run = self.ok(self.tw.reconcile())
        self.assertIn("committed on Panorama, not pushed", run.stdout)
        self.assertTrue(managed(rules_of(self.pan.running_config(), "dg1")))
        self.assertEqual(managed(pushed_rules(self.fw1.running_config())), [])
        self.assertEqual(self.pan.counters()["pushes"]["enqueued"], 0)


class TagModeThroughPanorama(PanoramaCase):
    def test_registrations_go_to_the_firewall_and_need_no_push(self):
        settings = {"device_group": "dg1", "device_hosts": "DEVICE_HOSTS"}
        self.s.reconfigure(firewall=settings, bottom_rule=BOTTOM, profile_group="",
                           layout="tag")
        self.configure_hosts()
        self.ok(self.tw.reconcile())
        # Rules and dynamic address groups in dg1, pushed to fw1.
        root = ET.fromstring(self.pan.running_config())
        dg = root.find("./devices/entry[@name='localhost.localdomain']/device-group/"
                       "entry[@name='dg1']")
        self.assertTrue(dg.findall("./address-group/entry/dynamic"), self.pan.running_config())
        # The registrations are on fw1 (not on Panorama), and fw1 enforces the rules with them.
        registered = self.fw1.control("GET", "/sim/userid?vsys=vsys1")
        web = self.s.topology.addresses["web-1"]
        self.assertIn(web, [e["ip"] for e in registered["entries"] if e["tags"]], registered)
        self.assertRegex(self.policy_match_fw1("198.51.100.7", web, 443),
                         r"sg-[0-9a-f]+-dag-tcp-443")
        pushes = self.pan.counters()["pushes"]["enqueued"]
        commits = self.pan.counters()["commits"]["enqueued"]

        # An instance starting changes registrations only: no commit and no push.
        self.s.ec2.start(self.s.topology.instances["web-2"])
        self.ok(self.tw.reconcile())
        web2 = self.s.topology.addresses["web-2"]
        registered = self.fw1.control("GET", "/sim/userid?vsys=vsys1")
        self.assertIn(web2, [e["ip"] for e in registered["entries"] if e["tags"]], registered)
        self.assertEqual(self.pan.counters()["pushes"]["enqueued"], pushes)
        self.assertEqual(self.pan.counters()["commits"]["enqueued"], commits)
        self.assertRegex(self.policy_match_fw1("198.51.100.7", web2, 443),
                         r"sg-[0-9a-f]+-dag-tcp-443")


class OldPanorama(PanoramaCase):
    SW_VERSION = "10.1.9"

    def test_unpushed_work_of_another_administrator_defers_the_push(self):
        self.operator_commits_address("operator-work")
        run = self.ok(self.tw.reconcile(), code=4)
        self.assertIn("push deferred: device group dg1 has changes not yet pushed", run.stdout)
        self.assertIn("operator", run.stdout)
        # Committed on Panorama, nothing pushed: neither the operator's work nor trailwall's.
        self.assertTrue(managed(rules_of(self.pan.running_config(), "dg1")))
        fw1 = self.fw1.running_config()
        self.assertNotIn("operator-work", fw1)
        self.assertEqual(managed(pushed_rules(fw1)), [])
        self.assertEqual(self.pan.counters()["pushes"]["enqueued"], 0)

        # Still deferred on the next change with push = "auto".
        self.s.ec2.authorize(self.s.topology.groups["web"], tcp(8080, "0.0.0.0/0"))
        self.ok(self.tw.reconcile(), code=4)
        self.assertEqual(self.pan.counters()["pushes"]["enqueued"], 0)

        # push = "always" is the only way past: everything goes out.
        self.configure(push="always")
        self.s.ec2.authorize(self.s.topology.groups["web"], tcp(8081, "0.0.0.0/0"))
        run = self.ok(self.tw.reconcile())
        self.assertIn("full push", run.stdout)
        fw1 = self.fw1.running_config()
        self.assertIn("operator-work", fw1)
        self.assertEqual(sorted(managed(pushed_rules(fw1))),
                         sorted(managed(rules_of(self.pan.running_config(), "dg1"))))

    def test_in_sync_group_is_pushed_in_full(self):
        run = self.ok(self.tw.reconcile())
        self.assertIn("full push", run.stdout)
        self.assertTrue(managed(pushed_rules(self.fw1.running_config())))


if __name__ == "__main__":
    main()
