# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the ecs_fargate_cluster logic: strategy normalisation and validation, and the
create / update / check mode / ownership / delete flows against a real moto server."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _ecs_fargate_cluster as ecsc

OWN = {"fargate.microservice/deployment": "countweb"}


def params(**over):
    base = {"name": "countweb", "state": "present", "capacity_providers": ["FARGATE_SPOT", "FARGATE"],
            "capacity_provider_strategy": [{"capacity_provider": "FARGATE", "weight": 1, "base": 0}],
            "container_insights": "disabled", "tags": dict(OWN, Name="countweb"), "purge_tags": True,
            "ownership_tags": OWN}
    base.update(over)
    return base


def test_normalize_strategy_accepts_both_spellings_and_sorts():
    assert ecsc.normalize_strategy([{"capacityProvider": "FARGATE_SPOT", "weight": 3},
                                    {"capacity_provider": "FARGATE", "weight": 1, "base": 1}]) == [
        {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
        {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 0}]
    assert ecsc.normalize_strategy(None) == []


@pytest.mark.parametrize("strategy, fragment", [
    ([{"capacity_provider": "EC2", "weight": 1}], "not in capacity_providers"),
    ([{"capacity_provider": "FARGATE", "weight": 1}, {"capacity_provider": "FARGATE", "weight": 2}], "twice"),
    ([{"capacity_provider": "FARGATE", "weight": 1001}], "between 0 and 1000"),
    ([{"capacity_provider": "FARGATE", "weight": 1, "base": 100001}], "between 0 and 100000"),
    ([{"capacity_provider": "FARGATE", "weight": 1, "base": 1},
      {"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 1}], "only one"),
    ([{"capacity_provider": "FARGATE", "weight": 0}], "at least one"),
])
def test_validate_strategy_rejects(strategy, fragment):
    assert fragment in ecsc.validate_strategy(["FARGATE", "FARGATE_SPOT"], ecsc.normalize_strategy(strategy))


def test_validate_strategy_accepts_the_defaults():
    assert ecsc.validate_strategy(["FARGATE", "FARGATE_SPOT"], ecsc.normalize_strategy(
        [{"capacity_provider": "FARGATE", "weight": 1, "base": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 3}])) is None


def test_read_cluster_tolerates_missing_keys(moto_client):
    """moto leaves out capacityProviders / defaultCapacityProviderStrategy when empty (AWS returns [])."""
    ecs = moto_client("ecs")
    ecs.create_cluster(clusterName="bare")
    bare = ecsc.read_cluster(ecs, "bare")
    assert (bare["capacity_providers"], bare["capacity_provider_strategy"]) == ([], [])
    assert ecsc.read_cluster(ecs, "missing") is None


def test_create_check_update_and_no_change(moto_client):
    ecs = moto_client("ecs")
    assert ecsc.ensure_present(ecs, params(), check_mode=True)["changed"]
    assert ecsc.read_cluster(ecs, "countweb") is None
    created = ecsc.ensure_present(ecs, params(), check_mode=False)["cluster"]
    assert created["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]
    assert created["container_insights"] == "disabled"
    assert created["tags"] == dict(OWN, Name="countweb")
    assert not ecsc.ensure_present(ecs, params(), check_mode=False)["changed"]

    wanted = params(container_insights="enabled", tags=dict(OWN, Name="countweb", team="a"),
                    capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 0},
                                                {"capacity_provider": "FARGATE", "weight": 1, "base": 1}])
    check = ecsc.ensure_present(ecs, wanted, check_mode=True)
    assert check["changed"] and check["diff"]["after"]["container_insights"] == "enabled"
    assert ecsc.read_cluster(ecs, "countweb")["container_insights"] == "disabled"
    updated = ecsc.ensure_present(ecs, wanted, check_mode=False)["cluster"]
    assert updated["container_insights"] == "enabled"
    assert updated["capacity_provider_strategy"][0] == {"capacity_provider": "FARGATE", "weight": 1, "base": 1}
    assert updated["tags"]["team"] == "a"
    assert not ecsc.ensure_present(ecs, wanted, check_mode=False)["changed"]


def test_owned_bare_cluster_gets_its_providers(moto_client):
    ecs = moto_client("ecs")
    ecs.create_cluster(clusterName="countweb", tags=[{"key": k, "value": v} for k, v in OWN.items()])
    result = ecsc.ensure_present(ecs, params(), check_mode=False)
    assert result["changed"] and result["cluster"]["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]


def test_unowned_cluster_is_refused_and_kept(moto_client):
    ecs = moto_client("ecs")
    ecs.create_cluster(clusterName="countweb")
    with pytest.raises(ecsc.UnownedResourceError, match="ECS cluster countweb"):
        ecsc.ensure_present(ecs, params(), check_mode=False)
    result = ecsc.ensure_absent(ecs, params(state="absent"), check_mode=False)
    assert not result["changed"] and result["skipped_unowned"]
    assert ecsc.read_cluster(ecs, "countweb") is not None


def test_delete_owned_cluster(moto_client):
    ecs = moto_client("ecs")
    ecsc.ensure_present(ecs, params(), check_mode=False)
    assert ecsc.ensure_absent(ecs, params(state="absent"), check_mode=True)["changed"]
    assert ecsc.read_cluster(ecs, "countweb") is not None
    assert ecsc.ensure_absent(ecs, params(state="absent"), check_mode=False)["changed"]
    assert ecsc.read_cluster(ecs, "countweb") is None
    assert not ecsc.ensure_absent(ecs, params(state="absent"), check_mode=False)["changed"]
    # A deleted (INACTIVE) cluster can be created again.
    assert ecsc.ensure_present(ecs, params(), check_mode=False)["changed"]
    assert ecsc.read_cluster(ecs, "countweb")["status"] == "ACTIVE"


# ---- CreateCluster on a fresh account: ECS cannot assume its service-linked role yet ----------
# moto never answers this, so the answers are replayed with botocore's Stubber, which checks every
# request and response against botocore's ECS model (botocore/data/ecs/2014-11-13/service-2.json:
# CreateCluster's InvalidParameterException, a JSON-protocol error). The message is the one AWS
# gives (quoted in issue 10 and in ECS's troubleshooting of CreateCluster with capacity providers).
SLR_MESSAGE = "Unable to assume the service linked role. Please verify that the ECS service linked role exists."
CLUSTER_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/countweb"


def _described_cluster():
    # DescribeClusters response shape: service-2.json "DescribeClustersResponse" / "Cluster".
    return {"clusters": [{
        "clusterArn": CLUSTER_ARN, "clusterName": "countweb", "status": "ACTIVE",
        "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
        "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}],
        "settings": [{"name": "containerInsights", "value": "disabled"}],
        "tags": [{"key": "Name", "value": "countweb"}, {"key": "fargate.microservice/deployment", "value": "countweb"}],
    }], "failures": []}


@pytest.fixture
def stubbed_ecs():
    boto3 = pytest.importorskip("boto3", reason="boto3 is not installed: run `make venv`")
    from botocore.stub import Stubber
    from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
    raw = boto3.client("ecs", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(raw) as stub:
        yield stub, RetryingBotoClientWrapper(raw, AWSRetry.jittered_backoff())
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("not_ready_answers", [1, 3])
def test_create_cluster_waits_for_the_service_linked_role(stubbed_ecs, monkeypatch, not_ready_answers):
    stub, ecs = stubbed_ecs
    slept = []
    monkeypatch.setattr(ecsc.time, "sleep", slept.append)
    stub.add_response("describe_clusters", {"clusters": [], "failures": [
        {"arn": CLUSTER_ARN, "reason": "MISSING"}]}, {"clusters": ["countweb"], "include": ["SETTINGS", "TAGS"]})
    for _attempt in range(not_ready_answers):
        stub.add_client_error("create_cluster", service_error_code="InvalidParameterException",
                              service_message=SLR_MESSAGE, http_status_code=400)
    stub.add_response("create_cluster", {"cluster": _described_cluster()["clusters"][0]})
    stub.add_response("describe_clusters", _described_cluster(), {"clusters": ["countweb"], "include": ["SETTINGS", "TAGS"]})
    result = ecsc.ensure_present(ecs, params(), check_mode=False)
    assert result["changed"] is True
    assert result["cluster"]["cluster_name"] == "countweb"
    assert len(slept) == not_ready_answers
    assert all(0 <= s <= ecsc.SLR_RETRY_MAX_DELAY for s in slept)


def test_create_cluster_gives_up_after_the_last_attempt(stubbed_ecs, monkeypatch):
    stub, ecs = stubbed_ecs
    monkeypatch.setattr(ecsc.time, "sleep", lambda s: None)
    stub.add_response("describe_clusters", {"clusters": [], "failures": []})
    for _attempt in range(ecsc.SLR_RETRY_ATTEMPTS):
        stub.add_client_error("create_cluster", service_error_code="InvalidParameterException",
                              service_message=SLR_MESSAGE, http_status_code=400)
    with pytest.raises(Exception, match="Unable to assume the service linked role"):
        ecsc.ensure_present(ecs, params(), check_mode=False)


def test_other_invalid_parameter_errors_are_not_retried(stubbed_ecs, monkeypatch):
    stub, ecs = stubbed_ecs
    slept = []
    monkeypatch.setattr(ecsc.time, "sleep", slept.append)
    stub.add_response("describe_clusters", {"clusters": [], "failures": []})
    stub.add_client_error("create_cluster", service_error_code="InvalidParameterException",
                          service_message=("The specified capacity provider strategy cannot contain a capacity provider"
                                           " that is not associated with the cluster."),
                          http_status_code=400)
    with pytest.raises(Exception, match="capacity provider strategy"):
        ecsc.ensure_present(ecs, params(), check_mode=False)
    assert slept == []
