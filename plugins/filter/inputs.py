# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that check role inputs against the roles' own argument specs, before any AWS call.

Ansible's role argument validation accepts a string for an option of type ``dict`` or ``list``
when it can convert it (``-e 'task_web_environment={"A":"b"}'``, ``-e 'x=a,b'``), but the variable
the role then reads is still the string: templating it later crashes far from the cause. These
filters find such values so the role can refuse them with the form to write.
"""

from __future__ import annotations

import json

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

# The option types whose values a command-line key=value can only give as a string.
_CONTAINER_TYPES = {"dict": dict, "list": list}


def _example(name, expected, value):
    """The ``-e`` form that gives ``name`` the declared type, using ``value`` when it parses as one."""
    parsed = None
    try:
        parsed = json.loads(value)
    except ValueError:
        if expected == "list" and value.strip():
            parsed = [part.strip() for part in value.split(",")]
    if not isinstance(parsed, _CONTAINER_TYPES[expected]):
        parsed = {"KEY": "VALUE"} if expected == "dict" else ["ITEM"]
    return "-e '" + json.dumps({name: parsed}) + "'"


def argument_string_errors(values, options):
    """Return one sentence per dict- or list-typed option whose value is a string.

    ``values`` maps variable names to their current values (a missing name is not checked);
    ``options`` is an argument spec's ``options`` mapping (name -> {type: ...}).
    """
    if not isinstance(values, dict) or not isinstance(options, dict):
        raise AnsibleFilterError("argument_string_errors expects a dict of values and an argument spec's options dict")
    errors = []
    for name in sorted(options):
        expected = (options[name] or {}).get("type")
        value = values.get(name)
        if expected not in _CONTAINER_TYPES or not isinstance(value, string_types):
            continue
        errors.append(
            f"{name} must be a {expected} but was given as the string {value!r} (a key=value -e always gives a string);"
            f" pass it as JSON instead, for example {_example(name, expected, value)}, or in a vars file with -e @FILE."
        )
    return errors


class FilterModule:
    """Input checks against argument specs."""

    def filters(self):
        return {"argument_string_errors": argument_string_errors}
