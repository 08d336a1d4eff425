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
