# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the Cloud Map instance logic (servicediscovery_instance / servicediscovery_instance_info), against a
real moto server (conftest.py): register, rerun with no change, a new address, exclusive deregistration, check
mode, deregistration, the ownership check, and DiscoverInstances' answer for known and unknown names. The client
is made as the modules make it against an endpoint_url: without the data-plane host prefix."""

from __future__ import annotations

import boto3
import botocore.config
import pytest

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.fargate.microservice.plugins.module_utils import _cloud_map_instance as ci
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import UnownedResourceError

OWN = {"fargate.microservice/deployment": "countweb"}
NS = "internal-countweb.local"


@pytest.fixture
def cloud_map(moto_client, moto_endpoint):
    moto_client("servicediscovery")  # resets the emulator
    raw = boto3.client("servicediscovery", region_name="us-east-1", endpoint_url=moto_endpoint,
                       aws_access_key_id="testing", aws_secret_access_key="testing",
                       config=botocore.config.Config(inject_host_prefix=False))
    client = RetryingBotoClientWrapper(raw, AWSRetry.jittered_backoff(retries=2, delay=0))
    raw.create_private_dns_namespace(Name=NS, Vpc="vpc-0123456789abcdef0")
    ns_id = [n for n in raw.list_namespaces()["Namespaces"] if n["Name"] == NS][0]["Id"]
    service = raw.create_service(Name="redis", NamespaceId=ns_id, DnsConfig={"DnsRecords": [{"Type": "A", "TTL": 10}]},
                                 HealthCheckCustomConfig={"FailureThreshold": 1},
                                 Tags=[{"Key": k, "Value": v} for k, v in OWN.items()])["Service"]
    other = raw.create_service(Name="other", NamespaceId=ns_id, DnsConfig={"DnsRecords": [{"Type": "A", "TTL": 10}]},
                               HealthCheckCustomConfig={"FailureThreshold": 1})["Service"]
    return client, raw, service, other


def params(service, **over):
    base = {"service_id": service["Arn"], "instance_id": "task1", "ipv4": "10.89.0.2", "exclusive": False,
            "state": "present", "ownership_tags": OWN, "wait_timeout": 30}
    base.update(over)
    return base


def listed(raw, service):
    return sorted((i["Id"], i["Attributes"].get("AWS_INSTANCE_IPV4")) for i in raw.list_instances(ServiceId=service["Id"])["Instances"])


@pytest.mark.parametrize("over, fragment", [
    ({"service_id": "redis"}, "service_id must be a Cloud Map service id"),
    ({"instance_id": "a b"}, "instance_id must be 1 to 64"),
    ({"instance_id": None}, "instance_id is required with state=present"),
    ({"ipv4": "10.1.2"}, "ipv4 must be an IPv4 address"),
    ({"ipv4": "300.1.2.3"}, "ipv4 must be an IPv4 address"),
    ({"wait_timeout": 0}, "wait_timeout must be 1 to 3600"),
])
def test_bad_input_is_named(over, fragment):
    base = {"service_id": "srv-abc", "instance_id": "t1", "ipv4": "10.0.0.1", "state": "present", "wait_timeout": 30}
    base.update(over)
    errors = ci.instance_input_errors(base)
    assert any(fragment in e for e in errors), errors


def test_absent_needs_no_address():
    assert ci.instance_input_errors({"service_id": "srv-abc", "instance_id": None, "ipv4": None, "state": "absent",
                                     "wait_timeout": 30}) == []


@pytest.mark.parametrize("value, expected", [
    ("arn:aws:servicediscovery:us-east-1:123456789012:service/srv-e4anhexample0004", "srv-e4anhexample0004"),
    ("srv-e4anhexample0004", "srv-e4anhexample0004"),
    ("", ""),
])
def test_service_id_of(value, expected):
    assert ci.service_id_of(value) == expected


def test_register_rerun_move_and_exclusive(cloud_map):
    client, raw, service, _other = cloud_map
    check = ci.instance_present(client, params(service), check_mode=True)
    assert check["changed"] and listed(raw, service) == []
    first = ci.instance_present(client, params(service), check_mode=False)
    assert first["changed"] and listed(raw, service) == [("task1", "10.89.0.2")]
    assert raw.get_instance(ServiceId=service["Id"], InstanceId="task1")["Instance"]["Attributes"]["AWS_INIT_HEALTH_STATUS"] == "HEALTHY"
    again = ci.instance_present(client, params(service), check_mode=False)
    assert not again["changed"], again
    moved = ci.instance_present(client, params(service, ipv4="10.89.0.3"), check_mode=False)
    assert moved["changed"] and listed(raw, service) == [("task1", "10.89.0.3")]
    # a second task, registered alone (not exclusive), then the first one's replacement, exclusive
    ci.instance_present(client, params(service, instance_id="task2", ipv4="10.89.0.4"), check_mode=False)
    assert listed(raw, service) == [("task1", "10.89.0.3"), ("task2", "10.89.0.4")]
    new = ci.instance_present(client, params(service, instance_id="task3", ipv4="10.89.0.5", exclusive=True), check_mode=False)
    assert new["changed"] and new["deregistered"] == ["task1", "task2"], new
    assert listed(raw, service) == [("task3", "10.89.0.5")]
    assert new["diff"]["after"]["instances"][0]["id"] == "task3"


def test_deregister_one_or_all(cloud_map):
    client, raw, service, _other = cloud_map
    for n in (1, 2, 3):
        ci.instance_present(client, params(service, instance_id="t%d" % n, ipv4="10.89.0.%d" % (n + 1)), check_mode=False)
    check = ci.instance_absent(client, params(service, instance_id="t1", state="absent"), check_mode=True)
    assert check["changed"] and check["deregistered"] == ["t1"] and len(listed(raw, service)) == 3
    one = ci.instance_absent(client, params(service, instance_id="t1", state="absent"), check_mode=False)
    assert one["deregistered"] == ["t1"] and [i for i, _unused in listed(raw, service)] == ["t2", "t3"]
    gone = ci.instance_absent(client, params(service, instance_id="t1", state="absent"), check_mode=False)
    assert not gone["changed"]
    rest = ci.instance_absent(client, params(service, instance_id=None, state="absent"), check_mode=False)
    assert rest["deregistered"] == ["t2", "t3"] and listed(raw, service) == []


def test_missing_service(cloud_map):
    client, _raw, _service, _other = cloud_map
    missing = {"Arn": "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-0000000000000000"}
    assert not ci.instance_absent(client, params(missing, state="absent"), check_mode=False)["changed"]
    with pytest.raises(UnownedResourceError, match="does not exist; create it first"):
        ci.instance_present(client, params(missing), check_mode=False)


def test_unowned_service_is_left_alone(cloud_map):
    client, raw, _service, other = cloud_map
    with pytest.raises(UnownedResourceError):
        ci.instance_present(client, params(other), check_mode=False)
    with pytest.raises(UnownedResourceError):
        ci.instance_absent(client, params(other, state="absent"), check_mode=False)
    assert listed(raw, other) == []


def test_discover_known_and_unknown_names(cloud_map):
    client, _raw, service, _other = cloud_map
    empty = ci.discover(client, {"namespace": NS, "service": "redis", "health_status": "HEALTHY_OR_ELSE_ALL"})
    assert empty["found"] and empty["addresses"] == []
    ci.instance_present(client, params(service), check_mode=False)
    known = ci.discover(client, {"namespace": NS, "service": "redis", "health_status": "HEALTHY_OR_ELSE_ALL"})
    assert known["found"] and known["addresses"] == ["10.89.0.2"] and known["instances"][0]["id"] == "task1", known
    for namespace, name in ((NS, "memcached"), ("internal-nobody.local", "redis")):
        unknown = ci.discover(client, {"namespace": namespace, "service": name, "health_status": "HEALTHY_OR_ELSE_ALL"})
        assert unknown == {"changed": False, "found": False, "instances": [], "addresses": []}


@pytest.mark.parametrize("over, fragment", [
    ({"namespace": "bad name"}, "namespace must be a DNS name"),
    ({"service": "redis.x"}, "service must be one DNS label"),
])
def test_discover_bad_input(over, fragment):
    base = dict({"namespace": NS, "service": "redis"}, **over)
    assert any(fragment in e for e in ci.discover_input_errors(base))
