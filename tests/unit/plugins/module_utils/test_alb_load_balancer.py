# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""alb_load_balancer_info: one load balancer by name (two requests), a missing name is an empty list."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils._alb_load_balancer import find_load_balancers


@pytest.fixture
def network(moto_client):
    ec2 = moto_client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
               for i, z in ((0, "a"), (1, "b"))]
    return moto_client("elbv2"), subnets


def test_missing_name_is_empty(network):
    elbv2 = network[0]
    assert find_load_balancers(elbv2, "nope-web-lb") == []


@pytest.mark.parametrize("others", [0, 3])
def test_found_by_name_with_tags_among_others(network, others):
    elbv2, subnets = network
    for i in range(others):
        elbv2.create_load_balancer(Name=f"other-{i}", Subnets=subnets)
    elbv2.create_load_balancer(Name="haws-web-lb", Subnets=subnets,
                               Tags=[{"Key": "fargate.microservice/deployment", "Value": "haws"}])
    found = find_load_balancers(elbv2, "haws-web-lb")
    assert [lb["load_balancer_name"] for lb in found] == ["haws-web-lb"]
    assert found[0]["tags"] == {"fargate.microservice/deployment": "haws"}
    assert found[0]["dns_name"]


@pytest.fixture
def stubbed_elbv2():
    boto3 = pytest.importorskip("boto3", reason="boto3 is not installed: run `make venv`")
    from botocore.stub import Stubber
    from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
    raw = boto3.client("elbv2", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(raw) as stub:
        yield stub, RetryingBotoClientWrapper(raw, AWSRetry.jittered_backoff())
        stub.assert_no_pending_responses()


# AWS's answers, replayed with botocore's Stubber (checked against botocore's elbv2 model,
# botocore/data/elbv2/2015-12-01/service-2.json: DescribeLoadBalancers errors
# LoadBalancerNotFoundException, code LoadBalancerNotFound, HTTP 400).
def test_aws_not_found_is_empty_and_nothing_else_is_asked(stubbed_elbv2):
    stub, elbv2 = stubbed_elbv2
    stub.add_client_error("describe_load_balancers", service_error_code="LoadBalancerNotFound",
                          service_message="One or more load balancers not found", http_status_code=400,
                          expected_params={"Names": ["countweb-web-lb"]})
    assert find_load_balancers(elbv2, "countweb-web-lb") == []


def test_other_errors_are_raised(stubbed_elbv2):
    stub, elbv2 = stubbed_elbv2
    stub.add_client_error("describe_load_balancers", service_error_code="AccessDenied", http_status_code=403,
                          service_message="User is not authorized to perform: elasticloadbalancing:DescribeLoadBalancers")
    with pytest.raises(Exception, match="not authorized"):
        find_load_balancers(elbv2, "countweb-web-lb")
