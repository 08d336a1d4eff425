# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The naming filters hand the module_utils contract to roles unchanged, and refuse bad input in one sentence."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fargate.microservice.plugins.filter.naming import FilterModule
from ansible_collections.fargate.microservice.plugins.module_utils import _naming

FILTERS = FilterModule().filters()


@pytest.mark.parametrize("kwargs", [
    {},
    {"nat_mode": "per_az", "zone_count": 3},
    {"nat_mode": "none", "interface_endpoints": ["ecr.api"]},
    {"repositories": ("web",), "task_family": "f", "service_name": "s"},
])
def test_deployment_names_is_the_module_utils_contract(kwargs):
    expected = _naming.deployment_names("hstat", **{k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()})
    assert FILTERS["deployment_names"]("hstat", **kwargs) == expected


@pytest.mark.parametrize("deployment, kwargs, message", [
    ("Hstat", {}, "microservice_deployment 'Hstat' is invalid"),
    ("hstat", {"nat_mode": "gateway"}, "network_nat_mode 'gateway' is unknown"),
    ("hstat", {"zone_count": "x"}, "invalid literal"),
])
def test_deployment_names_refuses_bad_input(deployment, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message):
        FILTERS["deployment_names"](deployment, **kwargs)


@pytest.mark.parametrize("deployment, variable, empty", [
    ("hstat", "microservice_deployment", True),
    ("HSTAT", "microservice_deployment", False),
    ("x" * 21, "fixture_deployment", False),
])
def test_deployment_name_error(deployment, variable, empty):
    message = FILTERS["deployment_name_error"](deployment, variable)
    assert (message == "") is empty
    if not empty:
        assert message.startswith(variable + " ")
