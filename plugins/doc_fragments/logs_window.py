# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The O(window_since) option both logs modules (ecs_logs_info, local_logs_info) take, documented once."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  window_since:
    description:
      - Also return RV(window_keys), the keys of every line written since this time (same forms as O(since)) that
        O(filter_pattern) keeps, whatever O(lines) keeps, read just before the lines. Following, the lines that were
        there at the first read, so that the follow reads (which reach back over an overlap window) do not show them
        as new. Empty for none.
    type: str
    default: ""
"""
