# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The local scheduler's hands: carry out one step of the plan (plugins/plugin_utils/_local_runtime.py).

One implementation for both callers: the local_runtime role (its ``local_runtime_step`` action, on
every run) and the supervisor (roles/local_runtime/files/supervisor.py, between runs). A step is
what ECS does for one task:

1. start the new task: its infra container (the network namespace, the published port), then the
   task definition's containers in dependsOn order (waiting for HEALTHY / COMPLETE / SUCCESS), then
   wait until every container with a health check is healthy (Podman without systemd schedules no
   check: it is run here through its API, a Docker engine runs its own);
2. make the load balancer's targets what the step says (``register``, then ``deregister``): a new
   target is added to the running HAProxy through its admin socket (``add server``, in service at
   once, as a target that passed its checks), a target that goes is drained (``state drain`` until
   its sessions end, at most the drain time), then removed; the ``server`` lines of haproxy.cfg are
   rewritten to the same list, exactly as the local_alb role's template writes them, so that its
   next run finds nothing to change;
3. stop the old task, dependents first, the infra container last.

Only the Python standard library and the Docker API (Docker or Podman's compatible socket), so that
the supervisor runs it with no Ansible run; each phase's seconds are returned (``timings``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.client
import json
import os
import re
import socket
import time
import urllib.parse

from ansible_collections.fargate.microservice.plugins.module_utils import _haproxy_stats
from ansible_collections.fargate.microservice.plugins.module_utils._local_labels import LABEL_DEPLOYMENT
from ansible_collections.fargate.microservice.plugins.plugin_utils import _local_runtime as rt

LocalRuntimeError = rt.LocalRuntimeError


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        http.client.HTTPConnection.__init__(self, "localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class Engine:
    """The Docker-API calls (Docker, or Podman's compatible socket) the local scheduler needs."""

    def __init__(self, docker_host, timeout=60):
        self.docker_host = docker_host
        self.timeout = timeout
        self.podman = None

    def _conn(self):
        if self.docker_host.startswith("unix://"):
            return _UnixHTTPConnection(self.docker_host[len("unix://"):], self.timeout)
        u = urllib.parse.urlsplit(self.docker_host.replace("tcp://", "http://", 1))
        return http.client.HTTPConnection(u.hostname, u.port or 2375, timeout=self.timeout)

    def call(self, method, path, body=None):
        """One request; returns (HTTP status, decoded JSON body or None)."""
        conn = self._conn()
        try:
            if body is None:
                conn.request(method, path)
            else:
                conn.request(method, path, body=json.dumps(body), headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            raw = r.read()
        finally:
            conn.close()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = {"message": raw.decode("utf-8", "replace").strip()}
        return r.status, data

    def is_podman(self):
        if self.podman is None:
            status, dummy = self.call("GET", "/v4.0.0/libpod/_ping")
            self.podman = status == 200
        return self.podman

    def containers(self, deployment):
        filters = urllib.parse.quote(json.dumps({"label": ["%s=%s" % (LABEL_DEPLOYMENT, deployment)]}))
        status, data = self.call("GET", "/containers/json?all=true&filters=%s" % filters)
        if status != 200:
            raise LocalRuntimeError("listing the containers answered HTTP %d: %s" % (status, _message(data)))
        return data or []

    def inspect(self, name):
        status, data = self.call("GET", "/containers/%s/json" % urllib.parse.quote(name))
        return data if status == 200 else None

    def healthcheck(self, name):
        """Run the container's health check now (Podman); return its status or None."""
        status, data = self.call("GET", "/v4.0.0/libpod/containers/%s/healthcheck" % urllib.parse.quote(name))
        return (data or {}).get("Status") if status == 200 else None

    def create(self, name, body):
        status, data = self.call("POST", "/containers/create?name=%s" % urllib.parse.quote(name), body)
        if status != 201:
            raise LocalRuntimeError("creating container %s answered HTTP %d: %s" % (name, status, _message(data)))
        return data.get("Id")

    def start(self, name):
        status, data = self.call("POST", "/containers/%s/start" % urllib.parse.quote(name))
        if status not in (204, 304):
            raise LocalRuntimeError("starting container %s answered HTTP %d: %s" % (name, status, _message(data)))

    def connect(self, network, name):
        status, data = self.call("POST", "/networks/%s/connect" % urllib.parse.quote(network), {"Container": name})
        if status != 200:
            raise LocalRuntimeError("connecting %s to network %s answered HTTP %d: %s" % (name, network, status, _message(data)))

    def stop(self, name, timeout=None):
        query = "" if timeout is None else "?t=%d" % int(timeout)
        status, dummy = self.call("POST", "/containers/%s/stop%s" % (urllib.parse.quote(name), query))
        return status in (204, 304)

    def remove(self, name):
        """Remove a container (stopped or not); False when there was none."""
        status, data = self.call("DELETE", "/containers/%s?force=true&v=true" % urllib.parse.quote(name))
        if status not in (200, 204, 404):
            raise LocalRuntimeError("removing container %s answered HTTP %d: %s" % (name, status, _message(data)))
        return status != 404


def _message(data):
    return (data or {}).get("message") or (data or {}).get("cause") or "no message" if isinstance(data, dict) else str(data)


# --- container parameters (docker_container's option names) -> Docker API bodies ----------------------------

_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
_DURATION = {"ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}


def size_bytes(value):
    """'512M' (docker_container's memory format) -> bytes."""
    m = re.match(r"^\s*([0-9]+)\s*([bkmg]?)b?\s*$", str(value).lower())
    if not m:
        raise LocalRuntimeError("memory size %r is not a number with an optional unit (B, K, M, G)." % value)
    return int(m.group(1)) * _UNITS[m.group(2)]


def duration_ns(value):
    """'30s' (docker_container's healthcheck format) -> nanoseconds."""
    m = re.match(r"^\s*([0-9.]+)\s*(ms|s|m|h)?\s*$", str(value))
    if not m:
        raise LocalRuntimeError("duration %r is not a number of ms, s, m or h." % value)
    return int(float(m.group(1)) * _DURATION[m.group(2) or "s"])


def container_body(params):
    """The /containers/create body of one task container (plan parameters as docker_container takes them)."""
    host = {"NetworkMode": params["network_mode"], "RestartPolicy": {"Name": params.get("restart_policy") or "no"}}
    body = {
        "Image": params["image"],
        "Labels": dict(params.get("labels") or {}),
        "Env": ["%s=%s" % (k, v) for k, v in sorted((params.get("env") or {}).items())],
        "StopTimeout": int(params.get("stop_timeout") or 30),
        "HostConfig": host,
    }
    if params.get("command"):
        body["Cmd"] = list(params["command"])
    if params.get("entrypoint"):
        body["Entrypoint"] = list(params["entrypoint"])
    if params.get("working_dir"):
        body["WorkingDir"] = params["working_dir"]
    if params.get("user"):
        body["User"] = params["user"]
    hc = params.get("healthcheck")
    if hc:
        body["Healthcheck"] = {"Test": list(hc["test"]), "Interval": duration_ns(hc["interval"]),
                               "Timeout": duration_ns(hc["timeout"]), "Retries": int(hc["retries"]),
                               "StartPeriod": duration_ns(hc["start_period"])}
    if params.get("read_only"):
        host["ReadonlyRootfs"] = True
    if params.get("memory"):
        host["Memory"] = size_bytes(params["memory"])
    if params.get("memory_swap"):
        host["MemorySwap"] = size_bytes(params["memory_swap"])
    if params.get("memory_reservation"):
        host["MemoryReservation"] = size_bytes(params["memory_reservation"])
    if params.get("cpus"):
        host["NanoCpus"] = int(round(float(params["cpus"]) * 1e9))
    if params.get("cpu_shares"):
        host["CpuShares"] = int(params["cpu_shares"])
    return body


def infra_body(params):
    """The /containers/create body of a task's infra container, and the networks to connect it to after."""
    host = {"RestartPolicy": {"Name": params.get("restart_policy") or "no"}}
    body = {"Image": params["image"], "Labels": dict(params.get("labels") or {}),
            "StopTimeout": int(params.get("stop_timeout") or 5), "HostConfig": host}
    exposed, bindings = {}, {}
    for spec in params.get("published_ports") or []:
        address, host_port, container_port = spec.rsplit(":", 2)
        key = "%s/tcp" % container_port
        exposed[key] = {}
        bindings.setdefault(key, []).append({"HostIp": address, "HostPort": str(host_port)})
    if exposed:
        body["ExposedPorts"] = exposed
        host["PortBindings"] = bindings
    if params.get("etc_hosts"):
        host["ExtraHosts"] = ["%s:%s" % (name, address) for name, address in sorted(params["etc_hosts"].items())]
    connect = []
    networks = [n["name"] for n in params.get("networks") or []]
    if networks and params.get("networks_cli_compatible"):
        # Only on the given networks (service_discovery's Redis task: the internal network alone).
        host["NetworkMode"] = networks[0]
        connect = networks[1:]
    else:
        # The engine's default network (the published port), then the given ones (a web task reaching Redis).
        connect = networks
    return body, connect


# --- the task -------------------------------------------------------------------------------------------

def _deadline(timeout):
    return time.monotonic() + float(timeout)


def _pauses(poll):
    """0.25, 0.5, 1 ... seconds, at most ``poll``: a container that is ready at once is not waited for a whole poll."""
    pause = 0.25
    while True:
        yield min(pause, float(poll))
        pause *= 2


def wait_healthy(engine, name, timeout, poll):
    """Wait until the container's health check passes (running it now and then on Podman)."""
    end = _deadline(timeout)
    pauses = _pauses(poll)
    while True:
        status = engine.healthcheck(name) if engine.is_podman() else None
        if status == "healthy":
            return
        info = engine.inspect(name) or {}
        state = info.get("State") or {}
        if not engine.is_podman() and ((state.get("Health") or {}).get("Status") == "healthy"):
            return
        if info and not state.get("Running"):
            raise LocalRuntimeError(
                "container %s exited (code %s) before it was healthy; read its log with `podman logs %s` and fix "
                "the image or its health check." % (name, state.get("ExitCode"), name))
        if not info:
            raise LocalRuntimeError("container %s is gone before it was healthy." % name)
        if time.monotonic() >= end:
            log = ((state.get("Health") or state.get("Healthcheck") or {}).get("Log") or [{}])[-1].get("Output", "")
            raise LocalRuntimeError(
                "container %s did not become healthy within %d s (health %s, last check output %r); read its log with "
                "`podman logs %s` and fix the image or its health check."
                % (name, int(timeout), (state.get("Health") or {}).get("Status") or status, (log or "").strip(), name))
        time.sleep(next(pauses))


def wait_exited(engine, name, condition, timeout, poll):
    """A COMPLETE or SUCCESS dependency: wait until it exits (with code 0 for SUCCESS)."""
    end = _deadline(timeout)
    pauses = _pauses(poll)
    while True:
        state = (engine.inspect(name) or {}).get("State") or {}
        if not state.get("Running"):
            if condition == "SUCCESS" and state.get("ExitCode") != 0:
                raise LocalRuntimeError("container %s, which a container waits for with SUCCESS, exited with code %s."
                                        % (name, state.get("ExitCode")))
            return
        if time.monotonic() >= end:
            raise LocalRuntimeError("container %s did not exit within %d s (a %s dependency)." % (name, int(timeout), condition))
        time.sleep(next(pauses))


def start_task(engine, taskdef, new, settings):
    """Start one task (infra, then containers in dependsOn order) and wait until it is healthy.

    ``new``: {id, port}; ``settings``: deployment, container_port, infra_image, bind_address, service, hosts,
    network, start_timeout, poll_interval. Returns the seconds until started and until healthy.
    """
    t0 = time.monotonic()
    deployment = settings["deployment"]
    service = settings.get("service")
    infra = rt.local_runtime_infra(taskdef, deployment, new["id"], new.get("port"), settings.get("container_port") or 0,
                                   settings["infra_image"], settings.get("bind_address") or "127.0.0.1",
                                   service=service, hosts=settings.get("hosts") or {}, network=settings.get("network"))
    containers = rt.local_runtime_containers(taskdef, deployment, new["id"], new.get("port"), service)
    timeout, poll = float(settings.get("start_timeout") or 120), float(settings.get("poll_interval") or 2)
    body, connect = infra_body(infra)
    engine.create(infra["name"], body)
    for network in connect:
        engine.connect(network, infra["name"])
    engine.start(infra["name"])
    for c in containers:
        for dep in c["depends_on"]:
            if dep["condition"] == "HEALTHY":
                wait_healthy(engine, dep["docker_name"], timeout, poll)
            elif dep["condition"] in ("COMPLETE", "SUCCESS"):
                wait_exited(engine, dep["docker_name"], dep["condition"], timeout, poll)
        engine.create(c["docker_name"], container_body(c["params"]))
        engine.start(c["docker_name"])
    started = time.monotonic()
    for c in containers:
        if c["has_healthcheck"]:
            wait_healthy(engine, c["docker_name"], timeout, poll)
    return {"start": round(started - t0, 2), "healthy": round(time.monotonic() - started, 2)}


def stop_task(engine, task, taskdef):
    """Stop and remove a task's containers, dependents first, the infra container last (as ECS stops a task)."""
    removed = []
    for name in rt.local_runtime_stop_order(task, taskdef):
        engine.stop(name)
        if engine.remove(name):
            removed.append(name)
    return removed


# --- the load balancer -------------------------------------------------------------------------------------

class LoadBalancer:
    """HAProxy's backend mirroring the target group, changed through its admin socket (the socket local_alb runs).

    ``config``: the haproxy.cfg local_alb writes (its ``server`` lines are kept equal to the backend's servers, and
    its ``default-server`` options are given to every server added, as the dynamic servers of HAProxy 2.6 do not
    inherit them); ``drain_timeout``: the longest a removed target keeps its sessions (None: the config's
    ``hard-stop-after``, which local_alb sets to the target group's deregistration delay or local_alb_drain_timeout).
    """

    def __init__(self, socket_path, backend, config=None, target_address="127.0.0.1", drain_timeout=None):
        self.socket = socket_path
        self.backend = backend
        self.config = config
        self.target_address = target_address or "127.0.0.1"
        if drain_timeout is None:
            # local_alb writes the drain time as the old process's hard-stop-after.
            m = re.search(r"^\s*hard-stop-after\s+([0-9]+)s\s*$", self._config_text(), re.M)
            drain_timeout = int(m.group(1)) if m else 300
        self.drain_timeout = float(drain_timeout)

    def _config_text(self):
        if not self.config:
            return ""
        try:
            with open(self.config) as f:
                return f.read()
        except OSError:
            return ""

    def command(self, text):
        return _haproxy_stats.query(self.socket, text).strip()

    def available(self):
        return _haproxy_stats.stats(self.socket, self.backend)["available"]

    def servers(self):
        """{server name: {status, current_sessions}} of the backend."""
        s = _haproxy_stats.stats(self.socket, self.backend)
        if not s["available"]:
            raise LocalRuntimeError("HAProxy does not answer on %s (%s)." % (self.socket, s["reason"]))
        return dict((srv["name"], srv) for srv in s["servers"])

    def server_options(self):
        """The backend's default-server options (check interval, rise, fall, slowstart) from haproxy.cfg."""
        for line in self._config_text().splitlines():
            if line.strip().startswith("default-server "):
                return line.strip()[len("default-server "):]
        return ""

    def add(self, target):
        name = "%s/%s" % (self.backend, target["id"])
        address = "%s:%d" % (self.target_address, int(target["port"]))
        answer = self.command("add server %s %s check %s" % (name, address, self.server_options()))
        if "registered" not in answer.lower():
            raise LocalRuntimeError("HAProxy refused to add server %s: %s" % (name, answer))
        for text in ("enable health %s" % name, "enable server %s" % name):
            answer = self.command(text)
            if answer:
                raise LocalRuntimeError("HAProxy answered %r to %r." % (answer, text))

    def remove(self, server_id, poll=0.5):
        """Drain a server (no new requests; its sessions end, at most the drain time), then delete it."""
        name = "%s/%s" % (self.backend, server_id)
        self.command("set server %s state drain" % name)
        end = _deadline(self.drain_timeout)
        while time.monotonic() < end:
            srv = self.servers().get(server_id)
            if not srv or not srv.get("current_sessions"):
                break
            time.sleep(poll)
        self.command("set server %s state maint" % name)
        self.command("shutdown sessions server %s" % name)
        answer = ""
        for dummy in range(20):
            answer = self.command("del server %s" % name)
            if "deleted" in answer.lower() or "no such server" in answer.lower():
                return True
            time.sleep(poll)
        raise LocalRuntimeError("HAProxy did not delete server %s: %s" % (name, answer))

    def sync(self, targets):
        """Make the backend's servers the given targets [{id, port}]; returns (added ids, removed ids)."""
        current = self.servers()
        wanted = dict((t["id"], t) for t in targets)
        added = [t["id"] for t in sorted(targets, key=lambda x: x["id"]) if t["id"] not in current]
        for tid in added:
            self.add(wanted[tid])
        removed = sorted(name for name in current if name not in wanted)
        for name in removed:
            self.remove(name)
        self.persist(targets)
        return added, removed

    def persist(self, targets):
        """Rewrite haproxy.cfg's server lines (the last lines of the file, as local_alb's template ends) to the targets."""
        if not self.config or not os.path.exists(self.config):
            return False
        with open(self.config) as f:
            lines = f.read().splitlines()
        while lines and lines[-1].startswith("    server "):
            lines.pop()
        lines += ["    server %s %s:%d check" % (t["id"], self.target_address, int(t["port"]))
                  for t in sorted(targets, key=lambda x: x["id"])]
        text = "\n".join(lines) + "\n"
        tmp = self.config + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.config)
        return True


# --- one step -----------------------------------------------------------------------------------------------

def run_step(engine, load_balancer, taskdef, step, settings, check_mode=False, registered=None):
    """Carry out one plan step: start ``new``, set the targets to ``register`` then ``deregister``, stop ``old``.

    ``registered``: called with no argument once the load balancer's targets are set, before the old task stops
    (the supervisor notes there that the desired count serves again).

    ``load_balancer`` None (or not answering): the target lists are left for the caller (``lb_pending`` in the
    result: the role then runs local_alb with them). Returns what was done and each phase's seconds.
    """
    result = {"changed": False, "started": None, "stopped": [], "registered": [], "deregistered": [],
              "lb_pending": [], "timings": {}}
    if check_mode:
        result["changed"] = bool(step.get("new") or step.get("old") or "register" in step or "deregister" in step)
        return result
    if step.get("new"):
        result["timings"].update(start_task(engine, taskdef, step["new"], settings))
        result["started"] = step["new"]["id"]
        result["changed"] = True
    for key in ("register", "deregister"):
        if key not in step:
            continue
        t0 = time.monotonic()
        if load_balancer is None or not load_balancer.available():
            result["lb_pending"].append({"action": key, "targets": step[key]})
            continue
        added, removed = load_balancer.sync(step[key])
        result["registered"] += added
        result["deregistered"] += removed
        result["changed"] = result["changed"] or bool(added or removed)
        result["timings"][key] = round(time.monotonic() - t0, 2)
    if registered is not None:
        registered()
    if step.get("old"):
        t0 = time.monotonic()
        result["stopped"] = stop_task(engine, step["old"], taskdef)
        result["changed"] = result["changed"] or bool(result["stopped"])
        result["timings"]["stop"] = round(time.monotonic() - t0, 2)
    return result
