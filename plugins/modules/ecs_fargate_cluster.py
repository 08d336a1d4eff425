#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: ecs_fargate_cluster
short_description: Manage an ECS cluster's capacity providers, default strategy, Container Insights and tags, guarded by ownership tags
version_added: 0.1.0
description:
  - Creates, updates or deletes one Amazon ECS cluster meant for Fargate.
  - Written because M(community.aws.ecs_cluster) 10.0.0 is wrong for this collection. It has no C(tags) option,
    so the cluster cannot carry the ownership tag, and no way to set Container Insights (C(settings)). It reads
    C(capacityProviders) and C(defaultCapacityProviderStrategy) of an existing cluster with C(cluster[key]); AWS
    always returns those keys, the moto emulator omits them when they are empty, so its second run raises
    C(KeyError) there. It also changes and deletes clusters by name only.
  - This module creates the cluster with everything in one call, reads every field with a default, changes an
    existing cluster only when it carries every tag in O(ownership_tags), and never deletes one that does not.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  name:
    description: Name of the cluster.
    type: str
    required: true
  state:
    description: C(present) creates or updates the cluster; C(absent) deletes it when it is ours.
    type: str
    choices: [present, absent]
    default: present
  capacity_providers:
    description: Capacity providers of the cluster (order does not matter).
    type: list
    elements: str
    default: [FARGATE, FARGATE_SPOT]
  capacity_provider_strategy:
    description: The cluster's default capacity provider strategy; every provider must be in O(capacity_providers).
    type: list
    elements: dict
    default: [{capacity_provider: FARGATE, weight: 1, base: 0}]
    suboptions:
      capacity_provider:
        description: Name of the capacity provider.
        type: str
        required: true
      weight:
        description: Relative share of tasks placed with this provider (0-1000).
        type: int
        default: 1
      base:
        description: Tasks always placed with this provider first (0-100000; only one provider may have a base).
        type: int
        default: 0
  container_insights:
    description: The C(containerInsights) cluster setting. Omit to leave it as it is.
    type: str
    choices: [enabled, disabled, enhanced]
  tags:
    description: Tags of the cluster. Omit to leave tags alone.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags that are not in O(tags) (tags whose key starts with C(aws:) are kept).
    type: bool
    default: true
extends_documentation_fragment:
  - fargate.microservice.ownership
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads the cluster with its settings and tags, and reports what it would create, change or delete without writing.
  diff_mode:
    support: full
    description: Shows providers, strategy, Container Insights and tags before and after.
  idempotent:
    support: full
    description: Compares providers and strategy as sets, the Container Insights setting and tags before writing.
notes:
  - Deleting a cluster that still has active services fails in AWS; delete the services first.
"""

EXAMPLES = r"""
- name: Create the Fargate cluster countweb
  fargate.microservice.ecs_fargate_cluster:
    name: countweb
    capacity_providers: [FARGATE, FARGATE_SPOT]
    capacity_provider_strategy:
      - capacity_provider: FARGATE
        weight: 1
        base: 1
      - capacity_provider: FARGATE_SPOT
        weight: 3
    container_insights: enabled
    tags:
      Name: countweb
      fargate.microservice/deployment: countweb
    ownership_tags:
      fargate.microservice/deployment: countweb
"""

RETURN = r"""
cluster:
  description: The cluster after the change (as it would be, in check mode).
  returned: when the cluster exists or would be created
  type: dict
  contains:
    cluster_name:
      description: Name of the cluster.
      type: str
      sample: countweb
    cluster_arn:
      description: ARN of the cluster (absent in check mode before creation).
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:cluster/countweb
    capacity_providers:
      description: Capacity providers, sorted.
      type: list
      elements: str
      sample: [FARGATE, FARGATE_SPOT]
    capacity_provider_strategy:
      description: Default strategy, sorted by provider.
      type: list
      elements: dict
      sample: [{"capacity_provider": "FARGATE", "weight": 1, "base": 0}]
    container_insights:
      description: The Container Insights setting.
      type: str
      sample: disabled
    tags:
      description: Tags of the cluster.
      type: dict
      sample: {"Name": "countweb"}
skipped_unowned:
  description: True when O(state=absent) found the cluster but left it alone because it is not ours.
  returned: when that happened
  type: bool
  sample: true
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils._ecs_fargate_cluster import ensure_absent
from ansible_collections.fargate.microservice.plugins.module_utils._ecs_fargate_cluster import ensure_present
from ansible_collections.fargate.microservice.plugins.module_utils._ecs_fargate_cluster import normalize_strategy
from ansible_collections.fargate.microservice.plugins.module_utils._ecs_fargate_cluster import validate_strategy
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import run_owning_module


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        capacity_providers=dict(type="list", elements="str", default=["FARGATE", "FARGATE_SPOT"]),
        capacity_provider_strategy=dict(
            type="list",
            elements="dict",
            default=[{"capacity_provider": "FARGATE", "weight": 1, "base": 0}],
            options=dict(
                capacity_provider=dict(type="str", required=True),
                weight=dict(type="int", default=1),
                base=dict(type="int", default=0),
            ),
        ),
        container_insights=dict(type="str", choices=["enabled", "disabled", "enhanced"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        ownership_tags=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params["state"] == "present":
        error = validate_strategy(
            module.params["capacity_providers"], normalize_strategy(module.params["capacity_provider_strategy"])
        )
        if error:
            module.fail_json(msg=error[0].upper() + error[1:])
    run_owning_module(module, "ecs", "ECS cluster", ensure_present, ensure_absent)


if __name__ == "__main__":
    main()
