#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_service_capacity
short_description: Move an existing ECS service onto a capacity provider strategy, or back to its launch type
version_added: 0.1.0
description:
  - Compares an existing ECS service's capacity provider strategy with O(capacity_provider_strategy) and, when they
    differ, calls C(UpdateService) with C(capacityProviderStrategy) and C(forceNewDeployment=true), as AWS documents
    for moving a service from its launch type to a capacity provider strategy (C(FARGATE_SPOT) for example), between
    strategies, and back to the launch type (an empty list).
  - C(capacityProviderStrategy) alone does not start a deployment, hence C(forceNewDeployment); the response's PRIMARY
    deployment is the one to follow.
  - Fails, before any change, when the strategy names a capacity provider that the cluster does not have, or breaks
    AWS's rules (each provider once, weights 0-1000 with one above 0, at most one base above 0).
  - A service that does not exist (or is not ACTIVE) is left alone, RV(exists=false), once the strategy has been checked
    against its cluster; creating the service, with the strategy and without a launch type, is
    M(community.aws.ecs_service)'s job. Without the cluster nothing is checked.
  - Written because M(community.aws.ecs_service) 10.0.0 refuses to move an existing service from its launch type to a
    strategy or back, never sends an empty strategy, and does not compare the strategy of an existing service.
  - Calls are retried with jittered backoff on throttling and transient errors.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  cluster:
    description: Cluster name or ARN.
    type: str
    required: true
  service:
    description: Service name.
    type: str
    required: true
  capacity_provider_strategy:
    description:
      - The wanted strategy; an empty list puts the service back on its launch type.
    type: list
    elements: dict
    required: true
    suboptions:
      capacity_provider:
        description: Capacity provider, for example C(FARGATE) or C(FARGATE_SPOT); the cluster must have it.
        type: str
        required: true
      weight:
        description: Relative share of the tasks (0-1000).
        type: int
        default: 1
      base:
        description: Tasks placed on this provider first (0-100000).
        type: int
        default: 0
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads the service and reports the change (and its diff) without calling UpdateService.
  diff_mode:
    support: full
    description: Shows the strategy before and after.
  idempotent:
    support: full
    description: A service already on the wanted strategy is not updated.
"""

EXAMPLES = r"""
- name: Run service web on Fargate Spot, one task on demand
  fargate.microservice.ecs_service_capacity:
    cluster: countweb
    service: web
    capacity_provider_strategy:
      - capacity_provider: FARGATE
        weight: 0
        base: 1
      - capacity_provider: FARGATE_SPOT
        weight: 1

- name: Put service web back on its launch type
  fargate.microservice.ecs_service_capacity:
    cluster: countweb
    service: web
    capacity_provider_strategy: []
"""

RETURN = r"""
exists:
  description: Whether the cluster and the service exist (ACTIVE).
  returned: always
  type: bool
service:
  description:
    - The service (API camelCase keys), as UpdateService returned it after a change, else as DescribeServices gave it;
      an empty dict when it does not exist.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils._ownership import run_aws_module
from ansible_collections.fargate.microservice.plugins.module_utils._service_capacity import CapacityError
from ansible_collections.fargate.microservice.plugins.module_utils._service_capacity import ensure


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            cluster=dict(type="str", required=True),
            service=dict(type="str", required=True),
            capacity_provider_strategy=dict(
                type="list", elements="dict", required=True,
                options=dict(
                    capacity_provider=dict(type="str", required=True),
                    weight=dict(type="int", default=1),
                    base=dict(type="int", default=0),
                ),
            ),
        ),
        supports_check_mode=True,
    )
    params = module.params
    run_aws_module(module, "ecs",
                   lambda client: ensure(client, params["cluster"], params["service"], params["capacity_provider_strategy"],
                                         module.check_mode),
                   f"Could not set the capacity provider strategy of service {params['service']!r} in cluster {params['cluster']!r}",
                   known_errors=(CapacityError,))


if __name__ == "__main__":
    main()
