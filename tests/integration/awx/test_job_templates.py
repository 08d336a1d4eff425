# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The job templates of playbooks/awx.yml run the way AWX's task runner runs them.

For each template, the private data directory AWX writes (awx/main/tasks/jobs.py RunJob at
ansible/awx e21dd0a0933fd544d1fe2513c54fe41203775eb5: build_env, build_args, build_inventory,
write_args_file) is laid out here: project/ (the project's files), inventory/hosts (an
executable script printing the inventory as JSON), env/extravars (the template's extra vars,
then the survey defaults AWX applies, then the launch's answers, plus AWX's awx_*/tower_* job
variables), env/envvars (the "Amazon Web Services" credential as AWX injects it:
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SECURITY_TOKEN, plus AWS_SESSION_TOKEN as newer
credential plugins add; AWX's ANSIBLE_* settings; the collections/roles paths it computes),
env/cmdline (-u, -t job tags, --skip-tags, -l limit). The pinned ansible-runner runs it with
stdin closed and no TTY. HOME and TMPDIR point into the directory, as in an execution
environment (whose HOME is /runner and whose /tmp is the container's).

The inventory is the one AWX imports from inventory/aws with one change: the AWS endpoint is this
test's emulator (port IT_AWX_EMULATOR_PORT, default 5451). Templates that need a container engine
(image_build, deploy's task registration needs images) or a deployed site (verify, service,
task, rollback) are not run here; network, registry, ecs_cluster, alb and teardown are.

Run: .venv/bin/python -m pytest -v tests/integration/awx
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

os.environ["IT_EMULATOR_PORT"] = os.environ.get("IT_AWX_EMULATOR_PORT", "5451")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "plugins" / "module_utils"))
import awx_rules  # noqa: E402
import itlib  # noqa: E402

ROOT = itlib.ROOT
BIN = ROOT / ".venv" / "bin"
D = "hawx"
# The credential: random per run so that finding one in the output means it leaked.
CREDENTIAL = {
    "AWS_ACCESS_KEY_ID": "AKIA" + secrets.token_hex(8).upper(),
    "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
    "AWS_SECURITY_TOKEN": "tok" + secrets.token_urlsafe(40),
}
CREDENTIAL["AWS_SESSION_TOKEN"] = CREDENTIAL["AWS_SECURITY_TOKEN"]
# The key id is no secret: AWX shows it (awx/main/models/credential.py build_safe_env skips
# AWS_ACCESS_KEY_ID) and amazon.aws logs its access_key option (not no_log) in module_args.
SECRETS = [CREDENTIAL["AWS_SECRET_ACCESS_KEY"], CREDENTIAL["AWS_SECURITY_TOKEN"]]
JOB_IDS = iter(range(100, 1000))


@pytest.fixture(scope="module", autouse=True)
def emulator():
    itlib.start_emulator()
    itlib.reset_emulator()
    yield
    itlib.reset_emulator()
    itlib.stop_emulator()


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    out = tmp_path_factory.mktemp("render") / "objects.json"
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", "localhost,", str(ROOT / "playbooks/awx.yml"), "-e", f"awx_render_path={out}"],
                          cwd=ROOT, env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return {t["key"]: t for t in json.loads(out.read_text())["job_templates"]}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The project as AWX checks it out: the repository's files (and its collections/ symlink)."""
    dest = tmp_path_factory.mktemp("scm") / "project"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        src = ROOT / f
        if src.is_symlink():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(src), dest / f)
        elif src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)
    return dest


def inventory():
    """inventory/aws as AWX imports it (hosts and group vars), the endpoint pointed at the emulator."""
    hosts = yaml.safe_load(open(ROOT / "inventory/aws/hosts.yml"))["microservice"]["hosts"]
    group_vars = {}
    for f in sorted((ROOT / "inventory/aws/group_vars/all").glob("*.yml")):
        group_vars.update(yaml.safe_load(open(f)) or {})
    group_vars["microservice_aws_endpoint_url"] = itlib.ENDPOINT
    return {"all": {"vars": group_vars, "children": ["microservice"]},
            "microservice": {"hosts": sorted(hosts)},
            "_meta": {"hostvars": {h: dict(v or {}, remote_tower_id=1) for h, v in hosts.items()}}}


def snapshot():
    """What a job could write outside its private data directory: the checkout and the real HOME.

    In HOME: its top-level names, and what Ansible writes under ~/.ansible and ~/.ansible_async,
    less .ansible/tmp and .ansible/test, which the other Ansible runs of this shared machine write
    at any time. The jobs' own HOME is their private data directory (its .ansible/ must appear there).
    """
    seen = {}
    home = Path(os.path.expanduser("~"))
    roots = [(ROOT, ("/.cache", "/.git", "/tests/output", "/.pytest_cache")),
             (home / ".ansible", ("/tmp", "/test", "/galaxy_cache")), (home / ".ansible_async", ())]
    for root, skip in roots:
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            rel = dirpath[len(str(root)):]
            if any(rel.startswith(s) for s in skip) or "__pycache__" in rel:
                dirnames[:] = []
                continue
            for name in filenames:
                p = os.path.join(dirpath, name)
                try:
                    st = os.lstat(p)
                except FileNotFoundError:
                    continue
                seen[p] = (st.st_size, st.st_mtime_ns)
    seen.update({str(home / n): "top-level" for n in os.listdir(home)})
    return seen


class Job:
    def __init__(self, pdd, ident):
        art = pdd / "artifacts" / str(ident)
        self.rc = int((art / "rc").read_text())
        self.status = (art / "status").read_text()
        self.stdout = (art / "stdout").read_text()
        self.events = [json.loads(p.read_text()) for p in sorted((art / "job_events").glob("*.json"))]
        stats = [e for e in self.events if e.get("event") == "playbook_on_stats"]
        self.changed = sum(stats[-1]["event_data"].get("changed", {}).values()) if stats else None

    def __repr__(self):
        return f"Job(rc={self.rc}, status={self.status}, changed={self.changed})\n{self.stdout[-5000:]}"


def run_job(tmp_path, project, template, answers):
    """Lay out the private data directory for one launch of ``template`` and run it with ansible-runner."""
    ident = next(JOB_IDS)
    pdd = tmp_path / f"awx_{ident}"
    shutil.copytree(project, pdd / "project", symlinks=True)
    (pdd / "inventory").mkdir(parents=True)
    script = pdd / "inventory" / "hosts"
    script.write_text("#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n" % json.dumps(inventory()))
    script.chmod(0o700)
    (pdd / "env").mkdir()
    (pdd / "tmp").mkdir()
    (pdd / "cp").mkdir(mode=0o700)
    extra_vars = awx_rules.launch_extra_vars(template["extra_vars"], template["survey_spec"], answers)
    for prefix in ("awx", "tower"):  # RunJob/Job.awx_meta_vars
        extra_vars.update({f"{prefix}_job_id": ident, f"{prefix}_job_template_name": template["name"], f"{prefix}_job_launch_type": "manual"})
    (pdd / "env" / "extravars").write_text(json.dumps(extra_vars))
    # build_env: settings.ANSIBLE_*, RunJob's variables, the credential, the collection/role paths
    # (requirements_* first, then the project's ansible.cfg value, then the defaults).
    envvars = {"ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_PARAMIKO_RECORD_HOST_KEYS": "False", "ANSIBLE_FORCE_COLOR": "True",
               "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True", "ANSIBLE_RETRY_FILES_ENABLED": "False", "JOB_ID": str(ident),
               "INVENTORY_ID": "1", "PROJECT_REVISION": "0" * 40, "AWX_PRIVATE_DATA_DIR": str(pdd),
               "ANSIBLE_SSH_CONTROL_PATH_DIR": str(pdd / "cp"),
               "ANSIBLE_COLLECTIONS_PATHS": f"{pdd}/requirements_collections:./collections:~/.ansible/collections:/usr/share/ansible/collections",
               "ANSIBLE_COLLECTIONS_PATH": f"{pdd}/requirements_collections:./collections:~/.ansible/collections:/usr/share/ansible/collections",
               "ANSIBLE_ROLES_PATH": f"{pdd}/requirements_roles:./roles:~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles",
               "HOME": str(pdd), "TMPDIR": str(pdd / "tmp"), **CREDENTIAL}
    (pdd / "env" / "envvars").write_text(json.dumps(envvars))
    args = ["-u", "root"]
    if template["limit"]:
        args += ["-l", template["limit"]]
    if template["job_tags"]:
        args += ["-t", template["job_tags"]]
    if template["skip_tags"]:
        args.append(f"--skip-tags={template['skip_tags']}")
    (pdd / "env" / "cmdline").write_text(shlex.join(args))
    # The runner's own environment: the virtual environment's tools, nothing else of ours.
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "LANG": "C.UTF-8"}
    proc = subprocess.run([str(BIN / "ansible-runner"), "run", str(pdd), "-p", template["playbook"], "--ident", str(ident)],
                          env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=900, check=False, start_new_session=True)
    job = Job(pdd, ident)
    assert proc.returncode == job.rc, proc.stdout[-2000:]
    assert (pdd / ".ansible" / "tmp").is_dir(), "ansible did not use the job's HOME"
    leaked = [s for s in SECRETS if s in job.stdout or s in json.dumps(job.events)]
    assert not leaked, f"the credential appears in the job's output or events: {job}"
    return job


def test_the_tag_templates_run_and_rerun_unchanged(tmp_path, project, templates):
    before = snapshot()
    for key in ("network", "registry", "ecs_cluster", "alb"):
        first = run_job(tmp_path, project, templates[key], {"microservice_deployment": D})
        assert first.rc == 0 and first.status == "successful" and first.changed >= 1, (key, first)
        again = run_job(tmp_path, project, templates[key], {"microservice_deployment": D})
        assert again.rc == 0 and again.changed == 0, (key, again)
    after = snapshot()
    assert {p for p in after if before.get(p, "new") != after[p]} == set(), "the jobs wrote outside their private data directory"
    ec2, ecr = itlib.client("ec2"), itlib.client("ecr")
    owned = [{"Name": "tag:fargate.microservice/deployment", "Values": [D]}]
    assert len(ec2.describe_vpcs(Filters=owned)["Vpcs"]) == 1
    assert sorted(r["repositoryName"] for r in ecr.describe_repositories()["repositories"]) == [f"{D}/redis", f"{D}/web"]


def test_teardown_refuses_a_wrong_confirmation_then_removes_everything(tmp_path, project, templates):
    teardown = templates["teardown"]
    assert {q["variable"] for q in teardown["survey_spec"]["spec"]} >= {"microservice_teardown_confirm"}
    ec2, ecr = itlib.client("ec2"), itlib.client("ecr")
    owned = [{"Name": "tag:fargate.microservice/deployment", "Values": [D]}]
    if not ec2.describe_vpcs(Filters=owned)["Vpcs"]:
        pytest.skip("needs the stack of test_the_tag_templates_run_and_rerun_unchanged")
    wrong = run_job(tmp_path, project, teardown, {"microservice_deployment": D, "microservice_teardown_confirm": D + "x"})
    assert wrong.rc != 0 and "Teardown refused" in wrong.stdout, wrong
    assert len(ec2.describe_vpcs(Filters=owned)["Vpcs"]) == 1
    assert len(ecr.describe_repositories()["repositories"]) == 2
    right = run_job(tmp_path, project, teardown, {"microservice_deployment": D, "microservice_teardown_confirm": D})
    assert right.rc == 0 and right.changed >= 1, right
    assert ec2.describe_vpcs(Filters=owned)["Vpcs"] == []
    assert ecr.describe_repositories()["repositories"] == []
    again = run_job(tmp_path, project, teardown, {"microservice_deployment": D, "microservice_teardown_confirm": D})
    assert again.rc == 0 and again.changed == 0, again
