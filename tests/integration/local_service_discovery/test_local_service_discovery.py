# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""microservice_topology service_discovery on the local target, for real (issue 12, points 4, 5 and 7):
site.yml on its own emulator (IT_LSD_EMULATOR_PORT, default 5642) with Podman and HAProxy, deployment
`hsdt`, load balancer 127.0.0.1:IT_LSD_LB_PORT (8640), task ports 8641-8649. In this order (one module,
the steps depend on each other):

1. sidecar, converged (the starting point of the switch);
2. sidecar -> service_discovery under a request loop: no request fails; then the count is shared - N
   requests from a fresh client address give 1..N exactly, answered by more than one task (X-Served-By);
   the Redis task is registered in Cloud Map at its address (DiscoverInstances), publishes no port, is on
   the internal network only (a container on the engine's default network cannot reach it); inside a web
   task redis.<namespace> resolves (redis-cli PING answers) and a name Cloud Map does not know does not;
2b. on that stack a --check --diff run and a second site.yml run succeed and report no change;
3. the Redis container is stopped: the supervisor (no rerun) replaces the task, registers the new one,
   and the web tasks move to it; the count works again;
4. service_discovery -> sidecar under a request loop: no request fails; no Redis task, no internal
   network, no Cloud Map namespace is left;
5. teardown: no container, network or HAProxy of the deployment is left.

About 12-18 minutes on an idle 2-core machine (six site.yml runs, one in check mode, one heal, one teardown); far longer
under load. The runs' output is kept in tests/output/local_service_discovery/.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import http.client
from pathlib import Path

import boto3
import botocore.config
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

ROOT = itlib.ROOT
PORT = int(os.environ.get("IT_LSD_EMULATOR_PORT", "5642"))
LB_PORT = int(os.environ.get("IT_LSD_LB_PORT", "8640"))
D = os.environ.get("IT_LSD_DEPLOYMENT", "hsdt")
NAMESPACE = f"internal-{D}.local"
OUT = ROOT / "tests/output/local_service_discovery"
LOOP = ROOT / "tests/integration/local_runtime/request_loop.py"
PODMAN_ENV = dict(os.environ, CONTAINERS_CONF=str(ROOT / "files/podman/containers.conf"),
                  CONTAINERS_STORAGE_CONF=str(ROOT / "files/podman/storage.conf"))
VARS = {
    "microservice_deployment": D, "emulator_port": PORT, "local_alb_port": LB_PORT,
    "local_runtime_host_port_first": LB_PORT + 1, "local_runtime_host_port_last": LB_PORT + 9,
}
RUN_TIMEOUT = int(os.environ.get("IT_LSD_RUN_TIMEOUT", "1800"))


def playbook(name, path, *args, **extra):
    OUT.mkdir(parents=True, exist_ok=True)
    cmd = [str(ROOT / ".venv/bin/ansible-playbook"), "-i", str(ROOT / "inventory/local"), str(ROOT / path), *args]
    for key, value in dict(VARS, **extra).items():
        cmd += ["-e", f"{key}={value}"]
    env = dict(PODMAN_ENV, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=RUN_TIMEOUT, check=False)
    (OUT / f"{name}.log").write_text(proc.stdout)
    print(f"{name}: rc {proc.returncode} in {time.monotonic() - started:.0f} s", flush=True)
    return itlib.Run(proc)


def podman(*args, check=True):
    proc = subprocess.run(["podman", *args], env=PODMAN_ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300, check=False)
    if check:
        assert proc.returncode == 0, proc.stdout
    return proc


def containers(service=None):
    """The deployment's containers (name -> labels), of the web tasks or of one service's."""
    out = podman("ps", "-a", "--filter", f"label=fargate.microservice/deployment={D}", "--format", "json").stdout
    result = {}
    for c in json.loads(out or "[]"):
        labels = c.get("Labels") or {}
        if (labels.get("fargate.microservice/service") or None) == service:
            result[c["Names"][0]] = labels
    return result


def infra(service=None):
    return sorted(n for n, labels in containers(service).items() if labels.get("fargate.microservice/role") == "infra")


def cloud_map():
    return boto3.client("servicediscovery", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{PORT}",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=botocore.config.Config(inject_host_prefix=False))


def get(source="127.0.0.1"):
    """One GET /home through the load balancer from a loopback source address (its own visit counter)."""
    conn = http.client.HTTPConnection("127.0.0.1", LB_PORT, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", "/home")
        resp = conn.getresponse()
        body = resp.read().decode()
        return resp.status, resp.getheader("X-Served-By"), body
    finally:
        conn.close()


def count_of(body):
    marker = "You access this website "
    return int(body.split(marker, 1)[1].split(" ", 1)[0]) if marker in body else None


class Loop:
    """tests/integration/local_runtime/request_loop.py in the background while a run switches the topology."""

    def __init__(self, name):
        OUT.mkdir(parents=True, exist_ok=True)
        self.summary = OUT / f"{name}-loop.json"
        self.stop = OUT / f"{name}-loop.stop"
        for p in (self.summary, self.stop):
            if p.exists():
                p.unlink()
        self.proc = subprocess.Popen([sys.executable, str(LOOP), f"http://127.0.0.1:{LB_PORT}/home", str(self.summary),
                                      "--stop-file", str(self.stop), "--max-seconds", str(RUN_TIMEOUT), "--workers", "2",
                                      "--pause", "0.05",
                                      # not verify's address (127.0.0.1), whose count must rise by exactly one per request
                                      "--source", "127.0.0.2"])

    def finish(self):
        self.stop.write_text("stop")
        self.proc.wait(timeout=60)
        return json.loads(self.summary.read_text())


def shared_count(source, n=8):
    answers = [get(source) for _unused in range(n)]
    assert all(status == 200 for status, _s, _b in answers), answers
    counts = [count_of(body) for _st, _s, body in answers]
    servers = [served for _st, served, _b in answers]
    return counts, servers


def redis_cli_in(web_infra, host):
    """redis-cli PING to host from inside a web task's network namespace (the Redis image has redis-cli)."""
    image = podman("inspect", infra("redis")[0] + "-redis", "--format", "{{.ImageName}}").stdout.strip()
    return podman("run", "--rm", "--network", f"container:{web_infra}", image, "redis-cli", "-h", host, "ping", check=False)


@pytest.fixture(scope="module", autouse=True)
def clean():
    if subprocess.run(["podman", "--version"], capture_output=True, check=False).returncode != 0:
        pytest.skip("podman is not installed: run `make setup-host`")
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", LB_PORT)) == 0:
            pytest.skip(f"127.0.0.1:{LB_PORT} is in use: set IT_LSD_LB_PORT to a free port")
    playbook("teardown-first", "playbooks/teardown.yml")
    yield
    playbook("teardown-last", "playbooks/teardown.yml")


def test_1_sidecar_converges():
    run = playbook("1-sidecar", "site.yml")
    assert run.rc == 0, run
    assert infra("redis") == [] and len(infra()) == 2


def test_2_switch_to_service_discovery_drops_no_request_and_shares_the_count():
    loop = Loop("2-to-service-discovery")
    run = playbook("2-service-discovery", "site.yml", microservice_topology="service_discovery")
    summary = loop.finish()
    assert run.rc == 0, run
    assert summary["failed"] == 0 and summary["ok"] > 0, summary
    # one shared count: a fresh client address (its own counter) sees 1..N, from more than one task
    counts, servers = shared_count("127.0.0.3")
    assert counts == list(range(1, len(counts) + 1)), (counts, servers)
    assert len(set(servers)) > 1, servers
    # the Redis task: registered in Cloud Map at its address, no port published, on the internal network only
    redis = infra("redis")
    assert len(redis) == 1, containers("redis")
    inspect = json.loads(podman("inspect", redis[0]).stdout)[0]
    networks = inspect["NetworkSettings"]["Networks"]
    assert list(networks) == [f"{D}-redis"], networks
    assert not inspect["HostConfig"].get("PortBindings"), inspect["HostConfig"].get("PortBindings")
    answer = cloud_map().discover_instances(NamespaceName=NAMESPACE, ServiceName="redis")["Instances"]
    assert [(i["InstanceId"], i["Attributes"]["AWS_INSTANCE_IPV4"]) for i in answer] == [
        (redis[0].rsplit("-task-", 1)[1], networks[f"{D}-redis"]["IPAddress"])], answer
    # inside a web task the Cloud Map name resolves and answers; a name Cloud Map does not know does not resolve
    web = infra()
    assert len(web) == 2
    assert "PONG" in redis_cli_in(web[0], f"redis.{NAMESPACE}").stdout
    unknown = redis_cli_in(web[0], f"memcached.{NAMESPACE}")
    assert unknown.returncode != 0 and "PONG" not in unknown.stdout, unknown.stdout
    # from the engine's default network (another deployment's task) Redis cannot be reached
    image = podman("inspect", redis[0] + "-redis", "--format", "{{.ImageName}}").stdout.strip()
    outside = podman("run", "--rm", image, "redis-cli", "-t", "5", "-h", networks[f"{D}-redis"]["IPAddress"], "ping", check=False)
    assert "PONG" not in outside.stdout, outside.stdout


def test_2b_a_check_diff_run_and_a_rerun_change_nothing():
    # on the stack test 2 deployed (no deploy of its own): --check --diff succeeds and reports no change, then a
    # second site.yml run reports changed=0
    for name, args in (("2b-check-diff", ("--check", "--diff")), ("2b-rerun", ())):
        run = playbook(name, "site.yml", *args, microservice_topology="service_discovery")
        assert run.rc == 0 and run.changed == 0, run
    assert len(infra("redis")) == 1 and len(infra()) == 2


def test_3_a_stopped_redis_task_is_replaced_and_reregistered_by_the_supervisor():
    old = infra("redis")[0]
    old_id = old.rsplit("-task-", 1)[1]
    old_web = infra()
    podman("stop", "-t", "2", old + "-redis")
    deadline = time.monotonic() + int(os.environ.get("IT_LSD_HEAL_TIMEOUT", "900"))
    ids = []
    while time.monotonic() < deadline:
        time.sleep(10)
        try:
            answer = cloud_map().discover_instances(NamespaceName=NAMESPACE, ServiceName="redis")["Instances"]
        except Exception:  # noqa: BLE001 (the emulator answers between two looks)
            continue
        ids = [i["InstanceId"] for i in answer]
        web = infra()
        if ids and old_id not in ids and len(web) == 2 and not set(web) & set(old_web) and old not in infra("redis"):
            status, _served, body = get("127.0.0.4")
            if status == 200 and count_of(body) == 1:
                break
    else:
        pytest.fail(f"the supervisor did not replace the Redis task {old_id} in time (Cloud Map: {ids}, web tasks {infra()})")
    new = infra("redis")
    assert len(new) == 1 and new[0] != old
    assert ids == [new[0].rsplit("-task-", 1)[1]]
    counts, _servers = shared_count("127.0.0.4", 4)
    assert counts == [2, 3, 4, 5], counts


def test_4_switch_back_to_sidecar_drops_no_request_and_leaves_no_redis_task():
    loop = Loop("4-to-sidecar")
    run = playbook("4-sidecar", "site.yml")
    summary = loop.finish()
    assert run.rc == 0, run
    assert summary["failed"] == 0 and summary["ok"] > 0, summary
    assert containers("redis") == {}
    assert podman("network", "exists", f"{D}-redis", check=False).returncode != 0
    assert [n for n in cloud_map().list_namespaces()["Namespaces"] if n["Name"] == NAMESPACE] == []
    assert len(infra()) == 2


def test_5_teardown_leaves_nothing():
    run = playbook("5-teardown", "playbooks/teardown.yml")
    assert run.rc == 0, run
    assert containers() == {} and containers("redis") == {}
    assert podman("network", "exists", f"{D}-redis", check=False).returncode != 0
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", LB_PORT)) != 0, "the load balancer still listens"
