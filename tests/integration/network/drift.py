# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drift a deployed network (mode single) behind the role's back, then check that a rerun repaired it.

The network role skips a module call when discovery shows the resource exactly as wanted; this proves that
each kind of drift it compares is seen and repaired: the VPC's DNS hostnames, a stray tag on a subnet, the
tasks' group losing its rule, a stale CIDR route in the private route table, a stray tag on the NAT gateway.

    drift.py PORT DEPLOYMENT apply STATE_FILE    change them (run.sh then reruns the role: changed >= 1, then 0)
    drift.py PORT DEPLOYMENT check STATE_FILE    exit 1, saying what, unless every change was repaired
"""

from __future__ import annotations

import json
import sys

import boto3


def ec2_client(port):
    return boto3.client("ec2", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def by_name(ec2, operation, key, d, name, filter_key="Filters"):
    """Deployment ``d``'s resource of that Name: run.sh's decoy is an unowned VPC with the same Name."""
    filters = [{"Name": "tag:Name", "Values": [name]}, {"Name": "tag:fargate.microservice/deployment", "Values": [d]}]
    return getattr(ec2, operation)(**{filter_key: filters})[key][0]


def apply(ec2, d):
    vpc = by_name(ec2, "describe_vpcs", "Vpcs", d, f"{d}-vpc")["VpcId"]
    subnet = by_name(ec2, "describe_subnets", "Subnets", d, f"{d}-private-b")["SubnetId"]
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{d}-tasks"]},
                                                  {"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"][0]
    table = by_name(ec2, "describe_route_tables", "RouteTables", d, f"{d}-private")["RouteTableId"]
    igw = by_name(ec2, "describe_internet_gateways", "InternetGateways", d, f"{d}-igw")["InternetGatewayId"]
    nat = by_name(ec2, "describe_nat_gateways", "NatGateways", d, f"{d}-nat-a", filter_key="Filter")["NatGatewayId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
    ec2.create_tags(Resources=[subnet, nat], Tags=[{"Key": "drift", "Value": "1"}])
    ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="192.168.0.0/16", GatewayId=igw)
    return {"vpc": vpc, "subnet": subnet, "group": group["GroupId"], "rules": len(group["IpPermissions"]), "table": table,
            "nat": nat}


def check(ec2, state):
    problems = []
    if not ec2.describe_vpc_attribute(VpcId=state["vpc"], Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"]:
        problems.append("the VPC's DNS hostnames are still off")
    if "drift" in {t["Key"] for t in ec2.describe_subnets(SubnetIds=[state["subnet"]])["Subnets"][0].get("Tags", [])}:
        problems.append("the subnet still carries the stray tag")
    rules = ec2.describe_security_groups(GroupIds=[state["group"]])["SecurityGroups"][0]["IpPermissions"]
    if len(rules) != state["rules"] or not state["rules"]:
        problems.append(f"the tasks' group has {len(rules)} ingress rule(s), not {state['rules']}")
    routes = ec2.describe_route_tables(RouteTableIds=[state["table"]])["RouteTables"][0]["Routes"]
    if any(r.get("DestinationCidrBlock") == "192.168.0.0/16" for r in routes):
        problems.append("the stale route 192.168.0.0/16 is still in the private route table")
    if "drift" in {t["Key"] for t in ec2.describe_nat_gateways(NatGatewayIds=[state["nat"]])["NatGateways"][0].get("Tags", [])}:
        problems.append("the NAT gateway still carries the stray tag")
    return problems


def main():
    port, deployment, action, state_file = sys.argv[1:5]
    ec2 = ec2_client(port)
    if action == "apply":
        with open(state_file, "w", encoding="utf-8") as f:
            json.dump(apply(ec2, deployment), f)
        return 0
    with open(state_file, encoding="utf-8") as f:
        problems = check(ec2, json.load(f))
    for problem in problems:
        print(f"not repaired: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
