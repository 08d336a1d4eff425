#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: servicediscovery_info
short_description: Find an AWS Cloud Map private DNS namespace by name, with its services and their instance counts
version_added: 0.1.0
description:
  - Looks up the private DNS namespace called O(name) and lists its services, each with the number of instances
    registered in it (ECS registers its tasks there) and whether it carries the ownership tags. Read-only.
  - Roles use it to find the ARN an ECS service's C(serviceRegistries) names, and to tell whether Redis tasks are
    still registered before the namespace is removed.
  - When several namespaces have that name, the one carrying O(ownership_tags) is returned.
author:
  - fargate.microservice developers (@fargate-microservice)
extends_documentation_fragment:
  - fargate.microservice.cloud_map
  - fargate.microservice.ownership.info
  - fargate.microservice.read_only
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the deployment's namespace and its redis service
  fargate.microservice.servicediscovery_info:
    name: internal-countweb.local
    ownership_tags:
      fargate.microservice/deployment: countweb
  register: cloud_map

- name: Name the registry of the ECS service redis
  ansible.builtin.debug:
    msg: "{{ (cloud_map.services | selectattr('name', 'eq', 'redis') | first).arn }}"
"""

RETURN = r"""
exists:
  description: Whether a private DNS namespace of that name exists.
  returned: always
  type: bool
owned:
  description: Whether the namespace carries every tag of O(ownership_tags).
  returned: always
  type: bool
namespace:
  description: The namespace (empty when none exists).
  returned: always
  type: dict
  contains:
    id:
      description: Namespace id.
      type: str
      sample: ns-e4anhexample0004
    arn:
      description: Namespace ARN.
      type: str
    name:
      description: Its DNS name.
      type: str
    type:
      description: C(DNS_PRIVATE).
      type: str
    hosted_zone_id:
      description: The Route 53 private hosted zone Cloud Map made for it.
      type: str
    tags:
      description: Its tags.
      type: dict
services:
  description: Its services, by name.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Service id.
      type: str
    arn:
      description: Service ARN (what C(serviceRegistries[].registryArn) names).
      type: str
    name:
      description: Name.
      type: str
    dns_records:
      description: Its DNS records, as C(type) and C(ttl).
      type: list
      elements: dict
    custom_health_check:
      description: Whether it has the custom health check ECS needs.
      type: bool
    instance_count:
      description: How many instances are registered in it.
      type: int
    owned:
      description: Whether it carries every tag of O(ownership_tags).
      type: bool
    tags:
      description: Its tags.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map import info
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map import run_module


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        ownership_tags=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, "info", info)


if __name__ == "__main__":
    main()
