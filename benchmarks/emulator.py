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
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

# The one way this project starts an emulator for its tests, used for the benchmarks too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from moto_emulator import ROLE_ENV, MotoEmulator, _post, is_moto_api  # noqa: E402  pylint: disable=wrong-import-position


class Emulator:
    """tests/moto_emulator.py's emulator, with the settings roles/emulator gives moto_server, in a process of
    its own (MotoEmulator.spawn: a benchmark runs several at once, one per variant), its requests recorded."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port
        self.url = ""
        self._dir = tempfile.TemporaryDirectory(prefix="moto-bench-")
        self._proc = None
        # moto's request recorder appends one JSON line per request received while recording.
        self.recording = os.path.join(self._dir.name, "recording")

    def __enter__(self) -> "Emulator":
        self._proc, self.url = MotoEmulator.spawn(self.port, env=ROLE_ENV,
                                                  recording=self.recording,
                                                  log=os.path.join(self._dir.name, "moto.log"))
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def __exit__(self, *exc) -> None:
        if self._proc:
            self._proc.terminate()
            self._proc.wait(timeout=30)
        self._dir.cleanup()

    def start_counting(self) -> None:
        _post(self.url + "/moto-api/recorder/reset-recording")
        _post(self.url + "/moto-api/recorder/start-recording")

    def stop_counting(self) -> collections.Counter:
        """Stop recording and return a Counter of AWS operations received since start.

        Requests to the emulator's own API (/moto-api/, e.g. the emulator role's probe of the local target) are
        not AWS requests and are not counted."""
        _post(self.url + "/moto-api/recorder/stop-recording")
        with urllib.request.urlopen(self.url + "/moto-api/recorder/download-recording", timeout=30) as r:
            entries = [json.loads(line) for line in r.read().decode().splitlines() if line.strip()]
        return collections.Counter(operation(e) for e in entries if not is_moto_api(urllib.parse.urlparse(e["url"]).path))


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
