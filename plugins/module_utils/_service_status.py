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
        "started_by": task.get("startedBy"),
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


# The verdict on one deployment (issue 10 point 3): the wait follows the deployment this run
# created, by its id, not whatever is PRIMARY later. The shapes read here are botocore's ecs
# model (service-2.json: Service, Deployment, ServiceEvent, Task); the states are its
# DeploymentRolloutState enum (COMPLETED | FAILED | IN_PROGRESS) and Deployment.status
# (PRIMARY | ACTIVE | INACTIVE).

def service_status(services):
    """The status of the one service DescribeServices was asked about: ACTIVE, DRAINING, INACTIVE or MISSING.

    A deleted service is DRAINING while ECS stops its tasks, then INACTIVE (DescribeServices still returns it
    for a while), then MISSING (listed under ``failures``). CreateService refuses a service of the same name
    while it is DRAINING, so a rerun after an interrupted teardown must wait for INACTIVE first.
    """
    statuses = [s.get("status", "") for s in services or []]
    for status in ("ACTIVE", "DRAINING", "INACTIVE"):
        if status in statuses:
            return status
    return "MISSING"


def scaling_resource_id(cluster, service):
    """Application Auto Scaling's resource id of an ECS service, from names or ARNs: service/<cluster>/<service>."""
    return "service/" + cluster.rsplit("/", 1)[-1] + "/" + service.rsplit("/", 1)[-1]


def service_answer(services, name, cluster_exists=True, alone=False):
    """What ecs_service_status_info returns for the service ``name`` of a DescribeServices answer's ``services``
    (raw API dicts): ``exists`` (ACTIVE), ``cluster_exists``, ``service`` (the ACTIVE entry or {}), ``tags``,
    ``rollout_state``, ``rollout_state_reason``, ``task_definition``, ``primary_deployment_id`` and ``status``.

    Entries are those whose serviceName or serviceArn is ``name``; ``alone`` (the request named one service) takes
    every entry, whatever form of ARN was asked.
    """
    entries = list(services or []) if alone else [
        s for s in services or [] if name in (s.get("serviceName"), s.get("serviceArn"))]
    active = [s for s in entries if s.get("status") == "ACTIVE"]
    service = active[0] if active else {}
    primary = primary_deployment(service) or {}
    return {
        "exists": bool(service),
        "cluster_exists": cluster_exists,
        "service": service,
        "tags": {t["key"]: t.get("value", "") for t in service.get("tags") or []},
        "rollout_state": rollout_state(service),
        "rollout_state_reason": primary.get("rolloutStateReason", ""),
        "task_definition": revision_of(service.get("taskDefinition")),
        "primary_deployment_id": primary.get("id", ""),
        "status": service_status(entries),
    }


def revision_of(task_definition):
    """``family:revision`` of a task definition ARN (or of ``family:revision`` itself); '' for none."""
    return (task_definition or "").rsplit("/", 1)[-1]


def find_deployment(service, deployment_id):
    """The deployment with this id among the service's deployments, or None."""
    for deployment in (service or {}).get("deployments") or []:
        if deployment.get("id") == deployment_id:
            return deployment
    return None


def _deployment_done(deployment, service):
    """COMPLETED/FAILED/IN_PROGRESS of one deployment; without rolloutState (no circuit breaker) it is
    COMPLETED once it is PRIMARY, runs its desired count and no other deployment is left."""
    if deployment.get("rolloutState"):
        return deployment["rolloutState"]
    alone = len(service.get("deployments") or []) == 1
    running = deployment.get("runningCount", 0) >= deployment.get("desiredCount", 0)
    return "COMPLETED" if deployment.get("status") == "PRIMARY" and alone and running else "IN_PROGRESS"


def _failure_events(service, deployment_id):
    """Messages of the service's events that name this deployment and say it failed (newest first).

    AWS writes them as "(service web) (deployment ecs-svc/123...) deployment failed: tasks failed to start."
    (Amazon ECS service event messages); the circuit breaker's rollback follows as its own event.
    """
    return [
        e.get("message", "") for e in (service.get("events") or [])
        if deployment_id and deployment_id in e.get("message", "") and "fail" in e.get("message", "").lower()
    ]


def deployment_verdict(service, deployment_id, revision=""):
    """The verdict on deployment ``deployment_id`` of a DescribeServices service.

    Returns a dict: ``state`` (COMPLETED | IN_PROGRESS | FAILED | REPLACED | MISSING), ``done`` (no
    point waiting longer), ``revision`` (family:revision the deployment rolls out, when known),
    ``reason`` (its rolloutStateReason or the failure event), ``rolled_back_to`` (the revision
    the circuit breaker's rollback deployment runs, or '' when there is none), ``rollback_state``
    (that deployment's rollout state), ``primary`` (the revision the PRIMARY deployment runs) and
    ``still_running`` (other deployments' revisions with their running counts). ``revision`` is the
    caller's family:revision for a deployment no longer in the document.
    """
    verdict = dict(state="MISSING", done=True, deployment_id=deployment_id, revision=revision or "", reason="",
                   rolled_back_to="", rollback_state="", primary="", replaced_by="", still_running={})
    if not service or service.get("status") != "ACTIVE":
        verdict["reason"] = "the service is not ACTIVE"
        return verdict
    primary = primary_deployment(service) or {}
    verdict["primary"] = revision_of(primary.get("taskDefinition"))
    ours = find_deployment(service, deployment_id)
    newer = primary if primary and primary.get("id") != deployment_id else None

    verdict["still_running"] = {
        revision_of(d.get("taskDefinition")): d.get("runningCount", 0)
        for d in service.get("deployments") or [] if d.get("id") != deployment_id and d.get("runningCount", 0) > 0
    }
    if ours is not None:
        verdict["revision"] = revision_of(ours.get("taskDefinition")) or verdict["revision"]
        verdict["reason"] = ours.get("rolloutStateReason", "")
        state = _deployment_done(ours, service)
        if state == "COMPLETED":
            verdict["state"] = "COMPLETED"
        elif state == "FAILED":
            verdict["state"] = "FAILED"
            if newer is not None:
                # With rollback on, the circuit breaker starts a new PRIMARY deployment of the last
                # COMPLETED one's task definition; ours turns ACTIVE with rolloutState FAILED.
                verdict["rolled_back_to"] = verdict["primary"]
                verdict["rollback_state"] = _deployment_done(newer, service)
        elif newer is not None:
            verdict["state"] = "REPLACED"
            verdict["replaced_by"] = newer.get("id", "")
        else:
            verdict["state"], verdict["done"] = "IN_PROGRESS", False
        return verdict

    # Our deployment is gone: drained after a rollback, or replaced by a newer deployment.
    failures = _failure_events(service, deployment_id)
    if failures:
        verdict.update(state="FAILED", reason=failures[0], rolled_back_to=verdict["primary"],
                       rollback_state=_deployment_done(primary, service) if primary else "")
    else:
        verdict.update(state="REPLACED", replaced_by=primary.get("id", ""))
    return verdict


def tasks_of_deployment(tasks, deployment_id, task_definition_arn=""):
    """The summarized tasks (summarize_task) that this deployment started.

    A service's tasks carry the deployment's id in ``startedBy`` (DescribeTasks Task.startedBy);
    a task without it counts when it runs the deployment's task definition.
    """
    mine = []
    for task in tasks:
        if task.get("started_by"):
            if task["started_by"] == deployment_id:
                mine.append(task)
        elif task_definition_arn and revision_of(task.get("task_definition_arn")) == revision_of(task_definition_arn):
            mine.append(task)
    return mine


def verdict_message(verdict, service_name, stopped_lines, timeout=None):
    """One paragraph saying what happened to the deployment, why, and what to do next."""
    revision = verdict.get("revision") or "the new revision"
    stopped = " | ".join(stopped_lines) if stopped_lines else "none"
    state = verdict["state"]
    if state == "COMPLETED":
        return f"The deployment of {revision} to service {service_name} completed."
    if state == "MISSING":
        return f"The service {service_name} disappeared while its deployment was followed ({verdict.get('reason')})."
    if state == "REPLACED":
        return (
            f"The deployment {verdict['deployment_id']} of {revision} to service {service_name} was replaced by a newer"
            f" deployment{(' ' + verdict['replaced_by']) if verdict.get('replaced_by') else ''} (revision"
            f" {verdict.get('primary') or 'unknown'}) before it finished, so its outcome is unknown; another run or user"
            " changed the service: check it (make status) and rerun."
        )
    reason = f" ({verdict['reason']})" if verdict.get("reason") else ""
    if state == "FAILED":
        head = f"Revision {revision} failed to deploy to service {service_name}{reason}; "
        if verdict.get("rolled_back_to"):
            head += (f"the circuit breaker rolled the service back to revision {verdict['rolled_back_to']}"
                     f" (rollback {verdict.get('rollback_state') or 'started'}). ")
        else:
            running = ", ".join(f"{rev} still runs {count} task(s)" for rev, count in sorted(verdict.get("still_running", {}).items()))
            head += f"the service was not rolled back: {running or 'no other revision runs'}. "
    else:  # IN_PROGRESS after the timeout
        head = (f"The deployment of {revision} to service {service_name} did not finish"
                f"{(' within ' + str(timeout) + ' s') if timeout else ''} (rollout IN_PROGRESS{reason}). ")
    return (head + f"Stopped tasks: {stopped}. Fix the cause (image, health check, roles, the task's logs) and rerun,"
            " or roll back with make rollback (-e service_task_revision=<a good revision>).")
