# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the ecr_repository module: read an ECR repository, plan the changes, apply them.

The client is a boto3 ECR client (or anything with the same methods); ``check_mode`` stops
before any write. Errors from botocore propagate to the module, which reports them.
"""

from __future__ import annotations

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.fargate.microservice.plugins.module_utils._ownership import is_owned
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import merged_tags
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import tag_changes
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import UnownedResourceError
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import unowned_message


def normalize_policy(policy):
    """Parse a lifecycle policy given as JSON text or a dict into a dict (``None`` stays ``None``)."""
    if policy is None:
        return None
    if isinstance(policy, str):
        policy = json.loads(policy)
    if not isinstance(policy, dict):
        raise ValueError("a lifecycle policy must be a JSON object")
    return policy


def policies_equal(left, right):
    """Compare two policies by content, ignoring key order and formatting."""
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def read_repository(client, name):
    """Return the repository's state as a flat dict, or ``None`` when it does not exist."""
    try:
        repos = client.describe_repositories(aws_retry=True, repositoryNames=[name])["repositories"]
    except is_boto3_error_code("RepositoryNotFoundException"):
        return None
    if not repos:
        return None
    repo = repos[0]
    tags = client.list_tags_for_resource(aws_retry=True, resourceArn=repo["repositoryArn"]).get("tags", [])
    try:
        text = client.get_lifecycle_policy(aws_retry=True, repositoryName=name)["lifecyclePolicyText"]
        lifecycle = json.loads(text)
    except is_boto3_error_code("LifecyclePolicyNotFoundException"):
        lifecycle = None
    return {
        "repository_name": repo["repositoryName"],
        "repository_arn": repo["repositoryArn"],
        "repository_uri": repo["repositoryUri"],
        "registry_id": repo["registryId"],
        "image_tag_mutability": repo.get("imageTagMutability", "MUTABLE"),
        "scan_on_push": bool(repo.get("imageScanningConfiguration", {}).get("scanOnPush", False)),
        "lifecycle_policy": lifecycle,
        "tags": {t["Key"]: t["Value"] for t in tags},
    }


def desired_settings(params):
    """The part of the module parameters that describes the repository (``None`` = leave alone)."""
    return {
        "image_tag_mutability": params["image_tag_mutability"].upper(),
        "scan_on_push": params["scan_on_push"],
        "lifecycle_policy": normalize_policy(params.get("lifecycle_policy")),
        "tags": params.get("tags"),
        "purge_tags": params.get("purge_tags", True),
    }


def plan_update(current, desired):
    """List what must change on an existing repository, as a dict of non-empty actions."""
    actions = {}
    if current["image_tag_mutability"] != desired["image_tag_mutability"]:
        actions["image_tag_mutability"] = desired["image_tag_mutability"]
    if current["scan_on_push"] != desired["scan_on_push"]:
        actions["scan_on_push"] = desired["scan_on_push"]
    if desired["lifecycle_policy"] is not None and (
        current["lifecycle_policy"] is None or not policies_equal(current["lifecycle_policy"], desired["lifecycle_policy"])
    ):
        actions["lifecycle_policy"] = desired["lifecycle_policy"]
    to_set, to_remove = tag_changes(current["tags"], desired["tags"], desired["purge_tags"])
    if to_set:
        actions["tags_to_set"] = to_set
    if to_remove:
        actions["tags_to_remove"] = to_remove
    return actions


def expected_after(current, desired):
    """The repository as it will be once the plan is applied (used for diff and check mode)."""
    after = dict(current) if current else {"repository_name": None, "tags": {}, "lifecycle_policy": None}
    after["image_tag_mutability"] = desired["image_tag_mutability"]
    after["scan_on_push"] = desired["scan_on_push"]
    if desired["lifecycle_policy"] is not None:
        after["lifecycle_policy"] = desired["lifecycle_policy"]
    after["tags"] = merged_tags(after.get("tags"), desired["tags"], desired["purge_tags"])
    return after


def _diff_view(state):
    if not state:
        return {}
    keys = ("repository_name", "image_tag_mutability", "scan_on_push", "lifecycle_policy", "tags")
    return {k: state.get(k) for k in keys}


def ensure_present(client, params, check_mode):
    """Create or update the repository; return the module result (without ``failed``)."""
    name = params["name"]
    ownership = params.get("ownership_tags") or {}
    desired = desired_settings(params)
    current = read_repository(client, name)

    if current is None:
        after = expected_after(None, desired)
        after["repository_name"] = name
        result = {"changed": True, "diff": {"before": {}, "after": _diff_view(after)}}
        if check_mode:
            result["repository"] = after
            return result
        create_args = {
            "repositoryName": name,
            "imageTagMutability": desired["image_tag_mutability"],
            "imageScanningConfiguration": {"scanOnPush": desired["scan_on_push"]},
        }
        if desired["tags"]:
            create_args["tags"] = ansible_dict_to_boto3_tag_list(desired["tags"])
        client.create_repository(aws_retry=True, **create_args)
        if desired["lifecycle_policy"] is not None:
            client.put_lifecycle_policy(aws_retry=True, repositoryName=name, lifecyclePolicyText=json.dumps(desired["lifecycle_policy"]))
        result["repository"] = read_repository(client, name)
        return result

    if not is_owned(current["tags"], ownership):
        raise UnownedResourceError(unowned_message("ECR repository", name, ownership))

    actions = plan_update(current, desired)
    after = expected_after(current, desired)
    result = {"changed": bool(actions), "diff": {"before": _diff_view(current), "after": _diff_view(after)}}
    if not actions or check_mode:
        result["repository"] = after
        return result
    if "image_tag_mutability" in actions:
        client.put_image_tag_mutability(aws_retry=True, repositoryName=name, imageTagMutability=actions["image_tag_mutability"])
    if "scan_on_push" in actions:
        client.put_image_scanning_configuration(
            aws_retry=True,
            repositoryName=name, imageScanningConfiguration={"scanOnPush": actions["scan_on_push"]}
        )
    if "lifecycle_policy" in actions:
        client.put_lifecycle_policy(aws_retry=True, repositoryName=name, lifecyclePolicyText=json.dumps(actions["lifecycle_policy"]))
    if "tags_to_remove" in actions:
        client.untag_resource(aws_retry=True, resourceArn=current["repository_arn"], tagKeys=actions["tags_to_remove"])
    if "tags_to_set" in actions:
        client.tag_resource(aws_retry=True, resourceArn=current["repository_arn"], tags=ansible_dict_to_boto3_tag_list(actions["tags_to_set"]))
    result["repository"] = read_repository(client, name)
    return result


def ensure_absent(client, params, check_mode):
    """Delete the repository when it exists and is ours; an unowned one is left alone and reported."""
    name = params["name"]
    ownership = params.get("ownership_tags") or {}
    current = read_repository(client, name)
    if current is None:
        return {"changed": False, "diff": {"before": {}, "after": {}}}
    if not is_owned(current["tags"], ownership):
        return {
            "changed": False,
            "skipped_unowned": True,
            "repository": current,
            "diff": {"before": _diff_view(current), "after": _diff_view(current)},
        }
    if not check_mode:
        client.delete_repository(aws_retry=True, repositoryName=name, force=params.get("force_delete", False))
    return {"changed": True, "repository": current, "diff": {"before": _diff_view(current), "after": {}}}
