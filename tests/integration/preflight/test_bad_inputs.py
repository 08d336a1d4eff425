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

import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

LOG = Path(os.environ.get("HOME", "/root")) / ".cache/fargate-microservice" / f"emulator-{itlib.PORT}" / "moto.log"
# moto's server logs one line per request: `127.0.0.1 - - [date] "POST / HTTP/1.1" 200 -`.
REQUEST = re.compile(r'"(GET|POST|PUT|DELETE|HEAD|PATCH) ')

# (extra vars, the variable the message must name, variables it must not blame)
CASES = [
    ({"microservice_deployment": "Bad_Name"}, "microservice_deployment", []),
    ({"microservice_tags": '{"team":"web"}'}, "microservice_tags", []),
    ({"network_nat_mode": "sometimes"}, "network_nat_mode", []),
    ({"network_vpc_cidr": "10.1.0.0/33"}, "network_vpc_cidr", []),
    ({"network_alb_ingress_cidrs": "0.0.0.0/0"}, "network_alb_ingress_cidrs", []),
    ({"registry_keep_images": "0"}, "registry_keep_images", []),
    ({"registry_image_tag_mutability": "sometimes"}, "registry_image_tag_mutability", []),
    ({"image_build_tag_length": "4"}, "image_build_tag_length", ["image_build_platform", "microservice_deployment"]),
    ({"image_build_platform": "amd64"}, "image_build_platform", ["image_build_tag_length"]),
    ({"image_build_docker_host": "ftp://engine"}, "image_build_docker_host", ["image_build_tag_length"]),
    ({"container_engine_start_timeout": "0"}, "container_engine_start_timeout", ["container_engine_docker_host"]),
    ({"ecs_cluster_log_retention_days": "-1"}, "ecs_cluster_log_retention_days", []),
    ({"ecs_cluster_capacity_providers": "FARGATE"}, "ecs_cluster_capacity_providers", []),
    ({"task_cpu": "300"}, "task_cpu", []),
    ({"task_web_environment": '{"A":"b"}'}, "task_web_environment", []),
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
    return len(REQUEST.findall(LOG.read_text(errors="replace"))) if LOG.exists() else 0


def failure_text(out):
    """What the failed task said: ansible-core's `[ERROR]: ...` report up to its `Origin:` line."""
    found = re.findall(r"^\[ERROR\]: (.*?)^Origin:", out, re.S | re.M)
    assert found, out[-3000:]
    return "\n".join(found)


def run_case(playbook, extra):
    before = requests_so_far()
    assert before > 0 or LOG.exists(), f"the emulator's access log {LOG} is missing"
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
