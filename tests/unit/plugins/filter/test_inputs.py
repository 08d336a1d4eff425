# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the filter that refuses dict/list role inputs given as strings."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fargate.microservice.plugins.filter.inputs import FilterModule, argument_string_errors

OPTIONS = {
    "env": {"type": "dict"},
    "cidrs": {"type": "list", "elements": "str"},
    "name": {"type": "str"},
    "count": {"type": "int"},
    "untyped": {},
}


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"env": {"A": "b"}, "cidrs": ["0.0.0.0/0"], "name": "x", "count": "3"}, []),
        ({}, []),
        ({"untyped": "{}"}, []),
        ({"env": '{"A":"b"}'}, ["""-e '{"env": {"A": "b"}}'"""]),
        ({"env": "A=b"}, ["""-e '{"env": {"KEY": "VALUE"}}'"""]),
        ({"cidrs": "0.0.0.0/0"}, ["""-e '{"cidrs": ["0.0.0.0/0"]}'"""]),
        ({"cidrs": "a, b"}, ["""-e '{"cidrs": ["a", "b"]}'"""]),
        ({"cidrs": '["a"]'}, ["""-e '{"cidrs": ["a"]}'"""]),
        ({"cidrs": ""}, ["""-e '{"cidrs": ["ITEM"]}'"""]),
    ],
)
def test_examples(values, expected):
    errors = argument_string_errors(values, OPTIONS)
    assert len(errors) == len(expected)
    for error, form in zip(errors, expected):
        name = form.split('"')[1]
        assert error.startswith(name + " must be a ")
        assert form in error


def test_one_sentence_per_option_sorted_by_name():
    errors = argument_string_errors({"env": "x", "cidrs": "y"}, OPTIONS)
    assert [e.split()[0] for e in errors] == ["cidrs", "env"]


def test_bad_arguments():
    with pytest.raises(AnsibleFilterError):
        argument_string_errors("env", OPTIONS)


def test_filter_is_registered():
    assert FilterModule().filters()["argument_string_errors"] is argument_string_errors
