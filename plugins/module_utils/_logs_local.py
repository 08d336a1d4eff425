# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read a local deployment's task logs from the containers local_runtime runs (local_logs_info's logic).

The containers are found by the labels local_runtime puts on them (module_utils/_local_labels.py:
deployment, task id, container name, role ``container``; the infra container writes nothing) and
read through the engine's Docker API (``/containers/{id}/logs`` with timestamps) with
community.docker's API client, the one its own modules use. ``client`` needs ``get_json``,
``_get``, ``_url`` and ``_get_result_tty`` (community.docker's APIClient).
"""

from __future__ import annotations

import json

from ansible_collections.fargate.microservice.plugins.module_utils import _logs

from ansible_collections.fargate.microservice.plugins.module_utils._local_labels import (
    LABEL_CONTAINER, LABEL_DEPLOYMENT, LABEL_ROLE, LABEL_TASK,
)


def label_filters(deployment, task_id=""):
    """The ``filters`` parameter of ``/containers/json`` selecting this deployment's task containers."""
    labels = [f"{LABEL_DEPLOYMENT}={deployment}", f"{LABEL_ROLE}=container"]
    if task_id:
        labels.append(f"{LABEL_TASK}={task_id}")
    return json.dumps({"label": labels})


def task_containers(items, deployment, task_id=""):
    """``/containers/json`` items -> ``[{id, task, container, state, tty}]`` of this deployment, by task and container."""
    found = []
    for item in items or []:
        labels = item.get("Labels") or {}
        if labels.get(LABEL_DEPLOYMENT) != deployment or labels.get(LABEL_ROLE) != "container":
            continue
        if not labels.get(LABEL_TASK) or not labels.get(LABEL_CONTAINER):
            continue
        if task_id and labels[LABEL_TASK] != task_id:
            continue
        found.append({"id": item["Id"], "task": labels[LABEL_TASK], "container": labels[LABEL_CONTAINER],
                      "state": item.get("State", "")})
    return sorted(found, key=lambda c: (c["task"], c["container"]))


def log_params(request):
    """Query parameters of ``/containers/{id}/logs`` for the request (the exact cut is made by _logs.select)."""
    params = {"stdout": 1, "stderr": 1, "timestamps": 1, "follow": 0}
    # Without a filter the engine keeps only the last N lines; with one, every line is needed to
    # find the last N that match.
    params["tail"] = "all" if request.get("filter") else str(request["lines"])
    if request.get("since_ms") is not None:
        # Whole seconds, rounded down: Podman's Docker API reads no fraction; select() cuts exactly.
        params["since"] = str(max(int(request["since_ms"]) // 1000, 0))
    return params


def read_container(client, container, request):
    """One container's events (it is not a TTY: local_runtime never allocates one, so the stream is multiplexed)."""
    response = client._get(client._url("/containers/{0}/logs", container["id"]), params=log_params(request))
    output = client._get_result_tty(False, response, False)
    return _logs.docker_events(output, container["task"], container["container"])


def task_logs(client, deployment, request, exclude_keys=(), window_since_ms=None):
    """Everything the module returns: the containers read, the merged lines, and (with ``window_since_ms``)
    ``window_keys``: the keys of every line since then, read just before the lines."""
    items = client.get_json("/containers/json", params={"all": 1, "filters": label_filters(deployment, request.get("task_id") or "")})
    containers = task_containers(items, deployment, request.get("task_id") or "")
    # The window first (as on aws): a line written between the two reads is shown or new, never lost.
    window = []
    if window_since_ms is not None:
        for container in containers:
            window.extend(read_container(client, container, _logs.window_request(request, window_since_ms)))
        window = _logs.window_keys(window, window_since_ms)
    events = []
    for container in containers:
        events.extend(read_container(client, container, request))
    events = _logs.select(events, request, exclude_keys)
    result = _logs.summary(events, set((c["task"], c["container"]) for c in containers))
    result["containers"] = [{"task": c["task"], "container": c["container"], "state": c["state"]} for c in containers]
    result["window_keys"] = window
    return result
