# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a role's input checks (its ``tasks/preflight.yml``) read, and a fingerprint of those values.

The preflight play runs every role's ``tasks/preflight.yml`` before the first AWS call; each role runs it again when it
starts, so that it still works alone. The second pass can be skipped only when it would check exactly what the first
one checked: the same values of every variable the checks read. ``referenced_names`` finds those variables in the
tasks themselves (every Jinja expression of the file: conditions, messages, task vars), so a check added to a
preflight.yml is covered without a list to keep in step; ``fingerprint`` hashes their values.

Ansible has no API for either (``jinja2.meta.find_undeclared_variables`` is Jinja's own and does the parsing); used by
the lookup plugin ``fargate.microservice.preflight_fingerprint``, unit-tested in
tests/unit/plugins/plugin_utils/test_preflight.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import warnings

import jinja2
import jinja2.meta

# Task keys whose strings are bare Jinja expressions (no braces).
CONDITIONAL_KEYS = frozenset(("when", "that", "failed_when", "changed_when", "until"))
# Names Jinja or Ansible provide as functions or per-run tokens, not inputs.
NOT_INPUTS = frozenset(("lookup", "query", "q", "now", "undef", "omit", "range", "dict", "lipsum", "cycler", "joiner",
                        "namespace", "item", "ansible_loop", "ansible_loop_var", "ansible_index_var"))
# Whole-inventory views: a check that reads one of these cannot be fingerprinted (no skip).
UNHASHABLE = frozenset(("hostvars", "groups", "vars", "play_hosts", "ansible_play_hosts", "ansible_play_batch"))


class _AnyName(dict):
    """Filters and tests by any name: Jinja's code generator, which finds the names, refuses unknown filters (the
    collection's and Ansible's are not loaded here, and only the names matter)."""

    def __contains__(self, key):
        return True

    def get(self, key, default=None):
        return dict.get(self, key, _any)


def _any(*args, **kwargs):
    """The stand-in of a filter or test Jinja's code generator asks for; never called (nothing is rendered)."""
    return None


_ENV = jinja2.Environment()
_ENV.filters = _AnyName(_ENV.filters)
_ENV.tests = _AnyName(_ENV.tests)


def _names_in(text, bare):
    """The undeclared names of one Jinja string; a string with no template in it reads nothing."""
    if not isinstance(text, str):
        return set()
    if bare:
        text = "{{ (%s) }}" % text
    elif "{{" not in text and "{%" not in text:
        return set()
    with warnings.catch_warnings():
        # Jinja's lexer warns of a regex's backslash in a string literal ('\\s'), as it does for Ansible: not ours.
        warnings.simplefilter("ignore", DeprecationWarning)
        return set(jinja2.meta.find_undeclared_variables(_ENV.parse(text)))


def _walk(value, bare, names):
    if isinstance(value, dict):
        for key, item in value.items():
            _walk(item, bare or key in CONDITIONAL_KEYS, names)
    elif isinstance(value, list):
        for item in value:
            _walk(item, bare, names)
    else:
        names |= _names_in(value, bare)


def referenced_names(tasks):
    """The variables a list of tasks (a parsed tasks file, blocks included) reads, sorted: every name its Jinja
    expressions use, less Jinja's functions and, in each task, the names local to it (its own ``vars``, its loop
    variable, and those of the blocks around it). The names each task registers are kept: a later task reading one
    reads the registered result, itself an input to compare."""
    names = set()

    def visit(task_list, outer):
        for task in task_list or []:
            if not isinstance(task, dict):
                continue
            task_vars = task.get("vars") or {}
            local = set(outer) | set(task_vars)
            loop_var = (task.get("loop_control") or {}).get("loop_var")
            if loop_var:
                local.add(loop_var)
            for section in ("block", "rescue", "always"):
                if section in task:
                    visit(task[section], local)
            found = set()
            for key, value in task.items():
                if key in ("block", "rescue", "always", "name"):
                    continue
                _walk(value if key != "vars" else list(task_vars.values()), key in CONDITIONAL_KEYS, found)
            names.update(found - local)

    visit(tasks, ())
    return sorted(names - NOT_INPUTS)


def fingerprint(values):
    """A SHA-1 of ``values`` (variable name -> its templated value), or ``None`` when one of them cannot be
    compared: a whole-inventory view, or a value JSON cannot write (then the checks always run again)."""
    if UNHASHABLE & set(values):
        return None
    try:
        text = json.dumps(values, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
