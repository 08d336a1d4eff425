# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The image reference grammar (plugins/module_utils/_image_reference.py) and its filter.

Most cases are those of the distribution project's own reference tests (reference_test.go,
TestReferenceParse and TestParseNamed), plus the references this collection gives by default.
"""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.filter.image_reference import image_reference_errors
from ansible_collections.fargate.microservice.plugins.module_utils._image_reference import image_reference_error
from ansible_collections.fargate.microservice.plugins.module_utils._image_reference import parse_image_reference

SHA = "sha256:" + "f" * 64


@pytest.mark.parametrize("reference, domain, path, tag, digest", [
    ("test_com", None, "test_com", None, None),
    ("test.com:tag", None, "test.com", "tag", None),
    ("test.com:5000", None, "test.com", "5000", None),
    ("test.com/repo:tag", "test.com", "repo", "tag", None),
    ("test:5000/repo", "test:5000", "repo", None, None),
    ("test:5000/repo:tag", "test:5000", "repo", "tag", None),
    ("test:5000/repo@" + SHA, "test:5000", "repo", None, SHA),
    ("test:5000/repo:tag@" + SHA, "test:5000", "repo", "tag", SHA),
    ("lowercase:Uppercase", None, "lowercase", "Uppercase", None),
    ("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", None, None),
    ("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app", "test.example.com", None),
    ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", None),
    ("foo_bar.com:8080", None, "foo_bar.com", "8080", None),
    ("foo/foo_bar.com:8080", None, "foo/foo_bar.com", "8080", None),
    ("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", None, None),
    ("localhost/repo", "localhost", "repo", None, None),
    ("Localhost:5000/repo:v1", "Localhost:5000", "repo", "v1", None),
    ("foo__bar--baz", None, "foo__bar--baz", None, None),
    ("redis:7-alpine", None, "redis", "7-alpine", None),
    ("public.ecr.aws/docker/library/redis:7.2-alpine", "public.ecr.aws", "docker/library/redis", "7.2-alpine", None),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/countweb/web:1a2b3c4d5e6f", "123456789012.dkr.ecr.us-east-1.amazonaws.com",
     "countweb/web", "1a2b3c4d5e6f", None),
    ("localhost/fargate-microservice/golang-offline:debian", "localhost", "fargate-microservice/golang-offline", "debian", None),
])
def test_valid_references_are_split(reference, domain, path, tag, digest):
    assert parse_image_reference(reference) == {"domain": domain, "path": path, "tag": tag, "digest": digest}
    assert image_reference_error(reference, "task_web_image") == ""


@pytest.mark.parametrize("reference, reason", [
    ("Bad Image!!:@@", "white space"),
    ("", "empty"),
    (" redis", "white space"),
    (":justtag", "no repository name"),
    ("@" + SHA, "no repository name"),
    ("repo@sha256:" + "f" * 63, "64 hex digits, not 63"),
    ("validname@invaliddigest:" + "f" * 64, "not one of sha256"),
    ("repo@sha256:xyz", "not <algorithm>:<hex digits>"),
    ("Uppercase:tag", "upper-case letters"),
    ("test:5000/Uppercase/lowercase:tag", "upper-case letters"),
    ("aa/asdf$$^/aa", "'asdf$$^' is not lower-case"),
    ("foo..bar", "'foo..bar' is not lower-case"),
    ("foo___bar", "is not lower-case"),
    ("-foo", "is not lower-case"),
    ("foo-", "is not lower-case"),
    ("a/" * 128 + "a", "more than 255"),
    ("redis:", "the tag ''"),
    ("redis:-x", "the tag '-x'"),
    ("redis:" + "t" * 129, "the tag"),
    ("a" * 64, "image id"),
    ("-bad.example.com/repo", "the registry '-bad.example.com'"),
    ("example.com:port/repo", "the registry 'example.com:port'"),
])
def test_malformed_references_are_refused_with_a_reason(reference, reason):
    with pytest.raises(ValueError) as err:
        parse_image_reference(reference)
    assert reason in str(err.value)
    message = image_reference_error(reference, "task_web_image")
    assert message.startswith(f"task_web_image {reference!r} is not a valid image reference (")
    assert reason in message and message.endswith(".")


def test_filter_names_each_bad_variable_and_skips_empty_ones():
    errors = image_reference_errors({"task_web_image": "Bad Image!!:@@", "task_redis_image": "", "other": "redis:7",
                                     "none": None})
    assert len(errors) == 1 and errors[0].startswith("task_web_image 'Bad Image!!:@@' is not a valid image reference")
    assert image_reference_errors({"a": "Redis", "b": "x@y"}) == [image_reference_error("Redis", "a"),
                                                                  image_reference_error("x@y", "b")]
