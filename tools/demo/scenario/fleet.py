"""A fleet (issue 13): two firewalls from one `panos-sim --firewalls 2`, two demo VPCs in moto,
each routed through its own firewall instance, and trailwall configured with one [[firewall]]
entry per firewall (`east` → fw1, `west` → fw2). The demo's --fleet scenario and the fleet e2e
test start from here.

    with FleetServers(panos_sim_binary) as servers:
        f = FleetScenario(servers, trailwall_binary)
        records = [f.ec2.start(f.vpcs["east"].instances["web-2"]),
                   f.ec2.start(f.vpcs["west"].instances["web-2"])]
        run = f.trailwall.handle(f.log_file(*records))
"""
import os
import re
import ssl

from . import aws, cli, cloudtrail, firewall
from .servers import ACCOUNT, REGION, Child, PanosSim, ServerError, Servers, make_certificate

NAMES = ("east", "west")
KEY_VARIABLES = {"east": "TRAILWALL_DEMO_API_KEY", "west": "TRAILWALL_DEMO_API_KEY_WEST"}


class FleetSim:
    """`panos-sim --firewalls N` over HTTPS: one process, N independent devices."""

    def __init__(self, binary, workdir, count=2, commit_ms=0):
        self.binary, self.workdir, self.count, self.commit_ms = binary, workdir, count, commit_ms
        self.child = None
        self.devices = []  # PanosSim views, one per device, in fw1… order

    def spawn(self):
        if not os.access(self.binary, os.X_OK):
            raise ServerError(f"panos-sim binary not found: {self.binary}")
        self.ca_bundle, key = make_certificate(self.workdir)
        argv = [self.binary, "--port", "0", "--cert", self.ca_bundle, "--key", key,
                "--commit-ms", str(self.commit_ms), "--firewalls", str(self.count), "--quiet"]
        self.child = Child("panos-sim", argv, os.path.join(self.workdir, "panos-sim.log"))

    def wait_ready(self, timeout=30):
        self.child.wait_for_line(r"(?m)^ready$", timeout)
        tls = ssl.create_default_context(cafile=self.ca_bundle)
        for m in re.finditer(r"listening on (https://127\.0\.0\.1:\d+) (\S+)", self.child.log()):
            device = PanosSim(self.binary, self.workdir)
            device.base_url, device.ca_bundle, device._tls = m.group(1), self.ca_bundle, tls
            device.name = m.group(2)
            self.devices.append(device)
        if len(self.devices) != self.count:
            raise ServerError(f"panos-sim announced {len(self.devices)} devices, not {self.count}")

    def stop(self):
        if self.child:
            self.child.stop()


class FleetServers(Servers):
    """moto_server + a panos-sim fleet in a temporary directory; stopped and removed on exit.
    `fleet` (also `sim`) is the FleetSim."""

    def __init__(self, panos_sim_binary, commit_ms=0):
        super().__init__(panos_sim_binary, commit_ms)
        self.sim = self.fleet = FleetSim(panos_sim_binary, self.workdir, len(NAMES), commit_ms)


def write_fleet_config(path, servers, vpcs, job_poll_seconds=0.1):
    """[policy] defaults, then one [[firewall]] per name: its device, key variable and gateway
    (the firewall instance and its trust ENI, which the VPC's main table routes to)."""
    lines = ["# Written by the trailwall demo for its moto_server and a panos-sim fleet.",
             "[policy]", 'untrust_zone = "untrust"', 'trust_zone = "trust"',
             f'bottom_rule = "{cli.BOTTOM_RULE}"', f'profile_group = "{cli.PROFILE_GROUP}"']
    for name, device in zip(NAMES, servers.fleet.devices):
        topology = vpcs[name]
        lines += ["", "[[firewall]]", f'name = "{name}"',
                  f'host = "{device.host}"', f'api_key = {{ env = "{KEY_VARIABLES[name]}" }}',
                  f'ca_bundle = "{device.ca_bundle}"', "tls_verify = true", 'admin = "admin"',
                  f"job_poll_seconds = {job_poll_seconds}",
                  f'gateway = {{ instance_id = "{topology.firewall}", '
                  f'eni_ids = ["{topology.firewall_enis["trust"]}"] }}']
    lines += ["", "[aws]", f'accounts = ["{ACCOUNT}"]', f'regions = ["{REGION}"]', ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


class FleetScenario:
    """Two demo VPCs (east, west), each behind its own firewall of the fleet."""

    def __init__(self, servers, trailwall_binary):
        self.servers = servers
        self.ec2 = aws.Ec2(servers.moto)
        self.vpcs = {name: aws.build(self.ec2) for name in NAMES}
        self.devices = dict(zip(NAMES, servers.fleet.devices))
        self.config_path = os.path.join(servers.workdir, "trailwall.toml")
        write_fleet_config(self.config_path, servers, self.vpcs)
        keys = {name: d.keygen("admin", "admin") for name, d in self.devices.items()}
        self.trailwall = cli.Trailwall(trailwall_binary, self.config_path, servers, keys["east"])
        self.trailwall.env[KEY_VARIABLES["west"]] = keys["west"]
        self.baseline_admin = {name: firewall.administrator_rules(d.running_config())
                               for name, d in self.devices.items()}
        self._trail = os.path.join(servers.workdir, "trail")

    def log_file(self, *records):
        path, _ = cloudtrail.write_log_file(self._trail, list(records), ACCOUNT, REGION)
        return path

    def managed_rules(self, name):
        """name -> Rule of the managed rules on firewall `name` (running configuration)."""
        return {r.name: r for r in firewall.managed(self.devices[name].running_config())}

    def group_ids(self, name):
        return set(self.vpcs[name].groups.values())

    def table(self, name, previous=None):
        return firewall.table(self.devices[name].running_config(), self.vpcs[name].names,
                              previous, self.baseline_admin[name])

