# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""_haproxy_stats against a real HAProxy (Debian's haproxy): one server answering its health check, one not."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from ansible_collections.fargate.microservice.plugins.module_utils import _haproxy_stats as hs

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def haproxy(tmp_path_factory):
    if not os.path.exists(HAPROXY):
        pytest.skip(f"{HAPROXY} is missing: run `make setup-host` (Debian package haproxy)")
    tmp = tmp_path_factory.mktemp("haproxy")
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    up_port, down_port, bind_port = web.server_address[1], _free_port(), _free_port()
    sock = str(tmp / "haproxy.sock")
    (tmp / "haproxy.cfg").write_text(f"""
global
    stats socket {sock} mode 600 level admin
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend t-web-lb
    bind 127.0.0.1:{bind_port}
    default_backend t-web-tg
backend t-web-tg
    option httpchk
    http-check send meth GET uri /health ver HTTP/1.1 hdr Host localhost
    default-server inter 200ms rise 1 fall 1
    server aaaa00000001 127.0.0.1:{up_port} check
    server bbbb00000002 127.0.0.1:{down_port} check
""")
    proc = subprocess.Popen([HAPROXY, "-f", str(tmp / "haproxy.cfg")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while True:
        result = hs.stats(sock)
        states = sorted(s["status"] for s in result["servers"])
        if states == ["DOWN", "UP"]:
            break
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail(f"HAProxy did not settle on one UP and one DOWN server: {result}")
        time.sleep(0.2)
    yield {"socket": sock, "up": up_port, "down": down_port}
    proc.terminate()
    proc.wait(timeout=10)
    web.shutdown()


def test_servers_carry_status_check_and_address(haproxy):
    result = hs.stats(haproxy["socket"], backend="t-web-tg")
    assert result["available"] is True and result["reason"] == ""
    by_name = {s["name"]: s for s in result["servers"]}
    assert set(by_name) == {"aaaa00000001", "bbbb00000002"}
    up, down = by_name["aaaa00000001"], by_name["bbbb00000002"]
    assert (up["status"], up["check_status"], up["check_code"]) == ("UP", "L7OK", 200)
    assert up["addr"] == f"127.0.0.1:{haproxy['up']}" and up["backend"] == "t-web-tg"
    assert down["status"] == "DOWN" and down["check_status"].startswith("L4")
    assert isinstance(up["last_change_seconds"], int)
    assert [b["name"] for b in result["backends"]] == ["BACKEND"]
    assert [f["backend"] for f in result["frontends"]] == ["t-web-lb"]


def test_another_backend_filters_every_server_out(haproxy):
    result = hs.stats(haproxy["socket"], backend="other-tg")
    assert result["available"] is True and result["servers"] == [] and result["backends"] == []


@pytest.mark.parametrize("path", ["/nonexistent/haproxy.sock", "/dev/null"])
def test_a_socket_that_does_not_answer_is_reported_not_raised(path):
    result = hs.stats(path)
    assert result["available"] is False and path in result["reason"]
    assert result["servers"] == []


@pytest.mark.parametrize("text", ["", "Unknown command.\n"])
def test_an_answer_without_csv_header_is_refused(text):
    with pytest.raises(ValueError, match="no CSV header"):
        hs.parse_stat(text)
