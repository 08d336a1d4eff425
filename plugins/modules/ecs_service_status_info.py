#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_service_status_info
short_description: Describe one ECS service with its tags, its rollout state and its recently stopped tasks
version_added: 0.1.0
description:
  - Describes an ECS service (with its tags) and reports the rollout state of its PRIMARY deployment.
  - Optionally lists the service's recently stopped tasks with their stop reasons and containers' exit codes, so a
    failed deployment can say why.
  - With O(deployment_id), also gives the verdict on that one deployment (the one a run created), whatever
    deployment is PRIMARY by now (completed, in progress, failed (and whether the circuit breaker rolled the
    service back, to which revision), or replaced by a newer deployment).
  - Calls are retried with jittered backoff on throttling and transient errors; ListTasks is paginated.
  - Written because M(community.aws.ecs_service_info) returns neither the service's tags (needed for the
    ownership check) nor any task, and no module of amazon.aws or community.aws lists an ECS service's tasks.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  cluster:
    description: Cluster name or ARN.
    type: str
    required: true
  service:
    description: Service name or ARN.
    type: str
    required: true
  stopped_tasks:
    description: Also list up to O(max_stopped_tasks) stopped tasks of the service (ListTasks + DescribeTasks).
    type: bool
    default: false
  max_stopped_tasks:
    description: How many stopped tasks to describe at most (1-100).
    type: int
    default: 10
  deployment_id:
    description:
      - The id of the deployment to judge (C(ecs-svc/...)), as the CreateService or UpdateService response or the
        PRIMARY deployment right after the change gives it. Adds RV(verdict); with O(stopped_tasks=true) the stopped
        tasks are those this deployment started, and RV(message) explains the outcome.
    type: str
  task_definition:
    description:
      - The C(family:revision) that O(deployment_id) rolls out, named in RV(message) when the deployment has already
        left the service's deployments (drained after a rollback).
    type: str
  other_services:
    description:
      - Other services of the cluster (names, at most 9) to describe in the same C(DescribeServices) request, each
        answered in RV(other_services) with the keys the module returns for O(service) (C(exists), C(status),
        C(service), C(tags), ...).
      - The service role reads web's and Redis's services in one request this way.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  autoscaling:
    description:
      - Also return the service's Application Auto Scaling scalable target and scaling policies (read-only), found by
        the resource id C(service/<cluster>/<service>) even when the service is gone (an interrupted teardown), so a
        playbook can decide whether M(community.aws.application_autoscaling_policy) needs to run at all (that module
        compares its options in a way that reports a change on every run, and writes even in check mode).
    type: bool
    default: false
extends_documentation_fragment:
  - fargate.microservice.read_only
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Wait until the deployment of service web has finished
  fargate.microservice.ecs_service_status_info:
    cluster: countweb
    service: web
  register: status
  until: status.rollout_state in ['COMPLETED', 'FAILED']
  retries: 60
  delay: 10

- name: Follow the deployment this run created until it is done
  fargate.microservice.ecs_service_status_info:
    cluster: countweb
    service: web
    deployment_id: "{{ (service_result.service.deployments | selectattr('status', 'eq', 'PRIMARY') | first).id }}"
  register: status
  until: status.verdict.done
  retries: 60
  delay: 10

- name: Explain a failed deployment
  fargate.microservice.ecs_service_status_info:
    cluster: countweb
    service: web
    stopped_tasks: true
  register: status
"""

RETURN = r"""
exists:
  description: Whether the service exists and is ACTIVE.
  returned: always
  type: bool
cluster_exists:
  description: Whether the cluster exists.
  returned: always
  type: bool
status:
  description:
    - The service's status, C(ACTIVE), C(DRAINING) (being deleted; it cannot be created again until it is
      C(INACTIVE)), C(INACTIVE), or C(MISSING) when DescribeServices does not know it.
  returned: always
  type: str
  sample: ACTIVE
service:
  description: The service as DescribeServices returns it (API camelCase keys, tags included), or an empty dict.
  returned: always
  type: dict
tags:
  description: The service's tags.
  returned: always
  type: dict
rollout_state:
  description: C(COMPLETED), C(IN_PROGRESS) or C(FAILED) for the PRIMARY deployment; C(MISSING) without an ACTIVE service.
  returned: always
  type: str
  sample: COMPLETED
primary_deployment_id:
  description: The id of the PRIMARY deployment, or an empty string.
  returned: always
  type: str
  sample: ecs-svc/1234567890123456789
verdict:
  description: The verdict on deployment O(deployment_id).
  returned: when O(deployment_id) is set
  type: dict
  contains:
    state:
      description: C(COMPLETED), C(IN_PROGRESS), C(FAILED), C(REPLACED) (a newer deployment took over) or C(MISSING).
      type: str
    done:
      description: Whether the outcome is final (everything but C(IN_PROGRESS)).
      type: bool
    revision:
      description: The C(family:revision) the deployment rolls out.
      type: str
    reason:
      description: The deployment's rolloutStateReason, or the service event saying it failed.
      type: str
    rolled_back_to:
      description: The C(family:revision) the circuit breaker rolled the service back to; empty without a rollback.
      type: str
    rollback_state:
      description: The rollout state of the rollback deployment.
      type: str
    primary:
      description: The C(family:revision) of the PRIMARY deployment now.
      type: str
    replaced_by:
      description: The id of the deployment that replaced it, when C(state=REPLACED).
      type: str
    still_running:
      description: The other deployments' C(family:revision) with their running task counts.
      type: dict
message:
  description: One paragraph on the outcome of O(deployment_id) (revision failed, rolled back to which, why, stopped tasks).
  returned: when O(deployment_id) is set and O(stopped_tasks=true)
  type: str
rollout_state_reason:
  description: The PRIMARY deployment's rolloutStateReason, if any.
  returned: always
  type: str
task_definition:
  description: The service's task definition as C(family:revision), or an empty string.
  returned: always
  type: str
  sample: web-redis-task:4
stopped_tasks:
  description: The recently stopped tasks (newest first), with reasons; with O(deployment_id) only that deployment's.
  returned: when O(stopped_tasks=true)
  type: list
  elements: dict
stopped_task_lines:
  description: One readable line per stopped task (its id, stop reason and the containers' exit codes).
  returned: when O(stopped_tasks=true)
  type: list
  elements: str
other_services:
  description:
    - For each name of O(other_services), what the module returns for a service without the options that add to it
      (C(exists), C(cluster_exists), C(status), C(service), C(tags), C(rollout_state), C(rollout_state_reason),
      C(task_definition), C(primary_deployment_id)).
  returned: always
  type: dict
  sample: {"redis": {"exists": false, "status": "MISSING", "service": {}, "tags": {}}}
scalable_target:
  description: The service's scalable target (API keys, for example C(MinCapacity), C(MaxCapacity)) or an empty dict.
  returned: when O(autoscaling=true)
  type: dict
scaling_policies:
  description: The service's scaling policies (API keys, for example C(PolicyName), C(TargetTrackingScalingPolicyConfiguration)).
  returned: when O(autoscaling=true)
  type: list
  elements: dict
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports it

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.fargate.microservice.plugins.module_utils import _service_status as ss
from ansible_collections.fargate.microservice.plugins.module_utils._autoscaling_target import find
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import jsonable


@AWSRetry.jittered_backoff()
def list_stopped_task_arns(ecs, cluster, service_name, limit):
    """ARNs of up to ``limit`` stopped tasks of the service (ListTasks, paginated)."""
    paginator = ecs.get_paginator("list_tasks")
    pages = paginator.paginate(cluster=cluster, serviceName=service_name, desiredStatus="STOPPED",
                               PaginationConfig=dict(MaxItems=limit, PageSize=min(limit, 100)))
    return pages.build_full_result().get("taskArns", [])


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            cluster=dict(type="str", required=True),
            service=dict(type="str", required=True),
            stopped_tasks=dict(type="bool", default=False),
            max_stopped_tasks=dict(type="int", default=10),
            autoscaling=dict(type="bool", default=False),
            deployment_id=dict(type="str"),
            task_definition=dict(type="str"),
            other_services=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not 1 <= params["max_stopped_tasks"] <= 100:
        module.fail_json(msg=f"max_stopped_tasks={params['max_stopped_tasks']} is out of range; use 1 to 100.")
    others = [n for n in dict.fromkeys(params["other_services"]) if n != params["service"]]
    if len(others) > 9:
        module.fail_json(msg=f"other_services names {len(others)} services; DescribeServices takes 10 at most, so give 9 at most.")
    ecs = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    try:
        response = ecs.describe_services(aws_retry=True, cluster=params["cluster"], services=[params["service"]] + others,
                                         include=["TAGS"])
    except botocore.exceptions.ClientError as e:
        if e.response.get("Error", {}).get("Code") == "ClusterNotFoundException":
            response = {"services": [], "cluster_missing": True}
        else:
            module.fail_json_aws(e, msg=f"Could not describe service {params['service']!r} in cluster {params['cluster']!r}")
    except botocore.exceptions.BotoCoreError as e:
        module.fail_json_aws(e, msg=f"Could not describe service {params['service']!r} in cluster {params['cluster']!r}")
    cluster_exists = not response.get("cluster_missing", False)
    answer = ss.service_answer(response.get("services", []), params["service"], cluster_exists, alone=not others)
    service = answer["service"]
    result = dict(answer)
    result.update(changed=False, service=jsonable(service), other_services={})
    for name in others:
        other = ss.service_answer(response.get("services", []), name, cluster_exists)
        other["service"] = jsonable(other["service"])
        result["other_services"][name] = other
    verdict = None
    if params["deployment_id"]:
        verdict = result["verdict"] = ss.deployment_verdict(service, params["deployment_id"], params["task_definition"])
    if params["stopped_tasks"]:
        tasks = []
        if service:
            try:
                arns = list_stopped_task_arns(ecs, params["cluster"], service["serviceName"], params["max_stopped_tasks"])
                if arns:
                    described = ecs.describe_tasks(aws_retry=True, cluster=params["cluster"], tasks=arns).get("tasks", [])
                    described.sort(key=lambda t: str(t.get("stoppedAt") or ""), reverse=True)
                    tasks = [ss.summarize_task(t) for t in described]
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                module.fail_json_aws(e, msg=f"Could not list the stopped tasks of service {params['service']!r}")
        if verdict is not None:
            ours = ss.find_deployment(service, params["deployment_id"]) or {}
            tasks = ss.tasks_of_deployment(tasks, params["deployment_id"], ours.get("taskDefinition", ""))
        result["stopped_tasks"] = tasks
        result["stopped_task_lines"] = ss.stopped_task_lines(tasks)
        if verdict is not None:
            result["message"] = ss.verdict_message(verdict, params["service"], result["stopped_task_lines"])
    if params["autoscaling"]:
        # Found by resource id, also without an ACTIVE service: a teardown interrupted after deleting the
        # service leaves its scalable target behind.
        scaling = module.client("application-autoscaling", retry_decorator=AWSRetry.jittered_backoff())
        try:
            target, policies = find(scaling, "ecs", ss.scaling_resource_id(params["cluster"], params["service"]),
                                    "ecs:service:DesiredCount")
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg=f"Could not describe the auto scaling of service {params['service']!r}")
        result["scalable_target"] = jsonable(target or {})
        result["scaling_policies"] = jsonable(policies)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
