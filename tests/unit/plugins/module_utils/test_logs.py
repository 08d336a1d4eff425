# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the logs logic shared by both targets: the request's checks, times, filter
patterns, stream names, Docker log lines, the merge (last N per container, newest last) and the
line format."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _logs
from ansible_collections.fargate.microservice.plugins.module_utils import _logs_local

NOW = _logs.parse_iso_ms("2026-12-01T12:00:00Z")
GOOD = {"lines": 100, "since": "", "filter": "", "task_id": "", "follow": 0}


@pytest.mark.parametrize("text, expected", [
    ("2026-12-01T10:00:00Z", "2026-12-01T10:00:00.000Z"),
    ("2026-12-01T10:00:00.123Z", "2026-12-01T10:00:00.123Z"),
    ("2026-12-01T10:00:00.123456789Z", "2026-12-01T10:00:00.123Z"),
    ("2026-12-01T12:00:00+02:00", "2026-12-01T10:00:00.000Z"),
    ("2026-12-01T07:30:00-0230", "2026-12-01T10:00:00.000Z"),
    ("2026-12-01 10:00", "2026-12-01T10:00:00.000Z"),
    ("2026-12-01", "2026-12-01T00:00:00.000Z"),
])
def test_iso_times_round_trip(text, expected):
    assert _logs.iso_ms(_logs.parse_iso_ms(text)) == expected


@pytest.mark.parametrize("since, back_ms", [("30s", 30000), ("10m", 600000), ("2h", 7200000), ("1d", 86400000)])
def test_durations_count_back_from_now(since, back_ms):
    assert _logs.parse_since_ms(since, NOW) == NOW - back_ms


@pytest.mark.parametrize("since", ["", None, "  "])
def test_no_since_is_no_bound(since):
    assert _logs.parse_since_ms(since, NOW) is None


@pytest.mark.parametrize("field, value, words", [
    ("lines", 0, "logs_lines must be a whole number from 1 to 10000"),
    ("lines", -5, "logs_lines"),
    ("lines", 10001, "logs_lines"),
    ("lines", "many", "logs_lines"),
    ("lines", True, "logs_lines"),
    ("since", "yesterday", "logs_since must be a duration such as 30s"),
    ("since", "10 m", "logs_since"),
    ("since", "2026-13-01T00:00:00Z", "logs_since"),
    ("since", "2026-12-01T25:00:00Z", "logs_since"),
    ("since", "2099-01-01T00:00:00Z", "logs_since '2099-01-01T00:00:00Z' is in the future"),
    ("filter", '"unbalanced', "unbalanced double quote"),
    ("filter", "{ $.level = \"error\" }", "JSON, space-delimited and regular-expression patterns are not supported"),
    ("filter", "[ip, user]", "logs_filter"),
    ("filter", "%err|fail%", "logs_filter"),
    ("filter", "x" * 1025, "CloudWatch Logs accepts at most 1024"),
    ("task_id", "XYZ", "logs_task must be a task id"),
    ("task_id", "0123456789a", "logs_task"),
    ("task_id", "0123456789ABCDEF0123456789ABCDEF", "logs_task"),
    ("follow", 601, "logs_follow must be the seconds to follow"),
    ("follow", -1, "logs_follow"),
    ("follow", "soon", "logs_follow"),
])
def test_bad_request_names_the_variable(field, value, words):
    errors = _logs.request_errors(dict(GOOD, **{field: value}), now_ms=NOW)
    assert len(errors) == 1 and words in errors[0]
    assert errors[0].endswith(".")
    with pytest.raises(ValueError, match=_logs.ROLE_NAMES[field]):
        _logs.normalize_request(dict(GOOD, **{field: value}), NOW)


@pytest.mark.parametrize("field, value", [
    ("lines", 1), ("lines", "50"), ("lines", 10000), ("since", "10m"), ("since", "2026-12-01T10:00:00Z"),
    ("filter", "error"), ("filter", '?ERROR ?WARN -health "exit code"'), ("task_id", "0123456789ab"),
    ("task_id", "0123456789abcdef0123456789abcdef"), ("task_id", "01234567-89ab-cdef-0123-456789abcdef"),
    ("follow", 0), ("follow", "30"), ("follow", 600),
])
def test_good_request_passes(field, value):
    assert _logs.request_errors(dict(GOOD, **{field: value}), now_ms=NOW) == []


def test_module_names_in_module_errors():
    with pytest.raises(ValueError, match="^filter_pattern"):
        _logs.normalize_request(dict(GOOD, filter='"x'), NOW, names=_logs.MODULE_NAMES)


def test_every_error_at_once():
    errors = _logs.request_errors({"lines": 0, "since": "x", "filter": '"', "task_id": "x", "follow": 999})
    assert [e.split()[0] for e in errors] == ["logs_lines", "logs_since", "logs_filter", "logs_task", "logs_follow"]


@pytest.mark.parametrize("pattern, message, matches", [
    ("", "anything", True),
    ("error", "an error here", True),
    ("error", "an ERROR here", False),  # terms are case-sensitive
    ("error timeout", "error: timeout", True),
    ("error timeout", "error only", False),
    ("?ERROR ?WARN", "WARN low memory", True),
    ("?ERROR ?WARN", "INFO fine", False),
    ("-health", 'path="/health" status=200', False),
    ("-health", 'path="/home" status=200', True),
    ('"path=\\"/home\\""', 'method=GET path="/home"', True),
    ('"exit code 1"', "container exit code 1", True),
    ('"exit code 1"', "exit 1 code", False),
    ('GET -health ?200 ?500', 'GET path="/home" status=500', True),
    ('GET -health ?200 ?500', 'GET path="/home" status=404', False),
])
def test_filter_patterns(pattern, message, matches):
    assert _logs.filter_matches(pattern, message) is matches


@pytest.mark.parametrize("name, expected", [
    ("web/web/0123456789abcdef0123456789abcdef", ("0123456789abcdef0123456789abcdef", "web")),
    ("redis/redis/0123456789abcdef0123456789abcdef", ("0123456789abcdef0123456789abcdef", "redis")),
    ("app/web/abc", ("abc", "web")),
    ("web/web/", None),
    ("web/web/a/b", None),
    ("other/web/abc", None),
    ("web/redis/abc", None),
])
def test_stream_names(name, expected):
    prefixes = {"web": "web", "redis": "redis"}
    if name.startswith("app/"):
        prefixes = {"web": "app"}
    assert _logs.parse_stream_name(name, prefixes) == expected
    if expected:
        assert _logs.stream_name(prefixes[expected[1]], expected[1], expected[0]) == name


@pytest.mark.parametrize("line, ms, message", [
    ("2026-12-01T10:25:36Z 1:M Ready", "2026-12-01T10:25:36.000Z", "1:M Ready"),  # Podman: whole seconds
    ("2026-12-01T10:25:36.123456789Z msg=x", "2026-12-01T10:25:36.123Z", "msg=x"),  # Docker: nanoseconds
    ("2026-12-01T11:25:36.5+01:00 later", "2026-12-01T10:25:36.500Z", "later"),
    ("2026-12-01T10:25:36Z ", "2026-12-01T10:25:36.000Z", ""),
])
def test_docker_lines(line, ms, message):
    parsed = _logs.parse_docker_line(line)
    assert (_logs.iso_ms(parsed[0]), parsed[2]) == (ms, message)


def test_docker_output_keeps_order_and_joins_continuations():
    output = (b"2026-12-01T10:00:00Z first\n2026-12-01T10:00:00Z second\nand its continuation\n"
              b"2026-12-01T10:00:01.5Z third\r\n")
    events = _logs.docker_events(output, "0123456789ab", "web")
    assert [e["message"] for e in events] == ["first", "second" + "and its continuation", "third"]
    assert len(set(e["key"] for e in events)) == 3


def ev(task, container, second, message):
    ts = _logs.parse_iso_ms("2026-12-01T10:00:%02dZ" % second)
    return {"timestamp": ts, "task": task, "container": container, "message": message,
            "key": _logs.event_key(task, container, ts, message)}


EVENTS = [
    ev("aaaaaaaaaaaa", "web", 5, "w-a-5 GET /health"),
    ev("aaaaaaaaaaaa", "web", 1, "w-a-1 listening"),
    ev("aaaaaaaaaaaa", "redis", 0, "r-a-0 Ready"),
    ev("aaaaaaaaaaaa", "redis", 3, "r-a-3 error"),
    ev("bbbbbbbbbbbb", "web", 2, "w-b-2 listening"),
    ev("bbbbbbbbbbbb", "web", 4, "w-b-4 GET /home error"),
    ev("bbbbbbbbbbbb", "redis", 2, "r-b-2 Ready"),
]


def request(**over):
    base = dict(lines=100, since_ms=None, filter="", task_id="")
    base.update(over)
    return base


@pytest.mark.parametrize("over, expected", [
    ({}, ["r-a-0", "w-a-1", "w-b-2", "r-b-2", "r-a-3", "w-b-4", "w-a-5"]),
    ({"lines": 1}, ["r-b-2", "r-a-3", "w-b-4", "w-a-5"]),  # the last line of each of the four containers
    ({"since_ms": _logs.parse_iso_ms("2026-12-01T10:00:03Z")}, ["r-a-3", "w-b-4", "w-a-5"]),
    ({"filter": "error"}, ["r-a-3", "w-b-4"]),
    ({"filter": "?listening ?Ready", "lines": 1}, ["r-a-0", "w-a-1", "w-b-2", "r-b-2"]),
    ({"task_id": "bbbbbbbbbbbb"}, ["w-b-2", "r-b-2", "w-b-4"]),
    ({"task_id": "bbbbbbbbbbbb", "lines": 1}, ["r-b-2", "w-b-4"]),
])
def test_select_merges_newest_last(over, expected):
    got = [e["message"].split()[0] for e in _logs.select(EVENTS, request(**over))]
    assert got == expected


def test_select_leaves_out_lines_seen():
    seen = [EVENTS[0]["key"], EVENTS[5]["key"]]
    got = [e["message"].split()[0] for e in _logs.select(EVENTS, request(), exclude_keys=seen)]
    assert got == ["r-a-0", "w-a-1", "w-b-2", "r-b-2", "r-a-3"]


def test_lines_are_prefixed_with_task_and_container():
    result = _logs.summary(_logs.select(EVENTS, request(lines=1, task_id="bbbbbbbbbbbb")),
                           {("bbbbbbbbbbbb", "web"), ("bbbbbbbbbbbb", "redis")})
    assert result["lines"] == [
        "bbbbbbbbbbbb/redis 2026-12-01T10:00:02.000Z r-b-2 Ready",
        "bbbbbbbbbbbb/web 2026-12-01T10:00:04.000Z w-b-4 GET /home error",
    ]
    assert result["tasks"] == ["bbbbbbbbbbbb"] and result["sources"] == ["bbbbbbbbbbbb/redis", "bbbbbbbbbbbb/web"]
    assert result["latest_timestamp"] == _logs.parse_iso_ms("2026-12-01T10:00:04Z")


def test_a_multi_line_message_gives_one_prefixed_line_each():
    event = ev("aaaaaaaaaaaa", "web", 0, "panic: x\ngoroutine 1")
    assert _logs.format_lines(event) == ["aaaaaaaaaaaa/web 2026-12-01T10:00:00.000Z panic: x",
                                         "aaaaaaaaaaaa/web 2026-12-01T10:00:00.000Z goroutine 1"]


def test_local_containers_by_label():
    items = [
        {"Id": "1", "State": "running", "Labels": {"fargate.microservice/deployment": "d", "fargate.microservice/role": "infra",
                                                   "fargate.microservice/task-id": "aaaaaaaaaaaa"}},
        {"Id": "2", "State": "running", "Labels": {"fargate.microservice/deployment": "d", "fargate.microservice/role": "container",
                                                   "fargate.microservice/task-id": "aaaaaaaaaaaa", "fargate.microservice/container": "web"}},
        {"Id": "3", "State": "exited", "Labels": {"fargate.microservice/deployment": "d", "fargate.microservice/role": "container",
                                                  "fargate.microservice/task-id": "aaaaaaaaaaaa", "fargate.microservice/container": "redis"}},
        {"Id": "4", "State": "running", "Labels": {"fargate.microservice/deployment": "other", "fargate.microservice/role": "container",
                                                   "fargate.microservice/task-id": "bbbbbbbbbbbb", "fargate.microservice/container": "web"}},
    ]
    found = _logs_local.task_containers(items, "d")
    assert [(c["id"], c["container"], c["state"]) for c in found] == [("3", "redis", "exited"), ("2", "web", "running")]
    assert _logs_local.task_containers(items, "d", "bbbbbbbbbbbb") == []


@pytest.mark.parametrize("req, expected", [
    (request(lines=50), {"tail": "50"}),
    (request(lines=50, filter="error"), {"tail": "all"}),
    (request(lines=5, since_ms=1796120736999), {"tail": "5", "since": "1796120736"}),
])
def test_local_log_query(req, expected):
    params = _logs_local.log_params(req)
    assert params["timestamps"] == 1 and params["stdout"] == 1 and params["stderr"] == 1
    assert dict((k, params[k]) for k in expected) == expected and ("since" in params) == ("since" in expected)
