#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: local_logs_info
short_description: Read the log lines of a local deployment's task containers, merged and prefixed with task and container
version_added: 0.1.0
description:
  - The local target's counterpart of M(fargate.microservice.ecs_logs_info), with the same options and the same lines.
  - Finds the task containers that the C(local_runtime) role runs for a deployment by their labels
    (C(fargate.microservice/deployment), C(fargate.microservice/task-id), C(fargate.microservice/container)) and reads
    their logs with timestamps through the engine's Docker API, stopped containers included.
  - Returns the last O(lines) lines of each container of each task (or all since O(since)), optionally only those
    matching O(filter_pattern) (CloudWatch Logs' term syntax, applied here as CloudWatch Logs applies it), merged by
    time with the newest last, each line prefixed with its task id and container.
  - Written because M(community.docker.docker_container_info) returns no log lines and community.docker has no module
    that reads a container's logs; it uses community.docker's own API client, as community.docker's modules do.
  - Podman's Docker API gives log times in whole seconds; lines of one second keep each container's order.
author:
  - fargate.microservice developers (@fargate-microservice)
extends_documentation_fragment:
  - fargate.microservice.read_only
  - fargate.microservice.logs_window
  - community.docker.docker.api_documentation
options:
  deployment:
    description: The deployment (C(microservice_deployment)) whose task containers are read.
    type: str
    required: true
  task_id:
    description: Only this task (12 hex digits, the C(fargate.microservice/task-id) label). Empty for every task.
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
      - Only lines matching this CloudWatch Logs term pattern (C(error), C("exit code"), C(?ERROR ?WARN), C(-health));
        every plain term must occur, at least one C(?) term, no C(-) term; case-sensitive. JSON, space-delimited and
        regular-expression patterns are refused.
    type: str
    default: ""
  exclude_keys:
    description: Keys (RV(keys)) of lines already returned, to leave out; used to follow the logs without repeats.
    type: list
    elements: str
    default: []
requirements:
  - Docker API >= 1.25 (Docker, or Podman's Docker-compatible API)
"""

EXAMPLES = r"""
- name: Read the last 50 lines of web and Redis of every local task
  fargate.microservice.local_logs_info:
    docker_host: unix:///run/fargate-microservice/podman.sock
    deployment: countweb
    lines: 50
  register: logs

- name: Print them
  ansible.builtin.debug:
    msg: "{{ logs.lines | join('\n') }}"
"""

RETURN = r"""
containers:
  description: The task containers read, with their state.
  returned: always
  type: list
  elements: dict
  sample: [{task: 0123456789ab, container: web, state: running}]
tasks:
  description: The ids of the tasks whose containers were read.
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
  sample: ["0123456789ab/redis 2026-12-01T10:00:00.000Z * Ready to accept connections tcp"]
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
import traceback

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.community.docker.plugins.module_utils.common_api import AnsibleDockerClient
from ansible_collections.community.docker.plugins.module_utils.common_api import RequestException
from ansible_collections.community.docker.plugins.module_utils._api.errors import DockerException

from ansible_collections.fargate.microservice.plugins.module_utils import _logs
from ansible_collections.fargate.microservice.plugins.module_utils import _logs_local


def main():
    client = AnsibleDockerClient(
        argument_spec=dict(
            deployment=dict(type="str", required=True),
            task_id=dict(type="str", default=""),
            lines=dict(type="int", default=100),
            since=dict(type="str", default=""),
            filter_pattern=dict(type="str", default=""),
            exclude_keys=dict(type="list", elements="str", default=[], no_log=False),
            window_since=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    params = client.module.params
    read_at = int(time.time() * 1000)
    try:
        request = _logs.normalize_request(
            {"lines": params["lines"], "since": params["since"], "filter": params["filter_pattern"],
             "task_id": params["task_id"], "follow": 0},
            read_at, names=_logs.MODULE_NAMES)
    except ValueError as err:
        client.fail(str(err))
    try:
        window_since_ms = _logs.parse_since_ms(params["window_since"], read_at) if params["window_since"] else None
    except ValueError as err:
        client.fail(f"window_since: {err}")
    try:
        result = _logs_local.task_logs(client, params["deployment"], request, params["exclude_keys"], window_since_ms)
    except DockerException as err:
        client.fail(f"Could not read the logs of deployment {params['deployment']!r}'s containers: {to_native(err)}",
                    exception=traceback.format_exc())
    except RequestException as err:
        client.fail(f"Could not talk to the container engine to read the logs: {to_native(err)}", exception=traceback.format_exc())
    client.module.exit_json(changed=False, read_at=read_at, **result)


if __name__ == "__main__":
    main()
