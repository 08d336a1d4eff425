# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Decisions of the local runtime's supervisor (the ECS scheduler's between-runs half).

Pure functions, no I/O, unit-tested in tests/unit/plugins/module_utils/test_local_heal.py. The
supervisor process (roles/local_runtime/files/supervisor.py) feeds them what the engine reports
and carries out what they return; the replacement itself is the local_runtime role's own plan
(a rerun under ``--tags local_runtime``), so a heal and a rerun are the same code.

- ``task_view``: the engine's containers (+ their inspection and health) -> the deployment's tasks.
- ``task_problems``: why a task must be replaced, in ECS's stop-reason words (or nothing).
- ``decide``: what to do now: take broken tasks out of the load balancer, stop unhealthy
  essential containers (ECS stops a task that fails its health checks), heal now or wait.
- ``note_need`` / ``note_heal`` / ``backoff_delay``: the crash-loop backoff, as ECS's service
  throttle logic: a task that needs replacing again soon after a replacement (or a replacement
  that fails) doubles the wait before the next one, up to a cap; a stable spell resets it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The labels are defined once, in _local_labels.py (re-exported here for the supervisor).
from ansible_collections.fargate.microservice.plugins.module_utils._local_labels import (  # noqa: F401 pylint: disable=unused-import
    LABEL_CONTAINER, LABEL_CPU, LABEL_DEPLOYMENT, LABEL_ESSENTIAL, LABEL_HOST_PORT, LABEL_HOSTS, LABEL_MEMORY,
    LABEL_PREFIX, LABEL_ROLE, LABEL_SERVICE, LABEL_TASK, LABEL_TASKDEF,
)

# ECS's own stop reasons (what DescribeTasks shows as stoppedReason / a container's reason).
REASON_EXITED = "Essential container in task exited"
REASON_UNHEALTHY = "Task failed container health checks"
REASON_OOM = "OutOfMemoryError: Container killed due to memory usage"
REASON_INFRA = "Task network namespace (infra container) stopped"
REASON_MISSING = "Essential container is missing"


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def container_view(item, inspection=None, health=None):
    """One container as the supervisor reports it (status file) and judges it."""
    labels = item.get("Labels") or {}
    inspection = inspection or {}
    state = inspection.get("State") or {}
    host = inspection.get("HostConfig") or {}
    memory = _int(host.get("Memory")) or 0
    nano = _int(host.get("NanoCpus")) or 0
    if not health:
        health = (state.get("Health") or state.get("Healthcheck") or {}).get("Status") or None
    return {
        "docker_name": (item.get("Names") or ["/?"])[0].lstrip("/"),
        "id": item.get("Id"),
        "name": labels.get(LABEL_CONTAINER),
        "role": labels.get(LABEL_ROLE, "container"),
        "state": item.get("State"),
        "health": health or None,
        "essential": labels.get(LABEL_ESSENTIAL, "true") == "true",
        "exit_code": _int(state.get("ExitCode")) if item.get("State") != "running" else None,
        "oom_killed": bool(state.get("OOMKilled")),
        "started_at": state.get("StartedAt"),
        "finished_at": state.get("FinishedAt") if item.get("State") != "running" else None,
        "memory_mib_requested": _int(labels.get(LABEL_MEMORY)),
        "memory_mib_applied": memory // (1024 * 1024) if memory else None,
        "cpu_units_requested": _int(labels.get(LABEL_CPU)),
        "cpu_units_applied": int(round(nano * 1024 / 1e9)) if nano else None,
    }


def task_view(containers, deployment, inspections=None, health=None, service=None):
    """Group the engine's containers (/containers/json items) into this deployment's tasks.

    ``service`` None: the load-balanced service's tasks (containers without the service label); else that
    service's (service_discovery's redis).

    ``inspections`` maps container ids to their inspection (/containers/{id}/json) and ``health``
    maps ids to the latest health-check status; both are optional. Sorted by task id.
    """
    inspections = inspections or {}
    health = health or {}
    tasks = {}
    for item in containers or []:
        labels = item.get("Labels") or {}
        if labels.get(LABEL_DEPLOYMENT) != deployment or not labels.get(LABEL_TASK):
            continue
        if (labels.get(LABEL_SERVICE) or None) != (service or None):
            continue
        tid = labels[LABEL_TASK]
        task = tasks.setdefault(tid, {"id": tid, "task_definition": labels.get(LABEL_TASKDEF, ""),
                                      "host_port": None, "infra": None, "containers": {}})
        view = container_view(item, inspections.get(item.get("Id")), health.get(item.get("Id")))
        if view["role"] == "infra":
            task["infra"] = view
            task["host_port"] = _int(labels.get(LABEL_HOST_PORT))
        else:
            task["containers"][view["name"] or view["docker_name"]] = view
    return [tasks[k] for k in sorted(tasks)]


def task_problems(task, essential_names):
    """Return why the task must be replaced: [{container, kind, reason}], empty when it is sound.

    ``kind`` is ``stopped`` (infra or an essential container not running, or missing) or
    ``unhealthy`` (an essential container runs but failed its health checks).
    """
    problems = []
    infra = task.get("infra")
    if not infra or infra["state"] != "running":
        problems.append({"container": infra["docker_name"] if infra else None, "kind": "stopped", "reason": REASON_INFRA})
    names = list(essential_names or [])
    for name, c in task["containers"].items():
        if c["essential"] and name not in names:
            names.append(name)
    for name in names:
        c = task["containers"].get(name)
        if c is None:
            problems.append({"container": name, "kind": "stopped", "reason": "%s (%s)" % (REASON_MISSING, name)})
        elif c["state"] != "running":
            if c["oom_killed"]:
                reason = "%s (%s)" % (REASON_OOM, name)
            else:
                reason = "%s (%s, exit code %s)" % (REASON_EXITED, name, c["exit_code"])
            problems.append({"container": c["docker_name"], "kind": "stopped", "reason": reason})
        elif c["health"] == "unhealthy":
            problems.append({"container": c["docker_name"], "kind": "unhealthy", "reason": "%s (%s)" % (REASON_UNHEALTHY, name)})
    return problems


def task_status(task, essential_names):
    """One word for a task: RUNNING (sound, every health check passing), PENDING (sound, a check
    not passed yet), UNHEALTHY or STOPPED (to be replaced)."""
    problems = task_problems(task, essential_names)
    if any(p["kind"] == "stopped" for p in problems):
        return "STOPPED"
    if problems:
        return "UNHEALTHY"
    if any(c["state"] == "running" and c["health"] not in (None, "healthy") for c in task["containers"].values()):
        return "PENDING"
    return "RUNNING"


def backoff_delay(failures, base, cap):
    """Seconds to wait before the next replacement after ``failures`` quick failures in a row."""
    if failures <= 0:
        return 0
    return min(float(cap), float(base) * (2 ** (failures - 1)))


def new_backoff():
    return {"failures": 0, "next_heal_at": 0.0, "last_heal_end": None, "pending_since": None}


def note_need(backoff, now, base, cap, stable):
    """Record that a replacement is needed (first seen at ``now``) and when it may start.

    Needed again within ``stable`` seconds of the previous replacement's end counts as one more
    failure of a crash loop; needed after a stable spell starts afresh with no wait.
    """
    b = dict(backoff)
    if b.get("pending_since") is not None:
        return b
    last = b.get("last_heal_end")
    if last is not None and now - last < stable:
        b["failures"] = b.get("failures", 0) + 1
    else:
        b["failures"] = 0
    b["pending_since"] = now
    b["next_heal_at"] = now + backoff_delay(b["failures"], base, cap)
    return b


def note_healthy(backoff):
    """Nothing needs replacing (anymore): forget the pending need, keep the crash-loop count."""
    b = dict(backoff)
    b["pending_since"] = None
    return b


def note_heal(backoff, ok, ended, base, cap):
    """Record a replacement run's end; a failed run is one more failure and waits before the next."""
    b = dict(backoff)
    b["last_heal_end"] = ended
    b["pending_since"] = None
    if not ok:
        b["failures"] = b.get("failures", 0) + 1
        b["pending_since"] = ended
        b["next_heal_at"] = ended + backoff_delay(b["failures"], base, cap)
    return b


def decide(tasks, desired_count, essential_names, backoff, now, base, cap, stable, others=()):
    """What to do now. Returns {heal, wait, deregister, stop, problems, backoff, sound}.

    ``others``: more services' (tasks, desired_count, essential_names), judged the same way (service_discovery's
    redis, which no load balancer fronts); one replacement run reconciles them all, so they share one backoff.

    - ``deregister``: ids of tasks to take out of the load balancer right away (every task to be
      replaced, before anything else happens to it);
    - ``stop``: docker names of essential containers that run but failed their health checks
      (ECS stops such a task; once stopped, the role's plan replaces it like any stopped task);
    - ``heal``: run the replacement now (the role's plan) — false while the backoff says wait,
      with ``wait`` the seconds left.
    """
    problems = dict((t["id"], task_problems(t, essential_names)) for t in tasks)
    broken = [t for t in tasks if problems[t["id"]]]
    sound = [t["id"] for t in tasks if not problems[t["id"]]]
    needed = bool(broken) or len(sound) < int(desired_count)
    for other_tasks, other_desired, other_essential in others:
        other_problems = dict((t["id"], task_problems(t, other_essential)) for t in other_tasks)
        problems.update(other_problems)
        other_broken = [t for t in other_tasks if other_problems[t["id"]]]
        broken.extend(other_broken)
        other_sound = [t["id"] for t in other_tasks if not other_problems[t["id"]]]
        needed = needed or bool(other_broken) or len(other_sound) < int(other_desired)
    result = {
        "heal": False, "wait": 0.0, "problems": dict((k, v) for k, v in problems.items() if v),
        "deregister": [t["id"] for t in broken if t.get("host_port") is not None],
        "stop": [p["container"] for t in broken for p in problems[t["id"]] if p["kind"] == "unhealthy"],
        "sound": sound,
    }
    if not needed:
        result["backoff"] = note_healthy(backoff)
        return result
    b = note_need(backoff, now, base, cap, stable)
    result["backoff"] = b
    if now >= b["next_heal_at"]:
        result["heal"] = True
    else:
        result["wait"] = round(b["next_heal_at"] - now, 3)
    return result
