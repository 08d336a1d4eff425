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
"""

from __future__ import annotations

import copy
import datetime

ACCOUNT = "123456789012"
REGION = "us-east-1"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/hroll"
SERVICE_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/hroll/web"


def td_arn(revision):
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/hroll-web-redis-task:{revision}"


def at(minute, second=0):
    return datetime.datetime(2026, 11, 30, 10, minute, second, tzinfo=datetime.timezone.utc)


GOOD = "ecs-svc/4795281064583945187"     # the last COMPLETED deployment (revision 4)
OURS = "ecs-svc/8361947201563820974"     # the deployment this run created (revision 5)
ROLLBACK = "ecs-svc/1023849576102938475"  # the circuit breaker's rollback deployment (revision 4)
NEWER = "ecs-svc/6654019283746501928"    # a deployment someone else started (revision 6)

NETWORK = {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
                                   "securityGroups": ["sg-0123456789abcdef0"], "assignPublicIp": "DISABLED"}}


def deployment(dep_id, revision, status, rollout, reason, running=0, pending=0, failed=0, minute=0):
    return {
        "id": dep_id,
        "status": status,
        "taskDefinition": td_arn(revision),
        "desiredCount": 2,
        "pendingCount": pending,
        "runningCount": running,
        "failedTasks": failed,
        "createdAt": at(minute),
        "updatedAt": at(minute, 30),
        "launchType": "FARGATE",
        "platformVersion": "1.4.0",
        "platformFamily": "Linux",
        "networkConfiguration": NETWORK,
        "rolloutState": rollout,
        "rolloutStateReason": reason,
    }


def event(minute, message, event_id="a1b2c3d4-5678-90ab-cdef-111111111111"):
    return {"id": event_id, "createdAt": at(minute), "message": message}


def service(deployments, events=(), revision=5):
    return {
        "serviceArn": SERVICE_ARN,
        "serviceName": "web",
        "clusterArn": CLUSTER_ARN,
        "loadBalancers": [{"targetGroupArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/hroll-web-tg/0123456789abcdef",
                           "containerName": "web", "containerPort": 8000}],
        "status": "ACTIVE",
        "desiredCount": 2,
        "runningCount": sum(d["runningCount"] for d in deployments),
        "pendingCount": sum(d["pendingCount"] for d in deployments),
        "launchType": "FARGATE",
        "platformVersion": "LATEST",
        "platformFamily": "Linux",
        "taskDefinition": td_arn(revision),
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        },
        "deployments": deployments,
        "events": list(events),
        "createdAt": at(0),
        "networkConfiguration": NETWORK,
        "healthCheckGracePeriodSeconds": 60,
        "schedulingStrategy": "REPLICA",
        "deploymentController": {"type": "ECS"},
        "enableECSManagedTags": False,
        "propagateTags": "SERVICE",
        "enableExecuteCommand": False,
        "tags": [{"key": "fargate.microservice/deployment", "value": "hroll"}, {"key": "Name", "value": "web"}],
    }


def services_response(svc):
    """DescribeServicesResponse: services + failures."""
    return {"services": [svc], "failures": []}


# 1. Success: our deployment is PRIMARY and COMPLETED, the old one is gone.
SUCCESS = services_response(service(
    [deployment(OURS, 5, "PRIMARY", "COMPLETED", f"ECS deployment {OURS} completed.", running=2, minute=10)],
    [event(14, "(service web) has reached a steady state."),
     event(13, f"(service web) (deployment {OURS}) deployment completed.")]))

# 2. Failure with rollback, seen while the rollback runs: the circuit breaker turned ours ACTIVE
#    with rolloutState FAILED and started a PRIMARY deployment of the last COMPLETED revision.
_FAILED_EVENTS = [
    event(16, f"(service web) rolling back to deployment {GOOD}."),
    event(16, f"(service web) (deployment {OURS}) deployment failed: tasks failed to start."),
    event(12, "(service web) has started 2 tasks: (task 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e) (task 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d)."),
]
FAILED_ROLLING_BACK = services_response(service(
    [deployment(ROLLBACK, 4, "PRIMARY", "IN_PROGRESS", f"ECS deployment {ROLLBACK} in progress.", running=1, pending=1, minute=16),
     deployment(OURS, 5, "ACTIVE", "FAILED", "ECS deployment circuit breaker: tasks failed to start.", failed=3, minute=10)],
    _FAILED_EVENTS, revision=4))

# 2b. The same failure after the rollback finished: our deployment has been drained away; only the
#     service's events still say that it failed.
FAILED_ROLLED_BACK = services_response(service(
    [deployment(ROLLBACK, 4, "PRIMARY", "COMPLETED", f"ECS deployment {ROLLBACK} completed.", running=2, minute=16)],
    [event(19, "(service web) has reached a steady state.")] + _FAILED_EVENTS, revision=4))

# 3. Failure without rollback (deploymentCircuitBreaker.rollback false): ours stays PRIMARY and
#    FAILED; the old deployment keeps its running tasks.
_no_rollback = service(
    [deployment(OURS, 5, "PRIMARY", "FAILED", "ECS deployment circuit breaker: tasks failed to start.", failed=3, minute=10),
     deployment(GOOD, 4, "ACTIVE", "COMPLETED", f"ECS deployment {GOOD} completed.", running=2, minute=1)],
    [event(16, f"(service web) (deployment {OURS}) deployment failed: tasks failed to start.")])
_no_rollback["deploymentConfiguration"]["deploymentCircuitBreaker"]["rollback"] = False
FAILED_NO_ROLLBACK = services_response(_no_rollback)

# 4. Replaced: someone else's UpdateService started a newer PRIMARY deployment while ours rolled out.
REPLACED = services_response(service(
    [deployment(NEWER, 6, "PRIMARY", "IN_PROGRESS", f"ECS deployment {NEWER} in progress.", pending=2, minute=12),
     deployment(OURS, 5, "ACTIVE", "IN_PROGRESS", f"ECS deployment {OURS} in progress.", running=1, minute=10),
     deployment(GOOD, 4, "ACTIVE", "COMPLETED", f"ECS deployment {GOOD} completed.", running=2, minute=1)],
    revision=6))

# 4b. Replaced, later: ours has been drained and the newer one completed; no event says ours failed.
REPLACED_GONE = services_response(service(
    [deployment(NEWER, 6, "PRIMARY", "COMPLETED", f"ECS deployment {NEWER} completed.", running=2, minute=12)],
    [event(15, "(service web) has reached a steady state.")], revision=6))

# 5. Still rolling out.
IN_PROGRESS = services_response(service(
    [deployment(OURS, 5, "PRIMARY", "IN_PROGRESS", f"ECS deployment {OURS} in progress.", running=1, pending=1, minute=10),
     deployment(GOOD, 4, "ACTIVE", "COMPLETED", f"ECS deployment {GOOD} completed.", running=2, minute=1)]))


def task(task_id, revision, started_by, stop_code, stopped_reason, web_exit, web_reason=None, minute=11):
    web = {
        "containerArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:container/hroll/{task_id}/5f2b7c1e-0000-4000-8000-00000000000{minute % 10}",
        "taskArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/hroll/{task_id}",
        "name": "web",
        "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/hroll/web:{revision}.0.0",
        "lastStatus": "STOPPED",
        "networkBindings": [],
        "healthStatus": "UNHEALTHY",
        "cpu": "0",
    }
    if web_exit is not None:  # a container that never started has no exitCode
        web["exitCode"] = web_exit
    if web_reason:
        web["reason"] = web_reason
    redis = dict(web, name="redis", image=f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/hroll/redis:7", exitCode=0,
                 healthStatus="HEALTHY")
    redis.pop("reason", None)
    return {
        "taskArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/hroll/{task_id}",
        "clusterArn": CLUSTER_ARN,
        "taskDefinitionArn": td_arn(revision),
        "lastStatus": "STOPPED",
        "desiredStatus": "STOPPED",
        "startedBy": started_by,
        "group": "service:web",
        "launchType": "FARGATE",
        "cpu": "256",
        "memory": "512",
        "containers": [web, redis],
        "stopCode": stop_code,
        "stoppedReason": stopped_reason,
        "createdAt": at(minute),
        "stoppingAt": at(minute, 40),
        "stoppedAt": at(minute, 50),
        "availabilityZone": "us-east-1a",
        "healthStatus": "UNHEALTHY",
        "connectivity": "CONNECTED",
        "platformVersion": "1.4.0",
        "platformFamily": "Linux",
        "version": 4,
    }


# DescribeTasksResponse for the stopped tasks of the failed deployment (two of ours, one older).
STOPPED_TASKS = {
    "tasks": [
        task("0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e", 5, OURS, "EssentialContainerExited",
             "Essential container in task exited", 1, minute=11),
        task("9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", 5, OURS, "TaskFailedToStart",
             "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref "
             f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/hroll/web:5.0.0: not found", None, minute=12),
        task("77aa88bb99cc00dd11ee22ff33aa44bb", 4, GOOD, "ServiceSchedulerInitiated",
             "Scaling activity initiated by (deployment ecs-svc/4795281064583945187)", 0, minute=2),
    ],
    "failures": [],
}


def copy_of(document):
    return copy.deepcopy(document)
