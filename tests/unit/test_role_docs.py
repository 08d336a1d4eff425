# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every role documents its variables once: meta/argument_specs.yml, key for key with defaults/main.yml,
every option described; the README points there (or, until it is converted, lists every variable of its own)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists())
LINK = "(meta/argument_specs.yml)"


def spec_options(role):
    return yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"].get(
        "options", {})


@pytest.mark.parametrize("role", ROLES)
def test_the_argument_spec_matches_the_defaults_key_for_key(role):
    defaults_file = ROOT / "roles" / role / "defaults" / "main.yml"
    defaults = (yaml.safe_load(defaults_file.read_text()) if defaults_file.exists() else None) or {}
    options = spec_options(role)
    assert sorted(options) == sorted(defaults), (
        f"roles/{role}: only in defaults {sorted(set(defaults) - set(options))}, "
        f"only in argument_specs {sorted(set(options) - set(defaults))}")
    undescribed = [name for name, option in options.items() if not option.get("description")]
    assert not undescribed, f"roles/{role}/meta/argument_specs.yml: options without a description: {undescribed}"


@pytest.mark.parametrize("role", ROLES)
def test_the_readme_points_at_the_argument_spec_or_lists_every_variable(role):
    readme = (ROOT / "roles" / role / "README.md").read_text()
    if LINK in readme:
        return
    listed = set(re.findall(r"^\| *`([a-z_]+)`", readme, re.M))
    # The variables every role shares (microservice_*) are described once, in docs/CONTRIBUTING.md.
    missing = sorted(name for name in set(spec_options(role)) - listed if not name.startswith("microservice_"))
    assert not missing, f"roles/{role}/README.md neither links {LINK} nor lists {missing}"
