# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the ecs_fargate_cluster module: read an ECS cluster, plan the changes, apply them.

Every field of DescribeClusters is read with ``.get()`` and a default: AWS always returns
``capacityProviders`` and ``defaultCapacityProviderStrategy`` (possibly empty), the moto
emulator leaves them out when they are empty, which is what makes community.aws.ecs_cluster
raise ``KeyError`` on its second run.
"""

from __future__ import annotations

import random
import time

from ansible_collections.fargate.microservice.plugins.module_utils._ownership import is_owned
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import merged_tags
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import tag_changes
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import UnownedResourceError
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import unowned_message


def normalize_strategy(strategy):
    """Strategy items as sorted ``{capacity_provider, weight, base}`` dicts (AWS's defaults filled in)."""
    items = []
    for item in strategy or []:
        items.append(
            {
                "capacity_provider": item.get("capacity_provider", item.get("capacityProvider")),
                "weight": int(item.get("weight") or 0),
                "base": int(item.get("base") or 0),
            }
        )
    return sorted(items, key=lambda i: i["capacity_provider"])


def strategy_to_api(strategy):
    return [{"capacityProvider": i["capacity_provider"], "weight": i["weight"], "base": i["base"]} for i in strategy]


def validate_strategy(capacity_providers, strategy):
    """Return an error sentence for a strategy AWS would reject, or ``None``."""
    seen = set()
    for item in strategy:
        name = item["capacity_provider"]
        if name not in capacity_providers:
            return f"the capacity provider strategy uses {name}, which is not in capacity_providers; add it there or remove it from the strategy."
        if name in seen:
            return f"the capacity provider strategy lists {name} twice; list each provider once."
        seen.add(name)
        if not 0 <= item["weight"] <= 1000:
            return f"the weight of {name} must be between 0 and 1000, got {item['weight']}."
        if not 0 <= item["base"] <= 100000:
            return f"the base of {name} must be between 0 and 100000, got {item['base']}."
    if sum(1 for i in strategy if i["base"] > 0) > 1:
        return "only one capacity provider in the strategy may have a base greater than 0; set the others to 0."
    if strategy and not any(i["weight"] > 0 for i in strategy):
        return "at least one capacity provider in the strategy needs a weight greater than 0."
    return None


def spot_architecture_error(strategy, cpu_architecture, variable):
    """Return an error sentence when ``strategy`` would place ARM64 tasks on FARGATE_SPOT, or ``None``.

    AWS's Fargate capacity provider considerations (Amazon ECS Developer Guide, "Amazon ECS clusters for
    Fargate"): "Linux tasks with the ARM64 architecture don't support the Fargate Spot capacity provider.
    Fargate Spot only supports Linux tasks with the X86_64 architecture." moto accepts such a service, so this
    check is ours. FARGATE_SPOT places tasks when its weight or its base is above 0 (AWS's defaults: weight 1
    when a provider is named without one is the roles' default, base 0). ``strategy`` is a list of
    ``{capacity_provider, weight, base}`` items.
    """
    if cpu_architecture != "ARM64" or not isinstance(strategy, (list, tuple)):
        return None
    for item in strategy:
        if isinstance(item, dict) and item.get("capacity_provider") == "FARGATE_SPOT":
            if int(item.get("weight", 1) or 0) > 0 or int(item.get("base", 0) or 0) > 0:
                return (f"{variable} places tasks on FARGATE_SPOT, which runs only X86_64 tasks, and task_cpu_architecture"
                        " is ARM64; use FARGATE alone (or an empty strategy) for ARM64 tasks, or set task_cpu_architecture"
                        " to X86_64.")
    return None


def _settings_dict(settings):
    return {s["name"]: s["value"] for s in settings or []}


def read_cluster(client, name):
    """Return the ACTIVE cluster as a flat dict, or ``None`` when it is missing or INACTIVE (deleted)."""
    response = client.describe_clusters(aws_retry=True, clusters=[name], include=["SETTINGS", "TAGS"])
    for cluster in response.get("clusters", []):
        if cluster.get("clusterName") == name and cluster.get("status") != "INACTIVE":
            return {
                "cluster_name": cluster["clusterName"],
                "cluster_arn": cluster["clusterArn"],
                "status": cluster.get("status"),
                "capacity_providers": sorted(cluster.get("capacityProviders", [])),
                "capacity_provider_strategy": normalize_strategy(cluster.get("defaultCapacityProviderStrategy", [])),
                "container_insights": _settings_dict(cluster.get("settings")).get("containerInsights", "disabled"),
                "active_services_count": cluster.get("activeServicesCount", 0),
                "running_tasks_count": cluster.get("runningTasksCount", 0),
                "tags": {t["key"]: t["value"] for t in cluster.get("tags", [])},
            }
    return None


def desired_settings(params):
    return {
        "capacity_providers": sorted(params["capacity_providers"]),
        "capacity_provider_strategy": normalize_strategy(params["capacity_provider_strategy"]),
        "container_insights": params.get("container_insights"),
        "tags": params.get("tags"),
        "purge_tags": params.get("purge_tags", True),
    }


def plan_update(current, desired):
    actions = {}
    if (
        current["capacity_providers"] != desired["capacity_providers"]
        or current["capacity_provider_strategy"] != desired["capacity_provider_strategy"]
    ):
        actions["capacity_providers"] = True
    if desired["container_insights"] is not None and current["container_insights"] != desired["container_insights"]:
        actions["container_insights"] = desired["container_insights"]
    to_set, to_remove = tag_changes(current["tags"], desired["tags"], desired["purge_tags"])
    if to_set:
        actions["tags_to_set"] = to_set
    if to_remove:
        actions["tags_to_remove"] = to_remove
    return actions


def expected_after(current, desired, name):
    after = dict(current) if current else {"cluster_name": name, "tags": {}, "container_insights": "disabled"}
    after["capacity_providers"] = desired["capacity_providers"]
    after["capacity_provider_strategy"] = desired["capacity_provider_strategy"]
    if desired["container_insights"] is not None:
        after["container_insights"] = desired["container_insights"]
    after["tags"] = merged_tags(after.get("tags"), desired["tags"], desired["purge_tags"])
    return after


def _diff_view(state):
    if not state:
        return {}
    keys = ("cluster_name", "capacity_providers", "capacity_provider_strategy", "container_insights", "tags")
    return {k: state.get(k) for k in keys}


# CreateCluster with capacity providers needs ECS's service-linked role (AWSServiceRoleForECS). On a
# fresh account that role is created on first use (or just before, by the account role), and IAM is
# eventually consistent, so ECS may answer for a while: InvalidParameterException "Unable to assume
# the service linked role. Please verify that the ECS service linked role exists."
SLR_NOT_READY_CODE = "InvalidParameterException"
SLR_NOT_READY_TEXT = "Unable to assume the service linked role"
SLR_RETRY_ATTEMPTS = 8
SLR_RETRY_DELAY = 2
SLR_RETRY_MAX_DELAY = 30


def _is_slr_not_ready(err):
    error = (getattr(err, "response", None) or {}).get("Error", {})
    return error.get("Code") == SLR_NOT_READY_CODE and SLR_NOT_READY_TEXT.lower() in str(error.get("Message", "")).lower()


def call_until_service_linked_role_usable(call, sleep=None, attempts=SLR_RETRY_ATTEMPTS,
                                          delay=SLR_RETRY_DELAY, max_delay=SLR_RETRY_MAX_DELAY):
    """Run ``call``; retry with jittered exponential backoff ("full jitter") while ECS cannot assume
    its service-linked role yet. Any other error, or the last attempt's, is raised as is."""
    for attempt in range(attempts):
        try:
            return call()
        except Exception as err:  # botocore.exceptions.ClientError; kept generic for unit tests
            if not _is_slr_not_ready(err) or attempt == attempts - 1:
                raise
            (sleep or time.sleep)(random.uniform(0, min(max_delay, delay * 2 ** attempt)))
    return None  # not reached


def ensure_present(client, params, check_mode):
    name = params["name"]
    ownership = params.get("ownership_tags") or {}
    desired = desired_settings(params)
    current = read_cluster(client, name)
    after = expected_after(current, desired, name)

    if current is None:
        result = {"changed": True, "diff": {"before": {}, "after": _diff_view(after)}}
        if check_mode:
            result["cluster"] = after
            return result
        create_args = {
            "clusterName": name,
            "capacityProviders": desired["capacity_providers"],
            "defaultCapacityProviderStrategy": strategy_to_api(desired["capacity_provider_strategy"]),
        }
        if desired["container_insights"] is not None:
            create_args["settings"] = [{"name": "containerInsights", "value": desired["container_insights"]}]
        if desired["tags"]:
            create_args["tags"] = [{"key": k, "value": v} for k, v in sorted(desired["tags"].items())]
        call_until_service_linked_role_usable(lambda: client.create_cluster(aws_retry=True, **create_args))
        result["cluster"] = read_cluster(client, name)
        return result

    if not is_owned(current["tags"], ownership):
        raise UnownedResourceError(unowned_message("ECS cluster", name, ownership))

    actions = plan_update(current, desired)
    result = {"changed": bool(actions), "diff": {"before": _diff_view(current), "after": _diff_view(after)}}
    if not actions or check_mode:
        result["cluster"] = after
        return result
    if "capacity_providers" in actions:
        call_until_service_linked_role_usable(lambda: client.put_cluster_capacity_providers(
            aws_retry=True,
            cluster=name,
            capacityProviders=desired["capacity_providers"],
            defaultCapacityProviderStrategy=strategy_to_api(desired["capacity_provider_strategy"]),
        ))
    if "container_insights" in actions:
        # UpdateCluster takes the same settings as UpdateClusterSettings, and moto implements only the former.
        client.update_cluster(aws_retry=True, cluster=name, settings=[{"name": "containerInsights", "value": actions["container_insights"]}])
    if "tags_to_remove" in actions:
        client.untag_resource(aws_retry=True, resourceArn=current["cluster_arn"], tagKeys=actions["tags_to_remove"])
    if "tags_to_set" in actions:
        client.tag_resource(
            aws_retry=True,
            resourceArn=current["cluster_arn"],
            tags=[{"key": k, "value": v} for k, v in sorted(actions["tags_to_set"].items())],
        )
    result["cluster"] = read_cluster(client, name)
    return result


def ensure_absent(client, params, check_mode):
    name = params["name"]
    ownership = params.get("ownership_tags") or {}
    current = read_cluster(client, name)
    if current is None:
        return {"changed": False, "diff": {"before": {}, "after": {}}}
    if not is_owned(current["tags"], ownership):
        return {"changed": False, "skipped_unowned": True, "cluster": current,
                "diff": {"before": _diff_view(current), "after": _diff_view(current)}}
    if not check_mode:
        client.delete_cluster(aws_retry=True, cluster=name)
    return {"changed": True, "cluster": current, "diff": {"before": _diff_view(current), "after": {}}}
