# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the ecr_repository logic: pure planning functions, and the create / update / check
mode / ownership / delete flows against a real moto server (see conftest.py)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _ecr_repository as repo

OWN = {"fargate.microservice/deployment": "countweb"}
POLICY = {"rules": [{"rulePriority": 1, "description": "Keep the newest 20 images",
                     "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20},
                     "action": {"type": "expire"}}]}


def params(**over):
    base = {"name": "countweb/web", "state": "present", "image_tag_mutability": "immutable", "scan_on_push": True,
            "lifecycle_policy": json.dumps(POLICY), "tags": dict(OWN, Name="countweb/web"), "purge_tags": True,
            "ownership_tags": OWN, "force_delete": False}
    base.update(over)
    return base


@pytest.mark.parametrize("policy, expected", [
    (None, None),
    ('{"rules": []}', {"rules": []}),
    ({"rules": []}, {"rules": []}),
])
def test_normalize_policy(policy, expected):
    assert repo.normalize_policy(policy) == expected


@pytest.mark.parametrize("policy", ["[1, 2]", "not json"])
def test_normalize_policy_rejects_non_objects(policy):
    with pytest.raises(ValueError):
        repo.normalize_policy(policy)


def test_policies_compare_by_content():
    assert repo.policies_equal({"a": 1, "b": [1, 2]}, json.loads('{"b": [1, 2], "a": 1}'))
    assert not repo.policies_equal({"a": 1}, {"a": 2})


def test_plan_update_lists_only_differences():
    current = {"image_tag_mutability": "MUTABLE", "scan_on_push": True, "lifecycle_policy": POLICY,
               "tags": {"Name": "countweb/web", "old": "x", **OWN}}
    desired = repo.desired_settings(params())
    assert repo.plan_update(current, desired) == {"image_tag_mutability": "IMMUTABLE", "tags_to_remove": ["old"]}
    current.update(image_tag_mutability="IMMUTABLE", tags=dict(OWN, Name="countweb/web"))
    assert repo.plan_update(current, desired) == {}
    assert repo.plan_update(dict(current, lifecycle_policy=None), desired) == {"lifecycle_policy": POLICY}


def test_create_then_no_change(moto_client):
    ecr = moto_client("ecr")
    created = repo.ensure_present(ecr, params(), check_mode=False)
    assert created["changed"] and created["diff"]["before"] == {}
    r = created["repository"]
    assert (r["image_tag_mutability"], r["scan_on_push"], r["lifecycle_policy"]) == ("IMMUTABLE", True, POLICY)
    assert r["tags"] == dict(OWN, Name="countweb/web")
    assert r["repository_uri"].endswith("/countweb/web")
    again = repo.ensure_present(ecr, params(), check_mode=False)
    assert not again["changed"]
    assert again["diff"]["before"] == again["diff"]["after"]


def test_check_mode_creates_nothing_even_with_a_lifecycle_policy(moto_client):
    ecr = moto_client("ecr")
    result = repo.ensure_present(ecr, params(), check_mode=True)
    assert result["changed"] and result["repository"]["repository_name"] == "countweb/web"
    assert ecr.describe_repositories()["repositories"] == []


def test_update_in_check_mode_then_for_real(moto_client):
    ecr = moto_client("ecr")
    repo.ensure_present(ecr, params(), check_mode=False)
    wanted = params(image_tag_mutability="mutable", scan_on_push=False, tags=dict(OWN, Name="countweb/web", team="a"),
                    lifecycle_policy=json.dumps({"rules": [dict(POLICY["rules"][0], selection=dict(
                        POLICY["rules"][0]["selection"], countNumber=5))]}))
    check = repo.ensure_present(ecr, wanted, check_mode=True)
    assert check["changed"] and check["diff"]["after"]["image_tag_mutability"] == "MUTABLE"
    assert repo.read_repository(ecr, "countweb/web")["image_tag_mutability"] == "IMMUTABLE"
    real = repo.ensure_present(ecr, wanted, check_mode=False)["repository"]
    assert (real["image_tag_mutability"], real["scan_on_push"]) == ("MUTABLE", False)
    assert real["lifecycle_policy"]["rules"][0]["selection"]["countNumber"] == 5
    assert real["tags"]["team"] == "a"
    assert not repo.ensure_present(ecr, wanted, check_mode=False)["changed"]


def test_unowned_repository_is_refused_and_kept(moto_client):
    ecr = moto_client("ecr")
    ecr.create_repository(repositoryName="countweb/web")
    with pytest.raises(repo.UnownedResourceError, match="does not carry the ownership tag"):
        repo.ensure_present(ecr, params(), check_mode=False)
    result = repo.ensure_absent(ecr, params(state="absent"), check_mode=False)
    assert result == {"changed": False, "skipped_unowned": True, "repository": result["repository"],
                      "diff": result["diff"]}
    assert repo.read_repository(ecr, "countweb/web")["tags"] == {}


def test_delete_owned_repository_with_images(moto_client):
    ecr = moto_client("ecr")
    repo.ensure_present(ecr, params(), check_mode=False)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                                      "digest": "sha256:" + "0" * 64}, "layers": []})
    ecr.put_image(repositoryName="countweb/web", imageManifest=manifest, imageTag="v1")
    assert repo.ensure_absent(ecr, params(state="absent"), check_mode=True)["changed"]
    assert repo.read_repository(ecr, "countweb/web") is not None
    with pytest.raises(Exception, match="RepositoryNotEmpty"):
        repo.ensure_absent(ecr, params(state="absent"), check_mode=False)
    assert repo.ensure_absent(ecr, params(state="absent", force_delete=True), check_mode=False)["changed"]
    assert repo.read_repository(ecr, "countweb/web") is None
    assert not repo.ensure_absent(ecr, params(state="absent"), check_mode=False)["changed"]
