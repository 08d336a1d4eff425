# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The progress stdout callback (plugins/callback/progress.py).

Pure helpers are tested directly; the output is tested by running ansible-playbook on a small playbook
(fixtures/) with the repository's ansible.cfg, and once under ansible-runner (as AWX runs jobs), whose
events must all still be emitted. No emulator is needed; the runs take a few seconds each.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from ansible_collections.fargate.microservice.plugins.callback import progress

ROOT = Path(__file__).resolve().parents[4]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIN = Path(sys.executable).parent
PROGRESS = re.compile(r"\[\d+/\d+\] ")


def run_playbook(*args, env=None):
    environ = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_ROLES_PATH=str(FIXTURES / "roles"),
                   ANSIBLE_NOCOLOR="true", ANSIBLE_FORCE_COLOR="false")
    for key in ("ANSIBLE_STDOUT_CALLBACK", "FARGATE_MICROSERVICE_FULL_OUTPUT"):
        environ.pop(key, None)
    environ.update(env or {})
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "playbook.yml", *args],
                          cwd=FIXTURES, env=environ, capture_output=True, text=True, check=False, timeout=300)
    return proc


@pytest.fixture(scope="module")
def plain():
    proc = run_playbook()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.mark.parametrize("tags, only, skip, runs", [
    ([], [], [], True),
    (["alb"], ["alb"], [], True),
    (["network"], ["alb"], [], False),
    (["always"], ["alb"], [], True),
    ([], ["alb"], [], False),
    (["verify"], [], ["verify"], False),
    (["always"], [], ["all"], True),
    (["never"], ["all"], [], False),
    (["x"], ["tagged"], [], True),
])
def test_tags_select_follows_ansible(tags, only, skip, runs):
    assert progress.tags_select(tags, only, skip) is runs


DOC = {
    "deployment": "d1", "target": "aws", "url": "http://lb.example/home", "missing": [],
    "resources": {"load_balancer": [{"name": "d1-web-lb", "dns_name": "lb.example"}],
                  "vpc": [{"name": "d1-vpc", "id": "vpc-1", "cidr": "10.1.0.0/16"}]},
    "service": {"name": "web", "cluster": "d1", "exists": True, "task_definition": "d1-web-redis-task", "revision": 3,
                "image_tags": {"web": "w1", "redis": "r1"}, "running": 2, "desired": 2, "rollout_state": "COMPLETED"},
}


@pytest.mark.parametrize("doc, vpc, expected", [
    (DOC, None, ["  VPC            d1-vpc vpc-1 10.1.0.0/16", "  load balancer  d1-web-lb, DNS name lb.example",
                 "  cluster        d1", "  task def.      d1-web-redis-task (revision 3)", "  images         redis:r1, web:w1",
                 "  URL            http://lb.example/home"]),
    (DOC, {"name": "d1-vpc", "id": "vpc-2", "cidr": "10.2.0.0/16"}, ["  VPC            d1-vpc vpc-2 10.2.0.0/16"]),
    (dict(DOC, resources={}, url="", missing=[{"kind": "service", "name": "web"}],
          service={"name": "web", "cluster": "d1", "exists": False}),
     None, ["  load balancer  missing", "  service        web: missing", "  missing        1 resource(s) (make status shows which)",
            "  URL            (none yet: no load balancer)"]),
    (None, {"name": "d1-vpc", "id": "vpc-1", "cidr": "10.1.0.0/16"},
     ["Seen during this run", "  VPC            d1-vpc vpc-1 10.1.0.0/16"]),
    (None, None, []),
    (dict(DOC, target="local", tasks=[{"status": "RUNNING"}, {"status": "STOPPED"}]), None,
     ["  service        web: running 1 / desired 2, rollout COMPLETED"]),
    (DOC, None, ["  service        web: running 2 / desired 2, rollout COMPLETED"]),
])
def test_summary_lines(doc, vpc, expected):
    lines = progress.summary_lines(doc, vpc)
    for line in expected:
        assert line in lines
    if doc is None:
        assert lines == expected


@pytest.mark.parametrize("action, result, vpc", [
    ("fargate.microservice.deployment_info", {"resources": {"vpc": [{"name": "d-vpc", "id": "vpc-9", "cidr": "10.9.0.0/16"}]}},
     {"name": "d-vpc", "id": "vpc-9", "cidr": "10.9.0.0/16"}),
    ("fargate.microservice.deployment_info", {"resources": {"service": []}}, None),
    ("amazon.aws.ec2_vpc_net", {"vpc": {"id": "vpc-8", "cidr_block": "10.8.0.0/16", "tags": {"Name": "d-vpc"}}},
     {"name": "d-vpc", "id": "vpc-8", "cidr": "10.8.0.0/16"}),
    ("amazon.aws.ec2_vpc_net", {"changed": False}, None),
    ("amazon.aws.ec2_vpc_subnet", {"vpc": {"id": "vpc-7"}}, None),
])
def test_the_vpc_is_taken_from_discovery_and_ec2_vpc_net(action, result, vpc):
    callback = progress.CallbackModule()
    callback._capture(SimpleNamespace(task=SimpleNamespace(action=action, resolved_action=action), result=result))
    assert callback._vpc == vpc


def test_one_line_per_role_that_runs(plain):
    lines = plain.stdout.splitlines()
    # cb_skipped (when: false) prints nothing and, once all its tasks are skipped, leaves the count (4 roles planned, 3 ran);
    # cb_checks through include_role counts as cb_changes.
    assert [line for line in lines if PROGRESS.match(line)] == ["[1/4] cb_changes", "[2/3] cb_checks", "[3/3] cb_summary"]
    assert "this role never runs" not in plain.stdout
    assert "TASK [" not in plain.stdout.replace("TASK [cb_changes : Fail and go on]", "")
    assert "Leave a quiet task unprinted" not in plain.stdout


def test_changes_failures_messages_and_warnings_in_full(plain):
    out = plain.stdout
    assert "  changed: cb_changes : Change one thing" in out
    assert "  changed: cb_changes : Change the second of two items:\n    changed: (item=second-item)" in out
    assert "first-item" not in out
    assert "  a message for the user" in out
    # An ignored failure: the default callback's header, message and "...ignoring".
    assert "TASK [cb_changes : Fail and go on]" in out
    assert "a failure that is ignored" in out and "...ignoring" in out
    assert "a warning that is printed in full" in plain.stderr + out
    assert "localhost                  : ok=" in out and "changed=2" in out


def test_the_summary_replaces_the_status_short_form(plain):
    out = plain.stdout
    assert "Deployment hio-cb (local target)\n" in out
    assert "  load balancer  hio-cb-web-lb, DNS name hio-cb-web-lb-1.us-east-1.elb.amazonaws.com" in out
    assert "  task def.      hio-cb-web-redis-task (revision 7)" in out
    assert "  images         redis:src-5678ef90, web:src-1234abcd" in out
    assert "  URL            http://127.0.0.1:8680/home" in out
    # The status role's own short form (its debug) is not printed a second time.
    assert "Deployment hio-cb (local target): http://127.0.0.1:8680/home" not in out
    assert out.index("  URL ") < out.index("PLAY RECAP")


@pytest.mark.parametrize("args, env", [
    ([], {"FARGATE_MICROSERVICE_FULL_OUTPUT": "true"}),
    (["-v"], {}),
    ([], {"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default"}),
])
def test_the_switch_gives_back_the_default_output(args, env):
    proc = run_playbook(*args, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "TASK [cb_changes : Leave a quiet task unprinted]" in proc.stdout
    assert "PLAY [Make changes, skip a role and check]" in proc.stdout
    assert "[1/3] cb_changes" not in proc.stdout


def test_tags_count_only_the_roles_selected():
    proc = run_playbook("--tags", "checks")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [line for line in proc.stdout.splitlines() if PROGRESS.match(line)] == ["[1/1] cb_checks"]
    assert "Nothing changed." in proc.stdout


def test_ansible_runner_still_gets_every_event(tmp_path, monkeypatch):
    ansible_runner = pytest.importorskip("ansible_runner")
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    # ansible-runner passes this process's environment on: the switches back to the default output must not be in it
    monkeypatch.delenv("FARGATE_MICROSERVICE_FULL_OUTPUT", raising=False)
    monkeypatch.delenv("ANSIBLE_STDOUT_CALLBACK", raising=False)
    project = tmp_path / "project"
    shutil.copytree(FIXTURES, project)
    result = ansible_runner.run(
        private_data_dir=str(tmp_path), playbook="playbook.yml", inventory=f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}",
        envvars={"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_ROLES_PATH": str(project / "roles"),
                 "ANSIBLE_STDOUT_CALLBACK": "fargate.microservice.progress", "ANSIBLE_NOCOLOR": "true"},
        quiet=True)
    assert result.status == "successful", result.stdout.read()
    events = list(result.events)
    kinds = [e["event"] for e in events]
    for kind in ("playbook_on_start", "playbook_on_play_start", "playbook_on_task_start", "runner_on_ok",
                 "runner_on_skipped", "runner_item_on_ok", "runner_on_failed", "playbook_on_stats"):
        assert kind in kinds, (kind, sorted(set(kinds)))
    # One task-start event per task, as with the default callback, although the screen shows none.
    starts = [e["event_data"]["task"] for e in events if e["event"] == "playbook_on_task_start"]
    assert "Leave a quiet task unprinted" in starts
    stats = next(e for e in events if e["event"] == "playbook_on_stats")["event_data"]
    assert stats["changed"] == {"localhost": 2}
    stdout = "\n".join(e.get("stdout", "") for e in events)
    assert "[1/4] cb_changes" in stdout and "  URL            http://127.0.0.1:8680/home" in stdout
    assert json.loads(json.dumps(stats))  # the events are JSON, as AWX stores them
