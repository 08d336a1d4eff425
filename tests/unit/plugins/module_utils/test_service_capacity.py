# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Capacity provider strategy of an existing ECS service, DRAINING services, and the removal of a scalable
target, fed with replayed AWS responses where the emulator cannot reproduce AWS.

What moto 5.x cannot reproduce: it drops ``capacityProviderStrategy`` on CreateService (and reports
launchType EC2), and a deleted service goes INACTIVE at once (never DRAINING). So the answers are replayed
with botocore's Stubber, which checks every request's parameters and every response against botocore's
models (botocore/data/ecs/2014-11-13/service-2.json: DescribeClustersResponse, DescribeServicesResponse ->
Service, UpdateServiceResponse; botocore/data/application-autoscaling/2016-02-06/service-2.json:
DescribeScalableTargetsResponse, DescribeScalingPoliciesResponse). The service documents are those of
ecs_rollout_documents.py (shapes and values from botocore's model and AWS's DescribeServices examples),
changed only where AWS differs for a service on a capacity provider strategy (``capacityProviderStrategy``
instead of ``launchType``) or being deleted (``status: DRAINING``).
"""

from __future__ import annotations

import copy
import datetime
import importlib.util
import os

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _autoscaling_target as ast
from ansible_collections.fargate.microservice.plugins.module_utils import _service_capacity as cap
from ansible_collections.fargate.microservice.plugins.module_utils import _service_status as ss

_spec = importlib.util.spec_from_file_location(
    "ecs_rollout_documents", os.path.join(os.path.dirname(__file__), "ecs_rollout_documents.py"))
docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs)

SPOT = [{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}]
MIXED = [{"capacity_provider": "FARGATE", "weight": 0, "base": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 0}]


def on_launch_type():
    """A service created with launchType FARGATE (today's default), as DescribeServices returns it."""
    return copy.deepcopy(docs.SUCCESS["services"][0])


def on_strategy(strategy):
    """A service created with a capacity provider strategy: AWS returns it, and no launchType."""
    svc = on_launch_type()
    svc.pop("launchType")
    svc["capacityProviderStrategy"] = cap.strategy_to_api(cap.normalize_strategy(strategy))
    for dep in svc["deployments"]:
        dep.pop("launchType")
        dep["capacityProviderStrategy"] = svc["capacityProviderStrategy"]
    return svc


def cluster(providers=("FARGATE", "FARGATE_SPOT")):
    return {"clusters": [{"clusterArn": docs.CLUSTER_ARN, "clusterName": "hroll", "status": "ACTIVE",
                          "capacityProviders": list(providers),
                          "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]}],
            "failures": []}


@pytest.fixture
def stubbed():
    boto3 = pytest.importorskip("boto3", reason="boto3 is not installed: run `make venv`")
    from botocore.stub import Stubber
    from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper

    stubs = []

    def make(service):
        raw = boto3.client(service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        stub = Stubber(raw)
        stub.activate()
        stubs.append(stub)
        return stub, RetryingBotoClientWrapper(raw, AWSRetry.jittered_backoff())

    yield make
    for stub in stubs:
        stub.assert_no_pending_responses()
        stub.deactivate()


def expect_describe(stub, svc, providers=("FARGATE", "FARGATE_SPOT")):
    stub.add_response("describe_clusters", cluster(providers), {"clusters": ["hroll"]})
    stub.add_response("describe_services", {"services": [svc], "failures": []}, {"cluster": "hroll", "services": ["web"]})


@pytest.mark.parametrize("before, wanted, sent", [
    # launch type -> FARGATE_SPOT: AWS's "update the launch type to a capacity provider", with a forced deployment.
    (on_launch_type(), SPOT, [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]),
    # one strategy -> another.
    (on_strategy(SPOT), MIXED, [{"capacityProvider": "FARGATE", "weight": 0, "base": 1},
                                {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0}]),
    # strategy -> back to the launch type: AWS's documented empty list.
    (on_strategy(SPOT), [], []),
], ids=["launch-type-to-spot", "spot-to-mixed", "spot-back-to-launch-type"])
def test_a_change_of_capacity_is_one_update_with_a_forced_deployment(stubbed, before, wanted, sent):
    stub, ecs = stubbed("ecs")
    expect_describe(stub, before)
    after = copy.deepcopy(before)
    after["deployments"][0]["id"] = docs.NEWER
    stub.add_response("update_service", {"service": after},
                      {"cluster": docs.CLUSTER_ARN, "service": "web", "capacityProviderStrategy": sent,
                       "forceNewDeployment": True})
    result = cap.ensure(ecs, "hroll", "web", wanted, check_mode=False)
    assert result["changed"] is True
    # The deployment to follow is the forced one, from UpdateService's answer.
    assert ss.primary_deployment(result["service"])["id"] == docs.NEWER
    assert result["diff"]["after"] == {"capacity_provider_strategy": cap.normalize_strategy(wanted)}


@pytest.mark.parametrize("before, wanted", [
    (on_launch_type(), []),
    # A service created with the strategy reports it (AWS; moto drops it): no update on the rerun.
    (on_strategy(SPOT), SPOT),
    # Order and AWS's defaults (weight/base 0 when left out) do not matter.
    (on_strategy(list(reversed(MIXED))), MIXED),
], ids=["launch-type", "spot", "mixed-any-order"])
def test_the_same_capacity_changes_nothing(stubbed, before, wanted):
    stub, ecs = stubbed("ecs")
    expect_describe(stub, before)
    result = cap.ensure(ecs, "hroll", "web", wanted, check_mode=False)
    assert result["changed"] is False


def test_check_mode_reports_the_change_without_updating(stubbed):
    stub, ecs = stubbed("ecs")
    expect_describe(stub, on_launch_type())
    result = cap.ensure(ecs, "hroll", "web", SPOT, check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["before"] == {"capacity_provider_strategy": []}


def test_a_missing_service_is_left_to_create_once_its_strategy_is_checked(stubbed):
    stub, ecs = stubbed("ecs")
    stub.add_response("describe_clusters", cluster(), {"clusters": ["hroll"]})
    stub.add_response("describe_services", {"services": [], "failures": [{"arn": docs.SERVICE_ARN, "reason": "MISSING"}]},
                      {"cluster": "hroll", "services": ["web"]})
    assert cap.ensure(ecs, "hroll", "web", SPOT, check_mode=False) == {
        "changed": False, "exists": False, "service": {}, "diff": {"before": {}, "after": {}}}
    stub.add_response("describe_clusters", cluster(("FARGATE",)), {"clusters": ["hroll"]})
    stub.add_response("describe_services", {"services": [], "failures": [{"arn": docs.SERVICE_ARN, "reason": "MISSING"}]},
                      {"cluster": "hroll", "services": ["web"]})
    with pytest.raises(cap.CapacityError, match="FARGATE_SPOT"):
        cap.ensure(ecs, "hroll", "web", SPOT, check_mode=False)


@pytest.mark.parametrize("providers, wanted, fragment", [
    (("FARGATE",), SPOT, r"uses FARGATE_SPOT, which cluster hroll does not have \(it has FARGATE\)"),
    (("FARGATE", "FARGATE_SPOT"), [{"capacity_provider": "FARGATE_SPOT", "weight": 0, "base": 0}], "weight greater than 0"),
    (("FARGATE", "FARGATE_SPOT"), [{"capacity_provider": "FARGATE", "weight": 1, "base": 1},
                                   {"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 2}], "only one"),
])
def test_a_strategy_the_cluster_cannot_run_fails_before_any_change(stubbed, providers, wanted, fragment):
    stub, ecs = stubbed("ecs")
    expect_describe(stub, on_launch_type(), providers)
    with pytest.raises(cap.CapacityError, match=fragment):
        cap.ensure(ecs, "hroll", "web", wanted, check_mode=False)


def test_replayed_documents_match_botocore():
    import botocore.session
    model = botocore.session.get_session().get_service_model("ecs")
    spec = importlib.util.spec_from_file_location(
        "test_deployment_verdict", os.path.join(os.path.dirname(__file__), "test_deployment_verdict.py"))
    verdict = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(verdict)
    out = model.operation_model("DescribeServices").output_shape
    for doc in (on_strategy(MIXED), draining()):
        assert verdict.shape_errors({"services": [doc], "failures": []}, out) == []


# ---- A service found DRAINING (an interrupted teardown) ------------------------------------------
def draining():
    """A service right after DeleteService: DRAINING, desired count 0, its tasks stopping."""
    svc = on_launch_type()
    svc.update(status="DRAINING", desiredCount=0)
    svc["deployments"][0].update(desiredCount=0)
    return svc


@pytest.mark.parametrize("services, status", [
    ([on_launch_type()], "ACTIVE"),
    ([draining()], "DRAINING"),
    ([dict(draining(), status="INACTIVE")], "INACTIVE"),
    ([], "MISSING"),
])
def test_service_status(services, status):
    assert ss.service_status(services) == status


def test_describe_services_of_a_draining_service_is_waited_for(stubbed):
    """The describe answers the service role polls (ecs_service_status_info's status) until INACTIVE."""
    stub, ecs = stubbed("ecs")
    for doc in (draining(), draining(), dict(draining(), status="INACTIVE")):
        stub.add_response("describe_services", {"services": [doc], "failures": []},
                          {"cluster": "hroll", "services": ["web"], "include": ["TAGS"]})
    seen = []
    while not seen or seen[-1] == "DRAINING":
        answer = ecs.describe_services(aws_retry=True, cluster="hroll", services=["web"], include=["TAGS"])
        seen.append(ss.service_status(answer["services"]))
    assert seen == ["DRAINING", "DRAINING", "INACTIVE"]


# ---- The scalable target and its policies ------------------------------------------------------
RESOURCE = "service/hroll/web"
QUERY = {"ServiceNamespace": "ecs", "ScalableDimension": "ecs:service:DesiredCount"}


def scalable_target():
    # DescribeScalableTargetsResponse -> ScalableTarget (botocore's application-autoscaling model).
    return {"ServiceNamespace": "ecs", "ResourceId": RESOURCE, "ScalableDimension": "ecs:service:DesiredCount",
            "MinCapacity": 2, "MaxCapacity": 4,
            "RoleARN": "arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
                       "AWSServiceRoleForApplicationAutoScaling_ECSService",
            "CreationTime": datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.timezone.utc)}


def scaling_policy(name):
    return {"PolicyARN": f"arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d:"
                         f"resource/ecs/{RESOURCE}:policyName/{name}",
            "PolicyName": name, "ServiceNamespace": "ecs", "ResourceId": RESOURCE,
            "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 60.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}},
            "Alarms": [{"AlarmName": f"TargetTracking-{RESOURCE}-AlarmHigh-0a1b",
                        "AlarmARN": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:TargetTracking-AlarmHigh-0a1b"}],
            "CreationTime": datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.timezone.utc)}


def expect_find(stub, targets, policies):
    stub.add_response("describe_scalable_targets", {"ScalableTargets": targets}, dict(QUERY, ResourceIds=[RESOURCE]))
    # Without a target its policies are not asked for (botocore's application-autoscaling model, PutScalingPolicy: "You
    # cannot create a scaling policy until you have registered the resource as a scalable target";
    # DeregisterScalableTarget: "Deregistering a scalable target deletes the scaling policies"). The Stubber fails
    # the test on a call it was not told to expect.
    if targets:
        stub.add_response("describe_scaling_policies", {"ScalingPolicies": policies}, dict(QUERY, ResourceId=RESOURCE))


PARAMS = {"service_namespace": "ecs", "resource_id": RESOURCE, "scalable_dimension": "ecs:service:DesiredCount"}


@pytest.mark.parametrize("targets, policies, deleted, deregistered", [
    ([scalable_target()], [scaling_policy("hroll-web-cpu")], ["hroll-web-cpu"], True),
    # Interrupted after the policies were deleted: only the target is left. (A policy cannot be left without its
    # target: ensure_absent deletes the policies first, and AWS deletes them with the target.)
    ([scalable_target()], [], [], True),
], ids=["target-and-policy", "target-only"])
def test_removal_deletes_the_policies_then_the_target(stubbed, targets, policies, deleted, deregistered):
    stub, aas = stubbed("application-autoscaling")
    expect_find(stub, targets, policies)
    for name in deleted:
        stub.add_response("delete_scaling_policy", {}, dict(QUERY, PolicyName=name, ResourceId=RESOURCE))
    if deregistered:
        stub.add_response("deregister_scalable_target", {}, dict(QUERY, ResourceId=RESOURCE))
    result = ast.ensure_absent(aas, PARAMS, check_mode=False)
    assert (result["changed"], result["deleted_policies"], result["deregistered"]) == (True, deleted, deregistered)


def test_removal_of_nothing_changes_nothing(stubbed):
    stub, aas = stubbed("application-autoscaling")
    expect_find(stub, [], [])
    assert ast.ensure_absent(aas, PARAMS, check_mode=False)["changed"] is False


def test_removal_in_check_mode_only_reads(stubbed):
    stub, aas = stubbed("application-autoscaling")
    expect_find(stub, [scalable_target()], [scaling_policy("hroll-web-cpu")])
    result = ast.ensure_absent(aas, PARAMS, check_mode=True)
    assert result["changed"] is True and result["diff"]["before"]["scalable_target"] is True


def test_a_policy_already_gone_counts_as_removed(stubbed):
    stub, aas = stubbed("application-autoscaling")
    expect_find(stub, [scalable_target()], [scaling_policy("hroll-web-cpu")])
    stub.add_client_error("delete_scaling_policy", service_error_code="ObjectNotFoundException",
                          service_message="No scaling policy found for service namespace: ecs", http_status_code=400,
                          expected_params=dict(QUERY, PolicyName="hroll-web-cpu", ResourceId=RESOURCE))
    stub.add_response("deregister_scalable_target", {}, dict(QUERY, ResourceId=RESOURCE))
    assert ast.ensure_absent(aas, PARAMS, check_mode=False)["deregistered"] is True


@pytest.mark.parametrize("cluster_ref, service_ref", [
    ("hroll", "web"),
    (docs.CLUSTER_ARN, docs.SERVICE_ARN),
])
def test_scaling_resource_id(cluster_ref, service_ref):
    assert ss.scaling_resource_id(cluster_ref, service_ref) == RESOURCE
