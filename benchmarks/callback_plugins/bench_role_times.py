# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark helper (not part of the collection): the wall time spent in each role, written as JSON.

benchmarks/deploy_bench.py enables it with ANSIBLE_CALLBACK_PLUGINS=benchmarks/callback_plugins,
ANSIBLE_CALLBACKS_ENABLED=bench_role_times and BENCH_ROLE_TIMES=<file>. A task's time runs from its
start to the next task's start (or the end of the run) and counts for the role of the play's role
list it runs under (include_role and dependencies count for the outer role), summed over the run.

With BENCH_RECORDING=<moto recorder file> (the emulator's MOTO_RECORDER_FILEPATH, which moto appends one
line to per request) it also writes, to BENCH_ROLE_REQUESTS=<file>, the requests each role and each task
sent: the lines the recording grew by between a task's start and the next task's start, not counting requests to
the emulator's own API (/moto-api/, e.g. the emulator role's probe), which AWS has not.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.parse
from pathlib import Path

from ansible.plugins.callback import CallbackBase

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from moto_emulator import is_moto_api  # noqa: E402  pylint: disable=wrong-import-position

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
        self._recording = os.environ.get("BENCH_RECORDING")
        self._requests = {}
        self._task_requests = {}
        self._task = None
        self._offset = self._size()

    def _size(self):
        try:
            return os.path.getsize(self._recording) if self._recording else 0
        except FileNotFoundError:
            return 0

    def _sent(self):
        """The AWS requests recorded since the last call: the complete lines appended after the offset read so far
        (only those are parsed, so the cost per task does not grow with the recording)."""
        try:
            with open(self._recording, "rb") as f:
                f.seek(self._offset)
                new = f.read()
        except FileNotFoundError:
            return 0
        complete = new[:new.rfind(b"\n") + 1]
        self._offset += len(complete)
        return sum(1 for line in complete.splitlines()
                   if line.strip() and not is_moto_api(urllib.parse.urlparse(json.loads(line)["url"]).path))

    def _close(self):
        if self._current is not None:
            self._times[self._current] = self._times.get(self._current, 0.0) + time.monotonic() - self._since
            if self._recording:
                sent = self._sent()
                self._requests[self._current] = self._requests.get(self._current, 0) + sent
                if sent:
                    key = f"{self._current}: {self._task}"
                    self._task_requests[key] = self._task_requests.get(key, 0) + sent
        self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self._current, self._since = _outer_role(task), time.monotonic()
        self._task = task.get_name()

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def v2_playbook_on_stats(self, stats):
        self._close()
        path = os.environ.get("BENCH_ROLE_TIMES")
        if path:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(self._times, f, indent=1, sort_keys=True)
        path = os.environ.get("BENCH_ROLE_REQUESTS")
        if path and self._recording:
            with open(path, "w", encoding="utf-8") as f:
                json.dump({"roles": self._requests, "tasks": self._task_requests}, f, indent=1, sort_keys=True)
