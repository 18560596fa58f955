"""deploy/template.yaml against the code it deploys: the EventBridge rule matches exactly the
events the engine acts on (`trailwall event-pattern`), the IAM policy grants exactly the EC2
calls trailwall makes (read from src/aws) and nothing broader, and the template's generated
block is up to date. Run by ctest (tests/unit/deploy/CMakeLists.txt) with TRAILWALL_BIN set."""
import json
import os
import re
import subprocess
import sys
import unittest

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TEMPLATE = os.path.join(ROOT, "deploy", "template.yaml")
GENERATOR = os.path.join(ROOT, "deploy", "generate-event-pattern.py")
TRAILWALL = os.environ.get("TRAILWALL_BIN", "")


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !If, …) read as {"Fn::…": value}."""


def _tag(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else "Condition" if suffix == "Condition" else "Fn::" + suffix
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _tag)


def load_template():
    with open(TEMPLATE) as f:
        return yaml.load(f, Loader=CfnLoader)


def statements(template):
    """Sid -> statement of the function role's policy; statements under !If by their Sid."""
    role = template["Resources"]["FunctionRole"]["Properties"]
    out = {}
    for policy in role["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            if "Fn::If" in statement:
                statement = statement["Fn::If"][1]
            out[statement["Sid"]] = statement
    return out


def actions(statement):
    value = statement["Action"]
    return sorted(value if isinstance(value, list) else [value])


def ec2_calls_in_source():
    """The EC2 API actions src/aws sends: the action names ec2_client.cpp passes to its calls."""
    with open(os.path.join(ROOT, "src", "aws", "ec2_client.cpp")) as f:
        text = f.read()
    return sorted(set(re.findall(r'"((?:Describe|Get)[A-Za-z]+)"', text)))


class Template(unittest.TestCase):
    def setUp(self):
        self.template = load_template()

    def test_the_rule_matches_exactly_the_events_the_engine_acts_on(self):
        out = subprocess.run([TRAILWALL, "event-pattern"], check=True, capture_output=True,
                             text=True)
        engine = json.loads(out.stdout)
        rule = self.template["Resources"]["ApiCallRule"]["Properties"]["EventPattern"]
        self.assertEqual(rule, engine)
        self.assertIn("StartInstances", engine["detail"]["eventName"])

    def test_the_generated_block_is_up_to_date(self):
        run = subprocess.run([sys.executable, GENERATOR, "--trailwall", TRAILWALL, "--check"],
                             capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)

    def test_the_describe_actions_are_exactly_those_trailwall_calls(self):
        calls = ec2_calls_in_source()
        self.assertIn("DescribeInstances", calls)
        describe = statements(self.template)["TrailwallDescribe"]
        self.assertEqual(actions(describe), ["ec2:" + c for c in calls])
        self.assertEqual(describe["Resource"], "*")  # Describe* take no resource ARNs

    def test_every_other_grant_is_scoped_to_its_one_resource(self):
        s = statements(self.template)
        self.assertEqual(actions(s["ApiKey"]), ["secretsmanager:GetSecretValue"])
        self.assertEqual(s["ApiKey"]["Resource"], {"Ref": "ApiKeySecretArn"})
        self.assertEqual(actions(s["TrailLogFiles"]), ["s3:GetObject"])
        self.assertEqual(s["TrailLogFiles"]["Resource"],
                         {"Fn::Sub": "arn:${AWS::Partition}:s3:::${TrailBucketName}/${TrailPrefix}*"})
        self.assertEqual(actions(s["EventQueue"]),
                         ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage",
                          "sqs:GetQueueAttributes", "sqs:ReceiveMessage"])
        self.assertEqual(s["EventQueue"]["Resource"], {"Fn::GetAtt": "EventQueue.Arn"})
        self.assertEqual(actions(s["FailedEvents"]), ["sqs:SendMessage"])
        self.assertEqual(s["FailedEvents"]["Resource"], {"Fn::GetAtt": "DeadLetterQueue.Arn"})
        self.assertEqual(actions(s["Logs"]), ["logs:CreateLogStream", "logs:PutLogEvents"])
        # Lambda's own ENI management for VPC access, nothing else that writes to EC2.
        self.assertEqual(actions(s["LambdaVpcNetworking"]),
                         ["ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface",
                          "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"])
        self.assertEqual(sorted(s), ["ApiKey", "EventQueue", "FailedEvents", "LambdaVpcNetworking",
                                     "Logs", "TrailLogFiles", "TrailwallDescribe"])
        for sid, statement in s.items():
            self.assertEqual(statement["Effect"], "Allow", sid)
            for action in actions(statement):
                self.assertNotIn("*", action, sid)

    def test_the_function_is_the_package_on_provided_al2023(self):
        function = self.template["Resources"]["Function"]["Properties"]
        self.assertEqual(function["Runtime"], "provided.al2023")
        self.assertEqual(function["Handler"], "bootstrap")
        self.assertEqual(function["CodeUri"], "../dist/trailwall-lambda-x86_64.zip")
        self.assertEqual(function["ReservedConcurrentExecutions"],
                         {"Fn::If": ["UseReserved", 1, {"Ref": "AWS::NoValue"}]})
        mapping = self.template["Resources"]["EventQueueMapping"]["Properties"]
        self.assertEqual(mapping["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        queue = self.template["Resources"]["EventQueue"]["Properties"]
        self.assertTrue(queue["FifoQueue"])
        self.assertEqual(queue["RedrivePolicy"]["maxReceiveCount"], 5)


if __name__ == "__main__":
    if not os.access(TRAILWALL, os.X_OK):
        print(f"TRAILWALL_BIN does not name an executable: {TRAILWALL!r}")
        sys.exit(1)
    unittest.main(verbosity=2)
