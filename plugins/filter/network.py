# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that validate the network role's address plan before any AWS call.

The standard library's ipaddress module does the work, so the collection needs no netaddr.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.fargate.microservice.plugins.module_utils._naming import ZONE_LETTERS as _LETTERS
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import first_match
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import same_members
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import tags_in_sync


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


def network_present_plan(owned, availability_zones, service_details, deployment, vpc_name, vpc_cidr, nat_mode,
                         interface_services, zone_count, fargate_zone_ids=None, wanted_zones=None):
    """What the network role's present step checks and chooses before its first change, in the order it did as
    separate tasks: at most one owned VPC (``owned`` is :func:`network_owned`'s answer) and with ``vpc_cidr``; the
    region (of ``availability_zones``, aws_az_info's list); with ``nat_mode`` none the endpoint services
    (:func:`vpc_endpoint_service_plan` of ``service_details``), each offered in the region; the zones
    (:func:`network_zone_choice`, ``fargate_zone_ids``: network_fargate_zone_ids by region); and no deleted endpoint
    that ec2_vpc_endpoint would adopt. Returns ``region``, ``endpoint_services``, ``azs`` and ``error``: the first
    problem's one sentence, '' when none.
    """
    owned = owned or {}
    vpcs = owned.get("vpcs") or []
    region = (availability_zones or [{}])[0].get("region_name", "")
    endpoints = vpc_endpoint_service_plan(service_details, region, interface_services) if nat_mode == "none" else []
    result = {"region": region, "endpoint_services": endpoints, "azs": [], "error": ""}
    if len(vpcs) > 1:
        result["error"] = (f"Found {len(vpcs)} VPCs named {vpc_name} owned by {deployment} ({', '.join(owned.get('vpc_ids') or [])});"
                           " delete the extra ones (or run the teardown) before deploying again.")
        return result
    if vpcs and vpcs[0].get("cidr") != vpc_cidr:
        result["error"] = (f"VPC {vpc_name} exists with CIDR {vpcs[0].get('cidr', '')} but network_vpc_cidr is {vpc_cidr};"
                           " set network_vpc_cidr back or tear the network down first.")
        return result
    unoffered = [e["short"] for e in endpoints if not e["service"]]
    if unoffered:
        result["error"] = (f"Region {region} offers no VPC endpoint service for {', '.join(unoffered)} (DescribeVpcEndpointServices);"
                           " use network_nat_mode single or per_az there, or another microservice_aws_region.")
        return result
    choice = network_zone_choice(availability_zones, int(zone_count), (fargate_zone_ids or {}).get(region) or [], endpoints,
                                 wanted_zones)
    result["azs"] = choice["zones"]
    if choice["error"]:
        result["error"] = choice["error"]
        return result
    # ec2_vpc_endpoint (amazon.aws 10.1.2) matches existing endpoints by service and route tables without looking at
    # their state, so it would "adopt" a recently deleted endpoint (AWS lists them for a while after deletion; the
    # emulator keeps them) instead of creating a new one.
    live = set(e.get("service") for e in owned.get("endpoints") or [])
    deleted = sorted((set(owned.get("deleted_endpoint_services") or []) - live) & set(e["service"] for e in endpoints))
    if nat_mode == "none" and deleted:
        result["error"] = (f"The VPC still lists deleted endpoint(s) for {', '.join(deleted)}, which amazon.aws.ec2_vpc_endpoint"
                           " would adopt instead of creating new ones; wait until AWS stops listing them (or, on the emulator,"
                           " tear the network down) and rerun.")
    return result


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


# ---- discovery and plans (deployment_info's network sections -> what the role creates, keeps or deletes) ----
#
# Items are deployment_info's (plugins/module_utils/_deployment_info.py): kind, name, id, state, tags and the kind's
# own fields. "current" means the resource exists exactly as the role's module call would leave it, so the role
# skips that call: every attribute the module converges with the role's parameters is compared here.

_NAT_LIVE = ("pending", "available")
_NAT_KEPT = _NAT_LIVE + ("deleting",)


def _with(base_tags, **extra):
    tags = dict(base_tags or {})
    tags.update(extra)
    return tags


def network_owned(info, vpc_name):
    """What the network role acts on, from a deployment_info result: the owned VPC(s) named ``vpc_name`` and, inside
    them, subnets, route tables, security groups, NAT gateways (pending, available or deleting) and VPC endpoints;
    internet gateways and Elastic IPs wherever they are (an interrupted run leaves them outside the VPC). Also
    ``vpc_ids`` and ``deleted_endpoint_services`` (service names of owned endpoints AWS still lists as deleted)."""
    res = (info or {}).get("resources") or {}
    vpcs = [v for v in res.get("vpc") or [] if v.get("name") == vpc_name]
    vpc_ids = [v["id"] for v in vpcs]

    def inside(items):
        return [i for i in items or [] if i.get("vpc_id") in vpc_ids]
    subnets = res.get("subnets") or {}
    return {
        "vpcs": vpcs,
        "vpc_ids": vpc_ids,
        "subnets": inside(sum((subnets[tier] for tier in sorted(subnets)), [])) if isinstance(subnets, dict) else inside(subnets),
        "route_tables": inside(res.get("route_tables")),
        "security_groups": inside(res.get("security_groups")),
        "nat_gateways": [n for n in inside(res.get("nat_gateways")) if str(n.get("state", "")).lower() in _NAT_KEPT],
        "endpoints": inside(res.get("vpc_endpoints")),
        "deleted_endpoint_services": sorted(set(e.get("service") for e in inside((info or {}).get("deleted"))
                                                if e.get("kind") == "vpc_endpoints")),
        "internet_gateways": list(res.get("internet_gateways") or []),
        "eips": list(res.get("eips") or []),
    }


def network_vpc_current(vpc, cidr, name, base_tags):
    """Whether amazon.aws.ec2_vpc_net (cidr_block [cidr], DNS support and hostnames on, Name + base_tags, purge_tags)
    would change nothing on ``vpc`` (a deployment_info vpc item read with vpc_attributes)."""
    if not vpc:
        return False
    return (vpc.get("cidr") == cidr and cidr in (vpc.get("cidrs") or [cidr]) and vpc.get("dns_support") is True
            and vpc.get("dns_hostnames") is True and tags_in_sync(vpc.get("tags"), _with(base_tags, Name=name)))


def network_subnet_plan(owned_subnets, prefix, public_cidrs, private_cidrs, zones, vpc_id, base_tags, tier_key):
    """One entry per subnet, public then private, in zone order: name, letter, cidr, tier, az, tags, ``id`` (of the
    owned subnet with that CIDR in the VPC, '' when none) and ``current`` (ec2_vpc_subnet with map_public false and
    these tags would change nothing: same zone, available, no IPv6, tags equal)."""
    plan = []
    for tier, cidrs in (("public", public_cidrs), ("private", private_cidrs)):
        for index, cidr in enumerate(cidrs or []):
            letter = _LETTERS[index]
            name = f"{prefix}-{tier}-{letter}"
            zone = zones[index] if index < len(zones or []) else ""
            tags = _with(base_tags, Name=name, **{tier_key: tier})
            found = first_match(owned_subnets, cidr=cidr, vpc_id=vpc_id)
            current = bool(found) and (found.get("zone") == zone and found.get("state") == "available"
                                       and found.get("map_public") is False and found.get("assign_ipv6") is False
                                       and not found.get("ipv6_cidrs") and tags_in_sync(found.get("tags"), tags))
            plan.append({"name": name, "letter": letter, "cidr": cidr, "tier": tier, "az": zone, "tags": tags,
                         "id": found.get("id", ""), "current": current})
    return plan


def network_subnets_moved(plan, owned_subnets, vpc_id):
    """Owned subnets of the VPC that have a planned CIDR but sit in another zone than the plan puts it."""
    return [s for entry in plan or [] for s in owned_subnets or []
            if s.get("cidr") == entry["cidr"] and s.get("vpc_id") == vpc_id and s.get("zone") != entry["az"]]


def network_result_ids(results, key):
    """name -> id from a loop's registered results over a plan: the module's ``key.id`` where it ran, else the plan
    entry's own ``id`` (a current resource whose call was skipped), '' when neither (check mode, not created yet)."""
    ids = {}
    for result in results or []:
        item = result.get("item") or {}
        found = result.get(key) if isinstance(result.get(key), dict) else {}
        ids[item.get("name", "")] = found.get("id") or (item.get("id", "") if item.get("current") else "")
    return ids


def network_igw_candidates(internet_gateways, vpc_ids):
    """Owned internet gateways the role may adopt or delete: detached (left by an interrupted run) or attached to one
    of ``vpc_ids``; never one attached to a VPC we do not own."""
    if isinstance(vpc_ids, str):
        vpc_ids = [vpc_ids]
    detached = [g for g in internet_gateways or [] if g.get("state") == "detached"]
    return detached + [g for g in internet_gateways or [] if g.get("state") != "detached" and g.get("vpc_id") in (vpc_ids or [])]


def network_igw_current(candidates, vpc_id, name, base_tags):
    """Whether ec2_vpc_igw would change nothing: the first candidate is attached to ``vpc_id`` with exactly these tags."""
    first = (candidates or [{}])[0]
    return bool(first) and first.get("vpc_id") == vpc_id and first.get("state") == "attached" and tags_in_sync(
        first.get("tags"), _with(base_tags, Name=name))


def _want(proto, port, kind, target, description):
    return {"proto": proto, "from_port": int(port), "to_port": int(port), "type": kind, "target": target,
            "description": description}


def _rules_equal(found, wanted):
    def key(rule):
        return (str(rule["proto"]), str(rule["from_port"]), str(rule["to_port"]), rule["type"], rule["target"],
                rule.get("description") or "")
    return sorted(map(key, found or [])) == sorted(map(key, wanted))


def network_security_groups(owned_groups, prefix, vpc_id, ingress_cidrs, task_port, vpc_cidr, nat_mode, base_tags):
    """The role's groups in the VPC: for ``alb``, ``tasks`` and ``endpoints`` the owned group's ``id`` ('' when none)
    and ``current``: it carries exactly the rules and tags the role's ec2_security_group calls set (the load
    balancer's ingress on 80 and 443 from ``ingress_cidrs`` and egress of the task port to the tasks' group; the
    tasks' ingress of the task port from the load balancer's group; the endpoints' 443 from the VPC). The
    descriptions of the rules are part of it (the module updates them). ``endpoints`` is current when nat_mode is
    not none (the role does not create it then)."""
    by_name = {g["name"]: g for g in owned_groups or [] if g.get("vpc_id") == vpc_id}
    alb, tasks, endpoints = (by_name.get(f"{prefix}-{x}", {}) for x in ("alb", "tasks", "endpoints"))
    port = int(task_port)
    wanted = {
        "alb": ([_want("tcp", p, "cidr", c, "HTTP and HTTPS to the load balancer") for p in (80, 443) for c in ingress_cidrs or []],
                [_want("tcp", port, "group", tasks.get("id", ""), "App port to the tasks only")]),
        "tasks": ([_want("tcp", port, "group", alb.get("id", ""), "App port from the load balancer")], None),
        "endpoints": ([_want("tcp", 443, "cidr", vpc_cidr, "HTTPS from the VPC to the interface endpoints")], None),
    }
    out = {}
    for purpose, group in (("alb", alb), ("tasks", tasks), ("endpoints", endpoints)):
        ingress, egress = wanted[purpose]
        current = bool(group) and bool(alb) and bool(tasks) and _rules_equal(group.get("ingress"), ingress) and (
            egress is None or _rules_equal(group.get("egress"), egress)) and tags_in_sync(
            group.get("tags"), _with(base_tags, Name=f"{prefix}-{purpose}"))
        if purpose == "endpoints":
            current = nat_mode != "none" or (bool(group) and _rules_equal(group.get("ingress"), ingress)
                                             and tags_in_sync(group.get("tags"), _with(base_tags, Name=f"{prefix}-endpoints")))
        out[purpose] = {"id": group.get("id", ""), "current": current}
    return out


def network_nat_choice(owned, subnet_id, name, base_tags):
    """NAT gateway ``name`` in public subnet ``subnet_id``: the owned one there (pending or available) and its Elastic
    IP, or else an owned Elastic IP named ``name`` (an unassociated one first) left by an interrupted run. Returns
    ``nat`` and ``eip`` (each {} when none; ``eip`` has allocation_id and public_ip) and whether their tags are
    already ``base_tags`` + Name (``nat_tags_current``, ``eip_tags_current``: ec2_tag would change nothing)."""
    owned = owned or {}
    tags = _with(base_tags, Name=name)
    eips = owned.get("eips") or []
    nats = [n for n in owned.get("nat_gateways") or []
            if n.get("subnet_id") == subnet_id and str(n.get("state", "")).lower() in _NAT_LIVE]
    nat = nats[0] if nats else {}
    if nat:
        by_allocation = [e for e in eips if e.get("id") == nat.get("allocation_id")]
        eip = {"allocation_id": nat.get("allocation_id", ""), "public_ip": nat.get("public_ip", ""),
               "tags": by_allocation[0].get("tags") if by_allocation else None}
    else:
        named = [e for e in eips if e.get("name") == name]
        named = [e for e in named if not e.get("association_id")] + [e for e in named if e.get("association_id")]
        eip = {"allocation_id": named[0]["id"], "public_ip": named[0].get("public_ip", ""), "tags": named[0].get("tags")} if named else {}
    if not eip.get("allocation_id"):
        eip = {}
    return {"nat": nat, "eip": {k: v for k, v in eip.items() if k != "tags"},
            "nat_tags_current": bool(nat) and tags_in_sync(nat.get("tags"), tags),
            "eip_tags_current": bool(eip) and eip.get("tags") is not None and tags_in_sync(eip.get("tags"), tags)}


def network_nat_plan(owned, prefix, nat_mode, zone_count, subnet_ids, base_tags):
    """The NAT gateways ``nat_mode`` wants (single: one, in zone a; per_az: one per zone; none: none), each with what
    network_nat_choice finds for it: ``letter``, ``name`` (``<prefix>-nat-<letter>``), ``subnet_id`` (its public
    subnet's, '' while that has none, as in check mode before the subnets exist), ``nat``, ``eip``, ``nat_tags_current``,
    ``eip_tags_current``, ``id`` and ``public_ip`` (the NAT gateway's and its EIP's, '' when none), and ``settled``: the
    NAT gateway is available and it and its EIP already carry their tags, so there is nothing to create, tag or wait
    for (the role converges only the others, one include per zone)."""
    count = {"single": 1, "per_az": int(zone_count)}.get(nat_mode, 0)
    plan = []
    for letter in _LETTERS[:count]:
        name = f"{prefix}-nat-{letter}"
        subnet_id = (subnet_ids or {}).get(f"{prefix}-public-{letter}") or ""
        choice = network_nat_choice(owned, subnet_id, name, base_tags)
        nat = choice["nat"]
        # The *_tags_current flags are false without a NAT gateway or an EIP: no separate check for either.
        settled = str(nat.get("state", "")).lower() == "available" and choice["nat_tags_current"] and choice["eip_tags_current"]
        plan.append(dict(choice, letter=letter, name=name, subnet_id=subnet_id, settled=settled,
                         id=nat.get("id", ""), public_ip=choice["eip"].get("public_ip", "")))
    return plan


def network_route_table_plan(owned_tables, prefix, zone_count, nat_mode, igw_id, nat_ids, subnet_ids, base_tags, tier_key):
    """The route tables: ``D-public`` (0.0.0.0/0 to the internet gateway) and the private one(s) (per_az: one per zone
    to its NAT gateway; single: one to NAT gateway a; none: one without a default route). Each entry: name, tier,
    subnets (names), subnet_ids, routes (dest, gateway_id), tags, ``id`` of the owned table of that Name ('' when
    none), ``purge_routes`` (when new, or when it has a CIDR route the plan does not want), ``ready`` (every subnet
    and gateway has an id; not in check mode before they exist) and ``current`` (ec2_vpc_route_table would change
    nothing: same subnets, exactly the planned CIDR routes, active, same tags)."""
    letters = list(_LETTERS[:int(zone_count)])
    nat_ids = nat_ids or {}
    plan = [{"name": f"{prefix}-public", "tier": "public", "subnets": [f"{prefix}-public-{x}" for x in letters],
             "routes": [{"dest": "0.0.0.0/0", "gateway_id": igw_id or ""}]}]
    if nat_mode == "per_az":
        for x in letters:
            plan.append({"name": f"{prefix}-private-{x}", "tier": "private", "subnets": [f"{prefix}-private-{x}"],
                         "routes": [{"dest": "0.0.0.0/0", "gateway_id": nat_ids.get(x, "")}]})
    else:
        plan.append({"name": f"{prefix}-private", "tier": "private", "subnets": [f"{prefix}-private-{x}" for x in letters],
                     "routes": [{"dest": "0.0.0.0/0", "gateway_id": nat_ids.get("a", "")}] if nat_mode == "single" else []})
    for entry in plan:
        found = first_match(owned_tables, name=entry["name"])
        entry["subnet_ids"] = [(subnet_ids or {}).get(n, "") for n in entry["subnets"]]
        entry["tags"] = _with(base_tags, Name=entry["name"], **{tier_key: entry["tier"]})
        entry["id"] = found.get("id", "")
        cidr_routes = [r for r in found.get("routes") or [] if r.get("origin") == "CreateRoute" and r.get("cidr")]
        wanted = set(r["dest"] for r in entry["routes"])
        entry["purge_routes"] = not found or any(r["destination"] not in wanted for r in cidr_routes)
        entry["ready"] = "" not in entry["subnet_ids"] and all(r["gateway_id"] for r in entry["routes"])
        entry["current"] = bool(found) and entry["ready"] and (
            same_members(found.get("subnet_ids"), entry["subnet_ids"])
            and sorted((r["destination"], r["target"]) for r in cidr_routes)
            == sorted((r["dest"], r["gateway_id"]) for r in entry["routes"])
            and all(r.get("state") == "active" for r in cidr_routes)
            and tags_in_sync(found.get("tags"), entry["tags"]))
    return plan


def network_endpoint_plan(services, owned_endpoints, prefix, base_tags):
    """One entry per endpoint service of vpc_endpoint_service_plan: short, service, type, name (D-<short>), tags, the
    owned endpoint of that service (``id``, ``state``, ``private_dns_enabled``; '' when none) and ``current``
    (ec2_vpc_endpoint, given the id, converges only tags: they are equal already)."""
    plan = []
    for entry in services or []:
        name = f"{prefix}-{entry['short'].replace('.', '-')}"
        tags = _with(base_tags, Name=name)
        found = first_match(owned_endpoints, service=entry["service"])
        plan.append({"short": entry["short"], "service": entry["service"], "type": entry["type"], "name": name,
                     "tags": tags, "id": found.get("id", ""), "state": found.get("state", ""),
                     "private_dns_enabled": found.get("private_dns_enabled"),
                     "current": bool(found) and tags_in_sync(found.get("tags"), tags)})
    return plan


def network_endpoint_results(results):
    """The endpoints the role now has, from the loop over network_endpoint_plan: id, service, type, state and
    private_dns_enabled, from the module's result where it ran, else from the current plan entry."""
    out = []
    for result in results or []:
        item = result.get("item") or {}
        answer = result.get("result")
        if isinstance(answer, dict) and answer.get("vpc_endpoint_id"):
            out.append({"id": answer["vpc_endpoint_id"], "service": item.get("service"), "type": item.get("type"),
                        "state": answer.get("state", ""), "private_dns_enabled": answer.get("private_dns_enabled")})
        elif item.get("current") and item.get("id"):
            out.append({"id": item["id"], "service": item.get("service"), "type": item.get("type"),
                        "state": item.get("state", ""), "private_dns_enabled": item.get("private_dns_enabled")})
    return out


def network_interface_ids(items):
    """The network interfaces of NAT gateways and VPC endpoints (deployment_info items), once each."""
    ids = []
    for item in items or []:
        for eni in item.get("network_interface_ids") or []:
            if eni and eni not in ids:
                ids.append(eni)
    return ids


def network_removed_interface_ids(results):
    """The network interfaces of the items a delete loop changed (removed), once each."""
    return network_interface_ids([r.get("item") or {} for r in results or [] if r.get("changed")])


def network_prune_plan(owned, prefix, nat_mode, kept_endpoint_ids, route_table_names, nat_ids, nat_eips):
    """What the chosen NAT mode no longer uses: owned endpoints not kept, private route tables not planned, NAT
    gateways (pending or available) not in ``nat_ids`` (letter -> id), Elastic IPs that neither a new nor a kept NAT
    gateway uses, and the D-endpoints group outside mode none."""
    owned = owned or {}
    kept_nats = set((nat_ids or {}).values())
    live = [n for n in owned.get("nat_gateways") or [] if str(n.get("state", "")).lower() in _NAT_LIVE]
    in_use = [ip for ip in nat_eips or [] if ip] + [n.get("public_ip") for n in live if n["id"] in kept_nats]
    return {
        "endpoints": [e for e in owned.get("endpoints") or [] if e["id"] not in (kept_endpoint_ids or [])],
        "route_tables": [t for t in owned.get("route_tables") or [] if t.get("name") and t["name"] not in (route_table_names or [])],
        "nat_gateways": [n for n in live if n["id"] not in kept_nats],
        "eips": [e for e in owned.get("eips") or [] if e.get("public_ip") not in in_use],
        "security_groups": [g for g in owned.get("security_groups") or [] if g.get("name") == f"{prefix}-endpoints"]
        if nat_mode != "none" else [],
    }


def network_teardown_plan(owned):
    """What the teardown deletes, in its order's groups: endpoints, NAT gateways (pending or available), Elastic IPs,
    the interfaces of the endpoints and NAT gateways, route tables (never the main one, which goes with the VPC),
    subnets, security groups (``groups_with_references``: those whose rules refer to another group, revoked first),
    internet gateways (detached or attached to an owned VPC) and the VPC ids."""
    owned = owned or {}
    groups = owned.get("security_groups") or []
    return {
        "endpoints": list(owned.get("endpoints") or []),
        "nat_gateways": [n for n in owned.get("nat_gateways") or [] if str(n.get("state", "")).lower() in _NAT_LIVE],
        "eips": list(owned.get("eips") or []),
        "interface_ids": network_interface_ids((owned.get("endpoints") or []) + (owned.get("nat_gateways") or [])),
        "route_tables": [t for t in owned.get("route_tables") or [] if not t.get("main")],
        "subnets": list(owned.get("subnets") or []),
        "groups_with_references": [g for g in groups if any(r.get("type") == "group"
                                                            for r in (g.get("ingress") or []) + (g.get("egress") or []))],
        "security_groups": list(groups),
        "internet_gateways": network_igw_candidates(owned.get("internet_gateways"), owned.get("vpc_ids")),
        "vpc_ids": list(owned.get("vpc_ids") or []),
    }


class FilterModule:
    """Network address-plan filters."""

    def filters(self):
        return {"cidr_topology_errors": cidr_topology_errors,
                "vpc_endpoint_service_plan": vpc_endpoint_service_plan,
                "network_zone_choice": network_zone_choice,
                "nat_gateway_failure": nat_gateway_failure,
                "vpc_endpoint_failures": vpc_endpoint_failures,
                "vpc_endpoints_settled": vpc_endpoints_settled,
                "network_owned": network_owned,
                "network_present_plan": network_present_plan,
                "network_vpc_current": network_vpc_current,
                "network_subnet_plan": network_subnet_plan,
                "network_subnets_moved": network_subnets_moved,
                "network_result_ids": network_result_ids,
                "network_igw_candidates": network_igw_candidates,
                "network_igw_current": network_igw_current,
                "network_security_groups": network_security_groups,
                "network_nat_plan": network_nat_plan,
                "network_route_table_plan": network_route_table_plan,
                "network_endpoint_plan": network_endpoint_plan,
                "network_endpoint_results": network_endpoint_results,
                "network_interface_ids": network_interface_ids,
                "network_removed_interface_ids": network_removed_interface_ids,
                "network_prune_plan": network_prune_plan,
                "network_teardown_plan": network_teardown_plan}
