# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Integration test of the alb role against the emulator (real moto server, no mocks).

The network comes from tests/integration/fixtures/network_fixture.yml (the contract's names and
tags), so the role is tested alone, finding everything by name and ownership tag.
Run: .venv/bin/python -m pytest -v tests/integration/alb   (IT_EMULATOR_PORT, default 5199)
The tests share the emulator's state and run in file order. moto's request recorder pins the calls of the listeners'
tags (amazon.aws.elb_application_lb cannot tag listeners; fargate.microservice.alb_listener_tags does): AddTags on the
new listeners' ARNs after CreateListener on a first run, no write and no more lookups than the one discovery on a no-op
rerun.
"""

from __future__ import annotations

import base64
import json
import sys
import tempfile
import urllib.parse
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

CONVERGE = "tests/integration/alb/converge.yml"
NETWORK = "tests/integration/fixtures/network_fixture.yml"
D = "italb"
EXTRA = json.dumps({"microservice_tags": {"team": "web"}})
LB_TAGS = {"Name": f"{D}-web-lb", itlib.OWNER_KEY: D, "team": "web"}
_RECORDING = {}


@pytest.fixture(scope="module", autouse=True)
def emulator():
    with tempfile.TemporaryDirectory(prefix="italb-recording-") as tmp:
        _RECORDING["emulator"] = itlib.start_emulator(recording=Path(tmp) / "recording")
        itlib.reset_emulator()
        for deployment in (D, "decoy"):
            run = itlib.playbook(NETWORK, microservice_deployment=deployment)
            assert run.rc == 0, run
        yield
        itlib.reset_emulator()
        itlib.stop_emulator()


def recorded(run_it):
    """Run ``run_it()`` while moto's recorder records; return its result and the AWS calls [(Action, params)] in order
    (every service the role calls speaks the query protocol: Action and its parameters in the body)."""
    emulator = _RECORDING["emulator"]
    emulator.start_recording()
    try:
        result = run_it()
    finally:
        text = emulator.stop_recording()
    calls = []
    for line in text.splitlines():
        entry = json.loads(line)
        if urllib.parse.urlparse(entry["url"]).path.startswith("/moto-api"):
            continue
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        params = dict(urllib.parse.parse_qsl(body))
        calls.append((params.pop("Action", f"{entry['method']} {entry['url']}"), params))
    return result, calls


def members(params, prefix):
    """A query-protocol list parameter (``ResourceArns.member.1`` ...) as a list."""
    return [v for k, v in sorted(params.items(), key=lambda kv: kv[0]) if k.startswith(prefix + ".member.")]


def elbv2():
    return itlib.client("elbv2")


def load_balancer(name):
    found = [lb for lb in elbv2().describe_load_balancers()["LoadBalancers"] if lb["LoadBalancerName"] == name]
    return found[0] if found else None


def target_group(name):
    try:
        return elbv2().describe_target_groups(Names=[name])["TargetGroups"][0]
    except elbv2().exceptions.TargetGroupNotFoundException:
        return None


def tags(arn):
    return {t["Key"]: t["Value"] for t in elbv2().describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]}


def listeners(lb):
    return {li["Port"]: li for li in elbv2().describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]}


def network(deployment):
    ec2 = itlib.client("ec2")
    owner = {"Name": f"tag:{itlib.OWNER_KEY}", "Values": [deployment]}
    vpc = ec2.describe_vpcs(Filters=[owner])["Vpcs"][0]["VpcId"]
    public = ec2.describe_subnets(Filters=[owner, {"Name": "tag:fargate.microservice/tier", "Values": ["public"]}])
    sg = ec2.describe_security_groups(Filters=[owner, {"Name": "group-name", "Values": [f"{deployment}-alb"]}])
    return vpc, sorted(s["SubnetId"] for s in public["Subnets"]), sg["SecurityGroups"][0]["GroupId"]


def registered(tg):
    health = elbv2().describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
    return sorted((h["Target"]["Id"], h["Target"]["Port"]) for h in health)


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"alb_health_check_path": "health"}, "alb_health_check_path must start with /"),
        ({"alb_healthy_threshold": 1}, "alb_healthy_threshold must be 2-10; got 1."),
        ({"alb_unhealthy_threshold": 11}, "alb_unhealthy_threshold must be 2-10; got 11."),
        ({"alb_health_check_interval": 4}, "alb_health_check_interval must be 5-300 seconds; got 4."),
        ({"alb_health_check_interval": 301}, "alb_health_check_interval must be 5-300 seconds; got 301."),
        ({"alb_health_check_timeout": 15}, "alb_health_check_timeout (15) must be shorter than alb_health_check_interval (15)."),
        ({"alb_target_port": 0}, "alb_target_port must be a TCP port between 1 and 65535"),
        ({"alb_listener_port": 70000}, "alb_listener_port must be a TCP port between 1 and 65535"),
        ({"alb_health_check_matcher": "ok"}, "alb_health_check_matcher must be HTTP codes"),
        ({"alb_deregistration_delay": -1}, "alb_deregistration_delay must be 0-3600"),
        ({"alb_https_enabled": True}, "set alb_certificate_arn"),
        ({"alb_scheme": "public"}, "alb_scheme"),
        ({"microservice_deployment": ""}, "microservice_deployment '' is invalid; use 1 to 20 characters"),
    ],
)
def test_bad_input_fails_before_any_aws_call(extra, message):
    extra.setdefault("microservice_deployment", D)
    run = itlib.playbook(CONVERGE, "-e", json.dumps(extra))
    assert run.rc != 0, run
    assert message in run.out, run
    assert load_balancer(f"{D}-web-lb") is None and target_group(f"{D}-web-tg") is None


def test_without_a_network_check_mode_passes_and_a_real_run_says_what_to_do():
    check = itlib.playbook(CONVERGE, "--check", "--diff", microservice_deployment="nonet")
    assert check.rc == 0, check
    run = itlib.playbook(CONVERGE, microservice_deployment="nonet")
    assert run.rc != 0, run
    assert "run the network role first" in run.out, run
    assert load_balancer("nonet-web-lb") is None and target_group("nonet-web-tg") is None


def noted(*args):
    """Run the converge playbook with ``args``; return its result and the alb_output it noted for the service role."""
    with tempfile.TemporaryDirectory(prefix="italb-output-") as tmp:
        path = Path(tmp) / "alb_output.json"
        run = itlib.playbook(CONVERGE, *args, "-e", EXTRA, microservice_deployment=D, alb_output_file=path)
        return run, (json.loads(path.read_text()) if path.exists() else None)


def test_check_mode_on_empty_stack_changes_nothing():
    run, output = noted("--check", "--diff")
    assert run.rc == 0 and run.changed == 2, run
    assert load_balancer(f"{D}-web-lb") is None and target_group(f"{D}-web-tg") is None
    # A target group that would be created has no ARN yet: the service role looks it up itself (and finds it missing).
    assert output == {"deployment": D, "target_group_arn": ""}, output


def test_deploy_then_rerun_is_idempotent():
    (run, created), calls = recorded(noted)
    # the target group, the load balancer with its listener, the listener's tags
    assert run.rc == 0 and run.changed == 3, run
    vpc, public_subnets, alb_sg = network(D)

    lb = load_balancer(f"{D}-web-lb")
    assert lb["Scheme"] == "internet-facing" and lb["Type"] == "application" and lb["VpcId"] == vpc
    assert sorted(az["SubnetId"] for az in lb["AvailabilityZones"]) == public_subnets
    assert lb["SecurityGroups"] == [alb_sg]
    assert tags(lb["LoadBalancerArn"]) == {"Name": f"{D}-web-lb", itlib.OWNER_KEY: D, "team": "web"}

    tg = target_group(f"{D}-web-tg")
    assert (tg["TargetType"], tg["Protocol"], tg["Port"], tg["VpcId"]) == ("ip", "HTTP", 8000, vpc)
    assert (tg["HealthCheckProtocol"], tg["HealthCheckPort"], tg["HealthCheckPath"]) == ("HTTP", "traffic-port", "/health")
    assert (tg["HealthCheckIntervalSeconds"], tg["HealthCheckTimeoutSeconds"]) == (15, 5)
    assert (tg["HealthyThresholdCount"], tg["UnhealthyThresholdCount"]) == (2, 3)
    assert tg["Matcher"]["HttpCode"] == "200"
    attributes = {a["Key"]: a["Value"] for a in elbv2().describe_target_group_attributes(
        TargetGroupArn=tg["TargetGroupArn"])["Attributes"]}
    assert attributes["deregistration_delay.timeout_seconds"] == "30"
    assert tags(tg["TargetGroupArn"]) == {"Name": f"{D}-web-tg", itlib.OWNER_KEY: D, "team": "web"}
    # The ARN alb_target_group returned on creating the group, for the service role in the same run.
    assert created == {"deployment": D, "target_group_arn": tg["TargetGroupArn"]}, created

    by_port = listeners(lb)
    assert sorted(by_port) == [80]
    assert by_port[80]["Protocol"] == "HTTP"
    assert by_port[80]["DefaultActions"][0]["Type"] == "forward"
    assert by_port[80]["DefaultActions"][0]["TargetGroupArn"] == tg["TargetGroupArn"]
    # The listener carries the load balancer's tags: tagged by one AddTags on its ARN, after it was created.
    assert tags(by_port[80]["ListenerArn"]) == LB_TAGS
    names = [c[0] for c in calls]
    add_tags = [i for i, c in enumerate(calls) if c[0] == "AddTags" and ":listener/" in " ".join(members(c[1], "ResourceArns"))]
    assert len(add_tags) == 1 and add_tags[0] > names.index("CreateListener"), names
    assert members(calls[add_tags[0]][1], "ResourceArns") == [by_port[80]["ListenerArn"]]
    assert "RemoveTags" not in names, names

    (again, output), calls = recorded(noted)
    assert again.rc == 0 and again.changed == 0, again
    # A no-op rerun: the one discovery (the listeners' tags in the same DescribeTags as the load balancer's), no write.
    assert sorted(c[0] for c in calls) == [
        "DescribeListeners", "DescribeLoadBalancers", "DescribeSecurityGroups", "DescribeSubnets", "DescribeTags",
        "DescribeTargetGroupAttributes", "DescribeTargetGroups"], calls
    # For the service role in the same run: the group's ARN as found (alb_target_group was skipped), so that its
    # lookup need not read the group again.
    assert output == {"deployment": D, "target_group_arn": tg["TargetGroupArn"]}, output
    check = itlib.playbook(CONVERGE, "--check", "--diff", "-e", EXTRA, microservice_deployment=D)
    assert check.rc == 0 and check.changed == 0, check


def test_reruns_never_deregister_targets_that_ecs_registered():
    tg = target_group(f"{D}-web-tg")
    targets = [{"Id": "10.1.1.10", "Port": 8000}, {"Id": "10.1.2.20", "Port": 8000}]
    elbv2().register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=targets)
    assert registered(tg) == [("10.1.1.10", 8000), ("10.1.2.20", 8000)]

    rerun = itlib.playbook(CONVERGE, "-e", EXTRA, microservice_deployment=D)
    assert rerun.rc == 0 and rerun.changed == 0, rerun
    assert registered(tg) == [("10.1.1.10", 8000), ("10.1.2.20", 8000)]

    # A real change to the target group (the lab's health check path) keeps them too.
    lab = json.dumps({"microservice_tags": {"team": "web"}, "alb_health_check_path": "/home"})
    check = itlib.playbook(CONVERGE, "--check", "--diff", "-e", lab, microservice_deployment=D)
    assert check.rc == 0 and check.changed == 1, check
    assert "-    health_check_path: /health" in check.out and "+    health_check_path: /home" in check.out, check
    assert target_group(f"{D}-web-tg")["HealthCheckPath"] == "/health"
    run = itlib.playbook(CONVERGE, "-e", lab, microservice_deployment=D)
    assert run.rc == 0 and run.changed == 1, run
    assert target_group(f"{D}-web-tg")["HealthCheckPath"] == "/home"
    assert registered(tg) == [("10.1.1.10", 8000), ("10.1.2.20", 8000)]
    # An untagged listener of our load balancer (one made before listeners were tagged) is adopted on the next run.
    listener = listeners(load_balancer(f"{D}-web-lb"))[80]["ListenerArn"]
    elbv2().remove_tags(ResourceArns=[listener], TagKeys=list(LB_TAGS))
    back = itlib.playbook(CONVERGE, "-e", EXTRA, microservice_deployment=D)
    assert back.rc == 0 and back.changed == 2, back  # the health check path, the listener's tags
    assert registered(tg) == [("10.1.1.10", 8000), ("10.1.2.20", 8000)]
    assert tags(listener) == LB_TAGS


def test_https_listener_with_redirect_then_back_to_http():
    cert = itlib.client("acm").request_certificate(DomainName="italb.example.com")["CertificateArn"]
    https = json.dumps({"microservice_tags": {"team": "web"}, "alb_https_enabled": True, "alb_certificate_arn": cert})
    run = itlib.playbook(CONVERGE, "-e", https, microservice_deployment=D)
    assert run.rc == 0 and run.changed == 2, run  # the HTTPS listener (and the redirect), its tags
    lb = load_balancer(f"{D}-web-lb")
    tg = target_group(f"{D}-web-tg")
    by_port = listeners(lb)
    assert sorted(by_port) == [80, 443]
    assert by_port[443]["Protocol"] == "HTTPS"
    assert by_port[443]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert [c["CertificateArn"] for c in by_port[443]["Certificates"]] == [cert]
    assert by_port[443]["DefaultActions"][0]["TargetGroupArn"] == tg["TargetGroupArn"]
    redirect = by_port[80]["DefaultActions"][0]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"]["Protocol"] == "HTTPS"
    assert redirect["RedirectConfig"]["Port"] == "443"
    assert redirect["RedirectConfig"]["StatusCode"] == "HTTP_301"
    assert tags(by_port[443]["ListenerArn"]) == LB_TAGS and tags(by_port[80]["ListenerArn"]) == LB_TAGS

    again = itlib.playbook(CONVERGE, "-e", https, microservice_deployment=D)
    assert again.rc == 0 and again.changed == 0, again
    check = itlib.playbook(CONVERGE, "--check", "--diff", "-e", https, microservice_deployment=D)
    assert check.rc == 0 and check.changed == 0, check

    back = itlib.playbook(CONVERGE, "-e", EXTRA, microservice_deployment=D)
    assert back.rc == 0 and back.changed == 1, back
    by_port = listeners(lb)
    assert sorted(by_port) == [80]
    assert by_port[80]["DefaultActions"][0]["Type"] == "forward"
    assert registered(tg) == [("10.1.1.10", 8000), ("10.1.2.20", 8000)]


def test_a_listener_of_another_deployment_is_never_changed():
    lb = load_balancer(f"{D}-web-lb")
    listener = listeners(lb)[80]["ListenerArn"]
    theirs = {"Name": "other-listener", itlib.OWNER_KEY: "other"}
    elbv2().add_tags(ResourceArns=[listener], Tags=[{"Key": k, "Value": v} for k, v in theirs.items()])
    refusal = f"The listener HTTP:80 of {D}-web-lb already exists but does not carry the ownership tag(s) {itlib.OWNER_KEY}={D}"
    # With a change to make (the lab's health check path), nothing is changed: not the listener, not the target group.
    lab = json.dumps({"microservice_tags": {"team": "web"}, "alb_health_check_path": "/home"})
    run = itlib.playbook(CONVERGE, "-e", lab, microservice_deployment=D)
    assert run.rc != 0 and refusal in run.out and f"It is tagged {itlib.OWNER_KEY}=other." in run.out, run
    assert target_group(f"{D}-web-tg")["HealthCheckPath"] == "/health"
    # Teardown would delete it with the load balancer: refused too.
    gone = itlib.playbook(CONVERGE, microservice_deployment=D, alb_state="absent")
    assert gone.rc != 0 and refusal in gone.out, gone
    assert load_balancer(f"{D}-web-lb") is not None and listeners(lb)[80]["ListenerArn"] == listener
    assert tags(listener) == dict(LB_TAGS, **theirs)
    elbv2().add_tags(ResourceArns=[listener], Tags=[{"Key": k, "Value": v} for k, v in LB_TAGS.items()])


def test_a_load_balancer_or_target_group_of_someone_else_is_never_touched():
    vpc, public_subnets, alb_sg = network("decoy")
    tg = elbv2().create_target_group(Name="decoy-web-tg", Protocol="HTTP", Port=8080, VpcId=vpc,
                                     TargetType="ip")["TargetGroups"][0]
    lb = elbv2().create_load_balancer(Name="decoy-web-lb", Subnets=public_subnets, SecurityGroups=[alb_sg],
                                      Scheme="internal")["LoadBalancers"][0]
    run = itlib.playbook(CONVERGE, microservice_deployment="decoy")
    assert run.rc != 0, run
    assert "already exists without the ownership tag" in run.out, run
    gone = itlib.playbook(CONVERGE, microservice_deployment="decoy", alb_state="absent")
    assert gone.rc == 0 and gone.changed == 0, gone
    assert "Left load balancer decoy-web-lb alone" in gone.out and "Left target group decoy-web-tg alone" in gone.out, gone
    assert load_balancer("decoy-web-lb")["Scheme"] == "internal"
    assert target_group("decoy-web-tg")["Port"] == 8080
    assert tags(lb["LoadBalancerArn"]) == {} and tags(tg["TargetGroupArn"]) == {}


def test_teardown_removes_only_ours_and_is_idempotent():
    check = itlib.playbook(CONVERGE, "--check", "--diff", microservice_deployment=D, alb_state="absent")
    assert check.rc == 0 and check.changed == 2, check
    assert load_balancer(f"{D}-web-lb") is not None and target_group(f"{D}-web-tg") is not None
    run = itlib.playbook(CONVERGE, microservice_deployment=D, alb_state="absent")
    assert run.rc == 0 and run.changed == 2, run
    assert load_balancer(f"{D}-web-lb") is None and target_group(f"{D}-web-tg") is None
    assert load_balancer("decoy-web-lb") is not None and target_group("decoy-web-tg") is not None
    again = itlib.playbook(CONVERGE, microservice_deployment=D, alb_state="absent")
    assert again.rc == 0 and again.changed == 0, again
    net = itlib.playbook(NETWORK, microservice_deployment=D, fixture_state="absent")
    assert net.rc == 0, net
