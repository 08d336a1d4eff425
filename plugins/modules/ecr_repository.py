#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: ecr_repository
short_description: Manage an ECR repository with tags, scan on push, tag mutability and a lifecycle policy, guarded by ownership tags
version_added: 0.1.0
description:
  - Creates, updates or deletes one Amazon ECR repository.
  - Written because M(community.aws.ecs_ecr) 10.0.0 is wrong for this collection in four ways. It has no
    C(tags) option at all, so a repository cannot carry the ownership tag and cannot be found by it. Under
    check mode it fails on a repository that does not exist yet when O(lifecycle_policy) is given (it looks
    the repository up again to fake the policy write and raises C(could not find repository)). It adopts and
    deletes repositories by name only, so a repository of someone else with the same name would be changed or
    removed. It creates the repository before setting scan on push, so an interrupted run leaves it half set up.
  - This module creates the repository with its tags, scan on push and tag mutability in one call, changes an
    existing repository only when it carries every tag in O(ownership_tags), and never deletes one that does not.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  name:
    description: Name of the repository, for example C(countweb/web).
    type: str
    required: true
  state:
    description: C(present) creates or updates the repository; C(absent) deletes it when it is ours.
    type: str
    choices: [present, absent]
    default: present
  image_tag_mutability:
    description: Whether an existing image tag may be overwritten by a later push.
    type: str
    choices: [mutable, immutable, MUTABLE, IMMUTABLE]
    default: immutable
  scan_on_push:
    description: Scan every pushed image for vulnerabilities.
    type: bool
    default: true
  lifecycle_policy:
    description:
      - Lifecycle policy document (a dict or JSON text), compared by content with the current one.
      - Omit it to leave the repository's lifecycle policy as it is.
    type: json
  tags:
    description: Tags of the repository. Omit to leave tags alone.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags that are not in O(tags) (tags whose key starts with C(aws:) are kept).
    type: bool
    default: true
  force_delete:
    description: With O(state=absent), delete the repository even when it still holds images.
    type: bool
    default: false
extends_documentation_fragment:
  - fargate.microservice.ownership
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads the repository, its tags and lifecycle policy, and reports what it would create, change or delete without writing.
  diff_mode:
    support: full
    description: Shows mutability, scan on push, the lifecycle policy and tags before and after.
  idempotent:
    support: full
    description: Compares mutability, scan on push, the lifecycle policy (by content) and tags before writing.
"""

EXAMPLES = r"""
- name: Create the web repository, owned by the deployment countweb
  fargate.microservice.ecr_repository:
    name: countweb/web
    image_tag_mutability: immutable
    scan_on_push: true
    lifecycle_policy:
      rules:
        - rulePriority: 1
          description: Keep the newest 20 images
          selection:
            tagStatus: any
            countType: imageCountMoreThan
            countNumber: 20
          action:
            type: expire
    tags:
      Name: countweb/web
      fargate.microservice/deployment: countweb
    ownership_tags:
      fargate.microservice/deployment: countweb

- name: Delete it with its images, only if it is ours
  fargate.microservice.ecr_repository:
    name: countweb/web
    state: absent
    force_delete: true
    ownership_tags:
      fargate.microservice/deployment: countweb
"""

RETURN = r"""
repository:
  description: The repository after the change (as it would be, in check mode).
  returned: when the repository exists or would be created
  type: dict
  contains:
    repository_name:
      description: Name of the repository.
      type: str
      sample: countweb/web
    repository_arn:
      description: ARN of the repository (absent in check mode before creation).
      type: str
      sample: arn:aws:ecr:us-east-1:123456789012:repository/countweb/web
    repository_uri:
      description: URI to push images to (absent in check mode before creation).
      type: str
      sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/countweb/web
    registry_id:
      description: Account ID of the registry.
      type: str
      sample: "123456789012"
    image_tag_mutability:
      description: C(MUTABLE) or C(IMMUTABLE).
      type: str
      sample: IMMUTABLE
    scan_on_push:
      description: Whether pushed images are scanned.
      type: bool
      sample: true
    lifecycle_policy:
      description: The lifecycle policy document, or null.
      type: dict
    tags:
      description: Tags of the repository.
      type: dict
      sample: {"Name": "countweb/web"}
skipped_unowned:
  description: True when O(state=absent) found the repository but left it alone because it is not ours.
  returned: when that happened
  type: bool
  sample: true
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils._ecr_repository import ensure_absent
from ansible_collections.fargate.microservice.plugins.module_utils._ecr_repository import ensure_present
from ansible_collections.fargate.microservice.plugins.module_utils._ownership import run_owning_module


class LifecyclePolicyError(Exception):
    """lifecycle_policy is not a JSON object."""


def present(client, params, check_mode):
    try:
        return ensure_present(client, params, check_mode)
    except ValueError as err:
        raise LifecyclePolicyError(f"lifecycle_policy is not a valid JSON object ({err}); pass a dict or JSON text.") from None


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        image_tag_mutability=dict(
            type="str", choices=["mutable", "immutable", "MUTABLE", "IMMUTABLE"], default="immutable"
        ),
        scan_on_push=dict(type="bool", default=True),
        lifecycle_policy=dict(type="json"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        ownership_tags=dict(type="dict", default={}),
        force_delete=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_owning_module(module, "ecr", "ECR repository", present, ensure_absent, known_errors=(LifecyclePolicyError,))


if __name__ == "__main__":
    main()
