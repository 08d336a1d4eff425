# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The aws path of the logs: CloudWatch Logs streams named as the awslogs driver names them for
our task definition (``<awslogs-stream-prefix>/<container>/<task-id>``), two tasks x two
containers, read through a real moto server: lines, order, prefixes, the limit per container
(also across GetLogEvents pages), since, a filter (FilterLogEvents), one task, the task limit, a
missing group and an empty one."""

from __future__ import annotations

import time

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _logs
from ansible_collections.fargate.microservice.plugins.module_utils import _logs_aws
from ansible_collections.fargate.microservice.plugins.module_utils import _task_definition as td

GROUP = "/ecs/hlogs"
TASK_A = "0123456789abcdef0123456789abcdef"
TASK_B = "fedcba9876543210fedcba9876543210"
T0 = (int(time.time()) - 600) * 1000  # ten minutes ago: CloudWatch Logs takes events of the last 14 days


def container(name, port):
    return dict(name=name, image=f"111.dkr.ecr.us-east-1.amazonaws.com/hlogs/{name}:1", repository=None, port=port,
                environment=None, command=None, cpu=None, memory=None, memory_reservation=None, health_check=None,
                readonly_root_filesystem=False, essential=True, log_stream_prefix=None, extra=None)


def prefixes_of_task_definition():
    """Each container's awslogs-stream-prefix, read from our task definition request as the logs role reads it."""
    request = td.build_request({"family": "web-redis-task", "cpu": 256, "memory": 512, "log_group": GROUP,
                                "app": container("web", 8000), "redis": container("redis", 6379)}, "us-east-1")
    return dict((c["name"], c["logConfiguration"]["options"]["awslogs-stream-prefix"]) for c in request["containerDefinitions"]
                if c.get("logConfiguration", {}).get("logDriver") == "awslogs")


# (task, container, seconds after T0, message)
EVENTS = [
    (TASK_A, "redis", 0, "Ready to accept connections"),
    (TASK_A, "web", 1, "msg=listening addr=:8000"),
    (TASK_B, "redis", 2, "Ready to accept connections"),
    (TASK_B, "web", 3, "msg=listening addr=:8000"),
    (TASK_A, "web", 4, 'path="/home" status=200'),
    (TASK_B, "web", 5, 'msg="count failed" err="connection refused"'),
    (TASK_A, "web", 6, 'path="/health" status=200'),
    (TASK_B, "redis", 7, "WARNING overcommit error"),
    (TASK_A, "redis", 8, "Background saving error"),
    (TASK_B, "web", 9, 'path="/home" status=200'),
]


@pytest.fixture
def logs(moto_client):
    client = moto_client("logs")
    prefixes = prefixes_of_task_definition()
    client.create_log_group(logGroupName=GROUP)
    streams = {}
    for task, name, offset, message in EVENTS:
        stream = _logs.stream_name(prefixes[name], name, task)
        if stream not in streams:
            client.create_log_stream(logGroupName=GROUP, logStreamName=stream)
            streams[stream] = []
        streams[stream].append({"timestamp": T0 + offset * 1000, "message": message})
    for stream, events in streams.items():
        client.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=events)
    # Not a stream of ours: ignored.
    client.create_log_stream(logGroupName=GROUP, logStreamName="other/web/" + TASK_A)
    client.put_log_events(logGroupName=GROUP, logStreamName="other/web/" + TASK_A, logEvents=[{"timestamp": T0, "message": "alien"}])
    return client, prefixes


def read(client, prefixes, now_ms=None, max_tasks=10, **over):
    request = _logs.normalize_request(dict({"lines": 100, "since": "", "filter": "", "task_id": "", "follow": 0}, **over),
                                      now_ms or int(time.time() * 1000))
    return _logs_aws.task_logs(client, GROUP, prefixes, request, max_tasks=max_tasks)


def expected(selection):
    return [f"{task}/{name} {_logs.iso_ms(T0 + offset * 1000)} {message}" for task, name, offset, message in selection]


def test_stream_prefix_is_the_container_name(logs):
    assert logs[1] == {"web": "web", "redis": "redis"}


def test_every_line_of_both_tasks_and_containers_newest_last(logs):
    result = read(*logs)
    assert result["group_exists"]
    assert result["lines"] == expected(EVENTS)
    assert result["tasks"] == [TASK_A, TASK_B]
    assert result["streams"] == sorted(f"{c}/{c}/{t}" for t in (TASK_A, TASK_B) for c in ("web", "redis"))
    assert result["latest_timestamp"] == T0 + 9000


@pytest.mark.parametrize("page", [10000, 1])
def test_the_last_lines_per_container(logs, monkeypatch, page):
    monkeypatch.setattr(_logs_aws, "GET_EVENTS_PAGE", page)  # 1: read each stream backwards one event a page
    # Streams: A/web has 1, 4, 6; A/redis 0, 8; B/web 3, 5, 9; B/redis 2, 7 (seconds after T0).
    result = read(*logs, lines=2)
    assert result["lines"] == expected([e for e in EVENTS if e[2] not in (1, 3)])
    result = read(*logs, lines=1)
    assert result["lines"] == expected([e for e in EVENTS if e[2] in (6, 7, 8, 9)])


def test_window_keys_hold_every_matching_line_of_the_window_whatever_lines_keeps(logs):
    """Following: the first read returns the keys of every matching line since the window's start (the lines there at
    the first read), read before the lines, so the follow reads never show one of them as new."""
    client, prefixes = logs
    request = _logs.normalize_request({"lines": 1, "since": "", "filter": "error", "task_id": "", "follow": 0},
                                      int(time.time() * 1000))
    result = _logs_aws.task_logs(client, GROUP, prefixes, request, window_since_ms=T0 + 4000)
    assert result["lines"] == expected([e for e in EVENTS if "error" in e[3]][-3:])  # the last matching line per container
    # Every matching line of the window (the filter is applied as the follow reads apply it, so the keys are theirs)
    window = [e for e in EVENTS if e[2] >= 4 and "error" in e[3]]
    assert len(result["window_keys"]) == len(window) and set(result["keys"]) <= set(result["window_keys"])
    follow = _logs.normalize_request({"lines": 10000, "since": _logs.iso_ms(T0 + 4000), "filter": "error", "task_id": "",
                                      "follow": 0}, int(time.time() * 1000))
    assert _logs_aws.task_logs(client, GROUP, prefixes, follow, exclude_keys=result["window_keys"])["lines"] == []
    assert read(*logs)["window_keys"] == []  # without window_since_ms


def test_since(logs):
    # "3s" counted back from a "now" 8 s after T0: the lines of the last 3 seconds.
    assert read(*logs, now_ms=T0 + 8000, since="3s")["lines"] == expected(EVENTS[5:])
    assert read(*logs, since=_logs.iso_ms(T0 + 7000))["lines"] == expected(EVENTS[7:])


def test_filter(logs):
    assert read(*logs, filter="error")["lines"] == expected([e for e in EVENTS if "error" in e[3]])
    assert read(*logs, filter='"status=200"', lines=1)["lines"] == expected([EVENTS[6], EVENTS[9]])


def test_one_task_only(logs):
    result = read(*logs, task_id=TASK_B)
    assert result["lines"] == expected([e for e in EVENTS if e[0] == TASK_B])
    assert result["tasks"] == [TASK_B]
    result = read(*logs, task_id=TASK_B, filter="error", lines=1)
    assert result["lines"] == expected([EVENTS[7]])


def test_the_task_limit_keeps_the_newest(logs):
    client, prefixes = logs
    streams = _logs_aws.find_streams(client, GROUP, prefixes)
    kept, left_out = _logs_aws.newest_tasks([dict(s, last=T0 + (1 if s["task"] == TASK_B else 0)) for s in streams], 1)
    assert set(s["task"] for s in kept) == {TASK_B} and left_out == [TASK_A]


def test_a_missing_group_and_an_empty_one(moto_client):
    client = moto_client("logs")
    prefixes = prefixes_of_task_definition()
    result = read(client, prefixes)
    assert (result["group_exists"], result["lines"], result["streams"]) == (False, [], [])
    client.create_log_group(logGroupName=GROUP)
    result = read(client, prefixes)
    assert (result["group_exists"], result["lines"], result["streams"]) == (True, [], [])
