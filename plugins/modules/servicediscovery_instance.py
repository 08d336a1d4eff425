#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
DOCUMENTATION = r"""
---
module: servicediscovery_instance
short_description: Register or deregister an instance (a task's address) in an AWS Cloud Map service
version_added: 0.1.0
description:
  - Registers O(instance_id) with the IPv4 address O(ipv4) in the Cloud Map service O(service_id)
    (RegisterInstance with C(AWS_INSTANCE_IPV4) and C(AWS_INIT_HEALTH_STATUS=HEALTHY)), or deregisters it
    (DeregisterInstance), waiting for each asynchronous operation (GetOperation).
  - On AWS, ECS does this itself for a service with C(serviceRegistries). The local target's runtime, which runs
    the ECS service's tasks as containers, does it with this module, so web tasks find the Redis task through
    what Cloud Map answers (M(fargate.microservice.servicediscovery_instance_info)).
  - O(ownership_tags) guards the Cloud Map service O(service_id), not the instance.
  - Written because neither amazon.aws 10.1.2 nor community.aws 10.0.0 has a module for Cloud Map.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  service_id:
    description: The Cloud Map service's id (C(srv-...)) or ARN (what C(serviceRegistries[].registryArn) holds).
    type: str
    required: true
  instance_id:
    description:
      - The instance's id (the task's id). Required with O(state=present).
      - With O(state=absent) and no O(instance_id), every instance of the service is deregistered.
    type: str
  ipv4:
    description: The instance's IPv4 address. Required with O(state=present); a different address re-registers it.
    type: str
  exclusive:
    description: With O(state=present), deregister every other instance of the service (tasks that stopped).
    type: bool
    default: false
  state:
    description: Whether the instance is registered.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - fargate.microservice.cloud_map.wait
  - fargate.microservice.ownership.parent
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would be registered or deregistered and changes nothing.
  diff_mode:
    support: full
    description: The service's instances before and after.
  idempotent:
    support: full
    description: An instance registered at the same address is left as it is.
"""
EXAMPLES = r"""
- name: Register the Redis task in the Cloud Map service redis, deregistering the one it replaced
  fargate.microservice.servicediscovery_instance:
    service_id: arn:aws:servicediscovery:us-east-1:123456789012:service/srv-e4anhexample0004
    instance_id: 4f1e2d3c4b5a
    ipv4: 10.89.0.2
    exclusive: true
    ownership_tags:
      fargate.microservice/deployment: countweb

- name: Deregister a stopped task
  fargate.microservice.servicediscovery_instance:
    service_id: srv-e4anhexample0004
    instance_id: 4f1e2d3c4b5a
    state: absent
"""
RETURN = r"""
instance:
  description: The instance registered (O(state=present)).
  returned: when O(state=present)
  type: dict
  contains:
    id:
      description: Instance id.
      type: str
    ipv4:
      description: Its address.
      type: str
    attributes:
      description: Its attributes.
      type: dict
deregistered:
  description: Ids of the instances deregistered (or that would be, in check mode).
  returned: always
  type: list
  elements: str
"""
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map import OperationFailed
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map_instance import client_config
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map_instance import instance_absent
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map_instance import instance_input_errors
from ansible_collections.fargate.microservice.plugins.module_utils._cloud_map_instance import instance_present
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import UnownedResourceError
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import run_aws_module


def main():
    argument_spec = dict(
        service_id=dict(type="str", required=True),
        instance_id=dict(type="str"),
        ipv4=dict(type="str"),
        exclusive=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        ownership_tags=dict(type="dict", default={}),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    errors = instance_input_errors(module.params)
    if errors:
        module.fail_json(msg=" ".join(errors))
    action = instance_present if module.params["state"] == "present" else instance_absent
    run_aws_module(module, "servicediscovery", lambda client: action(client, module.params, module.check_mode),
                   f"Could not manage the instances of the Cloud Map service {module.params['service_id']}",
                   known_errors=(UnownedResourceError, OperationFailed), client_config=client_config(module))


if __name__ == "__main__":
    main()
