# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the local_alb filters."""

from __future__ import annotations

import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.fargate.microservice.plugins.filter.local_alb import (
    FilterModule, local_alb_status_regex, local_alb_targets)


def infra(task_id, port, state="running", role="infra"):
    return {"State": state, "Labels": {"fargate.microservice/role": role, "fargate.microservice/task-id": task_id,
                                       "fargate.microservice/host-port": str(port)}}


def test_targets_are_the_running_infra_containers_sorted():
    items = [infra("b", 18001), infra("a", 18000), infra("c", 18002, state="exited"),
             infra("d", 18003, role="container"), {"State": "running", "Labels": {}}]
    assert local_alb_targets(items) == [{"id": "a", "port": 18000}, {"id": "b", "port": 18001}]
    assert local_alb_targets(None) == []


@pytest.mark.parametrize("matcher, matches, rejects", [
    ("200", ["200"], ["201", "2000", "1200"]),
    (None, ["200"], ["204"]),
    ("200,302", ["200", "302"], ["301"]),
    ("200-204", ["200", "202", "204"], ["205", "199"]),
    (" 200 - 201 , 404", ["200", "201", "404"], ["202"]),
])
def test_status_regex(matcher, matches, rejects):
    rx = local_alb_status_regex(matcher)
    assert all(re.match(rx, m) for m in matches)
    assert not any(re.match(rx, r) for r in rejects)


@pytest.mark.parametrize("matcher", ["abc", "20", "299-200", "200;302", "600"])
def test_bad_matchers_are_refused(matcher):
    with pytest.raises(AnsibleFilterError):
        local_alb_status_regex(matcher)


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"local_alb_targets", "local_alb_status_regex"}
