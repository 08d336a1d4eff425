# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the playbooks reach AWS: written once, with the whole credential (issue 10 point 1, issue 9 point 5).

The AWS module defaults (region, endpoint, keys, session token) live in one file, ``playbooks/vars/aws.yml``;
every play that calls AWS loads it and passes it to the collection's ``aws`` action group (which extends
amazon.aws's and community.aws's). A copy typed into a play would drift: a play whose defaults give the access
and secret key but not the session token breaks every AWS call of that play with temporary credentials (SSO,
assume-role, AWX's credential with a token): AWS answers "The security token included in the request is invalid".
``site.yml`` and ``teardown.yml`` run one AWS play each.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
GROUPS = ("group/fargate.microservice.aws", "group/amazon.aws.aws", "group/community.aws.aws", "group/aws")
OUR_GROUP = "group/fargate.microservice.aws"
SHARED_FILE = "vars/aws.yml"
SHARED_VAR = "__microservice_aws_defaults"
# The playbooks a user runs (molecule's and the tests' plays talk to the emulator with its fixed fake keys).
PLAYBOOKS = sorted(ROOT.glob("playbooks/*.yml")) + [ROOT / "site.yml"]


def plays_of(path):
    plays = yaml.safe_load(path.read_text()) or []
    return [play or {} for play in plays] if isinstance(plays, list) else []


def aws_plays(path):
    """The plays of ``path`` that set module defaults for an AWS action group."""
    return [play for play in plays_of(path)
            if any(group in (play.get("module_defaults") or {}) for group in GROUPS)]


def test_the_plays_with_aws_defaults_are_found():
    # the scan itself: site.yml's play sets them, so a broken scan cannot pass the tests below silently
    assert aws_plays(ROOT / "playbooks" / "site.yml")


def test_the_shared_defaults_pass_the_whole_credential():
    shared = yaml.safe_load((ROOT / "playbooks" / SHARED_FILE).read_text())
    defaults = shared[SHARED_VAR]
    assert set(defaults) == {"region", "endpoint_url", "access_key", "secret_key", "session_token"}
    for option, variable in (("region", "microservice_aws_region"), ("endpoint_url", "microservice_aws_endpoint_url"),
                             ("access_key", "microservice_aws_access_key"), ("secret_key", "microservice_aws_secret_key"),
                             ("session_token", "microservice_aws_session_token")):
        assert variable in defaults[option], f"{SHARED_FILE}: {option} is not taken from {variable}"
    # only the region is required: the rest falls back to the boto3 credential chain
    assert all("default(omit)" in defaults[option] for option in defaults if option != "region")


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_aws_play_uses_the_shared_defaults(path):
    for play in aws_plays(path):
        name = play.get("name")
        defaults = play["module_defaults"]
        assert set(defaults) & set(GROUPS) == {OUR_GROUP}, f"{path.name}: play {name!r} sets another AWS group than {OUR_GROUP}"
        assert defaults[OUR_GROUP].replace(" ", "") == "{{%s}}" % SHARED_VAR, (
            f"{path.name}: play {name!r} types its AWS defaults instead of passing {SHARED_VAR} ({SHARED_FILE})")
        assert SHARED_FILE in (play.get("vars_files") or []), f"{path.name}: play {name!r} does not load {SHARED_FILE}"


@pytest.mark.parametrize("name", ["site.yml", "teardown.yml"])
def test_site_and_teardown_run_one_aws_play(name):
    assert len(aws_plays(ROOT / "playbooks" / name)) == 1
