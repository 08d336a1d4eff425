#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: iam_service_linked_role
short_description: Make sure an AWS service's service-linked IAM role exists
version_added: 0.1.0
description:
  - Looks up the service-linked role of one AWS service (for example C(ecs.amazonaws.com)) by its path
    C(/aws-service-role/<service>/) with C(ListRoles), and creates it with C(CreateServiceLinkedRole) when it is
    missing.
  - On a fresh account these roles appear only on first use of the service, and that first use can fail while
    the role is being created (ECS's C(CreateCluster) with capacity providers answers "Unable to assume the
    service linked role"). Creating them beforehand avoids that.
  - An answer that the role already exists (AWS's C(InvalidInput) "has been taken", the emulator's
    C(EntityAlreadyExists)) counts as success.
  - It never deletes a role. A service-linked role is shared by every user of the service in the account, and
    AWS deletes it only when no resource of the service uses it.
  - Written because neither amazon.aws 10.1.2 nor community.aws 10.0.0 has a module that calls
    C(CreateServiceLinkedRole) (M(amazon.aws.iam_role) refuses the reserved C(/aws-service-role/) path).
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  aws_service_name:
    description:
      - Service principal the role is linked to, such as C(ecs.amazonaws.com),
        C(elasticloadbalancing.amazonaws.com) or C(ecs.application-autoscaling.amazonaws.com).
    type: str
    required: true
  description:
    description: Description given to the role when it is created.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Looks the role up and reports that it would be created, without creating it.
  diff_mode:
    support: none
    description: There is no configuration to compare; the role exists or not.
  idempotent:
    support: full
    description: A second run finds the role and changes nothing.
"""

EXAMPLES = r"""
- name: Make sure ECS's service-linked role exists
  fargate.microservice.iam_service_linked_role:
    aws_service_name: ecs.amazonaws.com
"""

RETURN = r"""
created:
  description: Whether this run created the role (in check mode, whether it would).
  returned: always
  type: bool
  sample: false
role:
  description: The role; null in check mode when it would be created.
  returned: always
  type: dict
  contains:
    role_name:
      description: Name of the role (the service chooses it).
      type: str
      sample: AWSServiceRoleForECS
    arn:
      description: ARN of the role.
      type: str
      sample: arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS
    path:
      description: Path of the role.
      type: str
      sample: /aws-service-role/ecs.amazonaws.com/
    role_id:
      description: Stable id of the role.
      type: str
      sample: AROAEXAMPLEEXAMPLE
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.fargate.microservice.plugins.module_utils._service_linked_role import ensure_present


def main():
    argument_spec = dict(
        aws_service_name=dict(type="str", required=True),
        description=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    try:
        result = ensure_present(client, module.params, module.check_mode)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        module.fail_json_aws(
            err,
            msg=f"Could not make sure the service-linked role of {module.params['aws_service_name']} exists;"
            " the credentials need iam:ListRoles and iam:CreateServiceLinkedRole",
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
