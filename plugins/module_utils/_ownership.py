# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ownership tags: decide whether an existing AWS resource is ours, and compute tag changes.

Private to the collection; no AWS calls here, so everything is unit-tested directly.
"""

from __future__ import annotations


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
    current_tags = current_tags or {}
    to_set = {k: v for k, v in desired_tags.items() if current_tags.get(k) != v}
    to_remove = []
    if purge_tags:
        to_remove = sorted(k for k in current_tags if k not in desired_tags and not k.startswith("aws:"))
    return to_set, to_remove


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
