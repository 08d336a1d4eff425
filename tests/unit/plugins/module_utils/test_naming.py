# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the naming contract (module_utils/_naming.py) and of its agreement with the roles' own templates."""

from __future__ import annotations

from pathlib import Path

import jinja2
import jinja2.nativetypes
import pytest
import yaml

from ansible_collections.fargate.microservice.plugins.filter import naming as naming_filters
from ansible_collections.fargate.microservice.plugins.module_utils import _naming

ROOT = Path(__file__).resolve().parents[4]


@pytest.mark.parametrize("name, valid", [
    ("countweb", True),
    ("a", True),
    ("hstat-2", True),
    ("a" * 20, True),
    ("a" * 21, False),
    ("", False),
    ("Countweb", False),
    ("1web", False),
    ("-web", False),
    ("web_1", False),
    ("web\n", False),
    (None, False),
    (12, False),
])
def test_deployment_name_check(name, valid):
    error = _naming.deployment_name_error(name)
    assert (error is None) is valid
    assert _naming.is_valid_deployment_name(name) is valid
    if not valid:
        assert error.startswith("microservice_deployment ") and error.endswith(".")


def test_deployment_name_error_names_the_variable_it_is_given():
    assert _naming.deployment_name_error("X", "fixture_deployment").startswith("fixture_deployment 'X' is invalid")


@pytest.mark.parametrize("nat_mode, zones, nats, private_rts, endpoints, sgs", [
    ("single", 2, ["d-nat-a"], ["d-private"], {}, {"alb": "d-alb", "tasks": "d-tasks"}),
    ("per_az", 2, ["d-nat-a", "d-nat-b"], ["d-private-a", "d-private-b"], {}, {"alb": "d-alb", "tasks": "d-tasks"}),
    ("per_az", 3, ["d-nat-a", "d-nat-b", "d-nat-c"], ["d-private-a", "d-private-b", "d-private-c"], {},
     {"alb": "d-alb", "tasks": "d-tasks"}),
    ("none", 2, [], ["d-private"],
     {"ecr.api": "d-ecr-api", "ecr.dkr": "d-ecr-dkr", "logs": "d-logs", "s3": "d-s3"},
     {"alb": "d-alb", "tasks": "d-tasks", "endpoints": "d-endpoints"}),
])
def test_network_names_follow_the_nat_mode(nat_mode, zones, nats, private_rts, endpoints, sgs):
    names = _naming.deployment_names("d", zone_count=zones, nat_mode=nat_mode)
    assert names["nat_gateways"] == nats
    assert names["eips"] == nats
    assert names["route_tables"] == {"public": ["d-public"], "private": private_rts}
    assert names["vpc_endpoints"] == endpoints
    assert names["security_groups"] == sgs
    letters = "abc"[:zones]
    assert names["subnets"] == {"public": [f"d-public-{x}" for x in letters], "private": [f"d-private-{x}" for x in letters]}


def test_the_contract_of_the_default_deployment():
    names = _naming.deployment_names("countweb")
    assert {k: names[k] for k in ("vpc", "internet_gateway", "cluster", "log_group", "execution_role", "load_balancer",
                                  "target_group", "task_family", "service", "repositories")} == {
        "vpc": "countweb-vpc",
        "internet_gateway": "countweb-igw",
        "cluster": "countweb",
        "log_group": "/ecs/countweb",
        "execution_role": "countweb-ecs-task-execution",
        "load_balancer": "countweb-web-lb",
        "target_group": "countweb-web-tg",
        "task_family": "countweb-web-redis-task",
        "service": "web",
        "repositories": {"web": "countweb/web", "redis": "countweb/redis"},
    }
    assert names["ownership_tags"] == {"fargate.microservice/deployment": "countweb"}
    assert names["ownership_filter"] == {"tag:fargate.microservice/deployment": "countweb"}
    assert names["tier_tag_key"] == "fargate.microservice/tier"


def test_the_longest_deployment_name_fits_aws_name_limits():
    names = _naming.deployment_names("a" * 20)
    assert len(names["load_balancer"]) <= 32 and len(names["target_group"]) <= 32  # ELBv2's limit
    assert len(names["execution_role"]) <= 64  # IAM's limit


@pytest.mark.parametrize("kwargs, message", [
    ({"deployment": "Bad"}, "microservice_deployment 'Bad' is invalid"),
    ({"deployment": "d", "nat_mode": "nat"}, "network_nat_mode 'nat' is unknown"),
    ({"deployment": "d", "zone_count": 0}, "zone_count 0 is out of range"),
    ({"deployment": "d", "zone_count": 27}, "zone_count 27 is out of range"),
])
def test_invalid_input_is_refused_in_one_sentence(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _naming.deployment_names(**kwargs)


def test_repositories_task_family_and_service_follow_the_role_variables():
    names = _naming.deployment_names("d", repositories=["api"], task_family="fam", service_name="svc")
    assert names["repositories"] == {"api": "d/api"}
    assert names["task_family"] == "fam"
    assert names["service"] == "svc"
    assert names["autoscaling_resource_id"] == "service/d/svc"
    assert names["autoscaling_policy"] == "d-svc-cpu"


@pytest.mark.parametrize("topology, namespace, expected", [
    ("sidecar", None, {
        "task_family": "d-web-redis-task", "redis_task_family": "", "redis_service": "", "cloud_map_namespace": "",
        "cloud_map_service": "", "redis_address": "localhost:6379",
        "security_groups": {"alb": "d-alb", "tasks": "d-tasks"}}),
    ("service_discovery", None, {
        "task_family": "d-web-task", "redis_task_family": "d-redis-task", "redis_service": "redis",
        "cloud_map_namespace": "internal-d.local", "cloud_map_service": "redis",
        "redis_address": "redis.internal-d.local:6379",
        "security_groups": {"alb": "d-alb", "tasks": "d-tasks", "redis": "d-redis"}}),
    ("service_discovery", "svc.example", {
        "task_family": "d-web-task", "cloud_map_namespace": "svc.example", "redis_address": "redis.svc.example:6379"}),
], ids=["sidecar", "service_discovery", "service_discovery, own namespace"])
def test_names_follow_the_topology(topology, namespace, expected):
    names = _naming.deployment_names("d", topology=topology, namespace=namespace)
    assert {k: names[k] for k in expected} == expected
    assert names["topology"] == topology
    # The web service keeps its name and the deployment's cluster in both topologies.
    assert (names["service"], names["cluster"]) == ("web", "d")


def test_an_explicit_task_family_wins_in_either_topology():
    assert _naming.deployment_names("d", task_family="web-redis-task", topology="service_discovery")["task_family"] == "web-redis-task"


@pytest.mark.parametrize("topology, valid", [("sidecar", True), ("service_discovery", True), ("cloudmap", False),
                                             ("", False), (None, False)])
def test_topology_check(topology, valid):
    error = _naming.topology_error(topology)
    assert (error is None) == valid
    if not valid:
        assert error.startswith(f"microservice_topology {topology!r} is unknown; use sidecar")
        with pytest.raises(ValueError, match="microservice_topology"):
            _naming.deployment_names("d", topology=topology)


# The roles take their names from the contract's filter (deployment_names) in their vars, and a few defaults
# still spell a name out: each template, rendered with that filter, must give exactly the contract's name.
ROLE_TEMPLATES = [
    ("network", "vars", "__network_vpc_name", "vpc"),
    ("alb", "vars", "__alb_lb_name", "load_balancer"),
    ("alb", "vars", "__alb_tg_name", "target_group"),
    ("alb", "vars", "__alb_vpc_name", "vpc"),
    ("alb", "vars", "__alb_sg_name", ("security_groups", "alb")),
    ("alb", "vars", "__alb_owner_key", "ownership_tag_key"),
    ("alb", "vars", "__alb_tier_key", "tier_tag_key"),
    ("network", "vars", "__network_owner_key", "ownership_tag_key"),
    ("network", "vars", "__network_tier_key", "tier_tag_key"),
    ("ecs_cluster", "vars", "__ecs_cluster_name", "cluster"),
    ("ecs_cluster", "vars", "__ecs_cluster_log_group", "log_group"),
    ("ecs_cluster", "vars", "__ecs_cluster_role_name", "execution_role"),
    ("task", "defaults", "task_family", "task_family"),
    ("task", "defaults", "task_execution_role", "execution_role"),
    ("task", "defaults", "task_log_group", "log_group"),
    ("task", "vars", "__task_web_repository", ("repositories", "web")),
    ("task", "vars", "__task_redis_repository", ("repositories", "redis")),
    ("service", "defaults", "service_name", "service"),
    ("service", "defaults", "service_task_family", "task_family"),
    ("service", "vars", "__service_cluster", "cluster"),
    ("service", "vars", "__service_tg_name", "target_group"),
    ("service", "vars", "__service_policy_name", "autoscaling_policy"),
    ("service", "vars", "__service_resource_id", "autoscaling_resource_id"),
    ("verify", "defaults", "verify_lb_name", "load_balancer"),
    ("local_alb", "defaults", "local_alb_target_group_name", "target_group"),
    ("local_runtime", "defaults", "local_runtime_cluster", "cluster"),
    ("local_runtime", "defaults", "local_runtime_service", "service"),
]


# The service-discovery topology's names, rendered with microservice_topology=service_discovery.
DISCOVERY_TEMPLATES = [
    ("task", "defaults", "task_family", "task_family"),
    ("task", "defaults", "task_redis_family", "redis_task_family"),
    ("task", "defaults", "microservice_cloud_map_namespace", "cloud_map_namespace"),
    ("service", "defaults", "service_task_family", "task_family"),
    ("service", "defaults", "service_redis_name", "redis_service"),
    ("service", "defaults", "service_redis_task_family", "redis_task_family"),
    ("service", "vars", "__service_redis_sg_name", ("security_groups", "redis")),
    ("service", "vars", "__service_redis_registry", "cloud_map_service"),
    ("service", "defaults", "microservice_cloud_map_namespace", "cloud_map_namespace"),
    ("cloud_map", "defaults", "microservice_cloud_map_namespace", "cloud_map_namespace"),
    ("cloud_map", "vars", "__cloud_map_redis_sg_name", ("security_groups", "redis")),
    ("cloud_map", "vars", "__cloud_map_tasks_sg_name", ("security_groups", "tasks")),
    ("cloud_map", "vars", "__cloud_map_service_name", "cloud_map_service"),
    ("cloud_map", "vars", "__cloud_map_ecs_service", "redis_service"),
    ("cloud_map", "vars", "__cloud_map_vpc_name", "vpc"),
    ("cloud_map", "vars", "__cloud_map_cluster", "cluster"),
]


@pytest.mark.parametrize("role, kind, variable, key, topology", [(*t, "sidecar") for t in ROLE_TEMPLATES]
                         + [(*t, "service_discovery") for t in DISCOVERY_TEMPLATES],
                         ids=[f"{t[0]}:{t[2]}" for t in ROLE_TEMPLATES] + [f"discovery:{t[0]}:{t[2]}" for t in DISCOVERY_TEMPLATES])
def test_role_templates_render_the_contract(role, kind, variable, key, topology):
    path = ROOT / "roles" / role / kind / "main.yml"
    data = yaml.safe_load(path.read_text())
    if variable not in data:
        pytest.skip(f"{path} no longer defines {variable} (moved to the deployment_names filter)")
    context = {"microservice_deployment": "hstat-x", "service_name": "web", "microservice_topology": topology}
    # Native types, so that __<role>_names stays the contract's dict; the one collection filter names need.
    env = jinja2.nativetypes.NativeEnvironment()
    env.filters["fargate.microservice.deployment_names"] = naming_filters.deployment_names
    for _round in range(3):  # internal vars refer to each other (__service_resource_id -> __service_cluster)
        for name, value in data.items():
            if isinstance(value, str) and (not name.startswith("microservice_") or name == "microservice_cloud_map_namespace"):
                try:
                    context[name] = env.from_string(value).render(**context)
                except (jinja2.TemplateError, TypeError, ValueError):
                    pass  # a template with Ansible's filters or unset variables: not a name
    expected = _naming.deployment_names("hstat-x", topology=topology)
    for part in (key if isinstance(key, tuple) else (key,)):
        expected = expected[part]
    assert context[variable].strip() == expected
