# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/iam/deployer-policy.json holds exactly the IAM actions a deployer's runs make.

The aws target runs against its own emulator with moto's request recorder on; every recorded
request is mapped to its IAM action through botocore's service models: the service from the
request's SigV4 credential scope (its signing name), the operation from X-Amz-Target (JSON
protocols, matched with the model's targetPrefix) or the Action parameter (query and ec2
protocols, matched with the model's apiVersion), and the IAM prefix from the model's metadata
(signingName, else endpointPrefix: `elasticloadbalancing` for elbv2, `ecr` for ECR's `api.ecr`).
A request that no model explains fails the test.

Runs, four scenarios side by side, each on an emulator of its own:
- NAT mode single, HTTPS and autoscaling on (deployment hpiam), site.yml as an AWX job runs it
  (images given, no container engine): the deployment, a no-op rerun, a `--tags` rerun of each
  AWS role (side by side: they change nothing), a redeploy with another web image, the switch to
  microservice_topology=service_discovery and back (only the roles that read it: cloud_map, task, service, with a
  left-over Cloud Map instance to deregister), the sidecar stack checked with boto3 and rerun with no change,
  teardown and a second teardown;
- microservice_topology=service_discovery from the start (hpisd): the deployment, then with a left-over Cloud Map
  instance its teardown;
- network_nat_mode per_az (hpiaz) and none (hpinone): only the network role (and aws_account,
  which carries every AWS role's tag) and its teardown: the other roles make the same calls
  whatever the NAT mode.

Actions no request shows, each added from AWS's documentation (cited where it is added):
- tag-on-create: a create request that carries tags also needs the service's tagging action;
- iam:PassRole for the execution role that RegisterTaskDefinition names, route53 for private DNS;
- what Cloud Map does with the caller's permissions: Route 53's hosted zone of the namespace, health checks;
- ecs:DescribeTasks, which follows ListTasks on AWS (the emulator runs no tasks);
- the image push, which goes through the registry API (Podman/Docker to ECR), which the emulator
  does not host.
sts:GetCallerIdentity needs no permission (AWS STS API reference) and is not in the policy.

Then the policy must hold every action used and none that no run uses.

The same recordings pin the order of the calls that AWS would refuse in another order (microservice_topology): on
the switch to service_discovery the Cloud Map pieces and the Redis service before web rolls; on the switch back web
rolled before the Redis service, the Cloud Map service, the namespace (waited for with GetOperation) and the group
go; on a service_discovery teardown the ECS services before the left-over instance is deregistered, before the Cloud
Map service, before the namespace, before the groups, before the VPC. They also pin that the namespace is created
for the deployment's VPC (the emulator links no VPC to the hosted zone it makes).

Run: .venv/bin/python -m pytest -q tests/integration/iam   (emulators on IT_IAM_EMULATOR_PORT and the next three
ports, else free ports; about 10-25 min, most of it the single scenario)
"""

from __future__ import annotations

import base64
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402
from moto_emulator import MotoEmulator, free_port  # noqa: E402  (tests/, on the path through itlib)

ROOT = itlib.ROOT
POLICY = ROOT / "docs/iam/deployer-policy.json"
# What microservice_topology=service_discovery needs beyond POLICY (attached beside it): both in one document would
# exceed a managed policy's 6,144 characters.
SD_POLICY = ROOT / "docs/iam/deployer-policy-service-discovery.json"
POLICIES = (POLICY, SD_POLICY)

# The AWS roles, each rerun alone under its tag.
AWS_ROLES = ["network", "registry", "image_build", "ecs_cluster", "task", "alb", "service"]
# The roles that read microservice_topology (site.yml's order).
TOPOLOGY_ROLES = "cloud_map,task,service"
# The runs only a service_discovery deployment makes (the switch to it and back); the actions that only they use are
# docs/iam/deployer-policy-service-discovery.json's, every other one is docs/iam/deployer-policy.json's.
SD_RUNS = {"service_discovery", "back to sidecar", "deploy service_discovery", "teardown service_discovery"}
# X-Amz-Target prefixes (botocore's service models, metadata.targetPrefix); EC2's query API calls are "query.<Action>".
ECS, SD = "AmazonEC2ContainerServiceV20141113", "Route53AutoNaming_v20170314"
# site.yml as an AWX job runs it: images given, so no container engine (DOCKER_HOST names none);
# the emulator hosts no registry to push to (the push's actions: PUSH_ACTIONS below).
IMAGES = {"task_web_image": "public.ecr.aws/docker/library/busybox:1.36",
          "task_redis_image": "public.ecr.aws/docker/library/redis:7.2.5-alpine"}
NO_ENGINE = {"DOCKER_HOST": "unix:///nonexistent/hpiam-docker.sock"}

# Actions that no recorded request shows.
# The image push (roles/image_build on the aws target: docker_login with an ECR token, then
# docker_image_push through the registry API, which the emulator does not host). The actions are
# the ones AWS lists for a push: https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html
PUSH_ACTIONS = {"ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage"}
# Operations that need no permission: "No permissions are required to perform this operation."
# https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
NO_PERMISSION = {"sts:GetCallerIdentity"}
# Tag-on-create: a create request that carries tags is also authorized for the service's tagging
# action. Per service, the request parameter that carries the tags and that action, from the
# "Dependent actions" column of the Service Authorization Reference
# (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html):
# EC2's Create*/AllocateAddress -> ec2:CreateTags, ELB's CreateLoadBalancer/CreateTargetGroup/
# CreateListener -> elasticloadbalancing:AddTags, ECR's CreateRepository -> ecr:TagResource,
# Application Auto Scaling's RegisterScalableTarget -> application-autoscaling:TagResource; and from
# the services' guides: ECS's CreateCluster/CreateService/RegisterTaskDefinition -> ecs:TagResource
# (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html),
# IAM's CreateRole -> iam:TagRole (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_roles.html).
# CloudWatch Logs' CreateLogGroup with tags needs logs:TagResource (or the deprecated logs:TagLogGroup): "To assign
# tags when you create a log group, you must have either the logs:TagResource or logs:TagLogGroup permission"
# (CreateLogGroup's `tags` parameter, https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html,
# the same text in botocore's model: logs/2014-03-28/service-2.json, CreateLogGroupRequest.tags).
# Cloud Map's CreatePrivateDnsNamespace and CreateService with `Tags` are also authorized for servicediscovery:TagResource
# (access level Tagging): the "API operations defined by AWS Cloud Map" table of the Service Authorization Reference maps
# each of them to its own action and servicediscovery:TagResource
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudmap.html); the operations' API
# references (API_CreatePrivateDnsNamespace.html, API_CreateService.html) document `Tags` but name no permission.
TAG_ON_CREATE = {
    "ec2": ("TagSpecification", "ec2:CreateTags"),
    "elasticloadbalancing": ("Tags", "elasticloadbalancing:AddTags"),
    "ecs": ("tags", "ecs:TagResource"),
    "ecr": ("tags", "ecr:TagResource"),
    "iam": ("Tags", "iam:TagRole"),
    "application-autoscaling": ("Tags", "application-autoscaling:TagResource"),
    "logs": ("tags", "logs:TagResource"),
    "servicediscovery": ("Tags", "servicediscovery:TagResource"),
}
# Other actions a request implies, by (action, request parameter set to a true value):
# - RegisterTaskDefinition with an execution (or task) role passes that role to ECS: iam:PassRole
#   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html);
# - CreateVpcEndpoint with private DNS associates the VPC with the endpoint's private hosted zone:
#   route53:AssociateVPCWithHostedZone ("Dependent actions" of ec2:CreateVpcEndpoint).
IMPLIED = {("ecs:RegisterTaskDefinition", "executionRoleArn"): "iam:PassRole",
           ("ecs:RegisterTaskDefinition", "taskRoleArn"): "iam:PassRole",
           ("ec2:CreateVpcEndpoint", "PrivateDnsEnabled"): "route53:AssociateVPCWithHostedZone"}
# Calls that follow a recorded one on AWS but not on the emulator, which runs no tasks: the
# stopped tasks that ListTasks lists are described (ecs_service_status_info, status and the
# rollout's failure message; plugins/module_utils/_service_status.py).
FOLLOWS = {"ecs:ListTasks": "ecs:DescribeTasks"}
# Actions that Cloud Map makes with the caller's permissions (the Route 53 hosted zone of a private DNS
# namespace, the health checks of an instance), per the "Required permissions" of each operation in the AWS Cloud
# Map API permissions reference (https://docs.aws.amazon.com/cloud-map/latest/dg/cloud-map-api-permissions-ref.html).
# The emulator records only the servicediscovery request itself.
REQUIRES = {
    "servicediscovery:CreatePrivateDnsNamespace": {"route53:CreateHostedZone", "route53:GetHostedZone",
                                                   "route53:ListHostedZonesByName", "ec2:DescribeVpcs",
                                                   "ec2:DescribeRegions"},
    "servicediscovery:DeregisterInstance": {"route53:GetHealthCheck", "route53:DeleteHealthCheck",
                                            "route53:UpdateHealthCheck"},
}


# ---- botocore's models -----------------------------------------------------------------------

class Models:
    """botocore's service models, found by the signing name a request's credential scope gives."""

    def __init__(self):
        import botocore.loaders
        self._loader = botocore.loaders.create_loader()
        self._names = self._loader.list_available_services("service-2")
        self._loaded = {}

    def _model(self, name):
        if name not in self._loaded:
            self._loaded[name] = self._loader.load_service_model(name, "service-2")
        return self._loaded[name]

    def _candidates(self, signing_name):
        # Reading the models whose name resembles the signing name first only saves time (a model
        # is a few MB of JSON); the match itself is on each model's metadata.
        near = [n for n in self._names if n == signing_name or n[:3] == signing_name[:3]]
        for group in (near, [n for n in self._names if n not in near]):
            found = [m for m in map(self._model, group)
                     if m["metadata"].get("signingName", m["metadata"]["endpointPrefix"]) == signing_name]
            if found:
                return found
        return []

    def action(self, signing_name, operation, api_version=None, target_prefix=None):
        """The IAM action of one request: <service prefix>:<operation>, the prefix from the model."""
        candidates = [m for m in self._candidates(signing_name)
                      if operation in m["operations"]
                      and (api_version is None or m["metadata"]["apiVersion"] == api_version)
                      and (target_prefix is None or m["metadata"].get("targetPrefix") == target_prefix)]
        assert len(candidates) == 1, f"no single botocore model for {signing_name} {operation} ({api_version or target_prefix})"
        meta = candidates[0]["metadata"]
        return f"{meta.get('signingName', meta['endpointPrefix'])}:{operation}"


# ---- the emulators and their recorders -------------------------------------------------------

def _post(url):
    urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=10).read()


class Emulator:
    """One emulator with the request recorder on, in a process of its own (tests/moto_emulator.py's
    MotoEmulator.spawn: moto's state is per process, and the scenarios run at once, one emulator each).
    MOTO_ECS_SERVICE_RUNNING=2: it reports two running tasks per service (it runs none), so a rollout
    of two completes."""

    def __init__(self, port):
        self.recording = tempfile.NamedTemporaryFile(prefix="hpiam-moto-recording-", delete=False).name
        try:
            self.proc, self.url = MotoEmulator.spawn(port, recording=self.recording,
                                                     env={"MOTO_ENABLE_RECORDING": "True", "MOTO_ECS_SERVICE_RUNNING": "2"})
        except RuntimeError as err:
            os.unlink(self.recording)
            pytest.fail(str(err))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        os.unlink(self.recording)

    def record(self):
        _post(self.url + "/moto-api/recorder/reset-recording")
        _post(self.url + "/moto-api/recorder/start-recording")

    def requests(self):
        """The requests since record(): [(signing name, operation, params, api version, target prefix)]."""
        _post(self.url + "/moto-api/recorder/stop-recording")
        text = urllib.request.urlopen(self.url + "/moto-api/recorder/download-recording", timeout=60).read().decode()
        found = []
        for line in text.splitlines():
            entry = json.loads(line)
            headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
            scope = SCOPE.search(headers.get("authorization", ""))
            assert scope, f"an unsigned request: {entry['method']} {entry['url']}"
            body = entry.get("body") or ""
            if entry.get("body_encoded"):
                body = base64.b64decode(body).decode("utf-8", "replace")
            if "x-amz-target" in headers:
                prefix, _dot, op = headers["x-amz-target"].rpartition(".")
                params = json.loads(body) if body.strip().startswith("{") else {}
                found.append((scope.group(1), op, params, None, prefix))
            else:
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(entry["url"]).query))
                query.update(urllib.parse.parse_qsl(body))
                assert "Action" in query, f"neither JSON nor query protocol: {entry['method']} {entry['url']}"
                found.append((scope.group(1), query.pop("Action"), query, query.pop("Version", None), None))
        return found

    def client(self, service):
        import boto3
        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")


SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


def actions_of(models, recorded):
    """The IAM actions these requests need, with the tag-on-create and other actions they imply."""
    needed = set()
    for signing_name, op, params, version, prefix in recorded:
        action = models.action(signing_name, op, version, prefix)
        needed.add(action)
        service = action.split(":")[0]
        tag_param, tag_action = TAG_ON_CREATE.get(service, (None, None))
        if tag_param and any(k == tag_param or k.startswith(tag_param + ".") for k in params):
            needed.add(tag_action)
        for (act, param), implied in IMPLIED.items():
            if action == act and str(params.get(param, "")).lower() not in ("", "false"):
                needed.add(implied)
        if action in FOLLOWS:
            needed.add(FOLLOWS[action])
        needed |= REQUIRES.get(action, set())
    return needed - NO_PERMISSION


def calls_of(recorded):
    """The requests as ('<X-Amz-Target prefix>.<operation>' or 'query.<Action>', parameters), in order."""
    return [(f"{prefix}.{op}" if prefix else f"query.{op}", params) for _signing, op, params, _version, prefix in recorded]


# ---- the runs --------------------------------------------------------------------------------

def _command(endpoint, path, args, extra_vars):
    given = {"microservice_aws_endpoint_url": endpoint, "microservice_aws_access_key": "testing",
             "microservice_aws_secret_key": "testing", "service_wait_delay": 1,
             "ecs_cluster_execution_role_propagation_delay": 0}
    given.update(extra_vars)
    return ([str(ROOT / ".venv/bin/ansible-playbook"), "-i", str(ROOT / "inventory/aws"), str(ROOT / path),
             "-e", json.dumps(given)] + list(args))


ENV = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
           **NO_ENGINE)


class Recorder:
    """Runs playbooks against one emulator and keeps, per IAM action, the runs that needed it."""

    def __init__(self, emulator, models):
        self.emulator, self.models = emulator, models
        self.used = collections.defaultdict(set)
        self.runs = []
        self.calls = {}  # label -> [(call, parameters)] in the order the emulator received them (calls_of)
        self.facts = {}  # what a scenario read from the emulator for the tests below

    def run(self, label, path, *args, **extra_vars):
        return self.together(label, [(path, args)], **extra_vars)[0]

    def together(self, label, playbooks, **extra_vars):
        """Several runs at once (read-only reruns); their requests are recorded under one label."""
        self.emulator.record()
        procs = [subprocess.Popen(_command(self.emulator.url, path, args, extra_vars), cwd=ROOT, env=ENV,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for path, args in playbooks]
        results = []
        for proc in procs:
            out, _err = proc.communicate(timeout=1200)
            results.append(itlib.Run(subprocess.CompletedProcess(proc.args, proc.returncode, out)))
        requests = self.emulator.requests()
        self.calls[label] = calls_of(requests)
        needed = actions_of(self.models, requests)
        for action in needed:
            self.used[action].add(label)
        if os.environ.get("IT_IAM_ACTIONS_FILE"):  # each run's actions as it ends (one JSON line per run)
            with open(os.environ["IT_IAM_ACTIONS_FILE"] + ".runs", "a", encoding="utf-8") as runs:
                runs.write(json.dumps({"run": label, "actions": sorted(needed)}) + "\n")
        for result in results:
            assert result.rc == 0, (label, result)
        self.runs.append(label)
        return results


# What the emulator cannot do: serve the ALB's DNS name (verify prints the URL, fetches nothing).
SINGLE = {"microservice_deployment": "hpiam", "network_nat_mode": "single", "alb_https_enabled": True,
          "service_autoscaling": True, "verify_fetch": False, **IMAGES}


def single_nat_https_autoscaling(rec):
    # The ALB's HTTPS listener needs a certificate; the deployer brings it (ACM), as in tests/integration/alb.
    cert = rec.emulator.client("acm").request_certificate(DomainName="hpiam.example.com")["CertificateArn"]
    given = dict(SINGLE, alb_certificate_arn=cert)
    # The emulator registers no targets: the first deployment does not wait for healthy ones.
    first = rec.run("deploy", "site.yml", service_wait_for_healthy_targets=False, **given)
    assert first.changed > 0, first
    # ECS's part on AWS, done here by the test (unrecorded): two task addresses in the target group,
    # which the emulator reports healthy, so the reruns wait for healthy targets as on AWS.
    elbv2 = rec.emulator.client("elbv2")
    tg = elbv2.describe_target_groups(Names=["hpiam-web-tg"])["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.1.1.10", "Port": 8000}, {"Id": "10.1.2.10", "Port": 8000}])
    rerun = rec.run("rerun", "site.yml", **given)
    assert rerun.changed == 0, rerun
    # Each AWS role alone under its tag; they change nothing, so they run side by side.
    for role, tagged in zip(AWS_ROLES, rec.together("--tags reruns", [("site.yml", ("--tags", r)) for r in AWS_ROLES],
                                                    **given)):
        assert tagged.changed == 0, (role, tagged)
    # A redeploy with new sources (here: another web image): a new revision and the service's rollout onto it.
    given["task_web_image"] = "public.ecr.aws/docker/library/busybox:1.37"
    redeploy = rec.run("redeploy", "site.yml", "--tags", "task,service", **given)
    assert redeploy.changed > 0, redeploy
    # microservice_topology=service_discovery, its delta only: the roles that read the topology (as
    # molecule default switches) add the D-redis group, the Cloud Map namespace and service, the Redis
    # task family and ECS service, and roll web onto its own family; the switch back removes them again.
    switch = rec.run("service_discovery", "site.yml", "--tags", TOPOLOGY_ROLES,
                     **dict(given, microservice_topology="service_discovery"))
    assert switch.changed > 0, switch
    [vpc] = rec.emulator.client("ec2").describe_vpcs(Filters=[{"Name": f"tag:{itlib.OWNER_KEY}", "Values": ["hpiam"]}])["Vpcs"]
    rec.facts["vpc"] = vpc["VpcId"]
    # What an interrupted run or a task stopped by hand leaves registered (ECS deregisters its own tasks; the
    # emulator runs none): the switch back deregisters it before it deletes the Cloud Map service (unrecorded setup).
    cloud_map = rec.emulator.client("servicediscovery")
    [redis] = [s for s in cloud_map.list_services()["Services"] if s["Name"] == "redis"]
    cloud_map.register_instance(ServiceId=redis["Id"], InstanceId="left-over-task", Attributes={"AWS_INSTANCE_IPV4": "10.1.1.9"})
    back = rec.run("back to sidecar", "site.yml", "--tags", TOPOLOGY_ROLES, **given)
    assert back.changed > 0, back
    assert cloud_map.list_namespaces()["Namespaces"] == [], "the switch back left the namespace"
    assert_sidecar(rec.emulator, "hpiam")
    settled = rec.run("sidecar rerun", "site.yml", "--tags", TOPOLOGY_ROLES, **given)
    assert settled.changed == 0, settled
    down = rec.run("teardown", "playbooks/teardown.yml", **given)
    assert down.changed > 0, down
    again = rec.run("second teardown", "playbooks/teardown.yml", **given)
    assert again.changed == 0, again


def assert_sidecar(emulator, deployment):
    """The sidecar stack, read with boto3 (not our modules): web and Redis in one task, nothing of service_discovery."""
    ecs, ec2 = emulator.client("ecs"), emulator.client("ec2")
    [web] = [s for s in ecs.describe_services(cluster=deployment, services=["web"])["services"] if s["status"] == "ACTIVE"]
    definition = ecs.describe_task_definition(taskDefinition=web["taskDefinition"])["taskDefinition"]
    assert definition["family"] == f"{deployment}-web-redis-task", definition["family"]
    containers = {c["name"]: c for c in definition["containerDefinitions"]}
    assert sorted(containers) == ["redis", "web"]
    assert {e["name"]: e["value"] for e in containers["web"]["environment"]}["REDIS_ADDR"] == "localhost:6379"
    assert [s for s in ecs.describe_services(cluster=deployment, services=["redis"])["services"] if s["status"] == "ACTIVE"] == []
    assert emulator.client("servicediscovery").list_namespaces()["Namespaces"] == []
    groups = ec2.describe_security_groups(Filters=[{"Name": f"tag:{itlib.OWNER_KEY}", "Values": [deployment]}])["SecurityGroups"]
    assert f"{deployment}-redis" not in {g["GroupName"] for g in groups}
    for group in groups:  # nothing opens 6379 in the sidecar topology
        assert all(not p.get("FromPort", 0) <= 6379 <= p.get("ToPort", -1) for p in group["IpPermissions"]), group


def service_discovery_teardown(rec):
    # service_discovery from the first run, then torn down with a left-over instance registered (the order: below).
    given = {"microservice_deployment": "hpisd", "microservice_topology": "service_discovery", "verify_fetch": False,
             **IMAGES}
    deploy = rec.run("deploy service_discovery", "site.yml", service_wait_for_healthy_targets=False, **given)
    assert deploy.changed > 0, deploy
    cloud_map = rec.emulator.client("servicediscovery")
    [redis] = [s for s in cloud_map.list_services()["Services"] if s["Name"] == "redis"]
    cloud_map.register_instance(ServiceId=redis["Id"], InstanceId="left-over-task", Attributes={"AWS_INSTANCE_IPV4": "10.1.1.9"})
    down = rec.run("teardown service_discovery", "playbooks/teardown.yml", **given)
    assert down.changed > 0, down
    assert cloud_map.list_namespaces()["Namespaces"] == [] and cloud_map.list_services()["Services"] == []
    ec2 = rec.emulator.client("ec2")
    assert ec2.describe_vpcs(Filters=[{"Name": f"tag:{itlib.OWNER_KEY}", "Values": ["hpisd"]}])["Vpcs"] == []


def network_only(mode, deployment):
    # Only the network differs by NAT mode; aws_account runs too (it carries every AWS role's tag).
    def scenario(rec):
        given = {"microservice_deployment": deployment, "network_nat_mode": mode}
        net = rec.run(f"network {mode}", "site.yml", "--tags", "network", **given)
        assert net.changed > 0, net
        down = rec.run(f"teardown {mode}", "playbooks/teardown.yml", "--tags", "network", **given)
        assert down.changed > 0, down
    return scenario


SCENARIOS = {"single": single_nat_https_autoscaling, "per_az": network_only("per_az", "hpiaz"),
             "none": network_only("none", "hpinone"), "service_discovery": service_discovery_teardown}
EXPECTED_RUNS = {"deploy", "rerun", "--tags reruns", "redeploy", "service_discovery", "back to sidecar", "sidecar rerun",
                 "teardown", "second teardown", "network per_az", "teardown per_az", "network none", "teardown none",
                 "deploy service_discovery", "teardown service_discovery"}


@pytest.fixture(scope="module")
def recorded():
    """Every scenario at once, each on an emulator of its own (IT_IAM_EMULATOR_PORT, +1, +2, else free ports)."""
    models = Models()
    base = os.environ.get("IT_IAM_EMULATOR_PORT")
    ports = [int(base) + i for i in range(len(SCENARIOS))] if base else [free_port() for _scenario in SCENARIOS]
    emulators = [Emulator(port) for port in ports]
    recorders = {name: Recorder(emu, models) for name, emu in zip(SCENARIOS, emulators)}
    failures = {}

    def go(name):
        try:
            SCENARIOS[name](recorders[name])
        except Exception as exc:  # reported by the test below, with the run's output
            failures[name] = exc

    threads = [threading.Thread(target=go, args=(name,)) for name in SCENARIOS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for emu in emulators:
        emu.stop()
    used = collections.defaultdict(set)
    for rec in recorders.values():
        for action, labels in rec.used.items():
            used[action] |= labels
    return {"used": used, "runs": {r for rec in recorders.values() for r in rec.runs}, "failures": failures,
            "calls": {label: calls for rec in recorders.values() for label, calls in rec.calls.items()},
            "facts": {k: v for rec in recorders.values() for k, v in rec.facts.items()}}


def test_every_run_goes_through(recorded):
    assert not recorded["failures"], "\n\n".join(f"{name}: {exc!r}" for name, exc in recorded["failures"].items())
    assert recorded["runs"] == EXPECTED_RUNS


# ---- the order of the topology's calls ---------------------------------------------------------

def _calls(recorded, label):
    assert label in recorded["calls"], f"the run {label!r} did not go through (test_every_run_goes_through)"
    return [call for call, _params in recorded["calls"][label]]


def first(calls, call):
    """Index of the first ``call`` ('Prefix.Action'); fails when there is none."""
    assert call in calls, f"{call} was not called: {calls}"
    return calls.index(call)


def test_the_switch_to_service_discovery_adds_before_web_rolls(recorded):
    calls = _calls(recorded, "service_discovery")
    assert (first(calls, f"{SD}.CreatePrivateDnsNamespace") < first(calls, f"{SD}.CreateService")
            < first(calls, f"{ECS}.CreateService") < first(calls, f"{ECS}.UpdateService"))
    assert f"{ECS}.DeleteService" not in calls
    # The namespace is the deployment VPC's (the emulator links no VPC to the hosted zone it makes, so the request is
    # what pins it: CreatePrivateDnsNamespace's Name and Vpc, both required in botocore's servicediscovery model).
    [create] = [params for call, params in recorded["calls"]["service_discovery"] if call == f"{SD}.CreatePrivateDnsNamespace"]
    assert (create["Name"], create["Vpc"]) == ("internal-hpiam.local", recorded["facts"]["vpc"]), create


def test_the_switch_back_rolls_web_before_it_removes(recorded):
    calls = _calls(recorded, "back to sidecar")
    assert (first(calls, f"{ECS}.UpdateService") < first(calls, f"{ECS}.DeleteService") < first(calls, f"{SD}.DeregisterInstance")
            < first(calls, f"{SD}.DeleteService") < first(calls, f"{SD}.DeleteNamespace") < first(calls, "query.DeleteSecurityGroup"))
    assert f"{SD}.GetOperation" in calls[first(calls, f"{SD}.DeleteNamespace"):]


def test_a_service_discovery_teardown_removes_in_an_order_aws_accepts(recorded):
    calls = _calls(recorded, "teardown service_discovery")
    ecs_deletes = [i for i, c in enumerate(calls) if c == f"{ECS}.DeleteService"]
    assert len(ecs_deletes) == 2, calls  # web, then redis
    assert (ecs_deletes[-1] < first(calls, f"{SD}.DeregisterInstance") < first(calls, f"{SD}.DeleteService")
            < first(calls, f"{SD}.DeleteNamespace"))
    delete_groups = [i for i, c in enumerate(calls) if c == "query.DeleteSecurityGroup"]
    assert delete_groups and delete_groups[0] > first(calls, f"{SD}.DeleteNamespace")
    assert first(calls, "query.DeleteVpc") > delete_groups[0]
    assert f"{SD}.GetOperation" in calls[first(calls, f"{SD}.DeregisterInstance"):first(calls, f"{SD}.DeleteService")]
    assert f"{SD}.GetOperation" in calls[first(calls, f"{SD}.DeleteNamespace"):]


# ---- the policy ------------------------------------------------------------------------------

def _statements(path=POLICY):
    document = json.loads(path.read_text())
    assert document["Version"] == "2012-10-17"
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow" and statement.get("Sid"), statement
        assert "NotAction" not in statement and "NotResource" not in statement, statement
        assert all("*" not in a for a in statement["Action"]), f"{statement['Sid']}: the policy names each action"
    return document["Statement"]


def _lacking_and_unused(held, used):
    lacking = sorted(set(used) - held)
    assert not lacking, "the policy lacks: " + ", ".join(f"{a} (used by {sorted(used[a])})" for a in lacking)
    unused = sorted(held - set(used))
    assert not unused, f"the policy holds actions no run uses: {unused}"


def test_the_policy_holds_exactly_the_actions_the_runs_use(recorded):
    used = dict(recorded["used"])
    for action in PUSH_ACTIONS:
        used.setdefault(action, set()).add("the image push")
    if os.environ.get("IT_IAM_ACTIONS_FILE"):  # the actions used and by which runs, to write or review the policy
        Path(os.environ["IT_IAM_ACTIONS_FILE"]).write_text(json.dumps({a: sorted(r) for a, r in sorted(used.items())}, indent=1))
    assert not recorded["failures"] and recorded["runs"] == EXPECTED_RUNS, "not every run went through (see above)"
    # The default topology's runs need deployer-policy.json alone, and every action in it.
    _lacking_and_unused({a for s in _statements() for a in s["Action"]},
                        {a: runs for a, runs in used.items() if runs - SD_RUNS})
    # With deployer-policy-service-discovery.json beside it, every run; it holds the actions only service_discovery
    # uses, and those of the default topology that it grants on its own resources (the Redis and web-only families).
    sd_held = {a for s in _statements(SD_POLICY) for a in s["Action"]}
    _lacking_and_unused({a for s in _statements() for a in s["Action"]} | sd_held, used)
    assert {a for a, runs in used.items() if not runs - SD_RUNS} <= sd_held


def test_service_linked_roles_are_scoped_by_service_name():
    statements = [s for s in _statements() if "iam:CreateServiceLinkedRole" in s["Action"]]
    assert len(statements) == 1
    assert statements[0]["Condition"] == {"StringEquals": {"iam:AWSServiceName": [
        "ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"]}}


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_the_policy_fits_a_managed_policy(path):
    # "Managed policy size: 6,144 characters", whitespace not counted:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
    _statements(path)
    assert len(re.sub(r"\s", "", path.read_text())) <= 6144


# The deployment's ARNs, in the formats of AWS's documented examples, with names from the naming
# contract (plugins/module_utils/_naming.py) for the policy's deployment, countweb, and for a decoy.
def _arns(deployment, partition="aws"):
    sys.path.insert(0, str(ROOT))
    from plugins.module_utils._naming import deployment_names
    n = deployment_names(deployment)
    sd = deployment_names(deployment, topology="service_discovery")
    region, account = "us-east-1" if partition == "aws" else "cn-north-1", "123456789012"
    lb = f"app/{n['load_balancer']}/50dc6c495c0c9188"
    return {
        "ecs:CreateCluster": f"arn:{partition}:ecs:{region}:{account}:cluster/{n['cluster']}",
        "ecs:DescribeServices": f"arn:{partition}:ecs:{region}:{account}:service/{n['cluster']}/{n['service']}",
        "ecs:RegisterTaskDefinition": f"arn:{partition}:ecs:{region}:{account}:task-definition/{n['task_family']}:3",
        "ecs:RegisterTaskDefinition web": f"arn:{partition}:ecs:{region}:{account}:task-definition/{sd['task_family']}:2",
        "ecs:RegisterTaskDefinition redis": f"arn:{partition}:ecs:{region}:{account}:task-definition/{sd['redis_task_family']}:1",
        "ecs:CreateService": f"arn:{partition}:ecs:{region}:{account}:service/{sd['cluster']}/{sd['redis_service']}",
        "ecr:PutImage": f"arn:{partition}:ecr:{region}:{account}:repository/{n['repositories']['web']}",
        "ecr:DeleteRepository": f"arn:{partition}:ecr:{region}:{account}:repository/{n['repositories']['redis']}",
        "logs:CreateLogGroup": f"arn:{partition}:logs:{region}:{account}:log-group:{n['log_group']}",
        "logs:PutRetentionPolicy": f"arn:{partition}:logs:{region}:{account}:log-group:{n['log_group']}:*",
        "iam:PassRole": f"arn:{partition}:iam::{account}:role/{n['execution_role']}",
        "iam:DeleteRole": f"arn:{partition}:iam::{account}:role/{n['execution_role']}",
        "elasticloadbalancing:DeleteLoadBalancer": f"arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/{lb}",
        "elasticloadbalancing:CreateListener": f"arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/{lb}",
        # fargate.microservice.alb_listener_tags tags the listeners (elb_application_lb cannot).
        "elasticloadbalancing:AddTags listener":
            f"arn:{partition}:elasticloadbalancing:{region}:{account}:listener/{lb}/f2f7dc8efc522ab2",
        "elasticloadbalancing:DeleteTargetGroup":
            f"arn:{partition}:elasticloadbalancing:{region}:{account}:targetgroup/{n['target_group']}/73e2d6bc24d8a067",
    }


def _allowed(action, arn):
    """Whether one of the two policies allows ``action`` (its first word) on ``arn``."""
    import fnmatch
    action = action.split()[0]
    for statement in [s for path in POLICIES for s in json.loads(path.read_text())["Statement"]]:
        resources = [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
        if action in statement["Action"] and any(fnmatch.fnmatchcase(arn, r) for r in resources):
            return True
    return False


@pytest.mark.parametrize("partition", ["aws", "aws-cn"])
def test_named_resources_are_the_deployments_only(partition):
    for action, arn in _arns("countweb", partition).items():
        assert _allowed(action, arn), (action, arn)
    for decoy in ("countweb2", "web"):
        for action, arn in _arns(decoy, partition).items():
            assert not _allowed(action, arn), (action, arn)


def test_tag_conditions_name_the_ownership_tag():
    sys.path.insert(0, str(ROOT))
    from plugins.module_utils._naming import OWNER_TAG_KEY
    keys = [(key, value) for path in POLICIES for s in json.loads(path.read_text())["Statement"]
            for test in s.get("Condition", {}).values() for key, value in test.items() if "Tag/" in key]
    assert keys, "the policy scopes EC2 by the ownership tag"
    assert {k.split("/", 1)[1] for k, _value in keys} == {OWNER_TAG_KEY} and {v for _key, v in keys} == {"countweb"}, keys
