# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the status role: put what was read into one document, and render it as one screen.

- ``status_report``: deployment_info's result + ecs_service_status_info's result (+ on the local target
  haproxy_stats_info's result, the engine's container inspections and the local scheduler's status
  file) -> the status document (the
  JSON that ``status_format=json`` writes).
- ``status_lines``: the document -> the lines of the text screen.
- The document's ``topology``: how web reaches Redis; in service_discovery the namespace, the Cloud Map service
  and its instances, the group D-redis, the ECS service redis with its tasks and rollout, and what of them is
  missing; in sidecar what a service_discovery run left (``leftovers``).

No side effects; unit-tested in tests/unit/plugins/filter/test_status.py.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

# The container labels local_runtime gives the tasks' containers (defined once, in module_utils/_local_labels.py).
from ansible_collections.fargate.microservice.plugins.module_utils._local_labels import LABEL_CONTAINER
from ansible_collections.fargate.microservice.plugins.module_utils._local_labels import LABEL_DEPLOYMENT
from ansible_collections.fargate.microservice.plugins.module_utils._local_labels import LABEL_ESSENTIAL
from ansible_collections.fargate.microservice.plugins.module_utils._local_labels import LABEL_HOST_PORT
from ansible_collections.fargate.microservice.plugins.module_utils._local_labels import LABEL_ROLE
from ansible_collections.fargate.microservice.plugins.module_utils._local_labels import LABEL_TASK
from ansible_collections.fargate.microservice.plugins.module_utils._local_labels import LABEL_TASKDEF

# Docker's "zero" time of a container that never started or never finished.
_ZERO_TIME = "0001-01-01T00:00:00Z"


def _time(value):
    return "" if not value or str(value).startswith("0001-01-01") else str(value)


def _container_view(inspect):
    """One container of a local task from the engine's inspection (docker_container_info's ``container``)."""
    state = inspect.get("State") or {}
    labels = (inspect.get("Config") or {}).get("Labels") or {}
    # Podman keeps the last health status of a container that exited ("healthy" on a dead one): only a
    # running container has a health.
    health = ((state.get("Health") or {}).get("Status") or "") if state.get("Running") else ""
    status = state.get("Status") or ""
    reason = ""
    if not state.get("Running"):
        if state.get("OOMKilled"):
            reason = "OutOfMemoryError: killed for exceeding its memory limit"
        elif state.get("Error"):
            reason = state["Error"]
        elif _time(state.get("FinishedAt")):
            reason = f"exited with code {state.get('ExitCode')}"
    return {
        "name": labels.get(LABEL_CONTAINER) or (inspect.get("Name") or "").lstrip("/"),
        "docker_name": (inspect.get("Name") or "").lstrip("/"),
        "role": labels.get(LABEL_ROLE, ""),
        "essential": labels.get(LABEL_ESSENTIAL, "true") == "true",
        "status": status,
        "health": health,
        "exit_code": None if state.get("Running") else state.get("ExitCode"),
        "started": _time(state.get("StartedAt")),
        "finished": "" if state.get("Running") else _time(state.get("FinishedAt")),
        "reason": reason,
        "image": (inspect.get("Config") or {}).get("Image", ""),
        "labels": labels,
    }


def local_tasks(inspections, deployment):
    """Group the engine's container inspections into the deployment's tasks, as status shows them.

    A task RUNS when its infra container and every essential container run; it is HEALTHY when every
    container with a health check is healthy, UNHEALTHY when one is not, else UNKNOWN.
    """
    tasks = {}
    for inspect in inspections or []:
        view = _container_view(inspect)
        labels = view.pop("labels")
        if labels.get(LABEL_DEPLOYMENT) != deployment or not labels.get(LABEL_TASK):
            continue
        task = tasks.setdefault(labels[LABEL_TASK], {
            "id": labels[LABEL_TASK], "task_definition": labels.get(LABEL_TASKDEF, "").rsplit("/", 1)[-1],
            "host_port": None, "started": "", "containers": [], "infra": None})
        if view["role"] == "infra":
            task["infra"] = view
            task["started"] = view["started"]
            try:
                task["host_port"] = int(labels.get(LABEL_HOST_PORT))
            except (TypeError, ValueError):
                pass
        else:
            task["containers"].append(view)
    result = []
    for tid in sorted(tasks):
        task = tasks[tid]
        infra = task.pop("infra")
        running = bool(infra and infra["status"] == "running") and all(
            c["status"] == "running" for c in task["containers"] if c["essential"]) and bool(task["containers"])
        healths = [c["health"] for c in task["containers"] if c["health"]]
        if any(h == "unhealthy" for h in healths):
            health = "UNHEALTHY"
        elif healths and all(h == "healthy" for h in healths) and running:
            health = "HEALTHY"
        else:
            health = "UNKNOWN"
        stopped = [c for c in task["containers"] + ([infra] if infra else []) if c["reason"]]
        stopped.sort(key=lambda c: c["finished"], reverse=True)
        task.update(
            status="RUNNING" if running else "STOPPED",
            health=health,
            stopped_reason=(f"{stopped[0]['name']} {stopped[0]['reason']}" if stopped else ""),
        )
        for c in task["containers"]:
            c.pop("role")
        result.append(task)
    return result


def _items(section):
    if isinstance(section, dict):
        return [i for tier in section for i in section[tier]]
    return list(section or [])


def scheduler_view(supervisor=None, alive=False):
    """The local scheduler (local_runtime's supervisor) from its status file, and whether the engine
    enforces the tasks' cpu and memory (its verdict). ``alive``: its process still runs."""
    supervisor = supervisor if isinstance(supervisor, dict) else {}
    backoff = supervisor.get("backoff") or {}
    limits = supervisor.get("limits") or {}
    events = supervisor.get("events") or []
    activity = supervisor.get("activity", "") if alive else "not running"
    # A crash loop's wait: a replacement is needed, after quick failures (with none it starts at once).
    waiting = bool(alive and backoff.get("pending_since") is not None and backoff.get("failures")
                   and backoff.get("next_heal_at_iso"))
    return {
        "running": bool(alive and supervisor),
        "activity": activity or "not running",
        "updated": supervisor.get("updated", ""),
        "desired": supervisor.get("desired_count"),
        "running_count": supervisor.get("running_count"),
        "serving_count": supervisor.get("serving_count"),
        "crash_loop_failures": backoff.get("failures", 0),
        "next_replacement": backoff.get("next_heal_at_iso") if waiting else "",
        "replacements": (supervisor.get("heals") or {}).get("count", 0),
        "failed_replacements": (supervisor.get("heals") or {}).get("failed", 0),
        "last_replacement": (supervisor.get("heals") or {}).get("last"),
        "last_event": (f"{events[-1].get('time', '')} {events[-1].get('kind', '')}: {events[-1].get('message', '')}"
                       if events else ""),
        "limits_enforced": limits.get("enforced"),
        "limits_note": limits.get("note", ""),
        "limits": limits.get("containers") or {},
    }


# deployment_info's service_discovery sections (plugins/module_utils/_deployment_info.py, DISCOVERY_SECTIONS).
DISCOVERY_SECTIONS = ("cloud_map_namespace", "cloud_map_service", "redis_security_group", "redis_task_definition",
                      "redis_service", "redis_tasks")


def _family(task_definition):
    return str(task_definition or "").rsplit("/", 1)[-1].split(":", 1)[0]


def topology_view(info, tasks=(), redis_status=None, target="aws"):
    """How web reaches Redis, and in service_discovery the Redis service's pieces with what of them is missing.

    ``tasks``: the document's tasks (on the local target the engine's, among which the Redis task is found by its
    family); ``redis_status``: ecs_service_status_info's result for the ECS service redis (its stopped tasks).
    """
    names, res = info["names"], info["resources"]
    topology = names.get("topology") or "sidecar"
    discovery = topology == "service_discovery"
    redis_group = (names.get("security_groups") or {}).get("redis", "")

    def first(section):
        items = res.get(section) or []
        return dict(items[0]) if items else None

    namespace, cm_service = first("cloud_map_namespace"), first("cloud_map_service")
    group, redis, taskdef = first("redis_security_group"), first("redis_service"), first("redis_task_definition")
    redis_family = (taskdef or {}).get("family") or names.get("redis_task_family") or ""
    if target == "local":
        redis_tasks = [t for t in tasks if redis_family and _family(t.get("task_definition")) == redis_family]
    else:
        redis_tasks = [
            {"id": t["name"], "task_definition": t.get("task_definition", ""), "address": t.get("address", ""),
             "started": t.get("started") or "", "status": t["state"], "health": t.get("health", "UNKNOWN"),
             "stopped_reason": t.get("stopped_reason", "")}
            for t in res.get("redis_tasks") or []]
    if group:
        # the groups' names for their ids (the security_groups section), so a rule says "from D-tasks"
        group_names = {g["id"]: g["name"] for g in res.get("security_groups") or []}
        group["ingress_lines"] = [
            f"{r.get('protocol')} {r.get('from_port')}" + (f"-{r.get('to_port')}" if r.get("to_port") != r.get("from_port") else "")
            + " from " + (", ".join([f"{group_names[g]} ({g})" if g in group_names else g for g in r.get("groups") or []]
                                    + list(r.get("cidrs") or [])) or "nobody")
            for r in group.get("ingress") or []]
    if redis is not None:
        redis_status = redis_status or {}
        redis["stopped_tasks"] = list(redis_status.get("stopped_task_lines") or [])
        registered = bool(cm_service) and cm_service.get("arn") in (redis.get("registries") or [])
        redis["registered_in"] = [cm_service["name"]] if registered else []
    missing = [m for m in info.get("missing") or [] if m["kind"] in DISCOVERY_SECTIONS
               or (m["kind"] == "security_groups" and redis_group and m["name"] == redis_group)]
    present = [x for x in (namespace, cm_service, group, redis, taskdef) if x]
    notes = []
    if discovery and missing:
        notes.append(f"The service_discovery topology misses {len(missing)} piece(s) ("
                     + ", ".join(f"{m['kind']} {m['name']}" for m in missing)
                     + "); `ansible-playbook site.yml -e microservice_topology=service_discovery` creates them.")
    if discovery and cm_service and not cm_service.get("instances"):
        notes.append(f"No Redis task is registered in the Cloud Map service {cm_service['name']}, so web cannot resolve"
                     f" {cm_service.get('dns_name') or names.get('redis_dns_name')}.")
    elif discovery and cm_service and cm_service.get("healthy", 0) < len(cm_service["instances"]):
        notes.append(f"{len(cm_service['instances']) - cm_service.get('healthy', 0)} of the Redis instances registered"
                     f" in Cloud Map are not HEALTHY.")
    if not discovery and present:
        notes.append(f"{len(present)} piece(s) of the service_discovery topology are left ("
                     + ", ".join(f"{x['kind']} {x['name']}" for x in present)
                     + "); `ansible-playbook site.yml` (sidecar) removes them once web has rolled.")
    return {
        "name": topology,
        "redis_address": names.get("redis_address", ""),
        "namespace": namespace,
        "cloud_map_service": cm_service,
        "redis_security_group": group,
        "redis_service": redis,
        "redis_task_definition": taskdef,
        "redis_tasks": redis_tasks,
        "missing": missing,
        "leftovers": bool(present) and not discovery,
        "notes": notes,
    }


def status_report(info, service_status=None, target="aws", url="", lb_stats=None, inspections=None, engine=None,
                  supervisor=None, supervisor_alive=False, redis_status=None):
    """The status document. ``engine``: {available, reason} of the container engine (local target);
    ``supervisor``: the local_runtime supervisor's status file, ``supervisor_alive``: its process runs;
    ``redis_status``: ecs_service_status_info's result for the ECS service redis (service_discovery)."""
    if not isinstance(info, dict) or "resources" not in info:
        raise AnsibleFilterError("status_report needs the result of fargate.microservice.deployment_info.")
    service_status = service_status or {}
    res = info["resources"]
    resources = {kind: [dict(item) for item in _items(value)]
                 for kind, value in res.items() if kind not in ("target_health", "tasks", "redis_tasks")}
    # D-redis is in both security_groups and redis_security_group (service_discovery): listed once.
    listed = {item["id"] for item in resources.get("security_groups", [])}
    if "redis_security_group" in resources:
        resources["redis_security_group"] = [i for i in resources["redis_security_group"] if i["id"] not in listed]
    services = res.get("service") or []
    taskdefs = res.get("task_definition") or []
    service = dict(services[0]) if services else {}
    taskdef = taskdefs[0] if taskdefs else {}
    notes = []
    doc_service = {
        "name": info["names"]["service"],
        "cluster": info["names"]["cluster"],
        "exists": bool(service),
        "status": service.get("state", "MISSING"),
        "task_definition": service.get("task_definition", ""),
        "revision": taskdef.get("revision"),
        "images": taskdef.get("images", {}),
        "image_tags": taskdef.get("image_tags", {}),
        "cpu": taskdef.get("cpu"),
        "memory": taskdef.get("memory"),
        "desired": service.get("desired"),
        "running": service.get("running"),
        "pending": service.get("pending"),
        "rollout_state": service_status.get("rollout_state", "MISSING") if service else "MISSING",
        "rollout_state_reason": service_status.get("rollout_state_reason", "") if service else "",
        "deployments": service.get("deployments", []),
    }
    stopped_lines = list(service_status.get("stopped_task_lines") or [])
    if target == "local":
        lb_stats = lb_stats or {}
        targets = [
            {"id": s["name"], "address": s.get("addr", ""), "health": s.get("status", ""),
             "check": " ".join(str(x) for x in (s.get("check_status"), s.get("check_code")) if x not in (None, "")),
             "reason": s.get("check_desc", ""), "since_seconds": s.get("last_change_seconds")}
            for s in lb_stats.get("servers") or []
        ]
        targets_source = "HAProxy, the local load balancer"
        if not lb_stats.get("available", False):
            notes.append("The local load balancer does not answer (" + (lb_stats.get("reason") or "not running")
                         + "); start it with `ansible-playbook site.yml --tags local_alb`.")
        engine = engine or {}
        if engine.get("available", True):
            tasks = local_tasks(inspections, info["deployment"])
        else:
            tasks = []
            notes.append("No container engine answers (" + (engine.get("reason") or "no answer")
                         + "), so the tasks that run cannot be shown; start it with `ansible-playbook site.yml --tags container_engine`.")
        tasks_source = "the container engine: what really runs"
        for task in tasks:
            if task["stopped_reason"]:
                stopped_lines.append(f"task {task['id']}: {task['stopped_reason']}")
        if service:
            notes.append("The emulator's service counts (desired/running/pending) are moto's; the tasks and targets below"
                         " are the containers and HAProxy on this machine.")
        scheduler = scheduler_view(supervisor, supervisor_alive)
        if service and not scheduler["running"]:
            notes.append("The local scheduler (local_runtime's supervisor) is not running, so a task that stops stays"
                         " stopped until the next run; `ansible-playbook site.yml --tags local_runtime` starts it.")
        if scheduler["running"] and scheduler["limits_enforced"] is False:
            notes.append("The engine does not enforce the task definition's cpu/memory on every container here ("
                         + scheduler["limits_note"] + "); a task Fargate would kill for memory may live on.")
    else:
        targets = [{"id": t["id"], "address": f"{t['id']}:{t.get('port')}", "health": t["state"], "check": "",
                    "reason": t.get("description") or t.get("reason") or "", "since_seconds": None}
                   for t in res.get("target_health") or []]
        targets_source = "target group " + info["names"]["target_group"]
        tasks = [
            {"id": t["name"], "task_definition": t.get("task_definition", ""), "host_port": None,
             "started": t.get("started") or "", "status": t["state"], "health": t.get("health", "UNKNOWN"),
             "stopped_reason": t.get("stopped_reason", ""),
             "containers": [{"name": c.get("name"), "status": c.get("status"), "health": c.get("health", ""),
                             "exit_code": c.get("exit_code"), "reason": c.get("reason", "")} for c in t.get("containers", [])]}
            for t in res.get("tasks") or []
        ]
        tasks_source = "ECS"
        scheduler = None
    topology = topology_view(info, tasks, redis_status, target)
    notes += topology["notes"]
    if topology["redis_service"] is not None:
        stopped_lines += [line for line in topology["redis_service"]["stopped_tasks"] if line not in stopped_lines]
    if info.get("missing"):
        notes.append(f"{len(info['missing'])} resource(s) of the contract are missing; `ansible-playbook site.yml` creates them.")
    if info.get("unowned"):
        notes.append(f"{len(info['unowned'])} resource(s) carry a contract name without the ownership tag; they are not"
                     " this deployment's and no role changes them.")
    return {
        "deployment": info["deployment"],
        "target": target,
        "url": url,
        "complete": bool(info.get("complete")),
        "owned_count": len(info.get("owned") or []),
        "resources": resources,
        "missing": info.get("missing") or [],
        "unowned": info.get("unowned") or [],
        "service": doc_service,
        "targets_source": targets_source,
        "targets": targets,
        "tasks_source": tasks_source,
        "tasks": tasks,
        "scheduler": scheduler,
        "topology": topology,
        "last_stop_reason": stopped_lines[0] if stopped_lines else "",
        "stopped_tasks": stopped_lines,
        "notes": notes,
    }


def _row(*cells, widths=(22, 30, 26)):
    out = []
    for cell, width in zip(cells, list(widths) + [0] * len(cells)):
        text = "" if cell is None else str(cell)
        out.append(text.ljust(width) if width else text)
    return "  " + " ".join(out).rstrip()


def _short_id(resource_id):
    """An ARN without its arn:partition:service:region:account: prefix (the JSON document keeps it whole)."""
    text = str(resource_id or "")
    return text.split(":", 5)[5] if text.startswith("arn:") and text.count(":") >= 5 else text


def _topology_lines(topo):
    """The topology block of the screen: one line in sidecar, the Redis service's pieces in service_discovery."""
    if not topo:
        return []
    if topo["name"] != "service_discovery" and not topo["leftovers"]:
        return ["", f"Topology sidecar: web reaches Redis on {topo['redis_address'] or 'localhost:6379'} in each task"]
    lines = ["", f"Topology {topo['name']}: "
             + (f"web reaches Redis as {topo['redis_address']} (Cloud Map)" if topo["name"] == "service_discovery"
                else "web reaches Redis on localhost:6379 in each task; left by service_discovery:")]
    keys = ("namespace", "cloud_map_service", "redis_security_group", "redis_service", "redis_task_definition")
    ns, cm, group, redis, taskdef = (topo.get(k) for k in keys)
    if ns:
        lines.append(f"  namespace {ns['name']} {ns['id']}: {ns['state']}")
    if cm:
        ttl = ", ".join(f"{r.get('type')} TTL {r.get('ttl')} s" for r in cm.get("dns_records") or [])
        lines.append(f"  Cloud Map service {cm['name']} {cm['id']} ({cm.get('dns_name', '')}" + (f", {ttl}" if ttl else "")
                     + f"): {len(cm.get('instances') or [])} instance(s) registered, {cm.get('healthy', 0)} healthy")
        for i in cm.get("instances") or []:
            lines.append(f"    instance {i['id']} {i.get('ipv4') or '?'} {i.get('health') or 'UNKNOWN'}")
    if group:
        rules = "; ".join(group.get("ingress_lines") or []) or "no ingress rule"
        lines.append(f"  security group {group['name']} {group['id']}: {rules}")
    if redis:
        images = ", ".join(f"{k}:{v or '?'}" for k, v in sorted(((taskdef or {}).get("image_tags") or {}).items())) or "unknown"
        lines += [f"  Service {redis['name']}: {redis['state']}, task definition {redis.get('task_definition')}"
                  f" (revision {(taskdef or {}).get('revision')}), images {images}"
                  + (f", registered in Cloud Map service {redis['registered_in'][0]}" if redis.get("registered_in")
                     else ", registered in no Cloud Map service of this deployment"),
                  f"    desired {redis.get('desired')}, running {redis.get('running')}, pending {redis.get('pending')};"
                  f" rollout {redis.get('rollout_state')}"]
        for d in redis.get("deployments") or []:
            lines.append(f"    deployment {d.get('status')} {d.get('task_definition')}: desired {d.get('desired')},"
                         f" running {d.get('running')}, pending {d.get('pending')}, failed tasks {d.get('failed_tasks')},"
                         f" rollout {d.get('rollout_state') or 'n/a'}")
    elif taskdef:
        lines.append(f"  task definition {taskdef['name']}: {taskdef['id'].rsplit('/', 1)[-1]} {taskdef['state']}")
    for t in topo.get("redis_tasks") or []:
        lines.append(f"    task {t['id']} {t.get('task_definition')} {t['status']} {t['health']}"
                     + (f" {t['address']}" if t.get("address") else "") + f", started {t.get('started') or '-'}")
    if topo["missing"]:
        lines.append("  missing: " + ", ".join(f"{m['kind']} {m['name']}" for m in topo["missing"]))
    return lines


def status_lines(doc):
    """The document as the lines of one screen."""
    lines = [f"Deployment {doc['deployment']} ({doc['target']} target): "
             + (f"{doc['owned_count']} resources owned, " if doc["owned_count"] else "nothing owned, ")
             + (f"{len(doc['missing'])} missing" if doc["missing"] else "nothing missing")
             + (f", {len(doc['unowned'])} same-named not ours" if doc["unowned"] else ""),
             f"URL: {doc['url'] or '(none yet: no load balancer)'}", "",
             "Resources (kind, name, id, state; ARNs without their arn:aws:<service>:<region>:<account>: prefix):"]
    for kind, items in doc["resources"].items():
        for item in items:
            label = f"{kind}/{item['tier']}" if kind == "subnets" and item.get("tier") else kind
            lines.append(_row(label, item["name"], _short_id(item["id"]), item["state"]))
    if not doc["owned_count"]:
        lines.append("  (none)")
    if doc["missing"]:
        lines += ["", "Missing:"] + [_row(m["kind"], m["name"]) for m in doc["missing"]]
    if doc["unowned"]:
        lines += ["", "Same name, no ownership tag (not ours, left alone):"]
        lines += [_row(u["kind"], u["name"], _short_id(u["id"])) for u in doc["unowned"]]
    s = doc["service"]
    lines.append("")
    if s["exists"]:
        images = ", ".join(f"{k}:{v or '?'}" for k, v in sorted(s["image_tags"].items())) or "unknown"
        lines += [f"Service {s['name']} in cluster {s['cluster']}: {s['status']}, task definition {s['task_definition']}"
                  f" (revision {s['revision']}), images {images}",
                  f"  desired {s['desired']}, running {s['running']}, pending {s['pending']}; rollout {s['rollout_state']}"
                  + (f" ({s['rollout_state_reason']})" if s["rollout_state_reason"] else "")]
        for d in s["deployments"]:
            lines.append(f"  deployment {d.get('status')} {d.get('task_definition')}: desired {d.get('desired')},"
                         f" running {d.get('running')}, pending {d.get('pending')}, failed tasks {d.get('failed_tasks')},"
                         f" rollout {d.get('rollout_state') or 'n/a'}")
    else:
        lines.append(f"Service {s['name']} in cluster {s['cluster']}: missing")
    lines += _topology_lines(doc.get("topology"))
    lines += ["", f"Targets ({doc['targets_source']}):"]
    lines += [_row(t["id"], t["address"], t["health"], " ".join(x for x in (t["check"], t["reason"]) if x),
                   widths=(14, 22, 10)) for t in doc["targets"]] or ["  (none)"]
    lines += ["", f"Tasks ({doc['tasks_source']}):"]
    for t in doc["tasks"]:
        containers = ", ".join(f"{c['name']} {c['status']}" + (f" {c['health']}" if c.get("health") else "")
                               + (f" exit {c['exit_code']}" if c.get("exit_code") is not None else "")
                               for c in t["containers"])
        lines.append(_row(t["id"], t["task_definition"], f"{t['status']} {t['health']}",
                          f"started {t['started'] or '-'}" + (f", port {t['host_port']}" if t.get("host_port") else ""),
                          widths=(14, 22, 18, 0)))
        if containers:
            lines.append("    " + containers)
        if t["stopped_reason"]:
            lines.append("    stopped: " + t["stopped_reason"])
    if not doc["tasks"]:
        lines.append("  (none)")
    sched = doc.get("scheduler")
    if sched:
        lines += ["", "Local scheduler (replaces a stopped or unhealthy task between runs, as ECS does): " + sched["activity"]]
        if sched["running"]:
            last = sched["last_replacement"] or {}
            lines.append(f"  {sched['running_count']} running, {sched['serving_count']} serving through the load balancer,"
                         f" desired {sched['desired']}; {sched['replacements']} replacement(s), {sched['failed_replacements']} failed"
                         + (f"; last {last.get('ended', '')} in {last.get('seconds')} s" if last else ""))
            if sched["next_replacement"]:
                lines.append(f"  crash loop: {sched['crash_loop_failures']} quick failure(s), next replacement at {sched['next_replacement']}")
            if sched["last_event"]:
                lines.append("  last event: " + sched["last_event"])
            enforced = {True: "enforced", False: "NOT enforced", None: "not asked"}[sched["limits_enforced"]]
            lines.append(f"  cpu/memory limits: {enforced} ({sched['limits_note']})")
    lines += ["", "Last stop reason: " + (doc["last_stop_reason"] or "none recorded")]
    if doc["notes"]:
        lines += [""] + ["Note: " + n for n in doc["notes"]]
    return lines


def status_summary(doc):
    """The short form of the document, printed at the end of a deploy: URL, revision, images, running / desired.

    On the local target "running" counts the tasks whose containers really run (the engine), not the
    emulator's service counters.
    """
    s = doc["service"]
    head = f"Deployment {doc['deployment']} ({doc['target']} target): {doc['url'] or 'no URL yet (no load balancer)'}"
    if not s["exists"]:
        missing = f"; {len(doc['missing'])} resource(s) missing" if doc["missing"] else ""
        return [head, f"  service {s['name']} in cluster {s['cluster']}: missing{missing} (make status shows what)"]
    images = ", ".join(f"{k}:{v or '?'}" for k, v in sorted(s["image_tags"].items())) or "unknown"
    topo = doc.get("topology") or {}
    redis_ids = {t["id"] for t in topo.get("redis_tasks") or []}
    if doc["target"] == "local":
        running = sum(1 for t in doc["tasks"] if t.get("status") == "RUNNING" and t["id"] not in redis_ids)
    else:
        running = s["running"]
    lines = [head,
             f"  service {s['name']}: task definition {s['task_definition']} (revision {s['revision']}), images {images};"
             f" running {running} / desired {s['desired']}, rollout {s['rollout_state']}"]
    if topo.get("name") == "service_discovery":
        redis, cm = topo.get("redis_service"), topo.get("cloud_map_service")
        registered = f", {len(cm.get('instances') or [])} registered in Cloud Map" if cm else ""
        if redis:
            lines.append(f"  service {redis['name']}: task definition {redis.get('task_definition')};"
                         f" running {redis.get('running')} / desired {redis.get('desired')}, rollout {redis.get('rollout_state')}"
                         f"{registered}; web reaches it as {topo['redis_address']}")
        else:
            lines.append("  Redis service: missing (" + (", ".join(m["name"] for m in topo["missing"]) or "?")
                         + "; make status shows what)")
    return lines


class FilterModule:
    """Status report filters."""

    def filters(self):
        return {"status_report": status_report, "status_lines": status_lines, "status_local_tasks": local_tasks,
                "status_summary": status_summary}
