# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The naming contract of a deployment, in code (docs/CONTRIBUTING.md, "Names").

Every resource name a deployment ``D`` gets, the ownership tag, the tier tag and the one check of a
deployment name. The roles typed these names in their vars until now; they are collected here
exactly as the roles build them (network, registry, ecs_cluster, task, alb, service, verify,
local_alb, local_runtime), so later work can replace the string templates with the
``fargate.microservice.deployment_names`` filter. No AWS calls; unit-tested directly.
"""

from __future__ import annotations

import re

# The ownership tag: every resource of deployment D carries OWNER_TAG_KEY=D.
OWNER_TAG_KEY = "fargate.microservice/deployment"
# Subnets and route tables also carry TIER_TAG_KEY=public|private.
TIER_TAG_KEY = "fargate.microservice/tier"
TIERS = ("public", "private")
NAT_MODES = ("single", "per_az", "none")

# 1-20 characters: a lowercase letter, then lowercase letters, digits or hyphens (the ALB and target
# group names "D-web-lb" / "D-web-tg" must fit AWS's 32 characters).
DEPLOYMENT_NAME_PATTERN = r"[a-z][a-z0-9-]{0,19}"
_DEPLOYMENT_NAME_RE = re.compile(DEPLOYMENT_NAME_PATTERN + r"\Z")

# Defaults of the roles' own variables that take part in names.
DEFAULT_REPOSITORIES = ("web", "redis")
DEFAULT_INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs")
# task_family / service_task_family: None means the per-deployment default "<D>-web-redis-task";
# the lab's bare name is LAB_TASK_FAMILY, one variable away.
DEFAULT_TASK_FAMILY = None
TASK_FAMILY_SUFFIX = "web-redis-task"
LAB_TASK_FAMILY = "web-redis-task"
DEFAULT_SERVICE_NAME = "web"  # service_name (the lab's)
DEFAULT_ZONE_COUNT = 2

# microservice_topology: how web reaches Redis. "sidecar" (the default, the lab's final design): Redis in every
# web task, on localhost. "service_discovery" (the lab's first design): Redis is its own ECS service, registered
# in a Cloud Map private DNS namespace, and web finds it by name; one shared count.
TOPOLOGIES = ("sidecar", "service_discovery")
DEFAULT_TOPOLOGY = "sidecar"
# In service_discovery: the web-only task family, the Redis-only one, the ECS service and Cloud Map service
# "redis" (so Redis is redis.<namespace>), the namespace's default name and Redis's port.
WEB_TASK_FAMILY_SUFFIX = "web-task"
REDIS_TASK_FAMILY_SUFFIX = "redis-task"
REDIS_SERVICE_NAME = "redis"
REDIS_PORT = 6379


def default_namespace(deployment):
    """The Cloud Map private DNS namespace of deployment D unless cloud_map_namespace says otherwise."""
    return f"internal-{deployment}.local"


def topology_error(topology, variable="microservice_topology"):
    """One sentence saying what is wrong with a topology, or None when it is valid."""
    if topology in TOPOLOGIES:
        return None
    return f"{variable} {topology!r} is unknown; use sidecar (Redis in every web task) or service_discovery (one Redis service found through Cloud Map)."


# Zone index -> letter of the subnets, route tables and NAT gateways (network role's __network_letters).
ZONE_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def deployment_name_error(deployment, variable="microservice_deployment"):
    """One sentence saying what is wrong with a deployment name, or None when it is valid."""
    if isinstance(deployment, str) and _DEPLOYMENT_NAME_RE.match(deployment):
        return None
    return (
        f"{variable} {deployment!r} is invalid; use 1 to 20 characters: a lowercase letter, then lowercase letters,"
        " digits or hyphens."
    )


def is_valid_deployment_name(deployment):
    return deployment_name_error(deployment) is None


def ownership_tags(deployment):
    """The ownership tag of a deployment, as a dict."""
    return {OWNER_TAG_KEY: deployment}


def ownership_filter(deployment):
    """An EC2 Describe* filter (ansible dict form) selecting what the deployment owns."""
    return {"tag:" + OWNER_TAG_KEY: deployment}


def zone_letters(zone_count):
    zone_count = int(zone_count)
    if not 1 <= zone_count <= len(ZONE_LETTERS):
        raise ValueError(f"zone_count {zone_count} is out of range; use 1 to {len(ZONE_LETTERS)}.")
    return list(ZONE_LETTERS[:zone_count])


def endpoint_name(deployment, service):
    """The Name of the VPC endpoint of a short service name (ecr.api -> D-ecr-api; s3 -> D-s3)."""
    return f"{deployment}-{service.replace('.', '-')}"


def deployment_names(deployment, zone_count=DEFAULT_ZONE_COUNT, nat_mode="single", repositories=DEFAULT_REPOSITORIES,
                     interface_endpoints=DEFAULT_INTERFACE_ENDPOINTS, task_family=DEFAULT_TASK_FAMILY,
                     service_name=DEFAULT_SERVICE_NAME, topology=DEFAULT_TOPOLOGY, namespace=None,
                     redis_service_name=REDIS_SERVICE_NAME, redis_task_family=None):
    """Every resource name of deployment ``deployment`` under the given network shape and role variables.

    ``topology`` is microservice_topology: with ``service_discovery`` the web task family defaults to
    ``<D>-web-task`` and the names of the Redis service's resources are filled in (Redis task family, ECS
    service, Cloud Map namespace ``namespace`` or ``internal-<D>.local``, Cloud Map service, security group
    ``<D>-redis``); with ``sidecar`` those are absent (empty strings) and the family is ``<D>-web-redis-task``.
    ``redis_service_name`` (service_redis_name) and ``redis_task_family`` (task_redis_family, default
    ``<D>-redis-task``) name the Redis ECS service and its family in service_discovery.

    ``zone_count`` is the number of subnet pairs (len(network_public_subnet_cidrs)), ``nat_mode`` is
    network_nat_mode, ``repositories`` registry_repositories, ``interface_endpoints``
    network_interface_endpoint_services. Resources that the chosen NAT mode does not create are
    absent (empty list / dict), not None. Raises ValueError on an invalid input.
    """
    error = deployment_name_error(deployment)
    if error:
        raise ValueError(error)
    if nat_mode not in NAT_MODES:
        raise ValueError(f"network_nat_mode {nat_mode!r} is unknown; use single, per_az or none.")
    error = topology_error(topology)
    if error:
        raise ValueError(error)
    letters = zone_letters(zone_count)
    d = deployment
    discovery = topology == "service_discovery"
    task_family = task_family or f"{d}-{WEB_TASK_FAMILY_SUFFIX if discovery else TASK_FAMILY_SUFFIX}"
    namespace = (namespace or default_namespace(d)) if discovery else ""
    if nat_mode == "per_az":
        nat_gateways = [f"{d}-nat-{letter}" for letter in letters]
        private_route_tables = [f"{d}-private-{letter}" for letter in letters]
    else:
        nat_gateways = [f"{d}-nat-a"] if nat_mode == "single" else []
        private_route_tables = [f"{d}-private"]
    endpoints = {}
    if nat_mode == "none":
        endpoints = {service: endpoint_name(d, service) for service in interface_endpoints}
        endpoints["s3"] = endpoint_name(d, "s3")
    security_groups = {"alb": f"{d}-alb", "tasks": f"{d}-tasks"}
    if nat_mode == "none":
        security_groups["endpoints"] = f"{d}-endpoints"
    if discovery:
        security_groups["redis"] = f"{d}-redis"
    return {
        "deployment": d,
        "ownership_tag_key": OWNER_TAG_KEY,
        "ownership_tags": ownership_tags(d),
        "ownership_filter": ownership_filter(d),
        "tier_tag_key": TIER_TAG_KEY,
        "tiers": list(TIERS),
        "vpc": f"{d}-vpc",
        "internet_gateway": f"{d}-igw",
        "subnets": {tier: [f"{d}-{tier}-{letter}" for letter in letters] for tier in TIERS},
        "route_tables": {"public": [f"{d}-public"], "private": private_route_tables},
        # Each NAT gateway's Elastic IP carries the NAT gateway's Name.
        "nat_gateways": nat_gateways,
        "eips": list(nat_gateways),
        # short service name -> endpoint Name
        "vpc_endpoints": endpoints,
        # purpose -> group name (also its Name tag)
        "security_groups": security_groups,
        # short name -> repository name
        "repositories": {name: f"{d}/{name}" for name in repositories},
        "cluster": d,
        "log_group": f"/ecs/{d}",
        "execution_role": f"{d}-ecs-task-execution",
        "load_balancer": f"{d}-web-lb",
        "target_group": f"{d}-web-tg",
        "task_family": task_family,
        "service": service_name,
        # The topology and, in service_discovery, the Redis service's resources ("" in sidecar).
        "topology": topology,
        "redis_task_family": (redis_task_family or f"{d}-{REDIS_TASK_FAMILY_SUFFIX}") if discovery else "",
        "redis_service": (redis_service_name or REDIS_SERVICE_NAME) if discovery else "",
        "cloud_map_namespace": namespace,
        "cloud_map_service": REDIS_SERVICE_NAME if discovery else "",
        # The DNS name web resolves (the Cloud Map service's A records), and the Name tag the cloud_map role gives
        # that service ("" in sidecar).
        "redis_dns_name": f"{REDIS_SERVICE_NAME}.{namespace}" if discovery else "",
        "cloud_map_service_tag_name": f"{d}-{REDIS_SERVICE_NAME}" if discovery else "",
        # What the web tasks are given as REDIS_ADDR: localhost in the sidecar, the Cloud Map name otherwise.
        "redis_address": f"{REDIS_SERVICE_NAME}.{namespace}:{REDIS_PORT}" if discovery else f"localhost:{REDIS_PORT}",
        # Application Auto Scaling: the service's resource id and its target-tracking policy.
        "autoscaling_resource_id": f"service/{d}/{service_name}",
        "autoscaling_policy": f"{d}-{service_name}-cpu",
        # Local target: the tasks' containers (their labels carry OWNER_TAG_KEY=D) and the load balancer's frontend.
        "local_task_prefix": f"{d}-task-",
        "local_alb_frontend": f"{d}-web-lb",
    }
