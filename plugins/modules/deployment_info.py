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
  - The service_discovery topology's resources (O(topology)) are sections of their own - C(cloud_map_namespace),
    C(cloud_map_service) (with the instances registered in it and their health status), C(redis_security_group)
    (C(<D>-redis) with its ingress rules), C(redis_task_definition), C(redis_service) (with its rollout) and
    C(redis_tasks). They are looked up in either topology; only with O(topology=service_discovery) is what is not owned
    missing, so with V(sidecar) an owned one is what a switch back to sidecar has not removed yet.
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
              task_definition, service, tasks, cloud_map_namespace, cloud_map_service, redis_security_group,
              redis_task_definition, redis_service, redis_tasks]
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
  vpc_attributes:
    description:
      - Also read the VPC's C(enableDnsSupport) and C(enableDnsHostnames) attributes (two C(DescribeVpcAttribute) calls),
        returned as C(dns_support) and C(dns_hostnames) on the C(vpc) items.
      - The network role compares them before it skips M(amazon.aws.ec2_vpc_net).
    type: bool
    default: false
  topology:
    description:
      - C(microservice_topology). V(service_discovery) expects the Redis service's resources (the C(redis_*) and
        C(cloud_map_*) sections, and C(<D>-redis) among the security groups) and makes C(<D>-web-task) the default
        O(task_family); with V(sidecar) none of them is expected.
    type: str
    choices: [sidecar, service_discovery]
    default: sidecar
  cloud_map_namespace:
    description: The Cloud Map private DNS namespace (C(microservice_cloud_map_namespace)); default C(internal-<deployment>.local).
    type: str
  redis_service_name:
    description: The ECS service that runs Redis in service_discovery (C(service_redis_name)), in cluster C(D).
    type: str
    default: redis
  redis_task_family:
    description: The Redis task definition family (C(task_redis_family)); default C(<deployment>-redis-task).
    type: str
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
  - fargate.microservice.read_only
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

- name: Find the service_discovery topology's Cloud Map service, its instances and the ECS service redis
  fargate.microservice.deployment_info:
    deployment: countweb
    topology: service_discovery
    include: [cloud_map_namespace, cloud_map_service, redis_service]
  register: discovery

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
    - The network sections also give what the network role compares before it changes anything, for example C(tags) (every
      network item), C(cidrs) (vpc), C(map_public), C(assign_ipv6), C(ipv6_cidrs) (subnets), C(main), C(routes) (route
      tables), C(network_interface_ids) (NAT gateways, VPC endpoints), C(allocation_id), C(association_id) (Elastic IPs),
      C(subnet_ids), C(route_table_ids), C(security_group_ids), C(private_dns_enabled) (VPC endpoints), C(description),
      C(ingress), C(egress) (security groups, one rule per source with C(proto), C(from_port), C(to_port), C(type),
      C(target), C(description)).
    - C(security_groups) lists every owned group of a contract name, also one the NAT mode does not expect (C(D-endpoints)
      after a switch away from mode C(none)); only the expected ones can be missing.
    - C(load_balancer) items also carry C(vpc_id), C(subnet_ids), C(security_group_ids) and C(tags); C(target_group) items
      C(vpc_id), C(load_balancer_arns), C(tags) and C(settings) (with O(target_group_attributes), else null); C(listeners)
      items (the owned load balancer's) C(load_balancer_arn), C(listener) (the DescribeListeners fields), C(tags) and
      C(owned) (true when the listener carries the ownership tag; false for one without any ownership tag, as
      amazon.aws.elb_application_lb creates it, which is ours by its load balancer and which the alb role tags); C(log_group) items C(retention_days) and
      C(tags); C(execution_role) items C(partition), C(description), C(tags), C(assume_role_policy) and C(managed_policies) (with
      O(execution_role_policies), else null).
    - The service_discovery sections add C(hosted_zone_id) (cloud_map_namespace); C(dns_name), C(dns_records),
      C(instances) (each C(id), C(ipv4), C(health), C(zone), C(task_definition_family)) and C(healthy)
      (cloud_map_service); C(vpc_id) and C(ingress) (each C(protocol), C(from_port), C(to_port), C(groups), C(cidrs))
      (redis_security_group); C(rollout_state), C(deployments), C(registries), C(subnet_ids), C(security_group_ids),
      C(assign_public_ip) (redis_service); C(address) (redis_tasks, and the tasks section too).
  returned: always
  type: dict
  sample: {"vpc": [{"kind": "vpc", "name": "countweb-vpc", "id": "vpc-0abc", "state": "available", "cidr": "10.1.0.0/16"}]}
owned:
  description:
    - Every owned resource of the sections, in one list, each once (target health and tasks are observations, not
      resources).
  returned: always
  type: list
  elements: dict
unowned:
  description:
    - Resources with a contract name that carry no ownership tag at all (the roles never change them), C(state=unowned).
    - One tagged for another deployment is that deployment's and is not reported, except for the kinds whose name is the
      deployment's alone (load balancer, target group, log group, execution role), with C(state="owned by <deployment>"), so
      that no role adopts it; so is a listener of the owned load balancer tagged for another deployment (C(kind=listeners),
      with its C(load_balancer_arn) and C(tags)), which the alb role refuses to change or delete.
    - The service_discovery sections' names count in either topology; an unowned C(redis_security_group) also has its
      C(vpc_id).
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
deleted:
  description:
    - Owned VPC endpoints that AWS still lists in state C(deleted) or C(deleting) (for a while after deletion; the emulator
      keeps them), shaped as the C(vpc_endpoints) items. They are not in RV(resources).
  returned: always
  type: list
  elements: dict
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports it

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

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
            vpc_attributes=dict(type="bool", default=False),
            topology=dict(type="str", choices=list(_naming.TOPOLOGIES), default=_naming.DEFAULT_TOPOLOGY),
            cloud_map_namespace=dict(type="str"),
            redis_service_name=dict(type="str", default=_naming.REDIS_SERVICE_NAME),
            redis_task_family=dict(type="str"),
            target_group_attributes=dict(type="bool", default=False),
            execution_role_policies=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    keys = ("deployment", "include", "nat_mode", "zone_count", "repositories", "interface_endpoint_services",
            "task_family", "service_name", "vpc_attributes", "topology", "cloud_map_namespace", "redis_service_name",
            "redis_task_family", "target_group_attributes", "execution_role_policies")
    params = {key: module.params[key] for key in keys}
    error = _naming.deployment_name_error(params["deployment"], "deployment")
    if error:
        module.fail_json(msg=error)

    def _client(service):
        return module.client(service, retry_decorator=AWSRetry.jittered_backoff())

    try:
        info = di.DeploymentInfo(_client, **params)
    except ValueError as err:
        module.fail_json(msg=str(err))
    try:
        result = info.collect()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        module.fail_json_aws(err, msg=f"Could not look up what deployment {params['deployment']} owns")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
