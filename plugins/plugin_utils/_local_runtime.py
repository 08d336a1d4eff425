# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure planning logic of the local scheduler (the local_runtime role and its supervisor, the ECS scheduler's stand-in).

No side effects, unit-tested in tests/unit/plugins/plugin_utils/test_local_runtime.py. Private to the collection:
the role reaches what its YAML needs through the thin filters of plugins/filter/local_runtime.py, the step
runner (_local_scheduler.py, used by the role's local_runtime_step action and by the supervisor) calls it directly.

- ``local_runtime_containers``: an ECS task definition -> the ordered list of container parameters
  for one task (dependsOn order), in community.docker.docker_container's option names.
- ``local_runtime_tasks``: the engine's container list (/containers/json) -> the tasks it holds.
- ``local_runtime_plan``: tasks + the service's task definition and desired count -> the
  scheduler's steps (stop broken tasks, start missing ones, roll outdated ones one at a time).

Kept in Python rather than Jinja because dependency ordering, health-check translation and the
rolling plan are logic that must be tested case by case.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import uuid

# The container labels, defined once (shared with local_alb, the supervisor and the logs reader).
from ansible_collections.fargate.microservice.plugins.module_utils._local_labels import (
    LABEL_CONTAINER, LABEL_CPU, LABEL_DEPLOYMENT, LABEL_ESSENTIAL, LABEL_HOST_PORT, LABEL_HOSTS, LABEL_MEMORY,
    LABEL_ROLE, LABEL_SERVICE, LABEL_TASK, LABEL_TASKDEF,
)


class LocalRuntimeError(ValueError):
    """A task definition, service or port range the local scheduler cannot run (one sentence: what to fix)."""


DEPENDENCY_CONDITIONS = ("START", "COMPLETE", "SUCCESS", "HEALTHY")


def _camel(value):
    """Undo camel_dict_to_snake_dict (community.aws.ecs_taskdefinition_info returns snake_case keys).

    Keys already in camelCase are kept, so raw describe_task_definition output works too.
    """
    if isinstance(value, dict):
        return dict((re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), k), _camel(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def normalize_taskdef(taskdef):
    """Return the task definition with camelCase container definitions."""
    if not isinstance(taskdef, dict) or not taskdef.get("containerDefinitions"):
        raise LocalRuntimeError("the task definition has no containerDefinitions; register it first (site.yml --tags task).")
    result = dict(taskdef)
    result["containerDefinitions"] = _camel(taskdef["containerDefinitions"])
    return result


def _seconds(value, default):
    return "%ds" % int(value if value is not None else default)


def healthcheck(definition):
    """Translate an ECS healthCheck into docker_container's healthcheck option (or None).

    ECS defaults: interval 30 s, timeout 5 s, retries 3, startPeriod 0.
    """
    hc = definition.get("healthCheck")
    if not hc:
        return None
    command = list(hc.get("command") or [])
    if not command or command[0] not in ("CMD", "CMD-SHELL"):
        raise LocalRuntimeError(
            "container %r: healthCheck.command must start with CMD or CMD-SHELL, got %r; "
            "fix the task definition." % (definition.get("name"), command[:1])
        )
    if command[0] == "CMD-SHELL" and len(command) != 2:
        command = ["CMD-SHELL", " ".join(command[1:])]
    return {
        "test": command,
        "interval": _seconds(hc.get("interval"), 30),
        "timeout": _seconds(hc.get("timeout"), 5),
        "retries": int(hc.get("retries") if hc.get("retries") is not None else 3),
        "start_period": _seconds(hc.get("startPeriod"), 0),
    }


def dependency_order(definitions):
    """Return container definitions sorted so every container comes after what it dependsOn.

    Stable: containers without constraints keep the task definition's order.
    """
    names = [d["name"] for d in definitions]
    if len(set(names)) != len(names):
        raise LocalRuntimeError("the task definition has duplicate container names: %s." % ", ".join(names))
    by_name = dict((d["name"], d) for d in definitions)
    for d in definitions:
        for dep in d.get("dependsOn") or []:
            if dep.get("containerName") not in by_name:
                raise LocalRuntimeError(
                    "container %r dependsOn %r, which is not in the task definition; "
                    "fix its dependsOn." % (d["name"], dep.get("containerName"))
                )
            if dep.get("condition") not in DEPENDENCY_CONDITIONS:
                raise LocalRuntimeError(
                    "container %r dependsOn %r with condition %r; use one of %s."
                    % (d["name"], dep.get("containerName"), dep.get("condition"), ", ".join(DEPENDENCY_CONDITIONS))
                )
            if dep["condition"] == "HEALTHY" and not by_name[dep["containerName"]].get("healthCheck"):
                raise LocalRuntimeError(
                    "container %r waits for %r to be HEALTHY, but %r has no healthCheck; "
                    "add one or use the START condition." % (d["name"], dep["containerName"], dep["containerName"])
                )
    ordered, placed, visiting = [], set(), set()

    def visit(name, path):
        if name in placed:
            return
        if name in visiting:
            raise LocalRuntimeError("dependsOn forms a cycle: %s; break it." % " -> ".join(path + [name]))
        visiting.add(name)
        for dep in by_name[name].get("dependsOn") or []:
            visit(dep["containerName"], path + [name])
        visiting.discard(name)
        placed.add(name)
        ordered.append(by_name[name])

    for name in names:
        visit(name, [])
    return ordered


def infra_name(deployment, task_id):
    return "%s-task-%s" % (deployment, task_id)


def container_name(deployment, task_id, name):
    return "%s-task-%s-%s" % (deployment, task_id, name)


def task_labels(deployment, task_id, taskdef_arn, host_port, service=None):
    labels = {
        LABEL_DEPLOYMENT: deployment,
        LABEL_TASK: task_id,
        LABEL_TASKDEF: taskdef_arn,
    }
    if host_port is not None:
        labels[LABEL_HOST_PORT] = str(host_port)
    if service:
        labels[LABEL_SERVICE] = service
    return labels


def hosts_label(hosts):
    """A task's host entries as one label value: name=address,... sorted by name ('' for none)."""
    return ",".join("%s=%s" % (name, (hosts or {})[name]) for name in sorted(hosts or {}))


def parse_hosts_label(value):
    result = {}
    for item in (value or "").split(","):
        if "=" in item:
            name, address = item.split("=", 1)
            result[name] = address
    return result


def local_runtime_discovery_names(taskdef, namespace):
    """The Cloud Map names (<service>.<namespace>) the task definition's environment uses, as host:port or a
    bare name: the names a web task resolves through Cloud Map. Sorted, each {name, service, namespace}."""
    taskdef = normalize_taskdef(taskdef)
    namespace = (namespace or "").strip(".").lower()
    if not namespace:
        return []
    pattern = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)\.%s(:[0-9]{1,5})?$" % re.escape(namespace))
    names = set()
    for d in taskdef["containerDefinitions"]:
        for e in d.get("environment") or []:
            m = pattern.match(str(e.get("value", "")).strip().lower())
            if m:
                names.add(m.group(1))
    return [{"name": "%s.%s" % (n, namespace), "service": n, "namespace": namespace} for n in sorted(names)]


def _units(value, what, owner):
    """Parse an ECS cpu/memory value ("256", 512, "0.25 vCPU" is not accepted) into an int or None."""
    if value in (None, "", 0, "0"):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise LocalRuntimeError("%s of %s is %r, not a whole number; fix the task definition." % (what, owner, value))
    if number < 0:
        raise LocalRuntimeError("%s of %s is negative (%d); fix the task definition." % (what, owner, number))
    return number


def resource_limits(definition, task_cpu=None, task_memory=None):
    """The engine limits of one container, from the task definition's task- and container-level sizes.

    Fargate enforces the task-level cpu and memory on the task as a whole, and a container-level
    ``memory`` as that container's hard limit. An engine without a task-wide cgroup can only limit
    each container: the container's ``memory`` (MiB) when set, else the task's memory; the task's
    cpu (units of 1/1024 vCPU) as each container's CPU quota; a container-level ``cpu`` as its CPU
    shares (what ECS gives it on Linux) and ``memoryReservation`` as its soft limit. No swap, as on
    Fargate. Returns the docker_container options plus ``memory_mib`` and ``cpu_units`` (or {}).
    """
    name = definition.get("name")
    task_cpu = _units(task_cpu, "the task-level cpu", "the task definition")
    task_memory = _units(task_memory, "the task-level memory", "the task definition")
    memory = _units(definition.get("memory"), "memory", "container %r" % name) or task_memory
    reservation = _units(definition.get("memoryReservation"), "memoryReservation", "container %r" % name)
    shares = _units(definition.get("cpu"), "cpu", "container %r" % name)
    if memory and task_memory and memory > task_memory:
        raise LocalRuntimeError(
            "container %r asks for %d MiB of memory, more than the task's %d MiB; fix the task definition."
            % (name, memory, task_memory))
    if memory and reservation and reservation > memory:
        raise LocalRuntimeError(
            "container %r reserves %d MiB, more than its %d MiB limit; fix the task definition." % (name, reservation, memory))
    result = {}
    if memory:
        result.update({"memory": "%dM" % memory, "memory_swap": "%dM" % memory, "memory_mib": memory})
    if reservation:
        result["memory_reservation"] = "%dM" % reservation
    if task_cpu:
        result.update({"cpus": round(task_cpu / 1024.0, 4), "cpu_units": task_cpu})
    if shares:
        result["cpu_shares"] = max(shares, 2)
    return result


def local_runtime_containers(taskdef, deployment, task_id, host_port, service=None):
    """Return the ordered docker_container parameters for every container of one task.

    Each item: name (ECS name), docker_name, essential, depends_on (list of
    {docker_name, condition}), has_healthcheck and params (docker_container options).
    """
    taskdef = normalize_taskdef(taskdef)
    arn = taskdef.get("taskDefinitionArn", "")
    infra = infra_name(deployment, task_id)
    result = []
    for d in dependency_order(taskdef["containerDefinitions"]):
        if not d.get("image"):
            raise LocalRuntimeError("container %r has no image; fix the task definition." % d["name"])
        labels = task_labels(deployment, task_id, arn, host_port, service)
        essential = d.get("essential", True) is not False
        labels.update({
            LABEL_ROLE: "container",
            LABEL_CONTAINER: d["name"],
            LABEL_ESSENTIAL: "true" if essential else "false",
        })
        env = dict((e["name"], str(e.get("value", ""))) for e in d.get("environment") or [])
        params = {
            "name": container_name(deployment, task_id, d["name"]),
            "image": d["image"],
            "labels": labels,
            "env": env,
            "network_mode": "container:%s" % infra,
            "restart_policy": "no",
            "stop_timeout": int(d.get("stopTimeout") or 30),
        }
        if d.get("command"):
            params["command"] = list(d["command"])
        if d.get("entryPoint"):
            params["entrypoint"] = list(d["entryPoint"])
        if d.get("workingDirectory"):
            params["working_dir"] = d["workingDirectory"]
        if d.get("user"):
            params["user"] = d["user"]
        if d.get("readonlyRootFilesystem"):
            params["read_only"] = True
        hc = healthcheck(d)
        if hc:
            params["healthcheck"] = hc
        limits = resource_limits(d, taskdef.get("cpu"), taskdef.get("memory"))
        for option in ("memory", "memory_swap", "memory_reservation", "cpus", "cpu_shares"):
            if option in limits:
                params[option] = limits[option]
        # What was asked of the engine, so that what it applied can be compared (status, supervisor).
        if "memory_mib" in limits:
            labels[LABEL_MEMORY] = str(limits["memory_mib"])
        if "cpu_units" in limits:
            labels[LABEL_CPU] = str(limits["cpu_units"])
        result.append({
            "name": d["name"],
            "docker_name": params["name"],
            "essential": essential,
            "has_healthcheck": bool(hc),
            "depends_on": [
                {"docker_name": container_name(deployment, task_id, dep["containerName"]),
                 "name": dep["containerName"], "condition": dep["condition"]}
                for dep in d.get("dependsOn") or []
            ],
            "params": params,
        })
    return result


def local_runtime_tasks(containers, deployment, service=None):
    """Group the engine's containers (raw /containers/json items) into tasks of this deployment.

    ``service`` None: the load-balanced service's tasks (no service label); else that service's only.

    Returns a list sorted by task id: {id, task_definition, host_port, infra_running,
    containers: {ecs name: {docker_name, state, essential}}}.
    """
    tasks = {}
    for c in containers or []:
        labels = c.get("Labels") or {}
        if labels.get(LABEL_DEPLOYMENT) != deployment or not labels.get(LABEL_TASK):
            continue
        if (labels.get(LABEL_SERVICE) or None) != (service or None):
            continue
        tid = labels[LABEL_TASK]
        t = tasks.setdefault(tid, {
            "id": tid, "task_definition": labels.get(LABEL_TASKDEF, ""), "host_port": None,
            "infra_name": None, "infra_running": False, "containers": {}, "docker_names": [], "hosts": {},
        })
        name = (c.get("Names") or ["/?"])[0].lstrip("/")
        t["docker_names"].append(name)
        if labels.get(LABEL_ROLE) == "infra":
            t["infra_name"] = name
            t["infra_running"] = c.get("State") == "running"
            t["hosts"] = parse_hosts_label(labels.get(LABEL_HOSTS))
            try:
                t["host_port"] = int(labels.get(LABEL_HOST_PORT))
            except (TypeError, ValueError):
                t["host_port"] = None
        else:
            t["containers"][labels.get(LABEL_CONTAINER, name)] = {
                "docker_name": name,
                "state": c.get("State"),
                "essential": labels.get(LABEL_ESSENTIAL, "true") == "true",
            }
    for t in tasks.values():
        t["docker_names"].sort()
    return [tasks[k] for k in sorted(tasks)]


def _is_intact(task, taskdef, publish=True):
    """A task runs when its infra container and every essential container run."""
    if not task["infra_running"] or (publish and task["host_port"] is None):
        return False
    if task.get("task_definition") != taskdef.get("taskDefinitionArn"):
        # A task of another revision (or of the other topology: web alone vs web and Redis) is judged by its own
        # containers (their essential labels), not by the new definition's: it is outdated, not broken, and
        # serves until its replacement does.
        return bool(task["containers"]) and all(
            c["state"] == "running" for c in task["containers"].values() if c["essential"])
    for d in taskdef.get("containerDefinitions") or []:
        c = task["containers"].get(d["name"])
        essential = d.get("essential", True) is not False
        if c is None:
            if essential:
                return False
            continue
        if essential and c["state"] != "running":
            return False
    return True


def _target(task):
    return {"id": task["id"], "port": task["host_port"]}


def local_runtime_plan(tasks, taskdef, desired_count, port_first, port_last, new_ids=None, hosts=None, publish=True):
    """Plan the scheduler's work, as ECS does with minimumHealthyPercent 100 / maximumPercent 200.

    - a task whose infra or an essential container is not running is replaced: the new task starts
      and is registered in its place (the broken task is not among the targets), then it is stopped;
      one beyond the desired count is deregistered and stopped;
    - missing tasks up to the desired count are started;
    - a task from another task definition revision is replaced one at a time: start the new
      task, wait until healthy, register it, deregister and drain the old one, remove it;
    - tasks beyond the desired count are stopped.

    Returns {running, broken, outdated, steps, targets}. Each step is
    {action: start|replace|stop, new: {id, port}?, old: task?, register: [targets]?,
    deregister: [targets]?}; ``targets`` is the load balancer's list once all steps are done.

    ``hosts``: the host entries a task must have been started with (what Cloud Map answers now); a task
    started with others is outdated like one of another revision (replaced one at a time, so web reaches a
    replaced Redis task). ``publish`` false: the tasks publish no port (service_discovery's redis), ``port``
    of a new task is None.
    """
    taskdef = normalize_taskdef(taskdef)
    arn = taskdef.get("taskDefinitionArn")
    desired = int(desired_count)
    if desired < 0:
        raise LocalRuntimeError("the service's desired count is negative (%d)." % desired)
    port_first, port_last = int(port_first), int(port_last)
    hosts = dict(hosts or {})
    intact = [t for t in tasks if _is_intact(t, taskdef, publish)]
    broken = [t for t in tasks if not _is_intact(t, taskdef, publish)]
    broken_ids = [t["id"] for t in broken]

    def up_to_date(t):
        return t["task_definition"] == arn and dict(t.get("hosts") or {}) == hosts

    current = [t for t in intact if up_to_date(t)]
    outdated = [t for t in intact if not up_to_date(t)]
    extra = current[desired:]
    current = current[:desired]

    used = set(t["host_port"] for t in tasks if t["host_port"] is not None)
    free = [p for p in range(port_first, port_last + 1) if p not in used]
    new_ids = list(new_ids or [])

    def new_task():
        if not publish:
            return {"id": new_ids.pop(0) if new_ids else uuid.uuid4().hex[:12], "port": None}
        if not free:
            raise LocalRuntimeError(
                "no free host port left in %d-%d for a new task; widen local_runtime_host_ports."
                % (port_first, port_last))
        tid = new_ids.pop(0) if new_ids else uuid.uuid4().hex[:12]
        return {"id": tid, "port": free.pop(0)}

    in_lb = [_target(t) for t in current + outdated]
    steps = []

    def drop(targets, task):
        return [x for x in targets if x["id"] != task["id"]]

    # A broken task is not in the load balancer's list (the supervisor has already taken it out,
    # and a run's registration leaves it out), so its replacement starts first and the dead task
    # is removed once the new one serves: the shortest way back to the desired count.
    missing = desired - len(current)
    for t in extra:
        in_lb = drop(in_lb, t)
        steps.append({"action": "stop", "old": t, "deregister": list(in_lb), "reason": "more tasks than the desired count"})
    for i in range(max(missing, 0)):
        new = new_task()
        registered = in_lb + [new]
        if broken:
            in_lb = registered
            steps.append({"action": "replace", "new": new, "old": broken.pop(0), "register": registered,
                          "reason": "an essential container stopped"})
        elif outdated:
            old = outdated.pop(0)
            in_lb = drop(registered, old)
            steps.append({"action": "replace", "new": new, "old": old, "register": registered,
                          "deregister": list(in_lb),
                          "reason": "new task definition revision" if old["task_definition"] != arn
                          else "Cloud Map answers another address"})
        else:
            in_lb = registered
            steps.append({"action": "start", "new": new, "register": registered, "reason": "fewer tasks than the desired count"})
    for t in broken:
        steps.append({"action": "stop", "old": t, "deregister": list(in_lb), "reason": "an essential container stopped"})
    for t in outdated:
        in_lb = drop(in_lb, t)
        steps.append({"action": "stop", "old": t, "deregister": list(in_lb), "reason": "more tasks than the desired count"})
    return {
        "running": [t["id"] for t in current],
        "broken": broken_ids,
        "outdated": [t["id"] for t in intact if not up_to_date(t)],
        "steps": steps,
        "targets": sorted(in_lb, key=lambda x: x["id"]),
    }


def local_runtime_infra(taskdef, deployment, task_id, host_port, container_port, image, bind_address,
                        service=None, hosts=None, network=None):
    """Return docker_container parameters for the task's infra container.

    It owns the task's network namespace (what awsvpc gives a Fargate task) and publishes the
    load-balanced container port on bind_address:host_port, the task's address for the load
    balancer. Other port mappings stay inside the namespace, as the tasks' security group admits
    only the load balancer's port.

    service_discovery: ``hosts`` (name -> address, what Cloud Map answers) become the namespace's host
    entries (label LABEL_HOSTS records them); ``network`` is the deployment's internal network the Redis
    task is on (the <deployment>-redis security group's stand-in); a task with ``host_port`` None (Redis)
    publishes nothing and is on that network only.
    """
    labels = task_labels(deployment, task_id, taskdef.get("taskDefinitionArn", ""), host_port, service)
    labels[LABEL_ROLE] = "infra"
    if hosts:
        labels[LABEL_HOSTS] = hosts_label(hosts)
    result = {
        "name": infra_name(deployment, task_id),
        "image": image,
        "labels": labels,
        "published_ports": [] if host_port is None else ["%s:%d:%d" % (bind_address, int(host_port), int(container_port))],
        "restart_policy": "no",
        "stop_timeout": 5,
        "etc_hosts": dict(hosts or {}),
    }
    if network:
        # The Redis task on the internal network only; a web task on the engine's default network (its
        # published port; networks_cli_compatible false keeps it) and on the internal one (to reach Redis).
        result["networks"] = [{"name": network}]
        result["networks_cli_compatible"] = host_port is None
    return result


def local_runtime_stop_order(task, taskdef):
    """Return the docker names of a task's containers in stop order, the infra container last.

    Dependents stop before what they depend on (the reverse of the start order), as ECS does.
    """
    try:
        start_order = [d["name"] for d in dependency_order(normalize_taskdef(taskdef)["containerDefinitions"])]
    except LocalRuntimeError:
        start_order = []
    rank = dict((name, i) for i, name in enumerate(reversed(start_order)))
    names = sorted(task["containers"], key=lambda n: (rank.get(n, -1), n))
    result = [task["containers"][n]["docker_name"] for n in names]
    if task.get("infra_name"):
        result.append(task["infra_name"])
    return result


def local_alb_targets(containers):
    """Every task whose infra container runs is a load balancer target [{id, port}], sorted by id; health
    checks decide its rotation."""
    targets = []
    for c in containers or []:
        labels = c.get("Labels") or {}
        if labels.get(LABEL_ROLE) != "infra" or c.get("State") != "running":
            continue
        try:
            port = int(labels.get(LABEL_HOST_PORT))
        except (TypeError, ValueError):
            continue
        targets.append({"id": labels.get(LABEL_TASK), "port": port})
    return sorted(targets, key=lambda t: t["id"])
