#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: ecr_authorization_token
short_description: Get an Amazon ECR authorization token (registry login credentials)
version_added: 0.1.0
description:
  - Calls ECR's C(GetAuthorizationToken) and returns, for each registry, the user name and password that
    C(docker login) (M(community.docker.docker_login)) takes, the registry host and when the token expires.
  - Written because no module in amazon.aws 10.1.2 or community.aws 10.0.0 calls C(GetAuthorizationToken);
    the usual alternative, C(aws ecr get-login-password) piped into C(docker login), needs the AWS CLI and a
    Docker CLI, which an execution environment or a machine with only a Docker-API socket does not have.
  - "The password is a secret valid for 12 hours. Run this module with C(no_log: true) on the task and pass
    the result only to tasks that also have C(no_log: true)."
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  registry_ids:
    description:
      - Account IDs of the registries to get tokens for. Omit for the caller's own registry.
    type: list
    elements: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Only reads; it gets the token in check mode too, so later read-only steps can log in.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to compare.
  idempotent:
    support: full
    description: Never changes anything (C(changed) is always false).
"""

EXAMPLES = r"""
- name: Get the ECR login for this account
  fargate.microservice.ecr_authorization_token:
  register: ecr_auth
  no_log: true

- name: Log in to ECR
  community.docker.docker_login:
    registry_url: "{{ ecr_auth.authorizations[0].registry }}"
    username: "{{ ecr_auth.authorizations[0].username }}"
    password: "{{ ecr_auth.authorizations[0].password }}"
    reauthorize: true
  no_log: true
"""

RETURN = r"""
authorizations:
  description: One entry per registry.
  returned: always
  type: list
  elements: dict
  contains:
    registry:
      description: Registry host to log in to and to prefix image names with.
      type: str
      sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com
    proxy_endpoint:
      description: Registry URL as ECR returns it.
      type: str
      sample: https://123456789012.dkr.ecr.us-east-1.amazonaws.com
    username:
      description: User name for the registry login (always C(AWS) on ECR).
      type: str
      sample: AWS
    password:
      description: Password for the registry login. Secret.
      type: str
    expires_at:
      description: When the token expires (ISO 8601, UTC).
      type: str
      sample: "2026-01-01T12:00:00+00:00"
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.fargate.microservice.plugins.module_utils._ecr_auth import TokenError
from ansible_collections.fargate.microservice.plugins.module_utils._ecr_auth import get_authorizations


def main():
    argument_spec = dict(registry_ids=dict(type="list", elements="str"))
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
    try:
        authorizations = get_authorizations(client, module.params["registry_ids"])
    except TokenError as err:
        module.fail_json(msg=f"ECR returned an unusable authorization token: {err}; check the endpoint and region.")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        module.fail_json_aws(
            err, msg="Could not get an ECR authorization token; the credentials need ecr:GetAuthorizationToken"
        )
    module.exit_json(changed=False, authorizations=authorizations)


if __name__ == "__main__":
    main()
