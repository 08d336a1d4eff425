# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The service role against what the emulator cannot show: a DRAINING service, and the rollout's real verdict.

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

The emulator's UpdateService keeps the old deployment (same id, old revision) and runs no task, so the rollout's
wait (roles/service/tasks/wait.yml, on the deployment this run created) never sees a failure there. The proxy
also replays the rollout as AWS shows it, with the documents of tests/unit/plugins/module_utils/
ecs_rollout_documents.py (botocore's ECS model: UpdateServiceResponse / CreateServiceResponse, DescribeServicesResponse,
ListTasksResponse, DescribeTasksResponse; values from AWS's DescribeServices / DescribeTasks examples and the
circuit breaker's service event messages; the unit tests check every one against the model): the CreateService or
UpdateService answer gets AWS's deployments (a new PRIMARY one, IN_PROGRESS, beside the old one), then the
DescribeServices answers follow a scenario, and ListTasks / DescribeTasks give the deployment's stopped tasks.
Each case is one run of the service role (the run that created the service: success; then one revision more each):
- success: IN_PROGRESS, then COMPLETED: the play goes on (the DRAINING case above, which creates the service);
- failure with rollback: IN_PROGRESS, then FAILED while the circuit breaker rolls back, then rolled back (ours
  drained): the play fails saying revision N failed, the service went back to revision N-1, why, and the
  stopped tasks' reasons;
- failure without rollback: FAILED with the old revision still running: the play fails saying so;
- replaced: a newer deployment became PRIMARY while ours rolled out: the play fails saying by which.

Run: .venv/bin/python -m pytest -v tests/integration/service_draining   (ports IT_DRAIN_EMULATOR_PORT and the next,
else free ones; the 5 cases about 16-22 min at load 20-30 on 2 cores, the 2 draining cases alone 6.5 min before)
"""

from __future__ import annotations

import http.server
import importlib.util
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

_DOCS = importlib.util.spec_from_file_location(
    "ecs_rollout_documents", Path(__file__).resolve().parents[2] / "unit/plugins/module_utils/ecs_rollout_documents.py")
rollout_documents = importlib.util.module_from_spec(_DOCS)
_DOCS.loader.exec_module(rollout_documents)

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


class Rollout:
    """The rollout AWS would show for one service: after its CreateService/UpdateService (answered with AWS's new
    deployment), DescribeServices answers ``sequence`` (rollout_documents.Documents methods, the last one repeated),
    ListTasks/DescribeTasks the deployment's stopped tasks."""

    def __init__(self, documents, sequence):
        self.documents, self.sequence, self.changed, self.seen = documents, list(sequence), False, []

    def names(self, asked):
        """Whether an ECS request names this service."""
        named = [s.rsplit("/", 1)[-1] for s in asked.get("services", [])] + [asked.get("service", "").rsplit("/", 1)[-1],
                                                                             asked.get("serviceName", "")]
        return self.documents.name in named

    def on_change(self, operation, answer):
        """The emulator's CreateService/UpdateService answer (its state did change) with AWS's deployments."""
        answer["service"]["deployments"] = rollout_documents.wire(
            self.documents.changed(first=operation == "CreateService")["deployments"])
        self.changed = True
        return answer

    def answer(self, operation, asked):
        """The replayed answer (a dict) to this ECS request, or None to pass the emulator's on."""
        docs = self.documents
        if not self.changed or (not self.names(asked) and operation != "DescribeTasks"):
            return None
        if operation == "DescribeServices":
            step = self.sequence.pop(0) if len(self.sequence) > 1 else self.sequence[0]
            self.seen.append(step)
            name, _sep, arg = step.partition("_first")
            return rollout_documents.wire(getattr(docs, name)(first=True) if _sep else getattr(docs, step)())
        if operation == "ListTasks" and asked.get("desiredStatus") == "STOPPED":
            return docs.stopped_task_arns()
        if operation == "DescribeTasks" and set(asked.get("tasks", [])) <= set(docs.stopped_task_arns()["taskArns"]):
            return rollout_documents.wire(docs.stopped_tasks())
        return None


class Proxy:
    """Forwards to the emulator; the first ``drains`` DescribeServices of `web` are answered DRAINING; with a
    ``rollout`` (Rollout), its service's rollout is replayed."""

    def __init__(self, port, upstream):
        self.drains, self.answered, self.lock = 0, 0, threading.Lock()
        self.calls = []  # the ECS operations in the order they came, a DRAINING answer as "DescribeServices DRAINING"
        self.rollout = None
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
                    operation = target[len(ECS_PREFIX):]
                    with proxy.lock:
                        proxy.calls.append(operation + (" DRAINING" if drain else ""))
                    if drain:
                        return self._reply(200, {"Content-Type": "application/x-amz-json-1.1"},
                                           json.dumps(draining_document(asked.get("cluster", "default"), "web",
                                                                        itlib.REGION)).encode())
                    rollout, asked = proxy.rollout, json.loads(body or b"{}")
                    if rollout is not None and operation in ("CreateService", "UpdateService") and rollout.names(asked):
                        status, headers, payload = self._upstream(body)
                        if status == 200:
                            with proxy.lock:
                                payload = json.dumps(rollout.on_change(operation, json.loads(payload))).encode()
                        return self._reply(status, headers, payload)
                    if rollout is not None:
                        with proxy.lock:
                            answer = rollout.answer(operation, asked)
                        if answer is not None:
                            return self._reply(200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(answer).encode())
                return self._reply(*self._upstream(body))

            def _upstream(self, body):
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                request = urllib.request.Request(upstream + self.path, data=body if body else None, headers=headers,
                                                 method=self.command)
                try:
                    with urllib.request.urlopen(request, timeout=120) as resp:
                        return resp.status, dict(resp.headers.items()), resp.read()
                except urllib.error.HTTPError as err:
                    return err.code, dict(err.headers.items()), err.read()

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

    def replay(self, rollout):
        """Replay ``rollout`` from now on (None: stop); the ECS calls are recorded afresh."""
        with self.lock:
            self.rollout = rollout
            if rollout is not None:
                self.calls = []
        return rollout

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
        try:
            moto.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a loaded machine: stop it for sure
            moto.kill()
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
    # The service role alone (it stops before it needs the task definition): a task role run less.
    result = run("tests/integration/service_draining/deploy.yml", "--tags", "service",
                 microservice_aws_endpoint_url=stack["endpoint"], service_wait_delay=1, service_wait_timeout=3)
    assert result.rc != 0 and result.failed == 1, result
    assert "Fail, the service is still DRAINING" in result.out, result
    assert f"The ECS service web in cluster {D} is still DRAINING" in " ".join(result.out.split()), result
    # The first look, then every try of the wait (each but the last followed by a retry line): no more, no less.
    retries = result.out.count("FAILED - RETRYING: [localhost]: Wait until the DRAINING service is INACTIVE")
    assert retries >= 2 and proxy.answered == retries + 2, (retries, proxy.answered)
    assert not [c for c in proxy.calls if c.startswith(("CreateService", "UpdateService", "DeleteService"))], proxy.calls
    assert web_service(stack["upstream"]) == []


def documents(revision):
    """The replayed documents of this test's service `web`, our deployment rolling out ``revision``."""
    return rollout_documents.Documents(cluster=D, service_name="web", family=f"{D}-web-redis-task",
                                       good=revision - 1, ours=revision, newer=revision + 1, region=itlib.REGION)


WAIT = {"service_wait": True, "service_wait_for_healthy_targets": False, "service_wait_delay": 1}
WAIT_TASK = "Wait until this run's deployment is done, deployment " + rollout_documents.OURS


def test_draining_is_waited_for_then_created(stack):
    proxy = stack["proxy"]
    proxy.drain(3)
    # The created service's rollout: success, as AWS shows it (one answer IN_PROGRESS, then COMPLETED).
    rollout = proxy.replay(Rollout(documents(1), ["in_progress_first", "success"]))
    result = run("tests/integration/service_draining/deploy.yml", microservice_aws_endpoint_url=stack["endpoint"], **WAIT)
    proxy.replay(None)
    assert result.rc == 0, result
    assert rollout.changed and rollout.seen == ["in_progress_first", "success"], rollout.seen
    assert result.out.count(f"FAILED - RETRYING: [localhost]: {WAIT_TASK}") == 1, result
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


def next_revision(upstream):
    """Register one revision more of the family, a copy of the newest with its tags, as the task role would for
    changed sources (cheaper than a task role run); return its number."""
    ecs = boto3_client(upstream)
    described = ecs.describe_task_definition(taskDefinition=f"{D}-web-redis-task", include=["TAGS"])
    definition = described["taskDefinition"]
    keys = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions", "volumes",
            "requiresCompatibilities", "cpu", "memory", "runtimePlatform", "ephemeralStorage")
    registered = ecs.register_task_definition(tags=described["tags"], **{k: definition[k] for k in keys if k in definition})
    return registered["taskDefinition"]["revision"]


def roll(stack, sequence, **extra):
    """One run of the service role (--tags service) rolling out a new revision while ``sequence`` is replayed."""
    revision = next_revision(stack["upstream"])
    rollout = stack["proxy"].replay(Rollout(documents(revision), sequence))
    try:
        result = run("tests/integration/service_draining/deploy.yml", "--tags", "service",
                     microservice_aws_endpoint_url=stack["endpoint"], **dict(WAIT, **extra))
    finally:
        stack["proxy"].replay(None)
    assert rollout.changed, ("no UpdateService of the new revision", stack["proxy"].calls, result)
    assert result.rc != 0 and result.failed == 1, result
    assert "Fail with the verdict and the stopped tasks' reasons" in result.out, result
    return revision, rollout, " ".join(result.out.split())


# The stopped tasks of our deployment, as the message lists them (ecs_rollout_documents.Documents.stopped_tasks:
# the older deployment's task is left out).
STOPPED = ("Stopped tasks: task 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d: CannotPullContainerError: pull image manifest has been"
           " retried 1 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/{d}/web:{n}.0.0: not found"
           " [redis: exit 0] | task 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e: Essential container in task exited"
           " [web: exit 1; redis: exit 0].")


def test_failed_deployment_rolled_back_fails_the_play(stack):
    revision, rollout, out = roll(stack, ["in_progress", "failed_rolling_back", "failed_rolled_back"])
    assert rollout.seen[:2] == ["in_progress", "failed_rolling_back"], rollout.seen
    family = f"{D}-web-redis-task"
    # The rescue looks again: by then the rollback is done and our deployment drained; the service's events say why.
    assert (f"Revision {family}:{revision} failed to deploy to service web ((service web) (deployment "
            f"{rollout_documents.OURS}) deployment failed: tasks failed to start.); the circuit breaker rolled the service"
            f" back to revision {family}:{revision - 1} (rollback COMPLETED). ") in out, out[-3000:]
    assert STOPPED.format(d=D, n=revision) in out, out[-3000:]
    assert "77aa88bb99cc00dd11ee22ff33aa44bb" not in out  # the older deployment's task is not ours


def test_failed_deployment_without_rollback_fails_the_play(stack):
    revision, _rollout, out = roll(stack, ["failed_no_rollback"], service_circuit_breaker_rollback=False)
    family = f"{D}-web-redis-task"
    assert (f"Revision {family}:{revision} failed to deploy to service web (ECS deployment circuit breaker: tasks failed"
            f" to start.); the service was not rolled back: {family}:{revision - 1} still runs 2 task(s). ") in out, out[-3000:]
    assert STOPPED.format(d=D, n=revision) in out, out[-3000:]
    # The UpdateService asked for no rollback (what the replayed document says).
    ecs = boto3_client(stack["upstream"])
    [web] = ecs.describe_services(cluster=D, services=["web"])["services"]
    assert web["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": False}


def test_deployment_replaced_by_a_newer_one_fails_the_play(stack):
    revision, rollout, out = roll(stack, ["in_progress", "replaced"])
    family = f"{D}-web-redis-task"
    assert rollout.seen[:2] == ["in_progress", "replaced"], rollout.seen
    assert (f"The deployment {rollout_documents.OURS} of {family}:{revision} to service web was replaced by a newer"
            f" deployment {rollout_documents.NEWER} (revision {family}:{revision + 1}) before it finished") in out, out[-3000:]
