# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the local scheduler's step runner (plugins/plugin_utils/_local_scheduler.py).

The Docker-API bodies are checked against the plan's parameters; the load balancer part runs against a real
HAProxy (Debian's package, which the local target needs anyway) listening on Unix sockets only, so no port is taken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from ansible_collections.fargate.microservice.plugins.plugin_utils import _local_runtime as rt
from ansible_collections.fargate.microservice.plugins.plugin_utils import _local_scheduler as sch

HAPROXY = "/usr/sbin/haproxy"
TD = {
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/d-web-redis-task:3",
    "cpu": "256", "memory": "512",
    "containerDefinitions": [
        {"name": "web", "image": "d/web:1", "essential": True,
         "environment": [{"name": "REDIS_ADDR", "value": "localhost:6379"}],
         "healthCheck": {"command": ["CMD", "/app", "-healthcheck"], "interval": 10, "retries": 2, "startPeriod": 5},
         "dependsOn": [{"containerName": "redis", "condition": "HEALTHY"}], "readonlyRootFilesystem": True,
         "user": "65532", "command": ["-x"]},
        {"name": "redis", "image": "d/redis:1", "memory": 256,
         "healthCheck": {"command": ["CMD-SHELL", "redis-cli ping"]}},
    ],
}


@pytest.mark.parametrize("value, expected", [("512M", 512 * 1024 ** 2), ("1g", 1024 ** 3), ("64k", 65536), ("100", 100)])
def test_size_bytes(value, expected):
    assert sch.size_bytes(value) == expected


@pytest.mark.parametrize("value, expected", [("30s", 30e9), ("0s", 0), ("500ms", 5e8), ("2m", 120e9)])
def test_duration_ns(value, expected):
    assert sch.duration_ns(value) == expected


@pytest.mark.parametrize("bad", ["lots", "5 parsecs"])
def test_bad_units_are_refused(bad):
    with pytest.raises(sch.LocalRuntimeError):
        sch.size_bytes(bad)


def test_container_body_carries_every_plan_parameter():
    web, = [c for c in rt.local_runtime_containers(TD, "d", "t1", 18000) if c["name"] == "web"]
    body = sch.container_body(web["params"])
    assert body["Image"] == "d/web:1"
    assert body["Env"] == ["REDIS_ADDR=localhost:6379"]
    assert body["Cmd"] == ["-x"] and body["User"] == "65532"
    assert body["Labels"]["fargate.microservice/task-id"] == "t1"
    assert body["Healthcheck"] == {"Test": ["CMD", "/app", "-healthcheck"], "Interval": 10 * 10 ** 9,
                                   "Timeout": 5 * 10 ** 9, "Retries": 2, "StartPeriod": 5 * 10 ** 9}
    host = body["HostConfig"]
    assert host["NetworkMode"] == "container:d-task-t1"
    assert host["ReadonlyRootfs"] is True
    assert host["Memory"] == host["MemorySwap"] == 512 * 1024 ** 2  # the task's memory, no swap
    assert host["NanoCpus"] == 250000000  # 256 units = a quarter vCPU
    assert host["RestartPolicy"] == {"Name": "no"}
    redis, = [c for c in rt.local_runtime_containers(TD, "d", "t1", 18000) if c["name"] == "redis"]
    assert sch.container_body(redis["params"])["HostConfig"]["Memory"] == 256 * 1024 ** 2


@pytest.mark.parametrize("kwargs, network_mode, connect", [
    ({}, None, []),
    ({"network": "d-redis"}, None, ["d-redis"]),  # a web task: default network (its port), then the internal one
])
def test_infra_body_publishes_the_port_on_loopback(kwargs, network_mode, connect):
    infra = rt.local_runtime_infra(TD, "d", "t1", 18004, 8000, "pause:1", "127.0.0.1", hosts={"redis.x.local": "10.0.0.5"},
                                   **kwargs)
    body, networks = sch.infra_body(infra)
    assert body["ExposedPorts"] == {"8000/tcp": {}}
    assert body["HostConfig"]["PortBindings"] == {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18004"}]}
    assert body["HostConfig"]["ExtraHosts"] == ["redis.x.local:10.0.0.5"]
    assert body["HostConfig"].get("NetworkMode") == network_mode
    assert networks == connect
    assert body["Labels"]["fargate.microservice/role"] == "infra"


def test_redis_infra_is_on_the_internal_network_only():
    infra = rt.local_runtime_infra(TD, "d", "r1", None, 0, "pause:1", "127.0.0.1", service="redis", network="d-redis")
    body, networks = sch.infra_body(infra)
    assert "ExposedPorts" not in body and body["HostConfig"]["NetworkMode"] == "d-redis" and networks == []


def test_check_mode_changes_nothing():
    done = sch.run_step(None, None, TD, {"action": "start", "new": {"id": "t1", "port": 18000}}, {}, check_mode=True)
    assert done["changed"] is True and done["started"] is None


# --- the load balancer, against a real HAProxy ------------------------------------------------------------

CONFIG = """\
global
    stats socket {dir}/haproxy.sock mode 600 level admin expose-fd listeners
    hard-stop-after 7s

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout check 5s

frontend d-web-lb
    bind unix@{dir}/front.sock
    default_backend d-web-tg

backend d-web-tg
    balance roundrobin
    option httpchk
    http-check send meth GET uri /health ver HTTP/1.1 hdr Host localhost
    http-check expect rstatus ^(200)$
    default-server inter 15s rise 2 fall 3
    server a 127.0.0.1:18000 check
"""


@pytest.fixture
def haproxy(tmp_path):
    if not os.path.exists(HAPROXY):
        pytest.skip("HAProxy is not installed (%s): make setup-host installs it" % HAPROXY)
    # Short path: a Unix socket path is limited to 107 bytes.
    work = tmp_path
    config = work / "haproxy.cfg"
    config.write_text(CONFIG.format(dir=work))
    subprocess.run([HAPROXY, "-D", "-f", str(config), "-p", str(work / "haproxy.pid")], check=True)
    sock = str(work / "haproxy.sock")
    for dummy in range(50):
        if os.path.exists(sock):
            break
        time.sleep(0.1)
    yield sch.LoadBalancer(sock, "d-web-tg", str(config))
    with open(work / "haproxy.pid") as f:
        for pid in f.read().split():
            subprocess.run(["kill", "-TERM", pid], check=False)


def test_drain_time_and_server_options_come_from_the_config(haproxy):
    assert haproxy.drain_timeout == 7
    assert haproxy.server_options() == "inter 15s rise 2 fall 3"


def test_sync_adds_in_service_removes_and_persists(haproxy):
    added, removed = haproxy.sync([{"id": "a", "port": 18000}, {"id": "b", "port": 18001}])
    assert (added, removed) == (["b"], [])
    # A target registered once its checks passed is in service at once (no wait for HAProxy's rise checks).
    assert haproxy.servers()["b"]["status"].startswith("UP")
    added, removed = haproxy.sync([{"id": "b", "port": 18001}])
    assert (added, removed) == ([], ["a"])
    assert sorted(haproxy.servers()) == ["b"]
    text = open(haproxy.config).read()
    # The lines local_alb's template writes, so that its next run changes nothing.
    assert text.endswith("    default-server inter 15s rise 2 fall 3\n    server b 127.0.0.1:18001 check\n")
    if shutil.which(HAPROXY):
        subprocess.run([HAPROXY, "-c", "-q", "-f", haproxy.config], check=True)


def test_an_unanswering_load_balancer_leaves_the_targets_to_local_alb(tmp_path):
    lb = sch.LoadBalancer(str(tmp_path / "none.sock"), "d-web-tg")
    done = sch.run_step(None, lb, TD, {"action": "start", "register": [{"id": "x", "port": 1}]}, {})
    assert done["lb_pending"] == [{"action": "register", "targets": [{"id": "x", "port": 1}]}]
