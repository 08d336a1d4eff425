# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The roles' second preflight pass: what a preflight.yml reads (plugins/plugin_utils/_preflight.py), the fingerprint
lookup over real Ansible templating (plugins/lookup/preflight_fingerprint.py), and the wiring in every role that
skips its second pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.fargate.microservice.plugins.lookup.preflight_fingerprint import LookupModule
from ansible_collections.fargate.microservice.plugins.plugin_utils import _preflight as pf

ROOT = Path(__file__).resolve().parents[4]

TASKS = [
    {"name": "Check the ports",
     "ansible.builtin.assert": {
         "that": "__errors | length == 0",
         "fail_msg": "{{ __errors | join(' ') }}",
         "quiet": True},
     "vars": {"__errors": "{{ [[x_port | int < 65536, 'x_port ' ~ x_port]] | rejectattr(0) | map(attribute=1) | list"
                          " + (x_name | fargate.microservice.deployment_name_error) }}"}},
    {"name": "Check the file",
     "ansible.builtin.stat": {"path": "{{ x_path }}"},
     "register": "__x_stat",
     "when": "x_state == 'present'"},
    {"name": "Check a list",
     "block": [{"name": "inner",
                "ansible.builtin.assert": {"that": ["item in x_allowed", "__x_stat.stat.exists or other_roles_value | default(0) > 1"]},
                "loop": "{{ x_items }}"}]},
    {"name": "A literal", "ansible.builtin.debug": {"msg": "x_not_a_template"}},
]


def test_referenced_names_are_the_inputs_the_checks_read():
    names = pf.referenced_names(TASKS)
    # Task vars (__errors), loop variables (item) and Jinja's functions are not inputs; registered results are.
    assert names == sorted(["x_port", "x_name", "x_path", "x_state", "x_allowed", "__x_stat", "other_roles_value",
                            "x_items"])


def test_referenced_names_of_a_custom_loop_var_and_an_empty_file():
    tasks = [{"ansible.builtin.assert": {"that": "role_x in allowed"}, "loop": "{{ roles_list }}",
              "loop_control": {"loop_var": "role_x"}}]
    assert pf.referenced_names(tasks) == ["allowed", "roles_list"]
    assert pf.referenced_names([]) == []
    assert pf.referenced_names(None) == []


def test_a_name_local_to_one_task_is_an_input_of_another():
    tasks = [{"ansible.builtin.assert": {"that": "x_limit > 0"}, "vars": {"x_limit": 1}},
             {"ansible.builtin.assert": {"that": "x_limit < 10"}},
             {"block": [{"ansible.builtin.assert": {"that": "x_inner and x_outer"}}], "vars": {"x_inner": True}}]
    # x_limit is the first task's own var, but the second reads the variable; the block's vars reach its tasks.
    assert pf.referenced_names(tasks) == ["x_limit", "x_outer"]


def test_fingerprint_is_of_the_values():
    one = pf.fingerprint({"a": 1, "b": {"c": [1, 2]}})
    assert re.fullmatch(r"[0-9a-f]{40}", one)
    assert pf.fingerprint({"b": {"c": [1, 2]}, "a": 1}) == one
    assert pf.fingerprint({"a": 1, "b": {"c": [2, 1]}}) != one
    assert pf.fingerprint({"a": "1", "b": {"c": [1, 2]}}) != one


def test_no_fingerprint_for_what_cannot_be_compared():
    assert pf.fingerprint({"hostvars": {}}) is None
    assert pf.fingerprint({"a": object()}) is None


@pytest.fixture(name="role")
def role_fixture(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "preflight.yml").write_text(yaml.safe_dump(TASKS[:2]))
    return tmp_path


def run_lookup(role, **variables):
    variables = {"role_path": str(role), **variables}
    templar = Templar(loader=DataLoader(), variables=variables)
    return LookupModule(loader=DataLoader(), templar=templar).run([], variables=variables)[0]


def test_lookup_fingerprints_the_templated_values(role):
    base = {"x_port": 80, "x_name": "demo", "x_path": "/bin/sh", "x_state": "present"}
    first = run_lookup(role, **base)
    assert re.fullmatch(r"[0-9a-f]{40}", first)
    # A value given as a template counts as what it templates to; an unread variable does not count.
    assert run_lookup(role, **{**base, "x_port": trust_as_template("{{ 40 * 2 }}"), "unread": 1}) == first
    assert run_lookup(role, **{**base, "x_port": 81}) != first
    # An undefined input is compared as undefined.
    assert run_lookup(role, **{k: v for k, v in base.items() if k != "x_path"}) not in ("", first)


def test_lookup_gives_nothing_to_compare_when_a_value_does_not_template(role):
    assert run_lookup(role, x_port=trust_as_template("{{ undefined_here + 1 }}"), x_name="d", x_path="/", x_state="x") == ""


def test_lookup_outside_a_role_is_an_error(role):
    templar = Templar(loader=DataLoader(), variables={})
    with pytest.raises(Exception, match="role_path"):
        LookupModule(loader=DataLoader(), templar=templar).run([], variables={})


SKIPPING = sorted(p.parent.parent.name for p in ROOT.glob("roles/*/tasks/main.yml")
                  if "preflight_fingerprint" in p.read_text())


def test_the_roles_of_site_and_teardown_skip_their_second_pass():
    assert set(SKIPPING) >= {"network", "registry", "image_build", "ecs_cluster", "cloud_map", "task", "alb", "service",
                             "local_alb", "local_runtime", "verify", "aws_account"}


@pytest.mark.parametrize("role", SKIPPING)
def test_a_skipping_role_records_what_its_last_check_checked(role):
    """main.yml skips preflight.yml on the fingerprint that preflight.yml's last task registers under the same name:
    the last task is an assert (a passed run of every check before it), unconditional, whose success message is the
    fingerprint; and the checks read the role's own variables."""
    main = yaml.safe_load((ROOT / "roles" / role / "tasks" / "main.yml").read_text())
    include = next(t for t in main if t.get("ansible.builtin.include_tasks") == "preflight.yml")
    register = f"__{role}_preflight"
    assert include["when"] == f"{register}.msg | default('') != lookup('fargate.microservice.preflight_fingerprint')"
    checks = yaml.safe_load((ROOT / "roles" / role / "tasks" / "preflight.yml").read_text())
    last = checks[-1]
    assert "ansible.builtin.assert" in last and "when" not in last and last.get("register") == register
    assert last["ansible.builtin.assert"]["success_msg"] == "{{ lookup('fargate.microservice.preflight_fingerprint') }}"
    names = pf.referenced_names(checks)
    assert [n for n in names if n.startswith(role + "_") or n.startswith("microservice_")], names
    assert register not in names
