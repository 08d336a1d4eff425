# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the local_alb role (HAProxy mirroring the ALB's target group).

- ``local_alb_targets``: the engine's infra containers (/containers/json) -> the running tasks'
  targets [{id, port}], sorted by id (plugins/plugin_utils/_local_runtime.py, with the scheduler's planning).
- ``local_alb_status_regex``: an ALB matcher (``200``, ``200,302``, ``200-299``) -> the regular
  expression HAProxy's ``http-check expect rstatus`` needs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError

# Read by the container labels the local scheduler defines (once: module_utils/_local_labels.py).
from ansible_collections.fargate.microservice.plugins.plugin_utils._local_runtime import local_alb_targets


def local_alb_status_regex(matcher):
    """Translate an ALB health-check matcher into an anchored status regular expression."""
    codes = []
    for part in str(matcher if matcher not in (None, "") else "200").split(","):
        m = re.match(r"^\s*([1-5][0-9][0-9])\s*(?:-\s*([1-5][0-9][0-9])\s*)?$", part)
        if not m:
            raise AnsibleFilterError(
                "the target group's matcher %r is not a code, a list or a range of HTTP codes; fix it in the alb role." % matcher)
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if last < first:
            raise AnsibleFilterError("the target group's matcher range %r is reversed; fix it in the alb role." % part.strip())
        codes.extend(str(c) for c in range(first, last + 1) if str(c) not in codes)
    return "^(%s)$" % "|".join(codes)


class FilterModule(object):
    def filters(self):
        return {
            "local_alb_targets": local_alb_targets,
            "local_alb_status_regex": local_alb_status_regex,
        }
