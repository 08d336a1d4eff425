# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real moto server (the AWS emulator) for the module_utils tests that talk to AWS APIs.

`moto_endpoint` starts one per test module on a free loopback port (tests/moto_emulator.py: moto's
ThreadedMotoServer, in this process); `moto_client(service)` resets its state and returns a boto3
client for it, wrapped as our modules' clients are (amazon.aws's RetryingBotoClientWrapper).
Skipped, saying why, when moto is missing.
"""

from __future__ import annotations

import os
import sys
import urllib.request

import pytest

_TESTS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from moto_emulator import RESET_TIMEOUT, MotoEmulator  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="module")
def moto_endpoint():
    pytest.importorskip("moto.server", reason="moto[server] is not installed: run `make venv`")
    with MotoEmulator(like_the_role=False) as emulator:
        yield emulator.url


@pytest.fixture
def moto_client(moto_endpoint):
    boto3 = pytest.importorskip("boto3", reason="boto3 is not installed: run `make venv`")
    urllib.request.urlopen(urllib.request.Request(moto_endpoint + "/moto-api/reset", method="POST"), timeout=RESET_TIMEOUT)

    retries = pytest.importorskip("ansible_collections.amazon.aws.plugins.module_utils.retries",
                                  reason="amazon.aws is not installed: run `make venv`")

    def make(service):
        client = boto3.client(service, region_name="us-east-1", endpoint_url=moto_endpoint,
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        # As AnsibleAWSModule.client(..., retry_decorator=AWSRetry.jittered_backoff()) wraps it:
        # calls with aws_retry=True are retried, every other call goes through unchanged.
        return retries.RetryingBotoClientWrapper(client, retries.AWSRetry.jittered_backoff())

    return make
