# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input fails before the first AWS call, with a message that names the variable.

For each bad input (one per role variable family) site.yml is run against a live emulator and
must fail with a message naming the variable (and no other variable of the same family when the
check is about one variable alone), while the emulator's access log shows that it received no
request at all: nothing was looked up, created or left behind. teardown.yml is held to the same.

Run: .venv/bin/python -m pytest -v tests/integration/preflight   (IT_EMULATOR_PORT, default 5199)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

# (extra vars, the variable the message must name, variables it must not blame)
CASES = [
    ({"microservice_deployment": "Bad_Name"}, "microservice_deployment", []),
    ({"microservice_tags": '{"team":"web"}'}, "microservice_tags", []),
    ({"microservice_topology": "cloudmap"}, "microservice_topology", []),
    ({"network_nat_mode": "sometimes"}, "network_nat_mode", []),
    ({"network_vpc_cidr": "10.1.0.0/33"}, "network_vpc_cidr", []),
    ({"network_alb_ingress_cidrs": "0.0.0.0/0"}, "network_alb_ingress_cidrs", []),
    ({"registry_keep_images": "0"}, "registry_keep_images", []),
    ({"registry_image_tag_mutability": "sometimes"}, "registry_image_tag_mutability", []),
    ({"image_build_tag_length": "4"}, "image_build_tag_length", ["image_build_platform", "microservice_deployment"]),
    ({"image_build_platform": "amd64"}, "image_build_platform", ["image_build_tag_length"]),
    ({"image_build_docker_host": "ftp://engine"}, "image_build_docker_host", ["image_build_tag_length"]),
    ({"image_build_web_context": "/nonexistent/web"}, "image_build_web_context", ["image_build_redis_context"]),
    ({"container_engine_start_timeout": "0"}, "container_engine_start_timeout", ["container_engine_docker_host"]),
    ({"ecs_cluster_log_retention_days": "-1"}, "ecs_cluster_log_retention_days", []),
    ({"ecs_cluster_capacity_providers": "FARGATE"}, "ecs_cluster_capacity_providers", []),
    ({"task_cpu": "300"}, "task_cpu", []),
    ({"task_web_environment": '{"A":"b"}'}, "task_web_environment", []),
    ({"task_redis_image": "Redis:@@"}, "task_redis_image", ["task_web_image"]),
    ({"task_web_image": "countweb/web@sha256:abc"}, "task_web_image", ["task_redis_image"]),
    ({"alb_health_check_path": "home"}, "alb_health_check_path", []),
    ({"alb_https_enabled": "true"}, "alb_certificate_arn", []),
    ({"alb_listener_port": "70000"}, "alb_listener_port", ["alb_target_port", "alb_https_port"]),
    ({"alb_health_check_interval": "3"}, "alb_health_check_interval", ["alb_healthy_threshold", "alb_unhealthy_threshold"]),
    ({"service_desired_count": "-1"}, "service_desired_count", ["service_maximum_percent", "service_container_port"]),
    ({"service_task_revision": "latest-ish"}, "service_task_revision", ["service_name", "service_task_family"]),
    ({"service_wait_delay": "0"}, "service_wait_delay", []),
    ({"service_autoscaling": "true", "service_autoscaling_max": "0"}, "service_autoscaling_max",
     ["service_autoscaling_cpu_target"]),
    ({"local_alb_port": "0"}, "local_alb_port", ["local_alb_targets", "local_alb_maxconn"]),
    ({"local_runtime_host_port_first": "19000", "local_runtime_host_port_last": "18999"}, "local_runtime_host_port_first",
     ["local_runtime_start_timeout"]),
    ({"verify_count_attempts": "0"}, "verify_count_attempts", ["verify_path", "verify_timeout"]),
    ({"verify_path": "home"}, "verify_path", ["verify_count_attempts"]),
]


@pytest.fixture(scope="module", autouse=True)
def emulator():
    itlib.start_emulator()
    itlib.reset_emulator()
    yield
    itlib.stop_emulator()


def requests_so_far():
    """The AWS requests the emulator has served (it counts every one but moto's own /moto-api/ ones)."""
    return itlib.emulator_requests()


def failure_text(out):
    """What the failed task said: ansible-core's `[ERROR]: ...` report up to its `Origin:` line."""
    found = re.findall(r"^\[ERROR\]: (.*?)^Origin:", out, re.S | re.M)
    assert found, out[-3000:]
    return "\n".join(found)


def run_case(playbook, extra):
    before = requests_so_far()
    args = []
    for key, value in extra.items():
        args += ["-e", f"{key}={value}"]
    run = itlib.playbook(playbook, *args)
    return run, requests_so_far() - before


@pytest.mark.parametrize("extra, name, not_blamed", CASES, ids=[c[1] + "=" + "|".join(c[0].values()) for c in CASES])
def test_site_refuses_before_any_aws_call(extra, name, not_blamed):
    run, sent = run_case("site.yml", extra)
    assert run.rc != 0, run
    text = failure_text(run.out)
    assert name in text, run
    for other in not_blamed:
        assert other not in text, f"the message blames {other} too:\n{text[:2000]}"
    assert sent == 0, f"the emulator received {sent} request(s) before the input was refused:\n{run}"


def test_a_dict_given_as_a_string_shows_the_json_form():
    run, sent = run_case("site.yml", {"task_web_environment": '{"A":"b"}'})
    assert run.rc != 0 and sent == 0, run
    assert """-e '{"task_web_environment": {"A": "b"}}'""" in " ".join(failure_text(run.out).split()), run


def test_teardown_refuses_before_any_aws_call():
    run, sent = run_case("playbooks/teardown.yml", {"registry_keep_images": "0"})
    assert run.rc != 0, run
    assert "registry_keep_images" in failure_text(run.out), run
    assert sent == 0, run


def test_good_input_passes_the_checks():
    # The same checks pass on the inventory's defaults (a tag no role has runs only the `always`
    # plays: the preflight checks and the emulator's start), so the cases above fail for their input.
    run = itlib.playbook("site.yml", "--tags", "preflight-only-check")
    assert run.rc == 0 and run.failed == 0, run


SECOND_PASS = "tests/integration/preflight/second_pass.yml"
CHECK_TASK = re.compile(r"^TASK \[fargate\.microservice\.alb : Check the alb variables\][^\n]*\n(\S+)", re.M)


def test_a_role_skips_the_checks_the_preflight_play_made_on_the_same_values():
    # alb_state=absent on an empty emulator: the role looks up, finds nothing and removes nothing.
    run = itlib.playbook(SECOND_PASS, alb_state="absent")
    assert run.rc == 0 and run.changed == 0, run
    # The preflight play's assert passed (ok); the role's include of the same checks was skipped (ansible.cfg prints
    # no skipped task), so nothing included the role's preflight.yml.
    assert [m.rstrip(":") for m in CHECK_TASK.findall(run.out)] == ["ok"], run
    assert "alb/tasks/preflight.yml" not in run.out, run


def test_a_role_checks_a_value_the_preflight_play_did_not_see():
    run, sent = run_case(SECOND_PASS, {"alb_state": "absent", "pf_listener_port": "70000"})
    assert run.rc != 0, run
    assert "alb_listener_port must be a TCP port between 1 and 65535, got 70000" in " ".join(failure_text(run.out).split()), run
    # The preflight play passed on the default port; the role's own pass refused the parameter before any AWS call.
    assert [m.rstrip(":") for m in CHECK_TASK.findall(run.out)] == ["ok", "included", "[ERROR]"], run
    assert "alb/tasks/preflight.yml for localhost" in run.out, run
    assert sent == 0, run


def test_a_revision_that_is_not_the_deployments_is_blamed_on_the_variable():
    # Which revisions exist is only known from AWS, so this one is checked by the service role
    # itself, on the fixture stack: the message names service_task_revision, not a missing role.
    before = requests_so_far()
    fixture = itlib.playbook("tests/integration/fixtures/stack.yml", microservice_deployment="tstrev")
    assert fixture.rc == 0, fixture
    # The request count the cases above read is live: building the stack is seen there.
    assert requests_so_far() > before + 10, (before, requests_so_far())
    run = itlib.playbook("site.yml", "--tags", "service", microservice_deployment="tstrev", service_task_revision="999")
    assert run.rc != 0, run
    text = " ".join(run.out.split())
    assert "service_task_revision 999: tstrev-web-redis-task:999 is not an ACTIVE revision of this deployment" in text, run
    assert "run those roles first" not in text, run


def test_a_malformed_image_is_refused_naming_its_variable():
    # The example, given as JSON (a key=value -e would split it at the space).
    run, sent = run_case_json("site.yml", {"task_web_image": "Bad Image!!:@@"})
    assert run.rc != 0 and sent == 0, run
    text = " ".join(failure_text(run.out).split())
    assert "task_web_image 'Bad Image!!:@@' is not a valid image reference (it contains white space)" in text, run
    assert "task_redis_image" not in text, run


def test_arm64_tasks_on_fargate_spot_are_refused_before_any_aws_call():
    # AWS runs no ARM64 task on Fargate Spot (Fargate capacity provider considerations); the emulator would accept
    # the service, so the input check refuses it, naming the strategy.
    run, sent = run_case_json("site.yml", {"task_cpu_architecture": "ARM64",
                                           "service_capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT"}]})
    assert run.rc != 0 and sent == 0, run
    text = " ".join(failure_text(run.out).split())
    assert "service_capacity_provider_strategy places tasks on FARGATE_SPOT, which runs only X86_64 tasks" in text, run


def run_case_json(playbook, extra, *args):
    before = requests_so_far()
    run = itlib.playbook(playbook, "-e", json.dumps(extra), *args)
    return run, requests_so_far() - before


# Every playbook that talks to AWS starts with the preflight role, whose first check is the region.
AWS_PLAYBOOKS = ["site.yml", "playbooks/teardown.yml", "playbooks/verify.yml", "playbooks/status.yml",
                 "playbooks/logs.yml", "playbooks/rollback.yml"]


@pytest.mark.parametrize("playbook", ["site.yml", "playbooks/status.yml"])
def test_a_bad_region_never_reaches_the_emulator(playbook):
    # Local inventory: the endpoint is the emulator, so only the region's shape is checked.
    run, sent = run_case(playbook, {"microservice_aws_region": "mars"})
    assert run.rc != 0, run
    assert "microservice_aws_region 'mars' is not shaped like an AWS region" in " ".join(failure_text(run.out).split()), run
    assert sent == 0, run


@pytest.mark.parametrize("playbook", AWS_PLAYBOOKS)
def test_a_bad_region_never_reaches_aws(playbook, monkeypatch):
    # The aws inventory (no endpoint variable): the region must be one botocore knows. AWS_ENDPOINT_URL sends
    # any AWS call that would still be made to the emulator instead (boto3 honours it), where it is counted.
    for key, value in (("AWS_ENDPOINT_URL", itlib.ENDPOINT), ("AWS_ACCESS_KEY_ID", "testing"),
                       ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(key, value)
    run, sent = run_case_json(playbook, {"microservice_aws_region": "us-east-9"}, "-i", str(itlib.ROOT / "inventory/aws"))
    assert run.rc != 0, run
    text = " ".join(failure_text(run.out).split())
    assert "microservice_aws_region 'us-east-9' is not an AWS region botocore knows; use one of us-east-1" in text, run
    assert sent == 0, run
