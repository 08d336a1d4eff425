# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Integration test of the ecs_cluster role against the emulator (real moto server, no mocks).

Run: .venv/bin/python -m pytest -v tests/integration/ecs_cluster   (IT_EMULATOR_PORT, default 5199)
The tests share the emulator's state and run in file order.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

CONVERGE = "tests/integration/ecs_cluster/converge.yml"
D = "itecs"
EXTRA = json.dumps({"microservice_tags": {"team": "web"}})
POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


@pytest.fixture(scope="module", autouse=True)
def emulator():
    itlib.start_emulator()
    itlib.reset_emulator()
    yield
    itlib.reset_emulator()
    itlib.stop_emulator()


def cluster(name):
    found = itlib.client("ecs").describe_clusters(clusters=[name], include=["SETTINGS", "TAGS"])["clusters"]
    found = [c for c in found if c["status"] == "ACTIVE"]
    return found[0] if found else None


def log_group(name):
    groups = itlib.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    groups = [g for g in groups if g["logGroupName"] == name]
    return groups[0] if groups else None


def role(name):
    iam = itlib.client("iam")
    try:
        return iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None


def nothing_exists(d):
    return cluster(d) is None and log_group(f"/ecs/{d}") is None and role(f"{d}-ecs-task-execution") is None


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"ecs_cluster_log_retention_days": -1}, "ecs_cluster_log_retention_days must be one of"),
        ({"ecs_cluster_log_retention_days": 1096}, "ecs_cluster_log_retention_days must be one of"),
        ({"ecs_cluster_capacity_provider_strategy": [{"capacity_provider": "EC2", "weight": 1}]},
         "ecs_cluster_capacity_provider_strategy: the capacity provider strategy uses EC2, which is not one of"),
        ({"ecs_cluster_capacity_provider_strategy": [{"capacity_provider": "FARGATE", "weight": 1, "base": 1},
                                                     {"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 2}]},
         "ecs_cluster_capacity_provider_strategy: only one capacity provider in the strategy may have a base greater than 0"),
        ({"ecs_cluster_capacity_provider_strategy": [{"capacity_provider": "FARGATE", "weight": 0}]},
         "ecs_cluster_capacity_provider_strategy: at least one capacity provider in the strategy needs a weight greater than 0"),
        ({"ecs_cluster_container_insights": "maybe"}, "ecs_cluster_container_insights"),
        ({"microservice_deployment": ""}, "microservice_deployment '' is invalid; use 1 to 20 characters"),
    ],
)
def test_bad_input_fails_before_any_aws_call(extra, message):
    extra.setdefault("microservice_deployment", D)
    run = itlib.playbook(CONVERGE, "-e", json.dumps(extra))
    assert run.rc != 0, run
    assert message in run.out, run
    assert nothing_exists(D)


def test_check_mode_on_empty_stack_changes_nothing():
    run = itlib.playbook(CONVERGE, "--check", "--diff", "-e", EXTRA, microservice_deployment=D)
    assert run.rc == 0 and run.changed >= 1, run
    assert nothing_exists(D)


PROPAGATE = "TASK [fargate.microservice.ecs_cluster : Give IAM time to propagate the new task execution role]"


def test_deploy_then_rerun_is_idempotent():
    # The pause that lets IAM propagate a just-created execution role (issue 10, point 2; 10 s on the aws target,
    # 0 on the local one): taken after the role is created, not on a rerun that finds it.
    run = itlib.playbook(CONVERGE, "-e", EXTRA, "-e", "ecs_cluster_execution_role_propagation_delay=1",
                         microservice_deployment=D)
    assert run.rc == 0 and run.changed == 3, run
    assert PROPAGATE in run.out and "Pausing for 1 seconds" in run.out, run
    owned = {"Name": D, itlib.OWNER_KEY: D, "team": "web"}

    c = cluster(D)
    assert sorted(c["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    assert c["defaultCapacityProviderStrategy"] == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert {s["name"]: s["value"] for s in c["settings"]} == {"containerInsights": "disabled"}
    assert {t["key"]: t["value"] for t in c["tags"]} == owned

    g = log_group(f"/ecs/{D}")
    assert g["retentionInDays"] == 30
    assert itlib.client("logs").list_tags_log_group(logGroupName=f"/ecs/{D}")["tags"] == dict(owned, Name=f"/ecs/{D}")

    r = role(f"{D}-ecs-task-execution")
    trust = r["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert trust["Statement"][0]["Action"] == "sts:AssumeRole"
    attached = itlib.client("iam").list_attached_role_policies(RoleName=f"{D}-ecs-task-execution")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [POLICY]
    assert {t["Key"]: t["Value"] for t in r["Tags"]} == dict(owned, Name=f"{D}-ecs-task-execution")
    assert itlib.client("iam").list_instance_profiles_for_role(RoleName=f"{D}-ecs-task-execution")["InstanceProfiles"] == []

    again = itlib.playbook(CONVERGE, "-e", EXTRA, "-e", "ecs_cluster_execution_role_propagation_delay=1",
                           microservice_deployment=D)
    assert again.rc == 0 and again.changed == 0, again
    assert PROPAGATE not in again.out, again
    check = itlib.playbook(CONVERGE, "--check", "--diff", "-e", EXTRA, microservice_deployment=D)
    assert check.rc == 0 and check.changed == 0, check


def test_settings_change_is_shown_in_check_mode_then_applied():
    new = json.dumps({
        "microservice_tags": {"team": "web"},
        "ecs_cluster_container_insights": "enabled",
        "ecs_cluster_log_retention_days": 14,
        "ecs_cluster_capacity_provider_strategy": [
            {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
            {"capacity_provider": "FARGATE_SPOT", "weight": 3},
        ],
    })
    check = itlib.playbook(CONVERGE, "--check", "--diff", "-e", new, microservice_deployment=D)
    assert check.rc == 0 and check.changed == 2, check
    assert "+    container_insights: enabled" in check.out, check
    assert "Would change the retention of /ecs/itecs from 30 to 14 days" in check.out, check
    # --check wrote nothing (cloudwatchlogs_log_group alone would have written the retention).
    assert {s["name"]: s["value"] for s in cluster(D)["settings"]} == {"containerInsights": "disabled"}
    assert log_group(f"/ecs/{D}")["retentionInDays"] == 30
    run = itlib.playbook(CONVERGE, "-e", new, microservice_deployment=D)
    assert run.rc == 0 and run.changed == 2, run
    c = cluster(D)
    assert {s["name"]: s["value"] for s in c["settings"]} == {"containerInsights": "enabled"}
    assert sorted(c["defaultCapacityProviderStrategy"], key=lambda i: i["capacityProvider"]) == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0},
    ]
    assert log_group(f"/ecs/{D}")["retentionInDays"] == 14
    again = itlib.playbook(CONVERGE, "-e", new, microservice_deployment=D)
    assert again.rc == 0 and again.changed == 0, again
    back = itlib.playbook(CONVERGE, "-e", EXTRA, microservice_deployment=D)
    assert back.rc == 0 and back.changed == 2, back


def test_owned_cluster_without_capacity_providers_converges():
    """The moto quirk: a cluster created without providers has no capacityProviders key at all."""
    itlib.client("ecs").create_cluster(clusterName="itbare", tags=[{"key": itlib.OWNER_KEY, "value": "itbare"}])
    assert "capacityProviders" not in cluster("itbare")
    run = itlib.playbook(CONVERGE, microservice_deployment="itbare")
    assert run.rc == 0 and run.changed == 3, run
    assert sorted(cluster("itbare")["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    again = itlib.playbook(CONVERGE, microservice_deployment="itbare")
    assert again.rc == 0 and again.changed == 0, again
    gone = itlib.playbook(CONVERGE, microservice_deployment="itbare", ecs_cluster_state="absent")
    assert gone.rc == 0 and nothing_exists("itbare"), gone


def test_resources_of_someone_else_are_never_touched():
    itlib.client("ecs").create_cluster(clusterName="decoy")
    itlib.client("logs").create_log_group(logGroupName="/ecs/decoy")
    itlib.client("iam").create_role(RoleName="decoy-ecs-task-execution", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))
    run = itlib.playbook(CONVERGE, microservice_deployment="decoy")
    assert run.rc != 0, run
    assert "without the ownership tag" in run.out, run
    gone = itlib.playbook(CONVERGE, microservice_deployment="decoy", ecs_cluster_state="absent")
    assert gone.rc == 0 and gone.changed == 0, gone
    assert "Left the ECS cluster decoy alone" in gone.out, gone
    c = cluster("decoy")
    assert c is not None and not c.get("tags") and "capacityProviders" not in c
    assert log_group("/ecs/decoy") is not None
    assert itlib.client("logs").list_tags_log_group(logGroupName="/ecs/decoy")["tags"] == {}
    assert role("decoy-ecs-task-execution") is not None


def test_teardown_removes_only_ours_and_is_idempotent():
    check = itlib.playbook(CONVERGE, "--check", "--diff", microservice_deployment=D, ecs_cluster_state="absent")
    assert check.rc == 0 and check.changed == 3, check
    assert cluster(D) is not None and log_group(f"/ecs/{D}") is not None and role(f"{D}-ecs-task-execution") is not None
    run = itlib.playbook(CONVERGE, microservice_deployment=D, ecs_cluster_state="absent")
    assert run.rc == 0 and run.changed == 3, run
    assert nothing_exists(D)
    assert cluster("decoy") is not None and role("decoy-ecs-task-execution") is not None
    again = itlib.playbook(CONVERGE, microservice_deployment=D, ecs_cluster_state="absent")
    assert again.rc == 0 and again.changed == 0, again
