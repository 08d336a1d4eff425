# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the ownership and tag helpers shared by our AWS modules."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils._ownership import first_match
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import is_owned
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import jsonable
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import merged_tags
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import same_members
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import tag_changes
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import tags_in_sync
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import tags_of
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import unowned_message

OWN = {"fargate.microservice/deployment": "countweb"}


@pytest.mark.parametrize("current, ownership, expected", [
    ({"fargate.microservice/deployment": "countweb", "Name": "x"}, OWN, True),
    ({"fargate.microservice/deployment": "other"}, OWN, False),
    ({"Name": "countweb"}, OWN, False),
    ({}, OWN, False),
    (None, OWN, False),
    ({}, {}, True),
    ({"a": "b"}, None, True),
])
def test_is_owned(current, ownership, expected):
    assert is_owned(current, ownership) is expected


@pytest.mark.parametrize("current, desired, purge, to_set, to_remove", [
    ({}, {"a": "1"}, True, {"a": "1"}, []),
    ({"a": "1"}, {"a": "1"}, True, {}, []),
    ({"a": "1"}, {"a": "2"}, True, {"a": "2"}, []),
    ({"a": "1", "b": "2"}, {"a": "1"}, True, {}, ["b"]),
    ({"a": "1", "b": "2"}, {"a": "1"}, False, {}, []),
    ({"aws:cloudformation:stack-name": "s", "z": "1", "b": "2"}, {}, True, {}, ["b", "z"]),
    ({"a": "1"}, None, True, {}, []),
])
def test_tag_changes(current, desired, purge, to_set, to_remove):
    assert tag_changes(current, desired, purge) == (to_set, to_remove)


def test_merged_tags_applies_the_changes():
    assert merged_tags({"a": "1", "b": "2", "aws:x": "y"}, {"a": "9", "c": "3"}) == {"a": "9", "c": "3", "aws:x": "y"}
    assert merged_tags({"a": "1"}, None) == {"a": "1"}
    assert merged_tags(None, {"a": "1"}) == {"a": "1"}


def test_unowned_message_is_one_sentence_that_says_what_to_do():
    msg = unowned_message("ECR repository", "countweb/web", OWN)
    assert msg.startswith("The ECR repository countweb/web already exists")
    assert "fargate.microservice/deployment=countweb" in msg
    assert "choose another deployment name" in msg
    assert msg.endswith(").") and ". " not in msg


@pytest.mark.parametrize("resource, key, expected", [
    ({"Tags": [{"Key": "a", "Value": "1"}]}, "Tags", {"a": "1"}),
    ({"tags": [{"key": "a", "value": "1"}]}, "tags", {"a": "1"}),
    ({"Tags": []}, "Tags", {}),
    ({}, "Tags", {}),
    (None, "Tags", {}),
    ([{"Key": "b", "Value": ""}], "Tags", {"b": ""}),
    ({"tags": {"a": "1"}}, "tags", {"a": "1"}),
])
def test_tags_of_reads_every_tag_list_shape(resource, key, expected):
    assert tags_of(resource, key) == expected


def test_jsonable_turns_datetimes_into_iso_strings_at_any_depth():
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    assert jsonable({"a": [when, {"b": (when, 1)}], "c": "x"}) == {
        "a": ["2026-01-01T00:00:00+00:00", {"b": ["2026-01-01T00:00:00+00:00", 1]}], "c": "x"}


@pytest.mark.parametrize("current, desired, purge, expected", [
    ({"a": "1"}, {"a": "1"}, True, True),
    ({"a": "1"}, {"a": "2"}, True, False),
    ({"a": "1", "b": "2"}, {"a": "1"}, True, False),
    ({"a": "1", "b": "2"}, {"a": "1"}, False, True),
    ({"aws:cloudformation:stack-name": "s", "a": "1"}, {"a": "1"}, True, True),
    (None, None, True, True),
    (None, {}, True, True),
    ({"a": "1"}, None, True, False),
    ({}, {"a": "1"}, True, False),
])
def test_tags_in_sync_is_true_only_when_setting_the_tags_changes_nothing(current, desired, purge, expected):
    assert tags_in_sync(current, desired, purge) is expected


@pytest.mark.parametrize("current, wanted, expected", [
    (["subnet-b", "subnet-a"], ["subnet-a", "subnet-b"], True),
    (["subnet-a", "subnet-a"], ["subnet-a"], True),
    (["subnet-a"], ["subnet-a", "subnet-b"], False),
    (None, [], True),
    ([], ["sg-1"], False),
])
def test_same_members_ignores_order_and_repeats(current, wanted, expected):
    assert same_members(current, wanted) is expected


@pytest.mark.parametrize("wanted, expected", [
    ({"cidr": "10.1.1.0/24", "vpc_id": "vpc-1"}, {"id": "s2", "cidr": "10.1.1.0/24", "vpc_id": "vpc-1"}),
    ({"cidr": "10.1.0.0/24"}, {"id": "s1", "cidr": "10.1.0.0/24", "vpc_id": "vpc-1"}),
    ({"cidr": "10.1.1.0/24", "vpc_id": "vpc-9"}, {}),
    ({}, {"id": "s1", "cidr": "10.1.0.0/24", "vpc_id": "vpc-1"}),
])
def test_first_match_returns_the_first_item_with_every_wanted_value(wanted, expected):
    items = [{"id": "s1", "cidr": "10.1.0.0/24", "vpc_id": "vpc-1"}, {"id": "s2", "cidr": "10.1.1.0/24", "vpc_id": "vpc-1"},
             {"id": "s3", "cidr": "10.1.1.0/24", "vpc_id": "vpc-1"}]
    assert first_match(items, **wanted) == expected


def test_first_match_of_nothing_is_empty():
    assert first_match(None, name="x") == {}
