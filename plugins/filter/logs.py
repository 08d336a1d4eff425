# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the logs role: the request's checks before any AWS or engine call, and times.

The logic lives in plugins/module_utils/_logs.py, shared with the ecs_logs_info and
local_logs_info modules, so the role and the modules check a request the same way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.errors import AnsibleFilterError

from ansible_collections.fargate.microservice.plugins.module_utils import _logs


def logs_request_errors(request):
    """The request's errors, one sentence each naming the role variable (empty when it is fine).

    A ``since`` in the future is an error, so the modules (which check it too) never see one.
    """
    if not isinstance(request, dict):
        raise AnsibleFilterError("logs_request_errors expects a dict with lines, since, filter, task_id and follow.")
    return _logs.request_errors(request, now_ms=int(time.time() * 1000))


def logs_iso(timestamp_ms):
    """Epoch milliseconds -> ISO 8601 UTC time with milliseconds (what the modules' since option takes)."""
    try:
        return _logs.iso_ms(int(timestamp_ms))
    except (TypeError, ValueError):
        raise AnsibleFilterError("logs_iso expects epoch milliseconds, got %r." % (timestamp_ms,))


class FilterModule(object):
    def filters(self):
        return {
            "logs_request_errors": logs_request_errors,
            "logs_iso": logs_iso,
        }
