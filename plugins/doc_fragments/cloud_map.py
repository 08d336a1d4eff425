# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the AWS Cloud Map namespace modules share: the namespace they find by name, and why they exist."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  name:
    description: The namespace's DNS name, for example C(internal-countweb.local).
    type: str
    required: true
notes:
  - Written because neither amazon.aws 10.1.2 nor community.aws 10.0.0 has a module for AWS Cloud Map.
"""
