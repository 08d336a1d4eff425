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
test's emulator (port IT_AWX_EMULATOR_PORT, default 5451). One stack (deployment hawx) is built and
removed by the templates in the order a user launches them, 12 jobs in all, each template at
least once:

- the tag templates (network ... service) differ only in their tag and survey (asserted), so a
  run of several is one job with their tags joined (-t network,registry,ecs_cluster,alb; later
  -t task,service), as AWX would run each with its own -t;
- image_build: the credential is injected as AWX injects it (awx_rules.inject_credential: the PEMs
  as files in env/, their paths and DOCKER_HOST/DOCKER_TLS_VERIFY in the job's environment) and
  points at a real TLS engine: HAProxy on 127.0.0.1:IT_AWX_ENGINE_PORT (default 8681) terminating
  TLS, client certificate required (checked with a TLS client: turned away without one), in front
  of the shared Podman socket (and on IT_AWX_ENGINE_PORT + 1 the same engine asking for no client
  certificate: a credential with the CA alone, server verification only, is probed there by the
  container_engine role, and refused on the port that asks for one). The images are really built through it (the build cache of the
  shared engine makes that cheap), then the push fails: the emulator hosts no registry. What the
  push would leave in ECR is recorded with the engine's own manifest (as the local target's
  image_build records its images); the workflow's build node then finds both images there and
  changes nothing. The inventory's variables name the offline base images of this machine (it
  cannot pull the official ones).
- the workflow's nodes: image_build, deploy (then deploy again: changed=0, the rerun check of
  deploy and of the tag templates, whose tasks it runs), verify, rollback. verify cannot pass here:
  the ALB's DNS name that the emulator returns resolves nowhere and moto runs no task; it is
  asserted to fail at the wait for the page with that URL, which is what sends the workflow to its
  rollback node. Then rollback to the revision it is on: changed=0.
- status and logs are read-only: one run each, changed=0.
- teardown with a wrong confirmation (refused, nothing deleted), then the right one, then again on
  nothing (changed=0: the rerun check of the teardown template).

service, deploy and rollback wait for the ECS rollout as on AWS; the emulator is started with
MOTO_ECS_SERVICE_RUNNING=2 (it then reports the desired count running), as tests/integration/run.sh
does. The emulator has no target health, so every job gets service_wait_for_healthy_targets: false
as one more template extra var (EMULATOR_EXTRA_VARS).

Run: .venv/bin/python -m pytest -v tests/integration/awx
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

os.environ["IT_EMULATOR_PORT"] = os.environ.get("IT_AWX_EMULATOR_PORT", "5451")
# moto runs no task: with this it reports 2 running per service (the desired count), so the
# service role's wait for the rollout ends, as in tests/integration/run.sh. itlib.start_emulator()
# serves the emulator from this process, which moto reads its settings from.
os.environ["MOTO_ECS_SERVICE_RUNNING"] = "2"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "plugins" / "module_utils"))
import awx_rules  # noqa: E402
import itlib  # noqa: E402

# tests/integration/conftest.py imports itlib before this module sets IT_EMULATOR_PORT, so itlib took its default
# (5199, the AWS lane's port, which make test's other lane uses at the same time): point it at this test's port.
itlib.PORT = int(os.environ["IT_EMULATOR_PORT"])
itlib.ENDPOINT = f"http://127.0.0.1:{itlib.PORT}"

ROOT = itlib.ROOT
BIN = ROOT / ".venv" / "bin"
# The deployment (IT_AWX_DEPLOYMENT, default hawx): its own name for a run beside another one.
D = os.environ.get("IT_AWX_DEPLOYMENT", "hawx")
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
OWNED = [{"Name": "tag:fargate.microservice/deployment", "Values": [D]}]
ENGINE_PORT = int(os.environ.get("IT_AWX_ENGINE_PORT", "8681"))
PODMAN_SOCKET = "/run/fargate-microservice/podman.sock"
PODMAN_ENV = {"CONTAINERS_CONF": str(ROOT / "files/podman/containers.conf"),
              "CONTAINERS_STORAGE_CONF": str(ROOT / "files/podman/storage.conf")}
# Given to every job as one more of its template's extra vars: the service role waits for healthy
# targets on the aws target (real AWS only), and the emulator has no target health; IAM on the
# emulator needs no time to propagate a new role.
EMULATOR_EXTRA_VARS = {"service_wait_for_healthy_targets": False, "ecs_cluster_execution_role_propagation_delay": 0}
# This machine cannot pull the official base images: the inventory names the offline ones (as a
# user of such a controller would set them in the inventory's variables: the base images are part
# of the image tags the sources give, which image_build, task and deploy must agree on).
OFFLINE_BASES = {"image_build_offline_bases": True,
                 "image_build_web_builder_image": "localhost/fargate-microservice/golang-offline:debian",
                 "image_build_redis_base_image": "localhost/fargate-microservice/redis-offline:debian"}


@pytest.fixture(scope="module", autouse=True)
def emulator():
    itlib.start_emulator()
    itlib.reset_emulator()
    yield
    itlib.reset_emulator()
    itlib.stop_emulator()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Every object playbooks/awx.yml would apply (awx_render_path), as JSON."""
    out = tmp_path_factory.mktemp("render") / "objects.json"
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", "localhost,", str(ROOT / "playbooks/awx.yml"), "-e", f"awx_render_path={out}"],
                          cwd=ROOT, env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def templates(rendered):
    return {t["key"]: t for t in rendered["job_templates"]}


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
    group_vars.update(OFFLINE_BASES)
    return {"all": {"vars": group_vars, "children": ["microservice"]},
            "microservice": {"hosts": sorted(hosts)},
            "_meta": {"hostvars": {h: dict(v or {}, remote_tower_id=1) for h, v in hosts.items()}}}


def snapshot():
    """What a job could write outside its private data directory: the checkout and the real HOME.

    In HOME: its top-level names, and what Ansible writes under ~/.ansible and ~/.ansible_async,
    less .ansible/tmp, .ansible/test and .ansible/collections, which the other Ansible runs of this
    shared machine write at any time (an `ansible-galaxy collection install` of main's collection
    there once broke this check mid-run). run_job asserts that each job's Ansible used the job's own
    HOME (its .ansible/tmp), so the jobs cannot write those. The jobs' own HOME is their private data directory (its .ansible/ must appear there).
    """
    seen = {}
    home = Path(os.path.expanduser("~"))
    roots = [(ROOT, ("/.cache", "/.git", "/tests/output", "/.pytest_cache")),
             (home / ".ansible", ("/tmp", "/test", "/galaxy_cache", "/collections")), (home / ".ansible_async", ())]
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


def run_job(tmp_path, project, template, answers, engine=None, template_extra_vars=None):
    """Lay out the private data directory for one launch of ``template`` and run it with ansible-runner.

    ``engine``: the inputs of a "Container engine" credential attached to the job (its type from
    the rendered objects), injected as AWX injects it; ``template_extra_vars``: more of the
    template's own extra vars.
    """
    ident = next(JOB_IDS)
    pdd = tmp_path / f"awx_{ident}"
    template = dict(template, extra_vars=dict(template["extra_vars"], **EMULATOR_EXTRA_VARS, **(template_extra_vars or {})))
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
    if engine is not None:
        ctype = engine["type"]
        injected, _unused = awx_rules.inject_credential(ctype["inputs"], ctype["injectors"], engine["inputs"], str(pdd))
        envvars.update(injected)
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
    job.pdd = pdd
    return job


def wrote_outside(before):
    after = snapshot()
    return {p for p in after if before.get(p, "new") != after[p]}


def failed_tasks(job):
    """(task name, its result's msg) of each failed task of the job, from its events."""
    return [(e["event_data"].get("task"), str(e["event_data"].get("res", {}).get("msg", "")))
            for e in job.events if e.get("event") == "runner_on_failed" and not e["event_data"].get("ignore_errors")]


def need_stack():
    if not itlib.client("ec2").describe_vpcs(Filters=OWNED)["Vpcs"]:
        pytest.skip("needs the stack of test_the_tag_templates_run_and_rerun_unchanged")


def service_revision():
    svc = itlib.client("ecs").describe_services(cluster=D, services=["web"])["services"]
    return int(svc[0]["taskDefinition"].rsplit(":", 1)[1]) if svc and svc[0]["status"] == "ACTIVE" else None


# The templates of one role tag each (network ... service) differ from each other only in their
# name, description, job tags and survey: same playbook (site.yml), credentials, limit, skip tags,
# extra vars and prompts. AWX runs them the same way (RunJob: -t <job_tags>), so launching several
# of them one after the other equals one job with their tags joined and their surveys' defaults
# merged (no variable is asked by two of them with different defaults: asserted). One such job
# runs network, registry, ecs_cluster and alb before the images exist, one runs task and service
# after; deploy (site.yml, every tag but image_build and verify) is rerun and must change nothing,
# which is the tag templates' rerun check too (its tasks are a superset of theirs).
TAG_KEYS = ("network", "registry", "ecs_cluster", "task", "alb", "service")
SAME_IN_TAG_TEMPLATES = ("playbook", "credentials", "limit", "skip_tags", "extra_vars", "ask_variables_on_launch", "survey_enabled",
                         "container_engine")


def tag_job(templates, keys):
    """The one job that equals launching the tag templates ``keys`` one after the other."""
    first = templates[keys[0]]
    for key in keys:
        t = templates[key]
        assert {k: t[k] for k in SAME_IN_TAG_TEMPLATES} == {k: first[k] for k in SAME_IN_TAG_TEMPLATES}, key
        assert t["job_tags"] == key and t["playbook"] == "site.yml", key
    spec, defaults = [], {}
    for key in keys:
        for q in templates[key]["survey_spec"]["spec"]:
            if q["variable"] in defaults:
                assert defaults[q["variable"]] == q.get("default"), (key, q["variable"])
                continue
            defaults[q["variable"]] = q.get("default")
            spec.append(q)
    return dict(first, name=" + ".join(templates[k]["name"] for k in keys), job_tags=",".join(keys),
                survey_spec=dict(first["survey_spec"], spec=spec))


def test_every_tag_template_differs_only_in_its_tag_and_survey(templates):
    assert set(TAG_KEYS) | {"image_build"} <= set(templates)
    tag_job(templates, TAG_KEYS)
    assert templates["image_build"]["job_tags"] == "image_build" and templates["image_build"]["container_engine"] is True
    assert templates["deploy"]["skip_tags"] == "image_build,verify" and not templates["deploy"]["job_tags"]


def test_the_tag_templates_build_the_network_registry_cluster_and_alb(tmp_path, project, templates):
    before = snapshot()
    job = run_job(tmp_path, project, tag_job(templates, ("network", "registry", "ecs_cluster", "alb")), {"microservice_deployment": D})
    assert job.rc == 0 and job.status == "successful" and job.changed >= 1, job
    assert shlex.split((job.pdd / "env" / "cmdline").read_text())[-2:] == ["-t", "network,registry,ecs_cluster,alb"]
    assert wrote_outside(before) == set(), "the job wrote outside its private data directory"
    ec2, ecr = itlib.client("ec2"), itlib.client("ecr")
    assert len(ec2.describe_vpcs(Filters=OWNED)["Vpcs"]) == 1
    assert sorted(r["repositoryName"] for r in ecr.describe_repositories()["repositories"]) == [f"{D}/redis", f"{D}/web"]
    assert itlib.client("elbv2").describe_load_balancers(Names=[f"{D}-web-lb"])["LoadBalancers"]
    assert itlib.client("ecs").describe_clusters(clusters=[D])["clusters"][0]["status"] == "ACTIVE"


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, stdin=subprocess.DEVNULL)


def _engine_answers(timeout=5):
    """GET /_ping on the shared Podman socket."""
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(timeout)
            sock.connect(PODMAN_SOCKET)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
            return sock.recv(64).split(b"\r\n", 1)[0].endswith(b" 200 OK")
    except OSError:
        return False


@pytest.fixture(scope="module")
def tls_engine(tmp_path_factory):
    """A remote engine with TLS: HAProxy on 127.0.0.1:ENGINE_PORT in front of the shared Podman socket.

    It verifies the client certificate against its own CA, so nothing reaches the engine without
    the credential's certificate and key. Yields the credential inputs (and the CA's directory).
    """
    if shutil.which("haproxy") is None or shutil.which("openssl") is None:
        pytest.skip("haproxy and openssl are needed for the TLS engine (make setup-host installs haproxy)")
    if not _engine_answers():
        run = itlib.playbook("tests/integration/awx/engine.yml")
        assert run.rc == 0, run
    pki = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=hawx test CA", "-keyout", "ca.key", "-out", "ca.pem",
             cwd=pki)
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"), ("client", "extendedKeyUsage=clientAuth")):
        (pki / f"{name}.ext").write_text(ext + "\n")
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN=hawx {name}", "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=pki)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
                 "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=pki)
    (pki / "server-bundle.pem").write_text((pki / "server.pem").read_text() + (pki / "server.key").read_text())
    (pki / "haproxy.cfg").write_text(f"""global
    maxconn 64
defaults
    mode tcp
    timeout connect 5s
    timeout client 10m
    timeout server 10m
frontend engine
    bind 127.0.0.1:{ENGINE_PORT} ssl crt {pki}/server-bundle.pem ca-file {pki}/ca.pem verify required
    bind 127.0.0.1:{ENGINE_PORT + 1} ssl crt {pki}/server-bundle.pem
    default_backend podman
backend podman
    server podman {PODMAN_SOCKET}
""")
    proc = subprocess.Popen(["haproxy", "-f", str(pki / "haproxy.cfg"), "-db"], stdin=subprocess.DEVNULL,
                            stdout=open(pki / "haproxy.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 20
    while True:
        try:
            for port in (ENGINE_PORT, ENGINE_PORT + 1):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"haproxy did not listen on {ENGINE_PORT}: {(pki / 'haproxy.log').read_text()}")
            time.sleep(0.2)
    yield {"docker_host": f"tcp://127.0.0.1:{ENGINE_PORT}", "tls_ca": (pki / "ca.pem").read_text(),
           "tls_cert": (pki / "client.pem").read_text(), "tls_key": (pki / "client.key").read_text(), "pki": pki}
    proc.terminate()
    proc.wait(timeout=10)


def _podman(*args):
    return subprocess.run(["podman", *args], env=dict(os.environ, **PODMAN_ENV), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120, check=False)


@pytest.fixture(scope="module")
def engine_credential(tls_engine, rendered):
    """The Container engine credential (type as rendered) and, at the end, this deployment's image tags removed."""
    SECRETS.append(tls_engine["tls_key"].strip().splitlines()[1])
    yield {"type": rendered["credential_type"], "inputs": {k: v for k, v in tls_engine.items() if k != "pki"}}
    listed = _podman("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    mine = [ref for ref in listed if f".amazonaws.com/{D}/" in ref]
    if mine:
        _podman("rmi", *mine)


def _handshake(port, ca, cert=None, key=None):
    """GET /_ping over TLS on 127.0.0.1:port; the status line, or the error that stopped it."""
    import ssl
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(b"GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
            return tls.recv(64).split(b"\r\n", 1)[0].decode()
    except (OSError, ssl.SSLError) as exc:
        return f"refused: {exc!r}"


def test_image_build_through_the_container_engine_credential(tmp_path, project, templates, engine_credential, tls_engine):
    need_stack()
    template = templates["image_build"]
    assert template["container_engine"] is True
    # The TLS engine turns away whoever shows no client certificate (so the build below went
    # through the credential's): checked with a TLS client, not a job (a job run for this would
    # cost as much as the build and only show the probe's error message).
    pki = tls_engine["pki"]
    assert _handshake(ENGINE_PORT, pki / "ca.pem", pki / "client.pem", pki / "client.key").endswith(" 200 OK")
    assert _handshake(ENGINE_PORT, pki / "ca.pem").startswith("refused"), "the TLS engine answers without a client certificate"
    before = snapshot()
    first = run_job(tmp_path, project, template, {"microservice_deployment": D}, engine=engine_credential)
    envvars = json.loads((first.pdd / "env" / "envvars").read_text())
    assert envvars["DOCKER_HOST"] == f"tcp://127.0.0.1:{ENGINE_PORT}" and envvars["DOCKER_TLS_VERIFY"] == "1"
    for name, pem in (("CA_CERT", "tls_ca"), ("CLIENT_CERT", "tls_cert"), ("CLIENT_KEY", "tls_key")):
        path = Path(envvars["DOCKER_TLS_" + name])
        assert path.parent == first.pdd / "env" and path.read_text() == engine_credential["inputs"][pem]
    # Built through the TLS engine (the only way this job had to it), then the push: the emulator
    # hosts no registry, so the login to the registry it names fails (no_log hides its message).
    assert first.rc != 0 and [t for t, _unused in failed_tasks(first)] == ["Log in to the ECR registry"], first
    built = [e["event_data"]["res"] for e in first.events if e.get("event") == "runner_on_ok"
             and e["event_data"].get("task") == "Build the images that are not in ECR yet"]
    assert built and all(r.get("changed") for r in built[0]["results"]), first
    ecr = itlib.client("ecr")
    for item in built[0]["results"]:
        image = item["item"]["image"]
        ref = f'{image["repository_uri"]}:{image["image_tag"]}'
        manifest = subprocess.run(["buildah", "inspect", "--type", "image", "--format", "{{.Manifest}}", ref],
                                  env=dict(os.environ, **PODMAN_ENV), capture_output=True, text=True, check=True).stdout.strip()
        assert item["image"]["Id"] and json.loads(manifest)["layers"], ref
        # What the push would leave in ECR: the image under its tag, with the engine's manifest.
        ecr.put_image(repositoryName=image["repository_name"], imageManifest=manifest, imageTag=image["image_tag"])
    assert wrote_outside(before) == set(), "the job wrote outside its private data directory"


def test_server_verification_only_through_the_credential(tmp_path, rendered, tls_engine):
    """A Container engine credential with the CA alone: the engine's certificate verified, none shown.

    The same TLS engine listens on ENGINE_PORT + 1 without asking for a client certificate. The
    credential is injected as AWX injects it (no client certificate or key path), and the
    container_engine role (the probe and /version that image_build's engine check makes) finds the
    engine there; against ENGINE_PORT, which asks for one, it gets no answer.
    """
    ctype = rendered["credential_type"]
    pki = tls_engine["pki"]
    assert _handshake(ENGINE_PORT + 1, pki / "ca.pem").endswith(" 200 OK"), "the server-verification-only listener does not answer"
    results = {}
    for port in (ENGINE_PORT + 1, ENGINE_PORT):
        pdd = tmp_path / f"cred_{port}"
        (pdd / "env").mkdir(parents=True)
        env, _files = awx_rules.inject_credential(ctype["inputs"], ctype["injectors"],
                                                  {"docker_host": f"tcp://127.0.0.1:{port}", "tls_ca": tls_engine["tls_ca"]}, str(pdd))
        assert env["DOCKER_TLS_VERIFY"] == "1" and env["DOCKER_TLS_CLIENT_CERT"] == "" and env["DOCKER_TLS_CLIENT_KEY"] == "", env
        proc = subprocess.run([str(BIN / "ansible-playbook"), str(ROOT / "tests/integration/awx/engine_probe.yml")], cwd=ROOT,
                              env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", **env),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, check=False)
        results[port] = proc
    ok = results[ENGINE_PORT + 1]
    assert ok.returncode == 0, ok.stdout[-4000:]
    assert f"engine tcp://127.0.0.1:{ENGINE_PORT + 1} answers, platform linux/" in ok.stdout, ok.stdout[-4000:]
    refused = results[ENGINE_PORT]
    assert refused.returncode != 0 and "No Docker-API container engine answers" in refused.stdout, refused.stdout[-4000:]


def test_the_task_and_service_templates_take_the_images_from_ecr(tmp_path, project, templates):
    need_stack()
    before = snapshot()
    ecr = itlib.client("ecr")
    tags = {}
    for repo in ("web", "redis"):
        images = ecr.describe_images(repositoryName=f"{D}/{repo}")["imageDetails"]
        if not images:
            pytest.skip("needs the images of test_image_build_through_the_container_engine_credential")
        tags[repo] = images[0]["imageTags"][0]
    # task_cpu/task_memory are the task template's survey questions; the workflow's deploy below
    # (survey defaults: 256/512) then changes the task definition.
    job = run_job(tmp_path, project, tag_job(templates, ("task", "service")), {"microservice_deployment": D, "task_cpu": 512, "task_memory": 1024})
    assert job.rc == 0 and job.changed >= 1, job
    assert wrote_outside(before) == set(), "the job wrote outside its private data directory"
    assert service_revision() == 1
    family = itlib.client("ecs").describe_task_definition(taskDefinition=f"{D}-web-redis-task:1")["taskDefinition"]
    images = {c["name"]: c["image"] for c in family["containerDefinitions"]}
    assert images["web"].endswith(f"/{D}/web:{tags['web']}") and images["redis"].endswith(f"/{D}/redis:{tags['redis']}"), images
    assert family["cpu"] == "512"


def test_status_and_logs_report_and_change_nothing(tmp_path, project, templates):
    need_stack()
    before = snapshot()
    status = run_job(tmp_path, project, templates["status"], {"microservice_deployment": D})
    assert status.rc == 0 and status.changed == 0, status
    assert f"Deployment {D} (aws target)" in status.stdout and "web-lb" in status.stdout, status
    logs = run_job(tmp_path, project, templates["logs"], {"microservice_deployment": D})
    assert logs.rc == 0 and logs.changed == 0, logs
    assert wrote_outside(before) == set(), "the jobs wrote outside their private data directory"


def _lb_dns():
    return itlib.client("elbv2").describe_load_balancers(Names=[f"{D}-web-lb"])["LoadBalancers"][0]["DNSName"]


def test_the_workflow_nodes_build_deploy_verify_then_roll_back(tmp_path, project, templates, engine_credential, rendered):
    """The workflow's nodes in its order, each with the workflow's survey answers passed down.

    These runs are also the image_build, deploy, verify and rollback templates' runs (AWX runs a
    workflow node's job exactly as a launch of its template with the workflow's extra vars), and
    a second deploy with the same answers is the rerun check of deploy and the tag templates.
    """
    need_stack()
    workflow_survey = rendered["workflow"]["survey_spec"]
    order = {n["identifier"]: n for n in rendered["workflow"]["nodes"]}
    assert [order[i]["unified_job_template"]["name"] for i in ("build-images", "deploy", "verify", "rollback")] == \
        [templates[k]["name"] for k in ("image_build", "deploy", "verify", "rollback")]
    assert order["build-images"]["related"] == {"success_nodes": [{"identifier": "deploy"}]}
    assert order["deploy"]["related"] == {"success_nodes": [{"identifier": "verify"}]}
    assert order["verify"]["related"] == {"failure_nodes": [{"identifier": "rollback"}]}
    before = snapshot()
    answers = {"microservice_deployment": D, "microservice_topology": "sidecar", "verify_timeout": 5, "verify_expected_ip": "203.0.113.7"}
    assert {q["variable"] for q in workflow_survey["spec"]} == set(answers)
    # The images are in ECR (the previous test): the build node builds nothing and needs no engine.
    build = run_job(tmp_path, project, templates["image_build"], answers, engine=engine_credential)
    assert build.rc == 0 and build.changed == 0, build
    ran = {e["event_data"].get("task") for e in build.events if e.get("event") == "runner_on_ok"}
    assert "Build the images that are not in ECR yet" not in ran, build
    deploy = run_job(tmp_path, project, templates["deploy"], answers)
    assert deploy.rc == 0 and deploy.changed >= 1 and service_revision() == 2, deploy
    tasks = {e["event_data"].get("task") for e in deploy.events if e.get("event", "").startswith("runner_on_")}
    assert "Build the images that are not in ECR yet" not in tasks and "Wait until the page answers 200" not in tasks, deploy
    again = run_job(tmp_path, project, templates["deploy"], answers)
    assert again.rc == 0 and again.changed == 0 and service_revision() == 2, again
    # verify cannot pass here (the emulator's ALB DNS name resolves nowhere, moto runs no task):
    # it fails at the wait for the page, which sends the workflow to its rollback node.
    verify = run_job(tmp_path, project, templates["verify"], answers)
    url = f"http://{_lb_dns()}/home"
    failed = failed_tasks(verify)
    assert verify.rc != 0 and [t for t, _unused in failed] == ["Fail when the page does not answer 200 in time"], verify
    assert failed[0][1].startswith(f"{url} did not answer 200 within 5 s"), verify
    # The failure link runs rollback with its survey default (0: the revision before).
    rollback = run_job(tmp_path, project, templates["rollback"], answers)
    assert rollback.rc == 0 and rollback.changed >= 1 and service_revision() == 1, rollback
    assert wrote_outside(before) == set(), "the jobs wrote outside their private data directory"


def test_rollback_to_the_revision_it_is_on_changes_nothing(tmp_path, project, templates):
    need_stack()
    if service_revision() != 1:
        pytest.skip("needs the service rolled back to revision 1 (test_the_workflow_nodes_build_deploy_verify_then_roll_back)")
    again = run_job(tmp_path, project, templates["rollback"], {"microservice_deployment": D, "rollback_revision": 1})
    assert again.rc == 0 and again.changed == 0 and service_revision() == 1, again


def test_teardown_refuses_a_wrong_confirmation_then_removes_everything(tmp_path, project, templates):
    teardown = templates["teardown"]
    assert {q["variable"] for q in teardown["survey_spec"]["spec"]} >= {"microservice_teardown_confirm"}
    ec2, ecr = itlib.client("ec2"), itlib.client("ecr")
    owned = OWNED
    need_stack()
    wrong = run_job(tmp_path, project, teardown, {"microservice_deployment": D, "microservice_teardown_confirm": D + "x"})
    assert wrong.rc != 0 and "Teardown refused" in wrong.stdout, wrong
    assert len(ec2.describe_vpcs(Filters=owned)["Vpcs"]) == 1
    assert len(ecr.describe_repositories()["repositories"]) == 2
    right = run_job(tmp_path, project, teardown, {"microservice_deployment": D, "microservice_teardown_confirm": D})
    assert right.rc == 0 and right.changed >= 1, right
    assert ec2.describe_vpcs(Filters=owned)["Vpcs"] == []
    assert ecr.describe_repositories()["repositories"] == []
    # the rerun check of the teardown template: launched again on nothing, it succeeds and changes nothing
    again = run_job(tmp_path, project, teardown, {"microservice_deployment": D, "microservice_teardown_confirm": D})
    assert again.rc == 0 and again.changed == 0, again
