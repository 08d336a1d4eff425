# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/logs.yml on the aws target against the emulator (a real moto server, no mocks).

The stack is made with boto3: cluster, our task definition (built by _task_definition, so its
awslogs-stream-prefix is what the task role registers), service ``web``, log group ``/ecs/D`` and
the streams ``<prefix>/<container>/<task-id>`` of two tasks with lines. The playbook must find the
group and prefixes through the service's task definition and print the lines in order, prefixed,
with since, a filter and one task; read-only in check mode; say so on an empty stack; refuse bad
input before any AWS call; follow new lines (each once) for a bounded time.
Run: make integration-logs   (or IT_EMULATOR_PORT=PORT .venv/bin/python -m pytest -v tests/integration/logs)
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

sys.path.insert(0, str(itlib.ROOT / "collections"))
from ansible_collections.fargate.microservice.plugins.module_utils import _logs  # noqa: E402
from ansible_collections.fargate.microservice.plugins.module_utils import _task_definition as td  # noqa: E402

D = "itlogs"
PLAYBOOK = "playbooks/logs.yml"
TASK_A = "0123456789abcdef0123456789abcdef"
TASK_B = "fedcba9876543210fedcba9876543210"
T0 = (int(time.time()) - 300) * 1000
EVENTS = [
    (TASK_A, "redis", 0, "Ready to accept connections"),
    (TASK_B, "redis", 1, "Ready to accept connections"),
    (TASK_A, "web", 2, "msg=listening addr=:8000"),
    (TASK_B, "web", 3, "msg=listening addr=:8000"),
    (TASK_A, "web", 4, 'path="/home" status=200'),
    (TASK_B, "web", 5, 'msg="count failed" err="connection refused"'),
]


def container(name, port):
    return dict(name=name, image=f"111.dkr.ecr.us-east-1.amazonaws.com/{D}/{name}:1", repository=None, port=port,
                environment=None, command=None, cpu=None, memory=None, memory_reservation=None, health_check=None,
                readonly_root_filesystem=False, essential=True, log_stream_prefix=None, extra=None)


@pytest.fixture(scope="module", autouse=True)
def stack():
    itlib.start_emulator()
    itlib.reset_emulator()
    ecs, logs = itlib.client("ecs"), itlib.client("logs")
    ecs.create_cluster(clusterName=D)
    request = td.build_request({"family": "web-redis-task", "cpu": 256, "memory": 512, "log_group": f"/ecs/{D}",
                                "app": container("web", 8000), "redis": container("redis", 6379)}, itlib.REGION)
    arn = ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=D, serviceName="web", taskDefinition=arn, desiredCount=2, launchType="FARGATE")
    logs.create_log_group(logGroupName=f"/ecs/{D}")
    prefixes = dict((c["name"], c["logConfiguration"]["options"]["awslogs-stream-prefix"]) for c in request["containerDefinitions"])
    for task, name in sorted(set((e[0], e[1]) for e in EVENTS)):
        stream = _logs.stream_name(prefixes[name], name, task)
        logs.create_log_stream(logGroupName=f"/ecs/{D}", logStreamName=stream)
        logs.put_log_events(logGroupName=f"/ecs/{D}", logStreamName=stream,
                            logEvents=[{"timestamp": T0 + e[2] * 1000, "message": e[3]} for e in EVENTS if e[:2] == (task, name)])
    yield
    itlib.reset_emulator()
    itlib.stop_emulator()


def logs_run(*args, **extra):
    return itlib.playbook(PLAYBOOK, "-e", json.dumps(dict({"microservice_target": "aws", "microservice_deployment": D}, **extra)), *args)


def msg_lines(body):
    """The lines of the ``msg:`` of one task's result as the default callback prints it (YAML), or None.

    Only the value's own lines: what the next task prints before its header (ansible.builtin.pause's
    "Pausing for 2 seconds", not indented) is not part of it. One line alone is a YAML scalar, which the
    callback may quote."""
    lines = body.splitlines()
    for index, line in enumerate(lines):
        if line.strip().startswith("msg:"):
            value = line.split("msg:", 1)[1].strip()
            if value != "|-":
                return [value.strip("'\"")]
            indent = len(line) - len(line.lstrip())
            block = []
            for item in lines[index + 1:]:
                if not item.strip() or len(item) - len(item.lstrip()) <= indent:
                    break
                block.append(item.strip())
            return block
    return None


def shown(run):
    """The lines the playbook printed (the 'Show the lines' task's block), in order."""
    out = run.out.split("TASK [fargate.microservice.logs : Show the lines]", 1)
    if len(out) == 1:
        return []
    return msg_lines(out[1].split("\nTASK [", 1)[0].split("\nPLAY RECAP", 1)[0]) or []


def expected(selection):
    return [f"{task}/{name} {_logs.iso_ms(T0 + offset * 1000)} {message}" for task, name, offset, message in selection]


def test_every_line_of_both_tasks_newest_last():
    run = logs_run()
    assert run.rc == 0 and run.changed == 0, run
    assert shown(run) == expected(EVENTS), run
    assert f"from CloudWatch Logs /ecs/{D}" in run.out


def test_last_line_per_container_of_one_task_in_check_mode():
    run = logs_run("--check", logs_lines=1, logs_task=TASK_B)
    assert run.rc == 0 and run.changed == 0, run
    assert shown(run) == expected([EVENTS[1], EVENTS[5]]), run


def test_since_and_filter():
    run = logs_run(logs_since=_logs.iso_ms(T0 + 2000), logs_filter="listening")
    assert run.rc == 0, run
    assert shown(run) == expected([EVENTS[2], EVENTS[3]]), run
    run = logs_run(logs_filter="nomatch")
    assert run.rc == 0 and shown(run) == [], run
    assert "No line of 4 container(s)" in run.out and "matches nomatch" in run.out


def test_an_empty_stack_says_so():
    run = logs_run(microservice_deployment="itlogsnone")
    assert run.rc == 0 and run.changed == 0, run
    assert "Deployment itlogsnone has no ECS cluster itlogsnone, so no task has logs to show" in run.out


@pytest.mark.parametrize("extra, words", [
    ({"logs_lines": 0}, "logs_lines must be a whole number from 1 to 10000"),
    ({"logs_since": "yesterday"}, "logs_since must be a duration"),
    ({"logs_task": "nope"}, "logs_task must be a task id"),
    ({"logs_follow": 3600}, "logs_follow must be the seconds to follow"),
])
def test_bad_input_fails_before_any_aws_call(extra, words):
    run = logs_run(**extra)
    assert run.rc != 0 and words in run.out, run
    assert "Read the service" not in run.out, run


def shown_blocks(run, task):
    """Every block of lines the task ``task`` printed, in order (one per run of that task)."""
    blocks = []
    for part in run.out.split(f"TASK [fargate.microservice.logs : {task}]")[1:]:
        block = msg_lines(part.split("\nTASK [", 1)[0].split("\nPLAY RECAP", 1)[0])
        if block is not None:  # else skipped: nothing new
            blocks.append(block)
    return blocks


def test_follow_shows_each_new_line_once_and_stops_by_itself():
    # A writer adds one line a second to task A's web stream while the playbook reads the last line per
    # container, then follows for 6 s (reads every 2 s). The follow reads must show new lines, each once,
    # none of those the first read showed, in time order; the run ends by itself (changed=0).
    logs = itlib.client("logs")
    [stream] = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=f"/ecs/{D}")["logStreams"]
                if s["logStreamName"].endswith(f"/web/{TASK_A}")]
    stop = threading.Event()

    def writer():
        tick = 0
        while not stop.wait(1):
            tick += 1
            logs.put_log_events(logGroupName=f"/ecs/{D}", logStreamName=stream,
                                logEvents=[{"timestamp": int(time.time() * 1000), "message": f"tick {tick}"}])

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        run = logs_run(logs_lines=1, logs_follow=6, logs_follow_interval=2)
    finally:
        stop.set()
        thread.join(5)
    assert run.rc == 0 and run.changed == 0, run
    first = shown(run)
    followed = [line for block in shown_blocks(run, "Show the new lines") for line in block]
    assert followed and all(line.startswith(f"{TASK_A}/web ") and " tick " in line for line in followed), (followed, run.out[-6000:])
    ticks = [int(line.rsplit(" ", 1)[1]) for line in followed]
    assert ticks == sorted(set(ticks)), run  # each once, in time order
    assert not set(followed) & set(first), run  # nothing the first read showed
    # New lines only: none of those older than the first read's last line of that stream, which were there when the
    # run started (logs_lines=1 left them out; the follow reads' overlap window reaches back over them).
    [last_first] = [int(line.rsplit(" ", 1)[1]) for line in first if line.startswith(f"{TASK_A}/web ") and " tick " in line]
    assert min(ticks) > last_first, (last_first, followed)
