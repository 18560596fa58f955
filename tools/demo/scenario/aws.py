"""The demo VPC, built in moto through the EC2 API, and EC2 changes that leave CloudTrail records.

The VPC (10.0.0.0/16, the network panos-sim's built-in configuration calls `vpc-net`):

  public   10.0.0.0/24  own table: 0.0.0.0/0 -> Internet Gateway   firewall untrust ENI, bastion
  web      10.0.1.0/24  own table: 0.0.0.0/0 -> firewall instance  web-1 (running), web-2 (stopped)
  app      10.0.2.0/24  no table of its own: the main table,
                        0.0.0.0/0 -> the firewall's trust ENI        app-1
  fw-trust 10.0.3.0/24  own table: local only                      firewall trust ENI

Groups: web (tcp 80 and 443 from anywhere), admin-ssh (tcp 22 from the office 203.0.113.0/24),
monitoring (ICMP echo from 203.0.113.64/26), app (tcp 8443 from the `partners` prefix list,
tcp 5432 from the web group), bastion (tcp 22 from anywhere), firewall (everything from the VPC).
web-1 has the address panos-sim's administrator rule `web-servers-inbound` already allows web
traffic to, so its web flows need no managed rule.
"""
import dataclasses
import re
import uuid

from . import cloudtrail
from .servers import ACCOUNT, REGION

AMI = "ami-0a1b2c3d4e5f60718"  # moto accepts any id; looking one up costs seconds
VPC_CIDR = "10.0.0.0/16"
ANYWHERE = "0.0.0.0/0"
OFFICE = "203.0.113.0/24"
MONITORING = "203.0.113.64/26"
PARTNERS = ["198.51.100.0/24", "192.0.2.0/25"]


def tcp(port, *cidrs, to_port=None):
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": to_port or port,
            "IpRanges": [{"CidrIp": c} for c in cidrs]}


def icmp_echo(*cidrs):
    return {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1,
            "IpRanges": [{"CidrIp": c} for c in cidrs]}


def _snake(operation):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


class Ec2:
    """EC2 in moto through boto3; `change()` also returns the CloudTrail record AWS would write.

    Reads (describe_*) go straight to the boto3 client: `ec2.describe_instances(...)`.
    """

    def __init__(self, moto):
        self.client = moto.client("ec2")
        self.trail = cloudtrail.Trail(ACCOUNT, REGION, moto.user, moto.user_id,
                                      moto.access_key_id)
        self._last_xml = None
        self.client.meta.events.register("after-call.ec2.*", self._keep_xml)

    def _keep_xml(self, http_response, **_):
        self._last_xml = http_response.content.decode()

    def change(self, operation, **params):
        """Calls `operation` (e.g. "StartInstances"); returns (boto3 answer, CloudTrail record)."""
        answer = getattr(self.client, _snake(operation))(**params)
        return answer, self.trail.record(operation, params, self._last_xml)

    def __getattr__(self, name):
        return getattr(self.client, name)

    # The changes the scenarios make, each returning its CloudTrail record.
    def start(self, *instance_ids):
        return self.change("StartInstances", InstanceIds=list(instance_ids))[1]

    def stop(self, *instance_ids):
        return self.change("StopInstances", InstanceIds=list(instance_ids), Force=False)[1]

    def terminate(self, *instance_ids):
        return self.change("TerminateInstances", InstanceIds=list(instance_ids))[1]

    def authorize(self, group_id, *permissions):
        return self.change("AuthorizeSecurityGroupIngress", GroupId=group_id,
                           IpPermissions=list(permissions))[1]

    def revoke(self, group_id, *permissions):
        return self.change("RevokeSecurityGroupIngress", GroupId=group_id,
                           IpPermissions=list(permissions))[1]

    def replace_route(self, route_table_id, cidr, **target):
        return self.change("ReplaceRoute", RouteTableId=route_table_id,
                           DestinationCidrBlock=cidr, **target)[1]

    def create_route(self, route_table_id, cidr, **target):
        return self.change("CreateRoute", RouteTableId=route_table_id,
                           DestinationCidrBlock=cidr, **target)[1]

    def run(self, name, subnet_id, group_ids, address, stopped=False):
        """Launches one instance; returns (instance id, CloudTrail record)."""
        answer, record = self.change(
            "RunInstances", ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro",
            ClientToken=str(uuid.uuid4()), SubnetId=subnet_id, SecurityGroupIds=list(group_ids),
            PrivateIpAddress=address,
            TagSpecifications=[{"ResourceType": "instance",
                                "Tags": [{"Key": "Name", "Value": name}]}])
        instance_id = answer["Instances"][0]["InstanceId"]
        if stopped:
            self.client.stop_instances(InstanceIds=[instance_id])
        return instance_id, record


@dataclasses.dataclass
class Topology:
    vpc: str
    igw: str
    subnets: dict        # name -> subnet id
    route_tables: dict   # public, web, main, fw-trust -> route table id
    prefix_list: str
    groups: dict         # name -> group id
    firewall: str        # the gateway instance
    firewall_enis: dict  # untrust, trust -> ENI id
    instances: dict      # name -> instance id
    addresses: dict      # name -> private IPv4 address
    names: dict = dataclasses.field(default_factory=dict)  # any id -> a readable name


def build(ec2):
    """Builds the demo VPC (module docstring) and returns its ids. No records: this is the
    state before trailwall takes over."""
    c = ec2.client
    vpc = c.create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
    igw = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    c.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnets = {name: c.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
               for name, cidr in (("public", "10.0.0.0/24"), ("web", "10.0.1.0/24"),
                                  ("app", "10.0.2.0/24"), ("fw-trust", "10.0.3.0/24"))}
    prefix_list = c.create_managed_prefix_list(
        PrefixListName="partners", AddressFamily="IPv4", MaxEntries=10,
        Entries=[{"Cidr": cidr, "Description": "partner"} for cidr in PARTNERS],
    )["PrefixList"]["PrefixListId"]

    def group(name, description, *permissions):
        gid = c.create_security_group(GroupName=name, Description=description,
                                      VpcId=vpc)["GroupId"]
        if permissions:
            c.authorize_security_group_ingress(GroupId=gid, IpPermissions=list(permissions))
        return gid

    groups = {}
    groups["firewall"] = group("firewall", "the firewall's interfaces",
                               {"IpProtocol": "-1", "IpRanges": [{"CidrIp": VPC_CIDR}]})
    groups["web"] = group("web", "web servers", tcp(80, ANYWHERE), tcp(443, ANYWHERE))
    groups["admin-ssh"] = group("admin-ssh", "ssh from the office", tcp(22, OFFICE))
    groups["monitoring"] = group("monitoring", "pings from the monitoring service",
                                 icmp_echo(MONITORING))
    groups["app"] = group(
        "app", "application servers",
        {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443,
         "PrefixListIds": [{"PrefixListId": prefix_list}]},
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "UserIdGroupPairs": [{"GroupId": groups["web"]}]})
    groups["bastion"] = group("bastion", "ssh jump host", tcp(22, ANYWHERE))

    # The firewall: untrust ENI (device 0) in the public subnet, trust ENI (device 1).
    addresses = {"firewall-untrust": "10.0.0.10", "firewall-trust": "10.0.3.10",
                 "bastion": "10.0.0.20", "web-1": "10.0.1.10", "web-2": "10.0.1.20",
                 "app-1": "10.0.2.10"}
    firewall, _ = ec2.run("firewall", subnets["public"], [groups["firewall"]],
                          addresses["firewall-untrust"])
    trust = c.create_network_interface(SubnetId=subnets["fw-trust"], Groups=[groups["firewall"]],
                                       PrivateIpAddress=addresses["firewall-trust"])
    trust_eni = trust["NetworkInterface"]["NetworkInterfaceId"]
    c.attach_network_interface(NetworkInterfaceId=trust_eni, InstanceId=firewall, DeviceIndex=1)
    c.modify_network_interface_attribute(NetworkInterfaceId=trust_eni,
                                         SourceDestCheck={"Value": False})
    untrust_eni = next(
        e["NetworkInterfaceId"]
        for e in c.describe_network_interfaces(
            Filters=[{"Name": "attachment.instance-id", "Values": [firewall]}])["NetworkInterfaces"]
        if e["NetworkInterfaceId"] != trust_eni)

    route_tables = {}
    main = c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                            {"Name": "association.main", "Values": ["true"]}])
    route_tables["main"] = main["RouteTables"][0]["RouteTableId"]
    c.create_route(RouteTableId=route_tables["main"], DestinationCidrBlock=ANYWHERE,
                   NetworkInterfaceId=trust_eni)
    for name, target in (("public", {"GatewayId": igw}), ("web", {"InstanceId": firewall}),
                         ("fw-trust", None)):
        rt = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        if target:
            c.create_route(RouteTableId=rt, DestinationCidrBlock=ANYWHERE, **target)
        c.associate_route_table(RouteTableId=rt, SubnetId=subnets[name])
        route_tables[name] = rt

    instances = {"firewall": firewall}
    for name, subnet, group_names, stopped in (
            ("bastion", "public", ["bastion"], False),
            ("web-1", "web", ["web", "admin-ssh", "monitoring"], False),
            ("web-2", "web", ["web", "admin-ssh"], True),
            ("app-1", "app", ["app", "admin-ssh"], False)):
        instances[name], _ = ec2.run(name, subnets[subnet], [groups[g] for g in group_names],
                                     addresses[name], stopped=stopped)

    topology = Topology(vpc, igw, subnets, route_tables, prefix_list, groups, firewall,
                        {"untrust": untrust_eni, "trust": trust_eni}, instances, addresses)
    for kind in ("subnets", "route_tables", "groups", "instances", "firewall_enis"):
        for name, rid in getattr(topology, kind).items():
            topology.names[rid] = name
    topology.names[igw] = "internet-gateway"
    return topology
