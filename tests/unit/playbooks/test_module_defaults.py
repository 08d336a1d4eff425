# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every play that sets AWS module defaults passes the whole credential: temporary credentials (issue 10 point 1).

A play whose ``module_defaults`` for the collection's ``aws`` action group give the access and secret key but not
the session token breaks every AWS call of that play with temporary credentials (SSO, assume-role, AWX's
credential with a token): AWS answers "The security token included in the request is invalid".
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
GROUPS = ("group/fargate.microservice.aws", "group/amazon.aws.aws", "group/aws")
# The playbooks a user runs (molecule's plays talk to the emulator with its fixed fake keys).
PLAYBOOKS = sorted(ROOT.glob("playbooks/*.yml")) + [ROOT / "site.yml"]


def aws_defaults(path):
    """(play name, defaults) of every play in ``path`` with AWS module defaults."""
    plays = yaml.safe_load(path.read_text()) or []
    found = []
    for play in plays if isinstance(plays, list) else []:
        defaults = (play or {}).get("module_defaults") or {}
        for group in GROUPS:
            if group in defaults:
                found.append((play.get("name"), defaults[group]))
    return found


def test_the_plays_with_aws_defaults_are_found():
    # the scan itself: site.yml's plays set them, so a broken scan cannot pass the test below silently
    assert aws_defaults(ROOT / "playbooks" / "site.yml")


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_play_with_keys_passes_the_session_token(path):
    for name, defaults in aws_defaults(path):
        if "access_key" in defaults or "secret_key" in defaults:
            assert "session_token" in defaults, f"{path.name}: play {name!r} passes the keys but not the session token"
            assert "microservice_aws_session_token" in str(defaults["session_token"])
