# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network role's plans (plugins/filter/network.py) on what deployment_info really finds in the emulator
(conftest.py's moto server): a resource counts as `current` (its module call is skipped) only when every attribute
the role's module call converges is already as wanted, and nothing without the ownership tag is ever planned."""

from __future__ import annotations

import botocore.session
import pytest

from ansible_collections.fargate.microservice.plugins.filter import network as nf
from ansible_collections.fargate.microservice.plugins.module_utils import _deployment_info as di

from test_deployment_info import OWNER, TIER, build_network, info  # pylint: disable=import-error

D = "hstat"
BASE = {OWNER: D}


def owned(make, nat_mode="single"):
    return nf.network_owned(info(make, include=list(di.NETWORK_SECTIONS), nat_mode=nat_mode, vpc_attributes=True), f"{D}-vpc")


def test_only_owned_resources_in_the_owned_vpc_are_acted_on(moto_client):
    network = build_network(moto_client, D, D)
    decoy = build_network(moto_client, D, None, cidr="10.9")  # same names, no ownership tag
    ec2 = moto_client("ec2")
    # An owned subnet in the unowned VPC is not ours to delete with our VPC.
    ec2.create_subnet(VpcId=decoy["vpc"], CidrBlock="10.9.9.0/24",
                      TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": f"{D}-public-c"},
                                                                             {"Key": OWNER, "Value": D}]}])
    found = owned(moto_client)
    assert found["vpc_ids"] == [network["vpc"]]
    assert sorted(s["id"] for s in found["subnets"]) == sorted(network["subnets"].values())
    for kind in ("subnets", "route_tables", "security_groups", "nat_gateways"):
        assert {i["vpc_id"] for i in found[kind]} == {network["vpc"]}, kind
    assert len(found["internet_gateways"]) == 1 and len(found["eips"]) == 1
    plan = nf.network_teardown_plan(found)
    assert plan["vpc_ids"] == [network["vpc"]] and [g["id"] for g in plan["internet_gateways"]] == [
        found["internet_gateways"][0]["id"]]


def test_the_vpc_is_current_only_with_its_cidr_dns_attributes_and_tags(moto_client):
    network = build_network(moto_client, D, D)
    vpc = owned(moto_client)["vpcs"][0]
    assert not nf.network_vpc_current(vpc, "10.1.0.0/16", f"{D}-vpc", BASE)  # DNS hostnames are off
    moto_client("ec2").modify_vpc_attribute(VpcId=network["vpc"], EnableDnsHostnames={"Value": True})
    vpc = owned(moto_client)["vpcs"][0]
    assert nf.network_vpc_current(vpc, "10.1.0.0/16", f"{D}-vpc", BASE)
    assert not nf.network_vpc_current(vpc, "10.1.0.0/16", f"{D}-vpc", dict(BASE, env="x"))
    assert not nf.network_vpc_current(vpc, "10.2.0.0/16", f"{D}-vpc", BASE)
    assert not nf.network_vpc_current({}, "10.1.0.0/16", f"{D}-vpc", BASE)
    # Read without vpc_attributes the DNS attributes are unknown: never current.
    plain = nf.network_owned(info(moto_client, include=["vpc"]), f"{D}-vpc")["vpcs"][0]
    assert not nf.network_vpc_current(plain, "10.1.0.0/16", f"{D}-vpc", BASE)


def _subnet_plan(found, zones=("us-east-1a", "us-east-1b"), base=None):
    return nf.network_subnet_plan(found["subnets"], D, ["10.1.0.0/24", "10.1.3.0/24"], ["10.1.1.0/24", "10.1.2.0/24"],
                                  list(zones), found["vpc_ids"][0], BASE if base is None else base, TIER)


def test_subnets_are_current_when_zone_public_ip_and_tags_match(moto_client):
    network = build_network(moto_client, D, D)
    plan = _subnet_plan(owned(moto_client))
    assert [(e["name"], e["cidr"], e["az"], e["current"]) for e in plan] == [
        (f"{D}-public-a", "10.1.0.0/24", "us-east-1a", True), (f"{D}-public-b", "10.1.3.0/24", "us-east-1b", True),
        (f"{D}-private-a", "10.1.1.0/24", "us-east-1a", True), (f"{D}-private-b", "10.1.2.0/24", "us-east-1b", True)]
    assert plan[0]["tags"] == {OWNER: D, "Name": f"{D}-public-a", TIER: "public"}
    assert [e["id"] for e in plan] == [network["subnets"][e["name"]] for e in plan]
    assert not any(e["current"] for e in _subnet_plan(owned(moto_client), base=dict(BASE, env="x")))
    moto_client("ec2").modify_subnet_attribute(SubnetId=plan[0]["id"], MapPublicIpOnLaunch={"Value": True})
    assert [e["current"] for e in _subnet_plan(owned(moto_client))] == [False, True, True, True]


def test_a_subnet_in_another_zone_is_moved_not_current(moto_client):
    build_network(moto_client, D, D)
    found = owned(moto_client)
    plan = _subnet_plan(found, zones=("us-east-1b", "us-east-1a"))
    assert not any(e["current"] for e in plan)
    moved = nf.network_subnets_moved(plan, found["subnets"], found["vpc_ids"][0])
    assert sorted(s["cidr"] for s in moved) == ["10.1.0.0/24", "10.1.1.0/24", "10.1.2.0/24", "10.1.3.0/24"]
    assert nf.network_subnets_moved(_subnet_plan(found), found["subnets"], found["vpc_ids"][0]) == []


def _role_rules(ec2, groups, port=8000, alb_desc="HTTP and HTTPS to the load balancer"):
    """The rules the role's ec2_security_group calls leave (security_groups.yml)."""
    alb, tasks = groups["alb"], groups["tasks"]
    ec2.authorize_security_group_ingress(GroupId=alb, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": alb_desc}]}
        for p in (80, 443)])
    ec2.revoke_security_group_egress(GroupId=alb, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_egress(GroupId=alb, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
        "UserIdGroupPairs": [{"GroupId": tasks, "Description": "App port to the tasks only"}]}])
    ec2.authorize_security_group_ingress(GroupId=tasks, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
        "UserIdGroupPairs": [{"GroupId": alb, "Description": "App port from the load balancer"}]}])


def _groups(found, nat_mode="single", cidrs=("0.0.0.0/0",), port=8000):
    return nf.network_security_groups(found["security_groups"], D, found["vpc_ids"][0], list(cidrs), port, "10.1.0.0/16",
                                      nat_mode, BASE)


@pytest.mark.parametrize("change, current", [
    (None, True),
    ("alb_desc", False),
    ("port", False),
    ("cidrs", False),
    ("tags", False),
])
def test_security_groups_are_current_only_with_exactly_the_role_rules(moto_client, change, current):
    network = build_network(moto_client, D, D)
    ec2 = moto_client("ec2")
    _role_rules(ec2, network["groups"], alb_desc="old words" if change == "alb_desc" else "HTTP and HTTPS to the load balancer")
    if change == "tags":
        ec2.create_tags(Resources=[network["groups"]["tasks"]], Tags=[{"Key": "stray", "Value": "1"}])
    plan = _groups(owned(moto_client), port=9000 if change == "port" else 8000,
                   cidrs=("0.0.0.0/0", "10.0.0.0/8") if change == "cidrs" else ("0.0.0.0/0",))
    assert (plan["alb"]["current"] and plan["tasks"]["current"]) is current
    assert (plan["alb"]["id"], plan["tasks"]["id"]) == (network["groups"]["alb"], network["groups"]["tasks"])
    assert plan["endpoints"]["current"] is True  # mode single does not create it


def test_a_new_group_pair_is_never_current_and_the_endpoints_group_counts_in_mode_none(moto_client):
    network = build_network(moto_client, D, D, nat_mode="none")
    plan = _groups(owned(moto_client, "none"), nat_mode="none")
    assert not plan["alb"]["current"] and not plan["tasks"]["current"]  # build_network gives no rules
    assert plan["endpoints"] == {"id": network["groups"]["endpoints"], "current": False}
    moto_client("ec2").authorize_security_group_ingress(GroupId=network["groups"]["endpoints"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
        "IpRanges": [{"CidrIp": "10.1.0.0/16", "Description": "HTTPS from the VPC to the interface endpoints"}]}])
    assert _groups(owned(moto_client, "none"), nat_mode="none")["endpoints"]["current"] is True


def _route_plan(found, nat_mode, nat_ids, subnet_ids):
    return nf.network_route_table_plan(found["route_tables"], D, 2, nat_mode, found["internet_gateways"][0]["id"], nat_ids,
                                       subnet_ids, BASE, TIER)


def test_route_tables_are_current_with_their_subnets_and_exact_routes(moto_client):
    network = build_network(moto_client, D, D)
    ec2 = moto_client("ec2")
    found = owned(moto_client)
    nat = found["nat_gateways"][0]["id"]
    tables = {t["name"]: t["id"] for t in found["route_tables"]}
    plan = _route_plan(found, "single", {"a": nat}, network["subnets"])
    assert [(e["name"], e["id"], e["ready"], e["current"], e["purge_routes"]) for e in plan] == [
        (f"{D}-public", tables[f"{D}-public"], True, False, False), (f"{D}-private", tables[f"{D}-private"], True, False, False)]
    for name, table in tables.items():
        tier = "public" if name.endswith("public") else "private"
        for subnet in [network["subnets"][f"{D}-{tier}-{x}"] for x in "ab"]:
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    ec2.create_route(RouteTableId=tables[f"{D}-private"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    plan = _route_plan(owned(moto_client), "single", {"a": nat}, network["subnets"])
    assert [e["current"] for e in plan] == [True, True]
    assert plan[1]["routes"] == [{"dest": "0.0.0.0/0", "gateway_id": nat}]
    # A CIDR route the plan does not want: not current, and the module must purge.
    ec2.create_route(RouteTableId=tables[f"{D}-private"], DestinationCidrBlock="192.168.0.0/16", GatewayId=found["internet_gateways"][0]["id"])
    plan = _route_plan(owned(moto_client), "single", {"a": nat}, network["subnets"])
    assert [(e["current"], e["purge_routes"]) for e in plan] == [(True, False), (False, True)]
    # Mode none: the private table must lose its default route; per_az: per-zone tables that do not exist yet.
    none = _route_plan(owned(moto_client), "none", {}, network["subnets"])
    assert none[1]["routes"] == [] and none[1]["current"] is False and none[1]["purge_routes"] is True
    per_az = _route_plan(owned(moto_client), "per_az", {"a": nat}, network["subnets"])
    assert [(e["name"], e["id"], e["ready"]) for e in per_az[1:]] == [(f"{D}-private-a", "", True), (f"{D}-private-b", "", False)]


def test_nat_choice_adopts_the_nat_gateway_or_else_its_named_eip(moto_client):
    network = build_network(moto_client, D, D)
    found = owned(moto_client)
    subnet = network["subnets"][f"{D}-public-a"]
    choice = nf.network_nat_choice(found, subnet, f"{D}-nat-a", BASE)
    nat = found["nat_gateways"][0]
    assert choice["nat"]["id"] == nat["id"] and choice["eip"] == {"allocation_id": nat["allocation_id"], "public_ip": nat["public_ip"]}
    assert choice["nat_tags_current"] and choice["eip_tags_current"]
    assert not nf.network_nat_choice(found, subnet, f"{D}-nat-a", dict(BASE, env="x"))["nat_tags_current"]
    # An interrupted run: the NAT gateway is gone, its EIP stays; another EIP of that Name is associated elsewhere.
    moto_client("ec2").delete_nat_gateway(NatGatewayId=nat["id"])
    found = owned(moto_client)
    assert found["nat_gateways"] == []  # deleted: gone (the emulator deletes at once; AWS goes through deleting)
    other = {"kind": "eips", "name": f"{D}-nat-a", "id": "eipalloc-other", "public_ip": "1.2.3.4", "association_id": "eipassoc-1",
             "tags": {}}
    # The emulator may leave the deleted NAT gateway's association on its EIP: the unassociated one wins either way.
    found["eips"] = [other] + [dict(e, association_id="") for e in found["eips"]]
    choice = nf.network_nat_choice(found, subnet, f"{D}-nat-a", BASE)
    assert choice["nat"] == {} and choice["eip"]["allocation_id"] == nat["allocation_id"] and choice["eip_tags_current"]
    assert nf.network_nat_choice(found, network["subnets"][f"{D}-public-b"], f"{D}-nat-b", BASE) == {
        "nat": {}, "eip": {}, "nat_tags_current": False, "eip_tags_current": False}


def test_nat_plan_settles_only_an_available_nat_gateway_tagged_as_wanted(moto_client):
    network = build_network(moto_client, D, D)
    found = owned(moto_client)
    nat = found["nat_gateways"][0]
    single = nf.network_nat_plan(found, D, "single", 2, network["subnets"], BASE)
    assert [(e["letter"], e["name"], e["subnet_id"], e["id"], e["public_ip"], e["settled"]) for e in single] == [
        ("a", f"{D}-nat-a", network["subnets"][f"{D}-public-a"], nat["id"], nat["public_ip"], True)]
    # per_az: zone b has no NAT gateway yet, so it is converged; none wants no NAT gateway at all.
    per_az = nf.network_nat_plan(found, D, "per_az", 2, network["subnets"], BASE)
    assert [(e["letter"], e["settled"], e["id"], e["eip"]) for e in per_az] == [("a", True, nat["id"], single[0]["eip"]),
                                                                                ("b", False, "", {})]
    assert nf.network_nat_plan(found, D, "none", 2, network["subnets"], BASE) == []
    # Tags that differ from the wanted ones, or a NAT gateway still pending, leave it to the per-zone tasks.
    assert not nf.network_nat_plan(found, D, "single", 2, network["subnets"], dict(BASE, env="x"))[0]["settled"]
    found["nat_gateways"] = [dict(nat, state="pending")]
    assert not nf.network_nat_plan(found, D, "single", 2, network["subnets"], BASE)[0]["settled"]
    # The states compared against are AWS's: botocore's ec2 model, shape NatGatewayState.
    aws_states = botocore.session.get_session().get_service_model("ec2").shape_for("NatGatewayState").enum
    assert {"available", "pending"} <= set(aws_states) and set(nf._NAT_LIVE) <= set(aws_states)
    # Check mode before the subnets exist: no subnet id, nothing found, not settled.
    assert [(e["subnet_id"], e["nat"], e["settled"]) for e in nf.network_nat_plan(found, D, "single", 2, {}, BASE)] == [
        ("", {}, False)]


def test_endpoints_plan_results_prune_and_deleted_ones(moto_client):
    build_network(moto_client, D, D, nat_mode="none")
    found = owned(moto_client, "none")
    services = [{"short": s, "service": f"com.amazonaws.us-east-1.{s}", "type": "Gateway" if s == "s3" else "Interface"}
                for s in ("ecr.api", "ecr.dkr", "logs", "s3")]
    plan = nf.network_endpoint_plan(services, found["endpoints"], D, BASE)
    assert [(e["name"], bool(e["id"]), e["current"]) for e in plan] == [
        (f"{D}-ecr-api", True, True), (f"{D}-ecr-dkr", True, True), (f"{D}-logs", True, True), (f"{D}-s3", True, True)]
    # The loop skipped every call: the results carry the plan's own endpoints.
    now = nf.network_endpoint_results([{"item": e, "skipped": True} for e in plan])
    assert [e["id"] for e in now] == [e["id"] for e in plan] and {e["state"] for e in now} == {"available"}
    prune = nf.network_prune_plan(found, D, "none", [e["id"] for e in now], [f"{D}-public", f"{D}-private"], {}, [])
    assert prune["endpoints"] == [] and prune["route_tables"] == [] and prune["security_groups"] == []
    # Back to single: every endpoint and the endpoints group go, the NAT gateway is new.
    prune = nf.network_prune_plan(found, D, "single", [], [f"{D}-public", f"{D}-private"], {"a": "nat-new"}, ["5.6.7.8"])
    assert len(prune["endpoints"]) == 4 and [g["name"] for g in prune["security_groups"]] == [f"{D}-endpoints"]
    ec2 = moto_client("ec2")
    ec2.delete_vpc_endpoints(VpcEndpointIds=[plan[3]["id"]])
    found = owned(moto_client, "none")
    assert found["deleted_endpoint_services"] == ["com.amazonaws.us-east-1.s3"]
    assert [e["current"] for e in nf.network_endpoint_plan(services, found["endpoints"], D, BASE)] == [True, True, True, False]


def test_prune_keeps_the_nat_gateway_in_use_and_releases_the_rest(moto_client):
    build_network(moto_client, D, D, nat_mode="per_az")
    found = owned(moto_client, "per_az")
    nats = {n["name"]: n for n in found["nat_gateways"]}
    keep = nats[f"{D}-nat-a"]
    prune = nf.network_prune_plan(found, D, "single", [], [f"{D}-public", f"{D}-private"], {"a": keep["id"]}, [keep["public_ip"]])
    assert [n["name"] for n in prune["nat_gateways"]] == [f"{D}-nat-b"]
    assert [e["public_ip"] for e in prune["eips"]] == [nats[f"{D}-nat-b"]["public_ip"]]
    assert sorted(t["name"] for t in prune["route_tables"]) == [f"{D}-private-a", f"{D}-private-b"]
    removed = nf.network_removed_interface_ids([{"item": n, "changed": n["name"] == f"{D}-nat-b"} for n in found["nat_gateways"]])
    assert removed == nats[f"{D}-nat-b"]["network_interface_ids"] and removed


def test_teardown_plan_spares_the_main_table_and_revokes_group_references_first(moto_client):
    network = build_network(moto_client, D, D, nat_mode="none")
    ec2 = moto_client("ec2")
    _role_rules(ec2, network["groups"])
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [network["vpc"]]},
                                              {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
    ec2.create_tags(Resources=[main["RouteTableId"]], Tags=[{"Key": "Name", "Value": f"{D}-main"}, {"Key": OWNER, "Value": D}])
    found = owned(moto_client, "none")
    plan = nf.network_teardown_plan(found)
    assert main["RouteTableId"] in [t["id"] for t in found["route_tables"]]
    assert main["RouteTableId"] not in [t["id"] for t in plan["route_tables"]] and len(plan["route_tables"]) == 2
    assert sorted(g["name"] for g in plan["groups_with_references"]) == [f"{D}-alb", f"{D}-tasks"]
    assert len(plan["security_groups"]) == 3 and len(plan["endpoints"]) == 4 and len(plan["subnets"]) == 4
    assert plan["interface_ids"] == nf.network_interface_ids(found["endpoints"])
