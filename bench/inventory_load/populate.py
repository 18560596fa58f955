#!/usr/bin/env python3
"""Fills moto_server with an inventory for the loader benchmark; prints its ids as JSON.

usage: populate.py TOTAL_INSTANCES   (endpoint and keys from AWS_ENDPOINT_URL /
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION; run again with a larger TOTAL to grow
the same VPC: it adds only the missing instances)

One VPC (10.0.0.0/16 + 10.1.0.0/16), a gateway instance, 16 subnets of which half route
0.0.0.0/0 to the gateway, 40 security groups (443 from anywhere, 22 from an office range,
8080 from a prefix list, 5432 from another group), two prefix lists; instances spread over
the subnets, each with the primary ENI and two of the groups.
"""
import json
import os
import sys

import boto3

SUBNETS = 16
GROUPS = 40
BATCH = 250


def main() -> int:
    total = int(sys.argv[1])
    ec2 = boto3.client("ec2", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                       region_name=os.environ.get("AWS_REGION", "us-east-1"))
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:bench", "Values": ["inventory_load"]}])["Vpcs"]
    if vpcs:
        state = json.loads(next(t["Value"] for t in vpcs[0]["Tags"] if t["Key"] == "ids"))
    else:
        state = build(ec2)
    have = len([i for r in ec2.describe_instances(
        Filters=[{"Name": "tag:role", "Values": ["workload"]}])["Reservations"]
        for i in r["Instances"]])
    ami = state["ami"]
    n = have
    while n < total:
        count = min(BATCH, total - n)
        k = n // BATCH
        ec2.run_instances(
            ImageId=ami, MinCount=count, MaxCount=count, InstanceType="t3.micro",
            SubnetId=state["subnets"][k % SUBNETS],
            SecurityGroupIds=[state["groups"][k % GROUPS], state["groups"][(k * 7 + 3) % GROUPS]],
            TagSpecifications=[{"ResourceType": "instance",
                                "Tags": [{"Key": "role", "Value": "workload"}]}])
        n += count
    state["instances"] = n
    page = ec2.describe_instances(Filters=[{"Name": "tag:role", "Values": ["workload"]}],
                                  MaxResults=5)
    state["sample_instance"] = page["Reservations"][0]["Instances"][0]["InstanceId"]
    json.dump(state, sys.stdout)
    return 0


def build(ec2):
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.1.0.0/16")
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{i // 8}.{(i % 8) * 16}.0/20")
               ["Subnet"]["SubnetId"] for i in range(SUBNETS)]
    gw_subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.255.0/24")["Subnet"]["SubnetId"]
    pls = [ec2.create_managed_prefix_list(
        PrefixListName=f"partners-{p}", AddressFamily="IPv4", MaxEntries=20,
        Entries=[{"Cidr": f"198.51.{100 + p}.{e * 16}/28"} for e in range(8)],
    )["PrefixList"]["PrefixListId"] for p in range(2)]
    groups = []
    for g in range(GROUPS):
        gid = ec2.create_security_group(GroupName=f"bench-{g}", Description="bench",
                                        VpcId=vpc)["GroupId"]
        perms = [
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": f"203.0.113.{g}/32"}]},
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
             "PrefixListIds": [{"PrefixListId": pls[g % 2]}]},
        ]
        if groups:
            perms.append({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                          "UserIdGroupPairs": [{"GroupId": groups[-1]}]})
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)
        groups.append(gid)
    gw = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="c5.xlarge",
                           SubnetId=gw_subnet)["Instances"][0]["InstanceId"]
    for i, subnet in enumerate(subnets[: SUBNETS // 2]):
        rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", InstanceId=gw)
        ec2.associate_route_table(RouteTableId=rt, SubnetId=subnet)
    state = {"ami": ami, "vpc": vpc, "subnets": subnets, "groups": groups, "gateway": gw,
             "prefix_lists": pls}
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "bench", "Value": "inventory_load"},
                                           {"Key": "ids", "Value": json.dumps(state)}])
    return state


if __name__ == "__main__":
    sys.exit(main())
