# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin local_runtime_step (documented in plugins/modules/local_runtime_step.py): one step of the local
scheduler's plan, carried out by plugins/plugin_utils/_local_scheduler.py, the code the supervisor runs too."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.client

from ansible.plugins.action import ActionBase

from ansible_collections.fargate.microservice.plugins.plugin_utils import _local_scheduler as scheduler

ARGUMENT_SPEC = {
    "docker_host": {"type": "str", "required": True},
    "deployment": {"type": "str", "required": True},
    "task_definition": {"type": "dict", "required": True},
    "step": {"type": "dict", "required": True},
    "container_port": {"type": "int", "default": 0},
    "infra_image": {"type": "str", "required": True},
    "bind_address": {"type": "str", "default": "127.0.0.1"},
    "service": {"type": "str"},
    "hosts": {"type": "dict", "default": {}},
    "network": {"type": "str"},
    "load_balancer": {"type": "dict", "options": {
        "socket": {"type": "path", "required": True},
        "backend": {"type": "str", "required": True},
        "config": {"type": "path"},
        "target_address": {"type": "str", "default": "127.0.0.1"},
        "drain_timeout": {"type": "int"},
    }},
    "start_timeout": {"type": "int", "default": 120},
    "poll_interval": {"type": "float", "default": 2},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(ARGUMENT_SPEC)
        lb = args.get("load_balancer")
        load_balancer = scheduler.LoadBalancer(lb["socket"], lb["backend"], lb.get("config"), lb["target_address"],
                                               lb["drain_timeout"]) if lb else None
        names = ("deployment", "container_port", "infra_image", "bind_address", "service", "hosts", "network",
                 "start_timeout", "poll_interval")
        settings = dict((k, args[k]) for k in names)
        try:
            done = scheduler.run_step(scheduler.Engine(args["docker_host"]), load_balancer, args["task_definition"],
                                      args["step"], settings, check_mode=self._play_context.check_mode)
        except (scheduler.LocalRuntimeError, OSError, http.client.HTTPException) as e:
            result.update(failed=True, msg=str(e))
            return result
        result.update(done)
        return result
