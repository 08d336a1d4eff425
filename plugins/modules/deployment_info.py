#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: deployment_info
short_description: What a deployment owns in AWS, by kind, and what of its naming contract is missing
version_added: 0.1.0
description:
  - For one deployment C(D), finds every resource of the naming contract (C(docs/CONTRIBUTING.md)), that is the VPC, subnets by
    tier, route tables, internet gateways, NAT gateways, Elastic IPs, VPC endpoints, security groups, load balancer,
    target group, listeners, ECR repositories, ECS cluster, log group, task execution role, task definition and ECS
    service; optionally also the target group's target health and the service's running tasks.
  - A resource is reported as owned only when it carries the ownership tag C(fargate.microservice/deployment=D); one
    with a contract name and no ownership tag is listed under RV(unowned), never as owned. Resources of other
    deployments (tagged for them) are never reported.
  - What the contract expects but nobody owns is listed in RV(missing); an empty or partial stack is a normal answer,
    not a failure.
  - Each section costs one or two targeted read calls (EC2 by C(tag:Name=D-*), the other services by exact name),
    paginated and retried with jittered backoff; sections not in O(include) cost nothing.
  - Names come from the collection's naming contract (the same code as the P(fargate.microservice.deployment_names#filter)
    filter).
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
    description:
      - The deployment name (C(microservice_deployment)); 1 to 20 characters, a lowercase letter, then lowercase letters,
        digits or hyphens.
    type: str
    required: true
  include:
    description: The sections to look up; all of them by default.
    type: list
    elements: str
    choices: [vpc, subnets, route_tables, internet_gateways, nat_gateways, eips, vpc_endpoints, security_groups,
              load_balancer, target_group, listeners, target_health, repositories, cluster, log_group, execution_role,
              task_definition, service, tasks]
  nat_mode:
    description: The network's C(network_nat_mode); decides which NAT gateways, Elastic IPs, route tables, VPC endpoints
      and security groups are expected.
    type: str
    choices: [single, per_az, none]
    default: single
  zone_count:
    description: Number of availability zones (subnet pairs) the network has (C(network_public_subnet_cidrs) length).
    type: int
    default: 2
  repositories:
    description: Short names of the ECR repositories (C(registry_repositories)); each is C(D/<name>).
    type: list
    elements: str
    default: [web, redis]
  interface_endpoint_services:
    description: Short names of the interface endpoints (C(network_interface_endpoint_services)), expected with
      O(nat_mode=none).
    type: list
    elements: str
    default: [ecr.api, ecr.dkr, logs]
  task_family:
    description:
      - Task definition family (C(task_family)).
      - Default C(<deployment>-web-redis-task), the task role's default; the lab's bare C(web-redis-task) must be given.
    type: str
  service_name:
    description: ECS service name (C(service_name)) in cluster C(D).
    type: str
    default: web
  target_group_attributes:
    description:
      - Also read the target group's attributes (one more call), so that each C(target_group) item carries C(settings),
        the group in the option names of M(fargate.microservice.alb_target_group), for a role to tell whether that module
        would change anything.
    type: bool
    default: false
    version_added: 0.1.0
  execution_role_policies:
    description:
      - Also list the task execution role's attached managed policies (one more call), so that each C(execution_role) item
        carries C(managed_policies) (ARNs, sorted), for a role to tell whether M(amazon.aws.iam_role) would change anything.
    type: bool
    default: false
    version_added: 0.1.0
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find what deployment countweb owns and what is missing
  fargate.microservice.deployment_info:
    deployment: countweb
  register: found

- name: Find only the network the load balancer goes into
  fargate.microservice.deployment_info:
    deployment: countweb
    include: [vpc, subnets, security_groups]
  register: network

- name: Use the public subnets
  ansible.builtin.debug:
    msg: "{{ network.resources.subnets.public | map(attribute='id') | list }}"
"""

RETURN = r"""
deployment:
  description: The deployment.
  returned: always
  type: str
include:
  description: The sections looked up, in status order.
  returned: always
  type: list
  elements: str
names:
  description: The naming contract of the deployment (as the P(fargate.microservice.deployment_names#filter) filter returns it).
  returned: always
  type: dict
resources:
  description:
    - One key per section in RV(include). C(subnets) is a dict by tier (C(public), C(private)); every other section is a
      list (empty when nothing is owned).
    - Every item has C(kind), C(name), C(id) (resource id or ARN) and C(state), plus the kind's own fields, for example
      C(cidr), C(zone), C(tier) (subnets), C(dns_name) (load balancer), C(desired), C(running), C(pending),
      C(deployments) with their C(rollout_state) (service), C(images) and C(image_tags) (task definition), C(health),
      C(started), C(containers) (tasks), C(reason) (target health).
    - C(load_balancer) items also carry C(vpc_id), C(subnet_ids), C(security_group_ids) and C(tags); C(target_group) items
      C(vpc_id), C(load_balancer_arns), C(tags) and C(settings) (with O(target_group_attributes), else null); C(listeners)
      items C(load_balancer_arn) and C(listener) (the DescribeListeners fields); C(log_group) items C(retention_days) and
      C(tags); C(execution_role) items C(partition), C(description), C(tags), C(assume_role_policy) and C(managed_policies) (with
      O(execution_role_policies), else null).
  returned: always
  type: dict
  sample: {"vpc": [{"kind": "vpc", "name": "countweb-vpc", "id": "vpc-0abc", "state": "available", "cidr": "10.1.0.0/16"}]}
owned:
  description: Every owned resource of the sections, in one list (target health and tasks are observations, not resources).
  returned: always
  type: list
  elements: dict
unowned:
  description:
    - Resources with a contract name that carry no ownership tag at all (the roles never change them), C(state=unowned).
    - One tagged for another deployment is that deployment's and is not reported, except for the kinds whose name is the
      deployment's alone (load balancer, target group, log group, execution role), with C(state="owned by <deployment>"), so
      that no role adopts it.
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "vpc", "name": "countweb-vpc", "id": "vpc-0def", "state": "unowned"}]
missing:
  description: What the contract expects in the sections looked up but this deployment does not own, as C(kind) and C(name).
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "nat_gateways", "name": "countweb-nat-a"}]
complete:
  description: Whether nothing is missing.
  returned: always
  type: bool
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports it

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils import _deployment_info as di
from ansible_collections.fargate.microservice.plugins.module_utils import _naming


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            deployment=dict(type="str", required=True),
            include=dict(type="list", elements="str", choices=list(di.SECTIONS)),
            nat_mode=dict(type="str", choices=list(_naming.NAT_MODES), default="single"),
            zone_count=dict(type="int", default=_naming.DEFAULT_ZONE_COUNT),
            repositories=dict(type="list", elements="str", default=list(_naming.DEFAULT_REPOSITORIES)),
            interface_endpoint_services=dict(type="list", elements="str", default=list(_naming.DEFAULT_INTERFACE_ENDPOINTS)),
            task_family=dict(type="str"),
            service_name=dict(type="str", default=_naming.DEFAULT_SERVICE_NAME),
            target_group_attributes=dict(type="bool", default=False),
            execution_role_policies=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    keys = ("deployment", "include", "nat_mode", "zone_count", "repositories", "interface_endpoint_services",
            "task_family", "service_name", "target_group_attributes",
            "execution_role_policies")
    params = {key: module.params[key] for key in keys}
    error = _naming.deployment_name_error(params["deployment"], "deployment")
    if error:
        module.fail_json(msg=error)
    try:
        info = di.DeploymentInfo(module.client, **params)
    except ValueError as err:
        module.fail_json(msg=str(err))
    try:
        result = info.collect()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        module.fail_json_aws(err, msg=f"Could not look up what deployment {params['deployment']} owns")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
