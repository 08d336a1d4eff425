#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: ecr_image
short_description: Look up an image by tag or digest in an ECR repository, or record an image manifest under a tag
version_added: 0.1.0
description:
  - Without O(image_manifest), reads the image that O(image_tag) (or O(image_digest)) names in
    O(repository_name) and returns its digest, push time and URIs (whether it exists or not).
  - With O(image_manifest), makes sure the tag names that manifest, calling ECR's C(PutImage) when it does not.
    The digest is the sha256 of the manifest text, as a registry computes it.
  - Written because no module in amazon.aws 10.1.2 or community.aws 10.0.0 reads or writes ECR images
    (M(community.aws.ecs_ecr) manages repositories only). The image_build role uses it to get the digest of a
    pushed image, and on the local target (an emulated ECR with no registry behind it) to record the images
    built into the local engine, so that other roles find them in ECR as they would on AWS.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  repository_name:
    description: Name of the repository, for example C(countweb/web).
    type: str
    required: true
  image_tag:
    description:
      - The image tag.
      - Exactly one of O(image_tag) and O(image_digest) is required.
    type: str
  image_digest:
    description:
      - Look the image up by its manifest digest (C(sha256:) and 64 hexadecimal digits) instead of a tag, as
        ECR's C(DescribeImages) does with C(imageDigest), for example for an image reference C(repository@sha256:...).
      - Read only; cannot be combined with O(image_manifest).
    type: str
    version_added: 0.1.0
  image_manifest:
    description:
      - Image manifest (JSON text, byte for byte as the image's registry or local storage holds it).
      - When the tag already names a different image in a repository with immutable tags, the module fails.
    type: str
  image_manifest_media_type:
    description: Media type of O(image_manifest); by default its own C(mediaType) field.
    type: str
  registry_id:
    description: Account ID of the registry; by default the caller's.
    type: str
  repository_uri:
    description:
      - URI of the repository (C(repositoryUri), C(<registry>/<repository_name>)) when the caller knows it already, for
        example from M(fargate.microservice.ecr_repository)'s result in the same run.
      - A lookup then makes one request (C(DescribeImages), which also says when the repository does not exist)
        instead of two (C(DescribeRepositories) first).
      - Not used with O(image_manifest); recording an image reads the repository for its tag mutability.
    type: str
    version_added: 0.1.0
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads in check mode too, and reports the C(PutImage) it would make as a change.
  diff_mode:
    support: full
    description: Shows the digest the tag names before and after.
  idempotent:
    support: full
    description: Compares the digest the tag names with the manifest's digest before writing.
"""

EXAMPLES = r"""
- name: Find the digest of a pushed image
  fargate.microservice.ecr_image:
    repository_name: countweb/web
    image_tag: c0ffee123456
  register: web_image

- name: Check an image given by digest is still in the repository
  fargate.microservice.ecr_image:
    repository_name: countweb/web
    image_digest: sha256:d7cab9d48b7559704b41e2ce6257c872bd3a92dd8f2ad76f5ac413f168b35af4
  register: pinned

- name: Record a manifest under a tag
  fargate.microservice.ecr_image:
    repository_name: countweb/web
    image_tag: c0ffee123456
    image_manifest: "{{ manifest_text }}"
"""

RETURN = r"""
image:
  description: The image the tag names (after the change).
  returned: always
  type: dict
  contains:
    exists:
      description: Whether the tag names an image.
      type: bool
    repository_name:
      description: Name of the repository.
      type: str
      sample: countweb/web
    registry_id:
      description: Account ID of the registry.
      type: str
      sample: "123456789012"
    repository_uri:
      description: URI of the repository.
      type: str
      sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/countweb/web
    image_tag:
      description: The tag (null for a lookup by O(image_digest)).
      type: str
    image_uri:
      description: C(repository_uri:tag), or C(repository_uri@digest) for a lookup by O(image_digest).
      type: str
    image_digest:
      description: Digest of the image manifest.
      returned: when the image exists
      type: str
      sample: sha256:d7cab9d48b7559704b41e2ce6257c872bd3a92dd8f2ad76f5ac413f168b35af4
    image_uri_digest:
      description: C(repository_uri@digest).
      returned: when the image exists
      type: str
    image_pushed_at:
      description: When the image was pushed (ISO 8601).
      returned: when the image exists
      type: str
    image_tags:
      description: Every tag of the image.
      returned: when the image exists
      type: list
      elements: str
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.fargate.microservice.plugins.module_utils._ecr_image import DIGEST_RE
from ansible_collections.fargate.microservice.plugins.module_utils._ecr_image import ImageTagConflict
from ansible_collections.fargate.microservice.plugins.module_utils._ecr_image import ensure_image


def main():
    argument_spec = dict(
        repository_name=dict(type="str", required=True),
        image_tag=dict(type="str"),
        image_digest=dict(type="str"),
        image_manifest=dict(type="str"),
        image_manifest_media_type=dict(type="str"),
        registry_id=dict(type="str"),
        repository_uri=dict(type="str"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("image_tag", "image_digest"), ("image_digest", "image_manifest")],
        required_one_of=[("image_tag", "image_digest")],
    )
    name, tag, digest = module.params["repository_name"], module.params["image_tag"], module.params["image_digest"]
    if digest is not None and not DIGEST_RE.match(digest):
        module.fail_json(msg=f"image_digest must be sha256: followed by 64 lowercase hexadecimal digits, got {digest!r}.")
    uri = module.params["repository_uri"]
    if uri is not None and not uri.endswith("/" + name):
        module.fail_json(msg=f"repository_uri must end with /{name} (the repository_name), got {uri!r}; "
                             "give the repository's repositoryUri or leave it out.")
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
    label = f"{name}:{tag}" if tag is not None else f"{name}@{digest}"
    try:
        result = ensure_image(client, module.params, module.check_mode)
    except LookupError:
        module.fail_json(msg=f"The ECR repository {name} does not exist; create it first (the registry role).")
    except ImageTagConflict as err:
        module.fail_json(msg=f"Cannot record {label}: {err}; build the image under a new tag.")
    except ValueError as err:
        module.fail_json(msg=f"image_manifest is unusable: {err}.")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        module.fail_json_aws(err, msg=f"Could not read or record the image {label}")
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
