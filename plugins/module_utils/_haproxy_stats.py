# -*- coding: utf-8 -*-
# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read HAProxy's view of its servers from its runtime API socket (``show stat``), read-only.

The local_alb role starts HAProxy with ``stats socket <state dir>/haproxy.sock``; ``show stat``
answers one CSV line per frontend, backend and server (HAProxy management guide, "show stat",
section 9.1 "CSV format"). Only that command is ever sent: nothing here changes HAProxy.
"""

from __future__ import annotations

import csv
import io
import socket

# The fields reported, by their CSV header names (management guide 9.1).
FIELDS = ("pxname", "svname", "status", "check_status", "check_code", "check_desc", "lastchg", "addr", "scur", "stot",
          "weight", "chkfail", "downtime", "hrsp_5xx")


def query(path, command="show stat", timeout=5.0):
    """Send one command to the runtime API socket and return its whole answer as text."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(command.encode("ascii") + b"\n")
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_stat(text):
    """``show stat`` CSV -> {frontends: [...], backends: [...], servers: [...]} with the FIELDS of each line."""
    lines = text.lstrip().splitlines()
    if not lines or not lines[0].startswith("# "):
        raise ValueError("HAProxy's answer to 'show stat' has no CSV header line: " + text[:200].strip())
    reader = csv.DictReader(io.StringIO("\n".join([lines[0][2:]] + [ln for ln in lines[1:] if ln.strip()])))
    result = {"frontends": [], "backends": [], "servers": []}
    for row in reader:
        entry = {key: row.get(key, "") for key in FIELDS}
        for key in ("check_code", "lastchg", "scur", "stot", "weight", "chkfail", "downtime", "hrsp_5xx"):
            entry[key] = _int(entry[key])
        entry["backend"] = entry.pop("pxname")
        entry["name"] = entry.pop("svname")
        entry["last_change_seconds"] = entry.pop("lastchg")
        entry["current_sessions"] = entry.pop("scur")
        entry["total_sessions"] = entry.pop("stot")
        entry["failed_checks"] = entry.pop("chkfail")
        if entry["name"] == "FRONTEND":
            result["frontends"].append(entry)
        elif entry["name"] == "BACKEND":
            result["backends"].append(entry)
        else:
            result["servers"].append(entry)
    return result


def stats(path, backend=None, timeout=5.0):
    """Everything the module returns: ``available`` False (with ``reason``) when the socket does not answer."""
    try:
        parsed = parse_stat(query(path, timeout=timeout))
    except (OSError, ValueError) as err:
        return {"available": False, "reason": f"{path}: {err}", "frontends": [], "backends": [], "servers": []}
    if backend:
        for key in ("backends", "servers"):
            parsed[key] = [e for e in parsed[key] if e["backend"] == backend]
    return dict(parsed, available=True, reason="")
