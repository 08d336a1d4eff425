#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_task_definition_info
short_description: Choose one revision of a task definition family among those carrying a deployment's tags
version_added: 0.1.0
description:
  - Without O(revision), finds the newest ACTIVE revision of O(family) that carries every tag of O(required_tags)
    (older than O(before) when given), so that in a family several deployments share one deployment never picks
    another's revision.
  - With O(revision), describes that revision (whatever its status) and says whether it carries O(required_tags).
  - Returns the chosen revision's status, tags and container images, so a rollback can check it before any change.
  - Written because M(community.aws.ecs_taskdefinition_info) returns no tags and cannot skip revisions by tag.
  - Calls are retried with jittered backoff; ListTaskDefinitions is paginated.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  family:
    description: The task definition family.
    type: str
    required: true
  revision:
    description: The revision to describe; unset chooses the newest ACTIVE revision carrying O(required_tags).
    type: int
  before:
    description: Without O(revision), choose the newest such revision older than this one (for example the current one).
    type: int
  required_tags:
    description: Tags a revision must carry (for example the deployment's ownership tag). Unset accepts every revision.
    type: dict
extends_documentation_fragment:
  - fargate.microservice.read_only
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the newest revision this deployment registered
  fargate.microservice.ecs_task_definition_info:
    family: countweb-web-redis-task
    required_tags:
      fargate.microservice/deployment: countweb
  register: newest

- name: Find the revision before the one the service runs
  fargate.microservice.ecs_task_definition_info:
    family: countweb-web-redis-task
    before: 7
    required_tags:
      fargate.microservice/deployment: countweb
  register: previous
"""

RETURN = r"""
found:
  description: Whether a revision was found (with O(revision), whether it exists in O(family) at all).
  returned: always
  type: bool
family:
  description: The family.
  returned: always
  type: str
task_definition:
  description: C(family:revision) of the revision found, or an empty string.
  returned: always
  type: str
  sample: countweb-web-redis-task:4
revision:
  description: The revision number found, or 0.
  returned: always
  type: int
arn:
  description: The revision's ARN, or an empty string.
  returned: always
  type: str
status:
  description: C(ACTIVE), C(INACTIVE) or C(DELETE_IN_PROGRESS); empty when not found.
  returned: always
  type: str
owned:
  description: Whether the revision carries every tag of O(required_tags).
  returned: always
  type: bool
tags:
  description: The revision's tags.
  returned: always
  type: dict
images:
  description: Each container's image, by container name.
  returned: always
  type: dict
  sample: {web: 123456789012.dkr.ecr.us-east-1.amazonaws.com/countweb/web:4f2c1a9e0b7d, redis: "redis:7"}
api_calls:
  description: The AWS calls made, in order.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.fargate.microservice.plugins.module_utils import _task_definition_aws as tda


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            family=dict(type="str", required=True),
            revision=dict(type="int"),
            before=dict(type="int"),
            required_tags=dict(type="dict"),
        ),
        mutually_exclusive=[("revision", "before")],
        supports_check_mode=True,
    )
    tda.run_info(module)


if __name__ == "__main__":
    main()
