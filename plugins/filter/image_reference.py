# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Container image references checked before any AWS call (plugins/module_utils/_image_reference.py is
the one implementation of the grammar; the ecs_task_definition module uses the same).

- ``image_reference_errors``: ``{variable: reference}`` -> one sentence per malformed reference, naming
  its variable; an empty reference is skipped (the roles read it as "not given").
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.fargate.microservice.plugins.module_utils._image_reference import image_reference_error


def image_reference_errors(values):
    if not isinstance(values, dict):
        raise AnsibleFilterError("image_reference_errors expects a dict of variable names to image references")
    errors = []
    for variable in sorted(values):
        reference = values[variable]
        if reference is None or reference == "":
            continue
        error = image_reference_error(reference if isinstance(reference, str) else str(reference), variable)
        if error:
            errors.append(error)
    return errors


class FilterModule:
    """Image reference filters."""

    def filters(self):
        return {"image_reference_errors": image_reference_errors}
