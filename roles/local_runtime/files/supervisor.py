# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The local runtime's supervisor: the ECS scheduler between two runs of the local_runtime role.

Started (and stopped) by the role, detached, with a pid file and a log in the role's per-deployment
state directory. Every poll it lists the deployment's containers in the engine, runs the due
health checks through Podman's API (Podman without systemd schedules none; a Docker engine runs
its own and its status is read), and decides (plugins/module_utils/_local_heal.py) what to do:

- a task whose infra or essential container stopped, went missing or failed its health checks is
  taken out of the load balancer at once (HAProxy's runtime API: ``set server B/S state maint``);
- an essential container that runs but is unhealthy is stopped, as ECS stops such a task;
- then the replacement runs: the role itself (``playbooks/local_runtime.yml``: the local_runtime
  role alone, with the run's inventory and variables), whose plan starts a new task, waits until it
  is healthy, registers it in place of the broken one and then removes the broken one — the very
  code a rerun uses;
- while it runs, the engine and HAProxy are still watched (the status file shows the new task come
  up; ``serving`` is noted when the desired count serves through the load balancer again);
- a crash loop backs off exponentially up to a cap, as ECS's service throttle logic does.

Why the replacement is a run of the role, and how it was made shorter. Measured on this project's
2-core machines under a load of 14-16 (heal.log carries each task's duration): the replacement
used to be ``site.yml --tags local_runtime``, 192 s from the kill to two tasks serving: ~4 s
ansible-playbook start-up, 24 s the preflight of every other role and 3 s the emulator's play
(``always``-tagged), then in the role 31 s deregistering the dead task (a local_alb run) and 19 s
removing it before the new task even started, 55 s starting it and waiting for its health checks,
30 s registering it (another local_alb run). Each module run costs 3-10 s at that load (2-3 s for
``ping``), so the time is the number of module runs on the path. Now: the run is the role alone
(no other role's preflight, no emulator play, no facts), skips what the run that started the
supervisor did (infra image, image lookup), the plan starts the replacement first and registers it
in place of the broken task (one local_alb run instead of two; the dead task is removed after it
serves), and a Podman health check that passed is not read again. Same load: 104 and 129 s to
serving (the run ends ~25 s later). Idle machines need a fraction of that. Kept: one implementation
(the role's tasks, community.docker and the local_alb role), so a heal can never do something a
rerun would not. Not done: moving the task start and the registration into Python shared by the
role and this process (the only way to get well under 60 s at a load of 15, as a module run's cost
would go); it would replace community.docker.docker_container in the role by our own Docker API
code and local_alb's reload by HAProxy's runtime API, which is a change of the role, not of this
process. Health-check start periods do not matter here: the role runs each check at once (Podman)
and a passing check counts during the start period; the 2 s poll costs at most 2 s.

What it sees and does is written, atomically, to the status file (format: the role's README).
SIGTERM: a replacement in progress is finished first, then the process exits.
"""

import argparse
import datetime
import http.client
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

EVENTS_KEPT = 50


def now_iso(t=None):
    return datetime.datetime.fromtimestamp(t if t is not None else time.time(), datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")


def load_logic(path):
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        http.client.HTTPConnection.__init__(self, "localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class Engine:
    """The few Docker-API (and libpod) calls the supervisor needs."""

    def __init__(self, docker_host, timeout=30):
        self.docker_host = docker_host
        self.timeout = timeout
        self.podman = None

    def _conn(self):
        if self.docker_host.startswith("unix://"):
            return UnixHTTPConnection(self.docker_host[len("unix://"):], self.timeout)
        u = urllib.parse.urlsplit(self.docker_host.replace("tcp://", "http://", 1))
        return http.client.HTTPConnection(u.hostname, u.port or 2375, timeout=self.timeout)

    def call(self, method, path):
        conn = self._conn()
        try:
            conn.request(method, path)
            r = conn.getresponse()
            body = r.read()
        finally:
            conn.close()
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        return r.status, data

    def is_podman(self):
        if self.podman is None:
            status, dummy = self.call("GET", "/v4.0.0/libpod/_ping")
            self.podman = status == 200
        return self.podman

    def containers(self, deployment):
        filters = urllib.parse.quote(json.dumps({"label": ["fargate.microservice/deployment=%s" % deployment]}))
        status, data = self.call("GET", "/containers/json?all=true&filters=%s" % filters)
        if status != 200:
            raise RuntimeError("listing containers answered HTTP %d" % status)
        return data or []

    def inspect(self, cid):
        status, data = self.call("GET", "/containers/%s/json" % cid)
        return data if status == 200 else None

    def healthcheck(self, cid):
        """Run the container's health check now (Podman); return its status or None."""
        status, data = self.call("GET", "/v4.0.0/libpod/containers/%s/healthcheck" % cid)
        return (data or {}).get("Status") if status == 200 else None

    def stop(self, cid, timeout):
        status, dummy = self.call("POST", "/containers/%s/stop?t=%d" % (cid, int(timeout)))
        return status in (204, 304)


def haproxy_command(sock_path, command, timeout=5):
    """Send one command to HAProxy's admin socket; return its answer ('' when no HAProxy answers)."""
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(sock_path)
        s.sendall((command + "\n").encode())
        chunks = []
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            chunks.append(chunk)
        s.close()
        return b"".join(chunks).decode(errors="replace").strip()
    except OSError as e:
        return "no answer from %s: %s" % (sock_path, e)


def cgroup_limits(pid):
    """The memory limit (bytes) and CPU quota (cores) the kernel enforces on a process, or Nones."""
    memory = cpus = None
    try:
        with open("/proc/%d/cgroup" % pid) as f:
            lines = [line.rstrip("\n").split(":", 2) for line in f]
    except (OSError, TypeError):
        return None, None
    for hid, controllers, path in lines:
        names = controllers.split(",")
        try:
            if hid == "0" and controllers == "":  # cgroup v2 (unified) in a v2-only host
                base = "/sys/fs/cgroup" + path
                if os.path.exists(base + "/memory.max"):
                    with open(base + "/memory.max") as f:
                        value = f.read().strip()
                    memory = None if value == "max" else int(value)
                    with open(base + "/cpu.max") as f:
                        quota, period = f.read().split()
                    cpus = None if quota == "max" else int(quota) / float(period)
            if "memory" in names:
                with open("/sys/fs/cgroup/memory%s/memory.limit_in_bytes" % path) as f:
                    value = int(f.read())
                memory = value if value < (1 << 62) else None
            if "cpu" in names:
                base = "/sys/fs/cgroup/%s%s" % ("cpu" if os.path.isdir("/sys/fs/cgroup/cpu") else "cpu,cpuacct", path)
                with open(base + "/cpu.cfs_quota_us") as f:
                    quota = int(f.read())
                with open(base + "/cpu.cfs_period_us") as f:
                    period = int(f.read())
                cpus = None if quota < 0 else quota / float(period)
        except (OSError, ValueError):
            continue
    return memory, cpus


class Supervisor:
    def __init__(self, config):
        self.config = config
        self.logic = load_logic(config["logic"])
        # HAProxy's view of the targets, read as the status role reads it (show stat).
        self.haproxy = load_logic(os.path.join(os.path.dirname(config["logic"]), "_haproxy_stats.py"))
        self.lb = {}
        self.lb_error = None
        self.engine = Engine(config["docker_host"])
        self.stopping = False
        self.state_file = config["state_file"]
        self.previous = self._load_previous()
        self.backoff = dict(self.logic.new_backoff(), **(self.previous.get("backoff") or {}))
        self.backoff["pending_since"] = None
        self.events = list(self.previous.get("events") or [])
        self.heals = dict({"count": 0, "failed": 0, "last": None}, **(self.previous.get("heals") or {}))
        self.next_check = {}
        self.health = {}
        self.inspections = {}
        self.drained = set()
        self.started = time.time()
        self.tasks = []
        self.service_tasks = {}
        self.engine_error = None
        self.limits = {}
        self.activity = "watching"

    def _load_previous(self):
        try:
            with open(self.state_file) as f:
                data = json.load(f)
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def event(self, kind, message, task=None, **extra):
        item = dict({"time": now_iso(), "kind": kind, "task": task, "message": message}, **extra)
        self.events = (self.events + [item])[-EVENTS_KEPT:]
        print("%s %s %s %s" % (item["time"], kind, task or "-", message), flush=True)

    # --- observing -----------------------------------------------------------------------------
    def observe(self):
        items = self.engine.containers(self.config["deployment"])
        ids = set(c["Id"] for c in items)
        for cid in list(self.inspections):
            if cid not in ids:
                self.inspections.pop(cid, None)
                self.health.pop(cid, None)
                self.next_check.pop(cid, None)
        podman = self.engine.is_podman()
        now = time.monotonic()
        for c in items:
            cached = self.inspections.get(c["Id"])
            # Inspect new containers, ones whose state changed, and (Docker) every poll for health.
            if cached is None or (cached.get("State") or {}).get("Status") != c.get("State") or not podman:
                fresh = self.engine.inspect(c["Id"])
                if fresh:
                    self.inspections[c["Id"]] = fresh
            hc = ((self.inspections.get(c["Id"]) or {}).get("Config") or {}).get("Healthcheck") or {}
            if podman and c.get("State") == "running" and hc.get("Test") and hc["Test"] != ["NONE"]:
                interval = max((hc.get("Interval") or 30e9) / 1e9, 1.0)
                if now >= self.next_check.get(c["Id"], 0):
                    status = self.engine.healthcheck(c["Id"])
                    if status:
                        if status == "unhealthy" and self.health.get(c["Id"]) != "unhealthy":
                            self.event("unhealthy", "container %s failed its health checks" % c["Names"][0].lstrip("/"),
                                       task=(c.get("Labels") or {}).get("fargate.microservice/task-id"))
                        self.health[c["Id"]] = status
                    self.next_check[c["Id"]] = now + interval
        self.tasks = self.logic.task_view(items, self.config["deployment"], self.inspections, self.health)
        self.service_tasks = {}
        for s in self.config.get("services") or []:
            self.service_tasks[s["service"]] = self.logic.task_view(items, self.config["deployment"], self.inspections,
                                                                    self.health, service=s["service"])
        self.limits = self.check_limits()
        lb = self.haproxy.stats(self.config["haproxy_socket"], self.config["haproxy_backend"])
        self.lb_error = None if lb["available"] else lb["reason"]
        self.lb = dict((srv["name"], srv["status"]) for srv in lb["servers"])

    def check_limits(self):
        """Whether the kernel enforces on each running container what the task definition asks."""
        report = {"enforced": None, "containers": {}, "note": ""}
        verdicts = []
        for task in self.tasks:
            for c in task["containers"].values():
                if c["state"] != "running" or (c["memory_mib_requested"] is None and c["cpu_units_requested"] is None):
                    continue
                pid = ((self.inspections.get(c["id"]) or {}).get("State") or {}).get("Pid")
                memory, cpus = cgroup_limits(pid) if pid else (None, None)
                entry = {"memory_mib_requested": c["memory_mib_requested"], "memory_mib_applied": c["memory_mib_applied"],
                         "memory_mib_enforced": memory // (1024 * 1024) if memory else None,
                         "cpu_units_requested": c["cpu_units_requested"], "cpu_units_applied": c["cpu_units_applied"],
                         "cpu_units_enforced": int(round(cpus * 1024)) if cpus else None}
                ok = ((c["memory_mib_requested"] is None or entry["memory_mib_enforced"] == c["memory_mib_requested"])
                      and (c["cpu_units_requested"] is None or entry["cpu_units_enforced"] == c["cpu_units_requested"]))
                entry["enforced"] = ok
                verdicts.append(ok)
                report["containers"][c["docker_name"]] = entry
        if verdicts:
            report["enforced"] = all(verdicts)
            report["note"] = ("the kernel enforces every running container's cpu and memory limit"
                              if report["enforced"] else
                              "the engine could not enforce the task definition's cpu/memory on every container here "
                              "(see containers: requested vs enforced); a task Fargate would kill for memory may live on")
        else:
            report["note"] = "no running container carries cpu/memory limits (tasks started before limits were applied, or none asked)"
        return report

    # --- acting --------------------------------------------------------------------------------
    def deregister(self, task_id, reasons):
        if task_id in self.drained:
            return
        answer = haproxy_command(self.config["haproxy_socket"],
                                 "set server %s/%s state maint" % (self.config["haproxy_backend"], task_id))
        self.drained.add(task_id)
        self.event("deregistered", "taken out of the load balancer (%s)%s" % (
            "; ".join(reasons), (": " + answer) if answer else ""), task=task_id)

    def heal(self, problems):
        self.activity = "replacing"
        self.write_state()
        started = time.time()
        self.event("heal_started", "replacing %s by a run of the local_runtime role" % (
            ", ".join(sorted(problems)) or "missing tasks"), task=",".join(sorted(problems)) or None)
        cmd = self.config["heal_command"]
        env = dict(os.environ, **self.config.get("heal_env", {}))
        env.setdefault("ANSIBLE_NOCOLOR", "true")
        timeout = float(self.config["heal_timeout"])
        with open(self.config["heal_log"], "a") as log:
            log.write("\n=== %s %s\n" % (now_iso(), " ".join(cmd)))
            log.flush()
            proc = subprocess.Popen(cmd, cwd=self.config.get("heal_cwd") or None, env=env, stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            rc, serving = self._watch_run(proc, started, timeout)
        ended = time.time()
        ok = rc == 0
        self.heals["count"] += 1
        if not ok:
            self.heals["failed"] += 1
        self.heals["last"] = {"started": now_iso(started), "ended": now_iso(ended), "seconds": round(ended - started, 1),
                              "serving_after": round(serving - started, 1) if serving else None,
                              "rc": rc, "tasks": sorted(problems)}
        self.backoff = self.logic.note_heal(self.backoff, ok, ended, self.config["backoff"]["base"],
                                            self.config["backoff"]["max"])
        self.drained = set()
        self.event("heal_finished" if ok else "heal_failed",
                   "replacement run ended with rc %d after %.1f s (log: %s)" % (rc, ended - started, self.config["heal_log"]))
        self.activity = "watching"

    def _watch_run(self, proc, started, timeout):
        """Wait for the replacement run, looking at the engine and HAProxy meanwhile (the status file
        shows the new task come up and serve); return its exit code and when the desired count served."""
        serving = None
        deadline = time.monotonic() + timeout
        while True:
            try:
                return proc.wait(timeout=float(self.config["poll_interval"])), serving
            except subprocess.TimeoutExpired:
                pass
            if time.monotonic() >= deadline:
                os.killpg(proc.pid, signal.SIGTERM)
                self.event("heal_timeout", "the replacement run took longer than %d s and was stopped" % timeout)
                return proc.wait(), serving
            try:
                self.observe()
            except (OSError, RuntimeError, http.client.HTTPException):
                continue
            if serving is None and self.serving_count() >= int(self.config["desired_count"]):
                serving = time.time()
                self.event("serving", "%d task(s) serve again through the load balancer, %.1f s after the replacement "
                           "run started (it goes on removing what it replaced)" % (self.serving_count(), serving - started))
            self.write_state()

    def serving_count(self):
        """Tasks that run, pass their health checks and are UP in HAProxy (none while another service the web
        tasks need, service_discovery's Redis, runs fewer sound tasks than desired)."""
        for s in self.config.get("services") or []:
            sound = sum(1 for t in self.service_tasks.get(s["service"], [])
                        if self.logic.task_status(t, s["essential"]) == "RUNNING")
            if sound < int(s["desired_count"]):
                return 0
        return sum(1 for t in self.tasks
                   if self.logic.task_status(t, self.config["essential"]) == "RUNNING"
                   and (self.lb.get(t["id"]) or "").startswith("UP"))

    def step(self):
        try:
            self.observe()
            self.engine_error = None
        except (OSError, RuntimeError, http.client.HTTPException) as e:
            if self.engine_error is None:
                self.event("engine_unreachable", "the engine at %s does not answer: %s" % (self.config["docker_host"], e))
            self.engine_error = str(e)
            return
        b = self.config["backoff"]
        decision = self.logic.decide(self.tasks, self.config["desired_count"], self.config["essential"], self.backoff,
                                     time.time(), b["base"], b["max"], b["stable"],
                                     others=[(self.service_tasks.get(s["service"], []), s["desired_count"], s["essential"])
                                             for s in self.config.get("services") or []])
        was_pending = self.backoff.get("pending_since") is not None
        self.backoff = decision["backoff"]
        for tid, problems in decision["problems"].items():
            if tid in decision["deregister"]:
                self.deregister(tid, [p["reason"] for p in problems])
        for name in decision["stop"]:
            if self.engine.stop(name, 10):
                self.event("stopped", "stopped %s: %s" % (name, self.logic.REASON_UNHEALTHY), task=None)
        if decision["heal"] and not self.stopping:
            self.heal(decision["problems"])
        elif decision["wait"] and not was_pending:
            self.event("backoff", "next replacement in %.0f s (%d quick failure(s) in a row)" % (
                decision["wait"], self.backoff["failures"]), delay=decision["wait"], failures=self.backoff["failures"])

    def write_state(self):
        essential = self.config["essential"]
        tasks = []
        for t in self.tasks:
            problems = self.logic.task_problems(t, essential)
            tasks.append({"id": t["id"], "task_definition": t["task_definition"], "host_port": t["host_port"],
                          "status": self.logic.task_status(t, essential),
                          "stopped_reason": "; ".join(p["reason"] for p in problems) or None,
                          "load_balancer": self.lb.get(t["id"]),
                          "infra": t["infra"], "containers": sorted(t["containers"].values(), key=lambda c: c["docker_name"])})
        b = self.backoff
        data = {
            "version": 1,
            "deployment": self.config["deployment"],
            "pid": os.getpid(),
            "started": now_iso(self.started),
            "updated": now_iso(),
            "activity": "stopping" if self.stopping else self.activity,
            "docker_host": self.config["docker_host"],
            "engine": {"answering": self.engine_error is None, "error": self.engine_error, "podman": self.engine.podman},
            "task_definition": self.config.get("task_definition"),
            "desired_count": self.config["desired_count"],
            "running_count": sum(1 for t in tasks if t["status"] == "RUNNING"),
            "serving_count": self.serving_count(),
            "load_balancer": {"socket": self.config["haproxy_socket"], "backend": self.config["haproxy_backend"],
                              "answering": self.lb_error is None, "error": self.lb_error, "servers": self.lb},
            "tasks": tasks,
            "limits": self.limits,
            "backoff": dict(b, next_heal_at_iso=now_iso(b["next_heal_at"]) if b.get("next_heal_at") else None,
                            base=self.config["backoff"]["base"], max=self.config["backoff"]["max"],
                            stable=self.config["backoff"]["stable"]),
            "heals": self.heals,
            "events": self.events,
        }
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.state_file)

    def run(self):
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self.event("started", "watching deployment %s (%d desired task(s)) at %s" % (
            self.config["deployment"], self.config["desired_count"], self.config["docker_host"]))
        while not self.stopping:
            self.step()
            self.write_state()
            deadline = time.monotonic() + float(self.config["poll_interval"])
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(0.2)
        self.event("stopped_supervisor", "supervisor stopped")
        self.write_state()

    def _stop(self, signum, frame):
        self.stopping = True


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", required=True, help="the JSON configuration the local_runtime role writes")
    a = p.parse_args()
    with open(a.config) as f:
        config = json.load(f)
    Supervisor(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
