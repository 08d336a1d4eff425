# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the integration tests (pytest loads this for every test under tests/integration).

- ``it_emulator``: the emulator on IT_EMULATOR_PORT (itlib.PORT) for the test module, cleared first;
  the same one ``itlib.start_emulator()`` starts (tests/moto_emulator.py, moto's ThreadedMotoServer).
- ``start_moto(port=None, env=None, recording=None)``: an emulator of the module's own, on a free port
  unless one is given, with moto settings ``env`` and the request recorder writing ``recording``.
- ``names(deployment, **kwargs)``: the deployment's naming contract, from
  plugins/module_utils/_naming.py (deployment_names), so a test never retypes a resource name
  (``itlib.names`` outside a fixture, e.g. in a module's constants).

It also makes ``itlib`` (tests/integration/fixtures), ``moto_emulator`` (tests) and
``ansible_collections.fargate.microservice`` (the checkout) importable.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
for _path in (_HERE / "fixtures", _HERE.parent, _HERE.parents[1] / "collections"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import itlib  # noqa: E402  pylint: disable=wrong-import-position
from moto_emulator import MotoEmulator  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="module")
def it_emulator():
    emulator = itlib.start_emulator()
    emulator.reset()
    yield emulator
    itlib.stop_emulator()


@pytest.fixture(scope="module")
def start_moto():
    started = []

    def start(port=None, env=None, recording=None):
        emulator = MotoEmulator(port, env=env, recording=recording).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in reversed(started):
        emulator.stop()


@pytest.fixture(scope="session")
def names():
    """itlib.names: deployment -> _naming.deployment_names(deployment, **kwargs)."""
    return itlib.names
