# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The aws target against the emulator, with moto's request recorder: the calls we make, in order.

- aws_account: a bad region or missing credentials stop the run before any request; the first
  request is sts:GetCallerIdentity and the identity line is printed; every request carries the
  session token; the service-linked roles are created once (Application Auto Scaling's only with
  autoscaling on) and teardown (playbooks/teardown.yml, with no container engine and no build
  contexts) goes through without deleting them.
- network, network_nat_mode none: endpoint service names come from DescribeVpcEndpointServices
  before any CreateVpcEndpoint, the endpoints are described again (waited for) after creation, the
  ALB's group sends only the task port to the tasks' group, a rerun changes nothing, too few usable
  zones stop the run before anything is created, and the teardown removes the cross-referencing groups.

Run: .venv/bin/python -m pytest -q tests/integration/aws_target   (its own emulator on a free port: conftest.py start_moto)
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

ROOT = itlib.ROOT
HERE = "tests/integration/aws_target"
TOKEN = "haws-session-token-for-the-test"
SLR_PATH = "/aws-service-role/{}/"


@pytest.fixture(scope="module")
def emulator(start_moto, tmp_path_factory):
    """The module's own emulator (tests/integration/conftest.py), recording from the start."""
    recording = tmp_path_factory.mktemp("haws-moto") / "recording"
    return start_moto(env={"MOTO_ENABLE_RECORDING": "True"}, recording=recording).url


def _post(url):
    # RESET_TIMEOUT: a reset takes 7-11 s on 2 busy cores, and a request that comes while it runs gets a 500.
    urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=itlib.RESET_TIMEOUT).read()


def record(endpoint):
    _post(endpoint + "/moto-api/recorder/reset-recording")
    _post(endpoint + "/moto-api/recorder/start-recording")


def recorded(endpoint):
    """[(operation, params, headers)] in order: Action of query-protocol services, X-Amz-Target of JSON ones."""
    _post(endpoint + "/moto-api/recorder/stop-recording")
    text = urllib.request.urlopen(endpoint + "/moto-api/recorder/download-recording", timeout=10).read().decode()
    calls = []
    for line in text.splitlines():
        entry = json.loads(line)
        headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        if "x-amz-target" in headers:
            op = headers["x-amz-target"].split(".")[-1]
            params = json.loads(body) if body.strip().startswith("{") else {}
        else:
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(entry["url"]).query))
            query.update(urllib.parse.parse_qsl(body if isinstance(body, str) else ""))
            op, params = query.pop("Action", entry["method"] + " " + urllib.parse.urlparse(entry["url"]).path), query
        calls.append((op, params, headers))
    return calls


def ops(calls):
    return [c[0] for c in calls]


def playbook(endpoint, path, *args, creds=True, env=None, **extra_vars):
    cmd = [str(ROOT / ".venv/bin/ansible-playbook"), "-i", str(ROOT / "inventory/aws"), str(ROOT / path)]
    given = {"microservice_aws_endpoint_url": endpoint}
    if creds:
        given.update(microservice_aws_access_key="testing", microservice_aws_secret_key="testing",
                     microservice_aws_session_token=TOKEN)
    given.update(extra_vars)
    cmd += ["-e", json.dumps({k: v for k, v in given.items() if v is not None})] + list(args)
    run_env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    for key, value in (env or {}).items():
        if value is None:
            run_env.pop(key, None)
        else:
            run_env[key] = value
    proc = subprocess.run(cmd, cwd=ROOT, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=itlib.PLAYBOOK_TIMEOUT, check=False)
    run = itlib.Run(proc)
    run.text = " ".join(run.out.split())  # the yaml callback wraps long messages
    return run


def no_credentials_env(tmp):
    """An environment where boto3 finds no credentials at all: no AWS_* variables, empty files, no IMDS."""
    env = {k: None for k in os.environ if k.startswith(("AWS_", "EC2_"))}
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(tmp / "none"), AWS_CONFIG_FILE=str(tmp / "none"),
               AWS_EC2_METADATA_DISABLED="true")
    return env


def slr(endpoint, service):
    iam = _client(endpoint, "iam")
    roles = iam.list_roles(PathPrefix=SLR_PATH.format(service))["Roles"]
    return [r for r in roles if r["Path"] == SLR_PATH.format(service)]


def _client(endpoint, service):
    import boto3
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


# ---- aws_account ---------------------------------------------------------------------------

@pytest.mark.parametrize("region,endpoint_set", [("us-east-7", False), ("Bad Region", True)])
def test_bad_region_stops_before_any_request(emulator, region, endpoint_set):
    record(emulator)
    run = playbook(emulator, f"{HERE}/account.yml", microservice_aws_region=region,
                   microservice_aws_endpoint_url=emulator if endpoint_set else None)
    assert run.rc != 0, run
    assert f"microservice_aws_region '{region}'" in run.text, run
    assert recorded(emulator) == []


def test_no_credentials_stop_with_one_sentence_naming_the_ways(emulator, tmp_path):
    record(emulator)
    run = playbook(emulator, f"{HERE}/account.yml", creds=False, env=no_credentials_env(tmp_path))
    assert run.rc != 0, run
    for way in ("No AWS credentials were found", "profile", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN",
                "instance", "AWX"):
        assert way in run.text, (way, run)
    assert recorded(emulator) == []


def test_first_run_says_who_and_where_and_creates_the_service_linked_roles(emulator):
    record(emulator)
    run = playbook(emulator, f"{HERE}/account.yml")
    assert run.rc == 0, run
    assert "Deploying countweb in AWS account 123456789012" in run.text, run
    assert "region us-east-1, as arn:aws:sts::123456789012:user/moto" in run.text, run
    calls = recorded(emulator)
    assert ops(calls)[0] == "GetCallerIdentity"
    assert ops(calls).count("GetCallerIdentity") == 1
    assert [c[1]["AWSServiceName"] for c in calls if c[0] == "CreateServiceLinkedRole"] == [
        "ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com"]
    # Temporary credentials: the session token goes with every request.
    assert all(c[2].get("x-amz-security-token") == TOKEN for c in calls), [c[0] for c in calls if c[2].get("x-amz-security-token") != TOKEN]
    assert slr(emulator, "ecs.amazonaws.com") and slr(emulator, "elasticloadbalancing.amazonaws.com")
    assert not slr(emulator, "ecs.application-autoscaling.amazonaws.com")


def test_rerun_changes_nothing_and_autoscaling_adds_its_role(emulator):
    record(emulator)
    run = playbook(emulator, f"{HERE}/account.yml")
    assert run.rc == 0 and run.changed == 0, run
    assert "CreateServiceLinkedRole" not in ops(recorded(emulator))
    record(emulator)
    run = playbook(emulator, f"{HERE}/account.yml", service_autoscaling=True)
    assert run.rc == 0 and run.changed == 1, run
    assert [c[1]["AWSServiceName"] for c in recorded(emulator) if c[0] == "CreateServiceLinkedRole"] == [
        "ecs.application-autoscaling.amazonaws.com"]


def test_check_mode_on_a_fresh_account_creates_nothing(emulator):
    _post(emulator + "/moto-api/reset")
    record(emulator)
    run = playbook(emulator, f"{HERE}/account.yml", "--check")
    assert run.rc == 0 and run.changed == 1, run  # one loop task over both roles
    assert "CreateServiceLinkedRole" not in ops(recorded(emulator))
    run = playbook(emulator, f"{HERE}/account.yml")
    assert run.rc == 0 and run.changed == 1, run  # one loop task over both roles
    assert slr(emulator, "ecs.amazonaws.com") and slr(emulator, "elasticloadbalancing.amazonaws.com")


def test_teardown_needs_no_engine_no_sources_and_keeps_the_service_linked_roles(emulator):
    for service in ("ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com"):
        if not slr(emulator, service):
            _client(emulator, "iam").create_service_linked_role(AWSServiceName=service)
    record(emulator)
    run = playbook(emulator, "playbooks/teardown.yml", microservice_deployment="hawsdown",
                   image_build_docker_host="unix:///nonexistent/haws-docker.sock",
                   image_build_web_context="/nonexistent/haws/web", image_build_redis_context="/nonexistent/haws/redis")
    assert run.rc == 0, run
    assert "Tearing down hawsdown in AWS account 123456789012" in run.text, run
    assert "No container engine answers at unix:///nonexistent/haws-docker.sock" in run.text, run
    calls = ops(recorded(emulator))
    assert calls[0] == "GetCallerIdentity"
    assert not [op for op in calls if "ServiceLinkedRole" in op or op == "DeleteRole"]
    assert slr(emulator, "ecs.amazonaws.com") and slr(emulator, "elasticloadbalancing.amazonaws.com")


# ---- network, network_nat_mode none --------------------------------------------------------

NET = {"microservice_deployment": "hawsnet", "network_nat_mode": "none"}


def _groups(endpoint, deployment):
    ec2 = _client(endpoint, "ec2")
    found = ec2.describe_security_groups(Filters=[{"Name": "tag:fargate.microservice/deployment", "Values": [deployment]}])
    return {g["GroupName"]: g for g in found["SecurityGroups"]}


def test_network_none_takes_endpoint_names_from_the_region_and_waits_for_them(emulator):
    record(emulator)
    run = playbook(emulator, f"{HERE}/network.yml", **NET)
    assert run.rc == 0, run
    calls = recorded(emulator)
    names = ops(calls)
    assert "DescribeVpcEndpointServices" in names
    first_create = names.index("CreateVpcEndpoint")
    assert names.index("DescribeVpcEndpointServices") < first_create
    created = [c[1]["ServiceName"] for c in calls if c[0] == "CreateVpcEndpoint"]
    assert created == ["com.amazonaws.us-east-1.ecr.api", "com.amazonaws.us-east-1.ecr.dkr",
                       "com.amazonaws.us-east-1.logs", "com.amazonaws.us-east-1.s3"]
    last_create = len(names) - 1 - names[::-1].index("CreateVpcEndpoint")
    # The wait: the endpoints are described by id after the last one was created.
    assert any(c[0] == "DescribeVpcEndpoints" and any(k.startswith("VpcEndpointId") for k in c[1])
               for c in calls[last_create + 1:])
    groups = _groups(emulator, "hawsnet")
    alb, tasks = groups["hawsnet-alb"], groups["hawsnet-tasks"]
    assert [(p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), [g["GroupId"] for g in p["UserIdGroupPairs"]],
             p.get("IpRanges")) for p in alb["IpPermissionsEgress"]] == [("tcp", 8000, 8000, [tasks["GroupId"]], [])]


def test_network_rerun_changes_nothing(emulator):
    run = playbook(emulator, f"{HERE}/network.yml", **NET)
    assert run.rc == 0 and run.changed == 0, run


def test_too_few_usable_zones_stop_before_anything_is_created(emulator):
    record(emulator)
    run = playbook(emulator, f"{HERE}/network.yml", microservice_deployment="hawszone",
                   network_fargate_zone_ids={"us-east-1": ["use1-az6"]})
    assert run.rc != 0, run
    assert "The region has 1 zone(s) where Fargate runs (us-east-1a), but the network needs 2" in run.text, run
    assert not [op for op in ops(recorded(emulator)) if op.startswith("Create")]


def test_network_teardown_removes_the_cross_referencing_groups(emulator):
    run = playbook(emulator, f"{HERE}/network.yml", network_state="absent", **NET)
    assert run.rc == 0, run
    assert _groups(emulator, "hawsnet") == {}
