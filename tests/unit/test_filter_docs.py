# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every filter of the collection has its documentation file, plugins/filter/<name>.yml, naming it
(ansible-doc reads filter docs from that adjacent file; without it the filter is undocumented and
tests/integration/build, which runs ansible-doc for each .yml, never notices)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(p.stem for p in (ROOT / "plugins" / "filter").glob("*.py") if p.stem != "__init__")


def _filters():
    names = []
    for module in MODULES:
        plugin = importlib.import_module(f"ansible_collections.fargate.microservice.plugins.filter.{module}")
        names += [(module, name) for name in plugin.FilterModule().filters()]
    return names


@pytest.mark.parametrize("module,name", _filters())
def test_every_filter_has_its_doc_file(module, name):
    doc = ROOT / "plugins" / "filter" / f"{name}.yml"
    assert doc.exists(), f"filter {name} (plugins/filter/{module}.py) has no plugins/filter/{name}.yml: write its DOCUMENTATION there"
    assert yaml.safe_load(doc.read_text())["DOCUMENTATION"]["name"] == name, f"{doc} names another filter"


def test_no_doc_file_without_its_filter():
    names = {name for _module, name in _filters()}
    orphans = sorted(p.stem for p in (ROOT / "plugins" / "filter").glob("*.yml") if p.stem not in names)
    assert orphans == [], f"doc files with no filter (remove them): {orphans}"
