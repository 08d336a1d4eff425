# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Fargate task definition: validation, request building, normalization, comparison.

Three shapes: the two-container task (web + its Redis sidecar on localhost, the default topology), and for
the service-discovery topology a web-only task (its Redis address is a Cloud Map name) and a Redis-only task.

Private to the collection. Nothing here calls AWS, so every function is unit-tested directly;
the module ``ecs_task_definition`` does the (few) AWS calls.

The comparison is exact: the desired RegisterTaskDefinition request and the newest ACTIVE revision
(as DescribeTaskDefinition returns it) are both brought to one canonical form, in which everything
AWS fills in or reorders is made explicit or removed, and then compared as plain data.
"""

from __future__ import annotations

import copy
import re

from ansible_collections.fargate.microservice.plugins.module_utils._image_reference import image_reference_error

# Fargate task sizes, from the AWS documentation of RegisterTaskDefinition `memory`
# ("Task CPU and memory", Amazon ECS Developer Guide): task cpu units -> valid memory MiB.
FARGATE_SIZES = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

# ECS container health-check limits and the defaults AWS fills in (ContainerDefinition.healthCheck).
HEALTH_CHECK_LIMITS = {
    "interval": (5, 300),
    "timeout": (2, 120),
    "retries": (1, 10),
    "start_period": (0, 300),
}
HEALTH_CHECK_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3}

EPHEMERAL_STORAGE_LIMITS = (21, 200)

# Container-definition keys the module manages through its own options; `extra` may not set them.
MANAGED_CONTAINER_KEYS = frozenset(
    (
        "name",
        "image",
        "portMappings",
        "environment",
        "command",
        "cpu",
        "memory",
        "memoryReservation",
        "healthCheck",
        "readonlyRootFilesystem",
        "essential",
        "dependsOn",
        "logConfiguration",
    )
)

# Task-definition keys that describe a registration, not the definition itself.
METADATA_KEYS = frozenset(
    (
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
        "deleteRequestedAt",
    )
)

# Container keys whose AWS default is false: false and absent mean the same.
FALSE_DEFAULT_CONTAINER_KEYS = frozenset(
    ("readonlyRootFilesystem", "privileged", "disableNetworking", "interactive", "pseudoTerminal")
)

# Lists AWS may return in another order than they were sent; the key names the sort field.
SORTED_LISTS = {
    "environment": "name",
    "secrets": "name",
    "ulimits": "name",
    "dependsOn": "containerName",
    "systemControls": "namespace",
    "environmentFiles": "value",
    "resourceRequirements": "type",
}

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


class ValidationError(ValueError):
    """Bad input: the message names the option and what is allowed."""


# ---------------------------------------------------------------------------------------------
# Validation (no AWS call)
# ---------------------------------------------------------------------------------------------


def fargate_size_error(cpu, memory):
    """Return an error message when (cpu, memory) is not a Fargate task size, else None."""
    if cpu not in FARGATE_SIZES:
        return f"cpu={cpu} is not a Fargate task size; use one of {', '.join(str(c) for c in FARGATE_SIZES)} CPU units."
    allowed = FARGATE_SIZES[cpu]
    if memory not in allowed:
        if len(allowed) <= 7:
            what = ", ".join(str(m) for m in allowed)
        else:
            what = f"{allowed[0]} to {allowed[-1]} in steps of {allowed[1] - allowed[0]}"
        return f"memory={memory} does not fit cpu={cpu} on Fargate; with cpu={cpu} use memory (MiB) {what}."
    return None


def _health_check_errors(prefix, health_check):
    errors = []
    if not health_check:
        return errors
    command = health_check.get("command") or []
    if not command or not all(isinstance(c, str) and c != "" for c in command):
        errors.append(f"{prefix}.health_check.command must be a non-empty list of non-empty strings, e.g. [CMD, redis-cli, ping].")
    elif command[0] in ("CMD", "CMD-SHELL") and len(command) < 2:
        errors.append(f"{prefix}.health_check.command needs the command after {command[0]}.")
    for key, (low, high) in HEALTH_CHECK_LIMITS.items():
        value = health_check.get(key)
        if value is not None and not low <= value <= high:
            errors.append(f"{prefix}.health_check.{key}={value} is out of range; ECS allows {low} to {high} seconds"
                          f"{'' if key != 'retries' else ' (retries: count)'}.")
    interval, timeout = health_check.get("interval"), health_check.get("timeout")
    if interval is not None and timeout is not None and timeout >= interval:
        errors.append(f"{prefix}.health_check.timeout={timeout} must be shorter than interval={interval}.")
    return errors


def validate(params, container_keys=None):
    """Check the module's parameters; return a list of one-sentence error messages (empty when valid).

    ``container_keys`` is the set of ContainerDefinition member names the ECS API knows (from the
    botocore service model); when given, keys in ``extra`` are checked against it.
    """
    errors = []
    family = params.get("family") or ""
    if not NAME_RE.match(family):
        errors.append(f"family={family!r} is invalid; use 1-255 letters, digits, hyphens or underscores.")

    if params.get("state", "present") == "absent":
        revision = params.get("revision")
        if revision is not None and revision < 1:
            errors.append(f"revision={revision} is invalid; revisions start at 1.")
        return errors

    keep = params.get("keep_revisions")
    if keep is not None and keep < 1:
        errors.append(f"keep_revisions={keep} is invalid; keep at least 1 revision (the newest) or leave it unset.")

    cpu, memory = params.get("cpu"), params.get("memory")
    size_error = fargate_size_error(cpu, memory)
    if size_error:
        errors.append(size_error)

    storage = params.get("ephemeral_storage")
    if storage is not None and not EPHEMERAL_STORAGE_LIMITS[0] <= storage <= EPHEMERAL_STORAGE_LIMITS[1]:
        errors.append(f"ephemeral_storage={storage} is out of range; Fargate allows {EPHEMERAL_STORAGE_LIMITS[0]} "
                      f"to {EPHEMERAL_STORAGE_LIMITS[1]} GiB (omit it for the default 20 GiB).")

    containers = [(option, params[option]) for option in ("app", "redis") if params.get(option)]
    if not containers:
        errors.append("state=present needs app, redis or both: app and redis for the web + Redis task, app alone for a "
                      "web-only task, redis alone for a Redis-only task.")
    app = params.get("app") or {}
    if app and not params.get("redis") and app.get("redis_address_variable") and not app.get("redis_address"):
        errors.append("app.redis_address is required without redis (a web-only task has no Redis on localhost); set it "
                      "to host:port, e.g. redis.internal-countweb.local:6379, or set app.redis_address_variable to ''.")
    address = app.get("redis_address")
    if address and not re.match(r"^[A-Za-z0-9._-]+:[0-9]{1,5}$", address):
        errors.append(f"app.redis_address={address!r} is not host:port; write it like redis.internal-countweb.local:6379.")
    names = {}
    ports = {}
    for option, container in containers:
        name = container.get("name") or ""
        if not NAME_RE.match(name):
            errors.append(f"{option}.name={name!r} is invalid; use 1-255 letters, digits, hyphens or underscores.")
        elif name in names:
            errors.append(f"{option}.name={name!r} is already the name of {names[name]}; container names must be unique.")
        else:
            names[name] = option
        image, repository = container.get("image"), container.get("repository")
        if image is not None and not image.strip():
            errors.append(f"{option}.image is empty; give an image reference such as redis:7-alpine.")
        elif image is not None and image_reference_error(image, f"{option}.image"):
            errors.append(image_reference_error(image, f"{option}.image"))
        elif image is None and not (repository or "").strip():
            errors.append(f"{option} needs an image: set {option}.image, or {option}.repository to use the newest image in that ECR repository.")
        port = container.get("port")
        if port is not None:
            if not 1 <= port <= 65535:
                errors.append(f"{option}.port={port} is out of range; use a TCP port from 1 to 65535.")
            elif port in ports:
                errors.append(f"{option}.port={port} is also {ports[port]}'s port; containers of one awsvpc task share "
                              "one network namespace, so give each its own port.")
            else:
                ports[port] = f"{option}.port"
        for key in ("cpu", "memory", "memory_reservation"):
            value = container.get(key)
            if value is not None and value < (0 if key == "cpu" else 6):
                errors.append(f"{option}.{key}={value} is too small; ECS needs cpu >= 0 and memory >= 6 MiB.")
        mem, reservation = container.get("memory"), container.get("memory_reservation")
        if mem is not None and reservation is not None and reservation > mem:
            errors.append(f"{option}.memory_reservation={reservation} exceeds {option}.memory={mem}; "
                          "the soft limit must not be above the hard limit.")
        errors.extend(_health_check_errors(option, container.get("health_check")))
        for key, value in (container.get("environment") or {}).items():
            if not key:
                errors.append(f"{option}.environment has an empty variable name; name every variable.")
        extra = container.get("extra") or {}
        for key in sorted(extra):
            if key in MANAGED_CONTAINER_KEYS:
                errors.append(f"{option}.extra.{key} is managed by this module; use the module's own option for it.")
            elif container_keys is not None and key not in container_keys:
                errors.append(f"{option}.extra.{key} is not an ECS container-definition field; use the camelCase "
                              "names of the RegisterTaskDefinition API (e.g. stopTimeout, ulimits).")

    if isinstance(cpu, int) and cpu in FARGATE_SIZES:
        total_cpu = sum((c.get("cpu") or 0) for dummy, c in containers)
        if total_cpu > cpu:
            errors.append(f"the containers reserve {total_cpu} CPU units (app.cpu + redis.cpu) but the task has cpu={cpu}; "
                          "lower the reservations or raise cpu.")
    if isinstance(memory, int) and not size_error:
        for key in ("memory", "memory_reservation"):
            total = sum((c.get(key) or 0) for dummy, c in containers)
            if total > memory:
                errors.append(f"the containers' {key} add up to {total} MiB (app.{key} + redis.{key}) but the task has "
                              f"memory={memory}; lower them or raise memory.")
    return errors


# ---------------------------------------------------------------------------------------------
# Building the RegisterTaskDefinition request
# ---------------------------------------------------------------------------------------------


def health_check_request(health_check):
    """Turn the health_check option into the API's healthCheck (exec form unless told otherwise)."""
    if not health_check:
        return None
    command = list(health_check["command"])
    if command[0] not in ("CMD", "CMD-SHELL"):
        command = ["CMD"] + command
    result = {"command": command}
    for option, key in (("interval", "interval"), ("timeout", "timeout"), ("retries", "retries"),
                        ("start_period", "startPeriod")):
        if health_check.get(option) is not None:
            result[key] = health_check[option]
    return result


def container_request(container, log_group=None, log_region=None, environment=None, depends_on=None, port_mapping=True):
    """Build one ContainerDefinition from the app/redis option dict (image already resolved).

    ``port_mapping=False`` declares no port mapping for the container's port: it is then reached only
    by its neighbours in the task, on localhost.
    """
    result = {
        "name": container["name"],
        "image": container["image"],
        "essential": container.get("essential", True) is not False,
    }
    if port_mapping and container.get("port") is not None:
        result["portMappings"] = [
            {"containerPort": container["port"], "hostPort": container["port"], "protocol": "tcp"}
        ]
    env = dict(environment or {})
    env.update(container.get("environment") or {})
    if env:
        result["environment"] = [{"name": k, "value": str(v)} for k, v in sorted(env.items())]
    if container.get("command"):
        result["command"] = [str(c) for c in container["command"]]
    for option, key in (("cpu", "cpu"), ("memory", "memory"), ("memory_reservation", "memoryReservation")):
        if container.get(option) is not None:
            result[key] = container[option]
    health = health_check_request(container.get("health_check"))
    if health:
        result["healthCheck"] = health
    if container.get("readonly_root_filesystem"):
        result["readonlyRootFilesystem"] = True
    if depends_on:
        result["dependsOn"] = depends_on
    if log_group:
        result["logConfiguration"] = {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": log_region,
                "awslogs-stream-prefix": container.get("log_stream_prefix") or container["name"],
            },
        }
    for key, value in (container.get("extra") or {}).items():
        result[key] = copy.deepcopy(value)
    return result


def build_request(params, region=None):
    """Build the RegisterTaskDefinition request (roles must already be ARNs or None, images resolved)."""
    app, redis = params.get("app"), params.get("redis")
    log_group = params.get("log_group")
    log_region = params.get("log_region") or region
    containers = []
    if app:
        # With the sidecar the app waits for it and reaches it on localhost; a web-only task gets its address.
        redis_depends = None
        if redis:
            redis_depends = [{"containerName": redis["name"], "condition": "HEALTHY" if redis.get("health_check") else "START"}]
        app_env = {}
        if app.get("redis_address_variable"):
            app_env[app["redis_address_variable"]] = app.get("redis_address") or f"localhost:{(redis or {}).get('port') or 6379}"
        containers.append(container_request(app, log_group, log_region, environment=app_env, depends_on=redis_depends))
    if redis:
        # In the sidecar web reaches Redis on localhost only (both share the task's network namespace), so its port
        # is not mapped: nothing outside the task (load balancer, Service Connect) needs it. A Redis-only task (the
        # service-discovery topology) keeps its mapping: the port other tasks reach it on.
        containers.append(container_request(redis, log_group, log_region, port_mapping=not app))
    request = {
        "family": params["family"],
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": str(params["cpu"]),
        "memory": str(params["memory"]),
        "runtimePlatform": {
            "cpuArchitecture": params.get("cpu_architecture") or "X86_64",
            "operatingSystemFamily": "LINUX",
        },
        "containerDefinitions": containers,
    }
    if params.get("execution_role"):
        request["executionRoleArn"] = params["execution_role"]
    if params.get("task_role"):
        request["taskRoleArn"] = params["task_role"]
    if params.get("ephemeral_storage"):
        request["ephemeralStorage"] = {"sizeInGiB": params["ephemeral_storage"]}
    return request


# ---------------------------------------------------------------------------------------------
# Roles: names versus ARNs
# ---------------------------------------------------------------------------------------------


def role_name_from_arn(arn):
    """arn:aws:iam::123:role/path/name -> name."""
    return arn.rsplit("/", 1)[-1] if arn else None


def resolve_role(value, existing_arn, lookup):
    """Return the role ARN for ``value`` (a name or an ARN).

    A name that matches the role of the existing revision reuses that ARN, so an unchanged
    definition costs no IAM call; otherwise ``lookup(name)`` (iam:GetRole) is called.
    """
    if not value:
        return None
    if value.startswith("arn:"):
        return value
    if existing_arn and role_name_from_arn(existing_arn) == value:
        return existing_arn
    return lookup(value)


# ---------------------------------------------------------------------------------------------
# Normalization and comparison
# ---------------------------------------------------------------------------------------------


def _prune(value):
    """Drop None, empty lists, empty dicts and empty strings, recursively."""
    if isinstance(value, dict):
        pruned = {}
        for key, item in value.items():
            item = _prune(item)
            if item is None or item == [] or item == {} or item == "":
                continue
            pruned[key] = item
        return pruned
    if isinstance(value, list):
        return [_prune(item) for item in value]
    return value


def _normalize_port_mapping(mapping, network_mode):
    mapping = dict(mapping)
    mapping["protocol"] = str(mapping.get("protocol") or "tcp").lower()
    if network_mode == "awsvpc" and mapping.get("containerPort") is not None and not mapping.get("hostPort"):
        mapping["hostPort"] = mapping["containerPort"]
    return mapping


def normalize_container(container, network_mode="awsvpc"):
    """Canonical form of one container definition."""
    c = _prune(copy.deepcopy(container))
    c["essential"] = c.get("essential", True) is not False
    if c.get("cpu") == 0:
        del c["cpu"]
    for key in FALSE_DEFAULT_CONTAINER_KEYS:
        if c.get(key) is False:
            del c[key]
    if c.get("versionConsistency") == "enabled":
        del c["versionConsistency"]
    if "portMappings" in c:
        c["portMappings"] = sorted(
            (_normalize_port_mapping(m, network_mode) for m in c["portMappings"]),
            key=lambda m: (m.get("containerPort") or 0, m.get("protocol"), m.get("hostPort") or 0, m.get("name", "")),
        )
    if "environment" in c:
        c["environment"] = [{"name": e["name"], "value": str(e.get("value", ""))} for e in c["environment"]]
    for key, field in SORTED_LISTS.items():
        if key in c:
            c[key] = sorted(c[key], key=lambda item, field=field: str(item.get(field, "")))
    if "healthCheck" in c:
        health = dict(HEALTH_CHECK_DEFAULTS)
        health.update(c["healthCheck"])
        if health.get("startPeriod") == 0:
            del health["startPeriod"]
        c["healthCheck"] = health
    return c


def normalize(definition):
    """Canonical form of a task definition (a RegisterTaskDefinition request or a DescribeTaskDefinition result)."""
    if not definition:
        return {}
    d = _prune(copy.deepcopy({k: v for k, v in definition.items() if k not in METADATA_KEYS}))
    network_mode = d.get("networkMode") or "bridge"
    d["networkMode"] = network_mode
    for key in ("cpu", "memory"):
        if key in d:
            d[key] = str(d[key])
    if "requiresCompatibilities" in d:
        d["requiresCompatibilities"] = sorted(d["requiresCompatibilities"])
    if "FARGATE" in d.get("requiresCompatibilities", []):
        platform = {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"}
        platform.update(d.get("runtimePlatform") or {})
        d["runtimePlatform"] = platform
    if d.get("enableFaultInjection") is False:
        del d["enableFaultInjection"]
    if d.get("ephemeralStorage", {}).get("sizeInGiB") == 20:
        del d["ephemeralStorage"]
    d["containerDefinitions"] = sorted(
        (normalize_container(c, network_mode) for c in d.get("containerDefinitions", [])),
        key=lambda c: c.get("name", ""),
    )
    return d


def _keyed(items, key):
    return {str(item.get(key)): item for item in items}


def differences(before, after, path=""):
    """List the paths at which two canonical definitions differ (empty when equal)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            found.extend(differences(before.get(key), after.get(key), f"{path}.{key}" if path else key))
        return found
    if isinstance(before, list) and isinstance(after, list):
        # Lists of named things are compared by name so the path says which one changed.
        for key in ("name", "containerName", "namespace"):
            if before + after and all(isinstance(i, dict) and key in i for i in before + after):
                b, a = _keyed(before, key), _keyed(after, key)
                if len(b) == len(before) and len(a) == len(after):
                    found = []
                    for name in sorted(set(b) | set(a)):
                        found.extend(differences(b.get(name), a.get(name), f"{path}[{name}]"))
                    return found
        if len(before) != len(after):
            return [path]
        found = []
        for index, (b, a) in enumerate(zip(before, after)):
            found.extend(differences(b, a, f"{path}[{index}]"))
        return found
    return [] if before == after else [path]


def tags_to_dict(tags):
    """AWS tag list ({key, value}) to a dict."""
    return {t["key"]: t.get("value", "") for t in (tags or [])}


def tag_changes(current, desired, purge):
    """Return (to_set, to_remove) for tags; desired=None leaves tags alone."""
    if desired is None:
        return {}, []
    current = current or {}
    to_set = {k: str(v) for k, v in desired.items() if current.get(k) != str(v)}
    to_remove = sorted(k for k in current if purge and k not in desired and not k.startswith("aws:"))
    return to_set, to_remove


def revisions_to_prune(active_arns, keep):
    """Given ACTIVE revision ARNs of one family, return those older than the newest ``keep``."""
    def revision(arn):
        return int(arn.rsplit(":", 1)[-1])

    ordered = sorted(active_arns, key=revision, reverse=True)
    return sorted(ordered[keep:], key=revision)


def family_of(arn):
    """arn:aws:ecs:region:acct:task-definition/family:3 -> family."""
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def newest_image(repository_uri, images):
    """Pick the most recently pushed image of an ECR repository (DescribeImages imageDetails).

    Returns ``uri:tag`` (a tag other than ``latest`` preferred, the alphabetically last when
    several) or ``uri@digest`` for an untagged image; None when the repository is empty.
    """
    if not images:
        return None
    newest = max(images, key=lambda i: (_timestamp(i.get("imagePushedAt")), i.get("imageDigest", "")))
    tags = sorted(newest.get("imageTags") or [])
    named = [t for t in tags if t != "latest"]
    if named:
        return f"{repository_uri}:{named[-1]}"
    if tags:
        return f"{repository_uri}:{tags[-1]}"
    return f"{repository_uri}@{newest['imageDigest']}"


def _timestamp(value):
    if value is None:
        return 0.0
    if hasattr(value, "timestamp"):
        return value.timestamp()
    return float(value)
