# -*- coding: utf-8 -*-
# Copyright: fargate.microservice contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cost role's estimate: pure arithmetic on variables and a price list, no AWS call."""

from __future__ import annotations

from ansible_collections.fargate.microservice.plugins.module_utils._cost import CostError, estimate


def cost_estimate(inputs, price_list):
    """Return the estimate for every NAT mode, or {'error': one sentence} for bad input or a missing price."""
    try:
        report = estimate(inputs, price_list)
    except CostError as exc:
        return {"error": str(exc)}
    report["error"] = None
    return report


class FilterModule:
    """Cost filters."""

    def filters(self):
        return {"cost_estimate": cost_estimate}
