# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the ecr_authorization_token module: call GetAuthorizationToken, decode the tokens.

An ECR authorization token is base64("AWS:<password>"); the registry is the host part of its
proxy endpoint (https://<account>.dkr.ecr.<region>.amazonaws.com).
"""

from __future__ import annotations

import base64
import binascii
import datetime


class TokenError(Exception):
    """The token ECR returned cannot be decoded."""


def decode_token(token):
    """Split a base64 ``user:password`` token into (username, password)."""
    try:
        text = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as err:
        raise TokenError(f"the authorization token is not base64 text ({err})") from None
    username, sep, password = text.partition(":")
    if not sep or not username or not password:
        raise TokenError("the authorization token is not of the form user:password")
    return username, password


def registry_host(proxy_endpoint):
    """``https://123.dkr.ecr.us-east-1.amazonaws.com`` -> ``123.dkr.ecr.us-east-1.amazonaws.com``."""
    host = proxy_endpoint
    for prefix in ("https://", "http://"):
        if host.startswith(prefix):
            host = host[len(prefix):]
    return host.rstrip("/")


def _iso(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc).isoformat()
    return value


def get_authorizations(client, registry_ids=None):
    """Return one dict per registry: registry, proxy_endpoint, username, password, expires_at."""
    kwargs = {"registryIds": list(registry_ids)} if registry_ids else {}
    data = client.get_authorization_token(aws_retry=True, **kwargs).get("authorizationData", [])
    result = []
    for item in data:
        username, password = decode_token(item["authorizationToken"])
        result.append(
            {
                "registry": registry_host(item["proxyEndpoint"]),
                "proxy_endpoint": item["proxyEndpoint"],
                "username": username,
                "password": password,
                "expires_at": _iso(item.get("expiresAt")),
            }
        )
    return result
