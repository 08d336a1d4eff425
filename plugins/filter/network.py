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


def _service_types(detail):
    return {t.get("service_type") for t in detail.get("service_type", []) or []}


def vpc_endpoint_service_plan(service_details, region, interface_services):
    """Match the wanted endpoint services to what DescribeVpcEndpointServices offers in the region.

    ``service_details`` is amazon.aws.ec2_vpc_endpoint_service_info's ``service_details`` (snake_case).
    A service is found by its name ending in ``.<region>.<short name>``, of the wanted type, owned by
    Amazon: ``com.amazonaws.us-east-1.ecr.api``, but ``cn.com.amazonaws.cn-north-1.ecr.api`` in China,
    which is why the prefix is not built here. Returns one entry per service, in order (interface
    services, then the S3 gateway): ``short``, ``type``, ``service`` (``''`` when the region offers none)
    and ``zones`` (where an interface endpoint can be placed).
    """
    plan = []
    wanted = [(short, "Interface") for short in interface_services or []] + [("s3", "Gateway")]
    for short, kind in wanted:
        suffix = f".{region}.{short}"
        found = [d for d in service_details or []
                 if str(d.get("service_name", "")).endswith(suffix)
                 and kind in _service_types(d)
                 and d.get("owner", "amazon") == "amazon"]
        # The shortest name is the service itself (com.amazonaws.R.s3, not ...R.s3-outposts-like names).
        found.sort(key=lambda d: len(d["service_name"]))
        detail = found[0] if found else {}
        plan.append({"short": short, "type": kind, "service": detail.get("service_name", ""),
                     "zones": sorted(detail.get("availability_zones", []) or [])})
    return plan


def network_zone_choice(availability_zones, count, fargate_zone_ids=None, endpoint_plan=None, wanted=None):
    """Choose ``count`` availability zones, or say in one sentence why that is impossible.

    ``availability_zones`` is amazon.aws.aws_az_info's list (``zone_name``, ``zone_id``). A zone is usable
    when Fargate runs there (``fargate_zone_ids``: the region's supported zone ids, empty for every zone)
    and, for each interface endpoint of ``endpoint_plan``, the endpoint service is offered there. With
    ``wanted`` (network_availability_zones) those zones are checked; else the first usable ones by name.
    Returns ``{"zones": [...], "error": ""}``.
    """
    by_name = {z["zone_name"]: z for z in availability_zones or []}
    reasons = {}
    for name, zone in by_name.items():
        why = []
        if fargate_zone_ids and zone.get("zone_id") not in fargate_zone_ids:
            why.append(f"Fargate does not run in {zone.get('zone_id')}")
        for entry in endpoint_plan or []:
            if entry.get("type") == "Interface" and entry.get("service") and name not in entry.get("zones", []):
                why.append(f"{entry['service']} is not offered there")
        if why:
            reasons[name] = "; ".join(why)
    usable = sorted(name for name in by_name if name not in reasons)
    if wanted:
        bad = [f"{name} ({reasons.get(name, 'not a zone of the region')})" for name in wanted if name not in usable]
        if bad:
            return {"zones": list(wanted), "error": (
                f"network_availability_zones lists zones this deployment cannot use: {', '.join(bad)}; "
                f"choose among {', '.join(usable) or 'none'}.")}
        return {"zones": list(wanted), "error": ""}
    if len(usable) < count:
        return {"zones": usable, "error": (
            f"The region has {len(usable)} zone(s) where Fargate runs"
            f"{' and every endpoint service is offered' if endpoint_plan else ''} ({', '.join(usable) or 'none'}), "
            f"but the network needs {count}; choose another microservice_aws_region"
            f"{', or network_nat_mode single' if endpoint_plan else ''}.")}
    return {"zones": usable[:count], "error": ""}


def nat_gateway_failure(nat_gateway, name=""):
    """One sentence when a NAT gateway (ec2_vpc_nat_gateway_info's snake_case DescribeNatGateways entry)
    will never be available: state ``failed`` (with AWS's ``failure_code`` and ``failure_message``),
    ``deleting`` or ``deleted``; ``''`` while it is ``pending`` or ``available``."""
    state = str((nat_gateway or {}).get("state", "")).lower()
    if state in ("pending", "available"):
        return ""
    label = f"NAT gateway {name + ' ' if name else ''}{(nat_gateway or {}).get('nat_gateway_id', '')}".strip()
    if state == "failed":
        code = nat_gateway.get("failure_code") or "no failure code"
        message = nat_gateway.get("failure_message") or "AWS gave no failure message"
        return (f"{label} failed: {code}: {message}; fix the cause (the message says which subnet, Elastic IP or"
                " internet gateway), then rerun (a failed NAT gateway costs nothing and AWS removes it after a while).")
    return f"{label} is {state or 'gone'}, not available; rerun to create another."


# VPC endpoint states (botocore's EC2 model "State"; AWS answers them in lowercase).
_ENDPOINT_WAIT_STATES = ("pending", "pendingacceptance")
_ENDPOINT_DONE_STATES = ("available",)


def vpc_endpoint_failures(endpoints):
    """One sentence per endpoint (ec2_vpc_endpoint_info's snake_case entries) that is neither available
    nor on its way there (``failed``, ``rejected``, ``expired``, ``partial``, ``deleting``, ``deleted``);
    AWS's ``failure_reason`` or ``last_error`` is quoted."""
    errors = []
    for endpoint in endpoints or []:
        state = str(endpoint.get("state", "")).lower()
        if state in _ENDPOINT_WAIT_STATES + _ENDPOINT_DONE_STATES:
            continue
        why = endpoint.get("failure_reason") or (endpoint.get("last_error") or {}).get("message") or "AWS gave no reason"
        errors.append(f"VPC endpoint {endpoint.get('vpc_endpoint_id', '')} ({endpoint.get('service_name', '')}) is {state}: {why};"
                      " delete it and rerun, or use network_nat_mode single.")
    return errors


def vpc_endpoints_settled(endpoints):
    """True when no endpoint is still pending (each is available, or failed for good)."""
    return all(str(e.get("state", "")).lower() not in _ENDPOINT_WAIT_STATES for e in endpoints or [])


class FilterModule:
    """Network address-plan filters."""

    def filters(self):
        return {"cidr_topology_errors": cidr_topology_errors,
                "vpc_endpoint_service_plan": vpc_endpoint_service_plan,
                "network_zone_choice": network_zone_choice,
                "nat_gateway_failure": nat_gateway_failure,
                "vpc_endpoint_failures": vpc_endpoint_failures,
                "vpc_endpoints_settled": vpc_endpoints_settled}
