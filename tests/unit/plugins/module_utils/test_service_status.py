# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the ECS service rollout and stopped-task summaries."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _service_status as ss


def service(*deployments, status="ACTIVE"):
    return {"status": status, "deployments": list(deployments)}


def dep(status="PRIMARY", rollout=None, running=2, desired=2):
    d = {"status": status, "runningCount": running, "desiredCount": desired}
    if rollout:
        d["rolloutState"] = rollout
    return d


@pytest.mark.parametrize("svc, expected", [
    (None, "MISSING"),
    ({}, "MISSING"),
    (service(dep(rollout="COMPLETED"), status="DRAINING"), "MISSING"),
    (service(dep(rollout="COMPLETED")), "COMPLETED"),
    (service(dep(rollout="IN_PROGRESS")), "IN_PROGRESS"),
    (service(dep(rollout="FAILED")), "FAILED"),
    (service(dep(rollout="IN_PROGRESS"), dep(status="ACTIVE", rollout="COMPLETED")), "IN_PROGRESS"),
    (service(dep(status="ACTIVE", rollout="COMPLETED")), "IN_PROGRESS"),
    (service(dep()), "COMPLETED"),
    (service(dep(running=1)), "IN_PROGRESS"),
    (service(dep(), dep(status="ACTIVE")), "IN_PROGRESS"),
])
def test_rollout_state(svc, expected):
    assert ss.rollout_state(svc) == expected


STOPPED = {
    "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/countweb/0123abcd",
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web-redis-task:4",
    "lastStatus": "STOPPED",
    "stopCode": "EssentialContainerExited",
    "stoppedReason": "Essential container in task exited",
    "stoppedAt": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    "containers": [
        {"name": "web", "lastStatus": "STOPPED", "exitCode": 1, "healthStatus": "UNHEALTHY"},
        {"name": "redis", "lastStatus": "STOPPED", "exitCode": 0},
    ],
}


def test_summarize_task():
    summary = ss.summarize_task(STOPPED)
    assert summary["stopped_reason"] == "Essential container in task exited"
    assert summary["stopped_at"] == "2026-01-01T00:00:00+00:00"
    assert summary["containers"][0] == {"name": "web", "last_status": "STOPPED", "exit_code": 1, "reason": None,
                                        "health_status": "UNHEALTHY"}


@pytest.mark.parametrize("task, line", [
    (STOPPED, "task 0123abcd: Essential container in task exited [web: exit 1; redis: exit 0]"),
    ({"taskArn": "x/ff", "stopCode": "TaskFailedToStart",
      "containers": [{"name": "web", "reason": "CannotPullContainerError: not found"}]},
     "task ff: TaskFailedToStart [web: (CannotPullContainerError: not found)]"),
    ({"taskArn": "x/ee"}, "task ee: no reason given"),
])
def test_stopped_task_lines(task, line):
    assert ss.stopped_task_lines([ss.summarize_task(task)]) == [line]


# DescribeServices' Service shape (botocore's ecs model: serviceArn, serviceName, status, taskDefinition,
# deployments[].id/status/rolloutState, tags[].key/value with include=["TAGS"]); AWS lists a service it does not
# know under failures, not services.
def described(name, status="ACTIVE", revision=3, deployment_id="ecs-svc/1"):
    return {"serviceArn": f"arn:aws:ecs:us-east-1:123456789012:service/countweb/{name}", "serviceName": name,
            "status": status, "taskDefinition": f"arn:aws:ecs:us-east-1:123456789012:task-definition/countweb-{name}:{revision}",
            "deployments": [{"id": deployment_id, "status": "PRIMARY", "rolloutState": "COMPLETED", "runningCount": 2,
                             "desiredCount": 2}],
            "tags": [{"key": "fargate.microservice/deployment", "value": "countweb"}]}


def test_service_answer_picks_each_service_of_one_request():
    services = [described("web-svc"), described("redis", revision=7, deployment_id="ecs-svc/2")]
    web = ss.service_answer(services, "web-svc")
    redis = ss.service_answer(services, "redis")
    assert (web["exists"], web["task_definition"], web["primary_deployment_id"]) == (True, "countweb-web-svc:3", "ecs-svc/1")
    assert (redis["exists"], redis["task_definition"], redis["primary_deployment_id"]) == (True, "countweb-redis:7", "ecs-svc/2")
    assert redis["tags"] == {"fargate.microservice/deployment": "countweb"} and redis["status"] == "ACTIVE"
    by_arn = ss.service_answer(services, services[1]["serviceArn"])
    assert by_arn["service"] is services[1]


def test_service_answer_of_a_service_not_listed_or_draining():
    services = [described("web-svc"), described("redis", status="DRAINING")]
    redis = ss.service_answer(services, "redis")
    assert (redis["exists"], redis["status"], redis["service"], redis["rollout_state"]) == (False, "DRAINING", {}, "MISSING")
    gone = ss.service_answer([described("web-svc")], "redis", cluster_exists=False)
    assert (gone["exists"], gone["status"], gone["tags"], gone["cluster_exists"]) == (False, "MISSING", {}, False)


def test_service_answer_alone_takes_every_entry():
    """One service asked (by whatever form of its ARN): every entry is its, as before other_services."""
    old_arn = "arn:aws:ecs:us-east-1:123456789012:service/web-svc"
    answer = ss.service_answer([described("web-svc")], old_arn, alone=True)
    assert answer["exists"] and ss.service_answer([described("web-svc")], old_arn)["exists"] is False
