# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that check AWS settings on the controller before any AWS call.

The regions come from botocore's own endpoint data (``botocore/data/endpoints.json``, the
partitions AWS publishes for its SDKs), so no request is needed to know them.
"""

from __future__ import annotations

import re

try:
    from botocore.loaders import create_loader
except ImportError:  # pragma: no cover - botocore is a requirement of every AWS module
    create_loader = None

# A region's general shape (us-east-1, cn-north-1, us-gov-west-1, eusc-de-east-1).
_REGION_SHAPE = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+-\d+$")


def _partitions():
    return create_loader().load_data("endpoints")["partitions"]


def aws_region_partition(region):
    """Return the partition (aws, aws-cn, aws-us-gov, ...) botocore assigns to a region, or ''."""
    if create_loader is None or not isinstance(region, str):
        return ""
    for partition in _partitions():
        if region in partition.get("regions", {}):
            return partition["partition"]
    for partition in _partitions():
        if re.match(partition.get("regionRegex", "^$"), region):
            return partition["partition"]
    return ""


def aws_region_errors(region, endpoint_url=None):
    """Return one-sentence errors for microservice_aws_region (empty when it is usable).

    Without a custom endpoint the region must be one that botocore knows (any partition). With
    a custom endpoint (the emulator, a private endpoint), any region-shaped name is accepted:
    such endpoints serve regions botocore may not list.
    """
    if not isinstance(region, str) or not region.strip():
        return ["microservice_aws_region is empty; set it to an AWS region such as us-east-1."]
    if create_loader is None:
        return ["botocore is not installed on the controller; install it (make venv) to check microservice_aws_region."]
    if endpoint_url:
        if _REGION_SHAPE.match(region):
            return []
        return [f"microservice_aws_region {region!r} is not shaped like an AWS region (such as us-east-1)."]
    known = sorted({name for partition in _partitions() for name in partition.get("regions", {})})
    if region in known:
        return []
    close = [name for name in known if name.split("-")[0] == region.split("-")[0]] or known[:5]
    return [
        f"microservice_aws_region {region!r} is not an AWS region botocore knows; use one of"
        f" {', '.join(close)} (or set microservice_aws_endpoint_url for a custom endpoint)."
    ]


class FilterModule:
    """AWS setting filters."""

    def filters(self):
        return {"aws_region_errors": aws_region_errors, "aws_region_partition": aws_region_partition}
