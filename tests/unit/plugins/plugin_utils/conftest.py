# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make ansible_collections.fargate.microservice importable from the checkout.

collections/ansible_collections/fargate/microservice is a symlink to the repository root;
ansible_collections is a namespace package, so adding collections/ to sys.path merges it with
the bundled collections in the venv.
"""

from __future__ import annotations

import os
import sys

_COLLECTIONS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "collections"))
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)
