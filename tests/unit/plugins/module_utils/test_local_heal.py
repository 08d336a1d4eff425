# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the local runtime supervisor's decisions and crash-loop backoff."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _local_heal as lh

ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/web-redis-task:3"
BASE, CAP, STABLE = 10, 300, 120


def engine(task_id, port=18500, states=None, health=None, deployment="d", limits=False):
    """What /containers/json lists for one task, plus inspections and health by container id."""
    states, health = states or {}, health or {}
    base = {"fargate.microservice/deployment": deployment, "fargate.microservice/task-id": task_id,
            "fargate.microservice/task-definition": ARN, "fargate.microservice/host-port": str(port)}
    items = [{"Id": task_id + "-infra", "Names": ["/d-task-%s" % task_id], "State": states.get("infra", "running"),
              "Labels": dict(base, **{"fargate.microservice/role": "infra"})}]
    inspections, checks = {}, {}
    for name in ("web", "redis"):
        if states.get(name) == "missing":
            continue
        cid = "%s-%s" % (task_id, name)
        labels = dict(base, **{"fargate.microservice/role": "container", "fargate.microservice/container": name,
                               "fargate.microservice/essential": "true"})
        if limits:
            labels.update({"fargate.microservice/memory": "512", "fargate.microservice/cpu": "256"})
        state = states.get(name, "running")
        items.append({"Id": cid, "Names": ["/d-task-%s-%s" % (task_id, name)], "State": state, "Labels": labels})
        inspections[cid] = {"State": {"ExitCode": 137 if state != "running" else 0,
                                      "OOMKilled": states.get(name + "_oom", False), "StartedAt": "t0"},
                            "HostConfig": {"Memory": 512 * 1024 * 1024 if limits else 0,
                                           "NanoCpus": 250000000 if limits else 0}}
        checks[cid] = health.get(name, "healthy")
    return items, inspections, checks


def view(*tasks):
    items, inspections, checks = [], {}, {}
    for t in tasks:
        items += t[0]
        inspections.update(t[1])
        checks.update(t[2])
    return lh.task_view(items, "d", inspections, checks)


def decide(tasks, backoff=None, now=1000.0, desired=2):
    return lh.decide(tasks, desired, ["web", "redis"], backoff or lh.new_backoff(), now, BASE, CAP, STABLE)


def test_tasks_are_grouped_and_other_deployments_ignored():
    other = engine("z", deployment="other")
    tasks = view(engine("a"), engine("b", port=18501), other)
    assert [t["id"] for t in tasks] == ["a", "b"]
    assert tasks[1]["host_port"] == 18501
    assert sorted(tasks[0]["containers"]) == ["redis", "web"]


def test_limits_asked_and_applied_are_reported():
    web = view(engine("a", limits=True))[0]["containers"]["web"]
    assert (web["memory_mib_requested"], web["memory_mib_applied"]) == (512, 512)
    assert (web["cpu_units_requested"], web["cpu_units_applied"]) == (256, 256)


def test_sound_tasks_need_nothing():
    d = decide(view(engine("a"), engine("b", port=18501)))
    assert (d["heal"], d["deregister"], d["stop"], d["problems"]) == (False, [], [], {})
    assert d["sound"] == ["a", "b"]


@pytest.mark.parametrize("states, health, reason, kind", [
    ({"web": "exited"}, {}, "Essential container in task exited (web, exit code 137)", "stopped"),
    ({"web": "exited", "web_oom": True}, {}, "OutOfMemoryError: Container killed due to memory usage (web)", "stopped"),
    ({"redis": "missing"}, {}, "Essential container is missing (redis)", "stopped"),
    ({"infra": "exited"}, {}, "Task network namespace (infra container) stopped", "stopped"),
    ({}, {"web": "unhealthy"}, "Task failed container health checks (web)", "unhealthy"),
])
def test_a_broken_task_is_taken_out_of_the_load_balancer_and_replaced(states, health, reason, kind):
    d = decide(view(engine("a", states=states, health=health), engine("b", port=18501)))
    assert d["heal"] is True
    assert d["deregister"] == ["a"]
    assert [p["reason"] for p in d["problems"]["a"]] == [reason]
    # An unhealthy essential container is stopped (as ECS stops the task); a stopped one is not touched.
    assert d["stop"] == (["d-task-a-web"] if kind == "unhealthy" else [])


def test_a_starting_health_check_is_not_a_problem():
    tasks = view(engine("a", health={"web": "starting"}), engine("b", port=18501))
    assert decide(tasks)["heal"] is False
    assert lh.task_status(tasks[0], ["web", "redis"]) == "PENDING"
    assert lh.task_status(tasks[1], ["web", "redis"]) == "RUNNING"


def test_a_missing_task_is_started():
    d = decide(view(engine("a")))
    assert (d["heal"], d["deregister"]) == (True, [])


def test_a_non_essential_container_may_stop():
    items, inspections, checks = engine("a", states={"redis": "exited"})
    for item in items:
        if item["Names"][0].endswith("redis"):
            item["Labels"]["fargate.microservice/essential"] = "false"
    tasks = lh.task_view(items, "d", inspections, checks)
    assert lh.task_problems(tasks[0], ["web"]) == []


@pytest.mark.parametrize("failures, delay", [(0, 0), (1, 10), (2, 20), (3, 40), (5, 160), (6, 300), (30, 300)])
def test_backoff_doubles_up_to_the_cap(failures, delay):
    assert lh.backoff_delay(failures, BASE, CAP) == delay


def test_a_crash_loop_backs_off_and_a_stable_spell_resets_it():
    broken = view(engine("a", states={"web": "exited"}), engine("b", port=18501))
    # First failure: replaced at once.
    d = decide(broken, now=1000.0)
    assert d["heal"] is True and d["backoff"]["failures"] == 0
    b = lh.note_heal(d["backoff"], True, 1030.0, BASE, CAP)
    # Dead again 5 s after its replacement: one quick failure, wait 10 s.
    d = decide(broken, backoff=b, now=1035.0)
    assert (d["heal"], d["wait"], d["backoff"]["failures"]) == (False, 10.0, 1)
    d = decide(broken, backoff=d["backoff"], now=1045.0)
    assert d["heal"] is True
    b = lh.note_heal(d["backoff"], True, 1075.0, BASE, CAP)
    d = decide(broken, backoff=b, now=1080.0)
    assert (d["wait"], d["backoff"]["failures"]) == (20.0, 2)
    # A broken task keeps being taken out of the load balancer while the backoff waits.
    assert d["deregister"] == ["a"]
    b = lh.note_heal(dict(d["backoff"]), True, 1130.0, BASE, CAP)
    # Sound for a while, then broken long after (beyond the stable spell): at once again.
    sound = view(engine("a"), engine("b", port=18501))
    b = decide(sound, backoff=b, now=1140.0)["backoff"]
    assert b["failures"] == 2 and b["pending_since"] is None
    d = decide(broken, backoff=b, now=1130.0 + STABLE + 1)
    assert (d["heal"], d["backoff"]["failures"]) == (True, 0)


def test_a_failed_replacement_run_waits_before_the_next():
    broken = view(engine("a", states={"web": "exited"}), engine("b", port=18501))
    d = decide(broken, now=1000.0)
    b = lh.note_heal(d["backoff"], False, 1060.0, BASE, CAP)
    assert (b["failures"], b["next_heal_at"]) == (1, 1070.0)
    assert decide(broken, backoff=b, now=1065.0)["heal"] is False
    assert decide(broken, backoff=b, now=1070.0)["heal"] is True
    b = lh.note_heal(b, False, 1100.0, BASE, CAP)
    assert b["next_heal_at"] == 1120.0


# --- service_discovery: the Redis service's task, watched beside the web tasks --------------------

def redis_engine(task_id, state="running"):
    base = {"fargate.microservice/deployment": "d", "fargate.microservice/task-id": task_id,
            "fargate.microservice/task-definition": ARN, "fargate.microservice/service": "redis"}
    items = [{"Id": task_id + "-infra", "Names": ["/d-task-%s" % task_id], "State": "running",
              "Labels": dict(base, **{"fargate.microservice/role": "infra"})},
             {"Id": task_id + "-redis", "Names": ["/d-task-%s-redis" % task_id], "State": state,
              "Labels": dict(base, **{"fargate.microservice/role": "container", "fargate.microservice/container": "redis",
                                      "fargate.microservice/essential": "true"})}]
    return items, {task_id + "-redis": {"State": {"ExitCode": 0 if state == "running" else 1}}}, {}


def test_the_redis_service_is_a_view_of_its_own():
    items = engine("a")[0] + engine("b", port=18501)[0] + redis_engine("r")[0]
    assert [t["id"] for t in lh.task_view(items, "d")] == ["a", "b"]
    assert [t["id"] for t in lh.task_view(items, "d", service="redis")] == ["r"]


@pytest.mark.parametrize("redis_state, redis_tasks, heal", [
    ("running", 1, False),
    ("exited", 1, True),
    ("running", 0, True),
])
def test_a_stopped_or_missing_redis_task_is_healed(redis_state, redis_tasks, heal):
    web = view(engine("a"), engine("b", port=18501))
    items, inspections, checks = redis_engine("r", redis_state)
    redis = lh.task_view(items, "d", inspections, checks, service="redis") if redis_tasks else []
    d = lh.decide(web, 2, ["web", "redis"], lh.new_backoff(), 1000.0, BASE, CAP, STABLE, others=[(redis, 1, ["redis"])])
    assert d["heal"] is heal
    assert d["deregister"] == []  # no load balancer fronts Redis; the web tasks stay in it
    if redis_state == "exited":
        assert "r" in d["problems"]
