# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the AWS Cloud Map modules share: the namespace they find by name, why they exist, how long they wait."""

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

    # The modules that wait for Cloud Map's asynchronous operations (GetOperation).
    WAIT = r"""
options:
  wait_timeout:
    description: Seconds to wait for each Cloud Map operation (create, update, registration, deregistration) to finish.
    type: int
    default: 300
"""
