# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""`ansible-builder create` on execution-environment.yml, and its build context checked: every
requirement present, pinned, and equal to constraints.txt (the versions the tests run with)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.path.join(ROOT, ".venv", "bin")


def constraints():
    pins = {}
    for line in open(os.path.join(ROOT, "constraints.txt")):
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def pinned_lines(path):
    lines = [ln.split("#", 1)[0].strip() for ln in open(path)]
    return [ln for ln in lines if ln]


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    ee = yaml.safe_load(open(os.path.join(ROOT, "execution-environment.yml")))
    tarball = os.path.join(ROOT, ee["additional_build_files"][0]["src"])
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force", "--output-path", os.path.dirname(tarball), ROOT],
                   cwd=ROOT, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    ctx = tmp_path_factory.mktemp("ee") / "context"
    proc = subprocess.run([os.path.join(BIN, "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", str(ctx)],
                          cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return ctx


def test_ansible_core_and_runner_are_pinned_as_in_constraints(context):
    refs = re.search(r'ARG ANSIBLE_INSTALL_REFS="([^"]+)"', (context / "Containerfile").read_text()).group(1).split()
    pins = constraints()
    assert sorted(r.split("==")[0] for r in refs) == ["ansible-core", "ansible-runner"]
    for ref in refs:
        name, version = ref.split("==")
        assert pins[name] == version, ref
    top = {ln.split("==")[0].lower(): ln.split("==")[1] for ln in pinned_lines(os.path.join(ROOT, "requirements.txt"))}
    assert top["ansible-runner"] == pins["ansible-runner"]


def test_python_requirements_are_present_pinned_and_match_constraints(context):
    lines = pinned_lines(context / "_build" / "requirements.txt")
    pins = constraints()
    names = set()
    for line in lines:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][^\s;]*", line), f"{line!r} is not pinned exactly"
        name, version = line.split("==")
        names.add(name.lower())
        assert pins.get(name.lower().replace("_", "-")) == version, f"{line} differs from constraints.txt"
    # amazon.aws/community.aws need boto3 and botocore; community.docker docker and requests.
    assert {"boto3", "botocore", "docker", "requests"} <= names
    assert pinned_lines(context / "_build" / "exclude-requirements.txt") == ["paramiko"]


def test_collections_are_pinned_to_the_bundled_versions(context):
    reqs = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert reqs == yaml.safe_load(open(os.path.join(ROOT, "collections", "requirements.yml")))
    site = subprocess.run([os.path.join(BIN, "python"), "-c", "import ansible_collections, os; print([p for p in ansible_collections.__path__ "
                           "if os.path.isdir(os.path.join(p, 'amazon'))][0])"], capture_output=True, text=True, check=True).stdout.strip()
    names = []
    for c in reqs["collections"]:
        assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", c["version"]), c
        ns, name = c["name"].split(".")
        manifest = json.load(open(os.path.join(site, ns, name, "MANIFEST.json")))
        assert manifest["collection_info"]["version"] == c["version"], f"{c['name']} differs from the pinned ansible package"
        names.append(c["name"])
    assert {"amazon.aws", "community.aws", "community.docker", "awx.awx"} <= set(names)


def test_the_collection_and_system_packages_are_in_the_context(context):
    assert "git-core [platform:rpm]" in (context / "_build" / "bindep.txt").read_text()
    galaxy = yaml.safe_load(open(os.path.join(ROOT, "galaxy.yml")))
    tarball = context / "_build" / "collections" / f"fargate-microservice-{galaxy['version']}.tar.gz"
    with tarfile.open(tarball) as tar:
        members = tar.getnames()
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    assert manifest["collection_info"]["version"] == galaxy["version"]
    assert "roles/awx/tasks/main.yml" in members and "playbooks/awx.yml" in members
    assert not any(m.startswith((".venv", ".cache", "collections/ansible_collections")) for m in members)
    assert f"/build/collections/{tarball.name}" in (context / "Containerfile").read_text()
