# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The status filters: container inspections grouped into tasks, the document, and its screen.

Inputs are shaped as the engine's inspect answer (Docker Engine API ContainerInspect, which Podman's Docker API
serves) and as deployment_info / ecs_service_status_info / haproxy_stats_info return them; the end-to-end runs
against the real emulator, HAProxy and Podman are tests/integration/status and molecule/local/verify_status.yml.
"""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fargate.microservice.plugins.filter.status import FilterModule
from ansible_collections.fargate.microservice.plugins.module_utils import _naming

F = FilterModule().filters()
ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/web-redis-task:3"


def container(task, role, name=None, running=True, health="healthy", exit_code=0, oom=False, finished="", port=18410,
              deployment="hstat"):
    labels = {"fargate.microservice/deployment": deployment, "fargate.microservice/task-id": task,
              "fargate.microservice/task-definition": ARN, "fargate.microservice/host-port": str(port),
              "fargate.microservice/role": role}
    if name:
        labels.update({"fargate.microservice/container": name, "fargate.microservice/essential": "true"})
    state = {"Status": "running" if running else "exited", "Running": running, "ExitCode": exit_code, "OOMKilled": oom,
             "Error": "", "StartedAt": "2026-12-01T10:00:00Z", "FinishedAt": finished or "0001-01-01T00:00:00Z"}
    if health and name:
        state["Health"] = {"Status": health}
    return {"Name": f"/{deployment}-task-{task}" + (f"-{name}" if name else ""), "State": state,
            "Config": {"Labels": labels, "Image": "img"}}


def task(tid, port=18410, **web):
    return [container(tid, "infra", port=port), container(tid, "container", "web", port=port, **web),
            container(tid, "container", "redis", port=port)]


@pytest.mark.parametrize("web, status, health, reason", [
    ({}, "RUNNING", "HEALTHY", ""),
    ({"health": "starting"}, "RUNNING", "UNKNOWN", ""),
    ({"health": "unhealthy"}, "RUNNING", "UNHEALTHY", ""),
    ({"running": False, "health": "", "exit_code": 137, "finished": "2026-12-01T10:05:00Z"}, "STOPPED", "UNKNOWN",
     "web exited with code 137"),
    ({"running": False, "health": "healthy", "exit_code": 0, "finished": "2026-12-01T10:05:00Z"}, "STOPPED", "UNKNOWN",
     "web exited with code 0"),
    ({"running": False, "health": "", "exit_code": 137, "oom": True, "finished": "2026-12-01T10:05:00Z"}, "STOPPED",
     "UNKNOWN", "web OutOfMemoryError: killed for exceeding its memory limit"),
])
def test_local_tasks_say_what_runs(web, status, health, reason):
    (t,) = F["status_local_tasks"](task("aaa", **web), "hstat")
    assert (t["status"], t["health"], t["stopped_reason"]) == (status, health, reason)
    assert (t["id"], t["task_definition"], t["host_port"], t["started"]) == ("aaa", "web-redis-task:3", 18410,
                                                                             "2026-12-01T10:00:00Z")
    assert [c["name"] for c in t["containers"]] == ["web", "redis"]
    if not web.get("running", True):
        assert t["containers"][0]["health"] == ""  # a dead container has no health, whatever the engine kept


def test_local_tasks_of_another_deployment_are_left_out():
    other = [container("zzz", "infra", deployment="hstat-x"), container("zzz", "container", "web", deployment="hstat-x")]
    assert [t["id"] for t in F["status_local_tasks"](task("bbb") + other + task("aaa", 18411), "hstat")] == ["aaa", "bbb"]


def test_a_task_without_its_infra_container_does_not_run():
    (t,) = F["status_local_tasks"](task("aaa")[1:], "hstat")
    assert t["status"] == "STOPPED"


def info(missing=(), service=True):
    names = _naming.deployment_names("hstat")
    resources = {kind: [] for kind in ("vpc", "load_balancer", "target_health", "tasks", "task_definition", "service")}
    resources["subnets"] = {"public": [{"kind": "subnets", "name": "hstat-public-a", "id": "subnet-1", "state": "available",
                                        "tier": "public"}], "private": []}
    resources["vpc"] = [{"kind": "vpc", "name": "hstat-vpc", "id": "vpc-1", "state": "available"}]
    if service:
        resources["service"] = [{"kind": "service", "name": "web", "id": "arn:svc", "state": "ACTIVE", "desired": 2,
                                 "running": 2, "pending": 0, "task_definition": "web-redis-task:3",
                                 "deployments": [{"status": "PRIMARY", "task_definition": "web-redis-task:3", "desired": 2,
                                                  "running": 2, "pending": 0, "failed_tasks": 0,
                                                  "rollout_state": "COMPLETED"}]}]
        resources["task_definition"] = [{"kind": "task_definition", "name": "web-redis-task", "id": ARN, "state": "ACTIVE",
                                         "revision": 3, "images": {"web": "r/hstat/web:abc"},
                                         "image_tags": {"web": "abc", "redis": "def"}}]
    owned = [resources["vpc"][0]] + resources["subnets"]["public"] + resources["service"] + resources["task_definition"]
    return {"deployment": "hstat", "names": names, "resources": resources, "owned": owned,
            "missing": [{"kind": k, "name": n} for k, n in missing],
            "unowned": [], "complete": not missing}


def test_the_local_document_joins_haproxy_and_the_engine():
    lb = {"available": True, "servers": [{"name": "aaa", "addr": "127.0.0.1:18410", "status": "UP", "check_status": "L7OK",
                                          "check_code": 200, "check_desc": "Layer7 check passed",
                                          "last_change_seconds": 12}]}
    doc = F["status_report"](info(), {"rollout_state": "COMPLETED", "stopped_task_lines": []}, "local",
                             "http://127.0.0.1:18401/home", lb, task("aaa"), {"available": True})
    assert doc["targets"] == [{"id": "aaa", "address": "127.0.0.1:18410", "health": "UP", "check": "L7OK 200",
                               "reason": "Layer7 check passed", "since_seconds": 12}]
    assert [(t["id"], t["status"], t["health"]) for t in doc["tasks"]] == [("aaa", "RUNNING", "HEALTHY")]
    assert doc["service"]["revision"] == 3 and doc["service"]["image_tags"] == {"web": "abc", "redis": "def"}
    assert doc["service"]["rollout_state"] == "COMPLETED"
    assert doc["resources"]["subnets"][0]["name"] == "hstat-public-a"
    text = "\n".join(F["status_lines"](doc))
    for part in ("Deployment hstat (local target): 4 resources owned, nothing missing", "URL: http://127.0.0.1:18401/home",
                 "subnets/public", "revision 3), images redis:def, web:abc", "desired 2, running 2, pending 0; rollout COMPLETED",
                 "aaa            127.0.0.1:18410        UP         L7OK 200", "RUNNING HEALTHY", "Last stop reason: none recorded"):
        assert part in text, part


def test_a_partial_stack_says_what_is_missing_and_why_nothing_answers():
    doc = F["status_report"](info(missing=[("load_balancer", "hstat-web-lb")], service=False), {}, "local", "",
                             {"available": False, "reason": "no socket"}, [], {"available": False, "reason": "refused"})
    text = "\n".join(F["status_lines"](doc))
    assert "1 missing" in text and "load_balancer          hstat-web-lb" in text
    assert "Service web in cluster hstat: missing" in text
    assert "The local load balancer does not answer (no socket)" in text
    assert "No container engine answers (refused)" in text
    assert doc["service"]["rollout_state"] == "MISSING" and doc["tasks"] == [] and doc["complete"] is False


def test_the_aws_document_takes_targets_and_tasks_from_deployment_info():
    i = info()
    i["resources"]["target_health"] = [{"id": "10.1.1.5", "port": 8000, "state": "unhealthy", "reason": "Target.Timeout",
                                        "description": "Request timed out"}]
    i["resources"]["tasks"] = [{"name": "t1", "state": "RUNNING", "health": "HEALTHY", "task_definition": "web-redis-task:3",
                                "started": "2026-12-01T10:00:00+00:00", "stopped_reason": "", "containers": []}]
    doc = F["status_report"](i, {"rollout_state": "IN_PROGRESS", "stopped_task_lines": ["task x: Essential container exited"]},
                             "aws", "http://lb/home")
    assert doc["targets"][0]["health"] == "unhealthy" and doc["targets"][0]["reason"] == "Request timed out"
    assert doc["tasks"][0]["started"] == "2026-12-01T10:00:00+00:00"
    assert doc["last_stop_reason"] == "task x: Essential container exited"
    assert doc["targets_source"] == "target group hstat-web-tg"


def test_status_report_needs_deployment_info():
    with pytest.raises(AnsibleFilterError, match="deployment_info"):
        F["status_report"]({"changed": False})


@pytest.mark.parametrize("resource_id, short", [
    ("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/d-web-lb/5c65", "loadbalancer/app/d-web-lb/5c65"),
    ("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/d", "log-group:/ecs/d"),
    ("arn:aws:iam::123456789012:role/d-ecs-task-execution", "role/d-ecs-task-execution"),
    ("vpc-0abc", "vpc-0abc"),
    (None, ""),
])
def test_the_screen_shortens_arns(resource_id, short):
    from ansible_collections.fargate.microservice.plugins.filter.status import _short_id
    assert _short_id(resource_id) == short


def test_the_short_form_counts_what_really_runs_locally():
    # The emulator says 2 running; only one task's containers run here, and the short form says 1.
    doc = F["status_report"](info(), {"rollout_state": "COMPLETED", "stopped_task_lines": []}, "local",
                             "http://127.0.0.1:18401/home", {"available": True, "servers": []},
                             task("aaa") + task("bbb", port=18411, running=False, exit_code=2), {"available": True})
    assert F["status_summary"](doc) == [
        "Deployment hstat (local target): http://127.0.0.1:18401/home",
        "  service web: task definition web-redis-task:3 (revision 3), images redis:def, web:abc;"
        " running 1 / desired 2, rollout COMPLETED"]


def test_the_short_form_on_aws_and_on_a_stack_without_service():
    doc = F["status_report"](info(), {"rollout_state": "IN_PROGRESS", "stopped_task_lines": []}, "aws", "http://lb/home")
    assert F["status_summary"](doc)[1].endswith("running 2 / desired 2, rollout IN_PROGRESS")
    empty = F["status_report"](info(missing=[("service", "web")], service=False), {}, "aws", "")
    assert F["status_summary"](empty) == [
        "Deployment hstat (aws target): no URL yet (no load balancer)",
        "  service web in cluster hstat: missing; 1 resource(s) missing (make status shows what)"]


# --- the local scheduler (local_runtime's supervisor) -----------------------------------------

def supervisor_file(activity="watching", enforced=True, pending=None, failures=0):
    return {"version": 1, "pid": 4242, "activity": activity, "updated": "2026-12-01T10:10:00.000000Z", "desired_count": 2,
            "running_count": 2, "serving_count": 2,
            "backoff": {"failures": failures, "pending_since": pending, "next_heal_at_iso": "2026-12-01T10:11:00.000000Z"},
            "heals": {"count": 3, "failed": 1, "last": {"ended": "2026-12-01T10:09:00.000000Z", "seconds": 21.5}},
            "events": [{"time": "2026-12-01T10:09:00.000000Z", "kind": "heal_finished", "message": "replacement run ended"}],
            "limits": {"enforced": enforced, "note": "what the kernel does",
                       "containers": {"d-task-a-web": {"memory_mib_requested": 512, "memory_mib_enforced": 512 if enforced else None}}}}


def local_doc(supervisor, alive):
    return F["status_report"](info(), {"rollout_state": "COMPLETED"}, "local", "http://127.0.0.1:18401/home",
                              {"available": True, "servers": []}, task("aaa"), {"available": True}, supervisor, alive)


def test_the_local_document_shows_the_scheduler_and_the_enforced_limits():
    doc = local_doc(supervisor_file(), True)
    s = doc["scheduler"]
    assert (s["running"], s["activity"], s["serving_count"], s["replacements"], s["failed_replacements"]) == (
        True, "watching", 2, 3, 1)
    assert s["limits_enforced"] is True and s["limits"]["d-task-a-web"]["memory_mib_enforced"] == 512
    assert s["next_replacement"] == ""  # nothing pending
    # a replacement needed with no quick failure before starts at once: no crash-loop wait to show
    assert local_doc(supervisor_file(pending=1764583860.0), True)["scheduler"]["next_replacement"] == ""
    text = "\n".join(F["status_lines"](doc))
    for part in ("Local scheduler (replaces a stopped or unhealthy task between runs, as ECS does): watching",
                 "2 running, 2 serving through the load balancer, desired 2; 3 replacement(s), 1 failed",
                 "cpu/memory limits: enforced (what the kernel does)", "last event: 2026-12-01T10:09:00.000000Z heal_finished"):
        assert part in text, part
    assert not [n for n in doc["notes"] if "scheduler" in n or "enforce" in n]


@pytest.mark.parametrize("supervisor, alive, activity, note", [
    (None, False, "not running", "The local scheduler (local_runtime's supervisor) is not running"),
    ("file", False, "not running", "The local scheduler (local_runtime's supervisor) is not running"),
    ("unenforced", True, "watching", "The engine does not enforce the task definition's cpu/memory on every container here"),
])
def test_the_local_document_says_when_nothing_heals_or_limits_are_not_enforced(supervisor, alive, activity, note):
    content = {None: None, "file": supervisor_file(), "unenforced": supervisor_file(enforced=False)}[supervisor]
    doc = local_doc(content, alive)
    assert doc["scheduler"]["activity"] == activity
    assert any(n.startswith(note) for n in doc["notes"]), doc["notes"]


def test_a_crash_loop_shows_the_next_replacement():
    doc = local_doc(supervisor_file(pending=1764583860.0, failures=2), True)
    assert doc["scheduler"]["next_replacement"] == "2026-12-01T10:11:00.000000Z"
    assert "crash loop: 2 quick failure(s), next replacement at 2026-12-01T10:11:00.000000Z" in "\n".join(F["status_lines"](doc))


def test_the_aws_document_has_no_local_scheduler():
    assert F["status_report"](info(), {}, "aws", "http://lb/home")["scheduler"] is None
