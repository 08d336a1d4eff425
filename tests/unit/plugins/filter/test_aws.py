# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The region check runs on the controller from botocore's endpoint data, before any AWS call."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.filter.aws import aws_region_errors, aws_region_partition


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "ap-southeast-2"])
def test_known_regions_pass(region):
    assert aws_region_errors(region) == []


@pytest.mark.parametrize("region", ["us-east-7", "useast1", "US-EAST-1", "eu-weest-1", "", "mars-1"])
def test_unknown_regions_fail_naming_the_variable(region):
    errors = aws_region_errors(region)
    assert len(errors) == 1
    assert "microservice_aws_region" in errors[0]


@pytest.mark.parametrize("region,ok", [("us-east-1", True), ("local-test-1", True), ("xx-custom-9", True),
                                       ("Bad Region", False), ("us_east_1", False)])
def test_custom_endpoint_accepts_region_shaped_names(region, ok):
    assert (aws_region_errors(region, "http://127.0.0.1:5461") == []) is ok


@pytest.mark.parametrize("region,partition", [("us-east-1", "aws"), ("cn-northwest-1", "aws-cn"),
                                              ("us-gov-east-1", "aws-us-gov"), ("nowhere", "")])
def test_partition_of_region(region, partition):
    assert aws_region_partition(region) == partition
