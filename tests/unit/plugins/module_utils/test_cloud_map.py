# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the Cloud Map logic (servicediscovery_namespace / servicediscovery_service).

Two kinds:
- flows against a real moto server (see conftest.py): create, rerun with no change, check mode,
  retag, TTL change, delete, and a same-named resource without the ownership tags;
- replayed AWS answers for what moto does not do: moto finishes every operation at once and
  deletes a namespace that still has services. botocore's Stubber checks every replayed request
  and response against botocore's servicediscovery service model (service-2.json), and the
  documents follow the model and AWS's examples in botocore's examples-1.json (GetOperation,
  ListNamespaces, ListServices, ListInstances, DeregisterInstance, DeleteNamespace).
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.fargate.microservice.plugins.module_utils import _cloud_map as cm

OWN = {"fargate.microservice/deployment": "countweb"}
TAGS = dict(OWN, Name="internal-countweb.local")


def retrying(client):
    """What AnsibleAWSModule.client(..., retry_decorator=...) returns: calls take aws_retry=True."""
    return RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff(retries=2, delay=0))


def ns_params(**over):
    base = {"name": "internal-countweb.local", "state": "present", "vpc_id": None, "description": None, "tags": TAGS,
            "purge_tags": True, "ownership_tags": OWN, "wait_timeout": 30}
    base.update(over)
    return base


def svc_params(namespace_id, **over):
    base = {"name": "redis", "namespace_id": namespace_id, "state": "present", "dns_ttl": 10,
            "tags": dict(OWN, Name="countweb-redis"), "purge_tags": True, "ownership_tags": OWN, "wait_timeout": 30}
    base.update(over)
    return base


@pytest.fixture
def aws(moto_client):
    ec2 = moto_client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    return retrying(moto_client("servicediscovery")), vpc, other_vpc


# --- input checks -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, over, fragment", [
    ("namespace", {"name": "bad name"}, "name must be a DNS name"),
    ("namespace", {"name": "-x.local"}, "name must be a DNS name"),
    ("namespace", {"vpc_id": "vpc_1"}, "vpc_id must be a VPC id"),
    ("namespace", {"wait_timeout": 0}, "wait_timeout must be 1 to 3600"),
    ("service", {"name": "redis.x"}, "name must be one DNS label"),
    ("service", {"namespace_id": "internal.local"}, "namespace_id must be a Cloud Map namespace id"),
    ("service", {"dns_ttl": -1}, "dns_ttl must be 0 to 2147483647"),
])
def test_input_errors_name_the_option(kind, over, fragment):
    over = dict(over)
    params = ns_params(**over) if kind == "namespace" else svc_params(over.pop("namespace_id", "ns-abc"), **over)
    errors = cm.input_errors(kind, params)
    assert len(errors) == 1 and errors[0].startswith(fragment)


@pytest.mark.parametrize("kind, params", [
    ("namespace", ns_params(vpc_id="vpc-0123456789abcdef0")),
    ("namespace", ns_params(name="internal-countweb-1.local")),
    ("service", svc_params("ns-e4anhexample0004")),
])
def test_good_input(kind, params):
    assert cm.input_errors(kind, params) == []


# --- flows against the emulator ---------------------------------------------------------------

def test_namespace_lifecycle(aws):
    client, vpc, _other = aws
    params = ns_params(vpc_id=vpc)
    created = cm.namespace_present(client, params, check_mode=False)
    assert created["changed"] and created["namespace"]["id"].startswith("ns-")
    assert created["namespace"]["tags"] == TAGS and created["namespace"]["hosted_zone_id"]
    again = cm.namespace_present(client, params, check_mode=False)
    assert not again["changed"] and again["namespace"]["id"] == created["namespace"]["id"]
    assert not cm.namespace_present(client, params, check_mode=True)["changed"]

    retag = ns_params(vpc_id=vpc, tags=dict(TAGS, team="web"))
    checked = cm.namespace_present(client, retag, check_mode=True)
    assert checked["changed"] and checked["diff"]["after"]["tags"]["team"] == "web"
    assert "team" not in cm.find_namespaces(client, params["name"])[0][1]
    assert cm.namespace_present(client, retag, check_mode=False)["changed"]
    assert cm.find_namespaces(client, params["name"])[0][1]["team"] == "web"

    assert cm.namespace_absent(client, params, check_mode=True)["changed"]
    assert len(cm.find_namespaces(client, params["name"])) == 1
    assert cm.namespace_absent(client, params, check_mode=False)["changed"]
    assert cm.find_namespaces(client, params["name"]) == []
    assert not cm.namespace_absent(client, params, check_mode=False)["changed"]


def test_check_mode_creates_nothing(aws):
    client, vpc, _other = aws
    result = cm.namespace_present(client, ns_params(vpc_id=vpc), check_mode=True)
    assert result["changed"] and result["diff"]["before"] == {}
    assert cm.find_namespaces(client, "internal-countweb.local") == []


def test_unowned_namespace_is_neither_adopted_nor_deleted(aws):
    client, vpc, other_vpc = aws
    decoy = cm.namespace_present(client, ns_params(vpc_id=other_vpc, tags={"Name": "theirs"}, ownership_tags={}), False)
    decoy_id = decoy["namespace"]["id"]
    absent = cm.namespace_absent(client, ns_params(), check_mode=False)
    assert absent == {"changed": False, "skipped_unowned": True, "diff": {"before": {}, "after": {}}}
    ours = cm.namespace_present(client, ns_params(vpc_id=vpc), check_mode=False)
    assert ours["changed"] and ours["namespace"]["id"] != decoy_id
    assert cm.namespace_absent(client, ns_params(), check_mode=False)["changed"]
    assert [ns["Id"] for ns, _tags in cm.find_namespaces(client, "internal-countweb.local")] == [decoy_id]


def test_service_lifecycle(aws):
    client, vpc, _other = aws
    namespace_id = cm.namespace_present(client, ns_params(vpc_id=vpc), False)["namespace"]["id"]
    params = svc_params(namespace_id)
    created = cm.service_present(client, params, check_mode=False)
    service = created["service"]
    assert created["changed"] and service["dns_records"] == [{"type": "A", "ttl": 10}]
    assert service["custom_health_check"] and service["routing_policy"] == "MULTIVALUE" and service["arn"]
    assert not cm.service_present(client, params, check_mode=False)["changed"]
    assert not cm.service_present(client, params, check_mode=True)["changed"]

    ttl = cm.service_present(client, svc_params(namespace_id, dns_ttl=30), check_mode=False)
    assert ttl["changed"] and ttl["diff"]["before"]["dns_records"] == [{"type": "A", "ttl": 10}]
    assert cm.find_services(client, namespace_id, "redis")[0][0]["DnsConfig"]["DnsRecords"][0]["TTL"] == 30

    # What a stopped task or an interrupted run leaves registered is deregistered before the delete.
    client.register_instance(ServiceId=service["id"], InstanceId="task-1", Attributes={"AWS_INSTANCE_IPV4": "10.1.1.5"})
    checked = cm.service_absent(client, params, check_mode=True)
    assert checked["changed"] and checked["deregistered"] == ["task-1"]
    assert len(cm.find_services(client, namespace_id, "redis")) == 1
    removed = cm.service_absent(client, params, check_mode=False)
    assert removed["deregistered"] == ["task-1"]
    assert cm.find_services(client, namespace_id, "redis") == []
    assert not cm.service_absent(client, params, check_mode=False)["changed"]


def test_unowned_service_is_refused_and_spared(aws):
    client, vpc, _other = aws
    namespace_id = cm.namespace_present(client, ns_params(vpc_id=vpc), False)["namespace"]["id"]
    cm.service_present(client, svc_params(namespace_id, tags={"Name": "theirs"}, ownership_tags={}), False)
    with pytest.raises(cm.UnownedResourceError, match="does not carry the ownership tag"):
        cm.service_present(client, svc_params(namespace_id), check_mode=False)
    assert cm.service_absent(client, svc_params(namespace_id), check_mode=False)["skipped_unowned"]
    assert len(cm.find_services(client, namespace_id, "redis")) == 1


def test_info_finds_the_owned_namespace_its_services_and_their_instances(aws):
    client, vpc, _other = aws
    params = {"name": "internal-countweb.local", "ownership_tags": OWN}
    assert cm.info(client, params) == {"changed": False, "exists": False, "owned": False, "namespace": {}, "services": []}
    namespace_id = cm.namespace_present(client, ns_params(vpc_id=vpc), False)["namespace"]["id"]
    service = cm.service_present(client, svc_params(namespace_id), False)["service"]
    client.register_instance(ServiceId=service["id"], InstanceId="task-1", Attributes={"AWS_INSTANCE_IPV4": "10.1.1.5"})
    found = cm.info(client, params)
    assert found["exists"] and found["owned"] and found["namespace"]["id"] == namespace_id
    assert [(s["name"], s["arn"], s["owned"], s["instance_count"]) for s in found["services"]] == [
        ("redis", service["arn"], True, 1)]
    # Someone else's deployment: the same namespace is found but is not ours.
    other = cm.info(client, {"name": "internal-countweb.local", "ownership_tags": {"fargate.microservice/deployment": "x"}})
    assert other["exists"] and not other["owned"] and not other["services"][0]["owned"]


# --- replayed AWS answers ---------------------------------------------------------------------

NS_ID = "ns-ylexjili4cdxy3xm"
NS_ARN = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/" + NS_ID
SRV_ID = "srv-p5zdwlg5uvvzjita"
SRV_ARN = "arn:aws:servicediscovery:us-east-1:123456789012:service/" + SRV_ID
OWN_TAGS = [{"Key": "fargate.microservice/deployment", "Value": "countweb"}]


def operation(status, op_type="CREATE_NAMESPACE", **extra):
    # Shape: GetOperation's output in examples-1.json (Id, Status, Type, Targets, dates).
    document = {"Id": "gv4g5meo7ndmeh4fqskygvk23d2fijwa-k9302yzd", "Status": status, "Type": op_type,
                "CreateDate": 1587055860.121, "UpdateDate": 1587055900.469, "Targets": {"NAMESPACE": NS_ID}}
    document.update(extra)
    return {"Operation": document}


@pytest.fixture
def stubbed():
    client = boto3.client("servicediscovery", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield retrying(client), stubber
        stubber.assert_no_pending_responses()


def add_list_namespace(stubber, tags=None):
    stubber.add_response("list_namespaces", {"Namespaces": [{
        "Arn": NS_ARN, "CreateDate": 1585354387.357, "Id": NS_ID, "Name": "internal-countweb.local",
        "Properties": {"DnsProperties": {"HostedZoneId": "Z06752353VBUDTC32S84S"}, "HttpProperties": {}},
        "Type": "DNS_PRIVATE"}]}, {"Filters": [
            {"Name": "NAME", "Values": ["internal-countweb.local"], "Condition": "EQ"},
            {"Name": "TYPE", "Values": ["DNS_PRIVATE"], "Condition": "EQ"}]})
    stubber.add_response("list_tags_for_resource", {"Tags": OWN_TAGS if tags is None else tags}, {"ResourceARN": NS_ARN})


def test_wait_follows_the_operation_until_success(stubbed):
    client, stubber = stubbed
    op_id = "gv4g5meo7ndmeh4fqskygvk23d2fijwa-k9302yzd"
    for status in ("SUBMITTED", "PENDING", "SUCCESS"):
        stubber.add_response("get_operation", operation(status), {"OperationId": op_id})
    slept = []
    done = cm.wait_for_operation(client, op_id, timeout=60, delay=2, sleep=slept.append, clock=lambda: 0)
    assert done["Status"] == "SUCCESS" and slept == [2, 2]


def test_wait_fails_with_aws_message(stubbed):
    client, stubber = stubbed
    stubber.add_response("get_operation", operation("FAIL", ErrorCode="CANNOT_CREATE_HOSTED_ZONE",
                                                    ErrorMessage="The VPC has DNS hostnames disabled."))
    with pytest.raises(cm.OperationFailed, match="CANNOT_CREATE_HOSTED_ZONE: The VPC has DNS hostnames disabled"):
        cm.wait_for_operation(client, "op", timeout=60, sleep=lambda s: None, clock=lambda: 0)


def test_wait_gives_up_after_the_timeout(stubbed):
    client, stubber = stubbed
    stubber.add_response("get_operation", operation("PENDING"))
    stubber.add_response("get_operation", operation("PENDING"))
    ticks = iter([0, 10, 61])
    with pytest.raises(cm.OperationFailed, match="still PENDING after 60 s"):
        cm.wait_for_operation(client, "op", timeout=60, sleep=lambda s: None, clock=lambda: next(ticks))


def test_namespace_with_services_is_not_deleted(stubbed):
    # AWS answers DeleteNamespace with ResourceInUse while services remain; moto deletes it. Our side:
    # list the services first and send no DeleteNamespace while there are any.
    client, stubber = stubbed
    add_list_namespace(stubber)
    stubber.add_response("list_services", {"Services": [{"Id": SRV_ID, "Arn": SRV_ARN, "Name": "redis"}]},
                         {"Filters": [{"Name": "NAMESPACE_ID", "Values": [NS_ID], "Condition": "EQ"}]})
    with pytest.raises(cm.OperationFailed, match="still has the service\\(s\\) redis; delete them first"):
        cm.namespace_absent(client, ns_params(), check_mode=False)


def test_namespace_delete_waits_for_its_operation(stubbed, monkeypatch):
    client, stubber = stubbed
    monkeypatch.setattr(cm.time, "sleep", lambda seconds: None)
    add_list_namespace(stubber)
    stubber.add_response("list_services", {"Services": []})
    stubber.add_response("delete_namespace", {"OperationId": "op-delete"}, {"Id": NS_ID})
    stubber.add_response("get_operation", operation("PENDING", "DELETE_NAMESPACE"), {"OperationId": "op-delete"})
    stubber.add_response("get_operation", operation("SUCCESS", "DELETE_NAMESPACE"), {"OperationId": "op-delete"})
    assert cm.namespace_absent(client, ns_params(), check_mode=False)["changed"]


def test_interrupted_create_is_adopted(stubbed):
    # A rerun whose namespace was created by an interrupted run that did not list yet: AWS answers
    # NamespaceAlreadyExists with the namespace's id (a member of the error shape in service-2.json).
    client, stubber = stubbed
    stubber.add_response("list_namespaces", {"Namespaces": []})
    stubber.add_client_error("create_private_dns_namespace", service_error_code="NamespaceAlreadyExists",
                             service_message="Namespace already exists", http_status_code=400,
                             response_meta={}, modeled_fields={"NamespaceId": NS_ID, "CreatorRequestId": "earlier"})
    namespace = {"Id": NS_ID, "Arn": NS_ARN, "Name": "internal-countweb.local", "Type": "DNS_PRIVATE",
                 "Properties": {"DnsProperties": {"HostedZoneId": "Z06752353VBUDTC32S84S"}, "HttpProperties": {}}}
    stubber.add_response("get_namespace", {"Namespace": namespace}, {"Id": NS_ID})
    stubber.add_response("list_tags_for_resource", {"Tags": OWN_TAGS}, {"ResourceARN": NS_ARN})
    stubber.add_response("get_namespace", {"Namespace": namespace}, {"Id": NS_ID})
    stubber.add_response("list_tags_for_resource", {"Tags": OWN_TAGS}, {"ResourceARN": NS_ARN})
    result = cm.namespace_present(client, ns_params(vpc_id="vpc-0123456789abcdef0"), check_mode=False)
    assert result["changed"] and result["namespace"]["id"] == NS_ID


def test_service_delete_deregisters_and_waits_first(stubbed):
    client, stubber = stubbed
    stubber.add_response("list_services", {"Services": [{"Id": SRV_ID, "Arn": SRV_ARN, "Name": "redis"}]})
    stubber.add_response("get_service", {"Service": {
        "Id": SRV_ID, "Arn": SRV_ARN, "Name": "redis", "NamespaceId": NS_ID,
        "DnsConfig": {"RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": "A", "TTL": 10}]},
        "HealthCheckCustomConfig": {"FailureThreshold": 1}}}, {"Id": SRV_ID})
    stubber.add_response("list_tags_for_resource", {"Tags": OWN_TAGS}, {"ResourceARN": SRV_ARN})
    stubber.add_response("list_instances", {"Instances": [
        {"Attributes": {"AWS_INSTANCE_IPV4": "172.2.1.3"}, "Id": "i-06bdabbae60f65a4e"}]}, {"ServiceId": SRV_ID})
    stubber.add_response("deregister_instance", {"OperationId": "op-dereg"},
                         {"ServiceId": SRV_ID, "InstanceId": "i-06bdabbae60f65a4e"})
    stubber.add_response("get_operation", operation("SUCCESS", "DEREGISTER_INSTANCE"), {"OperationId": "op-dereg"})
    stubber.add_response("delete_service", {}, {"Id": SRV_ID})
    result = cm.service_absent(client, svc_params(NS_ID), check_mode=False)
    assert result["deregistered"] == ["i-06bdabbae60f65a4e"]
