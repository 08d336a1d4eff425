# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Summaries of an ECS service's rollout and its stopped tasks (no AWS calls here; unit-tested)."""

from __future__ import annotations


def primary_deployment(service):
    """The PRIMARY deployment of a DescribeServices service, or None."""
    for deployment in (service or {}).get("deployments") or []:
        if deployment.get("status") == "PRIMARY":
            return deployment
    return None


def rollout_state(service):
    """COMPLETED | IN_PROGRESS | FAILED for the PRIMARY deployment; MISSING without a service.

    Deployments without rolloutState (no circuit breaker, or an older API) count as COMPLETED once
    the running count reaches the desired count and no other deployment is left.
    """
    if not service or service.get("status") != "ACTIVE":
        return "MISSING"
    primary = primary_deployment(service)
    if primary is None:
        return "IN_PROGRESS"
    if primary.get("rolloutState"):
        return primary["rolloutState"]
    done = primary.get("runningCount", 0) >= primary.get("desiredCount", 0) and len(service.get("deployments")) == 1
    return "COMPLETED" if done else "IN_PROGRESS"


def summarize_task(task):
    """The fields of a DescribeTasks task that explain why it stopped."""
    return {
        "task_arn": task.get("taskArn"),
        "task_definition_arn": task.get("taskDefinitionArn"),
        "last_status": task.get("lastStatus"),
        "stop_code": task.get("stopCode"),
        "stopped_reason": task.get("stoppedReason"),
        "stopped_at": task["stoppedAt"].isoformat() if hasattr(task.get("stoppedAt"), "isoformat") else task.get("stoppedAt"),
        "containers": [
            {
                "name": c.get("name"),
                "last_status": c.get("lastStatus"),
                "exit_code": c.get("exitCode"),
                "reason": c.get("reason"),
                "health_status": c.get("healthStatus"),
            }
            for c in task.get("containers") or []
        ],
    }


def stopped_task_lines(tasks):
    """One line per stopped task: id, reason, and each container's exit code and reason."""
    lines = []
    for task in tasks:
        task_id = (task.get("task_arn") or "").rsplit("/", 1)[-1]
        containers = "; ".join(
            f"{c['name']}: " + " ".join(
                part for part in (
                    f"exit {c['exit_code']}" if c.get("exit_code") is not None else "",
                    f"({c['reason']})" if c.get("reason") else "",
                ) if part
            )
            for c in task.get("containers", []) if c.get("exit_code") is not None or c.get("reason")
        )
        line = f"task {task_id}: {task.get('stopped_reason') or task.get('stop_code') or 'no reason given'}"
        if containers:
            line += f" [{containers}]"
        lines.append(line)
    return lines


def jsonable(value):
    """Datetimes to ISO 8601 strings, recursively."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
