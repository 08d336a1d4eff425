# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters about ECR image references.

- ``ecr_image_refs``: a task definition's images ({container: image}) -> one dict per container
  with the ECR registry, region, repository, tag and digest of its image, and whether it can be
  looked up in the given region's ECR (``checked``): by its digest when it has one (the image ECS
  pulls for ``repository:tag@sha256:...`` or ``repository@sha256:...``), else by its tag. Used by
  the rollback role to refuse a revision whose images are gone before any change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:<tag>][@sha256:<digest>]
ECR_IMAGE_RE = re.compile(
    r"^(?P<registry>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[a-z0-9][a-z0-9._/-]*)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def ecr_image_refs(images, region):
    refs = []
    for container, image in sorted((images or {}).items()):
        match = ECR_IMAGE_RE.match(image or "")
        parts = match.groupdict() if match else dict(registry=None, region=None, repository=None, tag=None, digest=None)
        refs.append(dict(parts, container=container, image=image,
                         checked=bool(match) and parts["region"] == region and (parts["tag"] or parts["digest"]) is not None))
    return refs


class FilterModule(object):
    def filters(self):
        return {"ecr_image_refs": ecr_image_refs}
