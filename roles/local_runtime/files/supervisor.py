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
- then the replacement runs, in this process, with the role's own code: the scheduler's plan
  (plugins/plugin_utils/_local_runtime.py, the ``local_runtime_plan`` filter of a run) and its step
  runner (plugins/plugin_utils/_local_scheduler.py, the role's ``local_runtime_step`` action): start
  a new task and wait until it is healthy, put it in the load balancer in place of the broken one
  (HAProxy's admin socket: ``add server``, the dead one drained and deleted), then remove the broken
  one. service_discovery (a Redis service beside, whose task is registered in Cloud Map): the
  replacement is a run of the role alone (``playbooks/local_runtime.yml``), as Cloud Map is reached
  through its modules;
- a crash loop backs off exponentially up to a cap, as ECS's service throttle logic does.

Why in this process. A replacement used to be a run of the role (``ansible-playbook``): on this
project's 2-core machines under a load of 14-16 one module run costs 3-10 s, and the path from the
kill to a serving replacement was ~15 module runs and a HAProxy reload: 104-188 s, against ECS's
minute. The same steps as plain Docker-API and HAProxy-socket calls take seconds (docs/benchmarks.md,
benchmarks/heal_bench.py). The role uses the very same functions on every run, so a heal still does
only what a rerun does.

What it sees and does is written, atomically, to the status file (format: the role's README).
SIGTERM: a replacement in progress is finished first, then the process exits.
"""

import argparse
import datetime
import http.client
import json
import os
import signal
import subprocess
import sys
import time

EVENTS_KEPT = 50


def now_iso(t=None):
    return datetime.datetime.fromtimestamp(t if t is not None else time.time(), datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")


def import_collection(root, workdir):
    """Make ``ansible_collections.fargate.microservice`` (the collection at ``root``) importable in this process.

    An installed collection already lies under an ``ansible_collections`` directory; a checkout (the repository
    root is the collection root) is reached through a link in ``workdir``.
    """
    root = os.path.realpath(root)
    parent = os.path.dirname(os.path.dirname(root))
    if os.path.basename(parent) == "ansible_collections" and os.path.basename(os.path.dirname(root)) == "fargate":
        path = os.path.dirname(parent)
    else:
        path = os.path.join(workdir, "python")
        link = os.path.join(path, "ansible_collections", "fargate", "microservice")
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.realpath(link) != root:
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(root, link)
    if path not in sys.path:
        sys.path.insert(0, path)


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
        import_collection(config["collection"], os.path.dirname(config["state_file"]))
        # pylint: disable=import-outside-toplevel
        from ansible_collections.fargate.microservice.plugins.module_utils import _haproxy_stats, _local_heal
        from ansible_collections.fargate.microservice.plugins.plugin_utils import _local_runtime, _local_scheduler
        self.logic = _local_heal
        self.planner = _local_runtime
        self.scheduler = _local_scheduler
        # HAProxy's view of the targets, read as the status role reads it (show stat).
        self.haproxy = _haproxy_stats
        self.lb = {}
        self.lb_error = None
        self.engine = _local_scheduler.Engine(config["docker_host"], timeout=30)
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
        try:
            answer = self.haproxy.query(self.config["haproxy_socket"],
                                        "set server %s/%s state maint" % (self.config["haproxy_backend"], task_id)).strip()
        except OSError as e:
            answer = "no answer from %s: %s" % (self.config["haproxy_socket"], e)
        self.drained.add(task_id)
        self.event("deregistered", "taken out of the load balancer (%s)%s" % (
            "; ".join(reasons), (": " + answer) if answer else ""), task=task_id)

    def heal(self, problems):
        # What the tasks to replace ended as (after any stop of an unhealthy container just done), kept in
        # heals.last.replaced as ECS keeps a stopped task's reason and containers' exit codes: a quick replacement
        # removes the task from the engine (and the status file's tasks) within seconds.
        try:
            self.observe()
        except (OSError, ValueError, http.client.HTTPException):
            pass
        self.replaced = []
        for t in self.tasks + [t for tasks in self.service_tasks.values() for t in tasks]:
            if t["id"] in problems:
                self.replaced.append({
                    "id": t["id"], "stopped_reason": "; ".join(p["reason"] for p in problems[t["id"]]),
                    "containers": dict((name, {"state": c["state"], "exit_code": c["exit_code"], "oom_killed": c["oom_killed"],
                                               "health": c["health"]}) for name, c in t["containers"].items())})
        if self.config.get("runner"):
            return self.heal_here(problems)
        return self.heal_by_run(problems)

    def heal_here(self, problems):
        """Replace the broken tasks in this process: the role's plan and step runner (no Ansible run)."""
        self.activity = "replacing"
        self.write_state()
        started = time.time()
        self.event("heal_started", "replacing %s (the role's plan and step runner, in the supervisor)" % (
            ", ".join(sorted(problems)) or "missing tasks"), task=",".join(sorted(problems)) or None)
        r = self.config["runner"]
        lb = self.scheduler.LoadBalancer(self.config["haproxy_socket"], self.config["haproxy_backend"],
                                         r.get("haproxy_config"), r.get("target_address"))
        settings = dict(r["settings"], deployment=self.config["deployment"])
        serving = [None]
        rc, steps, error = 0, [], None

        def note_serving():
            try:
                self.observe()
            except (OSError, ValueError, http.client.HTTPException):
                return
            if serving[0] is None and self.serving_count() >= int(self.config["desired_count"]):
                serving[0] = time.time()
                self.event("serving", "%d task(s) serve again through the load balancer, %.1f s after the replacement "
                           "started" % (self.serving_count(), serving[0] - started))
            self.write_state()

        try:
            tasks = self.planner.local_runtime_tasks(self.engine.containers(self.config["deployment"]), self.config["deployment"])
            plan = self.planner.local_runtime_plan(tasks, r["task_definition"], self.config["desired_count"], r["port_first"],
                                                   r["port_last"], hosts=r.get("hosts") or {})
            for step in plan["steps"]:
                done = self.scheduler.run_step(self.engine, lb, r["task_definition"], step, settings, registered=note_serving)
                if done["lb_pending"]:
                    raise self.scheduler.LocalRuntimeError(
                        "no HAProxy answers on %s, so task %s cannot be registered; rerun the local_alb role "
                        "(site.yml --tags local_alb)" % (self.config["haproxy_socket"], done["started"]))
                steps.append({"action": step["action"], "new": (step.get("new") or {}).get("id"),
                              "old": (step.get("old") or {}).get("id"), "timings": done["timings"]})
                self.event("step", "%s%s%s: %s" % (step["action"], (" " + step["old"]["id"]) if step.get("old") else "",
                                                   (" -> " + step["new"]["id"]) if step.get("new") else "",
                                                   ", ".join("%s %.1f s" % kv for kv in sorted(done["timings"].items()))),
                           task=(step.get("new") or step.get("old") or {}).get("id"), timings=done["timings"])
                note_serving()
        except (OSError, ValueError, http.client.HTTPException) as e:
            rc, error = 1, str(e)
        ended = time.time()
        with open(self.config["heal_log"], "a") as log:
            log.write("=== %s in-process replacement of %s: %s\n" % (
                now_iso(started), ", ".join(sorted(problems)) or "-", json.dumps({"steps": steps, "error": error})))
        self.finish_heal(problems, rc, started, ended, serving[0], steps=steps, error=error)

    def finish_heal(self, problems, rc, started, ended, serving, steps=None, error=None):
        ok = rc == 0
        self.heals["count"] += 1
        if not ok:
            self.heals["failed"] += 1
        self.heals["last"] = {"started": now_iso(started), "ended": now_iso(ended), "seconds": round(ended - started, 1),
                              "serving_after": round(serving - started, 1) if serving else None,
                              "rc": rc, "tasks": sorted(problems), "replaced": getattr(self, "replaced", [])}
        if steps is not None:
            self.heals["last"]["steps"] = steps
        if error:
            self.heals["last"]["error"] = error
        self.backoff = self.logic.note_heal(self.backoff, ok, ended, self.config["backoff"]["base"],
                                            self.config["backoff"]["max"])
        self.drained = set()
        self.event("heal_finished" if ok else "heal_failed",
                   "replacement ended %s after %.1f s%s (log: %s)" % (
                       "well" if ok else "with rc %d" % rc, ended - started, (": " + error) if error else "",
                       self.config["heal_log"]))
        self.activity = "watching"

    def heal_by_run(self, problems):
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
        self.finish_heal(problems, rc, started, ended, serving)

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
            except (OSError, ValueError, http.client.HTTPException):
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
        except (OSError, ValueError, http.client.HTTPException) as e:
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
