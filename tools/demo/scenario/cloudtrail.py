"""CloudTrail records of EC2 calls, written the way AWS writes them, and their delivery shapes.

A record is built from the call that was really made against moto: the request parameters in
CloudTrail's shape (lowerCamel names, lists as `xxxSet: {"items": [...]}`, an empty list as `{}`)
and the responseElements converted from the XML moto answered, the way CloudTrail converts EC2's
XML (`<item>` lists become `items`, `<return>` becomes `_return`, numbers and booleans typed,
launch/attach times in epoch milliseconds). Field facts: shared/reference/cloudtrail/FIELDS.md.

Delivery shapes: a gzip'd log file `{"Records": [...]}` named and laid out like CloudTrail's S3
delivery, an EventBridge "AWS API Call via CloudTrail" event, and an S3 ObjectCreated
notification for a log file in a bucket.
"""
import calendar
import datetime
import gzip
import json
import os
import platform
import random
import string
import uuid
import xml.etree.ElementTree as ET

import boto3
import botocore

# Elements whose text CloudTrail writes as a JSON number.
_INT_FIELDS = {
    "code", "fromPort", "toPort", "deviceIndex", "networkCardIndex", "amiLaunchIndex",
    "httpPutResponseHopLimit", "coreCount", "threadsPerCore", "minCount", "maxCount",
}
_EPOCH_MS_FIELDS = {"launchTime", "attachTime"}
# EC2 calls whose XML answer is <return>true</return> (moto leaves it out for some of them).
_BOOLEAN_RESULT = {
    "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "CreateRoute", "ReplaceRoute",
    "DeleteRoute", "ModifyInstanceAttribute", "ModifyNetworkInterfaceAttribute",
    "DisassociateRouteTable", "DeleteSecurityGroup",
}


def items(values):
    """CloudTrail's list shape: {"items": [...]}, or {} for an empty list."""
    values = list(values)
    return {"items": values} if values else {}


def _lower_camel(name):
    return name[:1].lower() + name[1:]


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _scalar(name, text):
    if text in ("true", "false"):
        return text == "true"
    if name in _INT_FIELDS:
        return int(text)
    if name in _EPOCH_MS_FIELDS:
        when = datetime.datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
        return calendar.timegm(when.utctimetuple()) * 1000
    return text


def _convert(element, event_name):
    children = list(element)
    name = _local(element.tag)
    if not children:
        text = (element.text or "").strip()
        if text:
            return _scalar(name, text)
        return {} if name.endswith("Set") else None  # absent fields are left out
    if all(_local(c.tag) == "item" for c in children):
        converted = [_convert(c, event_name) for c in children]
        # The one list CloudTrail writes with a singular key (FIELDS.md §1, RunInstances).
        singular = name == "privateIpAddressesSet" and event_name == "RunInstances"
        key = "item" if singular else "items"
        return {key: [c for c in converted if c is not None]}
    out = {}
    for c in children:
        value = _convert(c, event_name)
        if value is not None:
            out["_return" if _local(c.tag) == "return" else _local(c.tag)] = value
    return out


def response_elements(xml_text, event_name, request_id):
    """responseElements of `event_name` from the EC2 XML answer."""
    root = ET.fromstring(xml_text.encode())
    out = _convert(root, event_name) or {}
    out["requestId"] = request_id  # moto answers a placeholder; AWS repeats the requestID
    if event_name in _BOOLEAN_RESULT:
        out.setdefault("_return", True)
    return out


# requestParameters: how CloudTrail writes the parameters of each call (FIELDS.md §2).
def _instances(params):
    return {"instancesSet": items({"instanceId": i} for i in params["InstanceIds"])}


def _with_description(entry, source):
    if source.get("Description"):
        entry["description"] = source["Description"]
    return entry


def ip_permission(p):
    """One boto3 IpPermission as CloudTrail writes it in requestParameters.ipPermissions."""
    out = {"ipProtocol": p["IpProtocol"]}
    if "FromPort" in p:
        out["fromPort"] = p["FromPort"]
        out["toPort"] = p["ToPort"]
    out["groups"] = items(_with_description({"groupId": g["GroupId"]}, g)
                          for g in p.get("UserIdGroupPairs", []))
    out["ipRanges"] = items(_with_description({"cidrIp": r["CidrIp"]}, r)
                            for r in p.get("IpRanges", []))
    out["ipv6Ranges"] = items(_with_description({"cidrIpv6": r["CidrIpv6"]}, r)
                              for r in p.get("Ipv6Ranges", []))
    out["prefixListIds"] = items(_with_description({"prefixListId": r["PrefixListId"]}, r)
                                 for r in p.get("PrefixListIds", []))
    return out


def _group_permissions(params):
    out = {"groupId": params["GroupId"]}
    if "IpPermissions" in params:
        out["ipPermissions"] = items(ip_permission(p) for p in params["IpPermissions"])
    if "SecurityGroupRuleIds" in params:
        out["securityGroupRuleIds"] = items({"securityGroupRuleId": r}
                                            for r in params["SecurityGroupRuleIds"])
    return out


def _run_instances(params):
    out = {
        "instancesSet": items([{"imageId": params["ImageId"], "minCount": params["MinCount"],
                                "maxCount": params["MaxCount"]}]),
        "instanceType": params["InstanceType"],
        "blockDeviceMapping": {},
        "monitoring": {"enabled": False},
        "disableApiTermination": False,
        "disableApiStop": False,
    }
    if "ClientToken" in params:
        out["clientToken"] = params["ClientToken"]
    if "SubnetId" in params:
        out["subnetId"] = params["SubnetId"]
    if "SecurityGroupIds" in params:
        out["groupSet"] = items({"groupId": g} for g in params["SecurityGroupIds"])
    if "PrivateIpAddress" in params:
        out["privateIpAddress"] = params["PrivateIpAddress"]
    if "NetworkInterfaces" in params:
        out["networkInterfaceSet"] = items(
            {k: v for k, v in (("deviceIndex", n["DeviceIndex"]), ("subnetId", n.get("SubnetId")),
                               ("privateIpAddress", n.get("PrivateIpAddress")),
                               ("groupSet", items({"groupId": g} for g in n.get("Groups", []))))
             if v is not None}
            for n in params["NetworkInterfaces"])
    if "TagSpecifications" in params:
        out["tagSpecificationSet"] = items(
            {"resourceType": t["ResourceType"],
             "tags": [{"key": x["Key"], "value": x["Value"]} for x in t["Tags"]]}
            for t in params["TagSpecifications"])
    return out


def _scalars(params):
    return {_lower_camel(k): v for k, v in params.items() if not isinstance(v, (list, dict))}


_REQUEST_SHAPES = {
    "StartInstances": _instances,
    "StopInstances": lambda p: dict(_instances(p), force=p.get("Force", False)),
    "TerminateInstances": _instances,
    "RunInstances": _run_instances,
    "AuthorizeSecurityGroupIngress": _group_permissions,
    "RevokeSecurityGroupIngress": _group_permissions,
    "ModifyInstanceAttribute": lambda p: dict(
        _scalars(p), **({"groupSet": items({"groupId": g} for g in p["Groups"])}
                        if "Groups" in p else {})),
}


def request_parameters(event_name, params):
    return _REQUEST_SHAPES.get(event_name, _scalars)(params)


class Trail:
    """Writes the CloudTrail record of each EC2 call made by one IAM user."""

    def __init__(self, account, region, user_name, user_id, access_key_id):
        self.account = account
        self.region = region
        self.identity = {
            "type": "IAMUser",
            "principalId": user_id,
            "arn": f"arn:aws:iam::{account}:user/{user_name}",
            "accountId": account,
            "accessKeyId": access_key_id,
            "userName": user_name,
        }
        self.user_agent = (f"Boto3/{boto3.__version__} md/Botocore#{botocore.__version__} "
                           f"ua/2.1 os/linux lang/python#{platform.python_version()} "
                           f"exec-env/trailwall-demo")

    def record(self, event_name, params, response_xml, when=None):
        when = when or datetime.datetime.now(datetime.timezone.utc)
        request_id = str(uuid.uuid4())
        return {
            "eventVersion": "1.10",
            "userIdentity": dict(self.identity),
            "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": "ec2.amazonaws.com",
            "eventName": event_name,
            "awsRegion": self.region,
            "sourceIPAddress": "198.51.100.23",
            "userAgent": self.user_agent,
            "requestParameters": request_parameters(event_name, params),
            "responseElements": response_elements(response_xml, event_name, request_id),
            "requestID": request_id,
            "eventID": str(uuid.uuid4()),
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": self.account,
            "eventCategory": "Management",
            "tlsDetails": {
                "tlsVersion": "TLSv1.3",
                "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": f"ec2.{self.region}.amazonaws.com",
            },
        }


def log_file_key(account, region, when=None):
    """The S3 key CloudTrail delivers a log file under (FIELDS.md §5)."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    suffix = "".join(random.choices(string.ascii_letters + string.digits, k=16))
    return (f"AWSLogs/{account}/CloudTrail/{region}/{when:%Y/%m/%d}/"
            f"{account}_CloudTrail_{region}_{when:%Y%m%dT%H%MZ}_{suffix}.json.gz")


def log_file_bytes(records):
    """A CloudTrail log file's content: gzip of {"Records": [...]}."""
    return gzip.compress(json.dumps({"Records": records}, separators=(",", ":")).encode())


def write_log_file(directory, records, account, region):
    """Writes records as a delivered log file below `directory`; returns (path, key)."""
    key = log_file_key(account, region)
    path = os.path.join(directory, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(log_file_bytes(records))
    return path, key


def eventbridge_event(record):
    """The EventBridge event that carries `record` (FIELDS.md §4)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ec2",
        "account": record["recipientAccountId"],
        "time": record["eventTime"],
        "region": record["awsRegion"],
        "resources": [],
        "detail": record,
    }


def s3_notification(bucket, key, size, etag, region):
    """The S3 ObjectCreated:Put notification for a log file CloudTrail delivered."""
    return {"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AROAI2LRE6HOGRN3IWEKI:regionalDeliverySession"},
        "requestParameters": {"sourceIPAddress": "52.24.133.163"},
        "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                             "x-amz-id-2": uuid.uuid4().hex},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "trailwall",
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A1LTUPKDWDZAC6"},
                       "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": key, "size": size, "eTag": etag.strip('"'),
                       "sequencer": uuid.uuid4().hex[:18].upper()},
        },
    }]}


def write_json(path, value):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, indent=1)
    return path
