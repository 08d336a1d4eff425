# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replayed DescribeServices / DescribeTasks responses for the rollout verdict tests.

Where the shapes come from: botocore's ECS model (botocore/data/ecs/2014-11-13/service-2.json:
DescribeServicesResponse -> Service -> Deployment, ServiceEvent; DescribeTasksResponse -> Task ->
Container) and the examples of AWS's ECS API reference (DescribeServices, DescribeTasks) and
developer guide (deployment circuit breaker, service event messages): deployment ids
"ecs-svc/<19 digits>", rolloutStateReason "ECS deployment ecs-svc/... completed." / "... in
progress." / "ECS deployment circuit breaker: tasks failed to start.", events
"(service web) (deployment ecs-svc/...) deployment failed: tasks failed to start." and
"(service web) rolling back to deployment ecs-svc/....", and a stopped task's stopCode
EssentialContainerExited with stoppedReason "Essential container in task exited".
Timestamps are datetimes, as boto3 returns them. test_deployment_verdict.py checks every
document against botocore's model, so a key or enum that AWS does not have fails the tests.

The same documents, for another cluster, service, family and revisions (``Documents(...)``), are what
tests/integration/service_draining replays to the service role through a proxy in front of the emulator
(wire form: ``wire()``, timestamps as epoch seconds, as the JSON protocol sends them); the module-level
constants are ``Documents()``'s, for the unit tests.
"""

from __future__ import annotations

import copy
import datetime

ACCOUNT = "123456789012"
REGION = "us-east-1"

GOOD = "ecs-svc/4795281064583945187"     # the last COMPLETED deployment (revision 4)
OURS = "ecs-svc/8361947201563820974"     # the deployment this run created (revision 5)
ROLLBACK = "ecs-svc/1023849576102938475"  # the circuit breaker's rollback deployment (revision 4)
NEWER = "ecs-svc/6654019283746501928"    # a deployment someone else started (revision 6)


def at(minute, second=0):
    return datetime.datetime(2026, 11, 30, 10, minute, second, tzinfo=datetime.timezone.utc)


def event(minute, message, event_id="a1b2c3d4-5678-90ab-cdef-111111111111"):
    return {"id": event_id, "createdAt": at(minute), "message": message}


class Documents:
    """The replayed documents of one service: cluster/service names, task family and revisions
    (good: the last COMPLETED one, ours: this run's, newer: someone else's)."""

    def __init__(self, cluster="hroll", service_name="web", family="hroll-web-redis-task", good=4, ours=5, newer=6,
                 region=REGION, account=ACCOUNT):
        self.cluster, self.name, self.family, self.region, self.account = cluster, service_name, family, region, account
        self.good, self.ours, self.newer = good, ours, newer
        self.cluster_arn = f"arn:aws:ecs:{region}:{account}:cluster/{cluster}"
        self.service_arn = f"arn:aws:ecs:{region}:{account}:service/{cluster}/{service_name}"
        self.network = {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
                                                "securityGroups": ["sg-0123456789abcdef0"], "assignPublicIp": "DISABLED"}}

    def td_arn(self, revision):
        return f"arn:aws:ecs:{self.region}:{self.account}:task-definition/{self.family}:{revision}"

    def deployment(self, dep_id, revision, status, rollout, reason, running=0, pending=0, failed=0, minute=0):
        return {
            "id": dep_id,
            "status": status,
            "taskDefinition": self.td_arn(revision),
            "desiredCount": 2,
            "pendingCount": pending,
            "runningCount": running,
            "failedTasks": failed,
            "createdAt": at(minute),
            "updatedAt": at(minute, 30),
            "launchType": "FARGATE",
            "platformVersion": "1.4.0",
            "platformFamily": "Linux",
            "networkConfiguration": self.network,
            "rolloutState": rollout,
            "rolloutStateReason": reason,
        }

    def service(self, deployments, events=(), revision=None, rollback=True):
        return {
            "serviceArn": self.service_arn,
            "serviceName": self.name,
            "clusterArn": self.cluster_arn,
            "loadBalancers": [{"targetGroupArn": f"arn:aws:elasticloadbalancing:{self.region}:{self.account}:targetgroup/"
                                                 f"{self.cluster}-web-tg/0123456789abcdef",
                               "containerName": "web", "containerPort": 8000}],
            "status": "ACTIVE",
            "desiredCount": 2,
            "runningCount": sum(d["runningCount"] for d in deployments),
            "pendingCount": sum(d["pendingCount"] for d in deployments),
            "launchType": "FARGATE",
            "platformVersion": "LATEST",
            "platformFamily": "Linux",
            "taskDefinition": self.td_arn(self.ours if revision is None else revision),
            "deploymentConfiguration": {
                "deploymentCircuitBreaker": {"enable": True, "rollback": rollback},
                "maximumPercent": 200,
                "minimumHealthyPercent": 100,
            },
            "deployments": deployments,
            "events": list(events),
            "createdAt": at(0),
            "networkConfiguration": self.network,
            "healthCheckGracePeriodSeconds": 60,
            "schedulingStrategy": "REPLICA",
            "deploymentController": {"type": "ECS"},
            "enableECSManagedTags": False,
            "propagateTags": "SERVICE",
            "enableExecuteCommand": False,
            "tags": [{"key": "fargate.microservice/deployment", "value": self.cluster}, {"key": "Name", "value": self.name}],
        }

    # The UpdateService (CreateService) response's service: AWS starts a new PRIMARY deployment of the new
    # revision at once, beside the old one (ACTIVE) that keeps its tasks until the new one is done.
    def changed(self, first=False):
        ours = self.deployment(OURS, self.ours, "PRIMARY", "IN_PROGRESS", f"ECS deployment {OURS} in progress.", minute=10)
        if first:
            return self.service([ours])
        return self.service([ours, self.deployment(GOOD, self.good, "ACTIVE", "COMPLETED", f"ECS deployment {GOOD} completed.",
                                                   running=2, minute=1)])

    # 1. Success: our deployment is PRIMARY and COMPLETED, the old one is gone.
    def success(self):
        return services_response(self.service(
            [self.deployment(OURS, self.ours, "PRIMARY", "COMPLETED", f"ECS deployment {OURS} completed.", running=2, minute=10)],
            [event(14, f"(service {self.name}) has reached a steady state."),
             event(13, f"(service {self.name}) (deployment {OURS}) deployment completed.")]))

    # 2. Failure with rollback, seen while the rollback runs: the circuit breaker turned ours ACTIVE
    #    with rolloutState FAILED and started a PRIMARY deployment of the last COMPLETED revision.
    def _failed_events(self):
        return [
            event(16, f"(service {self.name}) rolling back to deployment {GOOD}."),
            event(16, f"(service {self.name}) (deployment {OURS}) deployment failed: tasks failed to start."),
            event(12, f"(service {self.name}) has started 2 tasks: (task 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e) (task 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d)."),
        ]

    def failed_rolling_back(self):
        return services_response(self.service(
            [self.deployment(ROLLBACK, self.good, "PRIMARY", "IN_PROGRESS", f"ECS deployment {ROLLBACK} in progress.", running=1, pending=1, minute=16),
             self.deployment(OURS, self.ours, "ACTIVE", "FAILED", "ECS deployment circuit breaker: tasks failed to start.", failed=3, minute=10)],
            self._failed_events(), revision=self.good))

    # 2b. The same failure after the rollback finished: our deployment has been drained away; only the
    #     service's events still say that it failed.
    def failed_rolled_back(self):
        return services_response(self.service(
            [self.deployment(ROLLBACK, self.good, "PRIMARY", "COMPLETED", f"ECS deployment {ROLLBACK} completed.", running=2, minute=16)],
            [event(19, f"(service {self.name}) has reached a steady state.")] + self._failed_events(), revision=self.good))

    # 3. Failure without rollback (deploymentCircuitBreaker.rollback false): ours stays PRIMARY and
    #    FAILED; the old deployment keeps its running tasks.
    def failed_no_rollback(self):
        return services_response(self.service(
            [self.deployment(OURS, self.ours, "PRIMARY", "FAILED", "ECS deployment circuit breaker: tasks failed to start.", failed=3, minute=10),
             self.deployment(GOOD, self.good, "ACTIVE", "COMPLETED", f"ECS deployment {GOOD} completed.", running=2, minute=1)],
            [event(16, f"(service {self.name}) (deployment {OURS}) deployment failed: tasks failed to start.")], rollback=False))

    # 4. Replaced: someone else's UpdateService started a newer PRIMARY deployment while ours rolled out.
    def replaced(self):
        return services_response(self.service(
            [self.deployment(NEWER, self.newer, "PRIMARY", "IN_PROGRESS", f"ECS deployment {NEWER} in progress.", pending=2, minute=12),
             self.deployment(OURS, self.ours, "ACTIVE", "IN_PROGRESS", f"ECS deployment {OURS} in progress.", running=1, minute=10),
             self.deployment(GOOD, self.good, "ACTIVE", "COMPLETED", f"ECS deployment {GOOD} completed.", running=2, minute=1)],
            revision=self.newer))

    # 4b. Replaced, later: ours has been drained and the newer one completed; no event says ours failed.
    def replaced_gone(self):
        return services_response(self.service(
            [self.deployment(NEWER, self.newer, "PRIMARY", "COMPLETED", f"ECS deployment {NEWER} completed.", running=2, minute=12)],
            [event(15, f"(service {self.name}) has reached a steady state.")], revision=self.newer))

    # 5. Still rolling out (first: a new service's first deployment, alone).
    def in_progress(self, first=False):
        ours = self.deployment(OURS, self.ours, "PRIMARY", "IN_PROGRESS", f"ECS deployment {OURS} in progress.", running=1, pending=1, minute=10)
        if first:
            return services_response(self.service([ours]))
        return services_response(self.service(
            [ours, self.deployment(GOOD, self.good, "ACTIVE", "COMPLETED", f"ECS deployment {GOOD} completed.", running=2, minute=1)]))

    def task(self, task_id, revision, started_by, stop_code, stopped_reason, web_exit, web_reason=None, minute=11):
        registry = f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{self.cluster}"
        web = {
            "containerArn": f"arn:aws:ecs:{self.region}:{self.account}:container/{self.cluster}/{task_id}/5f2b7c1e-0000-4000-8000-00000000000{minute % 10}",
            "taskArn": f"arn:aws:ecs:{self.region}:{self.account}:task/{self.cluster}/{task_id}",
            "name": "web",
            "image": f"{registry}/web:{revision}.0.0",
            "lastStatus": "STOPPED",
            "networkBindings": [],
            "healthStatus": "UNHEALTHY",
            "cpu": "0",
        }
        if web_exit is not None:  # a container that never started has no exitCode
            web["exitCode"] = web_exit
        if web_reason:
            web["reason"] = web_reason
        redis = dict(web, name="redis", image=f"{registry}/redis:7", exitCode=0, healthStatus="HEALTHY")
        redis.pop("reason", None)
        return {
            "taskArn": f"arn:aws:ecs:{self.region}:{self.account}:task/{self.cluster}/{task_id}",
            "clusterArn": self.cluster_arn,
            "taskDefinitionArn": self.td_arn(revision),
            "lastStatus": "STOPPED",
            "desiredStatus": "STOPPED",
            "startedBy": started_by,
            "group": f"service:{self.name}",
            "launchType": "FARGATE",
            "cpu": "256",
            "memory": "512",
            "containers": [web, redis],
            "stopCode": stop_code,
            "stoppedReason": stopped_reason,
            "createdAt": at(minute),
            "stoppingAt": at(minute, 40),
            "stoppedAt": at(minute, 50),
            "availabilityZone": f"{self.region}a",
            "healthStatus": "UNHEALTHY",
            "connectivity": "CONNECTED",
            "platformVersion": "1.4.0",
            "platformFamily": "Linux",
            "version": 4,
        }

    # DescribeTasksResponse for the stopped tasks of the failed deployment (two of ours, one older).
    def stopped_tasks(self):
        return {
            "tasks": [
                self.task("0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e", self.ours, OURS, "EssentialContainerExited",
                          "Essential container in task exited", 1, minute=11),
                self.task("9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", self.ours, OURS, "TaskFailedToStart",
                          "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref "
                          f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{self.cluster}/web:{self.ours}.0.0: not found", None, minute=12),
                self.task("77aa88bb99cc00dd11ee22ff33aa44bb", self.good, GOOD, "ServiceSchedulerInitiated",
                          f"Scaling activity initiated by (deployment {GOOD})", 0, minute=2),
            ],
            "failures": [],
        }

    # ListTasksResponse (desiredStatus STOPPED) for the same tasks.
    def stopped_task_arns(self):
        return {"taskArns": [t["taskArn"] for t in self.stopped_tasks()["tasks"]]}


def services_response(svc):
    """DescribeServicesResponse: services + failures."""
    return {"services": [svc], "failures": []}


def wire(document):
    """A document as the JSON protocol sends it: timestamps as epoch seconds."""
    if isinstance(document, dict):
        return {k: wire(v) for k, v in document.items()}
    if isinstance(document, list):
        return [wire(v) for v in document]
    if isinstance(document, datetime.datetime):
        return document.timestamp()
    return document


_DEFAULT = Documents()
CLUSTER_ARN = _DEFAULT.cluster_arn
SERVICE_ARN = _DEFAULT.service_arn
td_arn = _DEFAULT.td_arn
SUCCESS = _DEFAULT.success()
FAILED_ROLLING_BACK = _DEFAULT.failed_rolling_back()
FAILED_ROLLED_BACK = _DEFAULT.failed_rolled_back()
FAILED_NO_ROLLBACK = _DEFAULT.failed_no_rollback()
REPLACED = _DEFAULT.replaced()
REPLACED_GONE = _DEFAULT.replaced_gone()
IN_PROGRESS = _DEFAULT.in_progress()
STOPPED_TASKS = _DEFAULT.stopped_tasks()


def copy_of(document):
    return copy.deepcopy(document)


def shape_errors(value, shape, path="$"):
    """Every place where ``value`` is not what botocore's ``shape`` allows (unknown keys, enums, types)."""
    errors = []
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            return [f"{path}: not a structure"]
        for key, item in value.items():
            if key not in shape.members:
                errors.append(f"{path}.{key}: not a member of {shape.name}")
            else:
                errors.extend(shape_errors(item, shape.members[key], f"{path}.{key}"))
    elif shape.type_name == "list":
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        for i, item in enumerate(value):
            errors.extend(shape_errors(item, shape.member, f"{path}[{i}]"))
    elif shape.type_name == "string":
        if not isinstance(value, str):
            errors.append(f"{path}: not a string")
        elif shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} not in {shape.name}'s enum {shape.enum}")
    elif shape.type_name in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: not an integer")
    elif shape.type_name == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{path}: not a boolean")
    elif shape.type_name == "timestamp":
        if not isinstance(value, datetime.datetime):
            errors.append(f"{path}: not a timestamp")
    return errors
