# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read a deployment's task logs from CloudWatch Logs (the ecs_logs_info module's logic).

The awslogs driver writes each container of a Fargate task to the stream
``<awslogs-stream-prefix>/<container>/<task-id>`` of the task definition's log group. This file
finds those streams (DescribeLogStreams by prefix, paginated), then reads them: GetLogEvents from
the end of each stream backwards (its nextBackwardToken) for the last N lines, or FilterLogEvents
(paginated, 100 streams a call) when a filter pattern is given. Every call is retried with jittered
backoff. Tested against a moto server in tests/unit/plugins/module_utils/test_logs_aws.py.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.fargate.microservice.plugins.module_utils import _logs

STREAMS_PER_FILTER_CALL = 100  # FilterLogEvents' logStreamNames (botocore's logs model: InputLogStreamNames max 100)
GET_EVENTS_PAGE = 10000  # GetLogEvents' limit (botocore's logs model: EventsLimit max 10000)
MAX_PAGES_PER_STREAM = 100  # GetLogEvents pages read backwards from one stream at most


@AWSRetry.jittered_backoff()
def _describe_streams(client, log_group, name_prefix):
    paginator = client.get_paginator("describe_log_streams")
    return paginator.paginate(logGroupName=log_group, logStreamNamePrefix=name_prefix).build_full_result().get("logStreams", [])


@AWSRetry.jittered_backoff()
def _filter_events(client, **kwargs):
    paginator = client.get_paginator("filter_log_events")
    return paginator.paginate(**kwargs).build_full_result().get("events", [])


@AWSRetry.jittered_backoff()
def _get_events(client, **kwargs):
    return client.get_log_events(**kwargs)


def find_streams(client, log_group, prefixes, task_id=""):
    """The group's streams of our tasks: ``[{name, task, container, last}]``, or None when the group is missing.

    ``prefixes`` maps each container to its awslogs-stream-prefix; ``last`` is the stream's newest
    activity (epoch ms), used to keep the most recently active tasks.
    """
    streams = []
    for container, prefix in sorted(prefixes.items()):
        name_prefix = _logs.stream_name(prefix, container, task_id)
        try:
            found = _describe_streams(client, log_group, name_prefix)
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        for stream in found:
            parsed = _logs.parse_stream_name(stream["logStreamName"], {container: prefix})
            if parsed is None or (task_id and parsed[0] != task_id):
                continue
            last = max(stream.get("lastIngestionTime") or 0, stream.get("lastEventTimestamp") or 0, stream.get("creationTime") or 0)
            streams.append({"name": stream["logStreamName"], "task": parsed[0], "container": container, "last": last})
    return streams


def newest_tasks(streams, max_tasks):
    """Keep the streams of the ``max_tasks`` tasks with the newest activity; return (kept, tasks left out)."""
    last_by_task = {}
    for stream in streams:
        last_by_task[stream["task"]] = max(last_by_task.get(stream["task"], 0), stream["last"])
    ranked = sorted(last_by_task, key=lambda task: (-last_by_task[task], task))
    kept = set(ranked[:max_tasks])
    return [s for s in streams if s["task"] in kept], sorted(ranked[max_tasks:])


def _tail_stream(client, log_group, stream, lines, since_ms):
    """The last ``lines`` events of one stream (since ``since_ms``), reading backwards page by page."""
    kwargs = {"logGroupName": log_group, "logStreamName": stream, "startFromHead": False, "limit": min(lines, GET_EVENTS_PAGE)}
    if since_ms is not None:
        kwargs["startTime"] = since_ms
    events, token = [], None
    for dummy in range(MAX_PAGES_PER_STREAM):
        if token:
            kwargs["nextToken"] = token
        page = _get_events(client, **kwargs)
        events = list(page.get("events") or []) + events
        # At the start of the stream GetLogEvents hands back the token it was given.
        if len(events) >= lines or not page.get("nextBackwardToken") or page.get("nextBackwardToken") == token:
            break
        token = page["nextBackwardToken"]
    for event in events:
        event["logStreamName"] = stream
    return events[-lines:]


def read_events(client, log_group, streams, prefixes, request):
    """The raw events the request needs from these streams (GetLogEvents, or FilterLogEvents with a filter)."""
    raw = []
    if request.get("filter"):
        names = [s["name"] for s in streams]
        for start in range(0, len(names), STREAMS_PER_FILTER_CALL):
            kwargs = {"logGroupName": log_group, "logStreamNames": names[start:start + STREAMS_PER_FILTER_CALL],
                      "filterPattern": request["filter"]}
            if request.get("since_ms") is not None:
                kwargs["startTime"] = request["since_ms"]
            raw.extend(_filter_events(client, **kwargs))
    else:
        for stream in streams:
            raw.extend(_tail_stream(client, log_group, stream["name"], request["lines"], request.get("since_ms")))
    events = []
    for item in raw:
        event = _logs.cloudwatch_event(item, prefixes)
        if event is not None:
            events.append(event)
    return events


def task_logs(client, log_group, prefixes, request, max_tasks=10, exclude_keys=(), window_since_ms=None):
    """Everything the module returns: the group's state, the streams read, the merged lines, and (with
    ``window_since_ms``) ``window_keys``: the keys of every line since then, read just before the lines."""
    streams = find_streams(client, log_group, prefixes, request.get("task_id") or "")
    if streams is None:
        result = _logs.summary([], [])
        result.update(group_exists=False, streams=[], tasks_left_out=[], window_keys=[])
        return result
    streams, left_out = newest_tasks(streams, max_tasks)
    # The window first: a line written between the two reads is then in the lines (shown) or after them (new),
    # never noted as there already without being shown.
    window = []
    if window_since_ms is not None:
        window = _logs.window_keys(read_events(client, log_group, streams, prefixes,
                                               _logs.window_request(request, window_since_ms)), window_since_ms)
    events = read_events(client, log_group, streams, prefixes, request)
    # The filter was applied by CloudWatch Logs; select() keeps the last N per container, the
    # exact since, and drops the lines seen already while following.
    selection = dict(request, filter="")
    events = _logs.select(events, selection, exclude_keys)
    result = _logs.summary(events, set((s["task"], s["container"]) for s in streams))
    result.update(group_exists=True, streams=sorted(s["name"] for s in streams), tasks_left_out=left_out, window_keys=window)
    return result
