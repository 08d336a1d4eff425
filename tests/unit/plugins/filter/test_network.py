# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the network role's address-plan filter."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.filter.network import FilterModule, cidr_topology_errors

LAB_PUBLIC = ["10.1.0.0/24", "10.1.3.0/24"]
LAB_PRIVATE = ["10.1.1.0/24", "10.1.2.0/24"]


def test_lab_plan_is_valid():
    assert cidr_topology_errors("10.1.0.0/16", LAB_PUBLIC, LAB_PRIVATE, ["0.0.0.0/0"]) == []


def test_filter_is_registered():
    assert FilterModule().filters()["cidr_topology_errors"] is cidr_topology_errors


@pytest.mark.parametrize(
    "vpc, public, private, ingress, expected",
    [
        ("10.1.0.0/33", LAB_PUBLIC, LAB_PRIVATE, None, "network_vpc_cidr '10.1.0.0/33' is not a valid"),
        ("10.1.0.1/16", LAB_PUBLIC, LAB_PRIVATE, None, "network_vpc_cidr '10.1.0.1/16' is not a valid"),
        ("10.1.0.0", LAB_PUBLIC, LAB_PRIVATE, None, "network_vpc_cidr must be an IPv4 CIDR"),
        ("10.0.0.0/8", LAB_PUBLIC, LAB_PRIVATE, None, "AWS accepts /16 to /28 for a VPC"),
        ("fd00::/56", LAB_PUBLIC, LAB_PRIVATE, None, "is not IPv4"),
        ("10.1.0.0/16", ["10.2.0.0/24", "10.1.3.0/24"], LAB_PRIVATE, None, "network_public_subnet_cidrs[0] 10.2.0.0/24 is outside the VPC"),
        (
            "10.1.0.0/16", LAB_PUBLIC, ["10.1.0.0/25", "10.1.2.0/24"], None,
            "network_public_subnet_cidrs[0] 10.1.0.0/24 overlaps network_private_subnet_cidrs[0] 10.1.0.0/25",
        ),
        ("10.1.0.0/16", ["10.1.0.0/24", "10.1.0.0/24"], LAB_PRIVATE, None, "overlaps"),
        ("10.1.0.0/16", ["10.1.0.0/24"], ["10.1.1.0/24"], None, "at least two of each; got 1 public and 1 private"),
        ("10.1.0.0/16", LAB_PUBLIC, ["10.1.1.0/24"], None, "got 2 public and 1 private"),
        ("10.1.0.0/16", ["10.1.0.0/29", "10.1.3.0/24"], LAB_PRIVATE, None, "AWS accepts /16 to /28 for a subnet"),
        ("10.1.0.0/16", ["10.1.0.0/24", "nonsense"], LAB_PRIVATE, None, "network_public_subnet_cidrs[1] must be an IPv4 CIDR"),
        ("10.1.0.0/16", LAB_PUBLIC, LAB_PRIVATE, ["0.0.0.0/0", "1.2.3.4/40"], "network_alb_ingress_cidrs[1]"),
        ("10.1.0.0/16", LAB_PUBLIC, LAB_PRIVATE, "0.0.0.0/0", "network_alb_ingress_cidrs must be a list"),
        ("10.1.0.0/16", "10.1.0.0/24", LAB_PRIVATE, None, "must be lists of CIDRs"),
    ],
)
def test_bad_plans_are_reported(vpc, public, private, ingress, expected):
    errors = cidr_topology_errors(vpc, public, private, ingress)
    assert errors, "expected at least one error"
    assert any(expected in error for error in errors), errors
    # every message is one sentence
    assert all(error.endswith(".") and error.count(". ") == 0 for error in errors), errors


def test_every_problem_is_listed():
    errors = cidr_topology_errors("10.1.0.0/16", ["10.2.0.0/24", "10.1.1.0/24"], ["10.1.1.0/24", "bad"])
    assert len(errors) == 3, errors


# ---- Endpoint services and zones from AWS's answers ---------------------------------------
# DescribeVpcEndpointServices documents as amazon.aws.ec2_vpc_endpoint_service_info returns them:
# botocore's model (botocore/data/ec2/2016-11-15/service-2.json "ServiceDetail": ServiceName,
# ServiceType[].ServiceType Interface|Gateway|GatewayLoadBalancer, AvailabilityZones, Owner), in
# snake_case. The China names follow AWS's documentation of endpoint services in the China
# Regions (ECR's are cn.com.amazonaws.<region>.ecr.api/.ecr.dkr; logs and S3 keep com.amazonaws.).
from ansible_collections.fargate.microservice.plugins.filter.network import network_zone_choice  # noqa: E402
from ansible_collections.fargate.microservice.plugins.filter.network import network_present_plan  # noqa: E402
from ansible_collections.fargate.microservice.plugins.filter.network import vpc_endpoint_service_plan  # noqa: E402


def _svc(name, kind, zones, owner="amazon"):
    return {"service_name": name, "service_type": [{"service_type": kind}], "availability_zones": zones, "owner": owner}


def _details(region, prefix="com.amazonaws.", ecr_prefix=None, ecr_zones=None):
    zones = [f"{region}a", f"{region}b", f"{region}c"]
    ecr = ecr_prefix or prefix
    return [
        _svc(f"{ecr}{region}.ecr.api", "Interface", ecr_zones or zones),
        _svc(f"{ecr}{region}.ecr.dkr", "Interface", ecr_zones or zones),
        _svc(f"{prefix}{region}.logs", "Interface", zones),
        _svc(f"{prefix}{region}.s3", "Interface", zones),
        _svc(f"{prefix}{region}.s3", "Gateway", zones),
        _svc(f"{prefix}{region}.s3express", "Gateway", zones),
        _svc(f"com.example.vpce.{region}.logs", "Interface", zones, owner="123456789012"),
    ]


@pytest.mark.parametrize("region,prefix,ecr_prefix", [
    ("us-east-1", "com.amazonaws.", None),
    ("us-gov-west-1", "com.amazonaws.", None),
    ("cn-north-1", "com.amazonaws.", "cn.com.amazonaws."),
])
def test_endpoint_services_are_taken_from_the_region(region, prefix, ecr_prefix):
    plan = vpc_endpoint_service_plan(_details(region, prefix, ecr_prefix), region, ["ecr.api", "ecr.dkr", "logs"])
    assert [(p["short"], p["type"], p["service"]) for p in plan] == [
        ("ecr.api", "Interface", f"{ecr_prefix or prefix}{region}.ecr.api"),
        ("ecr.dkr", "Interface", f"{ecr_prefix or prefix}{region}.ecr.dkr"),
        ("logs", "Interface", f"{prefix}{region}.logs"),
        ("s3", "Gateway", f"{prefix}{region}.s3"),
    ]


def test_a_service_the_region_lacks_has_no_name():
    details = [d for d in _details("us-east-1") if not d["service_name"].endswith(".ecr.dkr")]
    plan = vpc_endpoint_service_plan(details, "us-east-1", ["ecr.api", "ecr.dkr"])
    assert [p["service"] for p in plan] == ["com.amazonaws.us-east-1.ecr.api", "", "com.amazonaws.us-east-1.s3"]


# aws_az_info's zones; the Fargate zone ids are those AWS documents for us-west-1
# (Amazon ECS developer guide, "Supported Regions for Amazon ECS on AWS Fargate": usw1-az1 & usw1-az3 only).
USW1 = [{"zone_name": "us-west-1a", "zone_id": "usw1-az3"}, {"zone_name": "us-west-1b", "zone_id": "usw1-az1"},
        {"zone_name": "us-west-1c", "zone_id": "usw1-az2"}]


@pytest.mark.parametrize("fargate,plan_zones,expected,error", [
    ([], None, ["us-west-1a", "us-west-1b"], ""),
    (["usw1-az1", "usw1-az3"], None, ["us-west-1a", "us-west-1b"], ""),
    (["usw1-az2", "usw1-az1"], None, ["us-west-1b", "us-west-1c"], ""),
    ([], ["us-west-1b", "us-west-1c"], ["us-west-1b", "us-west-1c"], ""),
    (["usw1-az1", "usw1-az3"], ["us-west-1b", "us-west-1c"], ["us-west-1b"], "has 1 zone(s)"),
])
def test_zones_where_fargate_runs_and_endpoints_are_offered(fargate, plan_zones, expected, error):
    plan = None
    if plan_zones is not None:
        plan = [{"short": "ecr.api", "type": "Interface", "service": "com.amazonaws.us-west-1.ecr.api", "zones": plan_zones},
                {"short": "s3", "type": "Gateway", "service": "com.amazonaws.us-west-1.s3", "zones": []}]
    choice = network_zone_choice(USW1, 2, fargate, plan)
    assert choice["zones"] == expected
    assert (error in choice["error"]) if error else choice["error"] == ""
    if error:
        assert "microservice_aws_region" in choice["error"] and "network_nat_mode single" in choice["error"]


def test_wanted_zones_are_checked():
    choice = network_zone_choice(USW1, 2, ["usw1-az1", "usw1-az3"], None, ["us-west-1a", "us-west-1c"])
    assert "us-west-1c (Fargate does not run in usw1-az2)" in choice["error"]
    assert "network_availability_zones" in choice["error"]
    assert network_zone_choice(USW1, 2, ["usw1-az1", "usw1-az3"], None, ["us-west-1b", "us-west-1a"]) == {
        "zones": ["us-west-1b", "us-west-1a"], "error": ""}


# ---- A NAT gateway or an endpoint that will never be available -----------------------------
# moto never fails a NAT gateway or an endpoint, so AWS's answers are replayed: DescribeNatGateways
# "NatGateway" (botocore's EC2 model: State pending|failed|available|deleting|deleted, FailureCode,
# FailureMessage; the codes and messages are those the EC2 API reference lists for FailureCode /
# FailureMessage), and DescribeVpcEndpoints "VpcEndpoint" (State, FailureReason, LastError), in the
# snake_case of amazon.aws's *_info modules.
from ansible_collections.fargate.microservice.plugins.filter.network import nat_gateway_failure  # noqa: E402
from ansible_collections.fargate.microservice.plugins.filter.network import vpc_endpoint_failures  # noqa: E402
from ansible_collections.fargate.microservice.plugins.filter.network import vpc_endpoints_settled  # noqa: E402


@pytest.mark.parametrize("code,message", [
    ("InsufficientFreeAddressesInSubnet", "Subnet has insufficient free addresses to create this NAT gateway"),
    ("Gateway.NotAttached", "Network vpc-0123456789abcdef0 has no Internet gateway attached"),
    ("Resource.AlreadyAssociated", "Elastic IP address eipalloc-0123456789abcdef0 is already associated"),
    ("InvalidAllocationID.NotFound", "Elastic IP address eipalloc-0123456789abcdef0 could not be associated with this NAT gateway"),
])
def test_failed_nat_gateway_is_reported_with_aws_reason(code, message):
    nat = {"nat_gateway_id": "nat-0123456789abcdef0", "state": "failed", "failure_code": code, "failure_message": message,
           "subnet_id": "subnet-0123456789abcdef0", "vpc_id": "vpc-0123456789abcdef0", "nat_gateway_addresses": []}
    sentence = nat_gateway_failure(nat, "haws-nat-a")
    assert sentence.startswith("NAT gateway haws-nat-a nat-0123456789abcdef0 failed: ")
    assert code in sentence and message in sentence


@pytest.mark.parametrize("state,expected", [("pending", ""), ("available", ""), ("deleted", "is deleted"), ("deleting", "is deleting")])
def test_nat_gateway_states(state, expected):
    sentence = nat_gateway_failure({"nat_gateway_id": "nat-1", "state": state})
    assert (expected in sentence) if expected else sentence == ""


def _endpoint(state, **extra):
    return dict({"vpc_endpoint_id": "vpce-0123456789abcdef0", "service_name": "com.amazonaws.us-east-1.ecr.dkr",
                 "vpc_endpoint_type": "Interface", "state": state}, **extra)


@pytest.mark.parametrize("states,settled", [
    (["available", "available"], True), (["pending", "available"], False), (["pendingAcceptance"], False),
    (["failed", "available"], True), (["Available", "Failed"], True), ([], True),
])
def test_endpoints_settle_when_none_is_pending(states, settled):
    assert vpc_endpoints_settled([_endpoint(s) for s in states]) is settled


def test_failed_endpoints_are_reported_with_aws_reason():
    errors = vpc_endpoint_failures([
        _endpoint("available"), _endpoint("pending"),
        _endpoint("failed", failure_reason="The subnet subnet-0123 is in an Availability Zone the service does not support"),
        _endpoint("rejected", vpc_endpoint_id="vpce-2", last_error={"code": "Rejected", "message": "Rejected by the service owner"}),
    ])
    assert len(errors) == 2
    assert "is failed: The subnet subnet-0123" in errors[0]
    assert errors[1].startswith("VPC endpoint vpce-2 (com.amazonaws.us-east-1.ecr.dkr) is rejected: Rejected by the service owner")


# ---- The role's table of zones where Fargate runs --------------------------------------------
# No API answers where Fargate runs, so the role's default table is the check. Zones as DescribeAvailabilityZones
# answers them (botocore's EC2 model "AvailabilityZone": ZoneName, ZoneId, RegionName, State, ZoneType,
# OptInStatus; snake_case as amazon.aws.aws_az_info returns them): cn-north-1 has two zones in every account, both
# listed for Fargate; ap-northeast-1 has apne1-az3, which the Linux table leaves out.
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402

DEFAULTS = yaml.safe_load((Path(__file__).resolve().parents[4] / "roles/network/defaults/main.yml").read_text())


def _az(region, name, zone_id):
    return {"zone_name": name, "zone_id": zone_id, "region_name": region, "state": "available",
            "zone_type": "availability-zone", "opt_in_status": "opt-in-not-required", "messages": []}


APNE1 = [_az("ap-northeast-1", "ap-northeast-1a", "apne1-az4"), _az("ap-northeast-1", "ap-northeast-1c", "apne1-az1"),
         _az("ap-northeast-1", "ap-northeast-1d", "apne1-az2"), _az("ap-northeast-1", "ap-northeast-1b", "apne1-az3")]
CNN1 = [_az("cn-north-1", "cn-north-1a", "cnn1-az1"), _az("cn-north-1", "cn-north-1b", "cnn1-az2")]


@pytest.mark.parametrize("zones, wanted, expected, error", [
    (APNE1, None, ["ap-northeast-1a", "ap-northeast-1c"], ""),
    (APNE1, ["ap-northeast-1b", "ap-northeast-1c"], ["ap-northeast-1b", "ap-northeast-1c"],
     "ap-northeast-1b (Fargate does not run in apne1-az3)"),
    (CNN1, None, ["cn-north-1a", "cn-north-1b"], ""),
])
def test_the_roles_table_chooses_zones_where_fargate_runs(zones, wanted, expected, error):
    table = DEFAULTS["network_fargate_zone_ids"]
    choice = network_zone_choice(zones, 2, table.get(zones[0]["region_name"], []), None, wanted)
    assert choice["zones"] == expected
    assert (error in choice["error"]) if error else choice["error"] == ""


def test_the_roles_table_is_awss_linux_table():
    # AWS's page (Linux containers), read 2026-12-01: the regions whose supported zone ids are noted.
    assert DEFAULTS["network_fargate_zone_ids"] == {
        "us-west-1": ["usw1-az1", "usw1-az3"],
        "ap-northeast-1": ["apne1-az1", "apne1-az2", "apne1-az4"],
        "cn-north-1": ["cnn1-az1", "cnn1-az2"],
    }


# ---- the network role's plans on edge cases the emulator does not produce (shapes: deployment_info's items) ----

from ansible_collections.fargate.microservice.plugins.filter import network as nf  # noqa: E402  pylint: disable=wrong-import-position

OWNER = {"fargate.microservice/deployment": "d"}


def test_the_plan_filters_are_registered():
    filters = FilterModule().filters()
    for name in ("network_owned", "network_vpc_current", "network_subnet_plan", "network_subnets_moved", "network_result_ids",
                 "network_igw_candidates", "network_igw_current", "network_security_groups", "network_nat_plan",
                 "network_route_table_plan", "network_endpoint_plan", "network_endpoint_results", "network_interface_ids",
                 "network_removed_interface_ids", "network_prune_plan", "network_teardown_plan"):
        assert filters[name] is getattr(nf, name)


@pytest.mark.parametrize("info", [{}, None, {"resources": {"vpc": [], "subnets": {"public": [], "private": []}}}])
def test_an_empty_account_gives_empty_lists_not_errors(info):
    owned = nf.network_owned(info, "d-vpc")
    assert owned["vpc_ids"] == [] and owned["subnets"] == [] and owned["eips"] == []
    plan = nf.network_teardown_plan(owned)
    assert all(value == [] for value in plan.values()), plan


def test_nat_gateways_that_failed_or_are_deleted_are_not_acted_on():
    info = {"resources": {"vpc": [{"name": "d-vpc", "id": "vpc-1"}], "nat_gateways": [
        {"name": "d-nat-a", "id": f"nat-{state}", "state": state, "vpc_id": "vpc-1"} for state in
        ("pending", "available", "deleting", "failed", "deleted")]}}
    owned = nf.network_owned(info, "d-vpc")
    assert [n["id"] for n in owned["nat_gateways"]] == ["nat-pending", "nat-available", "nat-deleting"]
    assert [n["id"] for n in nf.network_teardown_plan(owned)["nat_gateways"]] == ["nat-pending", "nat-available"]


def test_an_internet_gateway_attached_to_a_vpc_we_do_not_own_is_never_a_candidate():
    igws = [{"id": "igw-other", "state": "attached", "vpc_id": "vpc-other"}, {"id": "igw-ours", "state": "attached", "vpc_id": "vpc-1"},
            {"id": "igw-left", "state": "detached", "vpc_id": ""}]
    assert [g["id"] for g in nf.network_igw_candidates(igws, "vpc-1")] == ["igw-left", "igw-ours"]
    assert [g["id"] for g in nf.network_igw_candidates(igws, ["vpc-1"])] == ["igw-left", "igw-ours"]
    # A detached one is adopted first (as before): not current until the module attaches it.
    assert not nf.network_igw_current(nf.network_igw_candidates(igws, "vpc-1"), "vpc-1", "d-igw", OWNER)
    ours = [dict(igws[1], tags=dict(OWNER, Name="d-igw"))]
    assert nf.network_igw_current(ours, "vpc-1", "d-igw", OWNER)
    assert not nf.network_igw_current(ours, "vpc-1", "d-igw", dict(OWNER, env="x"))
    assert not nf.network_igw_current([], "vpc-1", "d-igw", OWNER)


def test_aws_tags_never_make_a_resource_differ():
    vpc = {"cidr": "10.1.0.0/16", "cidrs": ["10.1.0.0/16"], "dns_support": True, "dns_hostnames": True,
           "tags": dict(OWNER, Name="d-vpc", **{"aws:cloudformation:stack-name": "x"})}
    assert nf.network_vpc_current(vpc, "10.1.0.0/16", "d-vpc", OWNER)


def test_check_mode_results_without_ids_give_empty_ids():
    results = [{"item": {"name": "d-public-a", "id": "", "current": False}, "changed": True, "subnet": {}},
               {"item": {"name": "d-public-b", "id": "subnet-b", "current": True}, "skipped": True},
               {"item": {"name": "d-private-a", "id": "subnet-old", "current": False}, "changed": True,
                "subnet": {"id": "subnet-new"}}]
    assert nf.network_result_ids(results, "subnet") == {"d-public-a": "", "d-public-b": "subnet-b", "d-private-a": "subnet-new"}


def test_route_tables_without_gateway_ids_are_not_ready():
    plan = nf.network_route_table_plan([], "d", 2, "single", "", {}, {"d-public-a": "s1", "d-public-b": "s2"}, OWNER,
                                       "fargate.microservice/tier")
    assert [(e["name"], e["ready"], e["current"], e["purge_routes"]) for e in plan] == [
        ("d-public", False, False, True), ("d-private", False, False, True)]
    assert plan[1]["subnet_ids"] == ["", ""]


def test_endpoint_results_prefer_what_the_module_answered():
    results = [
        {"item": {"id": "", "service": "svc.a", "type": "Interface", "current": False},
         "result": {"vpc_endpoint_id": "vpce-new", "state": "pending", "private_dns_enabled": True}},
        {"item": {"id": "vpce-b", "service": "svc.b", "type": "Interface", "current": True, "state": "available",
                  "private_dns_enabled": False}, "skipped": True},
        # check mode on a new VPC: skipped for want of ids, nothing to report
        {"item": {"id": "", "service": "svc.c", "type": "Gateway", "current": False}, "skipped": True},
    ]
    assert nf.network_endpoint_results(results) == [
        {"id": "vpce-new", "service": "svc.a", "type": "Interface", "state": "pending", "private_dns_enabled": True},
        {"id": "vpce-b", "service": "svc.b", "type": "Interface", "state": "available", "private_dns_enabled": False}]


# -- the present step's checks and choices, before its first change ---------------------------------------------
USW1_AZ_INFO = [dict(z, region_name="us-west-1") for z in USW1]
INTERFACES = ["ecr.api", "ecr.dkr", "logs"]
OWNED_VPC = {"vpcs": [{"name": "h-vpc", "id": "vpc-1", "cidr": "10.1.0.0/16"}], "vpc_ids": ["vpc-1"], "endpoints": [],
             "deleted_endpoint_services": []}


def _present(owned, nat_mode="single", details=None, zone_ids=None, wanted=None, vpc_cidr="10.1.0.0/16"):
    return network_present_plan(owned, USW1_AZ_INFO, details if details is not None else _details("us-west-1"), "h", "h-vpc",
                                vpc_cidr, nat_mode, INTERFACES, 2, zone_ids, wanted)


@pytest.mark.parametrize("owned, kwargs, error", [
    ({}, {}, ""),
    (OWNED_VPC, {"nat_mode": "none"}, ""),
    (dict(OWNED_VPC, vpcs=OWNED_VPC["vpcs"] * 2, vpc_ids=["vpc-1", "vpc-2"]), {},
     "Found 2 VPCs named h-vpc owned by h (vpc-1, vpc-2); delete the extra ones"),
    (OWNED_VPC, {"vpc_cidr": "10.2.0.0/16"}, "VPC h-vpc exists with CIDR 10.1.0.0/16 but network_vpc_cidr is 10.2.0.0/16;"),
    ({}, {"nat_mode": "none", "details": []}, "Region us-west-1 offers no VPC endpoint service for ecr.api, ecr.dkr, logs, s3"),
    ({}, {"details": []}, ""),  # endpoint services only matter with network_nat_mode none
    ({}, {"zone_ids": {"us-west-1": ["usw1-az1"]}}, "The region has 1 zone(s) where Fargate runs"),
    ({}, {"wanted": ["us-west-1c", "us-west-1z"]}, "network_availability_zones lists zones this deployment cannot use"),
    (dict(OWNED_VPC, deleted_endpoint_services=["com.amazonaws.us-west-1.logs", "com.amazonaws.us-west-1.sns"]),
     {"nat_mode": "none"}, "The VPC still lists deleted endpoint(s) for com.amazonaws.us-west-1.logs, which"),
    (dict(OWNED_VPC, deleted_endpoint_services=["com.amazonaws.us-west-1.logs"],
          endpoints=[{"service": "com.amazonaws.us-west-1.logs"}]), {"nat_mode": "none"}, ""),
    (dict(OWNED_VPC, deleted_endpoint_services=["com.amazonaws.us-west-1.logs"]), {}, ""),
])
def test_the_present_step_fails_on_the_first_problem_in_one_sentence(owned, kwargs, error):
    plan = _present(owned, **kwargs)
    assert (plan["error"].startswith(error) and plan["error"].count(". ") == 0) if error else plan["error"] == ""
    assert plan["region"] == "us-west-1"


def test_the_present_step_plans_the_zones_and_the_endpoint_services():
    plan = _present({}, nat_mode="none", zone_ids={"us-west-1": ["usw1-az1", "usw1-az3"]})
    assert plan["azs"] == ["us-west-1a", "us-west-1b"]
    assert [e["short"] for e in plan["endpoint_services"]] == INTERFACES + ["s3"]
    assert _present({})["endpoint_services"] == []
