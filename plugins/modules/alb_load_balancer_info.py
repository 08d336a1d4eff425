#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: alb_load_balancer_info
short_description: Find one Elastic Load Balancing v2 load balancer by name, with its tags
version_added: 0.1.0
description:
  - Calls C(DescribeLoadBalancers) with the one name given and C(DescribeTags) for what it finds, two requests
    however many load balancers the region holds.
  - A name that does not exist (C(LoadBalancerNotFound)) gives an empty list.
  - Written because M(amazon.aws.elb_application_lb_info) 10.1.2 fails with C('NoneType' object is not iterable)
    when a name given in C(names) does not exist, and without C(names) it lists every load balancer of the region
    and describes each one's tags, listeners and attributes.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  name:
    description: Name of the load balancer.
    type: str
    required: true
extends_documentation_fragment:
  - fargate.microservice.read_only
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Look up the load balancer
  fargate.microservice.alb_load_balancer_info:
    name: countweb-web-lb
  register: lb

- name: Show its DNS name
  ansible.builtin.debug:
    msg: "{{ lb.load_balancers[0].dns_name }}"
  when: lb.load_balancers | length > 0
"""

RETURN = r"""
load_balancers:
  description:
    - The load balancer with that name (at most one), its fields as C(DescribeLoadBalancers) returns them in
      snake_case, plus C(tags).
  returned: always
  type: list
  elements: dict
  contains:
    load_balancer_name:
      description: Name.
      type: str
      sample: countweb-web-lb
    load_balancer_arn:
      description: ARN.
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/countweb-web-lb/0123456789abcdef
    dns_name:
      description: DNS name.
      type: str
      sample: countweb-web-lb-1234567890.us-east-1.elb.amazonaws.com
    state:
      description: State, such as C(code=active).
      type: dict
    tags:
      description: Tags as a dict.
      type: dict
      sample: {"Name": "countweb-web-lb"}
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.fargate.microservice.plugins.module_utils._alb_load_balancer import find_load_balancers


def main():
    module = AnsibleAWSModule(argument_spec=dict(name=dict(type="str", required=True)), supports_check_mode=True)
    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        load_balancers = find_load_balancers(client, module.params["name"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        module.fail_json_aws(err, msg=f"Could not look up the load balancer {module.params['name']}")
    module.exit_json(changed=False, load_balancers=load_balancers)


if __name__ == "__main__":
    main()
