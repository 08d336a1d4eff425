# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The logs of a deployment's tasks, the same on both targets (no AWS or engine calls here).

Shared by the ecs_logs_info and local_logs_info modules and the logs role's preflight (through the
``logs_request`` filter), and unit-tested in tests/unit/plugins/module_utils/test_logs.py:

- the request: ``lines``, ``since`` (a duration such as ``10m`` or an ISO 8601 time), ``filter``
  (CloudWatch Logs' term syntax), ``task_id``, ``follow`` seconds -- checked in one place, with
  one-sentence errors that name the variable;
- CloudWatch stream names (``<awslogs-stream-prefix>/<container>/<task-id>``, what the awslogs
  driver writes for a task definition of ours) and Docker log lines (``timestamps=1``) parsed into
  events ``{timestamp (ms), task, container, message, key}``;
- the merge: the last N lines of each container of each task (or all since a time), sorted by time
  with the newest last, each line prefixed with its task and container.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import re

MAX_LINES = 10000
MAX_FOLLOW_SECONDS = 600
MAX_FILTER_LENGTH = 1024  # FilterLogEvents' filterPattern (botocore's logs service model: max 1024)

DURATION_RE = re.compile(r"^(\d+)([smhd])$")
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
# A local task id is 12 hex digits (local_runtime); an ECS task id 32 hex digits (older ones a UUID).
TASK_ID_RE = re.compile(r"^(?:[0-9a-f]{12}|[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
DOCKER_LINE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) ?(.*)$")

# The request's fields and the role variables that carry them (used in the error messages).
ROLE_NAMES = {
    "lines": "logs_lines",
    "since": "logs_since",
    "filter": "logs_filter",
    "task_id": "logs_task",
    "follow": "logs_follow",
}
MODULE_NAMES = {"lines": "lines", "since": "since", "filter": "filter_pattern", "task_id": "task_id", "follow": "follow"}


# ---------------------------------------------------------------------------------------------
# Times
# ---------------------------------------------------------------------------------------------


def _epoch_ms(dt):
    return calendar.timegm(dt.utctimetuple()) * 1000 + dt.microsecond // 1000


def parse_iso_ms(value):
    """An ISO 8601 time (``2026-12-01T10:00:00Z``, ``...+02:00``, a date, no zone = UTC) -> epoch ms.

    Raises ValueError when the text is not such a time or names an impossible date.
    """
    match = ISO_RE.match(value.strip())
    if not match:
        raise ValueError(value)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    dt = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                           int((fraction or "0").ljust(6, "0")[:6]))
    ms = _epoch_ms(dt)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        ms -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * 1000
    return ms


def parse_since_ms(value, now_ms):
    """``""`` -> None; ``10m``/``2h``/``30s``/``1d`` -> now minus that; an ISO 8601 time -> that time (epoch ms)."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    match = DURATION_RE.match(text)
    if match:
        return now_ms - int(match.group(1)) * DURATION_UNITS[match.group(2)] * 1000
    return parse_iso_ms(text)


def iso_ms(timestamp_ms):
    """Epoch ms -> ``2026-12-01T10:00:00.123Z``."""
    dt = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=int(timestamp_ms))
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


# ---------------------------------------------------------------------------------------------
# Filter patterns (CloudWatch Logs' syntax for unstructured events, applied alike on both targets)
# ---------------------------------------------------------------------------------------------


def parse_filter(pattern):
    """Split a CloudWatch Logs term pattern into (required, any_of, excluded) term lists.

    ``ERROR timeout`` requires both terms; ``?ERROR ?WARN`` wants at least one; ``-health`` excludes
    a term; ``"exit code 1"`` is one term with spaces. JSON (``{ $.x = 1 }``) and space-delimited
    (``[ip, user]``) and regular-expression (``%err|fail%``) patterns are refused: the local target could not apply them the same way.
    Raises ValueError with the reason.
    """
    text = (pattern or "").strip()
    if not text:
        return [], [], []
    if text[0] in "{[%":
        raise ValueError("JSON, space-delimited and regular-expression patterns are not supported, only terms")
    required, any_of, excluded = [], [], []
    for match in re.finditer(r'([?-]?)(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))|(")', text):
        sign, quoted, bare, stray = match.groups()
        if stray:
            raise ValueError("it has an unbalanced double quote")
        term = quoted.replace('\\"', '"') if quoted is not None else bare
        if not term:
            raise ValueError("it has an empty term")
        {"": required, "?": any_of, "-": excluded}[sign].append(term)
    return required, any_of, excluded


def filter_matches(pattern, message):
    """Whether a message matches a term pattern (case-sensitive, as CloudWatch Logs matches terms)."""
    required, any_of, excluded = parse_filter(pattern)
    if any(term in message for term in excluded):
        return False
    if not all(term in message for term in required):
        return False
    return not any_of or any(term in message for term in any_of)


# ---------------------------------------------------------------------------------------------
# The request
# ---------------------------------------------------------------------------------------------


def request_errors(request, names=None, now_ms=None):
    """One sentence per bad field of ``{lines, since, filter, task_id, follow}`` (names: field -> variable).

    With ``now_ms``, a ``since`` in the future is an error too.
    """
    names = dict(ROLE_NAMES, **(names or {}))
    errors = []
    lines = request.get("lines")
    try:
        lines_ok = not isinstance(lines, bool) and 0 < int(str(lines)) <= MAX_LINES
    except (TypeError, ValueError):
        lines_ok = False
    if not lines_ok:
        errors.append(f"{names['lines']} must be a whole number from 1 to {MAX_LINES} (lines per container), got {lines!r}.")
    since = request.get("since") or ""
    if since:
        try:
            since_ms = parse_since_ms(since, now_ms or 0)
            if now_ms is not None and since_ms > now_ms:
                errors.append(f"{names['since']} {since!r} is in the future; give a time in the past or a duration such as 10m.")
        except ValueError:
            errors.append(f"{names['since']} must be a duration such as 30s, 10m, 2h or 1d, or an ISO 8601 time such as "
                          f"2026-12-01T10:00:00Z, got {since!r}.")
    pattern = request.get("filter") or ""
    if len(pattern) > MAX_FILTER_LENGTH:
        errors.append(f"{names['filter']} is {len(pattern)} characters long; CloudWatch Logs accepts at most {MAX_FILTER_LENGTH}.")
    else:
        try:
            parse_filter(pattern)
        except ValueError as err:
            errors.append(f"{names['filter']} {pattern!r} is not a term pattern ({err}): use words, \"quoted phrases\", "
                          f"?either ?or and -excluded terms.")
    task_id = request.get("task_id") or ""
    if task_id and not TASK_ID_RE.match(str(task_id)):
        errors.append(f"{names['task_id']} must be a task id (12 hex digits on the local target, 32 on ECS), got {task_id!r}; "
                      f"run without it to see every task's id.")
    follow = request.get("follow")
    try:
        follow_ok = not isinstance(follow, bool) and 0 <= int(str(follow)) <= MAX_FOLLOW_SECONDS
    except (TypeError, ValueError):
        follow_ok = False
    if not follow_ok:
        errors.append(f"{names['follow']} must be the seconds to follow the logs, 0 (do not follow) to {MAX_FOLLOW_SECONDS}, got {follow!r}.")
    return errors


def normalize_request(request, now_ms, names=None):
    """The checked request with ``lines``/``follow`` as ints and ``since_ms`` (None: no lower bound).

    Raises ValueError with every error, one sentence each, when the request is bad.
    """
    errors = request_errors(request, names, now_ms)
    if errors:
        raise ValueError(" ".join(errors))
    since_ms = parse_since_ms(request.get("since") or "", now_ms)
    return {
        "lines": int(str(request.get("lines"))),
        "since": request.get("since") or "",
        "since_ms": since_ms,
        "filter": request.get("filter") or "",
        "task_id": request.get("task_id") or "",
        "follow": int(str(request.get("follow") or 0)),
    }


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


def event_key(task, container, timestamp, message, extra=""):
    """A stable identity of one log line, to drop lines seen twice while following."""
    digest = hashlib.sha1(message.encode("utf-8", "replace")).hexdigest()[:12]
    return f"{task}/{container}/{timestamp}/{extra}/{digest}"


def stream_name(prefix, container, task_id):
    """The stream the awslogs driver writes a Fargate task's container to."""
    return f"{prefix}/{container}/{task_id}"


def parse_stream_name(name, prefixes):
    """``<prefix>/<container>/<task-id>`` -> (task id, container), or None when not one of ours.

    ``prefixes`` maps each container of the task definition to its awslogs-stream-prefix.
    """
    for container, prefix in prefixes.items():
        head = f"{prefix}/{container}/"
        if name.startswith(head) and len(name) > len(head) and "/" not in name[len(head):]:
            return name[len(head):], container
    return None


def cloudwatch_event(raw, prefixes):
    """A FilterLogEvents / GetLogEvents event (with its stream name) -> our event, or None."""
    parsed = parse_stream_name(raw.get("logStreamName", ""), prefixes)
    if parsed is None:
        return None
    task, container = parsed
    message = (raw.get("message") or "").rstrip("\n")
    timestamp = int(raw.get("timestamp") or 0)
    return {
        "timestamp": timestamp,
        "task": task,
        "container": container,
        "message": message,
        "key": event_key(task, container, timestamp, message, raw.get("eventId", "")),
    }


def parse_docker_line(line):
    """``2026-12-01T10:00:00.123456789Z message`` (logs with timestamps=1) -> (epoch ms, ns text, message)."""
    match = DOCKER_LINE_RE.match(line)
    if not match:
        return None
    base, fraction, zone, message = match.groups()
    ms = parse_iso_ms(base + ("." + fraction[:6] if fraction else "") + zone)
    return ms, base + "." + (fraction or "").ljust(9, "0") + zone, message


def docker_events(output, task, container):
    """A container's log output (bytes or text, timestamps=1) -> our events, in the engine's order.

    A line without a timestamp (the continuation of a line longer than the engine's buffer) is
    joined to the line before it.
    """
    if isinstance(output, bytes):
        output = output.decode("utf-8", "replace")
    events = []
    for line in output.splitlines():
        parsed = parse_docker_line(line)
        if parsed is None:
            if events:
                events[-1]["message"] += line
            continue
        ms, exact, message = parsed
        events.append({"timestamp": ms, "task": task, "container": container, "message": message.rstrip("\r"),
                       "exact": exact})
    for event in events:
        event["key"] = event_key(task, container, event["timestamp"], event["message"], event.pop("exact"))
    return events


def select(events, request, exclude_keys=()):
    """Keep the events the request asks for: since, filter, task, not seen yet; the last N per container.

    ``events`` may come from several sources in any order; within one task's container the input
    order is kept for lines of the same millisecond. Returns them merged: oldest first, newest last.
    """
    since_ms = request.get("since_ms")
    pattern = request.get("filter") or ""
    task_id = request.get("task_id") or ""
    excluded = set(exclude_keys or ())
    kept = []
    for index, event in enumerate(events):
        if since_ms is not None and event["timestamp"] < since_ms:
            continue
        if task_id and event["task"] != task_id:
            continue
        if event["key"] in excluded:
            continue
        if pattern and not filter_matches(pattern, event["message"]):
            continue
        kept.append((event["timestamp"], index, event))
    kept.sort(key=lambda item: (item[0], item[1]))
    lines = int(request.get("lines") or MAX_LINES)
    per_source = {}
    for item in reversed(kept):
        source = (item[2]["task"], item[2]["container"])
        per_source.setdefault(source, []).append(item)
    result = []
    for items in per_source.values():
        result.extend(items[:lines])
    result.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in result]


def window_request(request, since_ms):
    """The request that reads every line since ``since_ms`` (no line limit) of the same task(s) and filter: read the
    same way as the follow reads (FilterLogEvents with a filter), so that its keys are theirs."""
    return dict(request, lines=MAX_LINES, since_ms=since_ms)


def window_keys(events, since_ms):
    """The keys of the events since ``since_ms``: while following, the lines that were there at the first read
    (shown or not: beyond ``lines`` per container), which the follow reads' overlap window would return again."""
    return [e["key"] for e in events if e["timestamp"] >= since_ms]


def format_lines(event):
    """``<task>/<container> <UTC time> <message>``: the line format of both targets (one per line of a message)."""
    head = f"{event['task']}/{event['container']} {iso_ms(event['timestamp'])} "
    return [head + part for part in (event["message"].split("\n") or [""])]


def summary(events, sources):
    """The result fields every logs module returns: events, lines, tasks, and the newest timestamp."""
    tasks = sorted(set(task for task, dummy in sources))
    return {
        "events": events,
        "lines": [line for e in events for line in format_lines(e)],
        "tasks": tasks,
        "sources": [f"{task}/{container}" for task, container in sorted(sources)],
        "latest_timestamp": max([e["timestamp"] for e in events], default=0),
        "keys": [e["key"] for e in events],
    }
