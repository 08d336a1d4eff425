# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which deployments own resources in an account (or an emulator): grouped by the ownership tag.

Private to the collection; no AWS calls here, so it is unit-tested directly.
"""

from __future__ import annotations

OWNERSHIP_KEY = "fargate.microservice/deployment"


def group_by_deployment(mappings, key=OWNERSHIP_KEY):
    """ResourceTagMappingList items (GetResources) -> {deployment: sorted ARNs}.

    Items without the ownership tag (or with an empty value) are left out.
    """
    result = {}
    for item in mappings or []:
        tags = dict((t.get("Key"), t.get("Value")) for t in item.get("Tags") or [])
        owner = tags.get(key)
        if owner:
            result.setdefault(owner, []).append(item.get("ResourceARN"))
    return dict((k, sorted(v)) for k, v in sorted(result.items()))


def others(deployments, deployment):
    """The deployments other than ``deployment`` that still own something, sorted."""
    return sorted(d for d in deployments if d != deployment)


def ecs_kind(arn):
    """Split an ECS ARN into (kind, parts): ("cluster", [name]), ("service", [cluster, name]),
    ("task-definition", ["family:revision"]); (None, []) for anything else.

    ECS keeps deleted clusters, services and task definitions visible (INACTIVE) for a while, and
    the Tagging API lists them with their tags, so their status must be asked before counting them.
    """
    parts = (arn or "").split(":", 5)
    if len(parts) < 6 or parts[2] != "ecs":
        return None, []
    resource = parts[5].split("/")
    if resource[0] == "cluster" and len(resource) == 2:
        return "cluster", resource[1:]
    if resource[0] == "service" and len(resource) == 3:
        return "service", resource[1:]
    if resource[0] == "task-definition" and len(resource) == 2:
        return "task-definition", resource[1:]
    return None, []


def nat_gateway_id(arn):
    """The NAT gateway ID of an EC2 ARN (``arn:aws:ec2:REGION:ACCOUNT:natgateway/nat-...``), None for anything else.

    EC2 keeps a deleted NAT gateway visible in the ``deleted`` state for about an hour (and the Tagging API
    lists it with its tags), so its state must be asked before counting it.
    """
    parts = (arn or "").split(":", 5)
    if len(parts) < 6 or parts[2] != "ec2":
        return None
    resource = parts[5].split("/")
    if resource[0] == "natgateway" and len(resource) == 2 and resource[1]:
        return resource[1]
    return None


def gone_nat_gateways(arns, described):
    """The ARNs among ``arns`` whose NAT gateway is ``deleted`` or no longer described at all.

    ``described`` is DescribeNatGateways' NatGateways list for those IDs. One that is ``deleting`` still
    counts: its deployment's teardown is under way and waits for it.
    """
    state = dict((g.get("NatGatewayId"), g.get("State")) for g in described or [])
    return [arn for arn in arns if state.get(nat_gateway_id(arn), "deleted") == "deleted"]


def drop(mappings, gone_arns):
    """The mappings whose ARN is not in ``gone_arns`` (deleted resources ECS or EC2 still shows)."""
    gone = set(gone_arns or [])
    return [m for m in mappings or [] if m.get("ResourceARN") not in gone]
