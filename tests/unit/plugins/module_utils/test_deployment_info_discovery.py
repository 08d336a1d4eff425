# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""deployment_info's service_discovery sections (issue 12) against a real moto server (conftest.py): the Cloud Map
namespace, its service redis with the instances registered in it, the group D-redis, the Redis task family, the ECS
service redis and its tasks. A whole topology, an empty and a partial one, in either topology; same-named decoys
without the ownership tag; another deployment's; each section's calls, counted on the clients (botocore's
before-call event)."""

from __future__ import annotations

import collections

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _deployment_info as di
from ansible_collections.fargate.microservice.plugins.module_utils import _naming

D = "hsd"
OWNER = _naming.OWNER_TAG_KEY
NAMES = _naming.deployment_names(D, topology="service_discovery")
DISCOVERY = list(di.DISCOVERY_SECTIONS)
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def _tags(owner, **extra):
    return dict(extra, **({OWNER: owner} if owner else {}))


def _kv(tags, key="Key", value="Value"):
    return [{key: k, value: v} for k, v in tags.items()]


class Counting:
    """A client factory that records every operation sent (botocore's before-call event), per service."""

    def __init__(self, make):
        self.make = make
        self.calls = []

    def __call__(self, service):
        client = self.make(service)
        client.client.meta.events.register("before-call.*.*", lambda model, **_: self.calls.append(model.name))
        return client


def build(make, owner=D, namespace_owner=None, redis_owner=None, instances=(("task-a", "10.1.1.10"), ("task-b", "10.1.2.11")),
          deployment=D):
    """The network's VPC and groups D-alb and D-tasks (always owned), and the service_discovery pieces tagged with
    ``owner`` (None: no ownership tag), as the cloud_map, task and service roles make them."""
    names = _naming.deployment_names(deployment, topology="service_discovery")
    namespace_owner = owner if namespace_owner is None else namespace_owner
    redis_owner = owner if redis_owner is None else redis_owner
    ec2, ecs, sd = make("ec2"), make("ecs"), make("servicediscovery")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": _kv(
        _tags(deployment, Name=names["vpc"]))}])["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    groups = {}
    for purpose in ("alb", "tasks"):
        name = names["security_groups"][purpose]
        groups[purpose] = ec2.create_security_group(GroupName=name, Description=purpose, VpcId=vpc, TagSpecifications=[
            {"ResourceType": "security-group", "Tags": _kv(_tags(deployment, Name=name))}])["GroupId"]
    redis_name = names["security_groups"]["redis"]
    groups["redis"] = ec2.create_security_group(GroupName=redis_name, Description="redis", VpcId=vpc, TagSpecifications=[
        {"ResourceType": "security-group", "Tags": _kv(_tags(owner, Name=redis_name))}])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=groups["redis"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379, "UserIdGroupPairs": [{"GroupId": groups["tasks"]}]}])
    operation = sd.create_private_dns_namespace(Name=names["cloud_map_namespace"], Vpc=vpc,
                                                Tags=_kv(_tags(namespace_owner, Name=names["cloud_map_namespace"])))
    namespace_id = sd.get_operation(OperationId=operation["OperationId"])["Operation"]["Targets"]["NAMESPACE"]
    service = sd.create_service(Name="redis", NamespaceId=namespace_id, HealthCheckCustomConfig={"FailureThreshold": 1},
                                DnsConfig={"RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": "A", "TTL": 10}]},
                                Tags=_kv(_tags(namespace_owner, Name=names["cloud_map_service_tag_name"])))["Service"]
    # What ECS registers for each task of the service (attribute names from AWS's ECS service discovery docs).
    for task_id, address in instances:
        sd.register_instance(ServiceId=service["Id"], InstanceId=task_id, Attributes={
            "AWS_INSTANCE_IPV4": address, "AVAILABILITY_ZONE": "us-east-1a", "ECS_CLUSTER_NAME": deployment,
            "ECS_SERVICE_NAME": "redis", "ECS_TASK_DEFINITION_FAMILY": names["redis_task_family"]})
    ecs_tags = _kv(_tags(redis_owner, Name="redis"), "key", "value")
    ecs.create_cluster(clusterName=deployment, tags=_kv(_tags(deployment, Name=deployment), "key", "value"))
    ecs.register_task_definition(
        family=names["redis_task_family"], networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
        memory="512", containerDefinitions=[{"name": "redis", "image": f"{REGISTRY}/{deployment}/redis:7"}], tags=ecs_tags)
    ecs.create_service(cluster=deployment, serviceName="redis", taskDefinition=names["redis_task_family"], desiredCount=1,
                       launchType="FARGATE", tags=ecs_tags, serviceRegistries=[{"registryArn": service["Arn"]}],
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [groups["redis"]],
                                                                     "assignPublicIp": "DISABLED"}})
    return {"vpc": vpc, "groups": groups, "namespace_id": namespace_id, "service": service}


def info(make, topology="service_discovery", include=None, deployment=D, **kwargs):
    return di.DeploymentInfo(make, deployment, include=include or DISCOVERY, topology=topology, **kwargs).collect()


def _pairs(items):
    return sorted((i["kind"], i["name"]) for i in items)


THE_TOPOLOGY = [("cloud_map_namespace", NAMES["cloud_map_namespace"]), ("cloud_map_service", "redis"),
                ("redis_security_group", f"{D}-redis"), ("redis_service", "redis"),
                ("redis_task_definition", f"{D}-redis-task")]


@pytest.mark.parametrize("topology, missing", [("service_discovery", sorted(THE_TOPOLOGY)), ("sidecar", [])])
def test_an_empty_account_misses_the_topology_only_in_service_discovery(moto_client, topology, missing):
    result = info(moto_client, topology=topology)
    assert _pairs(result["missing"]) == missing
    assert result["owned"] == [] and result["unowned"] == []
    assert all(result["resources"][s] == [] for s in DISCOVERY)
    assert result["names"]["topology"] == topology


def test_a_whole_service_discovery_stack_is_complete(moto_client):
    made = build(moto_client)
    sd = moto_client("servicediscovery")
    sd.update_instance_custom_health_status(ServiceId=made["service"]["Id"], InstanceId="task-b", Status="UNHEALTHY")
    result = info(moto_client)
    assert result["missing"] == [] and result["unowned"] == [] and result["complete"] is True
    assert _pairs(result["owned"]) == sorted(THE_TOPOLOGY)
    res = result["resources"]
    [namespace] = res["cloud_map_namespace"]
    assert namespace["id"] == made["namespace_id"] and namespace["type"] == "DNS_PRIVATE"
    assert namespace["hosted_zone_id"] and namespace["state"] == f"hosted zone {namespace['hosted_zone_id']}"
    [service] = res["cloud_map_service"]
    assert (service["id"], service["arn"]) == (made["service"]["Id"], made["service"]["Arn"])
    assert service["dns_name"] == f"redis.internal-{D}.local" == NAMES["redis_dns_name"]
    assert service["dns_records"] == [{"type": "A", "ttl": 10}] and service["custom_health_check"] is True
    assert [(i["id"], i["ipv4"], i["health"], i["task_definition_family"]) for i in service["instances"]] == [
        ("task-a", "10.1.1.10", "HEALTHY", f"{D}-redis-task"), ("task-b", "10.1.2.11", "UNHEALTHY", f"{D}-redis-task")]
    assert service["healthy"] == 1 and service["state"] == "2 instance(s) registered"
    [group] = res["redis_security_group"]
    assert (group["id"], group["vpc_id"]) == (made["groups"]["redis"], made["vpc"])
    assert group["ingress"] == [{"protocol": "tcp", "from_port": 6379, "to_port": 6379,
                                 "groups": [made["groups"]["tasks"]], "cidrs": []}]
    [redis] = res["redis_service"]
    assert (redis["state"], redis["desired"], redis["task_definition"]) == ("ACTIVE", 1, f"{D}-redis-task:1")
    assert redis["registries"] == [made["service"]["Arn"]] and redis["load_balancers"] == 0
    assert redis["security_group_ids"] == [made["groups"]["redis"]] and redis["assign_public_ip"] == "DISABLED"
    assert redis["rollout_state"] in ("COMPLETED", "IN_PROGRESS") and redis["deployments"][0]["status"] == "PRIMARY"
    [taskdef] = res["redis_task_definition"]
    assert (taskdef["revision"], taskdef["image_tags"]) == (1, {"redis": "7"})
    assert res["redis_tasks"] == []  # moto runs no task
    for item in result["owned"]:
        assert item["name"] and item["id"] and item["state"], item


def test_in_sidecar_what_a_switch_left_is_owned_and_nothing_is_missing(moto_client):
    build(moto_client)
    result = info(moto_client, topology="sidecar")
    assert result["missing"] == [] and _pairs(result["owned"]) == sorted(THE_TOPOLOGY)
    # the sidecar contract has no Redis group: the security_groups section does not expect one (nothing missing),
    # but lists the owned D-redis a switch left, as it lists every owned group of a contract name (D-endpoints too)
    result = info(moto_client, topology="sidecar", include=["security_groups", "redis_security_group"])
    assert result["missing"] == []
    assert [i["name"] for i in result["resources"]["security_groups"]] == [f"{D}-alb", f"{D}-redis", f"{D}-tasks"]
    assert [i["name"] for i in result["owned"] if i["name"] == f"{D}-redis"] == [f"{D}-redis"]  # counted once


def test_a_partial_stack_says_exactly_what_is_missing(moto_client):
    made = build(moto_client, instances=())
    ecs, sd = moto_client("ecs"), moto_client("servicediscovery")
    # an interrupted switch back to sidecar: the ECS service redis and the Cloud Map service are gone
    ecs.delete_service(cluster=D, service="redis", force=True)
    sd.delete_service(Id=made["service"]["Id"])
    result = info(moto_client)
    assert _pairs(result["missing"]) == [("cloud_map_service", "redis"), ("redis_service", "redis")]
    assert _pairs(result["owned"]) == [("cloud_map_namespace", NAMES["cloud_map_namespace"]),
                                       ("redis_security_group", f"{D}-redis"), ("redis_task_definition", f"{D}-redis-task")]
    assert result["resources"]["redis_tasks"] == []


def test_same_named_decoys_without_the_ownership_tag_are_unowned_in_either_topology(moto_client):
    made = build(moto_client, owner=None, namespace_owner="", redis_owner="")
    for topology in ("service_discovery", "sidecar"):
        result = info(moto_client, topology=topology)
        assert result["owned"] == []
        unowned = {(i["kind"], i["name"]): i for i in result["unowned"]}
        # the Cloud Map service is in an unowned namespace: not looked up at all
        assert sorted(unowned) == sorted(p for p in THE_TOPOLOGY if p[0] != "cloud_map_service"), topology
        assert unowned[("redis_security_group", f"{D}-redis")]["vpc_id"] == made["vpc"]
        assert _pairs(result["missing"]) == (sorted(THE_TOPOLOGY) if topology == "service_discovery" else [])


def test_another_deployments_pieces_are_never_reported(moto_client):
    build(moto_client, owner="hsd-x", namespace_owner="hsd-x", redis_owner="hsd-x")  # our names, their tags
    result = info(moto_client)
    assert result["owned"] == [] and result["unowned"] == []
    assert _pairs(result["missing"]) == sorted(THE_TOPOLOGY)


def test_the_redis_group_counts_once_beside_the_security_groups_section(moto_client):
    made = build(moto_client)
    result = info(moto_client, include=["security_groups", "redis_security_group"])
    assert [i["name"] for i in result["resources"]["security_groups"]] == [f"{D}-alb", f"{D}-redis", f"{D}-tasks"]
    assert [i["id"] for i in result["owned"]].count(made["groups"]["redis"]) == 1
    assert len(result["owned"]) == 3 and result["missing"] == []
    # missing: once, from the section that expects the contract's groups
    moto_client("ec2").delete_security_group(GroupId=made["groups"]["redis"])
    result = info(moto_client, include=["security_groups", "redis_security_group"])
    assert result["missing"] == [{"kind": "security_groups", "name": f"{D}-redis"}]
    assert info(moto_client, include=["redis_security_group"])["missing"] == [
        {"kind": "redis_security_group", "name": f"{D}-redis"}]


# Each section's calls on a whole stack: one lookup per kind (paginators send one request per page), the Cloud Map
# service only inside the owned namespace, the tasks only of an owned ECS service.
CALLS = {
    "cloud_map_namespace": {"ListNamespaces": 1, "ListTagsForResource": 1},
    "cloud_map_service": {"ListNamespaces": 1, "ListTagsForResource": 2, "ListServices": 1, "GetService": 1,
                          "ListInstances": 1, "GetInstancesHealthStatus": 1},
    "redis_security_group": {"DescribeSecurityGroups": 1},
    # No DescribeClusters before DescribeServices: a missing cluster is its ClusterNotFoundException.
    "redis_service": {"DescribeServices": 1},
    "redis_task_definition": {"DescribeServices": 1, "DescribeTaskDefinition": 1},
    "redis_tasks": {"DescribeServices": 1, "ListTasks": 1},
}


@pytest.mark.parametrize("section", DISCOVERY)
def test_each_section_costs_only_its_own_calls(moto_client, section):
    build(moto_client)
    counting = Counting(moto_client)
    result = info(counting, include=[section])
    assert list(result["resources"]) == [section]
    assert dict(collections.Counter(counting.calls)) == CALLS[section]


def test_sections_share_their_lookups(moto_client):
    build(moto_client)
    counting = Counting(moto_client)
    info(counting)
    calls = collections.Counter(counting.calls)
    # the namespaces are listed once, the ECS service redis described once for three sections (and the cluster not
    # at all: no section of these asks for it)
    assert (calls["ListNamespaces"], calls["DescribeClusters"], calls["DescribeServices"]) == (1, 0, 1), calls
    # the tasks' groups and D-redis: one DescribeSecurityGroups of every group name the contract knows
    counting = Counting(moto_client)
    result = info(counting, include=["security_groups", "redis_security_group"])
    assert dict(collections.Counter(counting.calls)) == {"DescribeSecurityGroups": 1}
    assert [i["name"] for i in result["resources"]["redis_security_group"]] == [f"{D}-redis"]


def test_web_and_redis_services_are_described_in_one_call(moto_client):
    build(moto_client)
    names = _naming.deployment_names(D, topology="service_discovery")
    ecs = moto_client("ecs")
    ecs.register_task_definition(family=names["task_family"], networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                 cpu="256", memory="512", containerDefinitions=[{"name": "web", "image": f"{REGISTRY}/{D}/web:1"}],
                                 tags=_kv(_tags(D, Name=names["task_family"]), "key", "value"))
    ecs.create_service(cluster=D, serviceName="web", taskDefinition=names["task_family"], desiredCount=2, launchType="FARGATE",
                       tags=_kv(_tags(D, Name="web"), "key", "value"))
    counting = Counting(moto_client)
    result = info(counting, include=["service", "task_definition", "redis_service", "redis_task_definition"])
    assert [i["name"] for i in result["resources"]["service"]] == ["web"]
    assert [i["name"] for i in result["resources"]["redis_service"]] == ["redis"]
    # DescribeServices takes up to 10 names (botocore's ecs model): web's and Redis's go in one request.
    calls = collections.Counter(counting.calls)
    assert (calls["DescribeClusters"], calls["DescribeServices"], calls["DescribeTaskDefinition"]) == (0, 1, 2), calls


def test_a_missing_cluster_is_no_service_without_describing_the_cluster():
    """DescribeServices is asked without DescribeClusters first; a cluster that does not exist answers with
    ClusterNotFoundException (botocore's ecs model lists it among DescribeServices' errors; the error document is
    shaped as botocore parses AWS's JSON 1.1 errors: {"Error": {"Code", "Message"}}), which is no service, not a failure."""
    import botocore.exceptions

    calls = []

    class Ecs:
        def describe_services(self, **kwargs):
            calls.append(("DescribeServices", kwargs["cluster"], tuple(kwargs["services"])))
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ClusterNotFoundException", "Message": "Cluster not found."},
                 "ResponseMetadata": {"HTTPStatusCode": 400}}, "DescribeServices")

        def __getattr__(self, name):
            raise AssertionError(f"only DescribeServices may be asked, got {name}")

    result = info(lambda service: Ecs(), include=["service", "redis_service"])
    assert calls == [("DescribeServices", D, ("web", "redis"))]
    assert result["resources"] == {"service": [], "redis_service": []}
    assert result["missing"] == [{"kind": "service", "name": "web"}, {"kind": "redis_service", "name": "redis"}]


def test_a_bad_namespace_is_refused_before_any_call():
    def no_client(service):
        raise AssertionError(f"no AWS client may be made, got {service}")
    with pytest.raises(ValueError, match="cloud_map_namespace 'not a name' is not a DNS name"):
        di.DeploymentInfo(no_client, D, cloud_map_namespace="not a name")
    with pytest.raises(ValueError, match="microservice_topology 'cloudmap' is unknown"):
        di.DeploymentInfo(no_client, D, topology="cloudmap")


def test_its_own_namespace_and_names_are_used(moto_client):
    build(moto_client)
    result = info(moto_client, cloud_map_namespace="svc.example", redis_service_name="cache", redis_task_family="fam")
    assert result["names"]["cloud_map_namespace"] == "svc.example" and result["names"]["redis_service"] == "cache"
    assert _pairs(result["missing"]) == sorted([("cloud_map_namespace", "svc.example"), ("cloud_map_service", "redis"),
                                                ("redis_service", "cache"), ("redis_task_definition", "fam")])
    assert _pairs(result["owned"]) == [("redis_security_group", f"{D}-redis")]


@pytest.mark.parametrize("topology, kwargs, expected", [
    ("service_discovery", {}, {"redis_service": "redis", "redis_task_family": f"{D}-redis-task",
                               "redis_dns_name": f"redis.internal-{D}.local", "cloud_map_service_tag_name": f"{D}-redis"}),
    ("service_discovery", {"redis_service_name": "cache", "redis_task_family": "fam", "namespace": "svc.example"},
     {"redis_service": "cache", "redis_task_family": "fam", "redis_dns_name": "redis.svc.example"}),
    ("sidecar", {"redis_service_name": "cache"},
     {"redis_service": "", "redis_task_family": "", "redis_dns_name": "", "cloud_map_service_tag_name": ""}),
])
def test_the_contract_names_the_redis_pieces_and_the_filter_passes_them(topology, kwargs, expected):
    from ansible_collections.fargate.microservice.plugins.filter.naming import deployment_names
    for names in (_naming.deployment_names(D, topology=topology, **kwargs), deployment_names(D, topology=topology, **kwargs)):
        assert {k: names[k] for k in expected} == expected
