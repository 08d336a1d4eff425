# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX survey generator (module_utils/_awx_survey.py), the objects playbooks/awx.yml builds, and
both checked against AWX's own survey-spec and credential-injector rules (awx_rules.py cites them)."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_collections.fargate.microservice.plugins.module_utils._awx_survey import (
    SurveyError, find_option, plain_text, question_from_option, survey_spec, workflow_nodes)

sys.path.insert(0, os.path.dirname(__file__))
import awx_rules  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")


def role_specs(root=ROOT):
    return {p.split(os.sep)[-3]: yaml.safe_load(open(p)) for p in glob.glob(os.path.join(root, "roles", "*", "meta", "argument_specs.yml"))}


SPECS = {"r": {"argument_specs": {"main": {"options": {
    "r_name": {"type": "str", "default": "countweb", "description": ["Name of C(D).", "See O(r_mode=x)."]},
    "r_mode": {"type": "str", "choices": ["single", "per_az", "none"], "default": "single", "description": "Mode."},
    "r_count": {"type": "int", "default": 2},
    "r_ratio": {"type": "float", "default": 60},
    "r_flag": {"type": "bool", "default": False},
    "r_secret": {"type": "str", "no_log": True, "required": True},
    "r_zones": {"type": "list", "elements": "str", "choices": ["a", "b", "c"], "default": ["a", "b"]},
    "r_cidrs": {"type": "list", "elements": "str", "default": ["10.0.0.0/8"]},
    "r_tags": {"type": "dict", "default": {}},
    "r_computed": {"type": "str", "default": "{{ r_name }}-x"},
    "r_size": {"type": "int", "choices": [256, 512], "default": 256},
}}}}}


@pytest.mark.parametrize("variable, expected", [
    ("r_name", {"type": "text", "default": "countweb", "required": False, "question_description": "Name of D. See r_mode=x."}),
    ("r_mode", {"type": "multiplechoice", "choices": ["single", "per_az", "none"], "default": "single"}),
    ("r_count", {"type": "integer", "default": 2}),
    ("r_ratio", {"type": "float", "default": 60.0}),
    ("r_flag", {"type": "multiplechoice", "choices": ["true", "false"], "default": "false"}),
    ("r_secret", {"type": "password", "required": True}),
    ("r_zones", {"type": "multiselect", "choices": ["a", "b", "c"], "default": "a\nb"}),
    ("r_computed", {"type": "text"}),
    ("r_size", {"type": "multiplechoice", "choices": ["256", "512"], "default": "256"}),
])
def test_question_types_follow_the_argument_spec(variable, expected):
    question = survey_spec("t", [variable], SPECS)["spec"][0]
    assert question["variable"] == variable and question["question_name"] == variable
    for key, value in expected.items():
        assert question[key] == value, key
    if variable in ("r_secret", "r_computed"):
        assert "default" not in question  # no default: a password's, or a Jinja expression the role computes
    assert awx_rules.survey_spec_errors(survey_spec("t", [variable], SPECS)) == []


@pytest.mark.parametrize("items, message", [
    (["r_nope"], "asks for 'r_nope', which no role's meta/argument_specs.yml declares"),
    (["r_tags"], "'r_tags' is a dict"),
    (["r_cidrs"], "'r_cidrs' is a list of str without choices"),
    (["r_name", "r_name"], "lists 'r_name' twice"),
    ([{"variable": "r_count", "min": 3}], "default of 'r_count' (2) is outside min 3"),
    ([{"variable": "r_name", "max": 3}], "length of the default of 'r_name' (8) is outside"),
    ([{"variable": "r_count", "min": 1.5}], "min of 'r_count' must be an integer"),
    ([{"variable": "r_count", "min": 5, "max": 1, "default": None}], "min 5 of 'r_count' is above its max 1"),
    ([{"variable": "r_mode", "default": "other"}], "default 'other' of 'r_mode' is not one of its choices"),
    ([{"variable": "r_secret", "default": "x"}], "password question; give no default"),
    ([{"variable": "r_name", "label": "x"}], "unknown keys ['label']"),
    (["awx_thing"], "reserves for its own job variables"),
    (["not a name"], "is not a valid Ansible variable name"),
    ([{"variable": "confirm", "from_playbook": "p.yml", "type": "text"}], "give it a type"),
    ([{"variable": "confirm", "from_playbook": "p.yml", "type": "bogus", "question_description": "d"}], "give it a type"),
])
def test_survey_errors_name_the_template_and_variable(items, message):
    with pytest.raises(SurveyError) as exc:
        survey_spec("my template", items, SPECS)
    assert message in str(exc.value) and "'my template'" in str(exc.value)


def test_overrides_and_questions_a_playbook_reads():
    spec = survey_spec("t", [{"variable": "r_count", "min": 1, "max": 9, "required": True},
                             {"variable": "confirm", "from_playbook": "p.yml", "type": "text", "question_description": "Type it."},
                             "r_name", {"variable": "r_mode", "default": None}],
                       SPECS, overrides={"r_name": {"min": 1, "max": 20}, "r_count": {"max": 5}})
    by_var = {q["variable"]: q for q in spec["spec"]}
    assert by_var["r_count"] | {} == {**by_var["r_count"], "min": 1, "max": 9, "required": True}  # the item's keys win
    assert by_var["r_name"]["min"] == 1 and by_var["r_name"]["max"] == 20
    assert by_var["confirm"] == {"variable": "confirm", "type": "text", "question_description": "Type it.",
                                 "question_name": "confirm", "required": False}
    assert "default" not in by_var["r_mode"]
    assert awx_rules.survey_spec_errors(spec) == []
    assert survey_spec("t", [], SPECS) == {}


def test_find_option_plain_text_and_question_from_option():
    assert find_option("r_mode", SPECS)[0] == "r"
    assert find_option("missing", SPECS) == (None, None)
    assert plain_text(["A C(b) and L(docs, https://x) and O(c=d)."]) == "A b and docs and c=d."
    assert question_from_option("t", "x", {"type": "path", "default": "/a"})["type"] == "text"


def test_workflow_nodes_leave_out_missing_templates_and_their_links():
    nodes = [{"identifier": "a", "template": "one", "success": ["b"]},
             {"identifier": "b", "template": "two", "failure": ["c"]},
             {"identifier": "c", "template": "gone"}]
    got = workflow_nodes(nodes, {"one": "P one", "two": "P two"}, "Org")
    assert [n["identifier"] for n in got] == ["a", "b"]
    assert got[0]["related"] == {"success_nodes": [{"identifier": "b"}]}
    assert got[1]["related"] == {}
    assert got[0]["unified_job_template"] == {"name": "P one", "type": "job_template", "organization": {"name": "Org"}}
    with pytest.raises(SurveyError):
        workflow_nodes(nodes[:1] * 2, {"one": "P one"}, "Org")


# The rule checker itself must fail on what AWX refuses (else the tests below prove nothing).
@pytest.mark.parametrize("question", [
    {"type": "dropdown", "question_name": "q", "variable": "v", "required": False},
    {"type": "text", "question_name": "q", "variable": "v"},
    {"type": "text", "question_name": "q", "variable": "v", "required": "no"},
    {"type": "integer", "question_name": "q", "variable": "v", "required": False, "default": "2"},
    {"type": "integer", "question_name": "q", "variable": "v", "required": False, "default": 1, "min": 2},
    {"type": "integer", "question_name": "q", "variable": "v", "required": False, "min": 1.5},
    {"type": "text", "question_name": "q", "variable": "v", "required": False, "default": "abc", "max": 2},
    {"type": "multiplechoice", "question_name": "q", "variable": "v", "required": False},
    {"type": "multiplechoice", "question_name": "q", "variable": "v", "required": False, "choices": ["a"], "default": "b"},
    {"type": "multiplechoice", "question_name": "q", "variable": "v", "required": False, "choices": ["a", "b"], "default": "a\nb"},
    {"type": "multiselect", "question_name": "q", "variable": "v", "required": False, "choices": ["a"], "default": ["a"]},
    {"type": "text", "question_name": "q", "variable": "v", "required": False, "default": "$encrypted$"},
    {"type": "text", "question_name": "q", "variable": "awx_job_id", "required": False},
    {"type": "text", "question_name": "q", "variable": "two words", "required": False},
])
def test_rule_checker_rejects_what_awx_refuses(question):
    assert awx_rules.survey_spec_errors({"name": "n", "description": "d", "spec": [question]})


def test_rule_checker_rejects_bad_injectors():
    inputs = {"fields": [{"id": "host", "label": "h", "type": "string"}]}
    assert awx_rules.injector_errors(inputs, {"env": {"PATH": "{{ host }}"}})
    assert awx_rules.injector_errors(inputs, {"env": {"ANSIBLE_X": "{{ host }}"}})
    assert awx_rules.injector_errors(inputs, {"env": {"X": "{{ nohost }}"}})
    assert awx_rules.injector_errors(inputs, {"file": {"template": "a", "template.b": "b"}})
    assert awx_rules.injector_errors(inputs, {"file": {"template.a": "{{ host }}"}, "env": {"X": "{{ tower.filename.b }}"}})
    assert awx_rules.injector_errors(inputs, {"file": {"template.a": "x"}, "env": {"X": "{{ tower.filename.a }}"}}) == []


def render(tmp_path, root=ROOT):
    out = tmp_path / "objects.json"
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(root, "ansible.cfg"), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"))
    proc = subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), "-i", "localhost,", os.path.join(root, "playbooks", "awx.yml"),
                           "-e", f"awx_render_path={out}"], cwd=root, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def objects(tmp_path_factory):
    return render(tmp_path_factory.mktemp("awx"))


def test_every_generated_survey_follows_awx_rules(objects):
    keys = [t["key"] for t in objects["job_templates"]]
    assert {"deploy", "network", "registry", "image_build", "ecs_cluster", "task", "alb", "service", "verify",
            "rollback", "teardown"} <= set(keys)
    for template in objects["job_templates"] + [{"key": "workflow", "survey_spec": objects["workflow"]["survey_spec"],
                                                 "survey_enabled": True, "extra_vars": {}}]:
        spec = template["survey_spec"]
        assert template["survey_enabled"] is bool(spec)
        assert awx_rules.survey_spec_errors(spec) == [], template["key"]
        # Every question is an option of some role (or, marked, read by a playbook), with the role's default.
        for q in spec["spec"]:
            role, option = find_option(q["variable"], role_specs())
            if q["variable"] == "microservice_teardown_confirm":
                assert option is None and q["required"] and "default" not in q
                continue
            assert option is not None, q["variable"]
            if "default" in q and q["type"] == "integer":
                assert q["default"] == option["default"], q["variable"]
            if "default" in q and q["type"] == "text":
                # AWX answers a text question with a string: a raw option's default 0 is asked as "0".
                assert q["default"] == str(option["default"]), q["variable"]


def test_job_templates_point_at_the_project(objects):
    for t in objects["job_templates"]:
        assert os.path.isfile(os.path.join(ROOT, t["playbook"])), t
        assert t["credentials"][0] == "AWS"
    by_key = {t["key"]: t for t in objects["job_templates"]}
    assert by_key["deploy"]["skip_tags"] == "image_build,verify" and by_key["deploy"]["playbook"] == "site.yml"
    for tag in ("network", "registry", "image_build", "ecs_cluster", "task", "alb", "service"):
        assert by_key[tag]["job_tags"] == tag
    assert [t["key"] for t in objects["job_templates"] if t["container_engine"]] == ["image_build"]
    teardown = {q["variable"]: q for q in by_key["teardown"]["survey_spec"]["spec"]}
    assert teardown["microservice_teardown_confirm"]["required"] is True
    rollback = {q["variable"]: q for q in by_key["rollback"]["survey_spec"]["spec"]}
    if not os.path.isfile(os.path.join(ROOT, "playbooks", "rollback.yml")):
        assert by_key["rollback"]["job_tags"] == "service" and rollback["service_task_revision"]["required"] is True


def test_credential_type_follows_awx_injector_rules(objects):
    ctype = objects["credential_type"]
    assert ctype["name"] == "Container engine"
    assert awx_rules.injector_errors(ctype["inputs"], ctype["injectors"]) == []
    assert set(ctype["injectors"]["env"]) >= {"DOCKER_HOST", "DOCKER_TLS_VERIFY"}
    assert [f["id"] for f in ctype["inputs"]["fields"] if f.get("secret")] == ["tls_key"]


@pytest.mark.parametrize("credential, verify", [
    ({"docker_host": "unix:///run/podman/podman.sock"}, False),
    ({"docker_host": "tcp://engine.example.com:2376", "tls_ca": "CA PEM\n", "tls_cert": "CERT PEM\n", "tls_key": "KEY PEM\n"}, True),
    ({"docker_host": "tcp://engine.example.com:2376", "tls_ca": "CA PEM\n"}, True),
], ids=["unix-no-tls", "tcp-tls", "tcp-tls-server-verification-only"])
def test_container_engine_credential_injects_what_the_roles_read(objects, tmp_path, credential, verify):
    """AWX's injection of a Container engine credential gives the variables image_build's defaults read."""
    from ansible.module_utils.parsing.convert_bool import boolean

    ctype = objects["credential_type"]
    (tmp_path / "env").mkdir()
    env, files = awx_rules.inject_credential(ctype["inputs"], ctype["injectors"], credential, str(tmp_path))
    assert env["DOCKER_HOST"] == credential["docker_host"]
    # community.docker reads DOCKER_TLS_VERIFY as a strict boolean (an empty value fails every module).
    assert boolean(env["DOCKER_TLS_VERIFY"], strict=True) is verify
    for name, pem in (("CA_CERT", "tls_ca"), ("CLIENT_CERT", "tls_cert"), ("CLIENT_KEY", "tls_key")):
        path = env["DOCKER_TLS_" + name]
        if not credential.get(pem):
            # AWX writes the file anyway (empty); its path is not injected, so the roles show no
            # client certificate (server verification only) rather than an empty one.
            assert path == "", name
            continue
        assert path in files.values() and os.path.dirname(path) == str(tmp_path / "env")
        assert open(path).read() == credential[pem]
        assert os.stat(path).st_mode & 0o777 == 0o600
    defaults = yaml.safe_load(open(os.path.join(ROOT, "roles/image_build/defaults/main.yml")))
    for var, name in (("image_build_tls_ca_cert", "DOCKER_TLS_CA_CERT"), ("image_build_tls_client_cert", "DOCKER_TLS_CLIENT_CERT"),
                      ("image_build_tls_client_key", "DOCKER_TLS_CLIENT_KEY"), ("image_build_tls_verify", "DOCKER_TLS_VERIFY"),
                      ("image_build_docker_host", "DOCKER_HOST")):
        assert f"lookup('ansible.builtin.env', '{name}')" in defaults[var], var


def test_workflow_builds_deploys_verifies(objects):
    nodes = {n["identifier"]: n for n in objects["workflow"]["nodes"]}
    names = {t["name"] for t in objects["job_templates"]}
    assert all(n["unified_job_template"]["name"] in names for n in nodes.values())
    assert nodes["build-images"]["related"]["success_nodes"] == [{"identifier": "deploy"}]
    assert nodes["deploy"]["related"]["success_nodes"] == [{"identifier": "verify"}]


def test_new_playbooks_bring_their_templates_and_the_rollback_node(tmp_path):
    """The day-two playbooks bring their templates and the workflow's rollback node; a project without logs.yml has no logs template."""
    root = tmp_path / "project"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        if f.startswith("collections/") or not os.path.isfile(os.path.join(ROOT, f)):
            continue
        os.makedirs(root / os.path.dirname(f), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, f), root / f)
    os.makedirs(root / "collections" / "ansible_collections" / "fargate")
    os.symlink(root, root / "collections" / "ansible_collections" / "fargate" / "microservice")
    # A project copy without playbooks/logs.yml (as before the logs playbook existed): no logs template.
    os.remove(root / "playbooks" / "logs.yml")
    objects = render(tmp_path, str(root))
    by_key = {t["key"]: t for t in objects["job_templates"]}
    assert by_key["status"]["playbook"] == "playbooks/status.yml" and "logs" not in by_key
    status = {q["variable"]: q for q in by_key["status"]["survey_spec"]["spec"]}
    assert status["status_format"]["type"] == "multiplechoice" and status["status_format"]["choices"] == ["text", "json", "short"]
    assert by_key["rollback"]["playbook"] == "playbooks/rollback.yml" and by_key["rollback"]["job_tags"] == ""
    rollback = {q["variable"]: q for q in by_key["rollback"]["survey_spec"]["spec"]}
    assert rollback["rollback_revision"]["default"] == 0
    for t in objects["job_templates"]:
        assert awx_rules.survey_spec_errors(t["survey_spec"]) == [], t["key"]
    nodes = {n["identifier"]: n for n in objects["workflow"]["nodes"]}
    assert nodes["verify"]["related"] == {"failure_nodes": [{"identifier": "rollback"}]}


# The roles that read microservice_topology (what they create or the task family they look at), and
# the templates that run them; teardown removes both topologies' resources and does not ask.
TOPOLOGY_TEMPLATES = ("deploy", "task", "service", "status", "rollback")


def test_microservice_topology_is_asked_where_it_matters(objects):
    """Its question follows the argument specs (every role declaring it agrees) and AWX's rules."""
    declared = {role: spec["argument_specs"]["main"]["options"]["microservice_topology"] for role, spec in role_specs().items()
                if "microservice_topology" in ((spec.get("argument_specs") or {}).get("main") or {}).get("options", {})}
    assert {"cloud_map", "preflight", "task", "service"} <= set(declared)
    assert {(o["type"], tuple(o["choices"]), o["default"]) for o in declared.values()} == {("str", ("sidecar", "service_discovery"), "sidecar")}
    by_key = {t["key"]: t for t in objects["job_templates"]}
    surveys = {key: by_key[key]["survey_spec"] for key in TOPOLOGY_TEMPLATES}
    surveys["workflow"] = objects["workflow"]["survey_spec"]
    for key, spec in surveys.items():
        questions = {q["variable"]: q for q in spec["spec"]}
        assert "microservice_topology" in questions, key
        q = questions["microservice_topology"]
        assert (q["type"], q["choices"], q["default"], q["required"]) == ("multiplechoice", ["sidecar", "service_discovery"], "sidecar", False), key
        assert "Redis" in q["question_description"], key
        assert awx_rules.survey_spec_errors(spec) == [], key
        # AWX refuses an answer outside the choices, and takes each one of them.
        assert awx_rules.element_errors(q, {"microservice_topology": "mesh"}), key
        for answer in q["choices"]:
            assert awx_rules.element_errors(q, {"microservice_topology": answer}) == [], (key, answer)
    asked = {t["key"] for t in objects["job_templates"] if any(q["variable"] == "microservice_topology" for q in t["survey_spec"].get("spec", []))}
    assert asked == set(TOPOLOGY_TEMPLATES), asked
