# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters about the images built from the collection's sources.

- ``image_source_tag``: the content-hash tag of an image, from the files of its build context (as
  ``ansible.builtin.find`` lists them with ``get_checksum: true``), its base image and its target
  platform. The one implementation of the tag: image_build tags and looks up its images with it,
  and the task role, run alone, finds the same images in ECR with it (both through image_build's
  ``tasks/sources.yml``), so the task runs the image the sources give, never merely the newest.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os

SEPARATOR = "\\n"


def image_source_tag(files, context, base, platform="", length=12):
    """sha256 of the sorted ``<relative path> <checksum>`` lines, ``base=``, ``platform=``; first ``length`` hex digits."""
    root = os.path.realpath(context)
    # Sorted by path, case-insensitively (as Jinja's sort filter does, which computed it before).
    ordered = sorted(files or [], key=lambda f: f["path"].lower())
    lines = ["{0} {1}".format(os.path.relpath(f["path"], root), f["checksum"]) for f in ordered]
    lines += ["base=" + (base or ""), "platform=" + (platform or "")]
    # Joined with a backslash and an n (two characters), as the Jinja expression that computed the
    # tag before did: the tags of unchanged sources stay what they were.
    return hashlib.sha256(SEPARATOR.join(lines).encode("utf-8")).hexdigest()[:int(length)]


class FilterModule(object):
    def filters(self):
        return {"image_source_tag": image_source_tag}
