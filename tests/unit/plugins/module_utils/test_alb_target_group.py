# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the alb_target_group logic: planning, and the create / update / check mode /
ownership / delete flows against a real moto server. Targets must survive every run."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _alb_target_group as tgm

OWN = {"fargate.microservice/deployment": "countweb"}


@pytest.fixture
def clients(moto_client):
    ec2 = moto_client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    return moto_client("elbv2"), vpc


def params(vpc, **over):
    base = {"name": "countweb-web-tg", "state": "present", "target_type": "ip", "protocol": "HTTP", "port": 8000,
            "vpc_id": vpc, "health_check_protocol": "HTTP", "health_check_port": "traffic-port",
            "health_check_path": "/health", "health_check_interval": 15, "health_check_timeout": 5,
            "healthy_threshold_count": 2, "unhealthy_threshold_count": 3, "matcher": "200",
            "deregistration_delay": 30, "tags": dict(OWN, Name="countweb-web-tg"), "purge_tags": True,
            "ownership_tags": OWN}
    base.update(over)
    return base


def targets(elbv2, arn):
    return sorted(t["Target"]["Id"] for t in elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"])


@pytest.mark.parametrize("codes, expected", [("200", "200"), ("302, 200", "200,302"), ("200-299", "200-299")])
def test_normalize_matcher(codes, expected):
    assert tgm.normalize_matcher(codes) == expected


def test_plan_update_refuses_immutable_changes():
    current = {"target_group_name": "tg", "target_type": "ip", "protocol": "HTTP", "port": 8000, "vpc_id": "vpc-1"}
    desired = dict(current, port=9000, health_check_protocol="HTTP")
    with pytest.raises(tgm.ImmutableChangeError, match="port is 8000, wanted 9000"):
        tgm.plan_update(current, desired)


def test_create_check_update_and_targets_survive(clients):
    elbv2, vpc = clients
    assert tgm.ensure_present(elbv2, params(vpc), check_mode=True)["changed"]
    assert tgm.read_target_group(elbv2, "countweb-web-tg") is None
    created = tgm.ensure_present(elbv2, params(vpc), check_mode=False)["target_group"]
    assert (created["target_type"], created["protocol"], created["port"]) == ("ip", "HTTP", 8000)
    assert (created["health_check_path"], created["matcher"], created["deregistration_delay"]) == ("/health", "200", 30)
    assert created["tags"] == dict(OWN, Name="countweb-web-tg")
    assert not tgm.ensure_present(elbv2, params(vpc), check_mode=False)["changed"]

    arn = created["target_group_arn"]
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.1.1.10", "Port": 8000}, {"Id": "10.1.2.20", "Port": 8000}])
    wanted = params(vpc, health_check_path="/home", matcher="200,302", deregistration_delay=60,
                    healthy_threshold_count=3)
    check = tgm.ensure_present(elbv2, wanted, check_mode=True)
    assert check["changed"] and check["diff"]["before"]["health_check_path"] == "/health"
    assert check["diff"]["after"]["health_check_path"] == "/home"
    assert tgm.read_target_group(elbv2, "countweb-web-tg")["health_check_path"] == "/health"
    updated = tgm.ensure_present(elbv2, wanted, check_mode=False)["target_group"]
    assert (updated["health_check_path"], updated["matcher"], updated["deregistration_delay"]) == ("/home", "200,302", 60)
    assert updated["healthy_threshold_count"] == 3
    assert not tgm.ensure_present(elbv2, wanted, check_mode=False)["changed"]
    assert targets(elbv2, arn) == ["10.1.1.10", "10.1.2.20"]


def test_immutable_change_on_existing_group_fails_clearly(clients):
    elbv2, vpc = clients
    tgm.ensure_present(elbv2, params(vpc), check_mode=False)
    with pytest.raises(tgm.ImmutableChangeError, match="cannot be changed in place"):
        tgm.ensure_present(elbv2, params(vpc, port=9000), check_mode=False)


def test_unowned_group_is_refused_and_kept(clients):
    elbv2, vpc = clients
    elbv2.create_target_group(Name="countweb-web-tg", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip")
    with pytest.raises(tgm.UnownedResourceError, match="target group countweb-web-tg"):
        tgm.ensure_present(elbv2, params(vpc), check_mode=False)
    result = tgm.ensure_absent(elbv2, params(vpc, state="absent"), check_mode=False)
    assert not result["changed"] and result["skipped_unowned"]
    assert tgm.read_target_group(elbv2, "countweb-web-tg") is not None


def test_delete_owned_group(clients):
    elbv2, vpc = clients
    tgm.ensure_present(elbv2, params(vpc), check_mode=False)
    assert tgm.ensure_absent(elbv2, params(vpc, state="absent"), check_mode=True)["changed"]
    assert tgm.read_target_group(elbv2, "countweb-web-tg") is not None
    assert tgm.ensure_absent(elbv2, params(vpc, state="absent"), check_mode=False)["changed"]
    assert tgm.read_target_group(elbv2, "countweb-web-tg") is None
    assert not tgm.ensure_absent(elbv2, params(vpc, state="absent"), check_mode=False)["changed"]
