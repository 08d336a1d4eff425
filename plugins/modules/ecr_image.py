#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: ecr_image
short_description: Look up images by tag or digest in ECR repositories, or record an image manifest under a tag
version_added: 0.1.0
description:
  - Without O(image_manifest), reads the image that O(image_tag) (or O(image_digest)) names in
    O(repository_name) and returns its digest, push time and URIs (whether it exists or not).
  - With O(image_manifest), makes sure the tag names that manifest, calling ECR's C(PutImage) when it does not.
    The digest is the sha256 of the manifest text, as a registry computes it.
  - With O(images), looks several tags up in one module run (read only), for example the web and Redis images
    of a deployment, so that a no-op run pays for one module run instead of one per image.
  - Written because no module in amazon.aws 10.1.2 or community.aws 10.0.0 reads or writes ECR images
    (M(community.aws.ecs_ecr) manages repositories only). The image_build role uses it to get the digest of a
    pushed image, and on the local target (an emulated ECR with no registry behind it) to record the images
    built into the local engine, so that other roles find them in ECR as they would on AWS.
author:
  - fargate.microservice developers (@fargate-microservice)
options:
  repository_name:
    description:
      - Name of the repository, for example C(countweb/web).
      - Required unless O(images) is given.
    type: str
  images:
    description:
      - Several read-only lookups by tag, answered in order in RV(images). The repositories whose
        O(images[].repository_uri) is not given are read in one C(DescribeRepositories) request when all of them
        exist; each image is one C(DescribeImages) request.
      - Cannot be combined with O(repository_name), O(image_tag), O(image_digest), O(image_manifest),
        O(image_manifest_media_type) or O(repository_uri).
    type: list
    elements: dict
    version_added: 0.1.0
    suboptions:
      repository_name:
        description: Name of the repository.
        type: str
        required: true
      image_tag:
        description: The image tag.
        type: str
        required: true
      repository_uri:
        description: URI of the repository when known, as O(repository_uri).
        type: str
  fail_on_missing_repository:
    description:
      - With O(images), whether a repository that does not exist fails the module (naming it), or is answered
        in RV(images) with RV(images[].repository_exists=false) (for example in check mode, before the registry
        role has created the repositories).
      - A single lookup (O(repository_name)) always fails for a missing repository.
    type: bool
    default: true
    version_added: 0.1.0
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

- name: Look the web and Redis images up in one module run
  fargate.microservice.ecr_image:
    images:
      - repository_name: countweb/web
        image_tag: c0ffee123456
      - repository_name: countweb/redis
        image_tag: 0ddba11c0ffe
    fail_on_missing_repository: false
  register: found

- name: Record a manifest under a tag
  fargate.microservice.ecr_image:
    repository_name: countweb/web
    image_tag: c0ffee123456
    image_manifest: "{{ manifest_text }}"
"""

RETURN = r"""
images:
  description:
    - With O(images), one entry per lookup, in order, with the keys of RV(image) when the repository exists.
    - A lookup whose repository does not exist has only C(repository_name), C(image_tag), C(exists=false) and
      C(repository_exists=false).
  returned: when O(images) is given
  type: list
  elements: dict
  contains:
    repository_exists:
      description: Whether the repository exists.
      type: bool
image:
  description: The image the tag names (after the change).
  returned: when O(images) is not given
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
from ansible_collections.fargate.microservice.plugins.module_utils._ecr_image import lookup_images

SINGLE = ("repository_name", "image_tag", "image_digest", "image_manifest", "image_manifest_media_type", "repository_uri")


def check_uri(module, option, name, uri):
    """Fail, naming the option, when a given repository URI is not the named repository's."""
    if uri and not uri.endswith("/" + name):
        module.fail_json(msg=f"{option} must end with /{name} (the repository_name), got {uri!r}; "
                             "give the repository's repositoryUri or leave it out.")


def lookup_many(module):
    """The O(images) lookups: every repository missing named in one failure, unless fail_on_missing_repository is off."""
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
    try:
        images = lookup_images(client, module.params["images"], module.params["registry_id"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        module.fail_json_aws(err, msg="Could not read the images " + ", ".join(
            f"{lk['repository_name']}:{lk['image_tag']}" for lk in module.params["images"]))
    missing = [i["repository_name"] for i in images if not i["repository_exists"]]
    if missing and module.params["fail_on_missing_repository"]:
        which = f"repository {missing[0]} does" if len(missing) == 1 else f"repositories {' and '.join(missing)} do"
        module.fail_json(msg=f"The ECR {which} not exist; create it first (the registry role).", images=images)
    module.exit_json(changed=False, images=images)


def main():
    argument_spec = dict(
        repository_name=dict(type="str"),
        images=dict(type="list", elements="dict", options=dict(
            repository_name=dict(type="str", required=True),
            image_tag=dict(type="str", required=True),
            repository_uri=dict(type="str"),
        )),
        fail_on_missing_repository=dict(type="bool", default=True),
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
        mutually_exclusive=[("image_tag", "image_digest"), ("image_digest", "image_manifest")]
        + [("images", option) for option in SINGLE],
        required_one_of=[("repository_name", "images")],
    )
    if module.params["images"] is not None:
        for lk in module.params["images"]:
            check_uri(module, "images[].repository_uri", lk["repository_name"], lk["repository_uri"])
        lookup_many(module)
    if module.params["image_tag"] is None and module.params["image_digest"] is None:
        module.fail_json(msg="one of the following is required: image_tag, image_digest")
    name, tag, digest = module.params["repository_name"], module.params["image_tag"], module.params["image_digest"]
    if digest is not None and not DIGEST_RE.match(digest):
        module.fail_json(msg=f"image_digest must be sha256: followed by 64 lowercase hexadecimal digits, got {digest!r}.")
    check_uri(module, "repository_uri", name, module.params["repository_uri"])
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
