# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The service role, found its service DRAINING (an interrupted teardown), waits for INACTIVE before it creates it.

The emulator deletes a service at once, so it never shows DRAINING; AWS does, for as long as ECS takes to stop the
service's tasks, and CreateService refuses the name until then. The test puts a proxy in front of its own emulator
that answers the first DRAINS DescribeServices requests for the service `web` with a replayed document saying
DRAINING (shaped as botocore's ECS model gives DescribeServicesResponse / Service: ecs/2014-11-13/service-2.json,
the values as AWS's DeleteService example shows a deleted service: status DRAINING, desiredCount 0), and passes every
other request through. Through the roles as site.yml runs them (task, service):
- DRAINING for three answers: the role waits, then creates the service; CreateService comes after the last
  DRAINING answer (the proxy keeps the ECS operations in order: no CreateService while AWS would refuse it);
- DRAINING for longer than service_wait_timeout: the run fails saying the service is still DRAINING, and creates
  nothing.

Run: .venv/bin/python -m pytest -v tests/integration/service_draining   (ports IT_DRAIN_EMULATOR_PORT and the next,
else free ones; about 3-8 min on a busy machine)
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

ROOT = itlib.ROOT
D = "hawdrain"
# X-Amz-Target of ECS's operations (botocore's model, metadata.targetPrefix).
ECS_PREFIX = "AmazonEC2ContainerServiceV20141113."
TARGET = ECS_PREFIX + "DescribeServices"
ACCOUNT = "123456789012"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def draining_document(cluster, name, region):
    """DescribeServices' answer for a service being deleted (botocore's ECS model, DescribeServicesResponse)."""
    arn = f"arn:aws:ecs:{region}:{ACCOUNT}:service/{cluster}/{name}"
    return {
        "services": [{
            "serviceArn": arn,
            "serviceName": name,
            "clusterArn": f"arn:aws:ecs:{region}:{ACCOUNT}:cluster/{cluster}",
            "loadBalancers": [],
            "serviceRegistries": [],
            "status": "DRAINING",
            "desiredCount": 0,
            "runningCount": 2,
            "pendingCount": 0,
            "launchType": "FARGATE",
            "taskDefinition": f"arn:aws:ecs:{region}:{ACCOUNT}:task-definition/{D}-web-redis-task:1",
            "deployments": [],
            "events": [],
            "createdAt": 1767225600.0,
            "schedulingStrategy": "REPLICA",
            "tags": [{"key": itlib.OWNER_KEY, "value": D}],
        }],
        "failures": [],
    }


class Proxy:
    """Forwards to the emulator; the first ``drains`` DescribeServices of `web` are answered DRAINING."""

    def __init__(self, port, upstream):
        self.drains, self.answered, self.lock = 0, 0, threading.Lock()
        self.calls = []  # the ECS operations in the order they came, a DRAINING answer as "DescribeServices DRAINING"
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target") or ""
                drain = False
                if target == TARGET:
                    asked = json.loads(body or b"{}")
                    with proxy.lock:
                        drain = "web" in [s.rsplit("/", 1)[-1] for s in asked.get("services", [])] and proxy.drains > 0
                        if drain:
                            proxy.drains -= 1
                            proxy.answered += 1
                if target.startswith(ECS_PREFIX):
                    with proxy.lock:
                        proxy.calls.append(target[len(ECS_PREFIX):] + (" DRAINING" if drain else ""))
                    if drain:
                        return self._reply(200, {"Content-Type": "application/x-amz-json-1.1"},
                                           json.dumps(draining_document(asked.get("cluster", "default"), "web",
                                                                        itlib.REGION)).encode())
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                request = urllib.request.Request(upstream + self.path, data=body if body else None, headers=headers,
                                                 method=self.command)
                try:
                    with urllib.request.urlopen(request, timeout=120) as resp:
                        return self._reply(resp.status, dict(resp.headers.items()), resp.read())
                except urllib.error.HTTPError as err:
                    return self._reply(err.code, dict(err.headers.items()), err.read())

            def _reply(self, status, headers, payload):
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def drain(self, count):
        with self.lock:
            self.drains, self.answered, self.calls = count, 0, []

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def stack():
    base = os.environ.get("IT_DRAIN_EMULATOR_PORT")
    port, proxy_port = (int(base), int(base) + 1) if base else (_free_port(), _free_port())
    env = dict(os.environ, MOTO_ECS_SERVICE_RUNNING="2", MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    moto = subprocess.Popen([str(ROOT / ".venv/bin/moto_server"), "-H", "127.0.0.1", "-p", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    upstream = f"http://127.0.0.1:{port}"
    proxy = None
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(upstream + "/moto-api/", timeout=2)
                break
            except OSError:
                if moto.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not start on port {port}")
                time.sleep(0.3)
        fixture = run("tests/integration/fixtures/stack.yml", emulator_port=port)
        assert fixture.rc == 0, fixture
        proxy = Proxy(proxy_port, upstream)
        yield {"upstream": upstream, "proxy": proxy, "endpoint": f"http://127.0.0.1:{proxy_port}"}
    finally:
        if proxy:
            proxy.stop()
        moto.terminate()
        moto.wait(timeout=20)


def run(path, *args, **extra_vars):
    cmd = [str(ROOT / ".venv/bin/ansible-playbook"), "-i", str(ROOT / "inventory/local"), str(ROOT / path),
           "-e", json.dumps(dict({"microservice_deployment": D}, **extra_vars))] + list(args)
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return itlib.Run(subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, timeout=580, check=False))


def web_service(upstream):
    ecs = boto3_client(upstream)
    return [s for s in ecs.describe_services(cluster=D, services=["web"], include=["TAGS"])["services"]
            if s["status"] == "ACTIVE"]


def boto3_client(upstream):
    import boto3
    return boto3.client("ecs", endpoint_url=upstream, region_name=itlib.REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def test_still_draining_fails_and_creates_nothing(stack):
    proxy = stack["proxy"]
    proxy.drain(1000)
    result = run("tests/integration/service_draining/deploy.yml", microservice_aws_endpoint_url=stack["endpoint"],
                 service_wait_delay=1, service_wait_timeout=3)
    assert result.rc != 0 and result.failed == 1, result
    assert "Fail, the service is still DRAINING" in result.out, result
    assert f"The ECS service web in cluster {D} is still DRAINING" in " ".join(result.out.split()), result
    # The first look, then every try of the wait (each but the last followed by a retry line): no more, no less.
    retries = result.out.count("FAILED - RETRYING: [localhost]: Wait until the DRAINING service is INACTIVE")
    assert retries >= 2 and proxy.answered == retries + 2, (retries, proxy.answered)
    assert not [c for c in proxy.calls if c.startswith(("CreateService", "UpdateService", "DeleteService"))], proxy.calls
    assert web_service(stack["upstream"]) == []


def test_draining_is_waited_for_then_created(stack):
    proxy = stack["proxy"]
    proxy.drain(3)
    # The rollout's wait is not what is tested here (tests/integration/service does).
    result = run("tests/integration/service_draining/deploy.yml", microservice_aws_endpoint_url=stack["endpoint"],
                 service_wait_delay=1, service_wait=False)
    assert result.rc == 0, result
    assert proxy.answered == 3 and proxy.drains == 0
    assert result.out.count("FAILED - RETRYING: [localhost]: Wait until the DRAINING service is INACTIVE") == 2, result
    # No CreateService while AWS would refuse the name: it comes after the last DRAINING answer.
    calls = proxy.calls
    last_draining = max(i for i, c in enumerate(calls) if c.endswith(" DRAINING"))
    assert "CreateService" in calls[last_draining:], calls
    assert "CreateService" not in calls[:last_draining], calls
    [web] = web_service(stack["upstream"])
    assert {t["key"]: t["value"] for t in web["tags"]}[itlib.OWNER_KEY] == D
    assert web["desiredCount"] == 2 and web["launchType"] == "FARGATE"
