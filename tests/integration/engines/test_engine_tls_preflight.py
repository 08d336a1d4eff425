# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A tcp:// engine's TLS settings are refused in the preflight, one sentence naming the variable.

The preflight role runs container_engine's and image_build's preflight (tls_preflight.yml, as site.yml
does first) with Docker's variables in the environment (DOCKER_HOST, DOCKER_TLS_VERIFY,
DOCKER_CERT_PATH, the DOCKER_TLS_* files an AWX "Container engine" credential injects) or the
roles' own variables given with -e. Nothing is contacted: the engine address is a port of this
test's range where nothing listens. The checks themselves: tests/unit/plugins/module_utils/test_engine_tls.py.

Run: .venv/bin/python -m pytest -v tests/integration/engines/test_engine_tls_preflight.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

PLAY = "tests/integration/engines/tls_preflight.yml"
TCP = "tcp://127.0.0.1:2376"
DOCKER_VARS = ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TLS_CA_CERT", "DOCKER_TLS_CLIENT_CERT",
               "DOCKER_TLS_CLIENT_KEY")


@pytest.fixture()
def certs(tmp_path):
    """DOCKER_CERT_PATH-style directories: ca.pem alone, ca.pem + cert.pem, and all three."""
    dirs = {}
    for name, files in (("ca_only", ("ca.pem",)), ("no_key", ("ca.pem", "cert.pem")), ("all", ("ca.pem", "cert.pem", "key.pem"))):
        d = tmp_path / name
        d.mkdir()
        for f in files:
            (d / f).write_text("PEM\n")
        dirs[name] = str(d)
    return dirs


def run(monkeypatch, env, *args):
    for key in DOCKER_VARS:
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    # The local inventory starts Podman on a Unix socket; a tcp:// engine is only checked, not started.
    return itlib.playbook(PLAY, "-e", "container_engine_start_podman=false", *args)


def failure(out):
    found = re.findall(r"^\[ERROR\]: (.*?)^Origin:", out, re.S | re.M)
    assert found, out[-3000:]
    return " ".join(" ".join(found).split())


# (environment, the message's start, a variable it must not name)
CASES = [
    ({"DOCKER_HOST": TCP, "DOCKER_TLS_VERIFY": "1"},
     "container_engine_tls_verify (DOCKER_TLS_VERIFY) is on but container_engine_tls_ca_cert (DOCKER_TLS_CA_CERT, or ca.pem in"
     " DOCKER_CERT_PATH) is empty", "container_engine_tls_client"),
    ({"DOCKER_HOST": TCP, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/nonexistent/docker-certs"},
     "container_engine_tls_ca_cert (DOCKER_TLS_CA_CERT, or ca.pem in DOCKER_CERT_PATH) names no file: '/nonexistent/docker-certs/ca.pem'",
     "container_engine_tls_client"),
    ({"DOCKER_HOST": TCP, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "no_key"},
     "container_engine_tls_client_key (DOCKER_TLS_CLIENT_KEY, or key.pem in DOCKER_CERT_PATH) is empty while"
     " container_engine_tls_client_cert is set", "container_engine_tls_ca_cert"),
    ({"DOCKER_HOST": TCP, "DOCKER_TLS_VERIFY": "1", "DOCKER_TLS_CA_CERT": "all/ca.pem", "DOCKER_TLS_CLIENT_CERT": "all/cert.pem",
      "DOCKER_TLS_CLIENT_KEY": "/nonexistent/key.pem"},
     "container_engine_tls_client_key (DOCKER_TLS_CLIENT_KEY, or key.pem in DOCKER_CERT_PATH) names no file: '/nonexistent/key.pem'",
     "container_engine_tls_ca_cert"),
    ({"DOCKER_HOST": "unix:///run/docker.sock", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "all"},
     "container_engine_tls_verify (DOCKER_TLS_VERIFY) applies to a tcp:// engine given in container_engine_docker_host (DOCKER_HOST) only",
     "container_engine_tls_ca_cert"),
]


def _paths(env, certs):
    out = {}
    for key, value in env.items():
        head, _sep, tail = value.partition("/")
        out[key] = f"{certs[head]}/{tail}".rstrip("/") if head in certs else value
    return out


CASE_IDS = ["verify-without-ca", "cert-path-missing", "cert-without-key", "key-file-missing", "tls-on-a-unix-socket"]


@pytest.mark.parametrize("env, message, not_named", CASES, ids=CASE_IDS)
def test_a_wrong_tls_setting_is_refused_naming_its_variable(monkeypatch, certs, env, message, not_named):
    result = run(monkeypatch, _paths(env, certs))
    assert result.rc != 0, result
    text = failure(result.out)
    assert message in text, text
    assert not_named not in text, text


@pytest.mark.parametrize("extra, message", [
    ({"image_build_docker_host": TCP, "image_build_tls_verify": "true"},
     "image_build_tls_verify (DOCKER_TLS_VERIFY) is on but image_build_tls_ca_cert (DOCKER_TLS_CA_CERT, or ca.pem in DOCKER_CERT_PATH) is empty"),
    ({"image_build_docker_host": TCP, "image_build_tls_verify": "true", "image_build_tls_ca_cert": "/nonexistent/ca.pem"},
     "image_build_tls_ca_cert (DOCKER_TLS_CA_CERT, or ca.pem in DOCKER_CERT_PATH) names no file: '/nonexistent/ca.pem'"),
], ids=["image-build-verify-without-ca", "image-build-ca-missing"])
def test_image_builds_own_settings_are_checked_too(monkeypatch, extra, message):
    args = []
    for key, value in extra.items():
        args += ["-e", f"{key}={value}"]
    result = run(monkeypatch, {}, *args)
    assert result.rc != 0, result
    text = failure(result.out)
    assert message in text and "container_engine_" not in text, text


@pytest.mark.parametrize("cert_dir", ["ca_only", "all"], ids=["server-verification-only", "client-certificate"])
def test_right_tls_settings_pass(monkeypatch, certs, cert_dir):
    # DOCKER_CERT_PATH with ca.pem alone: no client certificate (cert.pem/key.pem are read only when
    # there, as the docker CLI does), so the engine's certificate is verified and none is shown.
    result = run(monkeypatch, {"DOCKER_HOST": TCP, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": certs[cert_dir]})
    assert result.rc == 0 and result.failed == 0, result
