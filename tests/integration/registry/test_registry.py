# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Integration test of the registry role against the emulator (real moto server, no mocks).

Run: .venv/bin/python -m pytest -v tests/integration/registry   (IT_EMULATOR_PORT, default 5199)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

CONVERGE = "tests/integration/registry/converge.yml"
D = "itreg"
EXTRA = json.dumps({"microservice_tags": {"team": "web"}})


@pytest.fixture(scope="module", autouse=True)
def emulator():
    itlib.start_emulator()
    itlib.reset_emulator()
    yield
    itlib.reset_emulator()
    itlib.stop_emulator()


def repos(ecr, names):
    found = {}
    for name in names:
        try:
            found[name] = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
        except ecr.exceptions.RepositoryNotFoundException:
            pass
    return found


def tags_of(ecr, arn):
    return {t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(resourceArn=arn)["tags"]}


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"registry_keep_images": 0}, "registry_keep_images must be between 1 and 10000"),
        ({"registry_repositories": ["Web App"]}, "registry_repositories must be a non-empty list"),
        ({"registry_repositories": []}, "registry_repositories must be a non-empty list"),
        ({"microservice_deployment": ""}, "microservice_deployment '' is invalid; use 1 to 20 characters"),
        ({"microservice_deployment": "Bad_Name"}, "microservice_deployment 'Bad_Name' is invalid; use 1 to 20 characters"),
        ({"registry_image_tag_mutability": "sometimes"}, "registry_image_tag_mutability"),
    ],
)
def test_bad_input_fails_before_any_aws_call(extra, message):
    extra.setdefault("microservice_deployment", D)
    run = itlib.playbook(CONVERGE, "-e", json.dumps(extra))
    assert run.rc != 0, run
    assert message in run.out, run
    assert itlib.client("ecr").describe_repositories()["repositories"] == []


def test_check_mode_on_empty_stack_changes_nothing():
    run = itlib.playbook(CONVERGE, "--check", "--diff", "-e", EXTRA, microservice_deployment=D)
    assert run.rc == 0 and run.changed >= 1, run
    assert itlib.client("ecr").describe_repositories()["repositories"] == []


def test_deploy_then_rerun_is_idempotent():
    ecr = itlib.client("ecr")
    run = itlib.playbook(CONVERGE, "-e", EXTRA, microservice_deployment=D)
    assert run.rc == 0 and run.changed >= 1, run
    found = repos(ecr, [f"{D}/web", f"{D}/redis"])
    assert sorted(found) == [f"{D}/redis", f"{D}/web"]
    for name, repo in found.items():
        assert repo["imageTagMutability"] == "IMMUTABLE"
        assert repo["imageScanningConfiguration"]["scanOnPush"] is True
        assert tags_of(ecr, repo["repositoryArn"]) == {"Name": name, itlib.OWNER_KEY: D, "team": "web"}
        policy = json.loads(ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])
        rule = policy["rules"][0]
        assert rule["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20}
        assert rule["action"] == {"type": "expire"}

    again = itlib.playbook(CONVERGE, "-e", EXTRA, microservice_deployment=D)
    assert again.rc == 0 and again.changed == 0, again
    # registry_output: each repository's URI by name, as ECR gives it (image_build's one-request lookups use it).
    output = again.out[again.out.index("registry_output:"):]
    for name, repo in found.items():
        assert f"{name}: {repo['repositoryUri']}" in output, again
    check = itlib.playbook(CONVERGE, "--check", "--diff", "-e", EXTRA, microservice_deployment=D)
    assert check.rc == 0 and check.changed == 0, check


def test_drift_is_reported_in_check_mode_and_repaired():
    ecr = itlib.client("ecr")
    ecr.put_image_tag_mutability(repositoryName=f"{D}/web", imageTagMutability="MUTABLE")
    ecr.untag_resource(resourceArn=repos(ecr, [f"{D}/web"])[f"{D}/web"]["repositoryArn"], tagKeys=["team"])
    check = itlib.playbook(CONVERGE, "--check", "--diff", "-e", EXTRA, microservice_deployment=D)
    assert check.rc == 0 and check.changed == 1, check
    assert "-    image_tag_mutability: MUTABLE" in check.out and "+    image_tag_mutability: IMMUTABLE" in check.out, check
    assert repos(ecr, [f"{D}/web"])[f"{D}/web"]["imageTagMutability"] == "MUTABLE"
    run = itlib.playbook(CONVERGE, "-e", EXTRA, microservice_deployment=D)
    assert run.rc == 0 and run.changed == 1, run
    web = repos(ecr, [f"{D}/web"])[f"{D}/web"]
    assert web["imageTagMutability"] == "IMMUTABLE"
    assert tags_of(ecr, web["repositoryArn"])["team"] == "web"


def test_a_repository_of_someone_else_is_never_touched():
    ecr = itlib.client("ecr")
    decoy = ecr.create_repository(repositoryName="decoy/web", imageTagMutability="MUTABLE")["repository"]
    only_web = json.dumps({"registry_repositories": ["web"]})
    run = itlib.playbook(CONVERGE, "-e", only_web, microservice_deployment="decoy")
    assert run.rc != 0, run
    assert "does not carry the ownership tag" in run.out, run
    gone = itlib.playbook(CONVERGE, "-e", only_web, microservice_deployment="decoy", registry_state="absent")
    assert gone.rc == 0 and gone.changed == 0, gone
    assert "Left the ECR repository decoy/web alone" in gone.out, gone
    left = repos(ecr, ["decoy/web"])["decoy/web"]
    assert left["imageTagMutability"] == "MUTABLE"
    assert tags_of(ecr, decoy["repositoryArn"]) == {}


def test_teardown_removes_only_ours_and_is_idempotent():
    ecr = itlib.client("ecr")
    # An image in the repository: teardown must delete it too (force delete).
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                                      "digest": "sha256:" + "0" * 64}, "layers": []})
    ecr.put_image(repositoryName=f"{D}/web", imageManifest=manifest, imageTag="v1")
    check = itlib.playbook(CONVERGE, "--check", microservice_deployment=D, registry_state="absent")
    assert check.rc == 0 and check.changed == 1, check
    assert len(repos(ecr, [f"{D}/web", f"{D}/redis"])) == 2
    run = itlib.playbook(CONVERGE, microservice_deployment=D, registry_state="absent")
    assert run.rc == 0 and run.changed == 1, run
    assert repos(ecr, [f"{D}/web", f"{D}/redis"]) == {}
    assert "decoy/web" in repos(ecr, ["decoy/web"])
    again = itlib.playbook(CONVERGE, microservice_deployment=D, registry_state="absent")
    assert again.rc == 0 and again.changed == 0, again
