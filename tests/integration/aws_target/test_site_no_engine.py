# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`ansible-playbook -i inventory/aws site.yml` against the emulator with no container engine.

- Images given (task_web_image, task_redis_image), DOCKER_HOST naming a socket that does not
  exist (an explicit DOCKER_HOST is the only address tried, so no engine of this machine is
  visible): image_build says it is skipped and why, the whole of site.yml runs through, the
  task definition runs the given images, the service-linked roles are in place, and a rerun
  reports changed=0. The emulator runs no tasks (MOTO_ECS_SERVICE_RUNNING=2 makes it report
  two running, so the rollout completes); there are no targets (service_wait_for_healthy_targets
  false) and the ALB's DNS name leads nowhere (verify_fetch false: the URL is printed, not fetched).
- The image the task runs is the one the sources give: sources A -> tag a in ECR, sources B ->
  tag b (pushed later, the newest), sources reverted to A -> the task definition runs a again,
  with no rebuild (image_build, with no engine, finds a in ECR and says so). The tags are
  computed here independently of the collection, from the documented format. moto hosts no
  registry, so the pushes are recorded with ECR's PutImage, the last call of a real push (as the
  local target records its images).
- On ARM64 (task_cpu_architecture) the tag is the linux/arm64 one: the task role run alone stops,
  naming that image, when it is not in ECR.

Run: .venv/bin/python -m pytest -q tests/integration/aws_target/test_site_no_engine.py
(its own emulator on IT_AWS_SITE_EMULATOR_PORT, else a free port; about 5-12 min on a busy machine)
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itlib  # noqa: E402  (tests/integration/fixtures, on the path through conftest.py)
from test_aws_target import ROOT, _client, ops, playbook, record, recorded, slr  # noqa: E402

D = "hisite"
NAMES = itlib.names(D)
NO_ENGINE = {"DOCKER_HOST": "unix:///nonexistent/hisite-docker.sock"}
GIVEN = {"task_web_image": "public.ecr.aws/docker/library/nginx:1.27",
         "task_redis_image": "public.ecr.aws/docker/library/redis:7.2.5-alpine"}
# What the emulator cannot do: run tasks (no targets to wait for) and serve the ALB's DNS name.
EMULATED = {"microservice_deployment": D, "service_wait_for_healthy_targets": False, "verify_fetch": False}
# image_build's defaults (roles/image_build/defaults/main.yml).
BASES = {"web": "public.ecr.aws/docker/library/golang:1.23.4-alpine",
         "redis": "public.ecr.aws/docker/library/redis:7.2.5-alpine"}


@pytest.fixture(scope="module")
def emulator(start_moto, tmp_path_factory):
    """The module's own emulator (tests/integration/conftest.py): records, and reports two running tasks a service."""
    recording = tmp_path_factory.mktemp("hisite-moto") / "recording"
    return start_moto(os.environ.get("IT_AWS_SITE_EMULATOR_PORT"), recording=recording,
                      env={"MOTO_ENABLE_RECORDING": "True", "MOTO_ECS_SERVICE_RUNNING": "2"}).url


def task_images(endpoint):
    """{container: image} of the newest revision of the deployment's family."""
    ecs = _client(endpoint, "ecs")
    arns = ecs.list_task_definitions(familyPrefix=NAMES["task_family"])["taskDefinitionArns"]
    arn = max(arns, key=lambda a: int(a.rsplit(":", 1)[1]))  # by revision number (the emulator ignores sort)
    definition = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    return {c["name"]: c["image"] for c in definition["containerDefinitions"]}


def test_site_runs_through_with_images_given_and_no_engine(emulator):
    record(emulator)
    run = playbook(emulator, "site.yml", env=dict(NO_ENGINE, FARGATE_MICROSERVICE_FULL_OUTPUT="true"), **EMULATED, **GIVEN)
    assert run.rc == 0, run
    # The run starts with the cost in short and ends with the summary status prints in short (URL, revision,
    # images, running / desired), then what now runs costs per hour (issue 11, point 5).
    cost = "Estimated cost in us-east-1 (network_nat_mode single): 0.1086 USD per hour"
    summary = f"Deployment {D} (aws target): http://"
    assert run.text.index(cost) < run.text.index(summary), run
    tail = run.text[run.text.rindex(summary):]
    assert "service web: task definition" in tail and "(revision 1), images redis:7.2.5-alpine, web:1.27;" in tail, run
    assert "running 2 / desired 2" in tail and cost in tail, run
    assert tail.index("running 2 / desired 2") < tail.index(cost) < tail.index("PLAY RECAP"), run
    assert ("Skipping image_build: image_build_web_image (task_web_image) and image_build_redis_image "
            "(task_redis_image) given") in run.text, run
    assert "so there is nothing to build and no container engine is needed" in run.text, run
    assert "Probe the Docker API" not in run.out, run
    assert task_images(emulator) == {"web": GIVEN["task_web_image"], "redis": GIVEN["task_redis_image"]}
    calls = recorded(emulator)
    names = ops(calls)
    assert names[0] == "GetCallerIdentity"
    assert "GetAuthorizationToken" not in names  # nothing is pushed
    assert slr(emulator, "ecs.amazonaws.com") and slr(emulator, "elasticloadbalancing.amazonaws.com")
    # elb_application_lb creates the listener untagged; alb_listener_tags then tags it with the load balancer's tags
    # (ELBv2 AddTags on the listener's ARN: ResourceArns.member.N, botocore's elbv2 model, AddTagsInput).
    elbv2 = _client(emulator, "elbv2")
    lb = elbv2.describe_load_balancers(Names=[NAMES["load_balancer"]])["LoadBalancers"][0]["LoadBalancerArn"]
    [listener] = [x["ListenerArn"] for x in elbv2.describe_listeners(LoadBalancerArn=lb)["Listeners"]]
    tagging = [i for i, c in enumerate(calls) if c[0] == "AddTags" and listener in c[1].values()]
    assert len(tagging) == 1 and tagging[0] > names.index("CreateListener"), names
    assert {t["Key"]: t["Value"] for t in elbv2.describe_tags(ResourceArns=[listener])["TagDescriptions"][0]["Tags"]} == {
        "Name": NAMES["load_balancer"], NAMES["ownership_tag_key"]: D}


def test_site_rerun_changes_nothing_and_keeps_the_service_linked_roles(emulator):
    record(emulator)
    run = playbook(emulator, "site.yml", env=NO_ENGINE, **EMULATED, **GIVEN)
    assert run.rc == 0 and run.changed == 0, run
    calls = ops(recorded(emulator))
    assert "CreateServiceLinkedRole" not in calls
    assert not [op for op in calls if op.startswith(("Delete", "Deregister"))], calls
    assert "AddTags" not in calls and "RemoveTags" not in calls, calls  # the listener's tags are as wanted
    assert slr(emulator, "ecs.amazonaws.com") and slr(emulator, "elasticloadbalancing.amazonaws.com")


# ---- the image the sources give -------------------------------------------------------------

def source_tag(context, base, platform, length=12):
    """The documented tag format (roles/image_build/README.md), computed here without the collection."""
    lines = []
    for path in sorted((p for p in Path(context).rglob("*") if p.is_file() and not fnmatch.fnmatch(p.name, "*_test.go")),
                       key=lambda p: str(p).lower()):
        lines.append(f"{path.relative_to(context)} {hashlib.sha1(path.read_bytes()).hexdigest()}")
    lines += [f"base={base}", f"platform={platform}"]
    return hashlib.sha256("\\n".join(lines).encode()).hexdigest()[:length]


def sources(tmp, name, web_change=""):
    """A copy of app/ (the build contexts) under tmp/name, with a line added to the web app's main.go."""
    root = tmp / name
    shutil.copytree(ROOT / "app", root)
    if web_change:
        with open(root / "web" / "main.go", "a", encoding="utf-8") as handle:
            handle.write(f"\n// {web_change}\n")
    return {"image_build_web_context": str(root / "web"), "image_build_redis_context": str(root / "redis")}


def tags(contexts, platform="linux/amd64"):
    return {name: source_tag(contexts[f"image_build_{name}_context"], BASES[name], platform) for name in ("web", "redis")}


def push(endpoint, tags_by_image):
    """Record the images in the emulated ECR as a push's last call (PutImage) does; distinct manifests."""
    ecr = _client(endpoint, "ecr")
    for name, tag in tags_by_image.items():
        config = hashlib.sha256(f"{name}:{tag}".encode()).hexdigest()
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                          "digest": f"sha256:{config}", "size": 100}, "layers": []})
        ecr.put_image(repositoryName=NAMES["repositories"][name], imageTag=tag, imageManifest=manifest,
                      imageManifestMediaType="application/vnd.oci.image.manifest.v1+json")
        time.sleep(1.1)  # push times a second apart: the later push is the newest


def ecr_uri(endpoint, name, tag):
    repo = _client(endpoint, "ecr").describe_repositories(repositoryNames=[NAMES["repositories"][name]])["repositories"][0]
    return f"{repo['repositoryUri']}:{tag}"


def test_reverted_sources_run_their_image_again_without_a_rebuild(emulator, tmp_path):
    a, b = sources(tmp_path, "a"), sources(tmp_path, "b", web_change="revision b")
    tag_a, tag_b = tags(a), tags(b)
    assert tag_a["web"] != tag_b["web"] and tag_a["redis"] == tag_b["redis"]

    # Sources A: the images built from them are in ECR; image_build finds them (no engine needed).
    push(emulator, tag_a)
    run = playbook(emulator, "site.yml", "--tags", "image_build,task", env=NO_ENGINE, **EMULATED, **a)
    assert run.rc == 0, run
    assert "(the tags the sources give) are in ECR already, so nothing is built or pushed" in run.text, run
    assert task_images(emulator) == {n: ecr_uri(emulator, n, tag_a[n]) for n in ("web", "redis")}

    # Sources B, pushed later (now the newest image): the task role alone follows them.
    push(emulator, {"web": tag_b["web"]})
    run = playbook(emulator, "site.yml", "--tags", "task", env=NO_ENGINE, **EMULATED, **b)
    assert run.rc == 0 and run.changed == 1, run
    assert task_images(emulator)["web"] == ecr_uri(emulator, "web", tag_b["web"])

    # Reverted to A: A's image again (not the newest), found in ECR, not rebuilt (no engine at all).
    record(emulator)
    run = playbook(emulator, "site.yml", "--tags", "image_build,task", env=NO_ENGINE, **EMULATED, **a)
    assert run.rc == 0 and run.changed == 1, run
    assert "are in ECR already, so nothing is built or pushed and no container engine is needed" in run.text, run
    assert task_images(emulator) == {n: ecr_uri(emulator, n, tag_a[n]) for n in ("web", "redis")}
    calls = recorded(emulator)
    assert "PutImage" not in ops(calls) and "GetAuthorizationToken" not in ops(calls)
    # The no-op image_build asks ECR once per image (DescribeImages of the two tags).
    assert ops(calls).count("DescribeImages") == 2, ops(calls)


def test_arm64_tasks_look_for_the_arm64_image(emulator, tmp_path):
    a = sources(tmp_path, "a")
    arm = tags(a, "linux/arm64")
    assert arm["web"] != tags(a)["web"]
    run = playbook(emulator, "site.yml", "--tags", "task", env=NO_ENGINE, task_cpu_architecture="ARM64", **EMULATED, **a)
    assert run.rc != 0, run
    assert f"The web image the sources give, {ecr_uri(emulator, 'web', arm['web'])}, is not in ECR" in run.text, run
