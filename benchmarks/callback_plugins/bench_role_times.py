# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark helper (not part of the collection): the wall time spent in each role, written as JSON.

benchmarks/deploy_bench.py enables it with ANSIBLE_CALLBACK_PLUGINS=benchmarks/callback_plugins,
ANSIBLE_CALLBACKS_ENABLED=bench_role_times and BENCH_ROLE_TIMES=<file>. A task's time runs from its
start to the next task's start (or the end of the run) and counts for the role of the play's role
list it runs under (include_role and dependencies count for the outer role), summed over the run.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_role_times
type: aggregate
short_description: Seconds spent per role, as JSON in the file BENCH_ROLE_TIMES names
description: Benchmark helper of benchmarks/deploy_bench.py.
requirements:
  - enabled in configuration
"""


def _outer_role(task):
    outer, node = None, task
    while node is not None:
        role = getattr(node, "_role", None)
        if role is not None:
            chain = node.get_dep_chain() or [] if hasattr(node, "get_dep_chain") else []
            outer = chain[0] if chain else role
        node = getattr(node, "_parent", None)
    return outer.get_name(include_role_fqcn=False) if outer is not None else "(play)"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_role_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._times = {}
        self._current = None
        self._since = None

    def _close(self):
        if self._current is not None:
            self._times[self._current] = self._times.get(self._current, 0.0) + time.monotonic() - self._since
        self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self._current, self._since = _outer_role(task), time.monotonic()

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def v2_playbook_on_stats(self, stats):
        self._close()
        path = os.environ.get("BENCH_ROLE_TIMES")
        if path:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(self._times, f, indent=1, sort_keys=True)
