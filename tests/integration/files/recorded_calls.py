# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test helper: the ECS write calls in the emulator's request recording (moto's request recorder), in order.

Usage: recorded_calls.py ENDPOINT OPERATION...
Prints a JSON list of [operation, parameters] for every recorded ECS request (JSON protocol: the operation is
named in X-Amz-Target) whose operation is one of OPERATION, in the order the emulator received them.
"""

import base64
import json
import sys
import urllib.request

TARGET = "AmazonEC2ContainerServiceV20141113."


def main():
    endpoint, operations = sys.argv[1], set(sys.argv[2:])
    with urllib.request.urlopen(endpoint + "/moto-api/recorder/download-recording", timeout=30) as answer:
        lines = answer.read().decode("utf-8").splitlines()
    calls = []
    for line in lines:
        if not line.strip():
            continue
        entry = json.loads(line)
        target = {k.lower(): v for k, v in entry.get("headers", {}).items()}.get("x-amz-target", "")
        if not target.startswith(TARGET) or target[len(TARGET):] not in operations:
            continue
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8")
        calls.append([target[len(TARGET):], json.loads(body or "{}")])
    print(json.dumps(calls))


if __name__ == "__main__":
    main()
