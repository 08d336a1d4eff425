# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ecs_cluster, task, alb and service roles' decisions (_app_plan): ownership of what deployment_info found,
the network a role uses, the service's revision choice and update plan, the teardown's family list and the
module validators the preflights call. No AWS calls: the inputs are deployment_info / ecs_service_status_info /
ecs_task_definition_info answers, shaped as those modules return them."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _app_plan as plan
from ansible_collections.fargate.microservice.plugins.module_utils import _naming
from ansible_collections.fargate.microservice.plugins.module_utils._ecs_fargate_cluster import validate_strategy
from ansible_collections.fargate.microservice.plugins.module_utils._task_definition import FARGATE_SIZES
from ansible_collections.fargate.microservice.plugins.module_utils._task_definition import fargate_size_error

OWNER = _naming.OWNER_TAG_KEY
PIN = "fargate.microservice/pinned-revision"


def _info(resources=None, unowned=None, deployment="hab"):
    """A deployment_info answer (RETURN of plugins/modules/deployment_info.py)."""
    return {"deployment": deployment, "names": _naming.deployment_names(deployment), "resources": resources or {},
            "unowned": unowned or [], "missing": []}


def _subnet(sid, vpc, zone):
    return {"kind": "subnets", "name": sid, "id": sid, "state": "available", "vpc_id": vpc, "zone": zone}


def _group(name, gid, vpc):
    return {"kind": "security_groups", "name": name, "id": gid, "state": "1 ingress rule(s)", "vpc_id": vpc}


# -- ownership ------------------------------------------------------------------------------------


@pytest.mark.parametrize("resources, unowned, found, owned, owner", [
    ({"log_group": [{"kind": "log_group", "name": "/ecs/hab", "id": "arn:x", "state": "never expires"}]}, [], True, True, "hab"),
    ({"log_group": []}, [{"kind": "log_group", "name": "/ecs/hab", "id": "arn:x", "state": "unowned"}], True, False,
     "no ownership tag"),
    ({"log_group": []}, [{"kind": "log_group", "name": "/ecs/hab", "id": "arn:x", "state": "owned by other"}], True, False,
     "other"),
    ({"log_group": []}, [{"kind": "target_group", "name": "hab-web-tg", "id": "arn:y", "state": "unowned"}], False, False, ""),
    ({}, [], False, False, ""),
])
def test_ownership_says_whether_the_resource_exists_and_whose_it_is(resources, unowned, found, owned, owner):
    state = plan.ownership(_info(resources, unowned), "log_group")
    assert (state["found"], state["owned"], state["owner"], state["name"]) == (found, owned, owner, "/ecs/hab")
    assert (state["item"] != {}) is owned


def test_left_alone_names_each_resource_that_is_not_ours_and_whose_it_is():
    info = _info({"load_balancer": [], "target_group": []},
                 [{"kind": "load_balancer", "name": "hab-web-lb", "id": "a", "state": "unowned"},
                  {"kind": "target_group", "name": "hab-web-tg", "id": "b", "state": "owned by prod"}])
    assert plan.left_alone(info, ["load_balancer", "target_group", "log_group"]) == [
        f"Left load balancer hab-web-lb alone: it exists without the ownership tag {OWNER}=hab.",
        f"Left target group hab-web-tg alone: it exists tagged {OWNER}=prod, not {OWNER}=hab.",
    ]
    assert plan.left_alone(_info({"load_balancer": [{"name": "hab-web-lb", "id": "a"}]}), ["load_balancer"]) == []


# -- network ----------------------------------------------------------------------------------------


def test_network_is_the_group_s_vpc_and_only_its_owned_subnets_of_the_tier():
    info = _info({
        "subnets": {"public": [_subnet("subnet-b", "vpc-1", "us-east-1b"), _subnet("subnet-a", "vpc-1", "us-east-1a"),
                               _subnet("subnet-x", "vpc-2", "us-east-1a")],
                    "private": [_subnet("subnet-p", "vpc-1", "us-east-1a")]},
        "security_groups": [_group("hab-alb", "sg-1", "vpc-1"), _group("hab-tasks", "sg-2", "vpc-1")],
    })
    assert plan.network(info, "public", "alb") == {"vpc_ids": ["vpc-1"], "subnet_ids": ["subnet-a", "subnet-b"],
                                                   "zones": ["us-east-1a", "us-east-1b"], "security_group_ids": ["sg-1"]}
    assert plan.network(info, "private", "tasks")["subnet_ids"] == ["subnet-p"]
    assert plan.alb_network_error(plan.network(info, "public", "alb"), info) == ""


@pytest.mark.parametrize("subnets, groups, found", [
    ([], [], "(found 0) and public subnets in at least two availability zones (found 0)"),
    ([_subnet("subnet-a", "vpc-1", "us-east-1a")], [_group("hab-alb", "sg-1", "vpc-1")],
     "(found 1) and public subnets in at least two availability zones (found 1)"),
    # subnets but no group: no VPC to put them in
    ([_subnet("subnet-a", "vpc-1", "us-east-1a"), _subnet("subnet-b", "vpc-1", "us-east-1b")], [],
     "(found 0) and public subnets in at least two availability zones (found 0)"),
])
def test_the_load_balancer_says_what_of_the_network_it_lacks(subnets, groups, found):
    info = _info({"subnets": {"public": subnets, "private": []}, "security_groups": groups})
    error = plan.alb_network_error(plan.network(info, "public", "alb"), info)
    assert error.startswith("The load balancer needs the security group hab-alb " + found)
    assert error.endswith(f"in its VPC hab-vpc, all tagged {OWNER}=hab; run the network role first"
                          " (ansible-playbook site.yml --tags network).")


# -- task -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("task_family, redis_family, families", [
    (None, None, ["hab-web-redis-task", "hab-web-task", "hab-redis-task"]),
    ("hab-web-redis-task", "hab-redis-task", ["hab-web-redis-task", "hab-web-task", "hab-redis-task"]),
    ("web-redis-task", "", ["web-redis-task", "hab-web-redis-task", "hab-web-task", "hab-redis-task"]),
    ("hab-web-task", "shared-redis", ["hab-web-task", "hab-web-redis-task", "shared-redis"]),
])
def test_the_teardown_deregisters_both_topologies_families_once_each(task_family, redis_family, families):
    assert plan.task_families("hab", task_family, redis_family) == families


@pytest.mark.parametrize("cpu", sorted(FARGATE_SIZES))
def test_every_fargate_size_passes_the_module_s_own_check(cpu):
    for memory in FARGATE_SIZES[cpu]:
        assert plan.fargate_size_errors(str(cpu), memory) == []
    assert plan.fargate_size_errors(cpu, FARGATE_SIZES[cpu][0] - 1) != []


@pytest.mark.parametrize("cpu, memory, message", [
    (300, 512, "task_cpu=300 is not a Fargate task size; use for task_cpu one of 256, 512, 1024, 2048, 4096, 8192, 16384"),
    (256, 4096, "task_memory=4096 does not fit task_cpu=256 on Fargate; with task_cpu=256 use task_memory (MiB) 512, 1024, 2048."),
    ("x", 512, "task_cpu and task_memory must be whole numbers"),
])
def test_a_bad_fargate_size_names_the_role_s_variables(cpu, memory, message):
    errors = plan.fargate_size_errors(cpu, memory)
    assert len(errors) == 1 and errors[0].startswith(message), errors
    if isinstance(cpu, int):
        # the same check as the module's: only the names differ
        assert fargate_size_error(cpu, memory) is not None


# -- capacity provider strategies -------------------------------------------------------------------

FARGATES = ["FARGATE", "FARGATE_SPOT"]
V = "service_capacity_provider_strategy"


@pytest.mark.parametrize("strategy, message", [
    ([], None),
    ([{"capacity_provider": "FARGATE"}], None),
    ([{"capacity_provider": "FARGATE", "weight": 0, "base": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 3}], None),
    ([{"capacity_provider": "EC2"}], f"{V}: the capacity provider strategy uses EC2, which is not one of FARGATE, FARGATE_SPOT;"),
    ([{"capacity_provider": "FARGATE"}, {"capacity_provider": "FARGATE", "weight": 2}],
     f"{V}: the capacity provider strategy lists FARGATE twice"),
    ([{"capacity_provider": "FARGATE", "weight": 1001}], f"{V}: the weight of FARGATE must be between 0 and 1000"),
    ([{"capacity_provider": "FARGATE", "base": -1}], f"{V}: the base of FARGATE must be between 0 and 100000"),
    ([{"capacity_provider": "FARGATE", "base": 1}, {"capacity_provider": "FARGATE_SPOT", "base": 2}],
     f"{V}: only one capacity provider in the strategy may have a base greater than 0"),
    ([{"capacity_provider": "FARGATE", "weight": 0}], f"{V}: at least one capacity provider in the strategy needs a weight"),
    ([{"weight": 1}], f"{V}[0] must be a dict with capacity_provider"),
    (["FARGATE"], f"{V}[0] must be a dict with capacity_provider"),
    ([{"capacity_provider": "FARGATE", "weight": "heavy"}], f"{V}[0]: weight and base must be whole numbers"),
    ("FARGATE", f"{V} must be a list"),
])
def test_the_strategy_check_is_the_cluster_module_s_naming_the_variable(strategy, message):
    errors = plan.capacity_strategy_errors(strategy, FARGATES, V)
    if message is None:
        assert errors == []
    else:
        assert len(errors) == 1 and errors[0].startswith(message), errors


@pytest.mark.parametrize("strategy, refused", [
    ([{"capacity_provider": "FARGATE_SPOT"}], True),
    ([{"capacity_provider": "FARGATE", "weight": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 0, "base": 1}], True),
    ([{"capacity_provider": "FARGATE", "weight": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 0}], False),
    ([{"capacity_provider": "FARGATE"}], False),
    ([], False),
])
def test_arm64_tasks_are_refused_on_fargate_spot(strategy, refused):
    # AWS's Fargate capacity provider considerations: "Fargate Spot only supports Linux tasks with the X86_64
    # architecture". moto accepts such a service, so the check is ours, before any AWS call.
    errors = plan.capacity_strategy_errors(strategy, FARGATES, V, "ARM64")
    if refused:
        assert errors == [f"{V} places tasks on FARGATE_SPOT, which runs only X86_64 tasks, and task_cpu_architecture is"
                          " ARM64; use FARGATE alone (or an empty strategy) for ARM64 tasks, or set task_cpu_architecture"
                          " to X86_64."]
    else:
        assert errors == []
    assert plan.capacity_strategy_errors(strategy, FARGATES, V, "X86_64") == []


def test_the_strategy_check_agrees_with_the_module_s_validator():
    strategy = [{"capacity_provider": "FARGATE", "weight": 1, "base": 5}, {"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 1}]
    assert validate_strategy(FARGATES, strategy) is not None
    assert plan.capacity_strategy_errors(strategy, FARGATES, V) == [f"{V}: " + validate_strategy(FARGATES, strategy)]


# -- service: revision -------------------------------------------------------------------------------


@pytest.mark.parametrize("wanted, pinned, pin, expected", [
    (0, None, True, (0, "", False)),            # the newest, no pin
    ("0", "3", True, (3, "3", True)),           # stays on rollback.yml's pin
    (0, "3", False, (3, "3", True)),            # service_task_pin does not drop a pin it did not set
    ("latest", "3", True, (0, "", False)),      # latest forgets the pin
    (5, "3", True, (5, "5", False)),            # a number wins over the pin and becomes it
    ("5", None, False, (5, "", False)),         # ... and is not pinned without service_task_pin
    (0, "abc", True, (0, "", False)),           # a tag that is no number is no pin
    ("-1", None, True, (0, "", False)),
    ("latest", None, True, (0, "", False)),
])
def test_the_revision_choice(wanted, pinned, pin, expected):
    tags = {OWNER: "hab"} if pinned is None else {OWNER: "hab", PIN: pinned}
    got = plan.service_revision_plan(wanted, tags, pin, PIN)
    assert (got["target_revision"], got["pin"], got["pinned_from_tag"]) == expected


@pytest.mark.parametrize("current, owned", [
    ({"exists": False, "tags": {}}, True),
    ({"exists": True, "tags": {OWNER: "hab"}}, True),
    ({"exists": True, "tags": {OWNER: "prod"}}, False),
    ({"exists": True, "tags": {}}, False),
])
def test_the_service_is_ours_only_with_our_tag(current, owned):
    assert plan.service_owned(current, "hab") is owned


# -- service: update plan ----------------------------------------------------------------------------

DESIRED = {"subnet_ids": ["subnet-b", "subnet-a"], "security_group_ids": ["sg-1"], "minimum_healthy_percent": "100",
           "maximum_percent": 200, "circuit_breaker": True, "circuit_breaker_rollback": True,
           "health_check_grace_period": "60", "desired_count": 2, "autoscaling": False, "autoscaling_min": 1,
           "autoscaling_max": 4}


def _service(**changes):
    """A DescribeServices service (botocore's ecs service-2.json Service shape) in the wanted state."""
    service = {
        "serviceName": "web", "desiredCount": 2, "healthCheckGracePeriodSeconds": 60,
        "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200,
                                    "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-1"],
                                                         "assignPublicIp": "DISABLED"}},
    }
    service.update(changes)
    return {"exists": True, "service": service}


@pytest.mark.parametrize("current, desired, expected", [
    ({"exists": False, "service": {}}, {}, (False, 60, 2)),
    (_service(), {}, (False, 60, 2)),
    # the emulator reports neither a deployment configuration nor a grace period: nothing compared, nothing passed
    (_service(deploymentConfiguration=None, healthCheckGracePeriodSeconds=None), {}, (False, None, 2)),
    (_service(), {"maximum_percent": 150}, (True, 60, 2)),
    (_service(), {"circuit_breaker": False}, (True, 60, 2)),
    # without the breaker its rollback is off whatever service_circuit_breaker_rollback says
    (_service(deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200,
                                       "deploymentCircuitBreaker": {"enable": False, "rollback": False}}),
     {"circuit_breaker": False}, (False, 60, 2)),
    (_service(), {"subnet_ids": ["subnet-a"]}, (True, 60, 2)),
    (_service(), {"security_group_ids": ["sg-2"]}, (True, 60, 2)),
    (_service(networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-1"],
                                                            "assignPublicIp": "ENABLED"}}), {}, (True, 60, 2)),
    (_service(desiredCount=3), {}, (False, 60, 2)),
    # autoscaling keeps the count it chose, within its bounds
    (_service(desiredCount=3), {"autoscaling": True}, (False, 60, 3)),
    (_service(desiredCount=9), {"autoscaling": True}, (False, 60, 4)),
    (_service(desiredCount=0), {"autoscaling": True}, (False, 60, 1)),
    ({"exists": False, "service": {}}, {"autoscaling": True, "desired_count": 7}, (False, 60, 4)),
])
def test_the_update_plan(current, desired, expected):
    got = plan.service_update_plan(current, dict(DESIRED, **desired))
    assert (got["force_new_deployment"], got["health_check_grace_period"], got["desired_count"]) == expected


# -- service: in sync (no ecs_service / ecs_service_capacity call) -------------------------------------------

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/hab-web-tg/0123456789abcdef"
TAGS = {"Name": "web", OWNER: "hab"}
WANTED = {"task_definition": "hab-web-redis-task:3",
          "load_balancers": [{"targetGroupArn": TG, "containerName": "web", "containerPort": "8000"}],
          "propagate_tags": "NONE", "tags": TAGS, "enable_execute_command": False, "capacity_provider_strategy": []}


def _synced(**changes):
    """ecs_service_status_info's answer for a service as WANTED (botocore's ecs service-2.json Service shape)."""
    current = _service(taskDefinition="arn:aws:ecs:us-east-1:123456789012:task-definition/hab-web-redis-task:3",
                       loadBalancers=[{"targetGroupArn": TG, "containerName": "web", "containerPort": 8000}],
                       propagateTags="NONE", enableExecuteCommand=False, launchType="FARGATE")
    current["tags"] = dict(TAGS)
    tags = changes.pop("tags", None)
    if tags is not None:
        current["tags"] = tags
    current["service"].update(changes)
    return current


@pytest.mark.parametrize("current, wanted, desired, expected", [
    (_synced(), {}, {}, True),
    # the emulator reports no grace period: none is passed, so none is compared (as ecs_service does)
    (_synced(healthCheckGracePeriodSeconds=None, deploymentConfiguration=None), {}, {}, True),
    ({"exists": False, "service": {}}, {}, {}, False),
    # each of ecs_service's comparisons
    (_synced(), {"task_definition": "hab-web-redis-task:4"}, {}, False),
    (_synced(healthCheckGracePeriodSeconds=30), {}, {}, False),
    (_synced(loadBalancers=[]), {}, {}, False),
    (_synced(propagateTags="SERVICE"), {}, {}, False),
    (_synced(), {"propagate_tags": "TASK_DEFINITION"}, {}, False),
    (_synced(tags={"Name": "web"}), {}, {}, False),
    (_synced(enableExecuteCommand=True), {}, {}, False),
    (_synced(desiredCount=1), {}, {}, False),
    # the forced update for a deployment or network configuration change
    (_synced(), {}, {"maximum_percent": 150}, False),
    (_synced(), {}, {"subnet_ids": ["subnet-a"]}, False),
    # ecs_service_capacity's comparison: the strategy, normalized (AWS's defaults filled in)
    (_synced(), {"capacity_provider_strategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]}, {}, False),
    (_synced(capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}]),
     {"capacity_provider_strategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]}, {}, True),
    (_synced(capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]), {}, {}, False),
])
def test_the_service_in_sync(current, wanted, desired, expected):
    update = plan.service_update_plan(current, dict(DESIRED, **desired))
    assert plan.service_in_sync(current, dict(WANTED, **wanted), update) is expected


# -- service: what is missing --------------------------------------------------------------------------

NET = {"vpc_ids": ["vpc-1"], "subnet_ids": ["subnet-a"], "zones": ["us-east-1a"], "security_group_ids": ["sg-2"]}
TG = {"target_group": [{"kind": "target_group", "name": "hab-web-tg", "id": "arn:tg", "state": "1 load balancer(s)"}]}
TASKDEF = {"found": True, "status": "ACTIVE", "owned": True, "task_definition": "hab-web-redis-task:3"}


@pytest.mark.parametrize("cluster, net, resources, taskdef, missing", [
    (True, NET, TG, TASKDEF, []),
    (False, NET, TG, TASKDEF, ["the cluster hab (ecs_cluster role)"]),
    (True, dict(NET, vpc_ids=[], subnet_ids=[], security_group_ids=[]), TG, TASKDEF,
     ["the security group hab-tasks in the VPC hab-vpc (network role)", "private subnets (network role)"]),
    (True, NET, {"target_group": []}, TASKDEF, ["the target group hab-web-tg (alb role)"]),
    (True, NET, TG, dict(TASKDEF, status="INACTIVE"), ["an ACTIVE task definition hab-web-redis-task:3 (it is INACTIVE) (task role)"]),
    (True, NET, TG, dict(TASKDEF, owned=False),
     ["an ACTIVE task definition hab-web-redis-task:3 (it exists without the ownership tag) (task role)"]),
    (True, NET, TG, {"found": False, "status": "", "owned": False, "task_definition": ""},
     ["an ACTIVE task definition hab-web-redis-task:3 (task role)"]),
])
def test_what_the_service_lacks_names_the_role_that_makes_it(cluster, net, resources, taskdef, missing):
    info = _info(resources)
    got = plan.service_missing(cluster, info, net, taskdef, "hab-web-redis-task:3", "hab",
                               plan.service_target_group_arn(info, {}, "hab"))
    assert got == missing
    assert (plan.service_taskdef_ref(taskdef) == "hab-web-redis-task:3") is (taskdef == TASKDEF)


def test_a_target_group_the_alb_role_noted_needs_no_lookup():
    # The service role's lookup left the target_group section out (alb_output named it): not missing.
    info = _info({})
    noted = {"deployment": "hab", "target_group_arn": "arn:tg-noted"}
    arn = plan.service_target_group_arn(info, noted, "hab")
    assert arn == "arn:tg-noted"
    assert plan.service_missing(True, info, NET, TASKDEF, "hab-web-redis-task:3", "hab", arn) == []


@pytest.mark.parametrize("resources, noted, expected", [
    # another deployment's alb_output is never used: the owned group deployment_info found
    (TG, {"deployment": "other", "target_group_arn": "arn:tg-other"}, "arn:tg"),
    # an alb_output without an ARN (--check before the group exists, or reset by a teardown) neither
    (TG, {"deployment": "hab", "target_group_arn": ""}, "arn:tg"),
    (TG, {}, "arn:tg"),
    (TG, None, "arn:tg"),
    # the alb role's ARN wins over the looked-up one (it is what the role just created or updated)
    (TG, {"deployment": "hab", "target_group_arn": "arn:tg-noted"}, "arn:tg-noted"),
    # neither: missing
    ({"target_group": []}, {"deployment": "other", "target_group_arn": "arn:tg-other"}, ""),
    ({}, {}, ""),
])
def test_the_service_target_group_comes_from_this_deployment_only(resources, noted, expected):
    assert plan.service_target_group_arn(_info(resources), noted, "hab") == expected


# -- service: the Redis service of service_discovery ---------------------------------------------------------
# ``current`` as ecs_service_status_info returns it (``service``: the DescribeServices document); the Cloud Map service
# and the group as deployment_info's cloud_map_service and redis_security_group sections return them.

REDIS_TAGS = {OWNER: "hab", "Name": "redis"}
REDIS_WANTED = {"cluster": "hab", "service": "redis", "security_group": "hab-redis", "registry": "redis",
                "namespace": "internal-hab.local", "family": "hab-redis-task", "tags": REDIS_TAGS}
REDIS_SG = {"kind": "redis_security_group", "name": "hab-redis", "id": "sg-9", "state": "1 ingress rule(s)", "vpc_id": "vpc-1"}
REDIS_REGISTRY = {"kind": "cloud_map_service", "name": "redis", "id": "srv-1", "arn": "arn:sd:srv-1", "state": "0 instance(s) registered"}
REDIS_FOUND = {"redis_security_group": [REDIS_SG], "cloud_map_service": [REDIS_REGISTRY]}
REDIS_TASKDEF = {"found": True, "status": "ACTIVE", "owned": True, "task_definition": "hab-redis-task:2"}
NO_REDIS = {"exists": False, "cluster_exists": True, "service": {}, "tags": {}}


def _redis(subnets=("subnet-a",), groups=("sg-9",), public="DISABLED", registries=("arn:sd:srv-1",), tags=None):
    document = {"serviceName": "redis", "status": "ACTIVE",
                "networkConfiguration": {"awsvpcConfiguration": {"subnets": list(subnets), "securityGroups": list(groups),
                                                                 "assignPublicIp": public}},
                "serviceRegistries": [{"registryArn": r} for r in registries]}
    return {"exists": True, "cluster_exists": True, "service": document, "tags": REDIS_TAGS if tags is None else tags}


@pytest.mark.parametrize("current, resources, taskdef, check_mode, expected", [
    # new: nothing to compare
    (NO_REDIS, REDIS_FOUND, REDIS_TASKDEF, False,
     {"exists": False, "missing": [], "drift": False, "registry_changed": False, "tags_current": False, "failure": ""}),
    # as wanted
    (_redis(), REDIS_FOUND, REDIS_TASKDEF, False,
     {"exists": True, "missing": [], "drift": False, "registry_changed": False, "tags_current": True, "failure": ""}),
    # other subnets, another group, a public IP: a forced update; another registry: replaced; other tags: retagged
    (_redis(subnets=["subnet-z"]), REDIS_FOUND, REDIS_TASKDEF, False,
     {"exists": True, "drift": True, "registry_changed": False, "tags_current": True}),
    (_redis(groups=["sg-1"]), REDIS_FOUND, REDIS_TASKDEF, False, {"drift": True}),
    (_redis(public="ENABLED"), REDIS_FOUND, REDIS_TASKDEF, False, {"drift": True}),
    (_redis(registries=["arn:sd:srv-old"]), REDIS_FOUND, REDIS_TASKDEF, False, {"drift": False, "registry_changed": True}),
    (_redis(registries=[]), REDIS_FOUND, REDIS_TASKDEF, False, {"registry_changed": True}),
    (_redis(tags={OWNER: "hab"}), REDIS_FOUND, REDIS_TASKDEF, False, {"tags_current": False}),
    # not ours (no ownership tag, or another deployment's): refused, in check mode too
    (_redis(tags={"Name": "redis"}), REDIS_FOUND, REDIS_TASKDEF, True,
     {"failure": f"The ECS service redis in cluster hab exists without the ownership tag {OWNER}=hab; it is left alone."
                 " Delete or rename it, or choose another service_redis_name or microservice_deployment."}),
    (_redis(tags={OWNER: "other"}), REDIS_FOUND, REDIS_TASKDEF, False,
     {"failure": f"The ECS service redis in cluster hab exists without the ownership tag {OWNER}=hab; it is left alone."
                 " Delete or rename it, or choose another service_redis_name or microservice_deployment."}),
    # what is missing, named with the role that makes it; a failure only outside check mode
    (dict(NO_REDIS, cluster_exists=False), {"redis_security_group": [dict(REDIS_SG, vpc_id="vpc-other")]}, {"found": False}, True,
     {"missing": ["the cluster hab (ecs_cluster role)", "the security group hab-redis (cloud_map role)",
                  "the Cloud Map service redis in internal-hab.local (cloud_map role)",
                  "an ACTIVE task definition hab-redis-task (task role)"], "failure": "", "taskdef_ref": ""}),
    (NO_REDIS, {"cloud_map_service": [REDIS_REGISTRY]}, dict(REDIS_TASKDEF, owned=False), False,
     {"missing": ["the security group hab-redis (cloud_map role)", "an ACTIVE task definition hab-redis-task (task role)"],
      "failure": "The service redis (microservice_topology=service_discovery) needs the security group hab-redis (cloud_map"
                 " role), an ACTIVE task definition hab-redis-task (task role), and found none carrying the ownership tag"
                 f" {OWNER}=hab; run those roles first (or the whole site.yml)."}),
])
def test_the_redis_service_plan(current, resources, taskdef, check_mode, expected):
    got = plan.service_redis_plan(current, _info(resources), NET, taskdef, REDIS_WANTED, check_mode)
    assert {k: got[k] for k in expected} == expected
    if not got["missing"]:
        assert (got["security_group_ids"], got["registry_arn"], got["taskdef_ref"]) == (["sg-9"], "arn:sd:srv-1", "hab-redis-task:2")


def test_the_redis_service_plan_without_private_subnets_names_the_network_role():
    got = plan.service_redis_plan(NO_REDIS, _info(REDIS_FOUND), dict(NET, subnet_ids=[]), REDIS_TASKDEF, REDIS_WANTED)
    assert got["missing"] == ["private subnets (network role)"]


# -- alb: is the load balancer / target group already as wanted? (against moto, read by deployment_info) ----

def _alb_stack(make, d="hab"):
    """The alb role's resources as it creates them, with the network they need (the contract's names and tags)."""
    tags = [{"Key": OWNER, "Value": d}]
    ec2, elb = make("ec2"), make("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=f"us-east-1{z}",
                                 TagSpecifications=[{"ResourceType": "subnet", "Tags": tags + [
                                     {"Key": "Name", "Value": f"{d}-public-{z}"}, {"Key": _naming.TIER_TAG_KEY, "Value": "public"}]}]
                                 )["Subnet"]["SubnetId"] for i, z in ((0, "a"), (3, "b"))]
    group = ec2.create_security_group(GroupName=f"{d}-alb", Description="alb", VpcId=vpc,
                                      TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}])["GroupId"]
    tg = elb.create_target_group(Name=f"{d}-web-tg", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip",
                                 HealthCheckProtocol="HTTP", HealthCheckPort="traffic-port", HealthCheckPath="/health",
                                 HealthCheckIntervalSeconds=10, HealthCheckTimeoutSeconds=5, HealthyThresholdCount=2,
                                 UnhealthyThresholdCount=3, Matcher={"HttpCode": "200"},
                                 Tags=tags + [{"Key": "Name", "Value": f"{d}-web-tg"}])["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}])
    lb = elb.create_load_balancer(Name=f"{d}-web-lb", Subnets=subnets, SecurityGroups=[group],
                                  Tags=tags + [{"Key": "Name", "Value": f"{d}-web-lb"}])["LoadBalancers"][0]["LoadBalancerArn"]
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    tg_options = {"name": f"{d}-web-tg", "target_type": "ip", "protocol": "HTTP", "port": 8000, "vpc_id": vpc,
                  "health_check_protocol": "HTTP", "health_check_port": "traffic-port", "health_check_path": "/health",
                  "health_check_interval": 10, "health_check_timeout": 5, "healthy_threshold_count": 2,
                  "unhealthy_threshold_count": 3, "matcher": "200", "deregistration_delay": 30,
                  "tags": {OWNER: d, "Name": f"{d}-web-tg"}}
    lb_options = {"subnets": subnets, "security_groups": [group], "tags": {OWNER: d, "Name": f"{d}-web-lb"},
                  "listeners": [{"Protocol": "HTTP", "Port": 80,
                                 "DefaultActions": [{"Type": "forward", "TargetGroupName": f"{d}-web-tg"}]}]}
    return {"lb": lb, "tg": tg, "vpc": vpc, "subnets": subnets, "group": group, "tg_options": tg_options, "lb_options": lb_options}


def _alb_info(make, d="hab"):
    from ansible_collections.fargate.microservice.plugins.module_utils import _deployment_info as di
    return di.DeploymentInfo(make, d, include=["load_balancer", "target_group", "listeners", "subnets", "security_groups"],
                             target_group_attributes=True).collect()


REDIRECT = {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}",
                                                   "Query": "#{query}", "StatusCode": "HTTP_301"}}


@pytest.mark.parametrize("tg_change, lb_change, tg_sync, lb_sync", [
    ({}, {}, True, True),
    ({"health_check_path": "/healthz"}, {}, False, True),
    ({"deregistration_delay": 300}, {}, False, True),
    ({"matcher": "200,302"}, {}, False, True),
    ({"tags": {OWNER: "hab", "Name": "hab-web-tg", "team": "web"}}, {}, False, True),
    # AWS cannot change the port in place: the module says so, so it runs
    ({"port": 8080}, {}, False, True),
    ({}, {"tags": {OWNER: "hab", "Name": "hab-web-lb", "team": "web"}}, True, False),
    ({}, {"security_groups": ["sg-other"]}, True, False),
    ({}, {"listeners": [{"Protocol": "HTTP", "Port": 8080,
                         "DefaultActions": [{"Type": "forward", "TargetGroupName": "hab-web-tg"}]}]}, True, False),
    ({}, {"listeners": [{"Protocol": "HTTP", "Port": 80, "DefaultActions": [REDIRECT]}]}, True, False),
    ({}, {"listeners": [{"Protocol": "HTTP", "Port": 80,
                         "DefaultActions": [{"Type": "forward", "TargetGroupName": "hab-web-tg"}]},
                        {"Protocol": "HTTPS", "Port": 443, "SslPolicy": "ELBSecurityPolicy-2016-08",
                         "Certificates": [{"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"}],
                         "DefaultActions": [{"Type": "forward", "TargetGroupName": "hab-web-tg"}]}]}, True, False),
])
def test_the_alb_modules_run_only_when_they_would_change_something(moto_client, tg_change, lb_change, tg_sync, lb_sync):
    stack = _alb_stack(moto_client)
    found = _alb_info(moto_client)
    # the stack has only what the alb role uses (no private tier, no tasks group)
    assert [m for m in found["missing"] if m["kind"] in ("load_balancer", "target_group", "listeners")] == []
    net = plan.network(found, "public", "alb")
    assert net["subnet_ids"] == sorted(stack["subnets"]) and net["security_group_ids"] == [stack["group"]]
    assert plan.target_group_in_sync(found, dict(stack["tg_options"], **tg_change)) is tg_sync
    assert plan.load_balancer_in_sync(found, dict(stack["lb_options"], **lb_change)) is lb_sync


def test_an_extra_listener_or_a_missing_target_group_means_the_module_runs(moto_client):
    stack = _alb_stack(moto_client)
    moto_client("elbv2").create_listener(LoadBalancerArn=stack["lb"], Protocol="HTTP", Port=81,
                                         DefaultActions=[{"Type": "forward", "TargetGroupArn": stack["tg"]}])
    found = _alb_info(moto_client)
    assert plan.load_balancer_in_sync(found, stack["lb_options"]) is False   # purge_listeners would delete port 81
    found["resources"]["target_group"] = []
    assert plan.load_balancer_in_sync(found, stack["lb_options"]) is False
    assert plan.target_group_in_sync(found, stack["tg_options"]) is False
    # without the target group's settings (target_group_attributes not asked) nothing is taken as in sync
    from ansible_collections.fargate.microservice.plugins.module_utils import _deployment_info as di
    plain = di.DeploymentInfo(moto_client, "hab", include=["target_group"]).collect()
    assert plain["resources"]["target_group"][0]["settings"] is None
    assert plan.target_group_in_sync(plain, stack["tg_options"]) is False


# -- ecs_cluster: are the log group and the execution role already as wanted? (against moto) ---------------

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}
POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def _cluster_stack(make, d="hab"):
    import json
    tags = {OWNER: d, "Name": f"/ecs/{d}"}
    make("logs").create_log_group(logGroupName=f"/ecs/{d}", tags=tags)
    make("logs").put_retention_policy(logGroupName=f"/ecs/{d}", retentionInDays=30)
    iam = make("iam")
    iam.create_policy(PolicyName="AmazonECSTaskExecutionRolePolicy", Path="/service-role/", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}))
    role_tags = {OWNER: d, "Name": f"{d}-ecs-task-execution"}
    iam.create_role(RoleName=f"{d}-ecs-task-execution", AssumeRolePolicyDocument=json.dumps(TRUST), Description="pull",
                    Tags=[{"Key": k, "Value": v} for k, v in role_tags.items()])
    # moto creates customer policies in its own account: attach the one it made under that path
    arn = [p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"] if p["PolicyName"] == "AmazonECSTaskExecutionRolePolicy"][0]
    iam.attach_role_policy(RoleName=f"{d}-ecs-task-execution", PolicyArn=arn)
    return {"log_group": {"retention": 30, "tags": tags},
            "role": {"assume_role_policy_document": json.dumps(TRUST), "description": "pull", "managed_policies": [arn],
                     "tags": role_tags}}


def _cluster_info(make, d="hab", policies=True):
    from ansible_collections.fargate.microservice.plugins.module_utils import _deployment_info as di
    return di.DeploymentInfo(make, d, include=["log_group", "execution_role"], execution_role_policies=policies).collect()


@pytest.mark.parametrize("log_change, role_change, log_sync, role_sync", [
    ({}, {}, True, True),
    ({"retention": 14}, {}, False, True),
    ({"tags": {OWNER: "hab", "Name": "/ecs/hab", "team": "web"}}, {}, False, True),
    ({}, {"description": "other"}, True, False),
    ({}, {"managed_policies": [POLICY]}, True, False),
    ({}, {"managed_policies": []}, True, False),
    # a policy given by name is resolved by the module: it runs
    ({}, {"managed_policies": ["AmazonECSTaskExecutionRolePolicy"]}, True, False),
    ({}, {"assume_role_policy_document": '{"Version": "2012-10-17", "Statement": []}'}, True, False),
    ({}, {"tags": {OWNER: "hab"}}, True, False),
])
def test_the_log_group_and_role_modules_run_only_when_they_would_change_something(
        moto_client, log_change, role_change, log_sync, role_sync):
    stack = _cluster_stack(moto_client)
    found = _cluster_info(moto_client)
    assert found["missing"] == [], found["missing"]
    assert plan.log_group_in_sync(found, dict(stack["log_group"], **log_change)) is log_sync
    assert plan.execution_role_in_sync(found, dict(stack["role"], **role_change)) is role_sync


def test_without_the_attached_policies_or_an_owned_role_nothing_is_in_sync(moto_client):
    stack = _cluster_stack(moto_client)
    assert plan.execution_role_in_sync(_cluster_info(moto_client, policies=False), stack["role"]) is False
    assert plan.log_group_in_sync(_cluster_info(moto_client, d="other"), stack["log_group"]) is False
    assert plan.execution_role_in_sync(_cluster_info(moto_client, d="other"), stack["role"]) is False
