#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: deployments_info
short_description: List the deployments that own resources in a region, by the ownership tag
version_added: 0.1.0
description:
  - Lists every resource of the region that carries the ownership tag C(fargate.microservice/deployment) through the
    Resource Groups Tagging API (C(GetResources), paginated) and groups their ARNs by the tag's value.
  - The local target's teardown uses it to stop the shared AWS emulator only when no other deployment's resources
    are left in it.
  - Deleted ECS clusters, services and task definitions, which ECS keeps showing as C(INACTIVE) for a while (and
    the Tagging API still lists), are not counted; nor are NAT gateways that EC2 shows as C(deleted) (for about an
    hour after their deletion), or no longer shows at all.
  - Written because no module of amazon.aws or community.aws wraps the Resource Groups Tagging API.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  deployment:
    description: A deployment name; RV(others) then lists the other deployments only.
    type: str
  tag_key:
    description: The ownership tag's key.
    type: str
    default: fargate.microservice/deployment
extends_documentation_fragment:
  - fargate.microservice.read_only
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find out whether other deployments still own resources in the emulator
  fargate.microservice.deployments_info:
    deployment: countweb
  register: owners

- name: Say who still owns something
  ansible.builtin.debug:
    msg: "Still deployed here: {{ owners.others | join(', ') }}"
  when: owners.others | length > 0
"""

RETURN = r"""
deployments:
  description: Every deployment owning a resource the Tagging API lists in the region, with the resources' ARNs.
  returned: always
  type: dict
  sample: {"countweb": ["arn:aws:ecs:us-east-1:123456789012:cluster/countweb"]}
others:
  description: The names of the deployments other than O(deployment) (all of them without O(deployment)), sorted.
  returned: always
  type: list
  elements: str
  sample: [countweb]
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports it

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.fargate.microservice.plugins.module_utils import _deployments as dep


def inactive_ecs(module, arns):
    """The ARNs of ECS clusters, services and task definitions that are deleted (no longer ACTIVE)."""
    kinds = [(arn,) + dep.ecs_kind(arn) for arn in arns]
    if not any(kind for dummy, kind, dummy2 in kinds):
        return []
    ecs = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    gone = []
    try:
        clusters = [arn for arn, kind, dummy in kinds if kind == "cluster"]
        for i in range(0, len(clusters), 100):
            found = ecs.describe_clusters(aws_retry=True, clusters=clusters[i:i + 100]).get("clusters", [])
            active = set(c["clusterArn"] for c in found if c.get("status") == "ACTIVE")
            gone += [arn for arn in clusters[i:i + 100] if arn not in active]
        by_cluster = {}
        for arn, kind, parts in kinds:
            if kind == "service":
                by_cluster.setdefault(parts[0], []).append(arn)
        for cluster, services in by_cluster.items():
            for i in range(0, len(services), 10):
                try:
                    found = ecs.describe_services(aws_retry=True, cluster=cluster, services=services[i:i + 10]).get("services", [])
                except is_boto3_error_code("ClusterNotFoundException"):
                    found = []
                active = set(s["serviceArn"] for s in found if s.get("status") == "ACTIVE")
                gone += [arn for arn in services[i:i + 10] if arn not in active]
        for arn, kind, dummy in kinds:
            if kind == "task-definition":
                found = ecs.describe_task_definition(aws_retry=True, taskDefinition=arn).get("taskDefinition", {})
                if found.get("status") != "ACTIVE":
                    gone.append(arn)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not tell whether the tagged ECS resources are still ACTIVE")
    return gone


def deleted_nat_gateways(module, arns):
    """The ARNs of NAT gateways that are deleted (State deleted, or no longer described)."""
    nats = [arn for arn in arns if dep.nat_gateway_id(arn)]
    if not nats:
        return []
    ec2 = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    gone = []
    try:
        # A filter, not NatGatewayIds: an ID no longer known would fail the whole call (NatGatewayNotFound).
        # DescribeNatGateways' filter parameter is "Filter" (singular) in botocore's ec2 model.
        for i in range(0, len(nats), 100):
            chunk = nats[i:i + 100]
            found = paginated_query_with_retries(
                ec2, "describe_nat_gateways",
                Filter=[{"Name": "nat-gateway-id", "Values": [dep.nat_gateway_id(arn) for arn in chunk]}]).get("NatGateways", [])
            gone += dep.gone_nat_gateways(chunk, found)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not tell whether the tagged NAT gateways are deleted")
    return gone


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            deployment=dict(type="str"),
            tag_key=dict(type="str", default=dep.OWNERSHIP_KEY, no_log=False),
        ),
        supports_check_mode=True,
    )
    key = module.params["tag_key"]
    client = module.client("resourcegroupstaggingapi", retry_decorator=AWSRetry.jittered_backoff())
    try:
        mappings = paginated_query_with_retries(client, "get_resources",
                                                TagFilters=[{"Key": key}]).get("ResourceTagMappingList", [])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Could not list the resources tagged {key!r}")
    arns = [m.get("ResourceARN") for m in mappings]
    mappings = dep.drop(mappings, inactive_ecs(module, arns) + deleted_nat_gateways(module, arns))
    deployments = dep.group_by_deployment(mappings, key)
    module.exit_json(changed=False, deployments=deployments, others=dep.others(deployments, module.params["deployment"]))


if __name__ == "__main__":
    main()
