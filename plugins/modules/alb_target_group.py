#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: alb_target_group
short_description: Manage an ELBv2 target group's settings and tags without ever touching its targets
version_added: 0.1.0
description:
  - Creates, updates or deletes one Elastic Load Balancing v2 target group (for an Application Load Balancer).
  - It never registers or deregisters targets; on ECS the service registers and deregisters the task IPs.
  - Written because M(community.aws.elb_target_group) 10.0.0 is wrong for this collection. It has no check mode at all
    (Ansible skips it under C(--check), so a C(--check --diff) run cannot show a changed health check); by default
    (C(modify_targets=true)) a run without C(targets) deregisters every target ECS registered; and it adopts, changes
    and deletes target groups by name alone.
  - This module supports check and diff mode, changes an existing target group only when it carries every tag in
    O(ownership_tags), and never deletes one that does not.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  name:
    description: Name of the target group (at most 32 characters).
    type: str
    required: true
  state:
    description: C(present) creates or updates the target group; C(absent) deletes it when it is ours.
    type: str
    choices: [present, absent]
    default: present
  target_type:
    description: C(ip) for Fargate tasks (awsvpc), C(instance) for EC2 instances. Fixed at creation.
    type: str
    choices: [ip, instance]
    default: ip
  protocol:
    description: Protocol to the targets. Fixed at creation.
    type: str
    choices: [HTTP, HTTPS]
    default: HTTP
  port:
    description: Port of the targets (1-65535). Fixed at creation. Required with O(state=present).
    type: int
  vpc_id:
    description: VPC of the targets. Fixed at creation. Required with O(state=present).
    type: str
  health_check_protocol:
    description: Protocol of the health check; defaults to O(protocol).
    type: str
    choices: [HTTP, HTTPS]
  health_check_port:
    description: Port of the health check, or C(traffic-port) (the target's port).
    type: str
    default: traffic-port
  health_check_path:
    description: Path of the health check; starts with C(/).
    type: str
    default: /
  health_check_interval:
    description: Seconds between health checks (5-300).
    type: int
    default: 30
  health_check_timeout:
    description: Seconds before a health check fails (2-120, less than the interval).
    type: int
    default: 5
  healthy_threshold_count:
    description: Consecutive successes before a target is healthy (2-10).
    type: int
    default: 5
  unhealthy_threshold_count:
    description: Consecutive failures before a target is unhealthy (2-10).
    type: int
    default: 2
  matcher:
    description: HTTP codes that mean healthy, for example C(200), C(200,302) or C(200-299).
    type: str
    default: "200"
  deregistration_delay:
    description: Seconds a deregistering target keeps serving in-flight requests (0-3600). Omit to leave it as it is.
    type: int
  tags:
    description: Tags of the target group. Omit to leave tags alone.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags that are not in O(tags) (tags whose key starts with C(aws:) are kept).
    type: bool
    default: true
extends_documentation_fragment:
  - fargate.microservice.ownership
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads the target group, its attributes and tags, and reports what it would create, change or delete without writing.
  diff_mode:
    support: full
    description: Shows the health check, matcher, deregistration delay and tags before and after.
  idempotent:
    support: full
    description: Compares the health check, matcher (as a set of codes), deregistration delay and tags before writing.
notes:
  - A target group that a listener still uses cannot be deleted; delete the load balancer (or the listener) first.
"""

EXAMPLES = r"""
- name: Create the web target group for Fargate tasks on port 8000
  fargate.microservice.alb_target_group:
    name: countweb-web-tg
    vpc_id: vpc-0123456789abcdef0
    port: 8000
    health_check_path: /health
    health_check_interval: 15
    healthy_threshold_count: 2
    unhealthy_threshold_count: 3
    deregistration_delay: 30
    tags:
      Name: countweb-web-tg
      fargate.microservice/deployment: countweb
    ownership_tags:
      fargate.microservice/deployment: countweb
"""

RETURN = r"""
target_group:
  description: The target group after the change (as it would be, in check mode).
  returned: when the target group exists or would be created
  type: dict
  contains:
    target_group_name:
      description: Name of the target group.
      type: str
      sample: countweb-web-tg
    target_group_arn:
      description: ARN of the target group (absent in check mode before creation).
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/countweb-web-tg/0123456789abcdef
    target_type:
      description: C(ip) or C(instance).
      type: str
      sample: ip
    protocol:
      description: Protocol to the targets.
      type: str
      sample: HTTP
    port:
      description: Port of the targets.
      type: int
      sample: 8000
    vpc_id:
      description: VPC of the targets.
      type: str
      sample: vpc-0123456789abcdef0
    health_check_path:
      description: Path of the health check.
      type: str
      sample: /health
    matcher:
      description: HTTP codes that mean healthy, sorted.
      type: str
      sample: "200"
    deregistration_delay:
      description: Deregistration delay in seconds.
      type: int
      sample: 30
    tags:
      description: Tags of the target group.
      type: dict
      sample: {"Name": "countweb-web-tg"}
skipped_unowned:
  description: True when O(state=absent) found the target group but left it alone because it is not ours.
  returned: when that happened
  type: bool
  sample: true
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils._alb_target_group import ImmutableChangeError
from ansible_collections.fargate.microservice.plugins.module_utils._alb_target_group import ensure_absent
from ansible_collections.fargate.microservice.plugins.module_utils._alb_target_group import ensure_present
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import run_owning_module


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        target_type=dict(type="str", choices=["ip", "instance"], default="ip"),
        protocol=dict(type="str", choices=["HTTP", "HTTPS"], default="HTTP"),
        port=dict(type="int"),
        vpc_id=dict(type="str"),
        health_check_protocol=dict(type="str", choices=["HTTP", "HTTPS"]),
        health_check_port=dict(type="str", default="traffic-port"),
        health_check_path=dict(type="str", default="/"),
        health_check_interval=dict(type="int", default=30),
        health_check_timeout=dict(type="int", default=5),
        healthy_threshold_count=dict(type="int", default=5),
        unhealthy_threshold_count=dict(type="int", default=2),
        matcher=dict(type="str", default="200"),
        deregistration_delay=dict(type="int"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        ownership_tags=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["port", "vpc_id"])],
    )
    run_owning_module(module, "elbv2", "target group", ensure_present, ensure_absent, known_errors=(ImmutableChangeError,))


if __name__ == "__main__":
    main()
