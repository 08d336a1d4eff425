# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ownership option every owning module of the collection shares (plugins/module_utils/_ownership.py)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  ownership_tags:
    description:
      - Tags an existing resource must carry for this module to change or delete it; the roles pass the deployment's
        ownership tag (C(fargate.microservice/deployment=<deployment>), the naming contract in
        C(plugins/module_utils/_naming.py)).
      - With O(state=present) an existing resource of that name without them makes the module fail with a message
        saying what to do (unless the module's description says otherwise); with O(state=absent) it is left alone and
        RV(skipped_unowned) is returned.
      - Empty means no guard.
    type: dict
    default: {}
"""

    # The read-only modules: the same option, which only marks what is ours.
    INFO = r"""
options:
  ownership_tags:
    description:
      - Tags that make a resource ours (RV(owned)); the roles pass the deployment's ownership tag, as to the owning modules.
      - Empty means everything counts as ours.
    type: dict
    default: {}
"""

    # The modules that change something inside a resource they do not create (a Cloud Map service's instances):
    # the guard is on that resource, in either state.
    PARENT = r"""
options:
  ownership_tags:
    description:
      - Tags the resource this module changes things in (its description says which) must carry; the roles pass the
        deployment's ownership tag, as to the owning modules.
      - Without them the module fails, in either state, with a message saying what to do.
      - Empty means no guard.
    type: dict
    default: {}
"""
