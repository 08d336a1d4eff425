# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The status document's topology (issue 12): in service_discovery the namespace, the Cloud Map service and its
instances, the group D-redis, the ECS service redis with its tasks and rollout, and what of them is missing; in
sidecar one line, or what a service_discovery run left. The inputs are shaped as deployment_info returns them (its
own tests, tests/unit/plugins/module_utils/test_deployment_info_discovery.py, run it against the emulator); the
end-to-end run is tests/integration/status."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.filter.status import FilterModule
from ansible_collections.fargate.microservice.plugins.module_utils import _naming

F = FilterModule().filters()
D = "hsd"
CM_ARN = "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1"


def pieces():
    """deployment_info's service_discovery sections for a whole stack (as its module returns them)."""
    return {
        "cloud_map_namespace": [{"kind": "cloud_map_namespace", "name": f"internal-{D}.local", "id": "ns-1",
                                 "state": "hosted zone Z1", "hosted_zone_id": "Z1"}],
        "cloud_map_service": [{"kind": "cloud_map_service", "name": "redis", "id": "srv-1", "arn": CM_ARN,
                               "state": "1 instance(s) registered", "dns_name": f"redis.internal-{D}.local",
                               "dns_records": [{"type": "A", "ttl": 10}], "healthy": 1,
                               "instances": [{"id": "t-r1", "ipv4": "10.1.1.10", "health": "HEALTHY"}]}],
        "redis_security_group": [{"kind": "redis_security_group", "name": f"{D}-redis", "id": "sg-r", "state": "1 ingress rule(s)",
                                  "ingress": [{"protocol": "tcp", "from_port": 6379, "to_port": 6379, "groups": ["sg-t"],
                                               "cidrs": []}]}],
        "redis_task_definition": [{"kind": "redis_task_definition", "name": f"{D}-redis-task", "family": f"{D}-redis-task",
                                   "id": f"arn:aws:ecs:us-east-1:123456789012:task-definition/{D}-redis-task:2",
                                   "state": "ACTIVE", "revision": 2, "image_tags": {"redis": "7"}}],
        "redis_service": [{"kind": "redis_service", "name": "redis", "id": "arn:svc-redis", "state": "ACTIVE", "desired": 1,
                           "running": 1, "pending": 0, "task_definition": f"{D}-redis-task:2", "rollout_state": "COMPLETED",
                           "registries": [CM_ARN], "deployments": [
                               {"status": "PRIMARY", "task_definition": f"{D}-redis-task:2", "desired": 1, "running": 1,
                                "pending": 0, "failed_tasks": 0, "rollout_state": "COMPLETED"}]}],
        "redis_tasks": [{"kind": "redis_tasks", "name": "t-r1", "id": "arn:task/t-r1", "state": "RUNNING", "health": "HEALTHY",
                         "task_definition": f"{D}-redis-task:2", "address": "10.1.1.10", "started": "2026-12-01T10:00:00+00:00"}],
    }


def info(topology="service_discovery", drop=(), missing=()):
    names = _naming.deployment_names(D, topology=topology)
    resources = {"security_groups": [
        {"kind": "security_groups", "name": f"{D}-tasks", "id": "sg-t", "state": "1 ingress rule(s)"}]
        + ([{"kind": "security_groups", "name": f"{D}-redis", "id": "sg-r", "state": "1 ingress rule(s)"}]
           if topology == "service_discovery" and "redis_security_group" not in drop else []),
        "service": [], "task_definition": [], "tasks": [], "target_health": []}
    resources.update({k: ([] if k in drop else v) for k, v in pieces().items()})
    owned = [i for k, v in resources.items() if k not in ("tasks", "target_health", "redis_tasks") for i in v]
    return {"deployment": D, "names": names, "resources": resources, "owned": owned,
            "missing": [{"kind": k, "name": n} for k, n in missing], "unowned": [], "complete": not missing}


def report(i, target="aws", **kwargs):
    doc = F["status_report"](i, {}, target, "http://lb/home", **kwargs)
    return doc, "\n".join(F["status_lines"](doc))


def test_a_whole_service_discovery_stack_shows_every_piece():
    doc, text = report(info(), redis_status={"stopped_task_lines": ["task t-r0: Essential container in task exited"]})
    topo = doc["topology"]
    assert topo["name"] == "service_discovery" and topo["missing"] == [] and topo["notes"] == []
    assert topo["redis_address"] == f"redis.internal-{D}.local:6379"
    assert topo["redis_service"]["registered_in"] == ["redis"]
    assert topo["redis_security_group"]["ingress_lines"] == [f"tcp 6379 from {D}-tasks (sg-t)"]
    assert [t["id"] for t in topo["redis_tasks"]] == ["t-r1"]
    # D-redis is listed once among the resources
    assert [i["id"] for k, v in doc["resources"].items() for i in v].count("sg-r") == 1
    assert doc["last_stop_reason"] == "task t-r0: Essential container in task exited"
    for part in (f"Topology service_discovery: web reaches Redis as redis.internal-{D}.local:6379 (Cloud Map)",
                 f"namespace internal-{D}.local ns-1: hosted zone Z1",
                 f"Cloud Map service redis srv-1 (redis.internal-{D}.local, A TTL 10 s): 1 instance(s) registered, 1 healthy",
                 "instance t-r1 10.1.1.10 HEALTHY",
                 f"security group {D}-redis sg-r: tcp 6379 from {D}-tasks (sg-t)",
                 f"Service redis: ACTIVE, task definition {D}-redis-task:2 (revision 2), images redis:7,"
                 " registered in Cloud Map service redis",
                 "desired 1, running 1, pending 0; rollout COMPLETED",
                 f"task t-r1 {D}-redis-task:2 RUNNING HEALTHY 10.1.1.10"):
        assert part in text, part


@pytest.mark.parametrize("drop, missing, words", [
    (("cloud_map_service", "redis_service", "redis_tasks"), [("cloud_map_service", "redis"), ("redis_service", "redis")],
     "misses 2 piece(s) (cloud_map_service redis, redis_service redis)"),
    (("redis_security_group",), [("security_groups", f"{D}-redis")], f"misses 1 piece(s) (security_groups {D}-redis)"),
])
def test_a_partial_topology_says_what_is_missing(drop, missing, words):
    doc, text = report(info(drop=drop, missing=missing))
    assert [(m["kind"], m["name"]) for m in doc["topology"]["missing"]] == missing
    assert any(words in n for n in doc["notes"]), doc["notes"]
    assert "  missing: " + ", ".join(f"{k} {n}" for k, n in missing) in text


def test_redis_not_registered_in_cloud_map_is_said():
    i = info()
    i["resources"]["cloud_map_service"][0].update(instances=[], healthy=0)
    doc, _text = report(i)
    assert any(f"cannot resolve redis.internal-{D}.local" in n for n in doc["notes"]), doc["notes"]
    i["resources"]["cloud_map_service"][0].update(instances=[{"id": "a", "health": "UNHEALTHY"}])
    assert any("1 of the Redis instances registered in Cloud Map are not HEALTHY" in n for n in report(i)[0]["notes"])


def test_sidecar_is_one_line_and_leftovers_are_named():
    doc, text = report(info("sidecar", drop=tuple(pieces())))
    assert doc["topology"]["leftovers"] is False and doc["topology"]["notes"] == []
    assert "Topology sidecar: web reaches Redis on localhost:6379 in each task" in text
    doc, text = report(info("sidecar", drop=("cloud_map_service", "redis_service", "redis_tasks", "redis_task_definition")))
    assert doc["topology"]["leftovers"] is True and doc["topology"]["missing"] == []
    assert any(f"2 piece(s) of the service_discovery topology are left (cloud_map_namespace internal-{D}.local,"
               f" redis_security_group {D}-redis)" in n for n in doc["notes"]), doc["notes"]
    assert "left by service_discovery:" in text


def test_the_local_target_finds_the_redis_task_among_the_engines_and_counts_web_alone():
    def container(task, family, role, name=None):
        labels = {"fargate.microservice/deployment": D, "fargate.microservice/task-id": task, "fargate.microservice/role": role,
                  "fargate.microservice/task-definition": f"arn:aws:ecs:us-east-1:123456789012:task-definition/{family}:2",
                  "fargate.microservice/host-port": "18410"}
        if name:
            labels.update({"fargate.microservice/container": name, "fargate.microservice/essential": "true"})
        return {"Name": f"/{task}-{role}", "Config": {"Labels": labels}, "State": {
            "Status": "running", "Running": True, "StartedAt": "2026-12-01T10:00:00Z", "Health": {"Status": "healthy"}}}
    inspections = []
    for task, family, name in (("w1", f"{D}-web-task", "web"), ("r1", f"{D}-redis-task", "redis")):
        inspections += [container(task, family, "infra"), container(task, family, "container", name)]
    i = info()
    i["resources"]["service"] = [{"kind": "service", "name": "web", "id": "arn:web", "state": "ACTIVE", "desired": 1,
                                  "running": 1, "pending": 0, "task_definition": f"{D}-web-task:2", "deployments": []}]
    doc = F["status_report"](i, {}, "local", "http://127.0.0.1:8630/home", {"available": True, "servers": []}, inspections,
                             {"available": True})
    assert [t["id"] for t in doc["topology"]["redis_tasks"]] == ["r1"]
    summary = F["status_summary"](doc)
    assert "running 1 / desired 1" in summary[1]
    assert summary[2].startswith(f"  service redis: task definition {D}-redis-task:2; running 1 / desired 1, rollout COMPLETED,"
                                 " 1 registered in Cloud Map; web reaches it as redis.internal-hsd.local:6379")


def test_a_document_without_the_discovery_sections_still_renders():
    i = info("sidecar")
    for section in pieces():
        del i["resources"][section]
    doc, text = report(i)
    assert doc["topology"]["name"] == "sidecar" and "Topology sidecar" in text
    assert F["status_summary"](doc)[1].startswith("  service web in cluster hsd: missing")
