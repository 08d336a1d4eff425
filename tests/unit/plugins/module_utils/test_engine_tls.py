# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The TLS settings of a tcp:// engine (container_engine, image_build): one sentence per wrong one."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils._engine_tls import engine_tls_errors

TCP = "tcp://engine.example.com:2376"


@pytest.fixture()
def pems(tmp_path):
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("PEM\n")
    return {name: str(tmp_path / f"{name}.pem") for name in ("ca", "cert", "key")}


@pytest.mark.parametrize("given", [
    {"tls_verify": False},
    {"tls_verify": False, "docker_host": "unix:///run/podman/podman.sock", "ca_cert": "/nowhere/ca.pem"},
    {"tls_verify": True, "ca_cert": "ca"},
    {"tls_verify": True, "ca_cert": "ca", "client_cert": "cert", "client_key": "key"},
], ids=["plain-http", "tls-off-files-ignored", "server-verification-only", "client-certificate"])
def test_right_settings_give_no_error(pems, given):
    given = dict(given)
    for key in ("ca_cert", "client_cert", "client_key"):
        if given.get(key) in pems:
            given[key] = pems[given[key]]
    given.setdefault("docker_host", TCP)
    assert engine_tls_errors("container_engine", **given) == []


# (settings, the one message expected, as written; PEM names are replaced by existing files)
CASES = [
    ({"docker_host": "unix:///var/run/docker.sock", "ca_cert": "ca"},
     "container_engine_tls_verify (DOCKER_TLS_VERIFY) applies to a tcp:// engine given in container_engine_docker_host (DOCKER_HOST)"
     " only; unset it or set a tcp:// address; got 'unix:///var/run/docker.sock'."),
    ({"docker_host": "", "ca_cert": "ca"},
     "container_engine_tls_verify (DOCKER_TLS_VERIFY) applies to a tcp:// engine given in container_engine_docker_host (DOCKER_HOST)"
     " only; unset it or set a tcp:// address; got ''."),
    ({},
     "container_engine_tls_verify (DOCKER_TLS_VERIFY) is on but container_engine_tls_ca_cert (DOCKER_TLS_CA_CERT, or ca.pem in"
     " DOCKER_CERT_PATH) is empty: point it at the engine's CA certificate (PEM), or at the system's CA bundle"
     " (e.g. /etc/ssl/certs/ca-certificates.crt) for an engine with a publicly signed certificate."),
    ({"ca_cert": "ca", "client_cert": "cert"},
     "container_engine_tls_client_key (DOCKER_TLS_CLIENT_KEY, or key.pem in DOCKER_CERT_PATH) is empty while"
     " container_engine_tls_client_cert is set: a client certificate needs its key, so set both (client certificate shown)"
     " or neither (server verification only)."),
    ({"ca_cert": "ca", "client_key": "key"},
     "container_engine_tls_client_cert (DOCKER_TLS_CLIENT_CERT, or cert.pem in DOCKER_CERT_PATH) is empty while"
     " container_engine_tls_client_key is set: a client certificate needs its key, so set both (client certificate shown)"
     " or neither (server verification only)."),
    ({"ca_cert": "/nowhere/ca.pem"},
     "container_engine_tls_ca_cert (DOCKER_TLS_CA_CERT, or ca.pem in DOCKER_CERT_PATH) names no file: '/nowhere/ca.pem';"
     " point it at the engine's CA certificate (PEM)."),
    ({"ca_cert": "ca", "client_cert": "/nowhere/cert.pem", "client_key": "key"},
     "container_engine_tls_client_cert (DOCKER_TLS_CLIENT_CERT, or cert.pem in DOCKER_CERT_PATH) names no file:"
     " '/nowhere/cert.pem'; point it at the client certificate (PEM)."),
    ({"ca_cert": "ca", "client_cert": "cert", "client_key": "/nowhere/key.pem"},
     "container_engine_tls_client_key (DOCKER_TLS_CLIENT_KEY, or key.pem in DOCKER_CERT_PATH) names no file:"
     " '/nowhere/key.pem'; point it at the client certificate's key (PEM)."),
]


@pytest.mark.parametrize("given, message", CASES, ids=["unix-host", "no-host", "no-ca", "cert-without-key", "key-without-cert",
                                                       "ca-missing", "cert-missing", "key-missing"])
def test_each_wrong_setting_is_one_sentence_naming_its_variable(pems, given, message):
    given = {k: pems.get(v, v) for k, v in given.items()}
    given.setdefault("docker_host", TCP)
    assert engine_tls_errors("container_engine", tls_verify=True, **given) == [message]


def test_the_prefix_names_the_roles_own_variables():
    errors = engine_tls_errors("image_build", "tcp://127.0.0.1:2376", True, "", "/nowhere/cert.pem", "")
    assert len(errors) == 3, errors
    assert errors[0].startswith("image_build_tls_verify (DOCKER_TLS_VERIFY) is on but image_build_tls_ca_cert")
    assert errors[1].startswith("image_build_tls_client_key (DOCKER_TLS_CLIENT_KEY, or key.pem in DOCKER_CERT_PATH) is empty while"
                                " image_build_tls_client_cert is set")
    assert errors[2].startswith("image_build_tls_client_cert (DOCKER_TLS_CLIENT_CERT, or cert.pem in DOCKER_CERT_PATH) names no file")
    assert not any("container_engine" in e for e in errors)
    assert all(e.endswith(".") and ". " not in e.replace("e.g. ", "") for e in errors), "one sentence each"
