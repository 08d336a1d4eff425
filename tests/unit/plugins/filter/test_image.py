# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the image_source_tag filter (the content-hash tag image_build and the task role share)."""

from __future__ import annotations

import hashlib

import pytest

from ansible_collections.fargate.microservice.plugins.filter.image import image_source_tag

CTX = "/src/app/web"
BASE = "public.ecr.aws/docker/library/golang:1.23.4-alpine"
FILES = [
    {"path": CTX + "/main.go", "checksum": "1" * 40},
    {"path": CTX + "/Dockerfile", "checksum": "2" * 40},
    {"path": CTX + "/go.mod", "checksum": "3" * 40},
]


def test_the_tag_is_the_documented_hash():
    # The lines, sorted by path case-insensitively, joined by a backslash and an n (the format of
    # the Jinja expression that computed it before, so unchanged sources keep their tags).
    text = "\\n".join(["Dockerfile " + "2" * 40, "go.mod " + "3" * 40, "main.go " + "1" * 40,
                       "base=" + BASE, "platform=linux/amd64"])
    assert image_source_tag(FILES, CTX, BASE, "linux/amd64") == hashlib.sha256(text.encode()).hexdigest()[:12]


def test_the_order_of_the_files_does_not_matter():
    assert image_source_tag(FILES, CTX, BASE) == image_source_tag(list(reversed(FILES)), CTX, BASE)


def test_a_context_given_through_dot_dot_gives_the_same_tag(tmp_path):
    ctx = tmp_path / "app" / "web"
    ctx.mkdir(parents=True)
    files = [{"path": str(ctx / "main.go"), "checksum": "1" * 40}]
    via = str(tmp_path / "roles" / "image_build" / ".." / ".." / "app" / "web")
    (tmp_path / "roles" / "image_build").mkdir(parents=True)
    assert image_source_tag(files, via, BASE) == image_source_tag(files, str(ctx), BASE)


@pytest.mark.parametrize("change", [
    lambda f, b, p: ([dict(f[0], checksum="9" * 40)] + f[1:], b, p),     # a file's content
    lambda f, b, p: ([dict(f[0], path=CTX + "/other.go")] + f[1:], b, p),  # a file's name
    lambda f, b, p: (f[1:], b, p),                                         # a file removed
    lambda f, b, p: (f, b + "-other", p),                                  # the base image
    lambda f, b, p: (f, b, "linux/arm64"),                                 # the platform
], ids=["content", "name", "removed", "base", "platform"])
def test_every_input_changes_the_tag(change):
    files, base, platform = change(FILES, BASE, "linux/amd64")
    assert image_source_tag(files, CTX, base, platform) != image_source_tag(FILES, CTX, BASE, "linux/amd64")


@pytest.mark.parametrize("length", [8, 12, 64])
def test_length(length):
    tag = image_source_tag(FILES, CTX, BASE, "", length)
    assert len(tag) == length and all(c in "0123456789abcdef" for c in tag)
