#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: deployments_info
short_description: List the deployments that own resources in a region, by the ownership tag
version_added: 1.0.0
description:
  - Lists every resource of the region that carries the ownership tag C(fargate.microservice/deployment) through the
    Resource Groups Tagging API (C(GetResources), paginated) and groups their ARNs by the tag's value.
  - The local target's teardown uses it to stop the shared AWS emulator only when no other deployment's resources
    are left in it.
  - Written because no module of amazon.aws or community.aws wraps the Resource Groups Tagging API.
author:
  - fargate.microservice developers (@fargate-microservice)
attributes:
  check_mode:
    description: Read-only; runs the same in check mode.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
  idempotent:
    description: Changes nothing.
    support: full
options:
  deployment:
    description: A deployment name; RV(others) then lists the other deployments only.
    type: str
  tag_key:
    description: The ownership tag's key.
    type: str
    default: fargate.microservice/deployment
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find out whether other deployments still own resources in the emulator
  fargate.microservice.deployments_info:
    deployment: countweb
  register: owners

- name: Say who still owns something
  ansible.builtin.debug:
    msg: "Still deployed here: {{ owners.others | join(', ') }}"
  when: owners.others | length > 0
"""

RETURN = r"""
deployments:
  description: Every deployment owning a resource the Tagging API lists in the region, with the resources' ARNs.
  returned: always
  type: dict
  sample: {"countweb": ["arn:aws:ecs:us-east-1:123456789012:cluster/countweb"]}
others:
  description: The names of the deployments other than O(deployment) (all of them without O(deployment)), sorted.
  returned: always
  type: list
  elements: str
  sample: [countweb]
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports it

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.fargate.microservice.plugins.module_utils import _deployments as dep


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            deployment=dict(type="str"),
            tag_key=dict(type="str", default=dep.OWNERSHIP_KEY, no_log=False),
        ),
        supports_check_mode=True,
    )
    key = module.params["tag_key"]
    client = module.client("resourcegroupstaggingapi", retry_decorator=AWSRetry.jittered_backoff())
    try:
        paginator = client.get_paginator("get_resources")
        mappings = paginator.paginate(TagFilters=[{"Key": key}]).build_full_result().get("ResourceTagMappingList", [])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Could not list the resources tagged {key!r}")
    deployments = dep.group_by_deployment(mappings, key)
    module.exit_json(changed=False, deployments=deployments, others=dep.others(deployments, module.params["deployment"]))


if __name__ == "__main__":
    main()
