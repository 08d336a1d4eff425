#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
DOCUMENTATION = r"""
---
module: servicediscovery_instance_info
short_description: What AWS Cloud Map answers for a name (DiscoverInstances)
version_added: 0.1.0
description:
  - Asks Cloud Map for the instances of O(service) in the namespace O(namespace) (DiscoverInstances), the
    addresses the DNS name C(<service>.<namespace>) resolves to. Read-only.
  - The local target's runtime uses it when it starts a web task, to give the task the addresses Cloud Map gives
    (as host entries), so a name Cloud Map does not know does not resolve there either (RV(found) false).
  - Written because neither amazon.aws 10.1.2 nor community.aws 10.0.0 has a module for Cloud Map.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  namespace:
    description: The namespace's name, for example C(internal-countweb.local).
    type: str
    required: true
  service:
    description: The service's name, for example C(redis).
    type: str
    required: true
  health_status:
    description: Which instances to return, by their health (DiscoverInstances' C(HealthStatus)).
    type: str
    choices: [HEALTHY, UNHEALTHY, ALL, HEALTHY_OR_ELSE_ALL]
    default: HEALTHY_OR_ELSE_ALL
extends_documentation_fragment:
  - fargate.microservice.read_only
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""
EXAMPLES = r"""
- name: Ask Cloud Map where redis.internal-countweb.local is
  fargate.microservice.servicediscovery_instance_info:
    namespace: internal-countweb.local
    service: redis
  register: redis_instances
"""
RETURN = r"""
found:
  description: Whether Cloud Map knows the namespace and the service (false - the name does not resolve).
  returned: always
  type: bool
addresses:
  description: The instances' IPv4 addresses (what the name resolves to).
  returned: always
  type: list
  elements: str
  sample: [10.89.0.2]
instances:
  description: The instances, by id.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Instance id.
      type: str
    ipv4:
      description: Its address.
      type: str
    health_status:
      description: Its health status.
      type: str
    attributes:
      description: Its attributes.
      type: dict
instances_revision:
  description: Cloud Map's revision of the service's instances.
  returned: when RV(found)
  type: int
"""
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map_instance import client_config
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map_instance import discover
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map_instance import discover_input_errors
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import run_aws_module


def main():
    argument_spec = dict(
        namespace=dict(type="str", required=True),
        service=dict(type="str", required=True),
        health_status=dict(type="str", choices=["HEALTHY", "UNHEALTHY", "ALL", "HEALTHY_OR_ELSE_ALL"], default="HEALTHY_OR_ELSE_ALL"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    errors = discover_input_errors(module.params)
    if errors:
        module.fail_json(msg=" ".join(errors))
    run_aws_module(module, "servicediscovery", lambda client: discover(client, module.params),
                   f"Could not discover {module.params['service']}.{module.params['namespace']}",
                   client_config=client_config(module))


if __name__ == "__main__":
    main()
