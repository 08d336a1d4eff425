# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""deployment_info against a real moto server (conftest.py): a full stack, a partial one, an empty one, same-named
decoys without the ownership tag, and another deployment (whose name starts with ours) that is never reported."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _deployment_info as di
from ansible_collections.fargate.microservice.plugins.module_utils import _naming

OWNER = _naming.OWNER_TAG_KEY
TIER = _naming.TIER_TAG_KEY


def _tags(name, deployment, **extra):
    tags = {"Name": name, **extra}
    if deployment:
        tags[OWNER] = deployment
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _spec(kind, name, deployment, **extra):
    return [{"ResourceType": kind, "Tags": _tags(name, deployment, **extra)}]


def build_network(make, d, owner, nat_mode="single", cidr="10.1"):
    """The network role's resources, named as the contract says, tagged with owner (None: no ownership tag)."""
    names = _naming.deployment_names(d, nat_mode=nat_mode)
    ec2 = make("ec2")
    vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16", TagSpecifications=_spec("vpc", names["vpc"], owner))["Vpc"]["VpcId"]
    subnets = {}
    for tier, third in (("public", (0, 3)), ("private", (1, 2))):
        for name, octet, zone in zip(names["subnets"][tier], third, "ab"):
            subnets[name] = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr}.{octet}.0/24", AvailabilityZone=f"us-east-1{zone}",
                                              TagSpecifications=_spec("subnet", name, owner, **{TIER: tier}))["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway(TagSpecifications=_spec("internet-gateway", names["internet_gateway"], owner))
    igw = igw["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    for tier in ("public", "private"):
        for name in names["route_tables"][tier]:
            rt = ec2.create_route_table(VpcId=vpc, TagSpecifications=_spec("route-table", name, owner, **{TIER: tier}))
            if tier == "public":
                ec2.create_route(RouteTableId=rt["RouteTable"]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    for name in names["nat_gateways"]:
        alloc = ec2.allocate_address(Domain="vpc", TagSpecifications=_spec("elastic-ip", name, owner))["AllocationId"]
        ec2.create_nat_gateway(SubnetId=subnets[names["subnets"]["public"][0]], AllocationId=alloc,
                               TagSpecifications=_spec("natgateway", name, owner))
    for service, name in names["vpc_endpoints"].items():
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.us-east-1.{service}",
                                VpcEndpointType="Gateway" if service == "s3" else "Interface",
                                TagSpecifications=_spec("vpc-endpoint", name, owner))
    groups = {}
    for purpose, name in names["security_groups"].items():
        groups[purpose] = ec2.create_security_group(GroupName=name, Description=purpose, VpcId=vpc,
                                                    TagSpecifications=_spec("security-group", name, owner))["GroupId"]
    return {"vpc": vpc, "subnets": subnets, "groups": groups, "names": names}


def build_rest(make, d, owner, network):
    """The registry, ecs_cluster, task, alb and service roles' resources."""
    names = network["names"]
    own = {OWNER: owner} if owner else {}
    for repo in names["repositories"].values():
        make("ecr").create_repository(repositoryName=repo, tags=_tags(repo, owner))
    make("logs").create_log_group(logGroupName=names["log_group"], tags=dict(own, Name=names["log_group"]))
    make("iam").create_role(RoleName=names["execution_role"], AssumeRolePolicyDocument="{}",
                            Tags=_tags(names["execution_role"], owner))
    elb = make("elbv2")
    tg = elb.create_target_group(Name=names["target_group"], Protocol="HTTP", Port=8000, VpcId=network["vpc"], TargetType="ip",
                                 HealthCheckPath="/health", Tags=_tags(names["target_group"], owner))
    tg = tg["TargetGroups"][0]["TargetGroupArn"]
    public = [network["subnets"][n] for n in names["subnets"]["public"]]
    lb = elb.create_load_balancer(Name=names["load_balancer"], Subnets=public, SecurityGroups=[network["groups"]["alb"]],
                                  Tags=_tags(names["load_balancer"], owner))["LoadBalancers"][0]["LoadBalancerArn"]
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    ecs = make("ecs")
    ecs_tags = [{"key": k, "value": v} for k, v in dict(own, Name=d).items()]
    ecs.create_cluster(clusterName=names["cluster"], tags=ecs_tags)
    ecs.register_task_definition(
        family=names["task_family"], networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{d}/web:abc123"},
                              {"name": "redis", "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{d}/redis:def456"}],
        tags=ecs_tags)
    ecs.create_service(cluster=names["cluster"], serviceName=names["service"], taskDefinition=names["task_family"],
                       desiredCount=2, launchType="FARGATE", tags=ecs_tags,
                       loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 8000}],
                       networkConfiguration={"awsvpcConfiguration": {
                           "subnets": [network["subnets"][n] for n in names["subnets"]["private"]],
                           "securityGroups": [network["groups"]["tasks"]]}})
    return {"lb": lb, "tg": tg}


def info(make, deployment="hstat", **kwargs):
    return di.DeploymentInfo(make, deployment, **kwargs).collect()


def _owned_names(result):
    return sorted((i["kind"], i["name"]) for i in result["owned"])


def test_an_empty_account_reports_everything_missing_and_fails_nothing(moto_client):
    result = info(moto_client)
    assert result["owned"] == [] and result["unowned"] == []
    assert result["complete"] is False
    missing = {(m["kind"], m["name"]) for m in result["missing"]}
    names = _naming.deployment_names("hstat")
    assert ("vpc", "hstat-vpc") in missing
    assert ("subnets", "hstat-private-b") in missing
    assert ("nat_gateways", "hstat-nat-a") in missing
    assert ("repositories", "hstat/redis") in missing
    assert ("service", "web") in missing
    assert ("task_definition", "hstat-web-redis-task") in missing
    # every contract name of the default shape is in the list
    expected = ([names["vpc"], names["internet_gateway"], names["cluster"], names["log_group"], names["execution_role"],
                 names["load_balancer"], names["target_group"], names["task_family"], names["service"]]
                + names["subnets"]["public"] + names["subnets"]["private"] + names["route_tables"]["public"]
                + names["route_tables"]["private"] + names["nat_gateways"] + names["eips"]
                + list(names["security_groups"].values()) + list(names["repositories"].values()))
    assert sorted(m["name"] for m in result["missing"]) == sorted(expected)
    assert result["resources"]["subnets"] == {"public": [], "private": []}
    assert result["resources"]["tasks"] == [] and result["resources"]["target_health"] == []


@pytest.mark.parametrize("nat_mode", ["single", "per_az", "none"])
def test_a_full_stack_is_complete_and_every_item_is_named_with_id_and_state(moto_client, nat_mode):
    network = build_network(moto_client, "hstat", "hstat", nat_mode=nat_mode)
    built = build_rest(moto_client, "hstat", "hstat", network)
    result = info(moto_client, nat_mode=nat_mode)
    assert result["missing"] == [], result["missing"]
    assert result["complete"] is True and result["unowned"] == []
    res = result["resources"]
    assert [i["id"] for i in res["vpc"]] == [network["vpc"]]
    assert [i["name"] for i in res["subnets"]["public"]] == ["hstat-public-a", "hstat-public-b"]
    assert [i["name"] for i in res["subnets"]["private"]] == ["hstat-private-a", "hstat-private-b"]
    assert {i["zone"] for i in res["subnets"]["private"]} == {"us-east-1a", "us-east-1b"}
    assert [i["name"] for i in res["nat_gateways"]] == network["names"]["nat_gateways"]
    assert [i["name"] for i in res["eips"]] == network["names"]["eips"]
    assert sorted(i["name"] for i in res["vpc_endpoints"]) == sorted(network["names"]["vpc_endpoints"].values())
    assert sorted(i["name"] for i in res["security_groups"]) == sorted(network["names"]["security_groups"].values())
    assert res["internet_gateways"][0]["state"] == "attached"
    public_rt = [i for i in res["route_tables"] if i["name"] == "hstat-public"][0]
    assert public_rt["state"] == "0.0.0.0/0 -> " + res["internet_gateways"][0]["id"]
    assert res["load_balancer"][0]["id"] == built["lb"] and res["load_balancer"][0]["dns_name"]
    assert res["target_group"][0]["id"] == built["tg"]
    assert [(i["name"], i["state"]) for i in res["listeners"]] == [("HTTP:80", "forward hstat-web-tg")]
    assert [i["name"] for i in res["repositories"]] == ["hstat/redis", "hstat/web"]
    assert res["log_group"][0]["name"] == "/ecs/hstat"
    assert res["execution_role"][0]["name"] == "hstat-ecs-task-execution"
    assert res["cluster"][0]["state"] == "ACTIVE"
    service = res["service"][0]
    assert (service["name"], service["desired"], service["task_definition"]) == ("web", 2, "hstat-web-redis-task:1")
    assert service["deployments"][0]["status"] == "PRIMARY"
    taskdef = res["task_definition"][0]
    assert (taskdef["revision"], taskdef["image_tags"]) == (1, {"web": "abc123", "redis": "def456"})
    for item in result["owned"]:
        assert item["name"] and item["id"] and item["state"], item


def test_a_partial_stack_says_exactly_what_is_missing(moto_client):
    network = build_network(moto_client, "hstat", "hstat")
    ec2 = moto_client("ec2")
    # an interrupted network run: no NAT gateway yet, its EIP allocated
    nat = ec2.describe_nat_gateways()["NatGateways"][0]["NatGatewayId"]
    ec2.delete_nat_gateway(NatGatewayId=nat)
    moto_client("ecr").create_repository(repositoryName="hstat/web", tags=_tags("hstat/web", "hstat"))
    result = info(moto_client)
    missing = sorted((m["kind"], m["name"]) for m in result["missing"])
    assert missing == sorted([
        ("nat_gateways", "hstat-nat-a"), ("repositories", "hstat/redis"), ("cluster", "hstat"),
        ("log_group", "/ecs/hstat"), ("execution_role", "hstat-ecs-task-execution"), ("load_balancer", "hstat-web-lb"),
        ("target_group", "hstat-web-tg"), ("task_definition", "hstat-web-redis-task"), ("service", "web"),
    ])
    assert ("eips", "hstat-nat-a") in _owned_names(result)
    assert result["resources"]["vpc"][0]["id"] == network["vpc"]
    assert result["resources"]["listeners"] == [] and result["resources"]["tasks"] == []


def test_same_named_decoys_without_the_ownership_tag_are_unowned_never_owned(moto_client):
    network = build_network(moto_client, "hstat", None)
    build_rest(moto_client, "hstat", None, network)
    result = info(moto_client)
    assert result["owned"] == []
    unowned = {(i["kind"], i["name"]) for i in result["unowned"]}
    for kind, name in [("vpc", "hstat-vpc"), ("subnets", "hstat-public-a"), ("nat_gateways", "hstat-nat-a"),
                       ("eips", "hstat-nat-a"), ("security_groups", "hstat-tasks"), ("load_balancer", "hstat-web-lb"),
                       ("target_group", "hstat-web-tg"), ("repositories", "hstat/web"), ("cluster", "hstat"),
                       ("log_group", "/ecs/hstat"), ("execution_role", "hstat-ecs-task-execution"),
                       ("service", "web"), ("task_definition", "hstat-web-redis-task")]:
        assert (kind, name) in unowned
        assert {"kind": kind, "name": name} in result["missing"]
    # nothing is looked up through an unowned load balancer, target group or service
    assert result["resources"]["listeners"] == [] and result["resources"]["target_health"] == []
    assert result["resources"]["tasks"] == []


def test_a_decoy_beside_the_owned_resource_does_not_hide_it(moto_client):
    network = build_network(moto_client, "hstat", "hstat")
    ec2 = moto_client("ec2")
    decoy = ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=_spec("vpc", "hstat-vpc", None))["Vpc"]["VpcId"]
    # tagged for another deployment under our Name: that deployment's, so not reported at all
    ec2.create_vpc(CidrBlock="10.8.0.0/16", TagSpecifications=_spec("vpc", "hstat-vpc", "someone"))
    result = info(moto_client, include=["vpc"])
    assert [(i["id"], i["state"]) for i in result["unowned"]] == [(decoy, "unowned")]
    assert [i["id"] for i in result["resources"]["vpc"]] == [network["vpc"]] and result["missing"] == []


def test_another_deployment_whose_name_starts_with_ours_is_never_reported(moto_client):
    other = build_network(moto_client, "hstat-x", "hstat-x", cidr="10.2")
    build_rest(moto_client, "hstat-x", "hstat-x", other)
    result = info(moto_client)
    assert result["owned"] == [] and result["unowned"] == []
    ids = {i["id"] for i in result["owned"] + result["unowned"]}
    assert other["vpc"] not in ids
    # and the other deployment sees all of its own
    assert info(moto_client, deployment="hstat-x")["missing"] == []


@pytest.mark.parametrize("include", [["vpc"], ["service", "tasks"], ["listeners"], ["subnets", "security_groups"]])
def test_only_the_sections_asked_for_are_looked_up(moto_client, include):
    network = build_network(moto_client, "hstat", "hstat")
    build_rest(moto_client, "hstat", "hstat", network)
    result = info(moto_client, include=include)
    assert list(result["resources"]) == [s for s in di.SECTIONS if s in include]
    assert result["missing"] == []


def test_invalid_input_is_refused_before_any_call():
    def no_client(service):
        raise AssertionError(f"no AWS client may be made, got {service}")
    with pytest.raises(ValueError, match="microservice_deployment 'Bad' is invalid"):
        di.DeploymentInfo(no_client, "Bad")
    with pytest.raises(ValueError, match="network_nat_mode"):
        di.DeploymentInfo(no_client, "ok", nat_mode="x")


# ---- what the network role compares (network sections' extra fields) ------------------------------------------


def test_the_network_sections_give_tags_rules_routes_and_interfaces(moto_client):
    network = build_network(moto_client, "hstat", "hstat", nat_mode="none")
    ec2 = moto_client("ec2")
    groups = network["groups"]
    ec2.authorize_security_group_ingress(GroupId=groups["tasks"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000,
        "UserIdGroupPairs": [{"GroupId": groups["alb"], "Description": "from the alb"}]}])
    ec2.authorize_security_group_ingress(GroupId=groups["alb"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "http"}]}])
    result = info(moto_client, nat_mode="none", include=list(di.NETWORK_SECTIONS), vpc_attributes=True)
    res = result["resources"]
    vpc = res["vpc"][0]
    assert (vpc["cidrs"], vpc["dns_support"], vpc["dns_hostnames"]) == (["10.1.0.0/16"], True, False)
    assert vpc["tags"] == {"Name": "hstat-vpc", OWNER: "hstat"}
    subnet = res["subnets"]["public"][0]
    assert (subnet["map_public"], subnet["assign_ipv6"], subnet["ipv6_cidrs"]) == (False, False, [])
    assert subnet["tags"][TIER] == "public"
    public_rt = [t for t in res["route_tables"] if t["name"] == "hstat-public"][0]
    assert public_rt["main"] is False and public_rt["tags"]["Name"] == "hstat-public"
    assert {"destination": "0.0.0.0/0", "cidr": True, "target": res["internet_gateways"][0]["id"], "origin": "CreateRoute",
            "state": "active"} in public_rt["routes"]
    tasks = [g for g in res["security_groups"] if g["name"] == "hstat-tasks"][0]
    assert tasks["ingress"] == [{"proto": "tcp", "from_port": 8000, "to_port": 8000, "type": "group", "target": groups["alb"],
                                 "description": "from the alb"}]
    assert tasks["egress"] == [{"proto": "-1", "from_port": None, "to_port": None, "type": "cidr", "target": "0.0.0.0/0",
                                "description": ""}]
    alb = [g for g in res["security_groups"] if g["name"] == "hstat-alb"][0]
    assert alb["ingress"][0]["description"] == "http" and alb["description"] == "alb"
    endpoint = [e for e in res["vpc_endpoints"] if e["name"] == "hstat-ecr-api"][0]
    assert endpoint["vpc_id"] == network["vpc"] and endpoint["tags"]["Name"] == "hstat-ecr-api"
    assert result["deleted"] == []


def test_the_vpc_attributes_cost_two_calls_only_when_asked(moto_client):
    build_network(moto_client, "hstat", "hstat")
    calls = []

    def counting(service):
        client = moto_client(service)

        class Counted:
            def __getattr__(self, name):
                calls.append(name)
                return getattr(client, name)
        return Counted()
    info(counting, include=["vpc"])
    assert calls == ["get_paginator"] and "dns_support" not in info(moto_client, include=["vpc"])["resources"]["vpc"][0]
    calls.clear()
    info(counting, include=["vpc"], vpc_attributes=True)
    assert calls == ["get_paginator", "describe_vpc_attribute", "describe_vpc_attribute"]


def test_a_group_another_nat_mode_left_is_owned_not_missing(moto_client):
    # Built in mode none (with D-endpoints), looked at in mode single: the teardown and a mode switch must find it.
    build_network(moto_client, "hstat", "hstat", nat_mode="none")
    result = info(moto_client, nat_mode="single", include=["security_groups"])
    assert sorted(g["name"] for g in result["resources"]["security_groups"]) == ["hstat-alb", "hstat-endpoints", "hstat-tasks"]
    assert result["missing"] == []


@pytest.mark.parametrize("owner, reported", [("hstat", True), (None, False), ("someone", False)])
def test_deleted_endpoints_are_reported_apart_only_when_owned(moto_client, owner, reported):
    network = build_network(moto_client, "hstat", owner, nat_mode="none")
    ec2 = moto_client("ec2")
    s3 = [e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["ServiceName"].endswith(".s3")][0]
    ec2.delete_vpc_endpoints(VpcEndpointIds=[s3["VpcEndpointId"]])
    result = info(moto_client, nat_mode="none", include=["vpc_endpoints"])
    assert s3["VpcEndpointId"] not in [e["id"] for e in result["resources"]["vpc_endpoints"]]
    assert [(e["id"], e["service"], e["vpc_id"]) for e in result["deleted"]] == (
        [(s3["VpcEndpointId"], "com.amazonaws.us-east-1.s3", network["vpc"])] if reported else [])


# -- the sections the ecs_cluster, alb and service roles call ---------------------------------------


class _Recorder:
    """Wraps the moto clients and records every operation asked of them (paginators by their operation)."""

    def __init__(self, make):
        self.make, self.calls = make, []

    def __call__(self, service):
        client, calls = self.make(service), self.calls

        class Proxy:
            def __getattr__(self, name):
                attr = getattr(client, name)
                if name == "get_paginator":
                    return lambda operation: (calls.append((service, operation)), attr(operation))[1]
                if callable(attr):
                    calls.append((service, name))
                return attr
        return Proxy()


@pytest.mark.parametrize("include, wanted", [
    (["target_group"], [("elbv2", "describe_target_groups"), ("elbv2", "describe_tags")]),
    (["load_balancer"], [("elbv2", "describe_load_balancers"), ("elbv2", "describe_tags")]),
    (["load_balancer", "target_group"],
     [("elbv2", "describe_load_balancers"), ("elbv2", "describe_target_groups"), ("elbv2", "describe_tags")]),
    (["log_group", "execution_role"],
     [("logs", "describe_log_groups"), ("logs", "list_tags_for_resource"), ("iam", "get_role")]),
    (["subnets", "security_groups", "target_group"],
     [("ec2", "describe_subnets"), ("ec2", "describe_security_groups"), ("elbv2", "describe_target_groups"),
      ("elbv2", "describe_tags")]),
    # the alb role's (teardown, then present): the listeners' tags in the load balancer's DescribeTags
    (["load_balancer", "target_group", "listeners"],
     [("elbv2", "describe_load_balancers"), ("elbv2", "describe_target_groups"), ("elbv2", "describe_listeners"),
      ("elbv2", "describe_tags")]),
    (["load_balancer", "target_group", "listeners", "subnets", "security_groups"],
     [("ec2", "describe_subnets"), ("ec2", "describe_security_groups"), ("elbv2", "describe_load_balancers"),
      ("elbv2", "describe_target_groups"), ("elbv2", "describe_listeners"), ("elbv2", "describe_tags")]),
])
def test_each_role_s_sections_cost_only_their_own_calls(moto_client, include, wanted):
    network = build_network(moto_client, "hstat", "hstat")
    build_rest(moto_client, "hstat", "hstat", network)
    recorder = _Recorder(moto_client)
    result = di.DeploymentInfo(recorder, "hstat", include=include).collect()
    assert result["missing"] == [], result["missing"]
    assert recorder.calls == wanted


def test_the_attributes_the_alb_service_and_ecs_cluster_roles_use(moto_client):
    network = build_network(moto_client, "hstat", "hstat")
    built = build_rest(moto_client, "hstat", "hstat", network)
    moto_client("logs").put_retention_policy(logGroupName="/ecs/hstat", retentionInDays=30)
    res = info(moto_client, include=["load_balancer", "target_group", "log_group", "execution_role"])["resources"]
    lb, tg = res["load_balancer"][0], res["target_group"][0]
    assert lb["vpc_id"] == network["vpc"] and lb["security_group_ids"] == [network["groups"]["alb"]]
    assert lb["subnet_ids"] == sorted(network["subnets"][n] for n in network["names"]["subnets"]["public"])
    assert (tg["id"], tg["vpc_id"], tg["load_balancer_arns"]) == (built["tg"], network["vpc"], [built["lb"]])
    log_group = res["log_group"][0]
    assert (log_group["retention_days"], log_group["tags"]) == (30, {OWNER: "hstat", "Name": "/ecs/hstat"})
    role = res["execution_role"][0]
    # moto's account is in the aws partition (arn:aws:iam::123456789012:role/...)
    assert (role["partition"], role["tags"]) == ("aws", {OWNER: "hstat", "Name": "hstat-ecs-task-execution"})


def test_an_exactly_named_resource_of_another_deployment_is_unowned_so_no_role_adopts_it(moto_client):
    network = build_network(moto_client, "hstat", "someone")
    build_rest(moto_client, "hstat", "someone", network)
    result = info(moto_client, include=["vpc", "load_balancer", "target_group", "log_group", "execution_role"])
    assert result["owned"] == []
    # EC2 kinds found by Name prefix stay unreported (their names are not the deployment's alone) ...
    assert ("vpc", "hstat-vpc") not in {(i["kind"], i["name"]) for i in result["unowned"]}
    # ... the exactly named ones are the contract's: listed, whose they are, and missing for this deployment
    assert sorted((i["kind"], i["name"], i["state"]) for i in result["unowned"]) == [
        ("execution_role", "hstat-ecs-task-execution", "owned by someone"),
        ("load_balancer", "hstat-web-lb", "owned by someone"),
        ("log_group", "/ecs/hstat", "owned by someone"),
        ("target_group", "hstat-web-tg", "owned by someone"),
    ]
    assert {m["kind"] for m in result["missing"]} == {"vpc", "load_balancer", "target_group", "log_group", "execution_role"}
