# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test setup: register the newest revision of FAMILY again with a port mapping on its Redis container,
as ecs_task_definition registered it before Redis's port stopped being mapped, with the same tags.

Usage: register_with_redis_port_mapping.py ENDPOINT REGION FAMILY REDIS_PORT
Prints the new revision. Real AWS is never touched: the endpoint must be given.
"""

import sys

import boto3

# RegisterTaskDefinition's request members (botocore's ECS model); DescribeTaskDefinition adds others.
REQUEST_KEYS = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions", "volumes",
                "placementConstraints", "requiresCompatibilities", "cpu", "memory", "pidMode", "ipcMode",
                "proxyConfiguration", "inferenceAccelerators", "ephemeralStorage", "runtimePlatform")


def main():
    endpoint, region, family, port = sys.argv[1:5]
    ecs = boto3.client("ecs", endpoint_url=endpoint, region_name=region,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    described = ecs.describe_task_definition(taskDefinition=family, include=["TAGS"])
    definition = {k: v for k, v in described["taskDefinition"].items() if k in REQUEST_KEYS and v not in (None, [], {})}
    for container in definition["containerDefinitions"]:
        if container["name"] == "redis":
            container["portMappings"] = [{"containerPort": int(port), "hostPort": int(port), "protocol": "tcp"}]
    registered = ecs.register_task_definition(tags=described.get("tags") or [], **definition)["taskDefinition"]
    print(registered["revision"])


if __name__ == "__main__":
    main()
