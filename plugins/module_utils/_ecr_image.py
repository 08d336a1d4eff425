# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the ecr_image module: look up an image by tag or by digest in an ECR repository, and
record an image manifest under a tag (ECR's PutImage) when it is not there yet.

The digest of an image is the sha256 of its manifest bytes, as registries compute it, so a
manifest read from the local engine's storage gets the digest the engine itself reports.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re

# An image manifest digest as ECR gives it (imageDigest).
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


class ImageTagConflict(Exception):
    """The tag already names a different image in a repository whose tags are immutable."""


def manifest_digest(manifest):
    """sha256 digest of the manifest text, exactly as given (no reformatting)."""
    return "sha256:" + hashlib.sha256(manifest.encode("utf-8")).hexdigest()


def manifest_media_type(manifest, media_type=None):
    """The media type given, else the manifest's own ``mediaType``; ValueError when neither."""
    try:
        parsed = json.loads(manifest)
    except ValueError as err:
        raise ValueError(f"the image manifest is not JSON ({err})") from None
    if not isinstance(parsed, dict) or "schemaVersion" not in parsed:
        raise ValueError("the image manifest is not an image manifest (no schemaVersion)")
    media_type = media_type or parsed.get("mediaType")
    if not media_type:
        raise ValueError("the image manifest has no mediaType; give image_manifest_media_type")
    return media_type


def _iso(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc).isoformat()
    return value


def read_repository(client, name, registry_id=None):
    """Return the repository (``repositoryUri``, ``imageTagMutability``, ...) or ``None``."""
    registry = {"registryId": registry_id} if registry_id else {}
    try:
        repos = client.describe_repositories(aws_retry=True, repositoryNames=[name], **registry)["repositories"]
    except is_boto3_error_code("RepositoryNotFoundException"):
        return None
    return repos[0] if repos else None


@AWSRetry.jittered_backoff()
def _describe_repositories(client, names, registry):
    return client.get_paginator("describe_repositories").paginate(repositoryNames=names, **registry).build_full_result()


def read_repositories(client, names, registry_id=None):
    """The repositories of ``names`` that exist, by name, in one DescribeRepositories when all of them do.

    DescribeRepositories answers RepositoryNotFoundException for the whole call when any one name is missing
    (botocore's ecr model lists the error for the operation, and no partial answer): then each is asked alone.
    """
    registry = {"registryId": registry_id} if registry_id else {}
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    try:
        found = _describe_repositories(client, names, registry)["repositories"]
    except is_boto3_error_code("RepositoryNotFoundException"):
        found = [repo for repo in (read_repository(client, name, registry_id) for name in names) if repo is not None]
    return {repo["repositoryName"]: repo for repo in found}


def find_image(client, repository, tag=None, registry_id=None, digest=None):
    """Return the image the tag (or, without a tag, the digest) names (ECR's imageDetail) or ``None``."""
    image_id = {"imageTag": tag} if tag is not None else {"imageDigest": digest}
    registry = {"registryId": registry_id} if registry_id else {}
    try:
        details = client.describe_images(aws_retry=True, repositoryName=repository, imageIds=[image_id],
                                         **registry).get("imageDetails", [])
    except is_boto3_error_code("ImageNotFoundException"):
        return None
    for detail in details:
        if (tag in (detail.get("imageTags") or [])) if tag is not None else detail.get("imageDigest") == digest:
            return detail
    return None


def image_result(repo, tag, detail, digest=None):
    """The module's ``image`` return value (looked up by ``digest`` when ``tag`` is None)."""
    uri = repo["repositoryUri"]
    result = {
        "repository_name": repo["repositoryName"],
        "registry_id": repo["registryId"],
        "repository_uri": uri,
        "image_tag": tag,
        "image_uri": f"{uri}:{tag}" if tag is not None else f"{uri}@{digest}",
        "exists": detail is not None,
    }
    if detail is not None:
        result.update(
            {
                "image_digest": detail["imageDigest"],
                "image_uri_digest": f"{uri}@{detail['imageDigest']}",
                "image_pushed_at": _iso(detail.get("imagePushedAt")),
                "image_tags": sorted(detail.get("imageTags") or []),
            }
        )
    return result


def plan(current, desired_digest, immutable):
    """What to do for the tag: ``none``, ``put``; ImageTagConflict when an immutable tag differs."""
    if desired_digest is None:
        return "none"
    if current is None:
        return "put"
    if current["imageDigest"] == desired_digest:
        return "none"
    if immutable:
        raise ImageTagConflict(
            f"the tag already names the image {current['imageDigest']} and the repository's tags are immutable"
        )
    return "put"


def known_repository(name, uri, registry_id=None):
    """The repository as :func:`read_repository` gives it, from its URI (``<registry id>.dkr.ecr...``)."""
    return {"repositoryName": name, "repositoryUri": uri, "registryId": registry_id or uri.split(".", 1)[0]}


def lookup_images(client, lookups, registry_id=None):
    """Several read-only tag lookups (``repository_name``, ``image_tag``, optional ``repository_uri``), in order.

    The repositories whose URI is not given are read in one DescribeRepositories (:func:`read_repositories`);
    each image is one DescribeImages. A lookup whose repository does not exist answers ``exists: false`` and
    ``repository_exists: false`` with no URI, so a caller sees every missing repository at once.
    """
    unknown = [lk["repository_name"] for lk in lookups if not lk.get("repository_uri")]
    repos = read_repositories(client, unknown, registry_id)
    images = []
    for lk in lookups:
        name, tag = lk["repository_name"], lk["image_tag"]
        repo = known_repository(name, lk["repository_uri"], registry_id) if lk.get("repository_uri") else repos.get(name)
        current = None
        if repo is not None:
            try:
                current = find_image(client, name, tag, registry_id)
            except is_boto3_error_code("RepositoryNotFoundException"):
                repo = None
        if repo is None:
            images.append({"repository_name": name, "image_tag": tag, "exists": False, "repository_exists": False})
        else:
            images.append(dict(image_result(repo, tag, current), repository_exists=True))
    return images


def ensure_image(client, params, check_mode):
    """Look the tag (or the digest) up; with a manifest, record it under the tag unless it already is there.

    A lookup with ``repository_uri`` given skips DescribeRepositories: DescribeImages answers
    RepositoryNotFoundException itself (botocore's ecr model lists it among DescribeImages' errors).
    """
    name, tag, registry_id = params["repository_name"], params.get("image_tag"), params.get("registry_id")
    manifest = params.get("image_manifest")
    if params.get("repository_uri") and manifest is None:
        repo = known_repository(name, params["repository_uri"], registry_id)
    else:
        repo = read_repository(client, name, registry_id)
        if repo is None:
            raise LookupError(name)
    # A lookup by digest only when there is no tag (the module allows no manifest without a tag).
    digest = params["image_digest"] if tag is None else None
    try:
        current = find_image(client, name, tag, registry_id, digest)
    except is_boto3_error_code("RepositoryNotFoundException"):
        raise LookupError(name) from None
    if tag is None:
        return {"changed": False, "image": image_result(repo, None, current, digest)}
    desired = None
    media_type = None
    if manifest is not None:
        media_type = manifest_media_type(manifest, params.get("image_manifest_media_type"))
        desired = manifest_digest(manifest)
    action = plan(current, desired, repo.get("imageTagMutability", "MUTABLE") == "IMMUTABLE")
    before = image_result(repo, tag, current)
    result = {"changed": False, "image": before}
    if action == "put":
        result["changed"] = True
        if check_mode:
            after = dict(before, exists=True, image_digest=desired, image_uri_digest=f"{repo['repositoryUri']}@{desired}")
        else:
            kwargs = {
                "repositoryName": name,
                "imageManifest": manifest,
                "imageManifestMediaType": media_type,
                "imageTag": tag,
                "imageDigest": desired,
            }
            if registry_id:
                kwargs["registryId"] = registry_id
            client.put_image(aws_retry=True, **kwargs)
            after = image_result(repo, tag, find_image(client, name, tag, registry_id))
        result["image"] = after
        result["diff"] = {
            "before": {"image_tag": tag, "image_digest": before.get("image_digest")},
            "after": {"image_tag": tag, "image_digest": after.get("image_digest")},
        }
    return result
