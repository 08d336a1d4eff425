# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Container image references: the one check of their grammar (no AWS call, no engine).

The grammar is that of the Docker/OCI distribution project's ``reference`` package
(github.com/distribution/reference, ``reference.go`` and ``regexp.go``), which Docker, Podman and
ECS (through the container agent) use to parse an image name::

    reference        := name [ ":" tag ] [ "@" digest ]
    name             := [domain '/'] remote-name
    domain           := host [':' port-number]
    host             := domain-name | '[' IPv6 address ']'
    domain-name      := domain-component ['.' domain-component]*
    domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
    remote-name      := path-component ['/' path-component]*
    path-component   := alpha-numeric [separator alpha-numeric]*
    alpha-numeric    := /[a-z0-9]+/
    separator        := /[_.]|__|[-]+/
    tag              := /[\\w][\\w.-]{0,127}/
    digest           := algorithm ":" hex     (algorithm /[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*/,
                                               hex at least 32 hex digits)

and the digest rules of github.com/opencontainers/go-digest, which those tools apply to it: the algorithms
are sha256, sha384 and sha512, with 64, 96 and 128 hex digits

plus the package's other rules: the name is at most 255 characters, and a first component is the
registry (domain) only when it holds a ``.`` or a ``:``, is ``localhost``, or has an upper-case letter;
a bare 64-digit hex name is refused (it would be taken for an image id).

ECS's RegisterTaskDefinition accepts any string up to 255 characters as ``image`` (botocore's model:
``ContainerDefinition.image``, a plain String), so a malformed reference is registered and only fails
when a task is started. Checking it here stops it before any AWS call.
"""

from __future__ import annotations

import re

NAME_TOTAL_LENGTH_MAX = 255

_ALPHANUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = re.compile(rf"^{_ALPHANUMERIC}(?:{_SEPARATOR}{_ALPHANUMERIC})*$")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"^(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$", re.ASCII)
_DIGEST = re.compile(r"^(?P<algorithm>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):(?P<hex>[0-9a-fA-F]{32,})$")
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_IDENTIFIER = re.compile(r"^[a-f0-9]{64}$")

EXAMPLE = "redis:7-alpine or 123456789012.dkr.ecr.us-east-1.amazonaws.com/countweb/web:1a2b3c4d5e6f"


def _is_domain(component):
    return "." in component or ":" in component or component == "localhost" or component.lower() != component


def parse_image_reference(reference):
    """Split a reference into ``{domain, path, tag, digest}`` (missing parts are ``None``).

    Raises ``ValueError`` with a short reason (lower case, no final period) when the reference does
    not follow the grammar above.
    """
    if not isinstance(reference, str) or reference == "":
        raise ValueError("it is empty")
    if reference != reference.strip() or any(c.isspace() for c in reference):
        raise ValueError("it contains white space")
    rest, digest = reference, None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
        match = _DIGEST.match(digest)
        if not match:
            raise ValueError(f"the digest {digest!r} is not <algorithm>:<hex digits>, such as sha256:<64 hex digits>")
        wanted = _DIGEST_LENGTHS.get(match.group("algorithm"))
        if wanted is None:
            raise ValueError(f"the digest algorithm {match.group('algorithm')!r} is not one of {', '.join(_DIGEST_LENGTHS)}")
        if len(match.group("hex")) != wanted:
            raise ValueError(f"a {match.group('algorithm')} digest has {wanted} hex digits, not {len(match.group('hex'))}")
    name, tag = rest, None
    # The tag follows the last ':' that comes after the last '/' (a ':' before it is a registry port).
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):
        name, tag = rest[:colon], rest[colon + 1:]
        if not _TAG.match(tag):
            raise ValueError(f"the tag {tag!r} is not 1-128 letters, digits, '_', '.' or '-' (not starting with '.' or '-')")
    if name == "":
        raise ValueError("it has no repository name")
    if len(name) > NAME_TOTAL_LENGTH_MAX:
        raise ValueError(f"its name is {len(name)} characters long, more than {NAME_TOTAL_LENGTH_MAX}")
    components = name.split("/")
    domain = None
    if len(components) > 1 and _is_domain(components[0]):
        domain = components.pop(0)
        if not _DOMAIN.match(domain):
            raise ValueError(f"the registry {domain!r} is not a host name, an IPv4 or [IPv6] address, with an optional :port")
    for component in components:
        if component.lower() != component and _PATH_COMPONENT.match(component.lower()):
            raise ValueError(f"the repository {'/'.join(components)!r} has upper-case letters; repository names are lower case")
        if not _PATH_COMPONENT.match(component):
            raise ValueError(f"the repository part {component!r} is not lower-case letters and digits joined by"
                             " single '.', '_', '__' or '-' runs")
    if domain is None and _IDENTIFIER.match(name):
        raise ValueError("a 64-digit hex name would be taken for an image id")
    return {"domain": domain, "path": "/".join(components), "tag": tag, "digest": digest}


def image_reference_error(reference, variable):
    """One sentence naming ``variable`` when ``reference`` is not a valid image reference, else ``""``."""
    try:
        parse_image_reference(reference)
    except ValueError as exc:
        return (f"{variable} {reference!r} is not a valid image reference ({exc}); give one such as {EXAMPLE}"
                " ([registry[:port]/]repository[:tag][@digest]).")
    return ""
