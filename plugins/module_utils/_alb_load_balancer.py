# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the alb_load_balancer_info module: one ELBv2 load balancer found by name, with its tags.

DescribeLoadBalancers with ``Names`` answers LoadBalancerNotFound (botocore's elbv2 model:
``LoadBalancerNotFoundException``, code ``LoadBalancerNotFound``) when the name does not exist;
that means "absent" here, not an error.
"""

from __future__ import annotations

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

NOT_FOUND_CODE = "LoadBalancerNotFound"


def find_load_balancers(client, name):
    """``[load balancer]`` (snake_case keys, ``tags`` as a dict) or ``[]`` when no load balancer has the name."""
    try:
        found = client.describe_load_balancers(aws_retry=True, Names=[name]).get("LoadBalancers", [])
    except is_boto3_error_code(NOT_FOUND_CODE):
        return []
    if not found:
        return []
    arns = [lb["LoadBalancerArn"] for lb in found]
    descriptions = client.describe_tags(aws_retry=True, ResourceArns=arns).get("TagDescriptions", [])
    tags = {d["ResourceArn"]: boto3_tag_list_to_ansible_dict(d.get("Tags", [])) for d in descriptions}
    result = []
    for lb in found:
        item = camel_dict_to_snake_dict(lb)
        item["tags"] = tags.get(lb["LoadBalancerArn"], {})
        result.append(item)
    return result
