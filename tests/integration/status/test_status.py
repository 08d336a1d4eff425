# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Integration test of playbooks/status.yml against the emulator (real moto server, no mocks): a full stack, a
partial one and an empty one, in text and JSON, plain and under --check. Each run must report changed=0 and the
emulator must have received only read requests (Describe*/List*/Get*), counted by moto's request recorder.

Run: .venv/bin/python -m pytest -v tests/integration/status   (IT_EMULATOR_PORT, default 5199; make uses 5198)
"""

from __future__ import annotations

import base64
import re
import shutil
import json
import os
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

sys.path.insert(0, str(itlib.ROOT / "collections"))
from ansible_collections.fargate.microservice.plugins.module_utils import _naming  # noqa: E402

STATUS = "playbooks/status.yml"
STACK = "tests/integration/fixtures/stack.yml"
# Not "hstat": that is this helper's local stack (its HAProxy and containers are found by deployment name).
FULL, PARTIAL, EMPTY = "hstatf", "hstatp", "hstate"
# The service_discovery topology's stack (issue 12).
DISCOVERY = "hcmsd"
READ_PREFIXES = ("Describe", "List", "Get")
RECORDING = Path(tempfile.mkdtemp(prefix="status-recording-")) / "moto_recording"


def _moto_api(path, method="POST"):
    req = urllib.request.Request(f"{itlib.ENDPOINT}/moto-api/recorder/{path}", method=method)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read().decode()


@pytest.fixture(scope="module", autouse=True)
def emulator():
    # itlib.start_emulator() serves the emulator from this process; it records into $MOTO_RECORDER_FILEPATH.
    os.environ["MOTO_RECORDER_FILEPATH"] = str(RECORDING)
    itlib.start_emulator()
    yield
    itlib.reset_emulator()
    itlib.stop_emulator()
    os.environ.pop("MOTO_RECORDER_FILEPATH", None)
    shutil.rmtree(RECORDING.parent, ignore_errors=True)


def actions_of(recording):
    """The AWS action of every recorded request: X-Amz-Target (JSON protocols) or Action= (query protocols)."""
    actions = []
    for line in recording.splitlines():
        entry = json.loads(line)
        if urllib.parse.urlparse(entry["url"]).path.startswith("/moto-api"):
            continue
        headers = {k.lower(): v for k, v in entry["headers"].items()}
        if "x-amz-target" in headers:
            actions.append(headers["x-amz-target"].rsplit(".", 1)[-1])
            continue
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        action = urllib.parse.parse_qs(body).get("Action") or urllib.parse.parse_qs(
            urllib.parse.urlparse(entry["url"]).query).get("Action")
        actions.append(action[0] if action else f"{entry['method']} {urllib.parse.urlparse(entry['url']).path}")
    return actions


def status_runs(deployment, tmp_path, check=True, **extra):
    """Run status in text and JSON, each plain and (check) under --check, while recording; return texts, docs, actions."""
    _moto_api("reset-recording")
    _moto_api("start-recording")
    runs, docs = [], []
    try:
        for mode in ([], ["--check"])[:2 if check else 1]:
            text = itlib.playbook(STATUS, *mode, microservice_deployment=deployment, **extra)
            path = tmp_path / f"status{len(docs)}.json"
            js = itlib.playbook(STATUS, *mode, microservice_deployment=deployment, status_format="json", status_path=path,
                                **extra)
            for run in (text, js):
                assert run.rc == 0, run
                assert run.changed == 0, run
            runs.append(text)
            docs.append(json.loads(path.read_text()))
    finally:
        _moto_api("stop-recording")
    actions = actions_of(_moto_api("download-recording", "GET"))
    return runs, docs, actions


def shows(text, *words):
    """Whether the screen has these words in this order on one line, however the columns are padded."""
    return re.search(r"[ \t]+".join(re.escape(w) for w in words), text) is not None


def assert_read_only(actions):
    assert actions, "the recorder saw no request: the test would prove nothing"
    writes = sorted({a for a in actions if not a.startswith(READ_PREFIXES)})
    assert not writes, f"status sent write requests: {writes}"


def tag_and_complete(deployment):
    """Complete the fixture stack to the whole contract: ownership tags where the fixture leaves them out (ECR
    repositories, cluster), the internet gateway, route tables, NAT gateway with its EIP, task definition and service."""
    names = _naming.deployment_names(deployment)
    own = names["ownership_tags"]
    ec2, ecr, ecs, elb = (itlib.client(s) for s in ("ec2", "ecr", "ecs", "elbv2"))
    for repo in names["repositories"].values():
        arn = ecr.describe_repositories(repositoryNames=[repo])["repositories"][0]["repositoryArn"]
        ecr.tag_resource(resourceArn=arn, tags=[{"Key": k, "Value": v} for k, v in own.items()])
    cluster_arn = ecs.describe_clusters(clusters=[names["cluster"]])["clusters"][0]["clusterArn"]
    ecs.tag_resource(resourceArn=cluster_arn, tags=[{"key": k, "value": v} for k, v in own.items()])
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [names["vpc"]]}])["Vpcs"][0]["VpcId"]
    subnets = {{t["Key"]: t["Value"] for t in s["Tags"]}["Name"]: s["SubnetId"]
               for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]}

    def spec(kind, name, **extra):
        tags = dict(own, Name=name, **extra)
        return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    igw = ec2.create_internet_gateway(TagSpecifications=spec("internet-gateway", names["internet_gateway"]))
    igw = igw["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    alloc = ec2.allocate_address(Domain="vpc", TagSpecifications=spec("elastic-ip", names["eips"][0]))["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnets[names["subnets"]["public"][0]], AllocationId=alloc,
                                 TagSpecifications=spec("natgateway", names["nat_gateways"][0]))["NatGateway"]["NatGatewayId"]
    for tier, target in (("public", {"GatewayId": igw}), ("private", {"NatGatewayId": nat})):
        tags = spec("route-table", names["route_tables"][tier][0], **{_naming.TIER_TAG_KEY: tier})
        rt = ec2.create_route_table(VpcId=vpc, TagSpecifications=tags)
        ec2.create_route(RouteTableId=rt["RouteTable"]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", **target)
    tg = elb.describe_target_groups(Names=[names["target_group"]])["TargetGroups"][0]["TargetGroupArn"]
    ecs_tags = [{"key": k, "value": v} for k, v in own.items()]
    for revision_tag in ("1.0.0", "1.0.1"):  # two revisions: the service runs the second
        ecs.register_task_definition(
            family=names["task_family"], networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[
                {"name": "web", "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{deployment}/web:{revision_tag}"},
                {"name": "redis", "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{deployment}/redis:7"}],
            tags=ecs_tags)
    ecs.create_service(cluster=names["cluster"], serviceName=names["service"], taskDefinition=f"{names['task_family']}:2",
                       desiredCount=2, launchType="FARGATE", tags=ecs_tags,
                       loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 8000}],
                       deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
                       networkConfiguration={"awsvpcConfiguration": {
                           "subnets": [subnets[n] for n in names["subnets"]["private"]],
                           "securityGroups": [sg["GroupId"] for sg in ec2.describe_security_groups(Filters=[
                               {"Name": "group-name", "Values": [names["security_groups"]["tasks"]]}])["SecurityGroups"]]}})
    # a same-named VPC without the ownership tag, and another deployment's VPC whose name starts with ours
    decoy = ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [
        {"Key": "Name", "Value": names["vpc"]}]}])["Vpc"]["VpcId"]
    other = ec2.create_vpc(CidrBlock="10.8.0.0/16", TagSpecifications=spec("vpc", f"{deployment}-x-vpc"))["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[other], Tags=[{"Key": _naming.OWNER_TAG_KEY, "Value": f"{deployment}-x"}])
    return {"vpc": vpc, "decoy": decoy, "other": other, "nat": nat, "alloc": alloc, "igw": igw}


def test_a_full_stack_shows_every_owned_resource_and_its_service(tmp_path):
    assert itlib.playbook(STACK, microservice_deployment=FULL).rc == 0
    made = tag_and_complete(FULL)
    runs, docs, actions = status_runs(FULL, tmp_path)
    assert_read_only(actions)
    doc = docs[0]
    assert docs[1] == doc  # --check shows the same
    assert doc["missing"] == [], doc["missing"]
    assert doc["complete"] is True
    assert [(u["kind"], u["id"]) for u in doc["unowned"]] == [("vpc", made["decoy"])]
    ids = {i["id"] for items in doc["resources"].values() for i in items}
    assert {made["vpc"], made["nat"], made["alloc"], made["igw"]} <= ids
    assert made["other"] not in ids and made["decoy"] not in ids
    lb = itlib.client("elbv2").describe_load_balancers(Names=[f"{FULL}-web-lb"])["LoadBalancers"][0]
    assert doc["url"] == "http://127.0.0.1:8080/home"  # the local target's URL is the local load balancer
    assert doc["resources"]["load_balancer"][0]["dns_name"] == lb["DNSName"]
    service = doc["service"]
    assert (service["task_definition"], service["revision"]) == (f"{FULL}-web-redis-task:2", 2)
    assert service["image_tags"] == {"web": "1.0.1", "redis": "7"}
    assert service["desired"] == 2 and service["deployments"][0]["status"] == "PRIMARY"
    text = runs[0].out
    for part in (f"Deployment {FULL} (local target):", "nothing missing", "1 same-named not ours",
                 f"task definition {FULL}-web-redis-task:2 (revision 2), images redis:7, web:1.0.1",
                 f"deployment PRIMARY {FULL}-web-redis-task:2: desired 2", "URL: http://127.0.0.1:8080/home"):
        assert part in text, part
    for words in (("vpc", f"{FULL}-vpc", made["vpc"], "available"), ("nat_gateways", f"{FULL}-nat-a", made["nat"]),
                  ("subnets/private", f"{FULL}-private-b"), ("listeners", "HTTP:80"), ("vpc", f"{FULL}-vpc", made["decoy"]),
                  ("eips", f"{FULL}-nat-a", made["alloc"], "associated")):
        assert shows(text, *words), words
    assert f"{FULL}-x-vpc" not in text


def test_a_partial_stack_says_what_is_missing(tmp_path):
    assert itlib.playbook(STACK, microservice_deployment=PARTIAL).rc == 0
    runs, docs, actions = status_runs(PARTIAL, tmp_path)
    assert_read_only(actions)
    names = _naming.deployment_names(PARTIAL)
    missing = sorted((m["kind"], m["name"]) for m in docs[0]["missing"])
    # the fixture stack has no internet gateway, route tables, NAT gateway, task definition or service, and leaves
    # the ECR repositories and the cluster without the ownership tag (so they are not ours)
    assert missing == sorted([
        ("internet_gateways", names["internet_gateway"]), ("route_tables", f"{PARTIAL}-public"),
        ("route_tables", f"{PARTIAL}-private"), ("nat_gateways", f"{PARTIAL}-nat-a"), ("eips", f"{PARTIAL}-nat-a"),
        ("repositories", f"{PARTIAL}/web"), ("repositories", f"{PARTIAL}/redis"), ("cluster", PARTIAL),
        ("task_definition", f"{PARTIAL}-web-redis-task"), ("service", "web"),
    ])
    assert sorted((u["kind"], u["name"]) for u in docs[0]["unowned"]) == sorted([
        ("repositories", f"{PARTIAL}/web"), ("repositories", f"{PARTIAL}/redis"), ("cluster", PARTIAL)])
    assert docs[0]["resources"]["vpc"][0]["name"] == f"{PARTIAL}-vpc"
    text = runs[0].out
    assert "10 missing" in text and shows(text, "nat_gateways", f"{PARTIAL}-nat-a")
    assert f"Service web in cluster {PARTIAL}: missing" in text
    assert "Same name, no ownership tag (not ours, left alone):" in text


def test_an_empty_stack_lists_the_whole_contract_as_missing(tmp_path):
    itlib.reset_emulator()
    runs, docs, actions = status_runs(EMPTY, tmp_path, check=False)
    assert_read_only(actions)
    assert docs[0]["owned_count"] == 0 and docs[0]["resources"]["vpc"] == []
    assert len(docs[0]["missing"]) == 21
    assert docs[0]["url"] == "http://127.0.0.1:8080/home"
    assert "nothing owned, 21 missing" in runs[0].out


def test_bad_input_is_refused_before_any_aws_call(tmp_path):
    _moto_api("reset-recording")
    _moto_api("start-recording")
    try:
        bad_name = itlib.playbook(STATUS, microservice_deployment="Bad_Name")
        bad_pair = itlib.playbook(STATUS, microservice_deployment=EMPTY, status_path=tmp_path / "x.json")
    finally:
        _moto_api("stop-recording")
    assert bad_name.rc != 0 and "microservice_deployment 'Bad_Name' is invalid" in bad_name.out
    assert bad_pair.rc != 0 and "give status_path only with json" in bad_pair.out
    assert actions_of(_moto_api("download-recording", "GET")) == []


def redis_service(deployment, instance_ip="10.1.1.10"):
    """What the task and service roles add in service_discovery: the Redis task definition, the ECS service redis in
    the private subnets with D-redis, registered in the Cloud Map service (which the cloud_map role made), and the
    instance ECS registers for its task (moto runs no task, so it is registered here, with ECS's attributes)."""
    names = _naming.deployment_names(deployment, topology="service_discovery")
    own = names["ownership_tags"]
    ec2, ecs, sd = (itlib.client(s) for s in ("ec2", "ecs", "servicediscovery"))
    ecs.tag_resource(resourceArn=ecs.describe_clusters(clusters=[names["cluster"]])["clusters"][0]["clusterArn"],
                     tags=[{"key": k, "value": v} for k, v in own.items()])
    ecs_tags = [{"key": k, "value": v} for k, v in dict(own, Name="redis").items()]
    ecs.register_task_definition(
        family=names["redis_task_family"], networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
        memory="512", tags=ecs_tags,
        containerDefinitions=[{"name": "redis", "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{deployment}/redis:7"}])
    [namespace] = [n for n in sd.list_namespaces()["Namespaces"] if n["Name"] == names["cloud_map_namespace"]]
    [cm] = sd.list_services(Filters=[{"Name": "NAMESPACE_ID", "Values": [namespace["Id"]]}])["Services"]
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [names["security_groups"]["redis"]]}])
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[
        {"Name": "tag:Name", "Values": names["subnets"]["private"]}])["Subnets"]]
    ecs.create_service(cluster=names["cluster"], serviceName="redis", taskDefinition=names["redis_task_family"], desiredCount=1,
                       launchType="FARGATE", tags=ecs_tags, serviceRegistries=[{"registryArn": cm["Arn"]}],
                       networkConfiguration={"awsvpcConfiguration": {
                           "subnets": subnets, "securityGroups": [group["SecurityGroups"][0]["GroupId"]],
                           "assignPublicIp": "DISABLED"}})
    sd.register_instance(ServiceId=cm["Id"], InstanceId="0123456789abcdef0123456789abcdef", Attributes={
        "AWS_INSTANCE_IPV4": instance_ip, "AVAILABILITY_ZONE": "us-east-1a", "ECS_CLUSTER_NAME": deployment,
        "ECS_SERVICE_NAME": "redis", "ECS_TASK_DEFINITION_FAMILY": names["redis_task_family"]})
    return {"namespace": namespace["Id"], "cm": cm, "group": group["SecurityGroups"][0]["GroupId"]}


def test_a_service_discovery_stack_shows_its_topology_and_says_what_is_missing(tmp_path):
    sd_vars = {"microservice_topology": "service_discovery"}
    assert itlib.playbook(STACK, microservice_deployment=DISCOVERY).rc == 0
    # The cloud_map role makes the namespace, its service and D-redis (its reruns and check mode are
    # molecule default's).
    run = itlib.playbook("site.yml", "--tags=cloud_map", microservice_deployment=DISCOVERY, **sd_vars)
    assert run.rc == 0 and run.changed > 0, run
    made = redis_service(DISCOVERY)
    runs, docs, actions = status_runs(DISCOVERY, tmp_path, **sd_vars)
    assert_read_only(actions)
    doc = docs[0]
    assert docs[1] == doc  # --check shows the same
    topo = doc["topology"]
    assert topo["name"] == "service_discovery" and topo["missing"] == [], topo["missing"]
    assert topo["redis_address"] == f"redis.internal-{DISCOVERY}.local:6379"
    assert topo["namespace"]["id"] == made["namespace"] and topo["namespace"]["hosted_zone_id"]
    cm = topo["cloud_map_service"]
    assert (cm["arn"], cm["dns_records"]) == (made["cm"]["Arn"], [{"type": "A", "ttl": 10}])
    assert [(i["ipv4"], i["health"]) for i in cm["instances"]] == [("10.1.1.10", "HEALTHY")]
    assert topo["redis_security_group"]["id"] == made["group"]
    assert topo["redis_security_group"]["ingress_lines"][0].startswith(f"tcp 6379 from {DISCOVERY}-tasks (sg-")
    redis = topo["redis_service"]
    assert (redis["desired"], redis["task_definition"], redis["registered_in"]) == (1, f"{DISCOVERY}-redis-task:1", ["redis"])
    assert topo["redis_task_definition"]["image_tags"] == {"redis": "7"}
    # the web side of the topology is not deployed here: its family is the web-only one
    assert ("task_definition", f"{DISCOVERY}-web-task") in {(m["kind"], m["name"]) for m in doc["missing"]}
    text = runs[0].out
    for part in (f"Topology service_discovery: web reaches Redis as redis.internal-{DISCOVERY}.local:6379 (Cloud Map)",
                 f"namespace internal-{DISCOVERY}.local {made['namespace']}: hosted zone",
                 f"Cloud Map service redis {made['cm']['Id']} (redis.internal-{DISCOVERY}.local, A TTL 10 s):"
                 " 1 instance(s) registered, 1 healthy",
                 "instance 0123456789abcdef0123456789abcdef 10.1.1.10 HEALTHY",
                 f"security group {DISCOVERY}-redis {made['group']}: tcp 6379 from {DISCOVERY}-tasks",
                 f"Service redis: ACTIVE, task definition {DISCOVERY}-redis-task:1 (revision 1), images redis:7,"
                 " registered in Cloud Map service redis"):
        assert part in text, part
    assert shows(text, "redis_service", "redis", "service/" + DISCOVERY + "/redis")
    assert shows(text, "cloud_map_namespace", f"internal-{DISCOVERY}.local", made["namespace"])

    # Partly there: the ECS service redis gone (its instance deregistered, as ECS does), the group deleted.
    sd, ecs, ec2 = (itlib.client(s) for s in ("servicediscovery", "ecs", "ec2"))
    sd.deregister_instance(ServiceId=made["cm"]["Id"], InstanceId="0123456789abcdef0123456789abcdef")
    ecs.delete_service(cluster=DISCOVERY, service="redis", force=True)
    ec2.delete_security_group(GroupId=made["group"])
    runs, docs, actions = status_runs(DISCOVERY, tmp_path, check=False, **sd_vars)
    assert_read_only(actions)
    topo = docs[0]["topology"]
    assert sorted((m["kind"], m["name"]) for m in topo["missing"]) == [
        ("redis_service", "redis"), ("security_groups", f"{DISCOVERY}-redis")]
    text = runs[0].out
    assert f"missing: security_groups {DISCOVERY}-redis, redis_service redis" in text
    assert "The service_discovery topology misses 2 piece(s)" in text
    assert f"No Redis task is registered in the Cloud Map service redis, so web cannot resolve redis.internal-{DISCOVERY}.local" in text

    # Back in sidecar the namespace and its service are what the switch left, not missing.
    runs, docs, actions = status_runs(DISCOVERY, tmp_path, check=False, microservice_topology="sidecar")
    assert_read_only(actions)
    topo = docs[0]["topology"]
    assert topo["name"] == "sidecar" and topo["leftovers"] is True and topo["missing"] == []
    assert {m["kind"] for m in docs[0]["missing"]}.isdisjoint({"cloud_map_namespace", "cloud_map_service", "redis_service"})
    assert "piece(s) of the service_discovery topology are left (cloud_map_namespace" in runs[0].out
