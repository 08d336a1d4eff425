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
