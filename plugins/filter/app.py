# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the ecs_cluster, task, alb and service roles decide from what they found
(plugins/module_utils/_app_plan.py is the one implementation; no AWS calls).

- ``deployment_ownership``: a deployment_info result and a kind -> found / owned / the owned item.
- ``deployment_left_alone``: a deployment_info result and kinds -> one sentence per resource left alone.
- ``deployment_network``: a deployment_info result, a tier and a group -> VPC, subnet and group ids.
- ``alb_network_error``: deployment_network's answer -> what the load balancer lacks, or "".
- ``log_group_in_sync``: a deployment_info result and cloudwatchlogs_log_group's options -> whether it would change nothing.
- ``execution_role_in_sync``: a deployment_info result and iam_role's options -> whether it would change nothing.
- ``target_group_in_sync``: a deployment_info result and alb_target_group's options -> whether it would change nothing.
- ``load_balancer_in_sync``: a deployment_info result and elb_application_lb's options -> whether it would change nothing.
- ``listener_tags_in_sync``: a deployment_info result and the listeners' tags -> whether alb_listener_tags would change nothing.
- ``listener_ownership_error``: a deployment_info result -> the unowned-resource sentence for another deployment's listener, or "".
- ``task_families``: a deployment -> every task definition family it may hold revisions of.
- ``fargate_size_errors``: task cpu and memory -> the task definition module's own Fargate size check.
- ``capacity_strategy_errors``: a capacity provider strategy -> the cluster module's own strategy check.
- ``service_revision_plan``: service_task_revision and the service's tags -> the revision to run and the pin.
- ``service_owned``: ecs_service_status_info's answer -> whether the service is ours (or absent).
- ``service_update_plan``: ecs_service_status_info's answer and the wanted settings -> forced update, grace, count.
- ``service_in_sync``: ecs_service_status_info's answer, the wanted options and the plan -> whether the service modules would change nothing.
- ``service_target_group_arn``: deployment_info's answer and the alb role's alb_output -> the target group's ARN, or "".
- ``service_missing``: what the service needs and this deployment lacks, naming the role that makes it.
- ``service_redis_plan``: the Redis service, deployment_info's Redis sections and the Redis family's revision -> what
  the Redis service lacks, whether it is ours and what its create-or-update changes.
- ``service_taskdef_ref``: ecs_task_definition_info's answer -> family:revision when ACTIVE and ours, else "".
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.fargate.microservice.plugins.module_utils import _app_plan


def _wrap(function):
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (KeyError, TypeError, ValueError) as exc:
            raise AnsibleFilterError(f"{function.__name__}: {exc}") from exc
    run.__name__ = function.__name__
    run.__doc__ = function.__doc__
    return run


class FilterModule:
    """Filters of the application roles' plans."""

    def filters(self):
        return {
            "deployment_ownership": _wrap(_app_plan.ownership),
            "deployment_left_alone": _wrap(_app_plan.left_alone),
            "deployment_network": _wrap(_app_plan.network),
            "alb_network_error": _wrap(_app_plan.alb_network_error),
            "log_group_in_sync": _wrap(_app_plan.log_group_in_sync),
            "execution_role_in_sync": _wrap(_app_plan.execution_role_in_sync),
            "target_group_in_sync": _wrap(_app_plan.target_group_in_sync),
            "load_balancer_in_sync": _wrap(_app_plan.load_balancer_in_sync),
            "listener_tags_in_sync": _wrap(_app_plan.listener_tags_in_sync),
            "listener_ownership_error": _wrap(_app_plan.listener_ownership_error),
            "task_families": _wrap(_app_plan.task_families),
            "fargate_size_errors": _wrap(_app_plan.fargate_size_errors),
            "capacity_strategy_errors": _wrap(_app_plan.capacity_strategy_errors),
            "service_revision_plan": _wrap(_app_plan.service_revision_plan),
            "service_owned": _wrap(_app_plan.service_owned),
            "service_update_plan": _wrap(_app_plan.service_update_plan),
            "service_in_sync": _wrap(_app_plan.service_in_sync),
            "service_target_group_arn": _wrap(_app_plan.service_target_group_arn),
            "service_missing": _wrap(_app_plan.service_missing),
            "service_redis_plan": _wrap(_app_plan.service_redis_plan),
            "service_taskdef_ref": _wrap(_app_plan.service_taskdef_ref),
        }
