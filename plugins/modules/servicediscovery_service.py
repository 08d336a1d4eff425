#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: servicediscovery_service
short_description: Manage an AWS Cloud Map service for ECS service discovery, guarded by ownership tags
version_added: 0.1.0
description:
  - Creates, updates or deletes one AWS Cloud Map service in a private DNS namespace, shaped as ECS service discovery
    needs it - multivalue A records with a short TTL and a custom health check whose status ECS reports
    (C(HealthCheckCustomConfig)). An ECS service points at it with C(serviceRegistries) and registers its tasks in it.
  - Written because neither amazon.aws 10.1.2 nor community.aws 10.0.0 has a module for Cloud Map.
  - An existing service is changed or deleted only when it carries every tag in O(ownership_tags). Deleting
    deregisters what is still registered (waiting for each asynchronous deregistration) before it deletes the service,
    since AWS refuses to delete a service with instances (C(ResourceInUse)).
  - A TTL change is an C(UpdateService) operation, waited for until C(SUCCESS). A service without a custom health check
    cannot get one; the module then says to delete and recreate it.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  name:
    description: The service's name, one DNS label; tasks are found as C(<name>.<namespace>), for example C(redis).
    type: str
    required: true
  namespace_id:
    description: Id of the private DNS namespace (RV(fargate.microservice.servicediscovery_namespace#module:namespace.id)).
    type: str
    required: true
  state:
    description: C(present) creates or updates the service; C(absent) deletes it when it is ours.
    type: str
    choices: [present, absent]
    default: present
  dns_ttl:
    description: TTL in seconds of the A records; short, so that a replaced task is found quickly.
    type: int
    default: 10
  tags:
    description: Tags of the service. Omit to leave tags alone.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags that are not in O(tags) (tags whose key starts with C(aws:) are kept).
    type: bool
    default: true
extends_documentation_fragment:
  - fargate.microservice.cloud_map.wait
  - fargate.microservice.ownership
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads the service, its tags and instances and reports what it would create, change, deregister or delete.
  diff_mode:
    support: full
    description: Shows the service (records, TTL, tags) before and after.
  idempotent:
    support: full
    description: Compares the DNS records and tags before writing.
"""

EXAMPLES = r"""
- name: Create the Cloud Map service redis for the deployment countweb
  fargate.microservice.servicediscovery_service:
    name: redis
    namespace_id: "{{ namespace.namespace.id }}"
    dns_ttl: 10
    tags:
      Name: countweb-redis
      fargate.microservice/deployment: countweb
    ownership_tags:
      fargate.microservice/deployment: countweb

- name: Delete it (and deregister what is left in it), only if it is ours
  fargate.microservice.servicediscovery_service:
    name: redis
    namespace_id: "{{ namespace.namespace.id }}"
    state: absent
    ownership_tags:
      fargate.microservice/deployment: countweb
"""

RETURN = r"""
service:
  description: The service after the change (as it would be, in check mode); before the deletion for O(state=absent).
  returned: when the service exists or would be created
  type: dict
  contains:
    id:
      description: Service id (absent in check mode before creation).
      type: str
      sample: srv-e4anhexample0004
    arn:
      description: Service ARN; what an ECS service's C(serviceRegistries[].registryArn) names.
      type: str
    name:
      description: Name.
      type: str
      sample: redis
    namespace_id:
      description: Id of its namespace.
      type: str
    dns_records:
      description: Its DNS records, as C(type) and C(ttl).
      type: list
      elements: dict
    routing_policy:
      description: C(MULTIVALUE).
      type: str
    custom_health_check:
      description: Whether it has the custom health check ECS needs.
      type: bool
    tags:
      description: Tags of the service.
      type: dict
deregistered:
  description: With O(state=absent), the instance ids that were (or in check mode would be) deregistered first.
  returned: when O(state=absent) deleted or would delete the service
  type: list
  elements: str
skipped_unowned:
  description: True when O(state=absent) found a service of that name but left it alone because it is not ours.
  returned: when that happened
  type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map import run_module
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map import service_absent
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map import service_present


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        namespace_id=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        dns_ttl=dict(type="int", default=10),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        ownership_tags=dict(type="dict", default={}),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, "service", service_present, service_absent)


if __name__ == "__main__":
    main()
