# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real moto server (the AWS emulator) for the module_utils tests that talk to AWS APIs.

`moto_endpoint` starts one per test module on a free loopback port; `moto_client(service)`
resets its state and returns a boto3 client for it, wrapped as our modules' clients are
(amazon.aws's RetryingBotoClientWrapper). Skipped, saying why, when moto is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    server = os.path.join(os.path.dirname(sys.executable), "moto_server")
    if not os.path.exists(server):
        pytest.skip(f"{server} is missing: run `make venv` to install moto[server]")
    port = _free_port()
    proc = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=2)
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("moto_server did not start within 60 s")
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def moto_client(moto_endpoint):
    boto3 = pytest.importorskip("boto3", reason="boto3 is not installed: run `make venv`")
    urllib.request.urlopen(urllib.request.Request(moto_endpoint + "/moto-api/reset", method="POST"), timeout=10)

    retries = pytest.importorskip("ansible_collections.amazon.aws.plugins.module_utils.retries",
                                  reason="amazon.aws is not installed: run `make venv`")

    def make(service):
        client = boto3.client(service, region_name="us-east-1", endpoint_url=moto_endpoint,
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        # As AnsibleAWSModule.client(..., retry_decorator=AWSRetry.jittered_backoff()) wraps it:
        # calls with aws_retry=True are retried, every other call goes through unchanged.
        return retries.RetryingBotoClientWrapper(client, retries.AWSRetry.jittered_backoff())

    return make
