#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: haproxy_stats_info
short_description: Read HAProxy's view of its servers (the local load balancer's targets) from its runtime API socket
version_added: 0.1.0
description:
  - Sends C(show stat) to HAProxy's runtime API (stats) socket and returns each frontend, backend and server with its
    status (C(UP), C(DOWN), C(MAINT), C(UP 1/2)...), last health check result and sessions.
  - On the local target, the local_alb role's HAProxy mirrors the ALB's target group, one server per task, so this is
    the local counterpart of the target group's target health.
  - Read-only, C(show stat) is the only command sent. A socket that does not answer is reported
    (RV(available=false)), not a failure, so a status report works on a stack that is only partly there.
  - Written because no module of community.general or community.docker reads HAProxy's statistics
    (M(community.general.haproxy) only changes a server's state).
author:
  - fargate.microservice developers (@fargate-microservice)
extends_documentation_fragment:
  - fargate.microservice.read_only
options:
  socket:
    description: Path of HAProxy's stats socket (C(stats socket) in its configuration).
    type: path
    required: true
  backend:
    description: Only this backend and its servers (the frontends are always returned).
    type: str
  timeout:
    description: Seconds to wait for HAProxy's answer.
    type: float
    default: 5
"""

EXAMPLES = r"""
- name: Read how the local load balancer sees the tasks
  fargate.microservice.haproxy_stats_info:
    socket: "{{ lookup('ansible.builtin.env', 'HOME') }}/.cache/fargate-microservice/local-alb-countweb/haproxy.sock"
    backend: countweb-web-tg
  register: lb
"""

RETURN = r"""
available:
  description: Whether the socket answered.
  returned: always
  type: bool
reason:
  description: Why the socket did not answer; empty when it did.
  returned: always
  type: str
servers:
  description:
    - One item per server, with C(backend), C(name) (the task id), C(addr), C(status), C(check_status) (for example
      C(L7OK), C(L4CON)), C(check_code), C(check_desc), C(last_change_seconds), C(current_sessions), C(total_sessions),
      C(failed_checks), C(downtime), C(weight), C(hrsp_5xx).
  returned: always
  type: list
  elements: dict
  sample: [{"backend": "countweb-web-tg", "name": "0a1b2c3d4e5f", "addr": "127.0.0.1:18000", "status": "UP",
            "check_status": "L7OK", "check_code": 200}]
backends:
  description: The backends, same fields.
  returned: always
  type: list
  elements: dict
frontends:
  description: The frontends, same fields.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fargate.microservice.plugins.module_utils._haproxy_stats import stats


def main():
    module = AnsibleModule(
        argument_spec=dict(
            socket=dict(type="path", required=True),
            backend=dict(type="str"),
            timeout=dict(type="float", default=5.0),
        ),
        supports_check_mode=True,
    )
    if module.params["timeout"] <= 0:
        module.fail_json(msg=f"timeout={module.params['timeout']} is not positive; give the seconds to wait, such as 5.")
    module.exit_json(changed=False, **stats(module.params["socket"], module.params["backend"], module.params["timeout"]))


if __name__ == "__main__":
    main()
