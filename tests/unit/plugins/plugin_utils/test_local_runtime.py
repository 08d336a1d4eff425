# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the local scheduler's planning (plugins/plugin_utils/_local_runtime.py) and the filters of it the role uses."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.fargate.microservice.plugins.filter import local_runtime as filters
from ansible_collections.fargate.microservice.plugins.plugin_utils import _local_runtime as lr
from ansible_collections.fargate.microservice.plugins.plugin_utils._local_runtime import LocalRuntimeError

ARN1 = "arn:aws:ecs:us-east-1:123456789012:task-definition/web-redis-task:1"
ARN2 = "arn:aws:ecs:us-east-1:123456789012:task-definition/web-redis-task:2"


def taskdef(arn=ARN1, web_env=None, snake=False):
    web = {
        "name": "web", "image": "web:1", "essential": True,
        "environment": [{"name": k, "value": v} for k, v in (web_env or {"REDIS_ADDR": "localhost:6379"}).items()],
        "portMappings": [{"containerPort": 8000}],
        "healthCheck": {"command": ["CMD", "/app", "-healthcheck"], "interval": 10, "retries": 2, "startPeriod": 5},
        "dependsOn": [{"containerName": "redis", "condition": "HEALTHY"}],
        "readonlyRootFilesystem": True,
        "command": ["-x"],
    }
    redis = {"name": "redis", "image": "redis:1",
             "healthCheck": {"command": ["CMD-SHELL", "redis-cli ping"]}}
    td = {"taskDefinitionArn": arn, "containerDefinitions": [web, redis]}
    if snake:  # what community.aws.ecs_taskdefinition_info returns
        td["containerDefinitions"] = [
            {"name": "web", "image": "web:1", "essential": True, "environment": web["environment"],
             "port_mappings": [{"container_port": 8000}],
             "health_check": {"command": ["CMD", "/app", "-healthcheck"], "interval": 10, "retries": 2, "start_period": 5},
             "depends_on": [{"container_name": "redis", "condition": "HEALTHY"}],
             "readonly_root_filesystem": True, "command": ["-x"]},
            {"name": "redis", "image": "redis:1", "health_check": {"command": ["CMD-SHELL", "redis-cli ping"]}},
        ]
    return td


def engine_containers(task_id, arn=ARN1, port=18000, states=None, deployment="d"):
    """What /containers/json lists for one task started by the role."""
    states = states or {}
    base = {"fargate.microservice/deployment": deployment, "fargate.microservice/task-id": task_id,
            "fargate.microservice/task-definition": arn, "fargate.microservice/host-port": str(port)}
    items = [{"Names": ["/d-task-%s" % task_id], "State": states.get("infra", "running"),
              "Labels": dict(base, **{"fargate.microservice/role": "infra"})}]
    for name in ("web", "redis"):
        if states.get(name) == "missing":
            continue
        items.append({"Names": ["/d-task-%s-%s" % (task_id, name)], "State": states.get(name, "running"),
                      "Labels": dict(base, **{"fargate.microservice/role": "container",
                                              "fargate.microservice/container": name,
                                              "fargate.microservice/essential": "true"})})
    return items


# --- container translation -------------------------------------------------------------------

@pytest.mark.parametrize("snake", [False, True])
def test_containers_follow_depends_on_and_translate_options(snake):
    out = lr.local_runtime_containers(taskdef(snake=snake), "d", "abc", 18000)
    assert [c["name"] for c in out] == ["redis", "web"]
    web = out[1]
    assert web["docker_name"] == "d-task-abc-web"
    assert web["depends_on"] == [{"docker_name": "d-task-abc-redis", "name": "redis", "condition": "HEALTHY"}]
    p = web["params"]
    assert p["network_mode"] == "container:d-task-abc"
    assert p["env"] == {"REDIS_ADDR": "localhost:6379"}
    assert p["command"] == ["-x"]
    assert p["read_only"] is True
    assert p["healthcheck"] == {"test": ["CMD", "/app", "-healthcheck"], "interval": "10s", "timeout": "5s",
                                "retries": 2, "start_period": "5s"}
    assert p["labels"]["fargate.microservice/task-definition"] == ARN1
    assert out[0]["params"]["healthcheck"]["test"] == ["CMD-SHELL", "redis-cli ping"]
    assert out[0]["params"]["healthcheck"]["interval"] == "30s"  # ECS default


def test_essential_defaults_to_true_and_false_is_kept():
    td = taskdef()
    td["containerDefinitions"][1]["essential"] = False
    out = dict((c["name"], c) for c in lr.local_runtime_containers(td, "d", "a", 1))
    assert out["web"]["essential"] is True
    assert out["redis"]["essential"] is False
    assert out["redis"]["params"]["labels"]["fargate.microservice/essential"] == "false"


@pytest.mark.parametrize("mutate, message", [
    (lambda td: td["containerDefinitions"][0]["dependsOn"].append({"containerName": "nope", "condition": "START"}),
     "not in the task definition"),
    (lambda td: td["containerDefinitions"][1].update(dependsOn=[{"containerName": "web", "condition": "START"}]),
     "cycle"),
    (lambda td: td["containerDefinitions"][0]["dependsOn"][0].update(condition="READY"), "use one of"),
    (lambda td: td["containerDefinitions"][1].pop("healthCheck"), "has no healthCheck"),
    (lambda td: td["containerDefinitions"][1].update(name="web"), "duplicate container names"),
    (lambda td: td["containerDefinitions"][1]["healthCheck"].update(command=["NONE"]), "CMD or CMD-SHELL"),
    (lambda td: td["containerDefinitions"][1].update(image=""), "has no image"),
    (lambda td: td.update(containerDefinitions=[]), "no containerDefinitions"),
])
def test_bad_task_definitions_are_refused(mutate, message):
    td = taskdef()
    mutate(td)
    with pytest.raises(LocalRuntimeError, match=message):
        lr.local_runtime_containers(td, "d", "a", 1)


def test_infra_publishes_only_the_load_balanced_port_on_loopback():
    infra = lr.local_runtime_infra(taskdef(), "d", "abc", 18004, 8000, "pause:1", "127.0.0.1")
    assert infra["name"] == "d-task-abc"
    assert infra["published_ports"] == ["127.0.0.1:18004:8000"]
    assert infra["labels"]["fargate.microservice/role"] == "infra"
    assert infra["labels"]["fargate.microservice/host-port"] == "18004"


# --- grouping --------------------------------------------------------------------------------

def test_tasks_are_grouped_and_other_deployments_ignored():
    items = engine_containers("b", port=18001) + engine_containers("a") + engine_containers("z", deployment="other")
    tasks = lr.local_runtime_tasks(items, "d")
    assert [t["id"] for t in tasks] == ["a", "b"]
    assert tasks[1]["host_port"] == 18001
    assert tasks[0]["infra_name"] == "d-task-a"
    assert set(tasks[0]["containers"]) == {"web", "redis"}


# --- planning --------------------------------------------------------------------------------

def plan(items, td=None, desired=2, ids=("n1", "n2", "n3")):
    return lr.local_runtime_plan(lr.local_runtime_tasks(items, "d"), td or taskdef(), desired, 18000, 18009, list(ids))


def test_nothing_to_do_when_all_tasks_run():
    p = plan(engine_containers("a") + engine_containers("b", port=18001))
    assert p["steps"] == []
    assert p["running"] == ["a", "b"]
    assert p["targets"] == [{"id": "a", "port": 18000}, {"id": "b", "port": 18001}]


def test_first_deploy_starts_the_desired_count_on_free_ports():
    p = plan([])
    assert [(s["action"], s["new"]) for s in p["steps"]] == [
        ("start", {"id": "n1", "port": 18000}), ("start", {"id": "n2", "port": 18001})]
    assert p["steps"][1]["register"] == [{"id": "n1", "port": 18000}, {"id": "n2", "port": 18001}]


@pytest.mark.parametrize("states", [
    {"web": "exited"}, {"redis": "exited"}, {"web": "missing"}, {"infra": "exited"}, {"web": "created"},
])
def test_a_task_with_a_stopped_or_removed_essential_container_is_replaced(states):
    p = plan(engine_containers("a") + engine_containers("b", port=18001, states=states))
    # The replacement starts first and is registered next to the sound task (the broken one is left
    # out of the load balancer's list: no separate deregistration); the broken task goes last.
    assert [s["action"] for s in p["steps"]] == ["replace"]
    step = p["steps"][0]
    assert step["old"]["id"] == "b"
    assert step["new"] == {"id": "n1", "port": 18002}  # 18001 is still held by b
    assert step["register"] == [{"id": "a", "port": 18000}, {"id": "n1", "port": 18002}]
    assert "deregister" not in step
    assert p["broken"] == ["b"]
    assert p["targets"] == [{"id": "a", "port": 18000}, {"id": "n1", "port": 18002}]


def test_broken_tasks_beyond_the_desired_count_are_only_stopped():
    p = plan(engine_containers("a") + engine_containers("b", port=18001)
             + engine_containers("c", port=18002, states={"web": "exited"}))
    assert [(s["action"], s["old"]["id"]) for s in p["steps"]] == [("stop", "c")]
    assert p["steps"][0]["deregister"] == [{"id": "a", "port": 18000}, {"id": "b", "port": 18001}]


def test_a_broken_task_during_a_roll_is_replaced_before_the_outdated_ones():
    items = engine_containers("a", states={"web": "exited"}) + engine_containers("b", port=18001)
    p = plan(items, td=taskdef(arn=ARN2))
    assert [(s["action"], s["old"]["id"], "deregister" in s) for s in p["steps"]] == [
        ("replace", "a", False), ("replace", "b", True)]
    assert p["steps"][0]["register"] == [{"id": "b", "port": 18001}, {"id": "n1", "port": 18002}]
    assert p["targets"] == [{"id": "n1", "port": 18002}, {"id": "n2", "port": 18003}]


def test_a_stopped_non_essential_container_is_left_alone():
    td = taskdef()
    td["containerDefinitions"][1]["essential"] = False
    p = plan(engine_containers("a") + engine_containers("b", port=18001, states={"redis": "exited"}), td=td)
    assert p["steps"] == []


def test_a_new_revision_rolls_one_task_at_a_time():
    p = plan(engine_containers("a") + engine_containers("b", port=18001), td=taskdef(arn=ARN2))
    assert [s["action"] for s in p["steps"]] == ["replace", "replace"]
    first, second = p["steps"]
    assert first["old"]["id"] == "a" and first["new"] == {"id": "n1", "port": 18002}
    # the new task is registered next to both old ones, then the old one is deregistered
    assert first["register"] == [{"id": "a", "port": 18000}, {"id": "b", "port": 18001}, {"id": "n1", "port": 18002}]
    assert first["deregister"] == [{"id": "b", "port": 18001}, {"id": "n1", "port": 18002}]
    assert second["register"] == [{"id": "b", "port": 18001}, {"id": "n1", "port": 18002}, {"id": "n2", "port": 18003}]
    assert second["deregister"] == [{"id": "n1", "port": 18002}, {"id": "n2", "port": 18003}]
    assert p["targets"] == [{"id": "n1", "port": 18002}, {"id": "n2", "port": 18003}]
    assert p["outdated"] == ["a", "b"]


def test_an_interrupted_roll_finishes():
    # one task already on the new revision, one still on the old one
    p = plan(engine_containers("a", arn=ARN2) + engine_containers("b", port=18001), td=taskdef(arn=ARN2))
    assert [(s["action"], s.get("old", {}).get("id")) for s in p["steps"]] == [("replace", "b")]


def test_leftover_old_tasks_are_stopped_when_enough_new_ones_run():
    items = engine_containers("a", arn=ARN2) + engine_containers("b", arn=ARN2, port=18001) + engine_containers("c", port=18002)
    p = plan(items, td=taskdef(arn=ARN2))
    assert [(s["action"], s["old"]["id"]) for s in p["steps"]] == [("stop", "c")]


@pytest.mark.parametrize("desired, actions", [(1, ["stop"]), (0, ["stop", "stop"]), (3, ["start"])])
def test_scaling_follows_the_desired_count(desired, actions):
    p = plan(engine_containers("a") + engine_containers("b", port=18001), desired=desired)
    assert [s["action"] for s in p["steps"]] == actions


def test_port_range_exhaustion_is_reported():
    tasks = lr.local_runtime_tasks(engine_containers("a"), "d")
    with pytest.raises(LocalRuntimeError, match="no free host port"):
        lr.local_runtime_plan(tasks, taskdef(), 2, 18000, 18000, ["n"])


def test_random_ids_are_used_when_none_are_given():
    p = lr.local_runtime_plan([], taskdef(), 2, 18000, 18009)
    ids = [s["new"]["id"] for s in p["steps"]]
    assert len(set(ids)) == 2 and all(len(i) == 12 for i in ids)


def test_stop_order_is_dependents_first_then_infra():
    task = lr.local_runtime_tasks(engine_containers("a"), "d")[0]
    assert lr.local_runtime_stop_order(task, taskdef()) == ["d-task-a-web", "d-task-a-redis", "d-task-a"]
    assert lr.local_runtime_stop_order(task, {"containerDefinitions": []})[-1] == "d-task-a"


def test_filters_are_only_what_the_role_yaml_reads():
    # How a task is started (containers', infra container's parameters) is the step runner's, not a filter.
    assert set(filters.FilterModule().filters()) == {
        "local_runtime_tasks", "local_runtime_plan", "local_runtime_stop_order", "local_runtime_discovery_names"}


def test_filter_errors_are_ansible_filter_errors():
    with pytest.raises(AnsibleFilterError, match="no free host port"):
        filters.FilterModule().filters()["local_runtime_plan"]([], taskdef(), 2, 18000, 18000)


# --- cpu and memory ----------------------------------------------------------------------------

@pytest.mark.parametrize("container, task_cpu, task_memory, expected", [
    # Task-level size only (what the task role registers): each container capped at the task's size.
    ({}, "256", "512", {"memory": "512M", "memory_swap": "512M", "memory_mib": 512, "cpus": 0.25, "cpu_units": 256}),
    # A container-level hard limit wins over the task's memory; cpu units become CPU shares.
    ({"memory": 128, "cpu": 64}, 1024, 2048,
     {"memory": "128M", "memory_swap": "128M", "memory_mib": 128, "cpus": 1.0, "cpu_units": 1024, "cpu_shares": 64}),
    ({"memoryReservation": 64}, "512", "1024",
     {"memory": "1024M", "memory_swap": "1024M", "memory_mib": 1024, "memory_reservation": "64M", "cpus": 0.5, "cpu_units": 512}),
    ({"cpu": 1}, None, None, {"cpu_shares": 2}),  # the kernel's minimum share
    ({}, None, None, {}),
])
def test_resource_limits_follow_the_task_definition(container, task_cpu, task_memory, expected):
    assert lr.resource_limits(dict(container, name="web"), task_cpu, task_memory) == expected


@pytest.mark.parametrize("container, task_memory, message", [
    ({"memory": 1024}, "512", "more than the task's 512 MiB"),
    ({"memory": 128, "memoryReservation": 256}, None, "reserves 256 MiB"),
    ({"memory": "lots"}, None, "not a whole number"),
])
def test_impossible_limits_are_refused(container, task_memory, message):
    with pytest.raises(LocalRuntimeError, match=message):
        lr.resource_limits(dict(container, name="web"), None, task_memory)


def test_containers_carry_the_limits_and_what_was_asked_as_labels():
    td = dict(taskdef(), cpu="256", memory="512")
    out = dict((c["name"], c) for c in lr.local_runtime_containers(td, "d", "t1", 18000))
    web = out["web"]["params"]
    assert (web["memory"], web["memory_swap"], web["cpus"]) == ("512M", "512M", 0.25)
    assert web["labels"]["fargate.microservice/memory"] == "512"
    assert web["labels"]["fargate.microservice/cpu"] == "256"
    plain = dict((c["name"], c) for c in lr.local_runtime_containers(taskdef(), "d", "t1", 18000))
    assert "memory" not in plain["web"]["params"]
    assert "fargate.microservice/memory" not in plain["web"]["params"]["labels"]


# --- service_discovery: the Redis service's task and the web tasks' host entries ------------------

def redis_containers(task_id, arn=ARN1, deployment="d", state="running"):
    base = {"fargate.microservice/deployment": deployment, "fargate.microservice/task-id": task_id,
            "fargate.microservice/task-definition": arn, "fargate.microservice/service": "redis"}
    return [{"Names": ["/d-task-%s" % task_id], "State": state, "Labels": dict(base, **{"fargate.microservice/role": "infra"})},
            {"Names": ["/d-task-%s-redis" % task_id], "State": state,
             "Labels": dict(base, **{"fargate.microservice/role": "container", "fargate.microservice/container": "redis",
                                     "fargate.microservice/essential": "true"})}]


def redis_taskdef(arn=ARN1):
    return {"taskDefinitionArn": arn, "containerDefinitions": [
        {"name": "redis", "image": "redis:1", "healthCheck": {"command": ["CMD-SHELL", "redis-cli ping"]}}]}


def with_hosts(items, hosts):
    for item in items:
        if item["Labels"].get("fargate.microservice/role") == "infra":
            item["Labels"]["fargate.microservice/hosts"] = lr.hosts_label(hosts)
    return items


def test_the_services_tasks_are_kept_apart():
    items = engine_containers("a") + redis_containers("r")
    assert [t["id"] for t in lr.local_runtime_tasks(items, "d")] == ["a"]
    redis = lr.local_runtime_tasks(items, "d", "redis")
    assert [t["id"] for t in redis] == ["r"] and redis[0]["host_port"] is None


def test_the_redis_task_publishes_nothing_and_is_on_the_internal_network_only():
    infra = lr.local_runtime_infra(redis_taskdef(), "d", "r1", None, 0, "pause:1", "127.0.0.1", service="redis", network="d-redis")
    assert infra["published_ports"] == []
    assert infra["networks"] == [{"name": "d-redis"}] and infra["networks_cli_compatible"] is True
    assert infra["labels"]["fargate.microservice/service"] == "redis"
    assert "fargate.microservice/host-port" not in infra["labels"]
    containers = lr.local_runtime_containers(redis_taskdef(), "d", "r1", None, "redis")
    assert containers[0]["params"]["labels"]["fargate.microservice/service"] == "redis"
    assert containers[0]["params"]["network_mode"] == "container:d-task-r1"


def test_a_web_task_gets_the_host_entries_and_both_networks():
    hosts = {"redis.internal-d.local": "10.89.0.2"}
    infra = lr.local_runtime_infra(taskdef(), "d", "w1", 18000, 8000, "pause:1", "127.0.0.1", hosts=hosts, network="d-redis")
    assert infra["etc_hosts"] == hosts
    assert infra["labels"]["fargate.microservice/hosts"] == "redis.internal-d.local=10.89.0.2"
    # its published port stays on the engine's default network, which networks_cli_compatible false keeps
    assert infra["networks"] == [{"name": "d-redis"}] and infra["networks_cli_compatible"] is False
    assert infra["published_ports"] == ["127.0.0.1:18000:8000"]
    sidecar = lr.local_runtime_infra(taskdef(), "d", "w1", 18000, 8000, "pause:1", "127.0.0.1")
    assert sidecar["etc_hosts"] == {} and "networks" not in sidecar and "fargate.microservice/hosts" not in sidecar["labels"]


def test_one_redis_task_is_started_without_a_port():
    p = lr.local_runtime_plan([], redis_taskdef(), 1, 0, 0, ["r1"], publish=False)
    assert [(s["action"], s["new"]) for s in p["steps"]] == [("start", {"id": "r1", "port": None})]
    running = lr.local_runtime_tasks(redis_containers("r1"), "d", "redis")
    assert lr.local_runtime_plan(running, redis_taskdef(), 1, 0, 0, publish=False)["steps"] == []


def test_a_stopped_redis_task_is_replaced():
    tasks = lr.local_runtime_tasks(redis_containers("r1", state="exited"), "d", "redis")
    p = lr.local_runtime_plan(tasks, redis_taskdef(), 1, 0, 0, ["r2"], publish=False)
    assert [(s["action"], s["new"]["id"], s["old"]["id"]) for s in p["steps"]] == [("replace", "r2", "r1")]


@pytest.mark.parametrize("started_with, now, rolled", [
    ({"redis.internal-d.local": "10.89.0.2"}, {"redis.internal-d.local": "10.89.0.2"}, False),
    ({"redis.internal-d.local": "10.89.0.2"}, {"redis.internal-d.local": "10.89.0.9"}, True),   # Redis replaced
    ({}, {"redis.internal-d.local": "10.89.0.2"}, True),                                         # sidecar -> service_discovery
    ({"redis.internal-d.local": "10.89.0.2"}, {}, True),                                         # Cloud Map forgot it
    ({}, {}, False),                                                                             # sidecar
])
def test_web_tasks_started_with_other_host_entries_roll(started_with, now, rolled):
    items = with_hosts(engine_containers("a"), started_with) + with_hosts(engine_containers("b", port=18001), started_with)
    p = lr.local_runtime_plan(lr.local_runtime_tasks(items, "d"), taskdef(), 2, 18000, 18009, ["n1", "n2"], hosts=now)
    assert [s["action"] for s in p["steps"]] == (["replace", "replace"] if rolled else [])
    assert p["outdated"] == (["a", "b"] if rolled else [])


@pytest.mark.parametrize("env, expected", [
    ({"REDIS_ADDR": "redis.internal-d.local:6379"}, ["redis.internal-d.local"]),
    ({"REDIS_ADDR": "REDIS.Internal-D.local:6379", "CACHE": "memcached.internal-d.local"},
     ["memcached.internal-d.local", "redis.internal-d.local"]),
    ({"REDIS_ADDR": "localhost:6379"}, []),
    ({"REDIS_ADDR": "redis.internal-other.local:6379"}, []),
    ({"REDIS_ADDR": "a.b.internal-d.local:6379"}, []),
])
def test_discovery_names_come_from_the_environment(env, expected):
    names = lr.local_runtime_discovery_names(taskdef(web_env=env), "internal-d.local")
    assert [n["name"] for n in names] == expected
    assert all(n["namespace"] == "internal-d.local" for n in names)


def test_a_task_of_the_other_topology_is_outdated_not_broken():
    """sidecar tasks (web and Redis) rolled to service_discovery's web-alone definition, and back: the old
    tasks keep serving until each replacement is registered."""
    web_alone = {"taskDefinitionArn": ARN2, "containerDefinitions": [dict(taskdef()["containerDefinitions"][0], dependsOn=[])]}
    sidecar_tasks = engine_containers("a") + engine_containers("b", port=18001)
    p = plan(sidecar_tasks, td=web_alone)
    assert p["broken"] == [] and p["outdated"] == ["a", "b"]
    assert [s.get("deregister") is not None for s in p["steps"]] == [True, True]
    sd_tasks = [c for c in engine_containers("c", arn=ARN2) + engine_containers("d", arn=ARN2, port=18001)
                if c["Labels"].get("fargate.microservice/container") != "redis"]
    back = plan(sd_tasks, td=taskdef(ARN1))
    assert back["broken"] == [] and back["outdated"] == ["c", "d"]
    stopped = [dict(c, State="exited") if c["Labels"].get("fargate.microservice/container") == "web" else c for c in sd_tasks]
    assert plan(stopped, td=taskdef(ARN1))["broken"] == ["c", "d"]
