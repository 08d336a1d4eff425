# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that validate the network role's address plan before any AWS call.

The standard library's ipaddress module does the work, so the collection needs no netaddr.
"""

from __future__ import annotations

import ipaddress


def _parse(value, label, errors):
    """Return an IPv4Network for a strict CIDR, or None after recording a one-sentence error."""
    if not isinstance(value, str) or "/" not in value:
        errors.append(f"{label} must be an IPv4 CIDR such as 10.1.0.0/24, got {value!r}.")
        return None
    try:
        network = ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        errors.append(f"{label} {value!r} is not a valid network address ({exc}); use the network's first address, such as 10.1.0.0/24.")
        return None
    if network.version != 4:
        errors.append(f"{label} {value!r} is not IPv4; this role supports IPv4 CIDRs only.")
        return None
    return network


def cidr_topology_errors(vpc_cidr, public_cidrs, private_cidrs, ingress_cidrs=None):
    """Return a list of one-sentence errors for the VPC and subnet plan (empty when valid).

    Checks: every CIDR parses strictly; the VPC prefix is /16../28 (AWS's limits); subnets are
    /16../28, inside the VPC and do not overlap each other; public and private lists have the
    same length of at least two (one subnet of each tier per availability zone); ingress CIDRs
    (for the ALB security group) parse.
    """
    errors = []
    if not isinstance(public_cidrs, (list, tuple)) or not isinstance(private_cidrs, (list, tuple)):
        return ["network_public_subnet_cidrs and network_private_subnet_cidrs must be lists of CIDRs."]

    vpc = _parse(vpc_cidr, "network_vpc_cidr", errors)
    if vpc is not None and not 16 <= vpc.prefixlen <= 28:
        errors.append(f"network_vpc_cidr {vpc_cidr} has prefix /{vpc.prefixlen}; AWS accepts /16 to /28 for a VPC.")

    if len(public_cidrs) < 2 or len(public_cidrs) != len(private_cidrs):
        errors.append(
            "Give one public and one private subnet per availability zone, at least two of each;"
            f" got {len(public_cidrs)} public and {len(private_cidrs)} private."
        )

    subnets = []
    for tier, cidrs in (("public", public_cidrs), ("private", private_cidrs)):
        for index, cidr in enumerate(cidrs):
            label = f"network_{tier}_subnet_cidrs[{index}]"
            network = _parse(cidr, label, errors)
            if network is None:
                continue
            if not 16 <= network.prefixlen <= 28:
                errors.append(f"{label} {cidr} has prefix /{network.prefixlen}; AWS accepts /16 to /28 for a subnet.")
            if vpc is not None and not network.subnet_of(vpc):
                errors.append(f"{label} {cidr} is outside the VPC {vpc_cidr}; choose a subnet inside it.")
            subnets.append((label, cidr, network))

    for i, (label_a, cidr_a, net_a) in enumerate(subnets):
        for label_b, cidr_b, net_b in subnets[i + 1:]:
            if net_a.overlaps(net_b):
                errors.append(f"{label_a} {cidr_a} overlaps {label_b} {cidr_b}; give every subnet its own range.")

    if ingress_cidrs is not None:
        if not isinstance(ingress_cidrs, (list, tuple)):
            errors.append("network_alb_ingress_cidrs must be a list of CIDRs.")
        else:
            for index, cidr in enumerate(ingress_cidrs):
                _parse(cidr, f"network_alb_ingress_cidrs[{index}]", errors)
    return errors


class FilterModule:
    """Network address-plan filters."""

    def filters(self):
        return {"cidr_topology_errors": cidr_topology_errors}
