# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the ecr_image_refs filter."""

from __future__ import annotations

import pytest

from ansible_collections.fargate.microservice.plugins.filter.ecr import ecr_image_refs

DIGEST = "sha256:" + "ab" * 32
URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/countweb/web"


@pytest.mark.parametrize("image, expected", [
    (f"{URI}:1.0.0", dict(registry="123456789012", region="us-east-1", repository="countweb/web", tag="1.0.0",
                          digest=None, checked=True)),
    (f"{URI}:1.0.0@{DIGEST}", dict(registry="123456789012", region="us-east-1", repository="countweb/web",
                                   tag="1.0.0", digest=DIGEST, checked=True)),
    (f"{URI}@{DIGEST}", dict(registry="123456789012", region="us-east-1", repository="countweb/web", tag=None,
                             digest=DIGEST, checked=True)),
    (URI, dict(registry="123456789012", region="us-east-1", repository="countweb/web", tag=None, digest=None,
               checked=False)),
    ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/countweb/web:1", dict(region="eu-west-1", tag="1", checked=False)),
    ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/countweb/web:1",
     dict(region="cn-north-1", repository="countweb/web", checked=False)),
    ("public.ecr.aws/docker/library/redis:7", dict(registry=None, repository=None, tag=None, checked=False)),
    ("redis:7", dict(registry=None, checked=False)),
])
def test_ecr_image_refs(image, expected):
    (ref,) = ecr_image_refs({"web": image}, "us-east-1")
    assert ref["container"] == "web" and ref["image"] == image
    for key, value in expected.items():
        assert ref[key] == value, key


def test_sorted_by_container():
    refs = ecr_image_refs({"web": f"{URI}:1", "redis": "redis:7"}, "us-east-1")
    assert [r["container"] for r in refs] == ["redis", "web"]
