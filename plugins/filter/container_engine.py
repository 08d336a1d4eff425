# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The TLS settings of a Docker-API engine (container_engine, image_build), checked in their preflight, and what still
uses an engine (container_engine's stop)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.fargate.microservice.plugins.module_utils import _engine_tls


def engine_tls_errors(prefix, docker_host, tls_verify, ca_cert="", client_cert="", client_key=""):
    """One sentence per wrong TLS setting of the role ``prefix``; see _engine_tls.engine_tls_errors."""
    try:
        verify = boolean(tls_verify, strict=True)
    except TypeError as exc:
        raise AnsibleFilterError(f"{prefix}_tls_verify must be a boolean (DOCKER_TLS_VERIFY 1 or 0); got {tls_verify!r}.") from exc
    return _engine_tls.engine_tls_errors(str(prefix), str(docker_host or ""), verify, str(ca_cert or ""), str(client_cert or ""),
                                         str(client_key or ""))


def engine_users(containers, label):
    """The names (sorted, without the leading /) of the containers that still use an engine: every container carrying
    the label ``label`` (a deployment's task, running or not) and every running one. ``containers``: the engine's
    container list with every container (Docker API GET /containers/json?all=1, as community.docker.docker_host_info
    returns it with containers_all and verbose_output: each with Names, Labels, which may be null, and State)."""
    names = set()
    for container in containers or []:
        if label in (container.get("Labels") or {}) or container.get("State") == "running":
            names.update(str(name).lstrip("/") for name in container.get("Names") or [])
    return sorted(names)


class FilterModule:
    """Container engine settings."""

    def filters(self):
        return {"engine_tls_errors": engine_tls_errors, "engine_users": engine_users}
