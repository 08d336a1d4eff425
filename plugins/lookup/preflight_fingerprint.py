# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: preflight_fingerprint
author:
  - fargate.microservice developers (@fargate-microservice)
version_added: 0.1.0
short_description: A fingerprint of every value a role's input checks read
description:
  - Reads the role's C(tasks/preflight.yml) (of the role whose task asks, through C(role_path)), finds every variable
    its Jinja expressions read (conditions, messages, task vars; not the tasks' own C(vars)) and returns a SHA-1 of
    their current values.
  - The preflight play runs each role's checks with the role's values and records this fingerprint (the success
    message of the checks' last assert, registered). When the role starts, it runs its checks again only when the
    fingerprint differs, that is when some value they read is not the one already checked (role parameters, play vars,
    other roles' defaults). A role run alone, without the preflight play, always checks itself.
  - Returns an empty string when the values cannot be compared (a check that reads C(hostvars) or C(groups), a value
    that is not plain data, a template that fails here); the checks run again then. Ansible has no lookup for this;
    the parsing is Jinja's own (C(jinja2.meta.find_undeclared_variables)).
options:
  _terms:
    description: The tasks file to read, relative to the role's C(tasks/) directory.
    required: false
    type: list
    elements: str
    default: [preflight.yml]
notes:
  - What the checks read from disk (a file that a path variable names) is not in the fingerprint, only the variable;
    the two passes run seconds apart in one run.
"""

EXAMPLES = r"""
# The role's main.yml: skip the second pass of the checks.
- name: Check the alb variables
  ansible.builtin.include_tasks: preflight.yml
  when: __alb_preflight.msg | default('') != lookup('fargate.microservice.preflight_fingerprint')

# The last assert of its tasks/preflight.yml records what it checked.
- name: Check the alb variables
  ansible.builtin.assert:
    that: __alb_errors | length == 0
    fail_msg: "{{ __alb_errors | join(' ') }}"
    success_msg: "{{ lookup('fargate.microservice.preflight_fingerprint') }}"
    quiet: true
  register: __alb_preflight
"""

RETURN = r"""
_raw:
  description: The SHA-1 (40 hex digits), or an empty string when the values cannot be compared.
  type: list
  elements: str
"""

import os

import yaml

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

from ansible_collections.fargate.microservice.plugins.plugin_utils._preflight import fingerprint, referenced_names

_UNDEFINED = "\0undefined"


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        variables = variables or {}
        role_path = self._templar.template(variables.get("role_path"))
        if not role_path:
            raise AnsibleError("fargate.microservice.preflight_fingerprint must be used in a role's task (no role_path).")
        out = []
        for term in terms or ["preflight.yml"]:
            path = os.path.join(str(role_path), "tasks", str(term))
            try:
                with open(path, encoding="utf-8") as handle:
                    names = referenced_names(yaml.safe_load(handle) or [])
            except (OSError, yaml.YAMLError) as exc:
                raise AnsibleError(f"fargate.microservice.preflight_fingerprint cannot read {path}: {exc}") from exc
            values = {}
            try:
                for name in names:
                    values[name] = self._templar.template(variables[name]) if name in variables else _UNDEFINED
            except Exception:  # pylint: disable=broad-exception-caught
                # A value that does not template here (it needs a task's own vars): no fingerprint, the checks run.
                out.append("")
                continue
            out.append(fingerprint(values) or "")
        return out
