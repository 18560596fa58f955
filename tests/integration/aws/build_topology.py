#!/usr/bin/env python3
"""Builds the integration-test topology in moto through boto3 and prints its ids as JSON.

Reads the endpoint and keys from AWS_ENDPOINT_URL / AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
AWS_REGION. The topology (what the loader must find, see inventory_load_test.cpp):

  VPC 10.10.0.0/16 + secondary 10.20.0.0/16
    subnet gw   10.10.0.0/24  the firewall instance (gateway) with a second ENI
    subnet a    10.10.1.0/24  table rt-a: 0.0.0.0/0 -> gateway instance
    subnet b    10.20.1.0/24  table rt-b: 0.0.0.0/0 -> gateway's second ENI
    subnet c    10.10.2.0/24  no explicit table: the VPC's main table
  instances web (subnet a, two ENIs, a secondary IP), app (subnet b), db (subnet c, stopped)
  groups web (443 any, 22 from 203.0.113.0/24, 8080 from the prefix list) and app (80 from the
  web group, 53/udp from 10.20.0.0/16, 9090 from a second prefix list); prefix lists with two
  entries and one entry (web's second ENI carries both groups: one instance, two lists).
"""
import json
import os
import sys

import boto3


def main() -> int:
    ec2 = boto3.client(
        "ec2",
        endpoint_url=os.environ["AWS_ENDPOINT_URL"],
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
    )
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    vpc = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.20.0.0/16")

    def subnet(cidr):
        return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]

    sn_gw, sn_a, sn_b, sn_c = (subnet(c) for c in
                               ("10.10.0.0/24", "10.10.1.0/24", "10.20.1.0/24", "10.10.2.0/24"))

    pl = ec2.create_managed_prefix_list(
        PrefixListName="partners", AddressFamily="IPv4", MaxEntries=10,
        Entries=[{"Cidr": "198.51.100.0/24", "Description": "partner one"},
                 {"Cidr": "192.0.2.0/25", "Description": "partner two"}],
    )["PrefixList"]["PrefixListId"]
    pl2 = ec2.create_managed_prefix_list(
        PrefixListName="monitoring", AddressFamily="IPv4", MaxEntries=10,
        Entries=[{"Cidr": "100.64.10.0/24", "Description": "monitoring"}],
    )["PrefixList"]["PrefixListId"]

    sg_web = ec2.create_security_group(GroupName="web", Description="web tier", VpcId=vpc)["GroupId"]
    sg_app = ec2.create_security_group(GroupName="app", Description="app tier", VpcId=vpc)["GroupId"]
    sg_gw = ec2.create_security_group(GroupName="gw", Description="firewall", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg_web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "203.0.113.0/24"}]},
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "PrefixListIds": [{"PrefixListId": pl}]},
    ])
    ec2.authorize_security_group_ingress(GroupId=sg_app, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "UserIdGroupPairs": [{"GroupId": sg_web}]},
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
         "IpRanges": [{"CidrIp": "10.20.0.0/16"}]},
        {"IpProtocol": "tcp", "FromPort": 9090, "ToPort": 9090,
         "PrefixListIds": [{"PrefixListId": pl2}]},
    ])

    def run(subnet_id, groups, ip, name):
        return ec2.run_instances(
            ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.micro",
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet_id, "Groups": groups,
                                "PrivateIpAddress": ip}],
            TagSpecifications=[{"ResourceType": "instance",
                                "Tags": [{"Key": "Name", "Value": name}]}],
        )["Instances"][0]["InstanceId"]

    gw = run(sn_gw, [sg_gw], "10.10.0.10", "firewall")
    web = run(sn_a, [sg_web], "10.10.1.10", "web")
    app = run(sn_b, [sg_app], "10.20.1.10", "app")
    db = run(sn_c, [sg_app], "10.10.2.10", "db")
    ec2.stop_instances(InstanceIds=[db])

    # The gateway's second ENI (routes for subnet b point at it) and web's second ENI.
    gw_eni2 = ec2.create_network_interface(SubnetId=sn_gw, Groups=[sg_gw],
                                           PrivateIpAddress="10.10.0.20")["NetworkInterface"]
    ec2.attach_network_interface(NetworkInterfaceId=gw_eni2["NetworkInterfaceId"],
                                 InstanceId=gw, DeviceIndex=1)
    web_eni2 = ec2.create_network_interface(
        SubnetId=sn_a, Groups=[sg_web, sg_app], PrivateIpAddress="10.10.1.20",
        SecondaryPrivateIpAddressCount=0)["NetworkInterface"]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=web_eni2["NetworkInterfaceId"],
                                    PrivateIpAddresses=["10.10.1.21"])
    ec2.attach_network_interface(NetworkInterfaceId=web_eni2["NetworkInterfaceId"],
                                 InstanceId=web, DeviceIndex=1)

    rt_a = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt_a, DestinationCidrBlock="0.0.0.0/0", InstanceId=gw)
    assoc_a = ec2.associate_route_table(RouteTableId=rt_a, SubnetId=sn_a)["AssociationId"]
    rt_b = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt_b, DestinationCidrBlock="0.0.0.0/0",
                     NetworkInterfaceId=gw_eni2["NetworkInterfaceId"])
    assoc_b = ec2.associate_route_table(RouteTableId=rt_b, SubnetId=sn_b)["AssociationId"]
    main_rt = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]},
                 {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]

    def enis(instance):
        r = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
        return [e["NetworkInterfaceId"] for e in r["NetworkInterfaces"]]

    attachments = {
        e["NetworkInterfaceId"]: e["Attachment"]["AttachmentId"]
        for e in ec2.describe_network_interfaces(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkInterfaces"]
        if "Attachment" in e
    }

    json.dump({
        "vpc": vpc, "subnets": {"gw": sn_gw, "a": sn_a, "b": sn_b, "c": sn_c},
        "prefix_list": pl, "prefix_list_two": pl2, "groups": {"web": sg_web, "app": sg_app, "gw": sg_gw},
        "instances": {"gw": gw, "web": web, "app": app, "db": db},
        "enis": {"gw": enis(gw), "web": enis(web), "app": enis(app), "db": enis(db)},
        "route_tables": {"a": rt_a, "b": rt_b, "main": main_rt["RouteTableId"]},
        "attachments": attachments,
        "associations": {"a": assoc_a, "b": assoc_b,
                         "main": main_rt["Associations"][0]["RouteTableAssociationId"]},
    }, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
