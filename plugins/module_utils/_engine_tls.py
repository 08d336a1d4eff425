# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The TLS settings of a Docker-API engine, checked before anything talks to it.

The container_engine and image_build roles read the same settings (Docker's DOCKER_HOST,
DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, or the files an AWX "Container engine" credential injects
as DOCKER_TLS_CA_CERT / DOCKER_TLS_CLIENT_CERT / DOCKER_TLS_CLIENT_KEY) under their own prefix
(``<prefix>_docker_host``, ``<prefix>_tls_verify``, ``<prefix>_tls_ca_cert``,
``<prefix>_tls_client_cert``, ``<prefix>_tls_client_key``); this is the one check of them. With TLS
on, the engine's certificate is verified against the CA given (so a CA is required: a Docker engine
with ``--tlsverify`` has its own CA; a publicly signed engine is verified against the system's
bundle, given as the CA file), and the client certificate is shown when one is given: certificate
and key together, or neither (server verification only). No engine is contacted; unit-tested
directly.
"""

from __future__ import annotations

import os

# Where each setting comes from, named in the messages.
_ENV = {
    "docker_host": "DOCKER_HOST",
    "tls_verify": "DOCKER_TLS_VERIFY",
    "tls_ca_cert": "DOCKER_TLS_CA_CERT, or ca.pem in DOCKER_CERT_PATH",
    "tls_client_cert": "DOCKER_TLS_CLIENT_CERT, or cert.pem in DOCKER_CERT_PATH",
    "tls_client_key": "DOCKER_TLS_CLIENT_KEY, or key.pem in DOCKER_CERT_PATH",
}
_WHAT = {"tls_ca_cert": "the engine's CA certificate", "tls_client_cert": "the client certificate",
         "tls_client_key": "the client certificate's key"}


def engine_tls_errors(prefix, docker_host, tls_verify, ca_cert="", client_cert="", client_key="", is_file=os.path.isfile):
    """One sentence per wrong TLS setting of ``prefix``'s engine; an empty list when they are right.

    ``tls_verify`` off: nothing is checked (plain HTTP, the files are not read).
    """
    if not tls_verify:
        return []

    def name(key):
        return f"{prefix}_{key} ({_ENV[key]})"

    docker_host = docker_host or ""
    errors = []
    if not docker_host.startswith("tcp://"):
        errors.append(f"{name('tls_verify')} applies to a tcp:// engine given in {name('docker_host')} only; "
                      f"unset it or set a tcp:// address; got '{docker_host}'.")
    files = {"tls_ca_cert": ca_cert or "", "tls_client_cert": client_cert or "", "tls_client_key": client_key or ""}
    if not files["tls_ca_cert"]:
        errors.append(f"{name('tls_verify')} is on but {name('tls_ca_cert')} is empty: point it at {_WHAT['tls_ca_cert']} (PEM), "
                      "or at the system's CA bundle (e.g. /etc/ssl/certs/ca-certificates.crt) for an engine with a publicly signed certificate.")
    if bool(files["tls_client_cert"]) != bool(files["tls_client_key"]):
        given, missing = ("tls_client_cert", "tls_client_key") if files["tls_client_cert"] else ("tls_client_key", "tls_client_cert")
        errors.append(f"{name(missing)} is empty while {prefix}_{given} is set: a client certificate needs its key, so set both "
                      "(client certificate shown) or neither (server verification only).")
    for key, path in files.items():
        if path and not is_file(path):
            errors.append(f"{name(key)} names no file: '{path}'; point it at {_WHAT[key]} (PEM).")
    return errors
