# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/CONTRIBUTING.md's names table is the one scripts/names_table.py makes from the naming contract."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location("names_table", ROOT / "scripts" / "names_table.py")
names_table = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(names_table)


def test_the_contributing_table_is_the_generated_one():
    current = names_table.in_doc(names_table.DOC.read_text())
    assert current is not None, f"{names_table.DOC} lost the names table's markers"
    assert current == names_table.table(), "the names table is stale: run .venv/bin/python scripts/names_table.py --write"


def test_the_table_names_every_name_of_the_contract():
    shown = set(re.findall(r"`([^`]+)`", names_table.table()))
    missing = sorted(name for name in names_table.contract_names() if name not in shown)
    # The autoscaling resource id and the Redis address contain other names; each is shown whole all the same.
    assert not missing, f"names of _naming.deployment_names missing from the table: {missing}"


def test_the_table_follows_the_contract():
    # A changed name in the contract changes the table: the deployment placeholder is written D everywhere.
    table = names_table.table()
    assert names_table.PLACEHOLDER not in table
    assert "`D-vpc`" in table and "`/ecs/D`" in table and "`D-web-tg`" in table
