#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_logs_info
short_description: Read the CloudWatch Logs lines of an ECS service's tasks, merged and prefixed with task and container
version_added: 0.1.0
description:
  - Reads what the C(awslogs) log driver wrote for each container of each task into the task definition's log group,
    the streams C(<awslogs-stream-prefix>/<container>/<task-id>), found with DescribeLogStreams by prefix.
  - Returns the last O(lines) lines of each container of each task (or all since O(since)), optionally only those
    matching O(filter_pattern) (FilterLogEvents), merged by time with the newest last, each line prefixed with its task
    id and container. Every list call is paginated and every call retried with jittered backoff.
  - Written because no module of amazon.aws or community.aws reads log events (M(amazon.aws.cloudwatchlogs_log_group_info)
    describes groups only), and the lines must be matched to tasks and containers through the task definition's
    stream prefixes, the same way the local target reads its containers (M(fargate.microservice.local_logs_info)).
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  log_group:
    description: The log group the task definition's containers log to (C(awslogs-group)), for example C(/ecs/countweb).
    type: str
    required: true
  stream_prefixes:
    description:
      - Each container of the task definition that logs to O(log_group), mapped to its C(awslogs-stream-prefix).
      - Streams that do not follow C(<prefix>/<container>/<task-id>) for one of them are ignored.
    type: dict
    required: true
  task_id:
    description: Only this task (its id, the last part of its ARN). Empty for every task.
    type: str
    default: ""
  lines:
    description: How many of the newest lines to return per container of each task (1-10000).
    type: int
    default: 100
  since:
    description:
      - Only lines from this time on; a duration back from now (C(30s), C(10m), C(2h), C(1d)) or an ISO 8601 time
        (C(2026-12-01T10:00:00Z); without a zone, UTC). Empty for no lower bound.
    type: str
    default: ""
  filter_pattern:
    description:
      - Only lines matching this CloudWatch Logs term pattern (C(error), C("exit code"), C(?ERROR ?WARN), C(-health)),
        applied by FilterLogEvents. JSON, space-delimited and regular-expression patterns are refused, as the local
        target could not apply them alike.
    type: str
    default: ""
  max_tasks:
    description: Read the streams of at most this many tasks, those with the newest activity (1-100).
    type: int
    default: 10
  exclude_keys:
    description: Keys (RV(keys)) of lines already returned, to leave out; used to follow the logs without repeats.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - fargate.microservice.read_only
  - fargate.microservice.logs_window
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the last 50 lines of web and Redis of every task
  fargate.microservice.ecs_logs_info:
    log_group: /ecs/countweb
    stream_prefixes: {web: web, redis: redis}
    lines: 50
  register: logs

- name: Print them
  ansible.builtin.debug:
    msg: "{{ logs.lines | join('\n') }}"

- name: Errors of one task in the last hour
  fargate.microservice.ecs_logs_info:
    log_group: /ecs/countweb
    stream_prefixes: {web: web, redis: redis}
    task_id: 0123456789abcdef0123456789abcdef
    since: 1h
    filter_pattern: error
"""

RETURN = r"""
group_exists:
  description: Whether the log group exists.
  returned: always
  type: bool
streams:
  description: The streams read.
  returned: always
  type: list
  elements: str
  sample: [web/web/0123456789abcdef0123456789abcdef]
tasks:
  description: The ids of the tasks whose streams were read.
  returned: always
  type: list
  elements: str
tasks_left_out:
  description: Tasks with streams in the group that were not read (beyond O(max_tasks)).
  returned: always
  type: list
  elements: str
sources:
  description: The C(<task>/<container>) pairs read.
  returned: always
  type: list
  elements: str
lines:
  description: The lines, oldest first, each C(<task>/<container> <UTC time> <message>).
  returned: always
  type: list
  elements: str
  sample: ["0123456789abcdef0123456789abcdef/web 2026-12-01T10:00:00.123Z listening on :8000"]
events:
  description: The same lines as dicts with C(timestamp) (epoch ms), C(task), C(container), C(message) and C(key).
  returned: always
  type: list
  elements: dict
keys:
  description: One key per event, to pass to O(exclude_keys) of the next call while following.
  returned: always
  type: list
  elements: str
window_keys:
  description: With O(window_since), the keys of every line written since then that O(filter_pattern) keeps; else empty.
  returned: always
  type: list
  elements: str
latest_timestamp:
  description: The newest event's timestamp in epoch ms, 0 without events.
  returned: always
  type: int
read_at:
  description: When the read started, in epoch ms; a later read with O(since) from about then returns only newer lines.
  returned: always
  type: int
"""

import time

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports it

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.fargate.microservice.plugins.module_utils import _logs
from ansible_collections.fargate.microservice.plugins.module_utils import _logs_aws


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            log_group=dict(type="str", required=True),
            stream_prefixes=dict(type="dict", required=True),
            task_id=dict(type="str", default=""),
            lines=dict(type="int", default=100),
            since=dict(type="str", default=""),
            filter_pattern=dict(type="str", default=""),
            max_tasks=dict(type="int", default=10),
            exclude_keys=dict(type="list", elements="str", default=[], no_log=False),
            window_since=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    params = module.params
    read_at = int(time.time() * 1000)
    try:
        request = _logs.normalize_request(
            {"lines": params["lines"], "since": params["since"], "filter": params["filter_pattern"],
             "task_id": params["task_id"], "follow": 0},
            read_at, names=_logs.MODULE_NAMES)
    except ValueError as err:
        module.fail_json(msg=str(err))
    try:
        window_since_ms = _logs.parse_since_ms(params["window_since"], read_at) if params["window_since"] else None
    except ValueError as err:
        module.fail_json(msg=f"window_since: {err}")
    if not 1 <= params["max_tasks"] <= 100:
        module.fail_json(msg=f"max_tasks={params['max_tasks']} is out of range; use 1 to 100.")
    if not params["stream_prefixes"]:
        module.fail_json(msg="stream_prefixes is empty; give each container's awslogs-stream-prefix, e.g. {web: web, redis: redis}.")
    prefixes = dict((str(k), str(v)) for k, v in params["stream_prefixes"].items())
    client = module.client("logs", retry_decorator=AWSRetry.jittered_backoff())
    try:
        result = _logs_aws.task_logs(client, params["log_group"], prefixes, request, params["max_tasks"], params["exclude_keys"],
                                     window_since_ms)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        module.fail_json_aws(err, msg=f"Could not read the log events of log group {params['log_group']!r}")
    module.exit_json(changed=False, read_at=read_at, **result)


if __name__ == "__main__":
    main()
