# Copyright: fargate.microservice developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The verify role's "count rises" check, against scripted sequences of answers.

Each task counts in its own Redis, and which task answers is the load balancer's choice, so the
count can only be compared between two answers of the same task (the X-Served-By header). These
tests replay sequences that a real deployment produces only now and then - above all the one that
failed a CI run while the tasks were being rolled ("6 then 6, 1, 1, 2": the first task never came
back) - through a real HTTP server on 127.0.0.1 and the real role (playbooks/verify.yml). The
working path through the app and HAProxy is covered by molecule's local scenario.

Run: .venv/bin/python -m pytest -v tests/integration/verify
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import itlib  # noqa: E402

PAGE = "<html><body><h1>Counting App</h1><p>Hi, 127.0.0.1</p><p>You access this website {} time(s).</p></body></html>"


class ScriptedSite:
    """Answers GET /home with the next (instance, count) of a script; 500 once it runs out."""

    def __init__(self, script):
        self.script = list(script)
        self.served = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                if not site.script:
                    self.send_error(500, "the script ran out")
                    return
                instance, count = site.script.pop(0)
                site.served.append((instance, count))
                body = PAGE.format(count).encode()
                self.send_response(200)
                if instance:
                    self.send_header("X-Served-By", instance)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def verify(site, attempts=4, **extra_vars):
    if attempts is not None:
        extra_vars["verify_count_attempts"] = attempts
    return itlib.playbook("playbooks/verify.yml", verify_local_port=site.port, verify_timeout=10, verify_poll_interval=1,
                          **extra_vars)


@pytest.mark.parametrize("script", [
    # The CI failure: the first task (6) left rotation during a roll; new tasks counted 1, 1, 2.
    [("web-a", 6), ("web-b", 6), ("web-c", 1), ("web-d", 1), ("web-c", 2)],
    # Two tasks in round robin; task a's 60 s window ran out between its answers, task b still rose.
    [("web-a", 5), ("web-b", 5), ("web-a", 1), ("web-b", 6), ("web-a", 2)],
    # An app without the header counts as one task.
    [("", 1), ("", 2), ("", 3), ("", 4), ("", 5)],
], ids=["roll-ci-failure", "window-reset", "no-header"])
def test_count_rising_at_one_task_passes(script):
    with ScriptedSite(script) as site:
        run = verify(site)
    assert run.rc == 0, run
    assert site.served == script, run
    assert "The site is up: http://127.0.0.1:%d/home" % site.port in run.out, run


@pytest.mark.parametrize("script, message", [
    # Two tasks answer in turn, but neither count moves: the app does not reach a working Redis.
    ([("web-a", 3), ("web-b", 3), ("web-a", 3), ("web-b", 3), ("web-a", 3)], "did not rise at any task that answered twice"),
    # Counts that only fall at the same task are no rise either.
    ([("web-a", 9), ("web-a", 8), ("web-a", 7), ("web-a", 6), ("web-a", 5)], "did not rise at any task that answered twice"),
    ([("", 4), ("", 4), ("", 4), ("", 4), ("", 4)], "did not rise at any task that answered twice"),
    # Five answers from five tasks: nothing to compare, and the message says what to change.
    ([("web-a", 1), ("web-b", 1), ("web-c", 1), ("web-d", 1), ("web-e", 1)], "set verify_count_attempts above the number of tasks"),
], ids=["flat", "falling", "flat-no-header", "no-task-twice"])
def test_count_not_rising_fails(script, message):
    with ScriptedSite(script) as site:
        run = verify(site)
    assert run.rc == 2 and run.failed == 1, run
    assert site.served == script, run
    assert message in " ".join(run.out.split()), run


def test_attempts_reach_a_task_twice():
    """Two tasks and one further request cannot compare anything; three further requests do."""
    script = [("web-a", 1), ("web-b", 1), ("web-a", 2), ("web-b", 2)]
    with ScriptedSite(script) as site:
        short = verify(site, attempts=1)
    assert short.rc == 2 and "set verify_count_attempts above the number of tasks" in " ".join(short.out.split()), short
    with ScriptedSite(script) as site:
        run = verify(site, attempts=3)
    assert run.rc == 0 and site.served == script, run


def test_attempts_follow_the_desired_count():
    """By default the further requests are 4, or the service's desired count plus 2 when that is more:
    six tasks get 1 + 4 answers (none twice, a failure), or 1 + 8 with service_desired_count=6."""
    six_tasks = [("web-%d" % i, 1) for i in range(6)] + [("web-0", 2)]
    with ScriptedSite(six_tasks) as site:
        run = verify(site, attempts=None)
    assert run.rc == 2 and site.served == six_tasks[:5], run
    script = six_tasks + [("web-1", 2), ("web-2", 2)]
    with ScriptedSite(script) as site:
        run = verify(site, attempts=None, service_desired_count=6)
    assert run.rc == 0 and site.served == script, run
