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
  Files outside the context are left out, so one ``find`` over several contexts serves them all.
- ``image_context_errors``: one message per image whose build context has no Dockerfile among the files
  that find listed (a regular file the tag covers; a symlink or an excluded Dockerfile would not be).
- ``image_build_lookups``: the ECR lookups (``fargate.microservice.ecr_image``'s ``images``) of the
  images the build contexts give: each repository's name, the content-hash tag and, when the
  registry role has reported it in this run, the repository's URI.
- ``image_build_found``: each image to build paired with what ECR answered for it
  (``{"item": image, "image": answer}``), in the images' order.
- ``image_source_refs``: from those pairs, the reference each image's sources give (``image_tag``,
  ``image_uri``, ``exists``) by image name; ``<repository>:<tag>`` while the repository does not exist.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os

from ansible.errors import AnsibleFilterError

SEPARATOR = "\\n"


def _under(path, context):
    """Whether find listed ``path`` under ``context`` (find joins its walk onto the path as given, ~ and $VARS expanded)."""
    top = os.path.normpath(os.path.expanduser(os.path.expandvars(context)))
    return os.path.normpath(path).startswith(top.rstrip(os.sep) + os.sep)


def image_source_tag(files, context, base, platform="", length=12):
    """sha256 of the sorted ``<relative path> <checksum>`` lines, ``base=``, ``platform=``; first ``length`` hex digits."""
    root = os.path.realpath(context)
    # Each file once (a find over nested contexts lists the inner one's files twice), only the context's.
    mine = {f["path"]: f for f in files or [] if _under(f["path"], context)}
    # Sorted by path, case-insensitively (as Jinja's sort filter does, which computed it before).
    ordered = sorted(mine.values(), key=lambda f: f["path"].lower())
    lines = ["{0} {1}".format(os.path.relpath(f["path"], root), f["checksum"]) for f in ordered]
    lines += ["base=" + (base or ""), "platform=" + (platform or "")]
    # Joined with a backslash and an n (two characters), as the Jinja expression that computed the
    # tag before did: the tags of unchanged sources stay what they were.
    return hashlib.sha256(SEPARATOR.join(lines).encode("utf-8")).hexdigest()[:int(length)]


def image_context_errors(images, files):
    """A message naming ``image_build_<name>_context`` for each image whose context lists no regular Dockerfile."""
    listed = {os.path.normpath(f["path"]) for f in files or []}
    errors = []
    for image in images or []:
        dockerfile = os.path.join(image["context"], "Dockerfile")
        if os.path.normpath(os.path.expanduser(os.path.expandvars(dockerfile))) not in listed:
            errors.append("{0} does not exist (as a regular file the image tag covers): set image_build_{1}_context to a "
                          "directory with a Dockerfile.".format(dockerfile, image["name"]))
    return errors


def image_build_lookups(images, files, deployment, platform="", length=12, repository_uris=None):
    """One ``{repository_name, image_tag[, repository_uri]}`` per image (``name``, ``context``, ``base``), in order."""
    lookups = []
    for image in images or []:
        name = "{0}/{1}".format(deployment, image["name"])
        lookup = {"repository_name": name,
                  "image_tag": image_source_tag(files, image["context"], image["base"], platform, length)}
        if (repository_uris or {}).get(name):
            lookup["repository_uri"] = repository_uris[name]
        lookups.append(lookup)
    return lookups


def image_build_found(answers, images):
    """``{"item": image, "image": answer}`` per image; the answers are ecr_image's ``images``, in the same order."""
    answers, images = list(answers or []), list(images or [])
    if len(answers) != len(images):
        raise AnsibleFilterError("image_build_found: {0} answers for {1} images; give ecr_image's images for the "
                                 "lookups image_build_lookups made of the same images.".format(len(answers), len(images)))
    return [{"item": image, "image": answer} for image, answer in zip(images, answers)]


def image_source_refs(found):
    """``{name: {image_tag, image_uri, exists}}`` from image_build_found's pairs."""
    refs = {}
    for pair in found or []:
        answer = pair["image"]
        refs[pair["item"]["name"]] = {
            "image_tag": answer["image_tag"],
            "image_uri": answer.get("image_uri") or "{0}:{1}".format(answer["repository_name"], answer["image_tag"]),
            "exists": bool(answer.get("exists")),
        }
    return refs


class FilterModule(object):
    def filters(self):
        return {"image_source_tag": image_source_tag, "image_build_lookups": image_build_lookups,
                "image_context_errors": image_context_errors,
                "image_build_found": image_build_found, "image_source_refs": image_source_refs}
