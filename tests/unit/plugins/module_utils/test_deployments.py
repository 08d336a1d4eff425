# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _deployments: which deployments still own resources (the local teardown's question)."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _deployments as dep

KEY = dep.OWNERSHIP_KEY


def item(arn, **tags):
    return {"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}


@pytest.mark.parametrize("mappings, expected", [
    ([], {}),
    ([item("arn:b", **{KEY: "b"}), item("arn:a2", **{KEY: "a"}), item("arn:a1", **{KEY: "a"})],
     {"a": ["arn:a1", "arn:a2"], "b": ["arn:b"]}),
    # Untagged or empty-valued resources belong to no deployment.
    ([item("arn:x", Name="decoy"), item("arn:y", **{KEY: ""})], {}),
])
def test_resources_are_grouped_by_the_ownership_tag(mappings, expected):
    assert dep.group_by_deployment(mappings) == expected


@pytest.mark.parametrize("deployment, expected", [("a", ["b"]), ("c", ["a", "b"]), (None, ["a", "b"])])
def test_others_leaves_out_the_deployment_asked_about(deployment, expected):
    assert dep.others({"a": [], "b": []}, deployment) == expected


def test_the_emulator_answers_get_resources_in_the_shape_grouped(moto_client):
    """Against the real emulator: two deployments' resources, one decoy; paginated as the module does."""
    ec2, ecs, logs = moto_client("ec2"), moto_client("ecs"), moto_client("logs")
    ec2.create_vpc(CidrBlock="10.1.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": KEY, "Value": "a"}]}])
    ec2.create_vpc(CidrBlock="10.2.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "decoy"}]}])
    ecs.create_cluster(clusterName="b", tags=[{"key": KEY, "value": "b"}])
    logs.create_log_group(logGroupName="/ecs/b", tags={KEY: "b"})
    pages = moto_client("resourcegroupstaggingapi").get_paginator("get_resources").paginate(TagFilters=[{"Key": KEY}])
    grouped = dep.group_by_deployment(pages.build_full_result()["ResourceTagMappingList"])
    assert sorted(grouped) == ["a", "b"]
    assert len(grouped["b"]) == 2
    assert dep.others(grouped, "b") == ["a"]


@pytest.mark.parametrize("arn, expected", [
    ("arn:aws:ecs:us-east-1:123456789012:cluster/a", ("cluster", ["a"])),
    ("arn:aws:ecs:us-east-1:123456789012:service/a/web", ("service", ["a", "web"])),
    ("arn:aws:ecs:us-east-1:123456789012:task-definition/web-redis-task:3", ("task-definition", ["web-redis-task:3"])),
    ("arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1", (None, [])),
    ("", (None, [])),
])
def test_ecs_arns_are_recognized(arn, expected):
    assert dep.ecs_kind(arn) == expected


def test_deleted_resources_are_dropped():
    mappings = [item("arn:a", **{KEY: "a"}), item("arn:b", **{KEY: "b"})]
    assert dep.group_by_deployment(dep.drop(mappings, ["arn:a"])) == {"b": ["arn:b"]}


def test_the_emulator_still_lists_a_deleted_cluster(moto_client):
    """Why the module asks ECS: a deleted cluster stays INACTIVE and tagged in GetResources."""
    ecs = moto_client("ecs")
    arn = ecs.create_cluster(clusterName="gone", tags=[{"key": KEY, "value": "gone"}])["cluster"]["clusterArn"]
    ecs.delete_cluster(cluster="gone")
    listed = moto_client("resourcegroupstaggingapi").get_resources(TagFilters=[{"Key": KEY}])["ResourceTagMappingList"]
    assert [m["ResourceARN"] for m in listed] == [arn]
    assert ecs.describe_clusters(clusters=[arn])["clusters"][0]["status"] == "INACTIVE"


@pytest.mark.parametrize("arn, expected", [
    ("arn:aws:ec2:us-east-1:123456789012:natgateway/nat-0123456789abcdef0", "nat-0123456789abcdef0"),
    ("arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1", None),
    ("arn:aws:ec2:us-east-1:123456789012:natgateway/", None),
    ("arn:aws:ecs:us-east-1:123456789012:cluster/a", None),
    ("", None),
])
def test_nat_gateway_arns_are_recognized(arn, expected):
    assert dep.nat_gateway_id(arn) == expected


def test_deleted_and_unknown_nat_gateways_are_gone_deleting_ones_are_not():
    """DescribeNatGateways' NatGateways items as botocore's ec2 model gives them (NatGatewayId, State of
    NatGatewayState: pending | failed | available | deleting | deleted)."""
    arn = "arn:aws:ec2:us-east-1:123456789012:natgateway/{}".format
    described = [{"NatGatewayId": "nat-1", "State": "deleted", "VpcId": "vpc-1"},
                 {"NatGatewayId": "nat-2", "State": "deleting", "VpcId": "vpc-1"},
                 {"NatGatewayId": "nat-3", "State": "available", "VpcId": "vpc-1"}]
    arns = [arn("nat-1"), arn("nat-2"), arn("nat-3"), arn("nat-4")]
    assert dep.gone_nat_gateways(arns, described) == [arn("nat-1"), arn("nat-4")]


def test_the_emulator_still_lists_a_deleted_nat_gateway(moto_client):
    """Why the module asks EC2: a deleted NAT gateway stays tagged in GetResources, State deleted, and the
    module's filtered DescribeNatGateways (Filter, singular, as in botocore's model) tells it from a live one."""
    ec2 = moto_client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.3.0.0/24")["Subnet"]["SubnetId"]
    ids = []
    for name in ("gone", "live"):
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ids.append(ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip, TagSpecifications=[
            {"ResourceType": "natgateway", "Tags": [{"Key": KEY, "Value": name}]}])["NatGateway"]["NatGatewayId"])
    ec2.delete_nat_gateway(NatGatewayId=ids[0])
    listed = moto_client("resourcegroupstaggingapi").get_resources(TagFilters=[{"Key": KEY}])["ResourceTagMappingList"]
    arns = sorted(m["ResourceARN"] for m in listed if dep.nat_gateway_id(m["ResourceARN"]) in ids)
    assert len(arns) == 2
    described = ec2.describe_nat_gateways(Filter=[{"Name": "nat-gateway-id", "Values": ids}])["NatGateways"]
    gone = dep.gone_nat_gateways(arns, described)
    assert [dep.nat_gateway_id(a) for a in gone] == [ids[0]]
    assert dep.group_by_deployment(dep.drop(listed, gone)).get("gone") is None
