# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ownership tags: decide whether an existing AWS resource is ours, and compute tag changes.

Built on amazon.aws's tagging helpers (``compare_aws_tags``, ``boto3_tag_list_to_ansible_dict``);
the ownership tag key itself is part of the naming contract (``_naming.OWNER_TAG_KEY``).
Private to the collection; no AWS calls here, so everything is unit-tested directly.
"""

from __future__ import annotations

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.fargate.microservice.plugins.module_utils._naming import OWNER_TAG_KEY
from ansible_collections.fargate.microservice.plugins.module_utils._naming import ownership_tags as deployment_ownership_tags

__all__ = [
    "OWNER_TAG_KEY", "UnownedResourceError", "deployment_ownership_tags", "tags_of", "is_owned", "tag_changes", "merged_tags",
    "tags_in_sync", "same_members", "first_match", "unowned_message", "jsonable", "run_aws_module", "run_owning_module",
]


class UnownedResourceError(Exception):
    """An existing resource does not carry the ownership tags, so it must not be changed (message: unowned_message)."""


def tags_of(resource, key="Tags"):
    """A resource's tags as a dict, whatever list shape the API gave (Key/Value or key/value), or a dict as is."""
    tags = (resource or {}).get(key) if isinstance(resource, dict) else resource
    if isinstance(tags, dict):
        return dict(tags)
    return boto3_tag_list_to_ansible_dict(tags or [])


def is_owned(current_tags, ownership_tags):
    """True when every ownership tag is present on the resource with the same value.

    An empty or missing ``ownership_tags`` means "no ownership guard": every resource is ours.
    """
    if not ownership_tags:
        return True
    current_tags = current_tags or {}
    return all(current_tags.get(key) == value for key, value in ownership_tags.items())


def tag_changes(current_tags, desired_tags, purge_tags=True):
    """Return ``(to_set, to_remove)``: a dict of tags to add or update and a sorted list of keys to delete.

    ``desired_tags=None`` leaves tags alone. Keys starting with ``aws:`` are never removed (AWS owns them).
    """
    if desired_tags is None:
        return {}, []
    to_set, to_remove = compare_aws_tags(current_tags or {}, desired_tags, purge_tags=purge_tags)
    return to_set, sorted(to_remove)


def tags_in_sync(current_tags, desired_tags, purge_tags=True):
    """Whether setting ``desired_tags`` (None or {}: no tags) would change nothing: :func:`tag_changes` is empty.

    The one wanted-vs-actual tag comparison of the ``*_in_sync`` and network plan filters (compare_aws_tags's, as the
    amazon.aws modules they stand for compare them; ``aws:`` keys are never purged).
    """
    return tag_changes(current_tags, desired_tags or {}, purge_tags) == ({}, [])


def same_members(current, wanted):
    """Whether two lists of ids hold the same ids, in any order and with repeats ignored (subnets, security groups)."""
    return set(current or []) == set(wanted or [])


def first_match(items, **wanted):
    """The first item (a dict) whose keys have every ``wanted`` value, or {} when none has."""
    return next((i for i in items or [] if all(i.get(k) == v for k, v in wanted.items())), {})


def merged_tags(current_tags, desired_tags, purge_tags=True):
    """The tags a resource carries after :func:`tag_changes` is applied (for diff and check mode)."""
    current_tags = dict(current_tags or {})
    to_set, to_remove = tag_changes(current_tags, desired_tags, purge_tags)
    for key in to_remove:
        current_tags.pop(key, None)
    current_tags.update(to_set)
    return current_tags


def unowned_message(kind, name, ownership_tags):
    """One-sentence error for an existing resource that does not carry our ownership tags."""
    wanted = ", ".join(f"{k}={v}" for k, v in sorted((ownership_tags or {}).items()))
    return (
        f"The {kind} {name} already exists but does not carry the ownership tag(s) {wanted}, so it is not ours"
        " to change; delete or rename it, or choose another deployment name (microservice_deployment)."
    )


def jsonable(value):
    """An AWS response made JSON-safe for a module result: datetimes to ISO 8601 strings, recursively."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def run_aws_module(module, service, work, failure, known_errors=(), client_config=None):
    """The common end of one of our AWS modules' ``main()``, after its argument spec and input checks.

    Makes the ``service`` client (AWSRetry with jittered backoff), returns ``work(client)``'s result with
    ``exit_json``, dropping its ``diff`` key unless ``--diff`` was asked for. ``known_errors`` (our own
    exceptions, whose text is the whole message) become ``fail_json``, AWS errors ``fail_json_aws`` with
    the message ``failure`` (what could not be done, naming the resource). ``client_config`` holds extra
    keyword arguments of ``module.client`` (e.g. a botocore ``config``).
    """
    client = module.client(service, retry_decorator=AWSRetry.jittered_backoff(), **(client_config or {}))
    try:
        result = work(client)
    except tuple(known_errors) as err:
        module.fail_json(msg=str(err))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        module.fail_json_aws(err, msg=failure)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


def run_owning_module(module, service, kind, present, absent, known_errors=()):
    """The common end of an owning module's ``main()``, after its argument spec and input checks.

    Calls ``present`` or ``absent`` ``(client, params, check_mode)`` by ``state`` through
    :func:`run_aws_module`, with :class:`UnownedResourceError` among the ``known_errors`` and AWS errors
    reported naming the ``kind`` and ``name``, and warns when an unowned resource was left alone
    (``skipped_unowned``).
    """
    name = module.params["name"]

    def work(client):
        act = present if module.params["state"] == "present" else absent
        result = act(client, module.params, module.check_mode)
        if result.pop("skipped_unowned", False):
            result["skipped_unowned"] = True
            module.warn(f"Left the {kind} {name} alone: it does not carry the ownership tags.")
        return result

    run_aws_module(module, service, work, f"Could not manage the {kind} {name}",
                   known_errors=(UnownedResourceError,) + tuple(known_errors))
