# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Integration test of microservice_topology against the emulator (a real moto server, no mocks): the AWS side of
site.yml (image_build and the local roles skipped, images recorded in the emulated ECR) is deployed sidecar, switched
to service_discovery, back to sidecar and to service_discovery again, then torn down. Back in sidecar the resources
are checked with boto3 (independently of our modules) and a rerun reports changed=0; the service_discovery stack, its
--check --diff run, its reruns and a teardown that leaves nothing owned are molecule `default`'s (molecule/default).
moto's request recorder pins the order of the calls that AWS would refuse in another order: the Redis service and
its Cloud Map pieces before web rolls; web rolled before the Redis service, the Cloud Map service, the namespace and
the group go; on teardown the ECS services before the Cloud Map service before the namespace (each waited for with
GetOperation) before the group before the VPC. It also pins that the namespace is created for the deployment's VPC
(moto links no VPC to the hosted zone it makes).

Run: IT_EMULATOR_PORT=5670 .venv/bin/python -m pytest -v tests/integration/topology   (make integration-topology)
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

D = "hmtopo"
NAMESPACE = f"internal-{D}.local"
SKIP = "--skip-tags=image_build,local_runtime,local_alb,verify"
RECORDING = Path(tempfile.mkdtemp(prefix="topology-recording-")) / "moto_recording"
# X-Amz-Target prefixes (botocore's service models, metadata.targetPrefix) and EC2's query API.
ECS, SD = "AmazonEC2ContainerServiceV20141113", "Route53AutoNaming_v20170314"


def _moto_api(path, method="POST"):
    req = urllib.request.Request(f"{itlib.ENDPOINT}/moto-api/recorder/{path}", method=method)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read().decode()


@pytest.fixture(scope="module", autouse=True)
def emulator():
    # itlib.start_emulator() serves the emulator from this process: it records into $MOTO_RECORDER_FILEPATH and
    # reports 2 running tasks per service (it runs none), so the roles' rollout waits complete.
    os.environ["MOTO_RECORDER_FILEPATH"] = str(RECORDING)
    os.environ["MOTO_ECS_SERVICE_RUNNING"] = "2"
    itlib.start_emulator()
    itlib.reset_emulator()
    yield
    itlib.stop_emulator()
    for key in ("MOTO_RECORDER_FILEPATH", "MOTO_ECS_SERVICE_RUNNING"):
        os.environ.pop(key, None)
    shutil.rmtree(RECORDING.parent, ignore_errors=True)


# The images recorded in the emulated ECR (test_sidecar_then_...), given as images: image_build is skipped and moto
# hosts no registry, so the images the sources give are never pushed here.
REGISTRY = f"123456789012.dkr.ecr.{itlib.REGION}.amazonaws.com"
IMAGES = {"task_web_image": f"{REGISTRY}/{D}/web:1.0.0", "task_redis_image": f"{REGISTRY}/{D}/redis:7"}


def site(topology, *args):
    return itlib.playbook("site.yml", SKIP, *args, microservice_deployment=D, microservice_topology=topology,
                          service_wait="true", **IMAGES)


_LAST_RECORDING = []  # the recording of the last recorded() call (request_bodies reads it)


def recorded(run_it):
    """Run ``run_it()`` while the recorder records; return its result and the calls as 'Service.Action'."""
    _moto_api("reset-recording")
    _moto_api("start-recording")
    try:
        result = run_it()
    finally:
        _moto_api("stop-recording")
    _LAST_RECORDING[:] = [_moto_api("download-recording", "GET")]
    return result, actions_of(_LAST_RECORDING[0])


def request_bodies(target):
    """The JSON bodies of the last recorded() call's requests with X-Amz-Target ``target``, in order."""
    return [json.loads(body or "{}") for _method, _url, headers, body in _requests(_LAST_RECORDING[0])
            if headers.get("x-amz-target") == target]


def _requests(recording):
    """Each recorded request but the moto-api's own: (method, parsed URL, headers lower-cased, body as text)."""
    for line in recording.splitlines():
        entry = json.loads(line)
        url = urllib.parse.urlparse(entry["url"])
        if url.path.startswith("/moto-api"):
            continue
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        yield entry["method"], url, {k.lower(): v for k, v in entry["headers"].items()}, body


def actions_of(recording):
    actions = []
    for method, url, headers, body in _requests(recording):
        if "x-amz-target" in headers:
            actions.append(headers["x-amz-target"])
            continue
        action = urllib.parse.parse_qs(body).get("Action") or urllib.parse.parse_qs(url.query).get("Action")
        actions.append(f"query.{action[0]}" if action else f"{method} {url.path}")
    return actions


def first(actions, action):
    """Index of the first call of ``action`` ('Prefix.Action'); fails when there is none."""
    assert action in actions, f"{action} was not called: {actions}"
    return actions.index(action)


# The roles that read microservice_topology (site.yml's order; the others were converged by the first full run).
TOPOLOGY_ROLES = "--tags=cloud_map,task,service"


def converge(topology, *args, reruns=([], ["--check", "--diff"])):
    """Deploy, then reruns (by default a plain one and a --check --diff one) that must change nothing."""
    run, actions = recorded(lambda: site(topology, *args))
    assert run.rc == 0, run
    for extra in reruns:
        again = site(topology, *args, *extra)
        assert again.rc == 0 and again.changed == 0, again
    return actions


def clients():
    return {s: itlib.client(s) for s in ("ec2", "ecs", "servicediscovery")}


def security_group(ec2, name):
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    return groups[0] if groups else None


def service(ecs, name):
    found = [s for s in ecs.describe_services(cluster=D, services=[name], include=["TAGS"])["services"]
             if s["status"] == "ACTIVE"]
    return found[0] if found else None


def task_definition(ecs, arn):
    return ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]


def namespaces(sd):
    return [n for n in sd.list_namespaces()["Namespaces"] if n["Name"] == NAMESPACE]


def assert_sidecar():
    c = clients()
    web = service(c["ecs"], "web")
    definition = task_definition(c["ecs"], web["taskDefinition"])
    assert definition["family"] == f"{D}-web-redis-task"
    assert sorted(x["name"] for x in definition["containerDefinitions"]) == ["redis", "web"]
    web_env = {e["name"]: e["value"] for e in next(x for x in definition["containerDefinitions"] if x["name"] == "web")["environment"]}
    assert web_env["REDIS_ADDR"] == "localhost:6379"
    assert service(c["ecs"], "redis") is None
    assert namespaces(c["servicediscovery"]) == []
    assert security_group(c["ec2"], f"{D}-redis") is None
    # Nothing opens 6379 in the sidecar topology.
    for group in c["ec2"].describe_security_groups()["SecurityGroups"]:
        assert all(not (p.get("FromPort", 0) <= 6379 <= p.get("ToPort", -1)) for p in group["IpPermissions"]), group


def test_sidecar_then_service_discovery_then_sidecar_then_teardown():
    # The images the task role uses (image_build is skipped: moto hosts no registry).
    run = itlib.playbook("site.yml", "--tags=registry", microservice_deployment=D)
    assert run.rc == 0, run
    for repo, tag in (("web", "1.0.0"), ("redis", "7")):
        subprocess.run([sys.executable, str(itlib.ROOT / "tests/integration/files/put_image.py"), itlib.ENDPOINT, itlib.REGION,
                        f"{D}/{repo}", tag], check=True, stdout=subprocess.DEVNULL)

    # The whole AWS side once (about 5 min on a busy machine); the switches rerun the roles that read the topology.
    converge("sidecar", reruns=[[]])
    assert_sidecar()

    # To service_discovery: the new pieces first, Redis stable, then web rolls; the sidecar's family stays (rollback).
    # (molecule `default` checks the service_discovery stack this switch makes, its reruns and its teardown.)
    actions = converge("service_discovery", TOPOLOGY_ROLES, reruns=[])
    assert (first(actions, f"{SD}.CreatePrivateDnsNamespace") < first(actions, f"{SD}.CreateService")
            < first(actions, f"{ECS}.CreateService") < first(actions, f"{ECS}.UpdateService"))
    assert f"{ECS}.DeleteService" not in actions
    # The namespace is the deployment VPC's (moto links no VPC to the hosted zone it makes, so the request is what
    # pins it: CreatePrivateDnsNamespace's Name and Vpc, both required in botocore's servicediscovery model).
    [vpc] = clients()["ec2"].describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [itlib.names(D)["vpc"]]},
                                                    {"Name": f"tag:{itlib.OWNER_KEY}", "Values": [D]}])["Vpcs"]
    [create_namespace] = request_bodies(f"{SD}.CreatePrivateDnsNamespace")
    assert (create_namespace["Name"], create_namespace["Vpc"]) == (NAMESPACE, vpc["VpcId"]), create_namespace

    # Back to sidecar: web rolls first, then the Redis service, the Cloud Map service, the namespace, the group.
    actions = converge("sidecar", TOPOLOGY_ROLES, reruns=[[]])
    assert_sidecar()
    update_web = first(actions, f"{ECS}.UpdateService")
    assert (update_web < first(actions, f"{ECS}.DeleteService") < first(actions, f"{SD}.DeleteService")
            < first(actions, f"{SD}.DeleteNamespace") < first(actions, "query.DeleteSecurityGroup"))
    assert f"{SD}.GetOperation" in actions[first(actions, f"{SD}.DeleteNamespace"):]

    # service_discovery again, then teardown: nothing owned is left, in an order AWS accepts.
    converge("service_discovery", TOPOLOGY_ROLES, reruns=[])
    c = clients()
    [cm_summary] = c["servicediscovery"].list_services()["Services"]
    cm_id = cm_summary["Id"]
    # What an interrupted run or a task stopped by hand leaves registered must not block the deletion.
    c["servicediscovery"].register_instance(ServiceId=cm_id, InstanceId="left-over-task",
                                            Attributes={"AWS_INSTANCE_IPV4": "10.1.1.9"})
    redis_sg = security_group(c["ec2"], f"{D}-redis")["GroupId"]
    teardown, actions = recorded(lambda: itlib.playbook(
        "playbooks/teardown.yml", "--skip-tags=local_runtime,local_alb,emulator,container_engine",
        microservice_deployment=D, microservice_topology="service_discovery"))
    assert teardown.rc == 0, teardown
    ecs_deletes = [i for i, a in enumerate(actions) if a == f"{ECS}.DeleteService"]
    assert len(ecs_deletes) == 2, actions  # web, then redis
    assert (ecs_deletes[-1] < first(actions, f"{SD}.DeregisterInstance") < first(actions, f"{SD}.DeleteService")
            < first(actions, f"{SD}.DeleteNamespace"))
    delete_sgs = [i for i, a in enumerate(actions) if a == "query.DeleteSecurityGroup"]
    assert delete_sgs and delete_sgs[0] > first(actions, f"{SD}.DeleteNamespace")
    assert first(actions, "query.DeleteVpc") > delete_sgs[0]
    assert f"{SD}.GetOperation" in actions[first(actions, f"{SD}.DeregisterInstance"):first(actions, f"{SD}.DeleteService")]
    assert f"{SD}.GetOperation" in actions[first(actions, f"{SD}.DeleteNamespace"):]
    # the instance left registered did not block the deletion (molecule `default` checks that nothing owned is left)
    assert namespaces(c["servicediscovery"]) == []
    assert c["servicediscovery"].list_services()["Services"] == []
    assert redis_sg not in {g["GroupId"] for g in c["ec2"].describe_security_groups()["SecurityGroups"]}


def test_bad_topology_is_refused_before_any_aws_call():
    run, actions = recorded(lambda: site("cloudmap"))
    assert run.rc != 0
    # the preflight role's argument spec answers first (its choices), naming the variable and the choices
    assert "value of microservice_topology must be one of: sidecar, service_discovery, got: cloudmap" in run.out, run
    assert actions == [], actions
