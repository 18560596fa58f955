"""The CloudTrail records the demo and these tests hand to trailwall look like what AWS writes:
the envelope fields of real records, lists as `xxxSet: {"items": [...]}` (or `{}`), the JSON
types real records have at the same paths (numbers, booleans, epoch-millisecond times), and the
ids moto returned where FIELDS.md says trailwall finds them — which `trailwall events` confirms.
And moto really checks the signatures of trailwall's requests.
Reference records: the copy of shared/reference/cloudtrail/ in tests/data/shared."""
import json
import os

from e2e_case import E2eCase, main
from scenario import cloudtrail
from scenario.aws import ANYWHERE, tcp

SHARED = os.environ.get("TRAILWALL_SHARED_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "shared")
REFERENCE = os.path.join(SHARED, "reference", "cloudtrail")


def reference(name):
    with open(os.path.join(REFERENCE, name)) as f:
        return json.load(f)


def leaves(value, path=""):
    """path -> value of every leaf; list elements share the path `…[]`."""
    out = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(leaves(v, f"{path}.{k}" if path else k))
    elif isinstance(value, list):
        for v in value:
            out.update(leaves(v, path + "[]"))
    else:
        out[path] = value
    return out


def sets(value, path=""):
    """(path, value) of every member whose name ends in Set."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            here = f"{path}.{k}" if path else k
            if k.endswith("Set"):
                out.append((here, v))
            out.extend(sets(v, here))
    elif isinstance(value, list):
        for v in value:
            out.extend(sets(v, path + "[]"))
    return out


class Records(E2eCase):
    def assertLooksLike(self, ours, theirs):
        self.assertEqual(sorted(set(theirs) - set(ours)), [], "envelope fields missing")
        for path, value in sets(ours):
            self.assertIsInstance(value, dict, path)
            self.assertIn(sorted(value), ([], ["items"], ["item"]), path)
        mine, real = leaves(ours), leaves(theirs)
        for path in set(mine) & set(real):
            if real[path] is not None:
                self.assertIs(type(mine[path]), type(real[path]),
                              f"{path}: {mine[path]!r} vs AWS's {real[path]!r}")

    def test_records_have_the_shape_aws_writes_and_the_ids_moto_returned(self):
        t = self.s.topology
        ec2 = self.s.ec2
        web2 = t.instances["web-2"]
        app2, run = ec2.run("app-2", t.subnets["app"], [t.groups["app"]], "10.0.2.20")
        records = {
            "StartInstances-stratus-2024.json": (ec2.start(web2), "instance_ids", web2),
            "StopInstances-force-stratus-2024.json": (ec2.stop(web2), "instance_ids", web2),
            "TerminateInstances-terraform-elastic-2025.json": (
                ec2.terminate(t.instances["app-1"]), "instance_ids", t.instances["app-1"]),
            "RunInstances-cli-tagSpecification-elastic-2024.json": (run, "instance_ids", app2),
            "AuthorizeSecurityGroupIngress-ipv4-securityGroupRuleSet-elastic-2024.json": (
                ec2.authorize(t.groups["app"], tcp(443, ANYWHERE)), "group_ids", t.groups["app"]),
            "CreateRoute-igw-SYNTHETIC-panther.json": (
                ec2.create_route(t.route_tables["fw-trust"], ANYWHERE, GatewayId=t.igw),
                "route_table_ids", t.route_tables["fw-trust"]),
        }
        for name, (record, _, _) in records.items():
            with self.subTest(name):
                self.assertLooksLike(record, reference(name))
        event = cloudtrail.eventbridge_event(records["StartInstances-stratus-2024.json"][0])
        self.assertLooksLike(
            event, reference("eventbridge-AuthorizeSecurityGroupIngress-ipv4-ipv6-reflex-2020.json"))
        key = self.s.s3_log_file(run).split("/", 3)[3]
        self.assertRegex(key, r"^AWSLogs/123456789012/CloudTrail/us-east-1/\d{4}/\d\d/\d\d/"
                              r"123456789012_CloudTrail_us-east-1_\d{8}T\d{4}Z_\w{16}\.json\.gz$")

        # trailwall finds the ids moto returned where it looks for them.
        log_file = self.s.log_file(*(record for record, _, _ in records.values()))
        decoded = self.ok(self.tw.run("events", log_file, global_args=["--output", "json"]))
        changes = json.loads(decoded.stdout)["changes"]
        self.assertEqual(len(changes), len(records), decoded.stdout)
        for change, (name, (record, kind, resource_id)) in zip(changes, records.items()):
            self.assertEqual(change["event"], record["eventName"], name)
            self.assertIn(resource_id, change["scope"].get(kind, []), f"{name}: {change}")

    def test_moto_checks_signatures(self):
        # What every other test relies on: moto refuses a request signed with a wrong secret.
        self.ok(self.tw.reconcile(dry_run=True), code=2)
        refused = self.ok(self.tw.reconcile(dry_run=True, env={"AWS_SECRET_ACCESS_KEY": "wrong"}),
                          code=1)
        self.assertIn("AuthFailure", refused.stderr)


if __name__ == "__main__":
    main()
