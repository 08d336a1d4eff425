# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filters through which the local_runtime role's YAML reads the local scheduler's plan.

Thin: the planning lives in plugins/plugin_utils/_local_runtime.py (private, shared with the role's
local_runtime_step action and the supervisor), which raises LocalRuntimeError; here that becomes
AnsibleFilterError. How a task is started (its containers' and infra container's parameters) is not a
filter any more: the step runner computes it (plugins/plugin_utils/_local_scheduler.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

from ansible.errors import AnsibleFilterError

from ansible_collections.fargate.microservice.plugins.plugin_utils import _local_runtime


def _filter(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except _local_runtime.LocalRuntimeError as e:
            raise AnsibleFilterError(str(e)) from e
    return wrapper


class FilterModule(object):
    def filters(self):
        return dict((name, _filter(getattr(_local_runtime, name))) for name in (
            "local_runtime_tasks", "local_runtime_plan", "local_runtime_stop_order", "local_runtime_discovery_names"))
