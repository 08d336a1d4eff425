# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test setup: record an image in the emulator's ECR (moto hosts no registry, so nothing can be pushed).

Usage: put_image.py ENDPOINT REGION REPOSITORY TAG
Prints the image digest. Real AWS is never touched: the endpoint must be given.
"""

import hashlib
import json
import sys

import boto3


def main():
    endpoint, region, repository, tag = sys.argv[1:5]
    ecr = boto3.client("ecr", endpoint_url=endpoint, region_name=region,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    config = hashlib.sha256(f"{repository}:{tag}".encode()).hexdigest()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1,
                   "digest": f"sha256:{config}"},
        "layers": [],
    })
    image = ecr.put_image(repositoryName=repository, imageManifest=manifest, imageTag=tag)["image"]
    print(image["imageId"]["imageDigest"])


if __name__ == "__main__":
    main()
