# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""iam_service_linked_role: found by path, created when missing, "already exists" is success.

Against a real moto server, plus AWS's own answer to a duplicate (which moto words differently),
replayed with botocore's Stubber: it checks each request and response against botocore's IAM model
(botocore/data/iam/2010-05-08/service-2.json: CreateServiceLinkedRole's InvalidInputException,
code InvalidInput). The message is AWS's, as the IAM API reference and its users quote it.
"""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _service_linked_role as slr

SERVICES = ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"]


@pytest.mark.parametrize("service", SERVICES)
def test_created_once_then_found(moto_client, service):
    iam = moto_client("iam")
    assert slr.ensure_present(iam, {"aws_service_name": service}, check_mode=True) == {
        "changed": True, "created": True, "role": None}
    assert slr.find_role(iam, service) is None  # check mode created nothing
    first = slr.ensure_present(iam, {"aws_service_name": service}, check_mode=False)
    assert first["changed"] is True and first["role"]["path"] == f"/aws-service-role/{service}/"
    again = slr.ensure_present(iam, {"aws_service_name": service}, check_mode=False)
    assert again == {"changed": False, "created": False, "role": first["role"]}


def test_found_by_path_whatever_its_name(moto_client):
    iam = moto_client("iam")
    # moto names it AWSServiceRoleForecs, AWS AWSServiceRoleForECS: only the path counts.
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    # A role under a longer path that merely starts with the same prefix is not the service's.
    iam.create_role(RoleName="decoy", Path="/aws-service-role/ecs.amazonaws.com/extra/",
                    AssumeRolePolicyDocument="{}")
    role = slr.find_role(iam, "ecs.amazonaws.com")
    assert role["path"] == "/aws-service-role/ecs.amazonaws.com/" and role["role_name"] != "decoy"
    assert slr.find_role(iam, "elasticloadbalancing.amazonaws.com") is None


def test_emulator_duplicate_counts_as_success(moto_client):
    iam = moto_client("iam")
    calls = []

    def not_yet_seen(client, service):  # the first lookup misses a role created meanwhile
        calls.append(service)
        return None if len(calls) == 1 else slr.find_role(client, service)

    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    result = slr.ensure_present(iam, {"aws_service_name": "ecs.amazonaws.com"}, check_mode=False, find=not_yet_seen)
    assert result["changed"] is False and result["role"]["path"] == "/aws-service-role/ecs.amazonaws.com/"


AWS_TAKEN = "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix."
ROLE = {  # ListRoles "Role" shape (service-2.json "Role": Path, RoleName, RoleId, Arn, CreateDate required)
    "Path": "/aws-service-role/ecs.amazonaws.com/", "RoleName": "AWSServiceRoleForECS",
    "RoleId": "AROAEXAMPLEEXAMPLE01", "Arn": "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
    "CreateDate": "2026-01-01T00:00:00Z",
}


@pytest.fixture
def stubbed_iam():
    boto3 = pytest.importorskip("boto3", reason="boto3 is not installed: run `make venv`")
    from botocore.stub import Stubber
    from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
    raw = boto3.client("iam", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(raw) as stub:
        yield stub, RetryingBotoClientWrapper(raw, AWSRetry.jittered_backoff())
        stub.assert_no_pending_responses()


def test_aws_has_been_taken_counts_as_success(stubbed_iam):
    stub, iam = stubbed_iam
    prefix = {"PathPrefix": "/aws-service-role/ecs.amazonaws.com/"}
    stub.add_response("list_roles", {"Roles": [], "IsTruncated": False}, prefix)
    stub.add_client_error("create_service_linked_role", service_error_code="InvalidInput",
                          service_message=AWS_TAKEN, http_status_code=400,
                          expected_params={"AWSServiceName": "ecs.amazonaws.com"})
    stub.add_response("list_roles", {"Roles": [ROLE], "IsTruncated": False}, prefix)
    result = slr.ensure_present(iam, {"aws_service_name": "ecs.amazonaws.com"}, check_mode=False)
    assert result == {"changed": False, "created": False, "role": {
        "role_name": "AWSServiceRoleForECS", "arn": ROLE["Arn"], "path": ROLE["Path"], "role_id": ROLE["RoleId"]}}


def test_list_roles_is_paginated(stubbed_iam):
    stub, iam = stubbed_iam
    prefix = "/aws-service-role/ecs.amazonaws.com/"
    other = dict(ROLE, Path=prefix + "deeper/", RoleName="other", RoleId="AROAEXAMPLEEXAMPLE02")
    stub.add_response("list_roles", {"Roles": [other], "IsTruncated": True, "Marker": "m1"}, {"PathPrefix": prefix})
    stub.add_response("list_roles", {"Roles": [ROLE], "IsTruncated": False}, {"PathPrefix": prefix, "Marker": "m1"})
    assert slr.find_role(iam, "ecs.amazonaws.com")["role_name"] == "AWSServiceRoleForECS"


@pytest.mark.parametrize("code,message", [
    ("AccessDenied", "User: arn:aws:iam::123456789012:user/x is not authorized to perform: iam:CreateServiceLinkedRole"),
    ("InvalidInput", "Invalid service name: nope.amazonaws.com"),
])
def test_other_errors_are_raised(stubbed_iam, code, message):
    stub, iam = stubbed_iam
    stub.add_response("list_roles", {"Roles": [], "IsTruncated": False})
    stub.add_client_error("create_service_linked_role", service_error_code=code, service_message=message,
                          http_status_code=400 if code == "InvalidInput" else 403)
    with pytest.raises(Exception, match=message.split(":")[0]):
        slr.ensure_present(iam, {"aws_service_name": "ecs.amazonaws.com"}, check_mode=False)
