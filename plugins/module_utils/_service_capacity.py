# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the ecs_service_capacity module: move an existing ECS service onto a capacity provider strategy
(or back to its launch type) with the one call AWS documents for it.

AWS's contract (botocore's ECS model, UpdateService ``capacityProviderStrategy``; CreateService
``launchType``): a service uses either a launch type or a capacity provider strategy, never both;
UpdateService has no ``launchType``; an existing service moves from its launch type to a strategy by
UpdateService with ``capacityProviderStrategy``, and back to the launch type with an empty list; that
parameter "doesn't trigger a new service deployment", so the call also sets ``forceNewDeployment``.
community.aws.ecs_service 10.0.0 refuses both moves ("It is not possible to change an existing service
from launch_type to capacity_provider_strategy"), never sends an empty strategy and does not compare the
strategy at all, hence this module.
"""

from __future__ import annotations

from ansible_collections.fargate.microservice.plugins.module_utils._ecs_fargate_cluster import normalize_strategy
from ansible_collections.fargate.microservice.plugins.module_utils._ecs_fargate_cluster import strategy_to_api
from ansible_collections.fargate.microservice.plugins.module_utils._ecs_fargate_cluster import validate_strategy
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import jsonable


class CapacityError(Exception):
    """The wanted strategy cannot work on this cluster; the message says what to do."""


def describe(service):
    """The service's capacity provider strategy, normalized (empty: it runs on its launch type)."""
    return {"capacity_provider_strategy": normalize_strategy(service.get("capacityProviderStrategy") or [])}


def check_strategy(wanted, cluster_name, cluster_providers):
    """Raise CapacityError when the wanted strategy names a provider the cluster lacks or breaks AWS's rules."""
    for item in wanted:
        if item["capacity_provider"] not in cluster_providers:
            raise CapacityError(
                f"The capacity provider strategy uses {item['capacity_provider']}, which cluster {cluster_name} does not have"
                f" (it has {', '.join(cluster_providers) or 'none'}); add it to the cluster's capacity providers or remove it"
                " from the strategy."
            )
    error = validate_strategy(cluster_providers, wanted)
    if error:
        raise CapacityError("In the capacity provider strategy, " + error)


def plan(service, wanted):
    """The UpdateService parameters that move ``service`` (a DescribeServices document) onto ``wanted``, or None."""
    wanted = normalize_strategy(wanted)
    if describe(service)["capacity_provider_strategy"] == wanted:
        return None
    return {
        "cluster": service["clusterArn"],
        "service": service["serviceName"],
        "capacityProviderStrategy": strategy_to_api(wanted),
        "forceNewDeployment": True,
    }


def ensure(client, cluster, service_name, wanted, check_mode):
    """Apply ``wanted`` to an existing service. Returns the module result (changed, exists, service, diff)."""
    wanted = normalize_strategy(wanted)
    clusters = client.describe_clusters(aws_retry=True, clusters=[cluster]).get("clusters", [])
    active = [c for c in clusters if c.get("status") == "ACTIVE"]
    services = client.describe_services(aws_retry=True, cluster=cluster, services=[service_name]).get("services", [])
    services = [s for s in services if s.get("status") == "ACTIVE"]
    missing = {"changed": False, "exists": False, "service": {}, "diff": {"before": {}, "after": {}}}
    if not active:
        return missing
    # Also for a service still to be created: refuse a strategy the cluster cannot run before any change.
    check_strategy(wanted, active[0].get("clusterName", cluster), active[0].get("capacityProviders") or [])
    if not services:
        return missing
    service = services[0]
    before = describe(service)
    params = plan(service, wanted)
    if params is None:
        return {"changed": False, "exists": True, "service": jsonable(service), "diff": {"before": before, "after": before}}
    after = {"capacity_provider_strategy": wanted}
    result = {"changed": True, "exists": True, "service": jsonable(service), "diff": {"before": before, "after": after}}
    if not check_mode:
        result["service"] = jsonable(client.update_service(aws_retry=True, **params)["service"])
    return result
