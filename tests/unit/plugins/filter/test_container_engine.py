# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""What still uses an engine (plugins/filter/container_engine.py engine_users), from a Docker-API container list."""

from __future__ import annotations

from ansible_collections.fargate.microservice.plugins.filter.container_engine import engine_users

LABEL = "fargate.microservice/deployment"


def summary(name, state, labels):
    """One item of GET /containers/json?all=1 (Docker Engine API ContainerSummary: Names with a leading /, Labels an
    object or null, State one of created, running, paused, restarting, exited, removing, dead), as
    community.docker.docker_host_info returns it with verbose_output."""
    return {"Id": name * 4, "Names": [f"/{name}"], "Image": "localhost/x:1", "Command": "", "Created": 1764900000,
            "Ports": [], "Labels": labels, "State": state, "Status": "Up 3 minutes" if state == "running" else "Exited (0)"}


def test_a_deployments_container_uses_the_engine_in_any_state():
    containers = [summary("d-task-1", "exited", {LABEL: "d"}), summary("d-task-2", "created", {LABEL: "e", "x": "y"})]
    assert engine_users(containers, LABEL) == ["d-task-1", "d-task-2"]


def test_any_running_container_uses_it_a_stopped_one_without_the_label_does_not():
    containers = [summary("user", "running", None), summary("old", "exited", {}), summary("other", "exited", {"a": "b"})]
    assert engine_users(containers, LABEL) == ["user"]


def test_an_idle_engine_has_no_user():
    assert engine_users([], LABEL) == []
    assert engine_users(None, LABEL) == []
