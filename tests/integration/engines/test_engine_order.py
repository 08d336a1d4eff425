# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the container_engine role looks for an engine, in order, on the aws target (no Podman started).

DOCKER_HOST when set (and nothing else, even when it does not answer); else the Docker socket at its standard
path; else Podman's socket; and when none answers, a message that names all three. Each branch is taken against a
real engine: a `podman system service` the test starts on a socket of its own. Docker's and Podman's standard
paths (/var/run/docker.sock, /run/podman/podman.sock) are the machine's and other runs' to use, so the test points
container_engine_search_hosts (whose default lists them in that order, checked last) at paths of its own: symlinks
to its Podman socket (a Unix socket answers through a symlink), a path that does not exist, and a stale socket file
(bound, then closed: a file that exists while nothing listens, as after a crashed engine).

Run: .venv/bin/python -m pytest -v tests/integration/engines/test_engine_order.py   (about 1-2 min)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

ROOT = itlib.ROOT
PLAY = "tests/integration/engines/engine_order.yml"
# The play's last line: the address container_engine_address names and the engine's platform (GET /version).
ENGINE = re.compile(r"^\s*msg: ENGINE=(\S+) PLATFORM=(\S+)$", re.M)

pytestmark = pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed (make setup-host installs it)")


def _ping(path, timeout=5):
    """GET /_ping on the Unix socket at path; True when the engine answers OK."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        try:
            s.connect(str(path))
            s.sendall(b"GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
            return s.recv(64).split(b"\r\n", 1)[0].split(b" ")[1:2] == [b"200"]
        except OSError:
            return False


@pytest.fixture(scope="module")
def sockets():
    """The test's own Podman service and the paths that lead to it, or to nothing."""
    # A short directory: a Unix socket's path must fit in 108 bytes.
    base = Path(tempfile.mkdtemp(prefix="haw-engines-", dir="/tmp"))
    podman = base / "podman.sock"
    env = dict(os.environ, CONTAINERS_CONF=str(ROOT / "files/podman/containers.conf"),
               CONTAINERS_STORAGE_CONF=str(ROOT / "files/podman/storage.conf"))
    log = open(base / "podman.log", "wb")
    proc = subprocess.Popen(["podman", "system", "service", "--time=0", f"unix://{podman}"], env=env,
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (podman.exists() and _ping(podman)):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"podman system service did not answer on {podman}: {(base / 'podman.log').read_text()[-2000:]}")
            time.sleep(0.5)
        # Two more ways to the same engine, standing for Docker's and Podman's standard sockets.
        (base / "docker.sock").symlink_to(podman)
        (base / "podman-std.sock").symlink_to(podman)
        # A socket file that nothing listens on any more.
        stale = base / "stale.sock"
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(str(stale))
        yield {"base": base, "podman": podman, "docker": base / "docker.sock", "podman_std": base / "podman-std.sock",
               "stale": stale, "missing": base / "missing" / "docker.sock"}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        shutil.rmtree(base, ignore_errors=True)


def run(docker_host=None, search=None, **extra_vars):
    """The play on the aws inventory, with DOCKER_HOST set or unset and no XDG_RUNTIME_DIR."""
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "XDG_RUNTIME_DIR", "DOCKER_TLS_VERIFY")}
    if docker_host is not None:
        env["DOCKER_HOST"] = docker_host
    env.update(ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    given = dict(extra_vars)
    if search is not None:
        given["container_engine_search_hosts"] = [f"unix://{p}" for p in search]
    cmd = [str(ROOT / ".venv/bin/ansible-playbook"), "-i", str(ROOT / "inventory/aws"), str(ROOT / PLAY),
           "-e", json.dumps(given)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300, check=False)
    return itlib.Run(proc)


def engine_of(result):
    assert result.rc == 0, result
    found = ENGINE.findall(result.out)
    assert len(found) == 1 and found[0][1].startswith("linux/"), result
    return found[0][0]


def failure_of(result):
    """The one-line failure message of the role."""
    assert result.rc != 0 and result.failed == 1, result
    assert "Fail when no container engine answers" in result.out, result
    # The output (YAML) wraps long lines at spaces and may single-quote the message (a quote doubled): undone here.
    messages = re.findall(r"No Docker-API container engine answers at .*?task_redis_image\.", result.out, re.S)
    assert messages, result
    return " ".join(messages[-1].split()).replace("''", "'")


def test_docker_host_comes_first(sockets):
    # DOCKER_HOST names an engine: it is used, although the first search path answers too.
    found = engine_of(run(f"unix://{sockets['podman']}", search=[sockets["docker"], sockets["podman_std"]]))
    assert found == f"unix://{sockets['podman']}"


def test_docker_host_that_does_not_answer_is_not_passed_over(sockets):
    # A DOCKER_HOST that does not answer fails the run, naming it; the engines on the search paths are not tried.
    message = failure_of(run(f"unix://{sockets['stale']}", search=[sockets["docker"], sockets["podman_std"]]))
    assert message.startswith(f"No Docker-API container engine answers at unix://{sockets['stale']} ("), message
    assert f"DOCKER_HOST (or container_engine_docker_host) names unix://{sockets['stale']}, which does not answer" in message


def test_docker_socket_before_podman(sockets):
    # No DOCKER_HOST: the Docker socket, first in the order, is used although Podman's answers too.
    assert engine_of(run(search=[sockets["docker"], sockets["podman_std"]])) == f"unix://{sockets['docker']}"


@pytest.mark.parametrize("docker", ["missing", "stale"])
def test_podman_socket_when_docker_is_not_there(sockets, docker):
    # No Docker socket (no file, or a file nothing answers on): Podman's socket.
    assert engine_of(run(search=[sockets[docker], sockets["podman_std"]])) == f"unix://{sockets['podman_std']}"


def test_no_engine_names_all_three(sockets):
    message = failure_of(run(search=[sockets["missing"], sockets["stale"]]))
    assert message.startswith(f"No Docker-API container engine answers at unix://{sockets['missing']}, unix://{sockets['stale']} ("), message
    for way in ("Set DOCKER_HOST", "start Docker (its socket /var/run/docker.sock)", "start Podman's socket",
                "give task_web_image and task_redis_image"):
        assert way in message, (way, message)


def test_the_default_order(sockets):
    # The role's own list: Docker's standard socket, then Podman's (rootful, then the one the role would start).
    standard = ("/var/run/docker.sock", "/run/podman/podman.sock")
    if any(Path(p).exists() for p in standard):
        pytest.skip(f"an engine socket exists at a standard path here ({', '.join(standard)}): the default list would find it")
    message = failure_of(run(container_engine_podman_socket=f"unix://{sockets['missing']}"))
    assert message.startswith("No Docker-API container engine answers at unix:///var/run/docker.sock, "
                              f"unix:///run/podman/podman.sock, unix://{sockets['missing']} ("), message
