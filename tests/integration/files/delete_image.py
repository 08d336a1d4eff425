# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test setup: delete an image tag from the emulator's ECR (as a lifecycle rule would expire it).

Usage: delete_image.py ENDPOINT REGION REPOSITORY TAG
Real AWS is never touched: the endpoint must be given.
"""

import sys

import boto3


def main():
    endpoint, region, repository, tag = sys.argv[1:5]
    ecr = boto3.client("ecr", endpoint_url=endpoint, region_name=region,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    result = ecr.batch_delete_image(repositoryName=repository, imageIds=[{"imageTag": tag}])
    if result.get("failures"):
        sys.exit(f"could not delete {repository}:{tag}: {result['failures']}")
    print(f"deleted {repository}:{tag}")


if __name__ == "__main__":
    main()
