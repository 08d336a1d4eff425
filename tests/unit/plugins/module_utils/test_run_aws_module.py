# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared end of our AWS modules' main() (_ownership.run_aws_module), through the real modules.

Each module's main() runs in this process with its arguments given as ansible-playbook gives them, against
the emulator (tests/moto_emulator.py); the result is what the module printed. No AWS call is replaced.
"""

from __future__ import annotations

import json

import pytest

from ansible.module_utils import basic

from ansible_collections.fargate.microservice.plugins.modules import application_autoscaling_target
from ansible_collections.fargate.microservice.plugins.modules import ecs_service_capacity

RESOURCE_ID = "service/hplcap/web"


@pytest.fixture
def run_main(moto_endpoint, moto_client, monkeypatch, capsys):
    moto_client("sts")  # resets the emulator

    def run(module, check=False, diff=False, **args):
        args = dict(args, endpoint_url=moto_endpoint, region="us-east-1", access_key="testing", secret_key="testing",
                    _ansible_check_mode=check, _ansible_diff=diff)
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
        monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
        with pytest.raises(SystemExit):
            module.main()
        return json.loads(capsys.readouterr().out)

    return run


def _register(moto_client):
    _service(moto_client, ["FARGATE"])  # the emulator registers targets of existing services only
    aas = moto_client("application-autoscaling")
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=RESOURCE_ID, ScalableDimension="ecs:service:DesiredCount",
                                 MinCapacity=1, MaxCapacity=4)
    aas.put_scaling_policy(PolicyName="hplcap-web-cpu", ServiceNamespace="ecs", ResourceId=RESOURCE_ID,
                           ScalableDimension="ecs:service:DesiredCount", PolicyType="TargetTrackingScaling",
                           TargetTrackingScalingPolicyConfiguration={
                               "TargetValue": 60.0,
                               "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
    return aas


@pytest.mark.parametrize("diff", [False, True])
def test_nothing_to_remove_is_no_change_and_diff_only_with_diff(run_main, diff):
    result = run_main(application_autoscaling_target, diff=diff, resource_id=RESOURCE_ID)
    assert result["changed"] is False and result["deregistered"] is False and result["deleted_policies"] == []
    assert ("diff" in result) is diff


def test_check_mode_reports_and_keeps_then_the_run_removes(run_main, moto_client):
    aas = _register(moto_client)
    check = run_main(application_autoscaling_target, check=True, diff=True, resource_id=RESOURCE_ID)
    assert check["changed"] is True and check["deleted_policies"] == ["hplcap-web-cpu"], check
    assert check["diff"]["before"] == {"scalable_target": True, "scaling_policies": ["hplcap-web-cpu"]}
    assert aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"], "check mode removed the target"
    run = run_main(application_autoscaling_target, resource_id=RESOURCE_ID)
    assert run["changed"] is True and run["deregistered"] is True and "diff" not in run
    assert aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []
    assert run_main(application_autoscaling_target, resource_id=RESOURCE_ID)["changed"] is False


def _service(moto_client, providers):
    ecs = moto_client("ecs")
    ecs.create_cluster(clusterName="hplcap", capacityProviders=providers)
    ecs.create_service(cluster="hplcap", serviceName="web", desiredCount=0)
    return ecs


def test_a_known_error_fails_with_its_own_sentence(run_main, moto_client):
    _service(moto_client, ["FARGATE"])
    result = run_main(ecs_service_capacity, cluster="hplcap", service="web",
                      capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}])
    assert result["failed"] is True
    assert result["msg"].startswith("The capacity provider strategy uses FARGATE_SPOT, which cluster hplcap does not have"), result


def test_an_aws_error_fails_naming_what_could_not_be_done(run_main):
    # ApplicationAutoScaling's ServiceNamespace enum has no "nope" (botocore's service model):
    # the emulator refuses it with a ValidationException.
    result = run_main(application_autoscaling_target, resource_id=RESOURCE_ID, service_namespace="nope")
    assert result["failed"] is True, result
    assert result["msg"].startswith(f"Could not remove the scalable target {RESOURCE_ID!r}"), result
    assert result.get("error", {}).get("code"), result


def test_the_strategy_is_applied_once(run_main, moto_client):
    _service(moto_client, ["FARGATE", "FARGATE_SPOT"])
    strategy = [{"capacity_provider": "FARGATE_SPOT", "weight": 3}, {"capacity_provider": "FARGATE", "weight": 1, "base": 1}]
    first = run_main(ecs_service_capacity, diff=True, cluster="hplcap", service="web", capacity_provider_strategy=strategy)
    assert first["changed"] is True and first["exists"] is True and "diff" in first, first
    again = run_main(ecs_service_capacity, cluster="hplcap", service="web", capacity_provider_strategy=strategy)
    assert again["changed"] is False and "diff" not in again, again
