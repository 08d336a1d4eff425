#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: alb_listener_tags
short_description: Put the ownership tags on every listener of an ELBv2 load balancer that is ours
version_added: 0.1.0
description:
  - Gives every listener of one Application Load Balancer the tags O(tags) (added, updated and, with O(purge_tags),
    removed), so that each listener carries the deployment's ownership tag like every other resource of the
    collection.
  - Written because M(amazon.aws.elb_application_lb) 10.1.2, which creates and changes the listeners, cannot tag them
    (its C(listeners) options have no C(Tags)), and no amazon.aws or community.aws
    module tags an ELBv2 listener.
  - Changes nothing unless the load balancer carries every tag in O(ownership_tags). A listener without any of their
    keys (as M(amazon.aws.elb_application_lb) creates it) is ours by its load balancer and gets tagged. A listener whose
    ownership tag names another owner makes the module fail, before any change, with a message saying what to do.
  - Listeners are never created, changed or deleted here.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  load_balancer_name:
    description: Name of the load balancer whose listeners are tagged.
    type: str
    required: true
  tags:
    description: Tags every listener of the load balancer carries.
    type: dict
    required: true
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags that are not in O(tags) (tags whose key starts with C(aws:) are kept).
    type: bool
    default: true
  ownership_tags:
    description:
      - Tags the load balancer must carry for its listeners to be tagged; the roles pass the deployment's ownership tag
        (C(fargate.microservice/deployment=<deployment>), the naming contract in C(plugins/module_utils/_naming.py)).
      - A listener that carries one of their keys with another value is another owner's; the module then fails
        before any change. A listener without any of their keys is tagged.
      - Empty means no guard.
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads the load balancer, its listeners and their tags, and reports what it would tag without writing.
      A load balancer that does not exist yet is reported unchanged in check mode (an error otherwise).
  diff_mode:
    support: full
    description: Shows each listener's tags (by protocol and port) before and after.
  idempotent:
    support: full
    description: Compares the tags (amazon.aws's compare_aws_tags) before writing; writes nothing when they are as wanted.
notes:
  - One DescribeLoadBalancers, DescribeListeners and DescribeTags (the load balancer with its listeners), then at most
    one AddTags and one RemoveTags for the listeners that need the same change (batches of 20 ARNs).
  - IAM - C(elasticloadbalancing:AddTags) (and C(RemoveTags) when purging) on the listeners'
    C(listener/app/<load balancer>/*) ARNs.
"""

EXAMPLES = r"""
- name: Tag the listeners of the load balancer countweb-web-lb as the load balancer is tagged
  fargate.microservice.alb_listener_tags:
    load_balancer_name: countweb-web-lb
    tags:
      Name: countweb-web-lb
      fargate.microservice/deployment: countweb
    ownership_tags:
      fargate.microservice/deployment: countweb
"""

RETURN = r"""
load_balancer_arn:
  description: ARN of the load balancer.
  returned: when the load balancer exists
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/countweb-web-lb/50dc6c495c0c9188
listeners:
  description: The load balancer's listeners with their tags after the change (as they would be, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    listener_arn:
      description: ARN of the listener.
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/countweb-web-lb/50dc6c495c0c9188/f2f7dc8efc522ab2
    protocol:
      description: Protocol of the listener.
      type: str
      sample: HTTP
    port:
      description: Port of the listener.
      type: int
      sample: 80
    tags:
      description: Tags of the listener.
      type: dict
      sample: {"Name": "countweb-web-lb", "fargate.microservice/deployment": "countweb"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils._alb_listener_tags import ensure_tags
from ansible_collections.fargate.microservice.plugins.module_utils._alb_listener_tags import LoadBalancerMissingError
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import run_aws_module
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import UnownedResourceError


def main():
    argument_spec = dict(
        load_balancer_name=dict(type="str", required=True),
        tags=dict(type="dict", required=True, aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        ownership_tags=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    name = module.params["load_balancer_name"]
    run_aws_module(module, "elbv2", lambda client: ensure_tags(client, module.params, module.check_mode),
                   f"Could not tag the listeners of the load balancer {name}",
                   known_errors=(UnownedResourceError, LoadBalancerMissingError))


if __name__ == "__main__":
    main()
