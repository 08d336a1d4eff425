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


# --- one find over several contexts (image_build's sources.yml) ----------------------------------

from ansible.errors import AnsibleFilterError  # noqa: E402

from ansible_collections.fargate.microservice.plugins.filter.image import image_build_found  # noqa: E402
from ansible_collections.fargate.microservice.plugins.filter.image import image_build_lookups  # noqa: E402
from ansible_collections.fargate.microservice.plugins.filter.image import image_source_refs  # noqa: E402

REDIS = "/src/app/redis"
REDIS_FILES = [{"path": REDIS + "/Dockerfile", "checksum": "4" * 40}, {"path": REDIS + "/redis.conf", "checksum": "5" * 40}]
IMAGES = [{"name": "web", "context": CTX, "base": BASE}, {"name": "redis", "context": REDIS, "base": "redis:7"}]


def test_one_find_over_both_contexts_gives_each_the_tag_of_its_own_find():
    both = FILES + REDIS_FILES
    assert image_source_tag(both, CTX, BASE) == image_source_tag(FILES, CTX, BASE)
    assert image_source_tag(both, REDIS, "redis:7") == image_source_tag(REDIS_FILES, REDIS, "redis:7")
    # A context whose name starts like another's is not mistaken for it.
    assert image_source_tag(FILES + [{"path": CTX + "-old/x", "checksum": "6" * 40}], CTX, BASE) == \
        image_source_tag(FILES, CTX, BASE)


def test_nested_contexts_count_each_file_once():
    # find lists the inner context's files twice when both contexts are its paths.
    inner = [{"path": CTX + "/static/app.js", "checksum": "7" * 40}]
    once = image_source_tag(FILES + inner, CTX, BASE)
    assert image_source_tag(FILES + inner + inner, CTX, BASE) == once
    assert image_source_tag(FILES + inner + inner, CTX + "/static", BASE) == image_source_tag(inner, CTX + "/static", BASE)


def test_lookups_name_the_repositories_and_the_tags_in_order():
    lookups = image_build_lookups(IMAGES, FILES + REDIS_FILES, "countweb", "linux/amd64", 12)
    assert lookups == [
        {"repository_name": "countweb/web", "image_tag": image_source_tag(FILES, CTX, BASE, "linux/amd64")},
        {"repository_name": "countweb/redis", "image_tag": image_source_tag(REDIS_FILES, REDIS, "redis:7", "linux/amd64")},
    ]
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/countweb/web"
    known = image_build_lookups(IMAGES, FILES + REDIS_FILES, "countweb", "linux/amd64", 12, {"countweb/web": uri})
    assert known[0]["repository_uri"] == uri and "repository_uri" not in known[1]


def test_found_pairs_in_order_and_refuses_other_answers():
    answers = [{"repository_name": "countweb/web", "image_tag": "a" * 12, "exists": True, "repository_exists": True,
                "image_uri": "r/countweb/web:" + "a" * 12},
               {"repository_name": "countweb/redis", "image_tag": "b" * 12, "exists": False, "repository_exists": False}]
    found = image_build_found(answers, IMAGES)
    assert [(p["item"]["name"], p["image"]["image_tag"]) for p in found] == [("web", "a" * 12), ("redis", "b" * 12)]
    with pytest.raises(AnsibleFilterError, match="1 answers for 2 images"):
        image_build_found(answers[:1], IMAGES)
    assert image_source_refs(found) == {
        "web": {"image_tag": "a" * 12, "image_uri": "r/countweb/web:" + "a" * 12, "exists": True},
        # No repository yet (check mode on an empty stack): <repository>:<tag>.
        "redis": {"image_tag": "b" * 12, "image_uri": "countweb/redis:" + "b" * 12, "exists": False},
    }


def test_a_context_without_a_listed_dockerfile_is_named():
    from ansible_collections.fargate.microservice.plugins.filter.image import image_context_errors
    assert image_context_errors(IMAGES, FILES + REDIS_FILES) == []
    # A context given with a trailing slash or through .. still finds its Dockerfile.
    assert image_context_errors([dict(IMAGES[0], context=CTX + "/"), dict(IMAGES[1], context=REDIS + "/../redis")],
                                FILES + REDIS_FILES) == []
    errors = image_context_errors(IMAGES, FILES)
    assert errors == ["/src/app/redis/Dockerfile does not exist (as a regular file the image tag covers): set "
                      "image_build_redis_context to a directory with a Dockerfile."]
