#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: servicediscovery_namespace
short_description: Manage an AWS Cloud Map private DNS namespace, guarded by ownership tags
version_added: 0.1.0
description:
  - Creates, retags or deletes one AWS Cloud Map private DNS namespace (which makes a Route 53 private hosted zone
    for the VPC), so that ECS tasks can find each other by name (service discovery).
  - Cloud Map's namespace writes are asynchronous; this module waits for each operation to reach C(SUCCESS), and fails
    with AWS's error message when it ends in C(FAIL) or is still running after O(wait_timeout).
  - An existing namespace is changed or deleted only when it carries every tag in O(ownership_tags). With
    O(state=present), an existing namespace of that name without them is not adopted and does not make the module
    fail; a new one is created (AWS refuses one with the same name in the same VPC). A namespace is
    deleted only once it has no services left (AWS refuses otherwise); delete them first with
    M(fargate.microservice.servicediscovery_service).
  - A rerun after an interrupted run adopts the namespace that run created (AWS answers C(NamespaceAlreadyExists)
    with its id) instead of making a second one.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  state:
    description: C(present) creates or retags the namespace; C(absent) deletes it when it is ours.
    type: str
    choices: [present, absent]
    default: present
  vpc_id:
    description: The VPC the namespace's private hosted zone is for. Required with O(state=present); a namespace's VPC cannot change.
    type: str
  description:
    description: Description given when the namespace is created.
    type: str
  tags:
    description: Tags of the namespace. Omit to leave tags alone.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags that are not in O(tags) (tags whose key starts with C(aws:) are kept).
    type: bool
    default: true
extends_documentation_fragment:
  - fargate.microservice.cloud_map
  - fargate.microservice.cloud_map.wait
  - fargate.microservice.ownership
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads the namespace and its tags and reports what it would create, retag or delete without writing.
  diff_mode:
    support: full
    description: Shows the namespace (name, id, tags) before and after.
  idempotent:
    support: full
    description: Finds the namespace by name and ownership tags and compares its tags before writing.
"""

EXAMPLES = r"""
- name: Create the private DNS namespace of the deployment countweb
  fargate.microservice.servicediscovery_namespace:
    name: internal-countweb.local
    vpc_id: vpc-0123456789abcdef0
    tags:
      Name: internal-countweb.local
      fargate.microservice/deployment: countweb
    ownership_tags:
      fargate.microservice/deployment: countweb

- name: Delete it, only if it is ours
  fargate.microservice.servicediscovery_namespace:
    name: internal-countweb.local
    state: absent
    ownership_tags:
      fargate.microservice/deployment: countweb
"""

RETURN = r"""
namespace:
  description: The namespace after the change (as it would be, in check mode); before the deletion for O(state=absent).
  returned: when the namespace exists or would be created
  type: dict
  contains:
    id:
      description: Namespace id (absent in check mode before creation).
      type: str
      sample: ns-e4anhexample0004
    arn:
      description: Namespace ARN (absent in check mode before creation).
      type: str
    name:
      description: DNS name.
      type: str
      sample: internal-countweb.local
    type:
      description: C(DNS_PRIVATE).
      type: str
    hosted_zone_id:
      description: The Route 53 private hosted zone Cloud Map made for it.
      type: str
    tags:
      description: Tags of the namespace.
      type: dict
skipped_unowned:
  description: True when O(state=absent) found a namespace of that name but left it alone because it is not ours.
  returned: when that happened
  type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map import namespace_absent
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map import namespace_present
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map import run_module


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        vpc_id=dict(type="str"),
        description=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        ownership_tags=dict(type="dict", default={}),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True,
                              required_if=[("state", "present", ["vpc_id"])])
    run_module(module, "namespace", namespace_present, namespace_absent)


if __name__ == "__main__":
    main()
