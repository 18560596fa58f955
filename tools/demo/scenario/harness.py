"""One scenario's world: fresh servers, the demo VPC in moto, panos-sim's built-in firewall,
and trailwall configured for both. The demo and every e2e test start from here.

    with Servers(panos_sim_binary) as servers:
        s = Scenario(servers, trailwall_binary)
        record = s.ec2.start(s.topology.instances["web-2"])
        run = s.trailwall.handle(s.log_file(record))
        print(firewall.table(s.sim.running_config(), s.topology.names))
"""
import itertools
import os

from . import aws, cli, cloudtrail, firewall
from .servers import ACCOUNT, REGION

LOG_BUCKET = f"aws-cloudtrail-logs-{ACCOUNT}-trailwall"


class Scenario:
    def __init__(self, servers, trailwall_binary, api_key=None, **policy):
        """Builds the VPC and writes trailwall's configuration; `policy` overrides [policy] keys.
        Without `api_key` the key comes from the simulator's keygen for admin/admin."""
        self.servers = servers
        self.sim = servers.sim
        self.moto = servers.moto
        self.ec2 = aws.Ec2(self.moto)
        self.topology = aws.build(self.ec2)
        self.api_key = api_key or self.sim.keygen("admin", "admin")
        self.config_path = os.path.join(servers.workdir, "trailwall.toml")
        cli.write_config(self.config_path, servers, self.topology.firewall, **policy)
        self.trailwall = cli.Trailwall(trailwall_binary, self.config_path, servers, self.api_key)
        self.baseline_admin = firewall.administrator_rules(self.sim.running_config())
        self._files = itertools.count(1)
        self._bucket = None

    def reconfigure(self, firewall=None, **policy):
        """Rewrites the configuration with other [policy] keys (and [firewall] keys)."""
        cli.write_config(self.config_path, self.servers, self.topology.firewall,
                         firewall=firewall, **policy)

    # Delivery: the shapes CloudTrail's records reach trailwall in.
    def log_file(self, *records):
        """A gzip'd log file on disk, laid out like CloudTrail's S3 delivery; its path."""
        path, _ = cloudtrail.write_log_file(os.path.join(self.servers.workdir, "trail"),
                                            list(records), ACCOUNT, REGION)
        return path

    def eventbridge(self, record):
        """An EventBridge event file carrying `record`; its path."""
        path = os.path.join(self.servers.workdir, "events",
                            f"{next(self._files):03d}-{record['eventName']}.json")
        return cloudtrail.write_json(path, cloudtrail.eventbridge_event(record))

    def s3_log_file(self, *records):
        """A log file delivered to the trail's bucket in moto S3; its s3:// URL."""
        key = self._upload(records)[0]
        return f"s3://{LOG_BUCKET}/{key}"

    def s3_notification(self, *records):
        """A log file delivered to moto S3 and the S3 notification announcing it; its path."""
        key, size, etag = self._upload(records)
        path = os.path.join(self.servers.workdir, "events", f"{next(self._files):03d}-s3.json")
        return cloudtrail.write_json(
            path, cloudtrail.s3_notification(LOG_BUCKET, key, size, etag, REGION))

    def _upload(self, records):
        s3 = self.moto.client("s3")
        if self._bucket is None:
            s3.create_bucket(Bucket=LOG_BUCKET)
            self._bucket = LOG_BUCKET
        body = cloudtrail.log_file_bytes(list(records))
        key = cloudtrail.log_file_key(ACCOUNT, REGION)
        etag = s3.put_object(Bucket=LOG_BUCKET, Key=key, Body=body)["ETag"]
        return key, len(body), etag

    # The firewall.
    def running(self):
        return self.sim.running_config()

    def candidate(self):
        return self.sim.candidate_config()

    def managed_rules(self, config_xml=None):
        """name -> Rule of the managed rules in `config_xml` (default: running)."""
        return {r.name: r for r in firewall.managed(config_xml or self.running())}

    def rule_name(self, group, suffix):
        """The managed rule name of one of the topology's groups: <group-id>-<suffix>."""
        return f"{self.topology.groups[group]}-{suffix}"

    def table(self, previous=None):
        return firewall.table(self.running(), self.topology.names, previous, self.baseline_admin)
