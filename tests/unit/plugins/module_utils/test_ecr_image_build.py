# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the ECR token and image logic, against a real moto server (the AWS emulator)
started for this module on a free loopback port (skipped, saying why, when moto is missing)."""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _ecr_auth as auth
from ansible_collections.fargate.microservice.plugins.module_utils import _ecr_image as img

boto3 = pytest.importorskip("boto3", reason="boto3 is not installed: run `make venv`")

MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1967,
                   "digest": "sha256:" + "a" * 64},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar", "size": 6608384,
                    "digest": "sha256:" + "b" * 64}],
    },
    separators=(",", ":"),
)


@pytest.fixture
def ecr(moto_client):
    """An ECR client of the conftest's real moto server, its state reset."""
    return moto_client("ecr")


# --- authorization token -------------------------------------------------------------------

@pytest.mark.parametrize("token,expected", [
    (base64.b64encode(b"AWS:secret").decode(), ("AWS", "secret")),
    (base64.b64encode(b"AWS:a:b").decode(), ("AWS", "a:b")),
])
def test_decode_token(token, expected):
    assert auth.decode_token(token) == expected


@pytest.mark.parametrize("token", ["not base64!", base64.b64encode(b"nocolon").decode(), base64.b64encode(b":x").decode()])
def test_decode_token_rejects(token):
    with pytest.raises(auth.TokenError):
        auth.decode_token(token)


@pytest.mark.parametrize("endpoint_url,host", [
    ("https://123456789012.dkr.ecr.us-east-1.amazonaws.com", "123456789012.dkr.ecr.us-east-1.amazonaws.com"),
    ("https://r.example/", "r.example"),
])
def test_registry_host(endpoint_url, host):
    assert auth.registry_host(endpoint_url) == host


def test_get_authorizations_from_emulator(ecr):
    (login,) = auth.get_authorizations(ecr)
    assert login["username"] == "AWS"
    assert login["password"]
    assert login["registry"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert login["proxy_endpoint"] == "https://" + login["registry"]
    assert login["expires_at"].endswith("+00:00")


def test_get_authorizations_for_given_registries(ecr):
    logins = auth.get_authorizations(ecr, ["111111111111", "222222222222"])
    assert [x["registry"].split(".")[0] for x in logins] == ["111111111111", "222222222222"]


# --- images --------------------------------------------------------------------------------

def params(**kw):
    base = {"repository_name": "countweb/web", "image_tag": "abc123", "image_manifest": None,
            "image_manifest_media_type": None, "registry_id": None}
    base.update(kw)
    return base


def test_manifest_digest_is_sha256_of_text():
    assert img.manifest_digest('{"a":1}') == "sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"


@pytest.mark.parametrize("manifest,media,error", [
    ("not json", None, "not JSON"),
    ("[]", None, "no schemaVersion"),
    ('{"schemaVersion": 2}', None, "no mediaType"),
])
def test_manifest_media_type_rejects(manifest, media, error):
    with pytest.raises(ValueError, match=error):
        img.manifest_media_type(manifest, media)


def test_manifest_media_type_explicit():
    assert img.manifest_media_type('{"schemaVersion": 2}', "application/x") == "application/x"


@pytest.mark.parametrize("current,desired,immutable,action", [
    (None, None, True, "none"),
    (None, "sha256:1", True, "put"),
    ({"imageDigest": "sha256:1"}, "sha256:1", True, "none"),
    ({"imageDigest": "sha256:1"}, "sha256:2", False, "put"),
])
def test_plan(current, desired, immutable, action):
    assert img.plan(current, desired, immutable) == action


def test_plan_immutable_conflict():
    with pytest.raises(img.ImageTagConflict):
        img.plan({"imageDigest": "sha256:1"}, "sha256:2", True)


def test_missing_repository(ecr):
    with pytest.raises(LookupError):
        img.ensure_image(ecr, params(), False)


def test_lookup_absent_tag(ecr):
    ecr.create_repository(repositoryName="countweb/web", imageTagMutability="IMMUTABLE")
    result = img.ensure_image(ecr, params(), False)
    assert result["changed"] is False
    assert result["image"]["exists"] is False
    assert result["image"]["image_uri"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/countweb/web:abc123"


def test_record_manifest_check_mode_then_apply_then_idempotent(ecr):
    ecr.create_repository(repositoryName="countweb/web", imageTagMutability="IMMUTABLE")
    digest = img.manifest_digest(MANIFEST)

    checked = img.ensure_image(ecr, params(image_manifest=MANIFEST), True)
    assert checked["changed"] is True
    assert checked["image"]["image_digest"] == digest
    assert ecr.list_images(repositoryName="countweb/web")["imageIds"] == []

    applied = img.ensure_image(ecr, params(image_manifest=MANIFEST), False)
    assert applied["changed"] is True
    assert applied["image"]["exists"] is True
    assert applied["image"]["image_digest"] == digest
    assert applied["image"]["image_uri_digest"].endswith("/countweb/web@" + digest)
    assert applied["diff"]["before"]["image_digest"] is None
    # The task role finds the newest image in the repository this way.
    (detail,) = ecr.describe_images(repositoryName="countweb/web")["imageDetails"]
    assert detail["imageTags"] == ["abc123"] and detail["imageDigest"] == digest and detail["imagePushedAt"]

    again = img.ensure_image(ecr, params(image_manifest=MANIFEST), False)
    assert again["changed"] is False
    looked_up = img.ensure_image(ecr, params(), False)
    assert looked_up["image"]["image_digest"] == digest and looked_up["changed"] is False


def test_immutable_tag_with_other_manifest_fails(ecr):
    ecr.create_repository(repositoryName="countweb/web", imageTagMutability="IMMUTABLE")
    img.ensure_image(ecr, params(image_manifest=MANIFEST), False)
    other = MANIFEST.replace("b" * 64, "c" * 64)
    with pytest.raises(img.ImageTagConflict):
        img.ensure_image(ecr, params(image_manifest=other), False)


def test_mutable_tag_moves(ecr):
    ecr.create_repository(repositoryName="countweb/web", imageTagMutability="MUTABLE")
    img.ensure_image(ecr, params(image_manifest=MANIFEST), False)
    other = MANIFEST.replace("b" * 64, "c" * 64)
    moved = img.ensure_image(ecr, params(image_manifest=other), False)
    assert moved["changed"] is True
    assert moved["image"]["image_digest"] == img.manifest_digest(other)


# --- lookup by digest (an image reference repository@sha256:..., as a task definition may pin) ---

def test_lookup_by_digest(ecr):
    ecr.create_repository(repositoryName="countweb/web", imageTagMutability="IMMUTABLE")
    digest = img.ensure_image(ecr, params(image_manifest=MANIFEST), False)["image"]["image_digest"]
    found = img.ensure_image(ecr, params(image_tag=None, image_digest=digest), False)
    assert found["changed"] is False
    assert found["image"]["exists"] is True
    assert found["image"]["image_digest"] == digest
    assert found["image"]["image_tags"] == ["abc123"]
    assert found["image"]["image_tag"] is None
    assert found["image"]["image_uri"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/countweb/web@" + digest


@pytest.mark.parametrize("tagged", [True, False])
def test_lookup_by_absent_digest(ecr, tagged):
    ecr.create_repository(repositoryName="countweb/web", imageTagMutability="IMMUTABLE")
    if tagged:
        img.ensure_image(ecr, params(image_manifest=MANIFEST), False)
    # ECR answers ImageNotFoundException for a digest it does not hold.
    missing = img.ensure_image(ecr, params(image_tag=None, image_digest="sha256:" + "0" * 64), False)
    assert missing["image"]["exists"] is False
    assert "image_digest" not in missing["image"]


def test_digest_lookup_sends_image_digest(ecr):
    """Our side of the contract: the DescribeImages request names the digest (botocore's ImageIdentifier)."""
    ecr.create_repository(repositoryName="countweb/web")
    sent = []
    ecr.meta.events.register("provide-client-params.ecr.DescribeImages", lambda params, **kw: sent.append(params))
    img.find_image(ecr, "countweb/web", None, None, "sha256:" + "1" * 64)
    assert sent == [{"repositoryName": "countweb/web", "imageIds": [{"imageDigest": "sha256:" + "1" * 64}]}]


@pytest.mark.parametrize("digest, ok", [
    ("sha256:" + "ab" * 32, True), ("sha256:" + "AB" * 32, False), ("sha256:" + "a" * 63, False), ("ab" * 32, False),
])
def test_digest_form(digest, ok):
    assert bool(img.DIGEST_RE.match(digest)) is ok


# --- a lookup with the repository's URI known (the registry role's registry_output) ----------------------

URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/countweb/web"


def _operations(ecr):
    sent = []
    ecr.meta.events.register("provide-client-params.ecr.*", lambda params, model, **kw: sent.append(model.name))
    return sent


def test_known_uri_lookup_is_one_describe_images(ecr):
    """Our side: with repository_uri, a lookup sends DescribeImages only, and answers as the two-request lookup."""
    ecr.create_repository(repositoryName="countweb/web", imageTagMutability="IMMUTABLE")
    img.ensure_image(ecr, params(image_manifest=MANIFEST), False)
    slow = img.ensure_image(ecr, params(), False)
    sent = _operations(ecr)
    fast = img.ensure_image(ecr, params(repository_uri=URI), False)
    assert sent == ["DescribeImages"]
    assert fast == slow and fast["image"]["exists"] is True


def test_known_uri_absent_tag_and_missing_repository(ecr):
    ecr.create_repository(repositoryName="countweb/web")
    absent = img.ensure_image(ecr, params(repository_uri=URI), False)
    assert absent["image"]["exists"] is False and absent["image"]["image_uri"] == URI + ":abc123"
    ecr.delete_repository(repositoryName="countweb/web", force=True)
    # DescribeImages answers RepositoryNotFoundException (one of its errors in botocore's ecr model).
    with pytest.raises(LookupError):
        img.ensure_image(ecr, params(repository_uri=URI), False)


def test_known_uri_is_not_used_to_record(ecr):
    """Recording needs the repository's tag mutability: DescribeRepositories is still read."""
    ecr.create_repository(repositoryName="countweb/web")
    sent = _operations(ecr)
    img.ensure_image(ecr, params(image_manifest=MANIFEST, repository_uri=URI), False)
    assert sent[0] == "DescribeRepositories" and "PutImage" in sent


# --- several lookups in one module run (ecr_image's images) ------------------------------------

def _sent_params(ecr):
    """(operation, parameters) of each request the client sends (parameters as our side passes them)."""
    sent = []
    ecr.meta.events.register("provide-client-params.ecr.*",
                             lambda params, model, **kw: sent.append((model.name, dict(params))))
    return sent


LOOKUPS = [{"repository_name": "countweb/web", "image_tag": "abc123"},
           {"repository_name": "countweb/redis", "image_tag": "def456"}]


def test_lookups_read_both_repositories_in_one_request(ecr):
    """Our side: both repositories in one DescribeRepositories, then one DescribeImages per image, in order."""
    ecr.create_repository(repositoryName="countweb/web")
    ecr.create_repository(repositoryName="countweb/redis")
    img.ensure_image(ecr, params(image_manifest=MANIFEST), False)
    sent = _sent_params(ecr)
    found = img.lookup_images(ecr, LOOKUPS)
    assert sent == [
        ("DescribeRepositories", {"repositoryNames": ["countweb/web", "countweb/redis"]}),
        ("DescribeImages", {"repositoryName": "countweb/web", "imageIds": [{"imageTag": "abc123"}]}),
        ("DescribeImages", {"repositoryName": "countweb/redis", "imageIds": [{"imageTag": "def456"}]}),
    ]
    assert [f["repository_exists"] for f in found] == [True, True]
    assert [f["exists"] for f in found] == [True, False]
    # Each answer is what a single lookup answers, plus repository_exists.
    assert dict(found[0], repository_exists=None) == dict(img.ensure_image(ecr, params(), False)["image"],
                                                          repository_exists=None)
    assert found[1]["image_uri"].endswith("/countweb/redis:def456")


def test_lookups_with_known_uris_send_describe_images_only(ecr):
    ecr.create_repository(repositoryName="countweb/web")
    ecr.create_repository(repositoryName="countweb/redis")
    sent = _sent_params(ecr)
    uris = [URI, URI.replace("/web", "/redis")]
    found = img.lookup_images(ecr, [dict(lk, repository_uri=u) for lk, u in zip(LOOKUPS, uris)])
    assert [call[0] for call in sent] == ["DescribeImages", "DescribeImages"]
    assert [f["repository_uri"] for f in found] == uris


def test_a_missing_repository_is_answered_not_raised(ecr):
    """DescribeRepositories refuses the whole call when one name is missing (RepositoryNotFoundException, one of
    its errors in botocore's ecr model): each repository is then asked alone, and the missing one is reported."""
    ecr.create_repository(repositoryName="countweb/redis")
    sent = _sent_params(ecr)
    found = img.lookup_images(ecr, LOOKUPS)
    assert [call[0] for call in sent] == ["DescribeRepositories", "DescribeRepositories", "DescribeRepositories",
                                          "DescribeImages"]
    assert [p["repositoryNames"] for op, p in sent if op == "DescribeRepositories"] == [
        ["countweb/web", "countweb/redis"], ["countweb/web"], ["countweb/redis"]]
    assert found[0] == {"repository_name": "countweb/web", "image_tag": "abc123", "exists": False,
                        "repository_exists": False}
    assert found[1]["repository_exists"] is True and found[1]["exists"] is False


def test_a_known_uri_of_a_deleted_repository_is_answered_missing(ecr):
    found = img.lookup_images(ecr, [dict(LOOKUPS[0], repository_uri=URI)])
    assert found == [{"repository_name": "countweb/web", "image_tag": "abc123", "exists": False,
                      "repository_exists": False}]


def test_no_lookups_send_nothing(ecr):
    sent = _sent_params(ecr)
    assert img.lookup_images(ecr, []) == [] and sent == []
