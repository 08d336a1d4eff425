#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: application_autoscaling_target
short_description: Remove an Application Auto Scaling scalable target and its scaling policies
version_added: 0.1.0
description:
  - Deletes every scaling policy of one scalable target (C(DeleteScalingPolicy), which also deletes the CloudWatch
    alarms of a target tracking policy), then deregisters the target (C(DeregisterScalableTarget)).
  - Works whether or not the scaled resource (an ECS service) still exists, so a teardown interrupted after the
    service was deleted converges on its rerun. Policies or a target already gone count as removed.
  - Only O(state=absent). Registering a target is done by M(community.aws.application_autoscaling_policy), together
    with its policy.
  - Written because neither amazon.aws 10.1.2 nor community.aws 10.0.0 has a module that deregisters a scalable
    target (M(community.aws.application_autoscaling_policy) with C(state=absent) deletes the policy only).
  - Calls are retried with jittered backoff on throttling and transient errors; the describe calls are paginated.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  state:
    description: C(absent) removes the policies and the target.
    type: str
    choices: [absent]
    default: absent
  service_namespace:
    description: Namespace of the scaled resource's AWS service.
    type: str
    default: ecs
  resource_id:
    description: The scaled resource, for an ECS service C(service/<cluster>/<service>).
    type: str
    required: true
  scalable_dimension:
    description: The scaled dimension.
    type: str
    default: ecs:service:DesiredCount
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads the target and its policies and reports what would be removed.
  diff_mode:
    support: full
    description: Shows the target and policy names before and after.
  idempotent:
    support: full
    description: Nothing left to remove reports no change.
"""

EXAMPLES = r"""
- name: Remove the autoscaling of service web in cluster countweb
  fargate.microservice.application_autoscaling_target:
    resource_id: service/countweb/web
"""

RETURN = r"""
deregistered:
  description: Whether a scalable target was (in check mode, would be) deregistered.
  returned: always
  type: bool
deleted_policies:
  description: Names of the scaling policies deleted (in check mode, to delete).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils._autoscaling_target import ensure_absent
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import run_aws_module


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", choices=["absent"], default="absent"),
            service_namespace=dict(type="str", default="ecs"),
            resource_id=dict(type="str", required=True),
            scalable_dimension=dict(type="str", default="ecs:service:DesiredCount"),
        ),
        supports_check_mode=True,
    )
    run_aws_module(module, "application-autoscaling",
                   lambda client: ensure_absent(client, module.params, module.check_mode),
                   f"Could not remove the scalable target {module.params['resource_id']!r}")


if __name__ == "__main__":
    main()
