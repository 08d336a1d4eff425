# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rollout verdict on the deployment a run created, fed with replayed AWS responses.

The documents (ecs_rollout_documents.py) are checked against botocore's ECS model first, so they
cannot drift from what DescribeServices and DescribeTasks return.
"""

from __future__ import annotations

import importlib.util
import os

import botocore.session
import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _service_status as ss

_spec = importlib.util.spec_from_file_location(
    "ecs_rollout_documents", os.path.join(os.path.dirname(__file__), "ecs_rollout_documents.py"))
docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs)

MODEL = botocore.session.get_session().get_service_model("ecs")


shape_errors = docs.shape_errors


SERVICE_DOCUMENTS = {
    "SUCCESS": docs.SUCCESS,
    "FAILED_ROLLING_BACK": docs.FAILED_ROLLING_BACK,
    "FAILED_ROLLED_BACK": docs.FAILED_ROLLED_BACK,
    "FAILED_NO_ROLLBACK": docs.FAILED_NO_ROLLBACK,
    "REPLACED": docs.REPLACED,
    "REPLACED_GONE": docs.REPLACED_GONE,
    "IN_PROGRESS": docs.IN_PROGRESS,
}


@pytest.mark.parametrize("name", sorted(SERVICE_DOCUMENTS))
def test_replayed_describe_services_matches_botocore(name):
    output = MODEL.operation_model("DescribeServices").output_shape
    assert shape_errors(SERVICE_DOCUMENTS[name], output) == []


def test_replayed_describe_tasks_matches_botocore():
    output = MODEL.operation_model("DescribeTasks").output_shape
    assert shape_errors(docs.STOPPED_TASKS, output) == []


def test_shape_checker_catches_a_wrong_key_and_enum():
    bad = docs.copy_of(docs.SUCCESS)
    bad["services"][0]["deployments"][0]["rolloutState"] = "SUCCEEDED"
    bad["services"][0]["deployments"][0]["deploymentId"] = "x"
    errors = shape_errors(bad, MODEL.operation_model("DescribeServices").output_shape)
    assert len(errors) == 2


def svc(document):
    return document["services"][0]


@pytest.mark.parametrize("name, state, done, revision, rolled_back_to, rollback_state, reason", [
    ("SUCCESS", "COMPLETED", True, "hroll-web-redis-task:5", "", "", f"ECS deployment {docs.OURS} completed."),
    ("IN_PROGRESS", "IN_PROGRESS", False, "hroll-web-redis-task:5", "", "", f"ECS deployment {docs.OURS} in progress."),
    ("FAILED_ROLLING_BACK", "FAILED", True, "hroll-web-redis-task:5", "hroll-web-redis-task:4", "IN_PROGRESS",
     "ECS deployment circuit breaker: tasks failed to start."),
    ("FAILED_ROLLED_BACK", "FAILED", True, "", "hroll-web-redis-task:4", "COMPLETED",
     f"(service web) (deployment {docs.OURS}) deployment failed: tasks failed to start."),
    ("FAILED_NO_ROLLBACK", "FAILED", True, "hroll-web-redis-task:5", "", "",
     "ECS deployment circuit breaker: tasks failed to start."),
    ("REPLACED", "REPLACED", True, "hroll-web-redis-task:5", "", "", f"ECS deployment {docs.OURS} in progress."),
    ("REPLACED_GONE", "REPLACED", True, "", "", "", ""),
])
def test_verdict_follows_our_deployment(name, state, done, revision, rolled_back_to, rollback_state, reason):
    verdict = ss.deployment_verdict(svc(SERVICE_DOCUMENTS[name]), docs.OURS)
    assert (verdict["state"], verdict["done"], verdict["revision"], verdict["rolled_back_to"],
            verdict["rollback_state"], verdict["reason"]) == (state, done, revision, rolled_back_to, rollback_state, reason)


def test_replaced_names_the_newer_deployment():
    verdict = ss.deployment_verdict(svc(docs.REPLACED), docs.OURS)
    assert verdict["replaced_by"] == docs.NEWER
    assert verdict["primary"] == "hroll-web-redis-task:6"


def test_a_completed_primary_that_is_not_ours_is_no_success():
    # The old rollout_state() looked at whatever is PRIMARY: here COMPLETED, yet ours never finished.
    assert ss.rollout_state(svc(docs.REPLACED_GONE)) == "COMPLETED"
    assert ss.deployment_verdict(svc(docs.REPLACED_GONE), docs.OURS)["state"] == "REPLACED"
    assert ss.rollout_state(svc(docs.FAILED_ROLLED_BACK)) == "COMPLETED"
    assert ss.deployment_verdict(svc(docs.FAILED_ROLLED_BACK), docs.OURS)["state"] == "FAILED"


@pytest.mark.parametrize("service_doc", [None, {}, dict(svc(docs.SUCCESS), status="DRAINING")])
def test_verdict_without_an_active_service(service_doc):
    verdict = ss.deployment_verdict(service_doc, docs.OURS)
    assert (verdict["state"], verdict["done"]) == ("MISSING", True)


def test_deployment_without_rollout_state():
    # No circuit breaker (older API): done when it is PRIMARY, alone and at its desired count.
    doc = docs.copy_of(docs.SUCCESS)
    dep = svc(doc)["deployments"][0]
    del dep["rolloutState"], dep["rolloutStateReason"]
    assert ss.deployment_verdict(svc(doc), docs.OURS)["state"] == "COMPLETED"
    dep["runningCount"] = 1
    assert ss.deployment_verdict(svc(doc), docs.OURS)["state"] == "IN_PROGRESS"


def stopped_lines_of(deployment_id, deployment):
    tasks = [ss.summarize_task(t) for t in docs.STOPPED_TASKS["tasks"]]
    return ss.stopped_task_lines(ss.tasks_of_deployment(tasks, deployment_id, (deployment or {}).get("taskDefinition", "")))


def test_only_our_deployments_stopped_tasks_count():
    lines = stopped_lines_of(docs.OURS, ss.find_deployment(svc(docs.FAILED_ROLLING_BACK), docs.OURS))
    assert lines == [
        "task 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e: Essential container in task exited [web: exit 1; redis: exit 0]",
        "task 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d: CannotPullContainerError: pull image manifest has been retried 1"
        " time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/hroll/web:5.0.0: not found"
        " [redis: exit 0]",
    ]


def test_tasks_without_started_by_count_by_task_definition():
    tasks = [dict(ss.summarize_task(t), started_by=None) for t in docs.STOPPED_TASKS["tasks"]]
    mine = ss.tasks_of_deployment(tasks, docs.OURS, docs.td_arn(5))
    assert len(mine) == 2


@pytest.mark.parametrize("name, expected", [
    ("FAILED_ROLLING_BACK", [
        "Revision hroll-web-redis-task:5 failed to deploy to service web (ECS deployment circuit breaker: tasks failed"
        " to start.); the circuit breaker rolled the service back to revision hroll-web-redis-task:4 (rollback"
        " IN_PROGRESS).",
        "Stopped tasks: task 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e: Essential container in task exited",
        "CannotPullContainerError",
    ]),
    ("FAILED_NO_ROLLBACK", [
        "Revision hroll-web-redis-task:5 failed to deploy to service web (ECS deployment circuit breaker: tasks failed"
        " to start.); the service was not rolled back:",
        "hroll-web-redis-task:4 still runs 2 task(s)",
        "Stopped tasks: task 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
    ]),
    ("REPLACED", [
        f"The deployment {docs.OURS} of hroll-web-redis-task:5 to service web was replaced by a newer deployment"
        f" {docs.NEWER} (revision hroll-web-redis-task:6) before it finished",
    ]),
    ("IN_PROGRESS", ["did not finish (rollout IN_PROGRESS", "Stopped tasks: task 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"]),
    ("SUCCESS", ["The deployment of hroll-web-redis-task:5 to service web completed."]),
])
def test_verdict_message(name, expected):
    service = svc(SERVICE_DOCUMENTS[name])
    verdict = ss.deployment_verdict(service, docs.OURS)
    message = ss.verdict_message(verdict, "web", stopped_lines_of(docs.OURS, ss.find_deployment(service, docs.OURS)))
    for part in expected:
        assert part in message


def test_message_after_the_rollback_names_the_revision_that_failed():
    # Our deployment is gone from the document; the role passes the revision it deployed.
    service = svc(docs.FAILED_ROLLED_BACK)
    verdict = ss.deployment_verdict(service, docs.OURS, revision="hroll-web-redis-task:5")
    message = ss.verdict_message(verdict, "web", [])
    assert message.startswith("Revision hroll-web-redis-task:5 failed to deploy to service web ((service web)"
                              f" (deployment {docs.OURS}) deployment failed: tasks failed to start.); the circuit"
                              " breaker rolled the service back to revision hroll-web-redis-task:4 (rollback COMPLETED).")


def test_replayed_update_service_and_list_tasks_match_botocore():
    # What tests/integration/service_draining replays: the UpdateService/CreateService answer, ListTasks, and the
    # documents of another service (its names and revisions), all in the shapes checked above.
    other = docs.Documents(cluster="hawdrain", family="hawdrain-web-redis-task", good=1, ours=2, newer=3)
    for operation, document in [("UpdateService", {"service": other.changed()}), ("CreateService", {"service": other.changed(first=True)}),
                                ("ListTasks", other.stopped_task_arns()), ("DescribeTasks", other.stopped_tasks()),
                                ("DescribeServices", other.failed_rolled_back()), ("DescribeServices", other.replaced())]:
        assert shape_errors(document, MODEL.operation_model(operation).output_shape) == [], operation
