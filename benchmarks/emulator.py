"""A moto server for benchmarks: start it on a free loopback port, count the AWS API
requests it receives (moto's request recorder), stop it.

Counting happens in the emulator, so it sees every request any process sends to it:
ansible-playbook's modules, boto3 scripts, anything. Requests are classified by AWS
operation (X-Amz-Target header for JSON protocols, Action= for query protocols, method and
path for REST protocols).
"""
from __future__ import annotations

import base64
import collections
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._dir = tempfile.TemporaryDirectory(prefix="moto-bench-")
        self._proc: subprocess.Popen | None = None
        # moto's request recorder appends one JSON line per request received while recording.
        self.recording = os.path.join(self._dir.name, "recording")

    def __enter__(self) -> "Emulator":
        moto = Path(sys.executable).parent / "moto_server"
        env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true",
                   MOTO_RECORDER_FILEPATH=self.recording)
        log = open(os.path.join(self._dir.name, "moto.log"), "wb")
        self._proc = subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p", str(self.port)],
                                      stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=2)
                return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"moto_server did not answer on {self.url} within 60 s")

    def __exit__(self, *exc) -> None:
        if self._proc:
            self._proc.terminate()
            self._proc.wait(timeout=30)
        self._dir.cleanup()

    def _post(self, path: str) -> bytes:
        req = urllib.request.Request(self.url + path, method="POST", data=b"")
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read()

    def start_counting(self) -> None:
        self._post("/moto-api/recorder/reset-recording")
        self._post("/moto-api/recorder/start-recording")

    def stop_counting(self) -> collections.Counter:
        """Stop recording and return a Counter of AWS operations received since start."""
        self._post("/moto-api/recorder/stop-recording")
        with urllib.request.urlopen(self.url + "/moto-api/recorder/download-recording", timeout=30) as r:
            lines = r.read().decode().splitlines()
        return collections.Counter(operation(json.loads(line)) for line in lines if line.strip())


def operation(entry: dict) -> str:
    """Name the AWS operation of one recorded request."""
    headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
    if "x-amz-target" in headers:  # JSON protocols: ECS, ECR, Logs, ...
        return headers["x-amz-target"].split(".")[-1]
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode(errors="replace")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(entry["url"]).query)
    form = urllib.parse.parse_qs(body) if isinstance(body, str) else {}
    action = (form.get("Action") or query.get("Action") or [None])[0]
    if action:  # query protocols: EC2, IAM, ELBv2, STS
        return action
    return f"{entry.get('method')} {urllib.parse.urlparse(entry['url']).path}"
