# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the iam_service_linked_role module: find a service's service-linked role, create it when missing.

A service-linked role lives under the path ``/aws-service-role/<service principal>/``; its name is the
service's choice (AWS: ``AWSServiceRoleForECS``; the emulator spells it its own way,
``AWSServiceRoleForecs``), so it is found by path, never by name.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries

# CreateServiceLinkedRole for a role that exists: AWS answers InvalidInput "Service role name
# AWSServiceRoleForECS has been taken in this account, please try a different suffix."
# (IAM API reference, CreateServiceLinkedRole errors: InvalidInput); the emulator answers
# EntityAlreadyExists. Both mean that the role is there, which is what was wanted.
TAKEN_CODES = ("InvalidInput", "EntityAlreadyExists")
TAKEN_TEXTS = ("has been taken", "already exists")


def role_path(service_name):
    return f"/aws-service-role/{service_name}/"


def _error(err):
    return (getattr(err, "response", None) or {}).get("Error", {})


def is_already_taken(err):
    error = _error(err)
    message = str(error.get("Message", "")).lower()
    return error.get("Code") in TAKEN_CODES and any(text in message for text in TAKEN_TEXTS)


def _summary(role):
    return {
        "role_name": role["RoleName"],
        "arn": role["Arn"],
        "path": role["Path"],
        "role_id": role.get("RoleId"),
    }


def find_role(client, service_name):
    """The service-linked role of ``service_name`` (a summary dict), or ``None``.

    ListRoles is paginated, each query retried with jittered backoff (amazon.aws's paginated_query_with_retries).
    """
    for role in paginated_query_with_retries(client, "list_roles", PathPrefix=role_path(service_name)).get("Roles", []):
        # PathPrefix matches prefixes: only the exact path is this service's.
        if role.get("Path") == role_path(service_name):
            return _summary(role)
    return None


def ensure_present(client, params, check_mode, find=find_role):
    """Find the role, create it when missing. Returns the module result (changed, role, created)."""
    service_name = params["aws_service_name"]
    role = find(client, service_name)
    if role is not None:
        return {"changed": False, "created": False, "role": role}
    if check_mode:
        return {"changed": True, "created": True, "role": None}
    kwargs = {"AWSServiceName": service_name}
    if params.get("description"):
        kwargs["Description"] = params["description"]
    try:
        role = _summary(client.create_service_linked_role(aws_retry=True, **kwargs)["Role"])
    except Exception as err:  # botocore.exceptions.ClientError; kept generic for unit tests
        if not is_already_taken(err):
            raise
        # Created meanwhile (by the service itself or a parallel run): look it up again.
        return {"changed": False, "created": False, "role": find(client, service_name)}
    return {"changed": True, "created": True, "role": role}
