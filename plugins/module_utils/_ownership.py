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

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.fargate.microservice.plugins.module_utils._naming import OWNER_TAG_KEY
from ansible_collections.fargate.microservice.plugins.module_utils._naming import ownership_tags as deployment_ownership_tags

__all__ = ["OWNER_TAG_KEY", "deployment_ownership_tags", "tags_of", "is_owned", "tag_changes", "merged_tags", "unowned_message"]


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
